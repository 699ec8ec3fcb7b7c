#!/usr/bin/env bash
# make cluster-test: the whole life of the local cluster, failing loudly at the first step that goes wrong:
# up, smoke, the chart through the API server, image import from a `docker save` stream, up again (a no-op), a crash (every component killed),
# up again (recovers), smoke, a cluster-up killed half way, up again (recovers), down; then the host must equal what it was before: iptables, ip6tables, nftables
# tables, the recorded kernel settings, none of its links, processes, mounts, cgroups or network namespaces left;
# and no packet of the cluster's seen on the default route's interface all along.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
pass=0
ok() { pass=$((pass + 1)); log "ok - $*"; }
# On a failure the cluster is taken down too (KEEP_CLUSTER=1 leaves it up to look at).
fail() {
  log "FAIL - $*"
  if [ "${KEEP_CLUSTER:-}" != 1 ] && [ -d "$RUN" ]; then "$here/down.sh" || true; fi
  echo "$pass passed, 1 failed"
  exit 1
}
elapsed() { awk -v s="$1" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}'; }

[ "$(id -u)" = 0 ] || fail "needs root"
snapshot() {
  echo "## iptables"; iptables-save | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$//'
  echo "## ip6tables"; ip6tables-save | sed -e '/^#/d' -e 's/ \[[0-9]*:[0-9]*\]$//'
  echo "## nft"; nft list tables
  echo "## sysctl"
  for key in "${SYSCTLS[@]}"; do value=$(sysctl -n "$key" 2>/dev/null) && echo "$key=$value"; done
  echo "## ours"
  ip -o link show "$BRIDGE" 2>/dev/null || true
  ip -o link show type veth 2>/dev/null | grep -F "master $BRIDGE" || true
  ls -d /sys/fs/cgroup/*/"$CGROUP_ROOT" 2>/dev/null || true
  ls /run/netns 2>/dev/null || true
  ls -d /run/containerd /var/lib/cni 2>/dev/null || true
  awk -v d="$CLUSTER_DIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo
  for proc in /proc/[0-9]*; do
    exe=$(readlink "$proc/exe" 2>/dev/null) || continue
    args=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
    case $exe in "$KUBE_HOME"/* | "$ETCD" | "$COREDNS") echo "process $exe" ;; esac
    [[ $args == *"$CONTAINERD_SOCK"* || $args == *"$CLUSTER_DIR/etc/containerd.toml"* ]] && echo "process $args"
  done
  return 0
}

if [ -d "$RUN" ]; then log "a cluster is up: taking it down first"; "$here/down.sh"; fi
work=$(mktemp -d)
tcpdump_pid=''
trap '[ -z "$tcpdump_pid" ] || kill "$tcpdump_pid" 2>/dev/null; rm -rf "$work"' EXIT
snapshot >"$work/before"

# Listen (only listen) on the interface of the default route for the whole run: a packet with a cluster
# address, or an IPv4 packet that is not the host's own (forwarded), would have left the machine.
egress_dev=$(ip route show default | awk '{print $5; exit}')
[ -n "$egress_dev" ] || fail "no default route to watch"
filter="net $POD_CIDR or net $SERVICE_CIDR or (ip"
for addr in $(ip -o -4 addr show dev "$egress_dev" | awk '{print $4}' | cut -d/ -f1); do filter+=" and not host $addr"; done
filter+=")"
tcpdump -i "$egress_dev" -n -U -c 1000 -w "$work/egress.pcap" "$filter" 2>"$work/tcpdump.log" &
tcpdump_pid=$!
for _ in $(seq 1 50); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.1; done
grep -q 'listening on' "$work/tcpdump.log" || fail "tcpdump did not start: $(cat "$work/tcpdump.log")"
# It captures a moment after it says it listens.
sleep 2

t=$(date +%s.%N)
"$here/up.sh" || fail "cluster-up"
ok "cluster-up in $(elapsed "$t") s"
"$here/smoke.sh" || fail "smoke"
ok "smoke"
"$here/chart-check.sh" || fail "chart check"
ok "chart check"

# The kind-load path: a docker-archive stream on stdin, as `docker save IMAGE | load-image.sh -` gives it.
"$here/image-tar.sh" "$work/stream.tar" cruddur.local/stream-test:1 65534 "$(dirname "$CLUSTER_IMAGES")/pause/pause" >/dev/null
ref=$("$here/load-image.sh" - <"$work/stream.tar" 2>/dev/null) || fail "load-image.sh - (stdin)"
[ "$ref" = cruddur.local/stream-test:1 ] || fail "load-image.sh printed '$ref'"
"$CRICTL" --runtime-endpoint "unix://$CONTAINERD_SOCK" --image-endpoint "unix://$CONTAINERD_SOCK" images 2>/dev/null \
  | grep -q '^cruddur.local/stream-test ' || fail "CRI does not list the imported image"
ok "load-image.sh imports a docker save stream; CRI lists it"

pids_before=$(cat "$RUN"/*.pid)
t=$(date +%s.%N)
"$here/up.sh" 2>&1 | grep -q 'up already' || fail "a second cluster-up did not see the running cluster"
[ "$(cat "$RUN"/*.pid)" = "$pids_before" ] || fail "a second cluster-up restarted components"
ok "cluster-up again is a no-op ($(elapsed "$t") s)"

# A crash: every component killed at once, pods, shims, mounts, chains and the bridge left behind.
for c in "${COMPONENTS[@]}"; do
  if pid=$(component_pid "$c"); then kill -KILL "$pid"; fi
done
sleep 1
t=$(date +%s.%N)
"$here/up.sh" || fail "cluster-up after a crash"
ok "cluster-up after a crash recovers in $(elapsed "$t") s"
# Its pods keep running: cluster-down must remove them.
KEEP_SMOKE_PODS=1 "$here/smoke.sh" || fail "smoke after the crash"
ok "smoke after the crash"
# The links this run made, to check they are gone at the end (others may come and go meanwhile).
{ echo "$BRIDGE"; ip -o link show master "$BRIDGE" | awk -F': ' '{print $2}' | sed 's/@.*//'; } >"$work/our-links"
[ "$(wc -l <"$work/our-links")" -gt 1 ] || fail "no veth on $BRIDGE while pods run"

# A cluster-up killed half way: the control plane running, no node yet.
"$here/down.sh" >/dev/null 2>&1 || fail "cluster-down before the half-way crash"
"$here/up.sh" >"$work/up-killed.log" 2>&1 &
up_pid=$!
for _ in $(seq 1 150); do grep -q 'started kube-apiserver' "$work/up-killed.log" && break; sleep 0.2; done
kill -KILL "$up_pid"
wait "$up_pid" 2>/dev/null || true
grep -q 'started kube-apiserver' "$work/up-killed.log" || fail "cluster-up never got to the apiserver"
t=$(date +%s.%N)
"$here/up.sh" || fail "cluster-up after a cluster-up killed half way"
ok "cluster-up after a cluster-up killed half way recovers in $(elapsed "$t") s"

t=$(date +%s.%N)
"$here/down.sh" || fail "cluster-down"
ok "cluster-down in $(elapsed "$t") s"
snapshot >"$work/after"
diff -u "$work/before" "$work/after" >&2 || fail "the host differs from before cluster-up (diff above)"
while read -r link; do
  if ip link show "$link" >/dev/null 2>&1; then fail "link $link left behind"; fi
done <"$work/our-links"
ok "the host is as before: iptables, ip6tables, nftables, sysctls, links, processes, mounts, cgroups, netns"

kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=''
leaked=$(tcpdump -n -r "$work/egress.pcap" 2>/dev/null | wc -l)
[ "$leaked" = 0 ] || { tcpdump -n -r "$work/egress.pcap" 2>/dev/null | head -20 >&2; fail "$leaked packets on $egress_dev had cluster addresses or were forwarded (above)"; }
ok "nothing left the machine: no packet on $egress_dev with a cluster address or forwarded ($filter)"
echo "$pass passed, 0 failed"
