#!/usr/bin/env bash
# Builds an image around one static binary: DOCKERFILE's build context is a folder holding only BINARY (under the
# name the Dockerfile copies). A Dockerfile that declares `ARG DEBIAN_IMAGE` gets Debian's (or its stand-in). Run
# under k8s/docker/with-engine.sh, from the repository root.
# Usage: build-binary-image.sh DOCKERFILE BINARY IMAGE
set -euo pipefail

: "${DOCKER:?run under k8s/docker/with-engine.sh}"
[[ $# == 3 ]] || { echo "usage: $0 DOCKERFILE BINARY IMAGE" >&2; exit 2; }
dockerfile=$1 binary=$2 image=$3

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$binary" "$context/$(basename "$binary")"

args=(--build-arg "VERSION=${image##*:}")
if grep -q '^ARG DEBIAN_IMAGE' "$dockerfile"; then
  args+=(--build-arg "DEBIAN_IMAGE=$("$(dirname "$0")/base-image.sh" debian)")
fi
# The private engine's containers have no route out: a RUN step that fetches packages uses the host's network.
[[ -n ${CRUDDUR_PRIVATE_ENGINE:-} ]] && args+=(--network host)
echo "docker build -t $image -f $dockerfile" >&2
start=$SECONDS
"$DOCKER" build "${args[@]}" -t "$image" -f "$dockerfile" "$context"
echo "built $image in $((SECONDS - start)) s" >&2
