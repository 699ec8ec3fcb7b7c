#!/usr/bin/env bash
# make cluster-down: stops what cluster-up started (by pid), removes its pods, mounts, interfaces, cgroups and
# iptables chains, restores the kernel settings recorded before the first cluster-up, and checks that the
# host's links, iptables, nftables and those settings equal the record. Also cleans up after a crashed run.
# The certificates (pki/) are kept for the next cluster-up.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "cluster-down needs root"
failed=0

# --- components whose pid files are gone (.tools/cluster removed under a running cluster): adopt them by their
# binary's path, or for containerd its config's, so the steps below stop them in order -----------------------
mkdir -p "$RUN"
for proc in /proc/[0-9]*; do
  exe=$(readlink "$proc/exe" 2>/dev/null) || continue
  args=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
  case $exe in
    "$KUBE_HOME"/kube-* | "$KUBE_HOME"/kubelet) name=${exe##*/} ;;
    "$ETCD") name=etcd ;;
    "$COREDNS") name=coredns ;;
    /usr/bin/containerd) [[ $args == *"--config $ETC/containerd.toml"* ]] || continue; name=containerd ;;
    *) continue ;;
  esac
  component_pid "$name" >/dev/null && continue
  echo "${proc#/proc/}" >"$RUN/$name.pid"
  printf '%s' "$exe" >"$RUN/$name.cmd"
  log "found $name running without its pid file (pid ${proc#/proc/})"
done

# --- the local registry skaffold pushes to (k8s/cluster/registry.sh), when it runs -------------------------
"$(dirname "$0")/registry.sh" stop || failed=1

# --- the control loops first, so nothing recreates what is removed below -----------------------------------
for c in kube-controller-manager kube-scheduler kubelet kube-proxy; do
  if pid=$(component_pid "$c"); then stop_pid "$pid" "$c"; fi
done

# --- pods: through CRI, so the CNI plugin tears down each sandbox's veth, IP and netns ---------------------
sandbox_ids=()
# After a crash containerd may be down: start our instance again just for this.
if [ -f "$ETC/containerd.toml" ] && [ -d "$STATE/containerd" ] && ! component_pid containerd >/dev/null; then
  log "starting containerd again to remove the pods an earlier run left"
  mkdir -p "$RUN" "$LOGS"
  printf '%s' /usr/bin/containerd >"$RUN/containerd.cmd"
  setsid "${CLEAN_ENV[@]}" /usr/bin/containerd --config "$ETC/containerd.toml" >>"$LOGS/containerd.log" 2>&1 </dev/null &
  echo $! >"$RUN/containerd.pid"
  for _ in $(seq 1 50); do [ -S "$CONTAINERD_SOCK" ] && break; sleep 0.2; done
fi
if component_pid containerd >/dev/null && [ -x "$CRICTL" ]; then
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 30\n' "$CONTAINERD_SOCK" "$CONTAINERD_SOCK" >"$ETC/crictl.yaml"
  cri=("$CRICTL" --config "$ETC/crictl.yaml" --runtime-endpoint "unix://$CONTAINERD_SOCK" --image-endpoint "unix://$CONTAINERD_SOCK" --timeout 30s)
  for pod in $("${cri[@]}" pods -q 2>/dev/null); do
    sandbox_ids+=("$pod")
    "${cri[@]}" stopp "$pod" >/dev/null || failed=1
    "${cri[@]}" rmp "$pod" >/dev/null || failed=1
    # containerd 1.6 leaves the loopback network's CNI cache entry of a removed sandbox.
    rm -f /var/lib/cni/results/*-"$pod"-*
  done
  log "pod sandboxes removed"
fi

# --- every other process we started, by the pid recorded at start -------------------------------------------
for c in coredns kube-apiserver etcd containerd; do
  if pid=$(component_pid "$c"); then stop_pid "$pid" "$c"; fi
done
# containerd's shims outlive it by design: ours are the ones given our socket's address.
for proc in /proc/[0-9]*; do
  args=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
  if [[ $args == *containerd-shim*"-address $CONTAINERD_SOCK "* ]]; then
    [[ $args =~ -id\ ([0-9a-f]+) ]] && sandbox_ids+=("${BASH_REMATCH[1]}")
    stop_pid "${proc#/proc/}" containerd-shim
  fi
done
# A shim's socket is /run/containerd/s/sha256(containerd address/namespace/id); one whose shim was stopped stays.
for id in "${sandbox_ids[@]}"; do
  rm -f "/run/containerd/s/$(printf '%s' "$CONTAINERD_SOCK/k8s.io/$id" | sha256sum | cut -d' ' -f1)"
done
# Whatever still runs in the cgroups the kubelet made under our root (containers of a killed shim).
while read -r dir; do
  [ -d "$dir" ] || continue
  while read -r pid; do
    [ -n "$pid" ] && stop_pid "$pid" "container process in $dir"
  done < <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
done < <(cgroup_dirs)
rm -f "$RUN"/*.pid "$RUN"/*.cmd "$RUN"/*.sock

# --- mounts: under our folder (overlay rootfs, shm, kubelet volumes), and network namespaces we created ----
mounts() { awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r; }
for _ in 1 2 3; do
  while read -r m; do [ -n "$m" ] && { umount "$m" 2>/dev/null || umount -l "$m" || failed=1; }; done < <(mounts "$CLUSTER_DIR")
done
if [ -f "$BASELINE/netns" ]; then
  for ns in /run/netns/cni-*; do
    [ -e "$ns" ] || continue
    grep -qxF "$ns" "$BASELINE/netns" && continue
    umount "$ns" 2>/dev/null || true
    rm -f "$ns" && log "removed network namespace $ns"
  done
fi

# --- interfaces: the bridge and any veth still on it --------------------------------------------------------
our_links=()
if ip link show "$BRIDGE" >/dev/null 2>&1; then
  for veth in $(ip -o link show master "$BRIDGE" | awk -F': ' '{print $2}' | sed 's/@.*//'); do
    our_links+=("$veth")
    ip link delete "$veth" && log "removed $veth"
  done
  ip link delete "$BRIDGE" && log "removed $BRIDGE"
fi
our_links+=("$BRIDGE")

# --- cgroups: depth first, they are empty now ---------------------------------------------------------------
while read -r dir; do
  [ -d "$dir" ] || continue
  find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  [ -d "$dir" ] && { log "could not remove cgroup $dir"; failed=1; }
done < <(cgroup_dirs)

# --- iptables: rules jumping to our chains, then the chains, then tables that were not there before ----------
clean_family() { # iptables|ip6tables  nft-family
  local cmd=$1 family=$2 table dump chains
  for table in filter nat mangle raw security; do
    nft list table "$family" "$table" >/dev/null 2>&1 || continue
    dump=$("$cmd-save" -t "$table")
    chains=$(sed -n 's/^:\([^ ]*\) .*/\1/p' <<<"$dump" | grep -E "^($CHAIN_PREFIXES)" || true)
    # One transaction: delete each rule elsewhere that jumps to one of our chains, then flush and delete those.
    # iptables-restore parses the saved rules' quoting itself.
    {
      echo "*$table"
      grep -E "^-A " <<<"$dump" | grep -Ev "^-A ($CHAIN_PREFIXES)" | grep -E -- "-j ($CHAIN_PREFIXES)" | sed 's/^-A /-D /' || true
      for chain in $chains; do echo "-F $chain"; done
      for chain in $chains; do echo "-X $chain"; done
      echo COMMIT
    } | "$cmd-restore" --noflush || failed=1
    # A table iptables-nft created for us and that now holds no rule: remove it, as before the run.
    if [ -f "$BASELINE/nft-tables" ] && ! grep -qx "table $family $table" "$BASELINE/nft-tables" \
      && ! "$cmd-save" -t "$table" | grep -q '^-A '; then
      nft delete table "$family" "$table" || failed=1
    fi
  done
}
clean_family iptables ip
clean_family ip6tables ip6
# kube-proxy's nftables mode tables, should it ever have made them.
for family in ip ip6 inet; do
  if nft list table "$family" kube-proxy >/dev/null 2>&1 && ! grep -qx "table $family kube-proxy" "$BASELINE/nft-tables" 2>/dev/null; then
    nft delete table "$family" kube-proxy || failed=1
  fi
done

# --- kernel settings ----------------------------------------------------------------------------------------
if [ -f "$BASELINE/sysctl" ]; then
  while IFS='=' read -r key value; do
    [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] && continue
    sysctl -qw "$key=$value" && log "restored $key=$value" || failed=1
  done <"$BASELINE/sysctl"
fi

# --- folders outside ours that the run made (containerd's shim sockets, the CNI cache) ---------------------
# containerd's shims make /run/containerd/s (mode 0600) whenever they start and never remove it: empty, it goes
# whatever the record says (any containerd makes it again on demand), so a leftover never becomes the baseline.
rmdir /run/containerd/s 2>/dev/null || true
rmdir /run/containerd 2>/dev/null || true
for dir in /run/containerd/s /run/containerd /run/netns /var/lib/cni/results /var/lib/cni; do
  [ -d "$dir" ] || continue
  if [ -f "$BASELINE/dirs" ] && ! grep -qx "$dir" "$BASELINE/dirs"; then
    case $dir in
      # A folder only our containerd used: the cache entries of pods the kubelet removed go too.
      /var/lib/cni/results) rm -f "$dir"/cruddur-* "$dir"/cni-loopback-* ;;
      /run/containerd) rm -rf "$dir/runc/k8s.io" 2>/dev/null; rmdir "$dir/runc" 2>/dev/null || true ;;
    esac
    rmdir "$dir" 2>/dev/null || log "left $dir (not empty)"
  fi
done

# --- check: the host equals the record ---------------------------------------------------------------------
normalize() { grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'; }
if [ -f "$BASELINE/done" ]; then
  check() { # what baseline-file command...
    local what=$1 file=$2
    shift 2
    if ! diff -u "$file" <("$@") >&2; then
      log "host differs from before cluster-up: $what (diff above)"
      failed=1
    fi
  }
  check iptables <(normalize <"$BASELINE/iptables") bash -c 'iptables-save | grep -v "^#" | sed "s/ \[[0-9]*:[0-9]*\]$//"'
  check ip6tables <(normalize <"$BASELINE/ip6tables") bash -c 'ip6tables-save | grep -v "^#" | sed "s/ \[[0-9]*:[0-9]*\]$//"'
  check "nft tables" "$BASELINE/nft-tables" nft list tables
  # Links: ours must be gone. Others may come and go meanwhile (the image engine's bridge and veths): noted only.
  for link in "${our_links[@]}"; do
    if ip link show "$link" >/dev/null 2>&1; then log "link $link is still there"; failed=1; fi
  done
  links_now=$(ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort)
  changed=$(comm -3 "$BASELINE/links" <(echo "$links_now") | tr -d '\t' | tr '\n' ' ')
  [ -z "$changed" ] || log "note: links that came or went since cluster-up, not ours: $changed"
  # shellcheck disable=SC2016 # expanded by the inner bash
  check sysctls "$BASELINE/sysctl" bash -c 'while IFS="=" read -r key _; do printf "%s=%s\n" "$key" "$(sysctl -n "$key")"; done <"$1"' _ "$BASELINE/sysctl"
fi
left=$(mounts "$CLUSTER_DIR")
[ -z "$left" ] || { log "still mounted: $left"; failed=1; }
for ns in /run/netns/cni-*; do
  [ -e "$ns" ] && ! grep -qxF "$ns" "$BASELINE/netns" 2>/dev/null && { log "network namespace left: $ns"; failed=1; }
done
for proc in /proc/[0-9]*; do
  exe=$(readlink "$proc/exe" 2>/dev/null) || continue
  case $exe in
    "$KUBE_HOME"/* | "$ETCD" | "$COREDNS") log "still running: ${proc#/proc/} $exe"; failed=1 ;;
  esac
  args=$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null) || continue
  [[ $args == *"$CONTAINERD_SOCK"* || $args == *"$ETC/containerd.toml"* ]] && { log "still running: ${proc#/proc/} $args"; failed=1; }
done

[ "$failed" = 0 ] || die "cluster-down could not restore everything (see above); run it again after fixing"
rm -rf "$RUN" "$STATE" "$LOGS" "$BASELINE" "$ETC"
log "cluster down; the host is as it was before cluster-up"
