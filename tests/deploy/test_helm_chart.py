"""The Helm chart, rendered with ``helm template`` and checked against the Kubernetes JSON schemas.

Rendering needs a helm binary: on PATH, in $HELM, or at deploy/.bin/helm
(``deploy/get-helm.sh`` puts one there). The values file is always checked
against the chart's values.schema.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "flowdesk"
KUBERNETES = "1.30.0"
SHARED = ["--set", "secrets.FLOWDESK_DATABASE_URL=postgresql+asyncpg://flowdesk:pw@db:5432/flowdesk",
          "--set", "secrets.FLOWDESK_REDIS_URL=redis://redis:6379/0",
          "--set", "secrets.FLOWDESK_SLACK_SIGNING_SECRET=s3cret", "--set", "secrets.FLOWDESK_SLACK_BOT_TOKEN=xoxb-1"]


def helm_binary() -> str | None:
    for candidate in (os.environ.get("HELM"), shutil.which("helm"), str(ROOT / "deploy" / ".bin" / "helm")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


HELM = helm_binary()
needs_helm = pytest.mark.skipif(HELM is None, reason="no helm binary (run deploy/get-helm.sh, or put helm on PATH)")


def render(*args: str) -> dict[str, list[dict[str, Any]]]:
    assert HELM is not None
    out = subprocess.run([HELM, "template", "rel", str(CHART), *args], capture_output=True, text=True, check=True)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in yaml.safe_load_all(out.stdout):
        if doc:
            by_kind.setdefault(doc["kind"], []).append(doc)
    return by_kind


def deployment(manifests: dict[str, list[dict[str, Any]]], component: str) -> dict[str, Any]:
    [found] = [d for d in manifests["Deployment"] if d["metadata"]["labels"]["app.kubernetes.io/component"] == component]
    return found


def test_values_match_the_chart_schema_and_name_only_known_settings() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    jsonschema.validate(values, json.loads((CHART / "values.schema.json").read_text()))
    known = {f"FLOWDESK_{name.upper()}" for name in Settings.model_fields}
    assert set(values["config"]) <= known and set(values["secrets"]) <= known
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "flowdesk" and chart["version"]


@needs_helm
def test_chart_lints() -> None:
    assert HELM is not None
    result = subprocess.run([HELM, "lint", str(CHART), *SHARED], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_helm
@pytest.mark.parametrize("extra", [[], ["--set", "web.autoscaling.enabled=false", "--set", "migrations.enabled=false"]])
def test_every_rendered_manifest_is_valid_kubernetes(extra: list[str]) -> None:
    manifests = render(*SHARED, *extra)
    for docs in manifests.values():
        for doc in docs:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)


@needs_helm
def test_web_is_probed_on_readyz_and_healthz_and_scaled_by_the_hpa() -> None:
    manifests = render(*SHARED)
    web = deployment(manifests, "web")
    [container] = web["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["args"][:1] == ["serve"]
    [hpa] = manifests["HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": web["metadata"]["name"]}
    assert "replicas" not in web["spec"], "the HPA owns the replica count"
    [service] = manifests["Service"]
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]


@needs_helm
def test_worker_runs_apart_and_every_pod_is_non_root_with_tokens_from_the_secret() -> None:
    manifests = render(*SHARED)
    worker = deployment(manifests, "worker")
    assert worker["spec"]["template"]["spec"]["containers"][0]["args"][0] == "worker"
    [secret] = manifests["Secret"]
    assert secret["stringData"]["FLOWDESK_SLACK_BOT_TOKEN"] == "xoxb-1"
    [configmap] = manifests["ConfigMap"]
    assert "xoxb-1" not in json.dumps(configmap)
    for pod in [deployment(manifests, "web"), worker]:
        spec = pod["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        refs = [source["secretRef"]["name"] for source in spec["containers"][0]["envFrom"] if "secretRef" in source]
        assert refs == [secret["metadata"]["name"]]
    [job] = manifests["Job"]
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]
    assert "pre-install" in job["metadata"]["annotations"]["helm.sh/hook"]


@needs_helm
def test_worker_is_probed_and_scraped_on_its_own_port() -> None:
    worker = deployment(render(*SHARED, "--set", "worker.port=9191"), "worker")
    template = worker["spec"]["template"]
    [container] = template["spec"]["containers"]
    assert container["args"] == ["worker", "--host", "0.0.0.0", "--port", "9191"]
    assert container["ports"] == [{"name": "metrics", "containerPort": 9191, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    annotations = template["metadata"]["annotations"]
    assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/path"], annotations["prometheus.io/port"]) \
        == ("true", "/metrics", "9191")


@needs_helm
def test_without_database_and_redis_urls_the_chart_refuses_to_render() -> None:
    assert HELM is not None
    result = subprocess.run([HELM, "template", "rel", str(CHART)], capture_output=True, text=True)
    assert result.returncode != 0 and "FLOWDESK_DATABASE_URL" in result.stderr


@needs_helm
def test_an_existing_secret_replaces_the_charts_secret() -> None:
    manifests = render("--set", "existingSecret=flowdesk-prod")
    assert "Secret" not in manifests
    env = deployment(manifests, "web")["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert {"secretRef": {"name": "flowdesk-prod"}} in env
