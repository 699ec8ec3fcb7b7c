#!/usr/bin/env bash
# Builds the prod and dev targets of the repository's Dockerfile, unchanged, as IMAGE and IMAGE-dev. Run under
# with-engine.sh, from the repository root.
# Env: DOCKER, IMAGE (repository:tag), GIT_SHA, VERSION, and for base-image.sh NODE_IMAGE, NODE_VERSION, NODE_BIN,
# NPM_VERSION. NPM_CA_FILE: a CA bundle npm ci needs to reach the registry (default: NODE_EXTRA_CA_CERTS); it goes in
# as a build secret, so it is in no layer, argument or environment of the image.
set -euo pipefail

: "${DOCKER:?run under k8s/docker/with-engine.sh}" "${IMAGE:?}" "${GIT_SHA:?}" "${VERSION:?}"
base=$("$(dirname "$0")/base-image.sh" node)

args=(--build-arg "NODE_IMAGE=$base" --build-arg "GIT_SHA=$GIT_SHA" --build-arg "VERSION=$VERSION")
ca_file=${NPM_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}
[[ -n $ca_file && -s $ca_file ]] && args+=(--secret "id=npm-ca,src=$ca_file")
# The private engine's containers have no route out: the npm ci step uses the host's network.
[[ -n ${CRUDDUR_PRIVATE_ENGINE:-} ]] && args+=(--network host)

for target in prod dev; do
  tag=$IMAGE
  [[ $target == dev ]] && tag=$IMAGE-dev
  echo "docker build --target $target -t $tag (FROM $base)" >&2
  start=$SECONDS
  "$DOCKER" build "${args[@]}" --target "$target" -t "$tag" .
  echo "built $tag in $((SECONDS - start)) s" >&2
done
