#!/usr/bin/env bash
# Renders the Helm chart (deploy/helm/buyonline-cdc) and validates every manifest against the
# Kubernetes schemas: `helm lint`, then `helm template` with the default values and with each
# ci/*-values.yaml, piped to `kubernetes-validate --strict` (unknown fields are errors).
#
#   bash scripts/validate-chart.sh            K8S_VERSIONS="1.30.0" bash scripts/validate-chart.sh
#
# Kubernetes versions (K8S_VERSIONS): 1.27 (the oldest the chart's kubeVersion allows), 1.30, and
# 1.37 (the newest whose schemas kubernetes-validate ships).
#
# Tools, installed into ${BUYONLINE_CACHE:-~/.cache/buyonline-stack} the first time:
#   helm (HELM_VERSION) built with `go install` from the Go module proxy (needs Go 1.26+;
#     12 minutes the first time on 2 cores at load 20, downloads included; then cached). A helm
#     built this way has no default Kubernetes version (it says 1.20), so templates name one;
#   kubernetes-validate (KUBERNETES_VALIDATE_VERSION, from PyPI, in a venv; it carries the schemas).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$root/deploy/helm/buyonline-cdc"
CACHE="${BUYONLINE_CACHE:-$HOME/.cache/buyonline-stack}"
HELM_VERSION="${HELM_VERSION:-v3.22.1}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
K8S_VERSIONS="${K8S_VERSIONS:-1.27.0 1.30.0 1.37.0}"
PYTHON="${PYTHON:-python3}"
HELM="$CACHE/helm-$HELM_VERSION/bin/helm"
VENV="$CACHE/kubernetes-validate-venv"

log() { printf '[validate-chart] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_helm() {
  [[ -x "$HELM" ]] && return 0
  command -v go >/dev/null \
    || die "no Go toolchain: helm is built from the Go module proxy (install Go 1.26+ from go.dev, or put helm $HELM_VERSION at $HELM)"
  log "building helm $HELM_VERSION from the Go module proxy into $(dirname "$HELM") (once)"
  mkdir -p "$(dirname "$HELM")"
  local started=$SECONDS
  GOFLAGS=-mod=mod GOBIN="$(dirname "$HELM")" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
    || die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed"
  log "helm built in $((SECONDS - started)) s"
}

install_validator() {
  if [[ -x "$VENV/bin/kubernetes-validate" ]] \
    && [[ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("kubernetes-validate"))')" == "$KUBERNETES_VALIDATE_VERSION" ]]; then
    return 0
  fi
  log "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION into $VENV (PyPI)"
  mkdir -p "$CACHE"
  "$PYTHON" -m venv "$VENV" || die "cannot create a venv with $PYTHON (apt-get install python3-venv?)"
  "$VENV/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
    || die "pip install kubernetes-validate failed"
}

install_helm
install_validator
log "$("$HELM" version --short), kubernetes-validate $KUBERNETES_VALIDATE_VERSION, schemas of Kubernetes $K8S_VERSIONS"

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
for values in default "$CHART"/ci/*-values.yaml; do
  name="$(basename "$values")"
  args=()
  [[ "$values" != default ]] && args=(--values "$values")
  "$HELM" lint --strict "$CHART" "${args[@]}" | sed "s/^/  /" >&2 || die "helm lint with $name values failed"
  for version in $K8S_VERSIONS; do
    "$HELM" template buyonline-cdc "$CHART" --namespace cdc --kube-version "$version" "${args[@]}" > "$rendered" \
      || die "helm template with $name values for Kubernetes $version failed"
    kinds="$(grep -E '^kind: ' "$rendered" | sed 's/^kind: //' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
    log "$name values, Kubernetes $version: $kinds"
    # Exits non-zero on any invalid manifest; --strict: unknown fields are errors too.
    "$VENV/bin/kubernetes-validate" --strict -k "$version" - < "$rendered" \
      || die "the manifests rendered with $name values do not validate against Kubernetes $version"
  done
done
log "every rendering validates against the Kubernetes schemas ($K8S_VERSIONS)"
