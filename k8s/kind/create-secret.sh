#!/usr/bin/env bash
# Creates (or updates) the chart's existingSecret on kind from the developer's environment or an untracked .env.
# Keys: ROLLBAR_ACCESS_TOKEN, HONEYCOMB_API_KEY, HONEYCOMB_CONFIGURATION_KEY, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
# All optional: a missing key turns its feature off (HONEYCOMB_CONFIGURATION_KEY: read by the deployMarker hook, which
# makes no marker without it, and by the observabilityAsCode hook, which requires it when its systems include
# honeycomb). Values never appear in process arguments: they go through a mode-600 temp file.
# Usage: k8s/kind/create-secret.sh [namespace]   (env: SECRET_NAME, ENV_FILE, KUBECTL, KUBE_CONTEXT)
set -euo pipefail

namespace=${1:-${NAMESPACE:-default}}
secret_name=${SECRET_NAME:-cruddur-backend-secrets}
env_file=${ENV_FILE:-$(git rev-parse --show-toplevel 2>/dev/null || pwd)/.env}
kubectl=${KUBECTL:-kubectl}
keys=(ROLLBAR_ACCESS_TOKEN HONEYCOMB_API_KEY HONEYCOMB_CONFIGURATION_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY)
context_args=()
[[ -n ${KUBE_CONTEXT:-} ]] && context_args=(--context "$KUBE_CONTEXT")

umask 077
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# Read KEY=value lines from .env without sourcing it (no code runs); the environment wins over the file.
declare -A from_file=()
if [[ -f $env_file ]]; then
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
    key=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
    # Strip one level of matching quotes.
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    from_file[$key]=$value
  done <"$env_file"
fi

found=()
for key in "${keys[@]}"; do
  value=${!key:-${from_file[$key]:-}}
  if [[ -n $value ]]; then
    printf '%s=%s\n' "$key" "$value" >>"$tmp"
    found+=("$key")
  fi
done

# An empty Secret is still created so the release has one object to point at; every reference is optional.
result=$("$kubectl" "${context_args[@]}" -n "$namespace" create secret generic "$secret_name" \
  --from-env-file="$tmp" --dry-run=client -o yaml | "$kubectl" "${context_args[@]}" apply -f -)
echo "$result"
echo "secret/$secret_name in $namespace has: ${found[*]:-(no keys: Rollbar, Honeycomb and AWS uploads stay off)}"

# Pods read secrets at start: roll them when the Secret changed (the chart cannot checksum an existing Secret).
if [[ $result == *configured* ]]; then
  deployments=$("$kubectl" "${context_args[@]}" -n "$namespace" get deployment,daemonset \
    -l app.kubernetes.io/name=cruddur-backend -o name 2>/dev/null || true)
  for workload in $deployments; do
    "$kubectl" "${context_args[@]}" -n "$namespace" rollout restart "$workload"
  done
fi
