#!/usr/bin/env bash
# The `kind load` of this cluster: puts images into the node's containerd (namespace k8s.io), where the
# kubelet finds them; nothing is pulled. Takes docker-archive (or OCI) tars, or a `docker save` stream on stdin:
#   k8s/cluster/load-image.sh image.tar...
#   docker save cruddur-backend:prod | k8s/cluster/load-image.sh -
# Pods that use a loaded image need imagePullPolicy IfNotPresent or Never.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 IMAGE.tar... | $0 - (a docker save stream on stdin)" >&2; exit 2; }
[ -S "$CONTAINERD_SOCK" ] || die "the cluster's containerd is not running ($CONTAINERD_SOCK): make cluster-up"
ctr=(ctr --address "$CONTAINERD_SOCK" --namespace k8s.io)
for archive in "$@"; do
  if [ "$archive" = - ]; then archive=/dev/stdin; fi
  [ -r "$archive" ] || die "cannot read $archive"
  # --compress-blobs: docker-archive layers are plain tars; stored compressed like pulled ones.
  out=$("${ctr[@]}" images import --compress-blobs "$archive")
  printf '%s\n' "$out" >&2
  # ctr prints "unpacking REF (sha256:...)...done" for each image it imported.
  refs=$(sed -n 's/^unpacking \([^ ]*\) (.*$/\1/p' <<<"$out")
  [ -n "$refs" ] || die "no image found in $archive"
  for ref in $refs; do
    "${ctr[@]}" images label "$ref" io.cri-containerd.image=managed >/dev/null
    echo "$ref"
  done
done
