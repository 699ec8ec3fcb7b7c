#!/usr/bin/env bash
# make cluster-chart-check: the chart as the local cluster's real API server admits it, which rendering alone
# cannot tell (PodSecurity, immutable fields, defaulting). Every object of the kind profile plus values-local.yaml
# goes through `kubectl apply --dry-run=server` in a PodSecurity `restricted` namespace (helm's own
# --dry-run=server stops before admission), and a profile that breaks `restricted` must be refused.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

HELM=${HELM:-$(echo "$TOOLS_DIR"/helm-v*/helm)}
[ -x "$HELM" ] || die "helm not found: run make deploy-tools"
CHART=$ROOT/charts/cruddur-backend
NS=cruddur-chart-check
k() { kubectl_admin "$@"; }
trap 'k delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true' EXIT

k delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
k create namespace "$NS" >/dev/null
# enforce refuses Pods; warn is what checks the pod templates of Deployments, DaemonSets and Jobs.
k label namespace "$NS" pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted >/dev/null
for _ in $(seq 1 50); do k -n "$NS" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
k -n "$NS" create secret generic cruddur-backend-secrets >/dev/null
version=$(k version -o json | sed -n 's/.*"gitVersion": *"\(v[^"]*\)".*/\1/p' | tail -1)

render() { "$HELM" template cruddur-backend "$CHART" -n "$NS" --kube-version "$version" \
  -f "$CHART/ci/kind-values.yaml" -f "$ROOT/k8s/cluster/values-local.yaml" "$@"; }

out=$(render | k apply --dry-run=server -n "$NS" -f - 2>&1) || { echo "$out" >&2; die "the API server refused the chart (kind profile + values-local.yaml)"; }
if grep -i 'PodSecurity' <<<"$out" >&2; then die "a pod template of the chart would violate PodSecurity restricted"; fi
log "ok - the API server admits every object of the chart in a restricted namespace, no PodSecurity warning (Kubernetes $version)"

# The check can fail: the X-Ray daemon on a hostPort breaks restricted (its pods would be refused).
out=$(render --set xray.addressMode=hostPort | k apply --dry-run=server -n "$NS" -f - 2>&1) || true
grep -q 'would violate PodSecurity "restricted:.*hostPort' <<<"$out" \
  || { echo "$out" >&2; die "no PodSecurity warning for xray.addressMode=hostPort"; }
log "ok - xray.addressMode=hostPort: the API server says its pods would violate PodSecurity restricted"
echo "2 passed, 0 failed"
