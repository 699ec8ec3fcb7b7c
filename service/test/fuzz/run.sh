#!/usr/bin/env bash
# make fuzz: schemathesis, generating requests from service/src/api/openapi.json, against the built service on
# 127.0.0.1 only. Every answer must match the document and none may be a 5xx. Bounded in examples and time; the
# service and the fuzzer are stopped by their PIDs on every way out.
set -euo pipefail

: "${NODE:?the node binary}" "${SCHEMATHESIS:?the schemathesis binary}"
: "${FUZZ_MAX_EXAMPLES:=50}" "${FUZZ_MAX_TIME:=120}"
cd "$(dirname "$0")/../../.."

service_log=$(mktemp)
service_pid=
fuzzer_pid=
stop() {
  for pid in $fuzzer_pid $service_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -f "$service_log"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PORT=0: the system picks a free port and the service logs it. Telemetry off: the fuzzer tests the API, and
# nothing may leave the machine.
PORT=0 LOG_FORMAT=json OTEL_SDK_DISABLED=true XRAY_ENABLED=false \
  "$NODE" dist/src/main.js >"$service_log" 2>&1 &
service_pid=$!

port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*"message":"listening".*"port":\([0-9]*\).*/\1/p' "$service_log")
  [ -n "$port" ] && break
  kill -0 "$service_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "make fuzz: the service did not start" >&2
  cat "$service_log" >&2
  exit 1
fi

# --max-time bounds the run; timeout bounds it again should schemathesis itself hang. Hypothesis keeps its files
# with the other tools, out of the work tree.
HYPOTHESIS_STORAGE_DIRECTORY=.tools/hypothesis timeout --kill-after=10 "$((FUZZ_MAX_TIME + 60))" \
  "$SCHEMATHESIS" --config-file service/test/fuzz/schemathesis.toml run service/src/api/openapi.json \
  --url "http://127.0.0.1:$port" --checks all --exclude-tag debug \
  --max-examples "$FUZZ_MAX_EXAMPLES" --max-time "$FUZZ_MAX_TIME" --request-timeout 5 \
  --generation-database none --no-color ${FUZZ_SEED:+--seed "$FUZZ_SEED"} &
fuzzer_pid=$!
# In the background and waited for, so that a signal stops the run at once rather than after it.
wait "$fuzzer_pid"

# A 5xx is caught above; an error the service logged without answering one is caught here.
if grep -q '"level":"error"' "$service_log"; then
  echo "make fuzz: the service logged errors:" >&2
  grep '"level":"error"' "$service_log" >&2
  exit 1
fi
