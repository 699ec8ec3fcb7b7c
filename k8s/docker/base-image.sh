#!/usr/bin/env bash
# Prints the name of a base image to build FROM — `node` (the app's Dockerfile) or `debian` (the collector image's
# certificate stage): the real image when the engine has it or can pull it, otherwise a stand-in assembled here once
# and cached, where no registry can be reached. The Debian stand-in is trixie's minimal system from debootstrap, less
# what Debian's slim images leave out; the Node stand-in adds the pinned Node binary and npm from the npm registry and
# the node user (uid 1000), as the official image has them. Run under with-engine.sh.
# Usage: base-image.sh node|debian
# Env: DOCKER, TOOLS_DIR; for node also NODE_IMAGE, NODE_VERSION, NODE_BIN (the pinned node binary), NPM_VERSION.
set -euo pipefail

: "${DOCKER:?run under k8s/docker/with-engine.sh}"
here=$(cd "$(dirname "$0")" && pwd)
suite=trixie
stand_ins=${TOOLS_DIR:-$PWD/.tools}/stand-in
debian_image=cruddur-stand-in/debian:$suite-slim

has_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# Prints $1 when the engine has it or can pull it; fails otherwise.
real_image() {
  { has_image "$1" || timeout 120 "$DOCKER" pull --quiet "$1" >/dev/null 2>&1; } && echo "$1"
}

# The Debian mirror apt already uses on this machine.
mirror() {
  local uri
  uri=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
    head -1 | awk '{print $2}') || true
  echo "${uri:-http://deb.debian.org/debian}"
}

debian_stand_in() {
  has_image "$debian_image" && return 0
  local rootfs_tar=$stand_ins/debian-$suite-minbase.tar
  mkdir -p "$stand_ins"
  if [[ ! -s $rootfs_tar ]]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2
    rootfs=$(mktemp -d "$stand_ins/rootfs.XXXXXX")
    # debootstrap mounts /proc and /sys inside the tree while it runs; a failed run must not leave them mounted.
    cleanup_rootfs() {
      { grep -oE " $rootfs/[^ ]+" /proc/self/mounts || true; } | sort -r | while read -r mount; do umount -l "$mount" || true; done
      rm -rf "$rootfs"
    }
    trap cleanup_rootfs EXIT
    echo "debootstrap --variant=minbase $suite from $(mirror)" >&2
    debootstrap --variant=minbase "$suite" "$rootfs" "$(mirror)" >&2
    # What Debian's slim images leave out: package caches and lists, documentation, manuals, translations.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.partial" .
    mv "$rootfs_tar.partial" "$rootfs_tar"
    cleanup_rootfs
    trap - EXIT
  fi
  "$DOCKER" import "$rootfs_tar" "$debian_image" >/dev/null
}

node_stand_in() {
  local image=$1 context
  has_image "$image" && return 0
  debian_stand_in
  context=$(mktemp -d "$stand_ins/node-context.XXXXXX")
  trap 'rm -rf "$context"' EXIT
  cp "${NODE_BIN:?}" "$context/node"
  (cd "$context" && npm pack --silent "npm@${NPM_VERSION:?}" >/dev/null && tar -xzf npm-*.tgz && mv package npm && rm npm-*.tgz)
  "$DOCKER" build --quiet --build-arg "DEBIAN_IMAGE=$debian_image" -t "$image" \
    -f "$here/node-stand-in.Dockerfile" "$context" >/dev/null
  rm -rf "$context"
  trap - EXIT
}

case ${1:-} in
  node)
    real_image "${NODE_IMAGE:?}" && exit 0
    node_stand_in "cruddur-stand-in/node:${NODE_VERSION:?}-$suite-slim"
    echo "${NODE_IMAGE} cannot be pulled here: using the stand-in cruddur-stand-in/node:$NODE_VERSION-$suite-slim" >&2
    echo "cruddur-stand-in/node:$NODE_VERSION-$suite-slim"
    ;;
  debian)
    real_image "debian:$suite-slim" && exit 0
    debian_stand_in
    echo "debian:$suite-slim cannot be pulled here: using the stand-in $debian_image" >&2
    echo "$debian_image"
    ;;
  *) echo "usage: $0 node|debian" >&2; exit 2 ;;
esac
