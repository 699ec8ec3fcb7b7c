#!/usr/bin/env bash
# Builds k8s/collector/Dockerfile around the ocb-built collector as COLLECTOR_IMAGE. Run under
# k8s/docker/with-engine.sh, from the repository root.
# Env: DOCKER, COLLECTOR_IMAGE (repository:tag), OTELCOL (the binary), TOOLS_DIR.
set -euo pipefail

: "${DOCKER:?run under k8s/docker/with-engine.sh}" "${COLLECTOR_IMAGE:?}" "${OTELCOL:?}"
here=$(cd "$(dirname "$0")" && pwd)
base=$("$here/../docker/base-image.sh" debian)

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$OTELCOL" "$context/otelcol"

args=(--build-arg "DEBIAN_IMAGE=$base" --build-arg "VERSION=${COLLECTOR_IMAGE##*:}")
# The private engine's containers have no route out: apt in the certificate stage uses the host's network.
[[ -n ${CRUDDUR_PRIVATE_ENGINE:-} ]] && args+=(--network host)
echo "docker build -t $COLLECTOR_IMAGE (certificates from $base)" >&2
start=$SECONDS
"$DOCKER" build "${args[@]}" -t "$COLLECTOR_IMAGE" -f "$here/Dockerfile" "$context"
echo "built $COLLECTOR_IMAGE in $((SECONDS - start)) s" >&2
