# shellcheck shell=bash disable=SC2034
# Shared by up.sh, down.sh, load-image.sh and the smoke test: names, addresses and helpers of the local cluster.
# The Makefile exports the tool paths; the defaults below let the scripts run on their own too.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
CLUSTER_DIR=${CLUSTER_DIR:-$TOOLS_DIR/cluster}
KUBE_HOME=${KUBE_HOME:-$(echo "$TOOLS_DIR"/kubernetes-v*)}
ETCD=${ETCD:-$(echo "$TOOLS_DIR"/etcd-v*/etcd)}
COREDNS=${COREDNS:-$(echo "$TOOLS_DIR"/coredns-v*/coredns)}
CRICTL=${CRICTL:-$(echo "$TOOLS_DIR"/crictl-v*/crictl)}
CLUSTER_IMAGES=${CLUSTER_IMAGES:-$TOOLS_DIR/cluster-images}
PAUSE_IMAGE=${PAUSE_IMAGE:-cruddur.local/pause:1}
PROBE_IMAGE=${PROBE_IMAGE:-cruddur.local/probe:1}

# The node lives on a bridge this run creates, with private ranges nothing else here uses: never eth0's address.
BRIDGE=cruddur0
POD_CIDR=10.245.0.0/24
NODE_IP=10.245.0.1
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SVC_IP=10.96.0.1
DNS_SVC_IP=10.96.0.10
NODE_NAME=cruddur-node
CGROUP_ROOT=cruddur
APISERVER_PORT=6443
ETCD_PORT=23791
ETCD_PEER_PORT=23801

PKI=$CLUSTER_DIR/pki
ETC=$CLUSTER_DIR/etc
RUN=$CLUSTER_DIR/run
LOGS=$CLUSTER_DIR/logs
STATE=$CLUSTER_DIR/state
# What the host looked like before the first cluster-up: down.sh restores it and compares.
BASELINE=$CLUSTER_DIR/baseline
CONTAINERD_SOCK=$RUN/containerd.sock
# The local registry (k8s/cluster/registry.sh) skaffold pushes to and the node pulls from: loopback only.
LOCAL_REGISTRY=127.0.0.1:5000
KUBECONFIG_ADMIN=$ETC/admin.kubeconfig

# Kernel settings the kubelet, kube-proxy, the bridge plugin or up.sh may change.
SYSCTLS=(
  net.ipv4.ip_forward net.ipv4.conf.default.forwarding net.ipv4.conf.all.accept_redirects
  net.ipv6.conf.all.forwarding net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.bridge.bridge-nf-call-arptables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait
)
# Chains made by up.sh (CRUDDUR-), kubelet and kube-proxy (KUBE-), the portmap plugin (CNI-).
CHAIN_PREFIXES='CRUDDUR-|KUBE-|CNI-'
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler coredns containerd kubelet kube-proxy)

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The environment every component starts with: nothing inherited, and any proxied (registry) request goes
# to a closed loopback port, so even a mistaken image pull cannot leave the machine.
no_proxy="127.0.0.1,localhost,$NODE_IP,$POD_CIDR,$SERVICE_CIDR"
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
  HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
  https_proxy=http://127.0.0.1:9 "NO_PROXY=$no_proxy" "no_proxy=$no_proxy")

# The pid in run/NAME.pid, if that process is alive and is the binary we started (not a reused pid).
component_pid() {
  local name=$1 pid exe
  [ -f "$RUN/$name.pid" ] && [ -f "$RUN/$name.cmd" ] || return 1
  pid=$(<"$RUN/$name.pid")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $exe == *"$(<"$RUN/$name.cmd")"* ]] || return 1
  echo "$pid"
}

# Stop one pid: TERM, then KILL after a bounded wait.
stop_pid() {
  local pid=$1 what=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do
    [ -d "/proc/$pid" ] || { log "stopped $what (pid $pid)"; return 0; }
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && { log "stopped $what (pid $pid)"; return 0; }
    sleep 0.2
    [ "$i" = 40 ] && kill -KILL "$pid" 2>/dev/null
  done
  log "pid $pid ($what) still there after KILL"
}

# The cgroup directories this run may create: the kubelet's root in every mounted hierarchy.
cgroup_dirs() {
  local d
  for d in /sys/fs/cgroup/*/; do
    [ -d "$d" ] && echo "${d%/}/$CGROUP_ROOT"
  done
}

# The API server's address exists only on our bridge: without it, a request would follow the default route.
bridge_up() { ip -o -4 addr show dev "$BRIDGE" 2>/dev/null | grep -q " $NODE_IP/"; }
kubectl_admin() {
  bridge_up || die "no $BRIDGE with $NODE_IP: the cluster is not up (make cluster-up)"
  "$KUBE_HOME/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"
}
