#!/usr/bin/env bash
# skaffold's before-deploy hook on the local cluster (profile cluster): the namespace, enforcing PodSecurity
# restricted, and the chart's Secret from the environment or .env (k8s/kind/create-secret.sh).
# Usage: k8s/cluster/skaffold-namespace.sh NAMESPACE   (env: KUBECTL, default kubectl)
set -euo pipefail
ns=${1:?usage: $0 NAMESPACE}
kubectl=${KUBECTL:-kubectl}
"$kubectl" create namespace "$ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
"$kubectl" label namespace "$ns" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
for _ in $(seq 1 50); do "$kubectl" -n "$ns" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
"$(dirname "$0")/../kind/create-secret.sh" "$ns"
