#!/usr/bin/env bash
# Runs a command with a Docker engine. The engine already running (DOCKER_HOST or the default socket) is used when it
# answers; otherwise a private dockerd under .tools/docker is started for this command and stopped when it ends, on
# every exit path. The private engine changes no iptables rule and no kernel setting: it runs with --iptables=false
# --ip-forward=false on a bridge of its own, which is removed afterwards, and its containers reach no network but
# that bridge (builds that need the npm registry use --network host).
#
# Usage: k8s/docker/with-engine.sh COMMAND [ARG...]
#   The command gets DOCKER (the client to run), DOCKER_HOST and DOCKER_BUILDKIT=1.
#   DOCKER_ENGINE=private skips the running engine; TOOLS_DIR sets the cache folder (default ./.tools).
#        k8s/docker/with-engine.sh --install
#   Only installs what a private engine needs when no engine answers, and removes what a killed earlier run left,
#   starting nothing: for callers that record the host before a run (make image-test), so that neither the packages
#   nor the leftovers count as the run's changes.
set -euo pipefail

install_only=
if [[ ${1:-} == --install ]]; then install_only=1; shift; fi
[[ -n $install_only || $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARG...] | $0 --install" >&2; exit 2; }
export DOCKER_BUILDKIT=1

# A nested call (make image inside make image-test) shares the engine its caller started.
if [[ -n ${CRUDDUR_PRIVATE_ENGINE:-} ]] && "${DOCKER:-docker}" info >/dev/null 2>&1; then
  [[ -z $install_only ]] || exit 0
  exec "$@"
fi

# The client: the one on PATH when it can build with BuildKit (it needs the buildx plugin), else Debian's, which has
# BuildKit built in.
pick_client() {
  if [[ -n ${DOCKER:-} ]]; then echo "$DOCKER"
  elif command -v docker >/dev/null && docker buildx version >/dev/null 2>&1; then command -v docker
  elif [[ -x /usr/bin/docker ]]; then echo /usr/bin/docker
  else command -v docker || echo docker
  fi
}

if [[ ${DOCKER_ENGINE:-} != private ]]; then
  DOCKER=$(pick_client)
  if "$DOCKER" info >/dev/null 2>&1; then
    [[ -z $install_only ]] || exit 0
    export DOCKER
    exec "$@"
  fi
fi

[[ $(id -u) == 0 ]] || {
  echo "No Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}). Start Docker, or run as root to use a private engine." >&2
  exit 1
}
if ! command -v dockerd >/dev/null || [[ ! -x /usr/bin/docker ]]; then
  echo "Installing Debian's docker.io (no Docker engine on this machine)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends docker.io >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends docker.io >&2; }
fi
DOCKER=/usr/bin/docker

state=${TOOLS_DIR:-$PWD/.tools}/docker
bridge=cruddur-docker
bridge_cidr=10.253.0.1/24
cgroup_parent=cruddur-docker
pidfile=$state/dockerd.pid
mkdir -p "$state"

# One private engine on the machine at a time, whatever checkout starts it (the bridge and its subnet are the
# machine's): a second run waits for the first.
exec 9>/run/lock/cruddur-private-docker.lock
if ! flock -n 9; then
  echo "Waiting for another run of the private Docker engine to end" >&2
  flock -w 1800 9 || { echo "Another run kept the private Docker engine for 30 minutes" >&2; exit 1; }
fi

stop_engine() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$pidfile"
  # Whatever a killed engine left mounted under its folders.
  { grep -oE " $state/[^ ]+" /proc/self/mounts || true; } | sort -r | while read -r mount; do umount -l "$mount" || true; done
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge"
  # The containers' cgroups and BuildKit's go with their processes; the parent and BuildKit's folder stay behind.
  find /sys/fs/cgroup/*/"$cgroup_parent" -depth -type d -exec rmdir {} + 2>/dev/null || true
  # dockerd makes /run/docker (plugins) and containerd 1.6 /run/containerd (its shims' sockets) whatever folders
  # they are given: remove what is left of them, empty, when they were not there before.
  local folder
  for folder in /run/docker /run/containerd; do
    if [[ ${had_runtime_folders:-} != *"$folder "* && -d $folder ]]; then
      find "$folder" -depth -type d -empty -delete 2>/dev/null || true
    fi
  done
  return 0
}

# An earlier run that was killed before its trap ran leaves its engine behind (a dockerd, its bind mount of the
# data root, the bridge): stop it first. --install does it too, so that a host record taken after it is of a host
# without leftovers, and the run's own cleanup is no change.
stop_engine
[[ -z $install_only ]] || exit 0
had_runtime_folders=$(for folder in /run/docker /run/containerd; do [[ -e $folder ]] && printf '%s ' "$folder"; done || true)
child=
# The command runs in the background so that a signal reaches this script at once: it is passed on, then the engine
# stops.
# shellcheck disable=SC2329 # called by the traps below
on_signal() {
  [[ -n $child ]] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  exit "$1"
}
trap stop_engine EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

ip link add "$bridge" type bridge
ip addr add "$bridge_cidr" dev "$bridge"
ip link set "$bridge" up

dockerd \
  --data-root "$state/data" --exec-root "$state/exec" --pidfile "$pidfile" \
  --host "unix://$state/docker.sock" \
  --bridge "$bridge" --iptables=false --ip-forward=false --ip-masq=false \
  --cgroup-parent "/$cgroup_parent" --storage-driver overlay2 --shutdown-timeout 5 \
  >"$state/dockerd.log" 2>&1 &
export DOCKER_HOST=unix://$state/docker.sock
for _ in $(seq 150); do
  "$DOCKER" info >/dev/null 2>&1 && break
  kill -0 $! 2>/dev/null || { tail -20 "$state/dockerd.log" >&2; echo "dockerd exited; log: $state/dockerd.log" >&2; exit 1; }
  sleep 0.2
done
"$DOCKER" info >/dev/null 2>&1 || { echo "dockerd did not answer within 30 s; log: $state/dockerd.log" >&2; exit 1; }

export DOCKER CRUDDUR_PRIVATE_ENGINE=1
"$@" &
child=$!
status=0
wait "$child" || status=$?
exit "$status"
