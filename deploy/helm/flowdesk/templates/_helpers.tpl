{{- define "flowdesk.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flowdesk.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "flowdesk.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flowdesk.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "flowdesk.secretName" -}}
{{- .Values.existingSecret | default (include "flowdesk.fullname" .) -}}
{{- end -}}

{{- /* Settings for every flowdesk container: the ConfigMap, then the Secret. */ -}}
{{- define "flowdesk.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "flowdesk.fullname" . }}
  - secretRef:
      name: {{ include "flowdesk.secretName" . }}
env:
  - name: FLOWDESK_DATA_DIR
    value: /var/lib/flowdesk
  - name: HOME
    value: /var/lib/flowdesk
{{- end -}}

{{- define "flowdesk.volumes" -}}
volumes:
  - name: data
    emptyDir: {}
  - name: tmp
    emptyDir: {}
{{- end -}}

{{- define "flowdesk.mounts" -}}
volumeMounts:
  - name: data
    mountPath: /var/lib/flowdesk
  - name: tmp
    mountPath: /tmp
{{- end -}}
