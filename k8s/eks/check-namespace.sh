#!/usr/bin/env bash
# Skaffold's before-deploy hook of the eks profile: the release's namespace must exist and carry the AWS Load Balancer
# Controller's pod readiness gate label. The ALB routes to pod IPs (target-type ip), and without the gate a rollout can
# stop old pods before the ALB has health-checked the new ones (README "EKS"). It only checks: it fails with the
# commands to run and never changes the cluster itself.
# Usage: k8s/eks/check-namespace.sh [namespace]   (env: KUBECTL, KUBE_CONTEXT, else skaffold's SKAFFOLD_KUBE_CONTEXT)
set -euo pipefail

namespace=${1:-cruddur}
kubectl=${KUBECTL:-kubectl}
label=elbv2.k8s.aws/pod-readiness-gate-inject
context=${KUBE_CONTEXT:-${SKAFFOLD_KUBE_CONTEXT:-}}
context_args=()
[[ -n $context ]] && context_args=(--context "$context")

fix="  kubectl${context:+ --context $context} create namespace $namespace   # if it does not exist yet
  kubectl${context:+ --context $context} label namespace $namespace $label=enabled"

if ! labels=$("$kubectl" "${context_args[@]}" get namespace "$namespace" -o 'jsonpath={.metadata.labels}'); then
  printf 'namespace %s cannot be read (missing?): create it with the readiness gate label before deploying:\n%s\n' "$namespace" "$fix" >&2
  exit 1
fi
if [[ $labels != *"\"$label\":\"enabled\""* ]]; then
  printf 'namespace %s lacks the label %s=enabled: without the AWS Load Balancer Controller'"'"'s readiness gate a rollout behind the ALB (IP targets) can stop old pods before the ALB has health-checked the new ones. Run:\n%s\n' "$namespace" "$label" "$fix" >&2
  exit 1
fi
echo "namespace $namespace: $label=enabled"
