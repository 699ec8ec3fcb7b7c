#!/usr/bin/env bash
# Smoke test after a rollout: calls the service through its Ingress, prints each response's trace id with direct
# links to the trace in Honeycomb and in the X-Ray console, then a Honeycomb query comparing the new version with
# the others and the X-Ray filter expression for the new version. Exits non-zero when a call fails.
# Usage: k8s/smoke.sh [path ...]   (default: /health /api/activities/home)
# Env: BASE_URL (skip Ingress discovery), RELEASE, NAMESPACE, KUBECTL, AWS_REGION,
#      HONEYCOMB_TEAM, HONEYCOMB_ENVIRONMENT, HONEYCOMB_DATASET, HONEYCOMB_REGION (us|eu),
#      SERVICE_VERSION (the version the rollout deployed, as its spans carry it: 0.1.0+abc1234; `make smoke` sets it).
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
version=${SERVICE_VERSION:-}
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

# Percent-encodes a string for a URL query (byte by byte, so only for ASCII such as JSON of plain names).
urlencode() {
  local text=$1 encoded='' char i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
      [A-Za-z0-9._~-]) encoded+=$char ;;
      *) printf -v char '%%%02X' "'$char"; encoded+=$char ;;
    esac
  done
  printf '%s' "$encoded"
}

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

# The saved query "Errors and latency by version" (service/observability/honeycomb.yaml) over the last 15 minutes,
# as a query template link: the dataset's URL with the query specification as JSON in ?query=.
# $error is Honeycomb's error column, not a shell variable.
# shellcheck disable=SC2016
compare='{"time_range":900,"breakdowns":["service.version"],"calculated_fields":[{"name":"is_error","expression":"IF($error, 1, 0)"}],'
compare+='"calculations":[{"op":"COUNT"},{"op":"AVG","column":"is_error"},{"op":"P99","column":"duration_ms"}],'
compare+='"filters":[{"column":"span.kind","op":"=","value":"server"}],"orders":[{"op":"COUNT","order":"descending"}]}'
echo
echo "Watching the rollout${version:+ of $version}: requests, error rate and P99 by version over the last 15 minutes"
echo "     Honeycomb  $hc_ui/$hc_team/environments/$hc_env/datasets/$hc_dataset?query=$(urlencode "$compare")"
if [[ -n $version ]]; then
  echo "     X-Ray      filter annotation.version = \"$version\" in https://$region.console.aws.amazon.com/cloudwatch/home?region=$region#xray:traces/query"
else
  echo "     X-Ray      set SERVICE_VERSION (e.g. 0.1.0+abc1234) for the filter expression of the new version"
fi
exit "$failed"
