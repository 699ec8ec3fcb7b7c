#!/usr/bin/env bash
# The local cluster's image registry for skaffold (make cluster-skaffold-run / cluster-skaffold-dev): the
# distribution registry (Go module github.com/distribution/distribution/v3, built into .tools by the Makefile) on
# 127.0.0.1:5000 only, storage under .tools/cluster/registry. skaffold pushes to it from the image engine and the
# node's containerd pulls from it (up.sh gives containerd a hosts entry for it, plain HTTP on loopback).
# Usage: k8s/cluster/registry.sh start|stop   (env: REGISTRY, the binary)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

dir=$CLUSTER_DIR/registry
pidfile=$dir/registry.pid
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case ${1:-} in
  start)
    [ -x "${REGISTRY:-}" ] || die "REGISTRY (the registry binary) is not set: run it through make"
    if running; then log "registry already running (pid $(cat "$pidfile"))"; exit 0; fi
    mkdir -p "$dir/data"
    cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $LOCAL_REGISTRY
YAML
    # No telemetry, no proxying: an empty environment.
    "${CLEAN_ENV[@]}" OTEL_TRACES_EXPORTER=none "$REGISTRY" serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 50); do
      curl -fsS --max-time 1 "http://$LOCAL_REGISTRY/v2/" >/dev/null 2>&1 && { log "registry on $LOCAL_REGISTRY (pid $(cat "$pidfile"))"; exit 0; }
      sleep 0.2
    done
    cat "$dir/registry.log" >&2
    die "the registry did not answer on $LOCAL_REGISTRY"
    ;;
  stop)
    if running; then
      pid=$(cat "$pidfile")
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      log "stopped registry (pid $pid)"
    fi
    rm -f "$pidfile"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
