#!/usr/bin/env bash
# Smoke test after a rollout: calls the service through its Ingress, prints each response's trace id with direct
# links to the trace in Honeycomb and in the X-Ray console. Exits non-zero when a call fails.
# Usage: k8s/smoke.sh [path ...]   (default: /health /api/activities/home)
# Env: BASE_URL (skip Ingress discovery), RELEASE, NAMESPACE, KUBECTL, AWS_REGION,
#      HONEYCOMB_TEAM, HONEYCOMB_ENVIRONMENT, HONEYCOMB_DATASET, HONEYCOMB_REGION (us|eu).
set -euo pipefail

release=${RELEASE:-cruddur-backend}
namespace=${NAMESPACE:-default}
kubectl=${KUBECTL:-kubectl}
region=${AWS_REGION:-us-east-1}
hc_ui=https://ui.honeycomb.io
[[ ${HONEYCOMB_REGION:-us} == eu ]] && hc_ui=https://ui.eu1.honeycomb.io
hc_team=${HONEYCOMB_TEAM:-<team>}
hc_env=${HONEYCOMB_ENVIRONMENT:-<environment>}
hc_dataset=${HONEYCOMB_DATASET:-cruddur-backend}
paths=("$@")
[[ ${#paths[@]} -gt 0 ]] || paths=(/health /api/activities/home)

base_url=${BASE_URL:-}
if [[ -z $base_url ]]; then
  address=$("$kubectl" -n "$namespace" get ingress "$release" \
    -o jsonpath='{.status.loadBalancer.ingress[0].hostname}{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
  if [[ -z $address ]]; then
    echo "No address on ingress/$release in namespace $namespace yet (is cloud-provider-kind or the ALB controller running?)." >&2
    echo "Set BASE_URL, e.g. after 'kubectl -n $namespace port-forward service/$release 4567:80': BASE_URL=http://localhost:4567" >&2
    exit 1
  fi
  base_url=http://$address
fi

# Extracts a header's value (case-insensitive) from a raw header block.
header() { awk -v name="$1" 'tolower($0) ~ "^" tolower(name) ":" { sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit }'; }

failed=0
for path in "${paths[@]}"; do
  headers=$(curl -sS --max-time 10 -o /dev/null -D - -w 'status: %{http_code}\n' "$base_url$path") || { echo "FAIL $path: no response" >&2; failed=1; continue; }
  status=$(header status <<<"$headers")
  xray_header=$(header x-amzn-trace-id <<<"$headers")
  w3c_header=$(header traceresponse <<<"$headers")

  # traceresponse: 00-<32 hex trace id>-<16 hex span id>-<flags>
  otel_id=""
  [[ $w3c_header =~ ^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$ ]] && otel_id=${BASH_REMATCH[1]}
  # x-amzn-trace-id: Root=1-<8 hex epoch>-<24 hex>;...
  xray_id=""
  [[ $xray_header =~ Root=(1-[0-9a-f]{8}-[0-9a-f]{24}) ]] && xray_id=${BASH_REMATCH[1]}
  # X-Ray-compatible OpenTelemetry ids (id-generator-aws-xray) are the same trace under both names.
  [[ -z $xray_id && -n $otel_id ]] && xray_id="1-${otel_id:0:8}-${otel_id:8}"
  [[ -z $otel_id && -n $xray_id ]] && otel_id="${xray_id:2:8}${xray_id:11}"

  if [[ $status =~ ^2 ]]; then echo "OK   $status $path"; else echo "FAIL $status $path"; failed=1; fi
  if [[ -n $otel_id ]]; then
    echo "     trace id   $otel_id (X-Ray $xray_id)"
    echo "     Honeycomb  $hc_ui/$hc_team/environments/$hc_env/datasets/$hc_dataset/trace?trace_id=$otel_id"
    echo "     X-Ray      https://$region.console.aws.amazon.com/cloudwatch/home?region=$region#xray:traces/$xray_id"
  else
    echo "     no trace id in the response (traceresponse / x-amzn-trace-id headers missing)"
  fi
done
exit "$failed"
