#!/usr/bin/env bash
# Prints what an engine or cluster run may change on the host, in a form to diff before and after it: interfaces and
# addresses, routes, iptables rules (no counters, no empty table), the kernel settings Docker and Kubernetes touch,
# mounts, cgroups and engine processes.
set -euo pipefail

echo "## interfaces"; ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
echo "## addresses"; ip -o addr show | awk '{ print $2, $4 }' | sort
echo "## routes"; ip route show table all 2>/dev/null | grep -v '^local\|^broadcast\|fe80::\|ff00::' | sort || true
# Rules, not the tool: a table with only built-in chains that accept everything (what iptables-save prints for a table
# something merely listed) is recorded as nothing, and so is a host without the tool, whose kernel holds no rule it
# made. Installing docker.io brings iptables: that is no change of the host.
rules() {
  "$1" 2>/dev/null | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//' | awk '
    /^\*/ { table = $0; n = 0; changed = 0; next }
    /^COMMIT$/ { if (changed) { print table; for (i = 1; i <= n; i++) print lines[i]; print } next }
    { lines[++n] = $0; if ($0 !~ /^:[A-Z]+ ACCEPT$/) changed = 1 }' || true
}
for save in iptables-save ip6tables-save; do
  echo "## $save"
  if command -v "$save" >/dev/null; then rules "$save"; fi
done
echo "## sysctl"
for key in net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv6.conf.all.forwarding \
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.conf.all.route_localnet \
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
  value=$(sysctl -n "$key" 2>/dev/null) || value="(absent)"
  echo "$key = $value"
done
echo "## mounts"; awk '{ print $2, $3 }' /proc/mounts | sort
echo "## runtime folders"; for folder in /run/containerd /run/docker /var/lib/cni /run/netns; do [[ -e $folder ]] && echo "$folder"; done
echo "## cgroups"; find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d \( -name 'cruddur*' -o -name docker -o -name kubepods \) 2>/dev/null | sort
echo "## processes"
pgrep -a -f '^(/[^ ]*/)?(dockerd|containerd|containerd-shim[^ ]*|docker-proxy|runc)( |$)' | cut -d' ' -f2- | sort || true
