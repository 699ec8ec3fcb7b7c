#!/usr/bin/env bash
# Writes a docker-archive (what `docker save` writes) of one layer holding static binaries at /, so the cluster's
# own images (pause, probe) need no engine and no registry.
#   image-tar.sh OUT.tar NAME:TAG UID BINARY...   (entrypoint: the first BINARY)
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 OUT.tar NAME:TAG UID BINARY..." >&2; exit 2; }
out=$1 ref=$2 uid=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/rootfs" "$work/image"
mkdir -p "$(dirname "$out")"
for bin in "$@"; do install -m 0755 "$bin" "$work/rootfs/"; done
# Fixed owner, order and times: the same binaries give the same image id.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" .
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir "$work/image/$layer"
mv "$work/layer.tar" "$work/image/$layer/layer.tar"
entry=$(basename "$1")
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/%s"],"User":"%s:%s","WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$entry" "$uid" "$uid" "$layer" > "$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$work/image/$config.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config" "$ref" "$layer" > "$work/image/manifest.json"
# Entries named as docker save names them (no ./ prefix): importers look them up by name.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/image" -cf "$out.tmp" \
  manifest.json "$config.json" "$layer"
mv "$out.tmp" "$out"
echo "$ref sha256:$config -> $out"
