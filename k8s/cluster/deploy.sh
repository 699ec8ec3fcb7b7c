#!/usr/bin/env bash
# make cluster-deploy: the chart on the local cluster, as skaffold's kind profile deploys it on kind, once the
# images are in the node (make cluster-load TARS=…): the Secret from the environment or .env
# (k8s/kind/create-secret.sh), then helm upgrade --install --wait and helm test. HELM_ARGS adds helm flags,
# e.g. HELM_ARGS="--set image.tag=prod".
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

HELM=${HELM:-$(echo "$TOOLS_DIR"/helm-v*/helm)}
[ -x "$HELM" ] || die "helm not found: run make deploy-tools"
NS=${NAMESPACE:-cruddur-local}
RELEASE=${RELEASE:-cruddur-backend}
bridge_up || die "the local cluster is not up: make cluster-up"
export KUBECONFIG=$KUBECONFIG_ADMIN

kubectl_admin create namespace "$NS" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null
kubectl_admin label namespace "$NS" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
for _ in $(seq 1 50); do kubectl_admin -n "$NS" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
KUBECTL="$KUBE_HOME/kubectl" "$ROOT/k8s/kind/create-secret.sh" "$NS"
# shellcheck disable=SC2086 # HELM_ARGS is a list of flags
"$HELM" upgrade --install "$RELEASE" "$ROOT/charts/cruddur-backend" -n "$NS" --wait --timeout 3m \
  -f "$ROOT/charts/cruddur-backend/ci/kind-values.yaml" -f "$ROOT/k8s/cluster/values-local.yaml" ${HELM_ARGS:-}
"$HELM" test "$RELEASE" -n "$NS" --logs
