#!/usr/bin/env bash
# make cluster-up: a single-node Kubernetes on this machine from the project's own builds (see README.md here).
# Idempotent: a healthy cluster is left as it is; anything else (a crashed run's pids, sockets, mounts, chains)
# is cleaned up by down.sh first, then everything starts afresh.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "cluster-up needs root (bridge, iptables, cgroups, containerd)"
for bin in "$KUBE_HOME"/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,kube-proxy,kubectl} \
  "$ETCD" "$COREDNS" "$CRICTL" /usr/bin/containerd /usr/sbin/runc /usr/lib/cni/bridge "$CLUSTER_IMAGES/pause.tar"; do
  [ -x "$bin" ] || [ -f "$bin" ] || die "missing $bin: run 'make cluster-tools'"
done

healthy() {
  local c
  bridge_up || return 1
  for c in "${COMPONENTS[@]}"; do component_pid "$c" >/dev/null || return 1; done
  kubectl_admin --request-timeout=5s get --raw /readyz >/dev/null 2>&1 || return 1
  [ "$(kubectl_admin --request-timeout=5s get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
if healthy; then
  log "cluster is up already (KUBECONFIG=$KUBECONFIG_ADMIN)"
  exit 0
fi
if [ -d "$RUN" ] || [ -d "$STATE" ] || ip link show "$BRIDGE" >/dev/null 2>&1 \
  || iptables -t mangle -S CRUDDUR-GUARD >/dev/null 2>&1; then
  log "an earlier run left state behind: cleaning it up first"
  "$(dirname "$0")/down.sh"
fi

start_time=$(date +%s.%N)
mkdir -p "$PKI" "$ETC" "$RUN" "$LOGS" "$STATE"

# --- what the host looks like now, for down.sh -------------------------------------------------------------
if [ ! -f "$BASELINE/done" ]; then
  mkdir -p "$BASELINE"
  for key in "${SYSCTLS[@]}"; do
    if value=$(sysctl -n "$key" 2>/dev/null); then printf '%s=%s\n' "$key" "$value"; fi
  done >"$BASELINE/sysctl"
  iptables-save >"$BASELINE/iptables"
  ip6tables-save >"$BASELINE/ip6tables"
  nft list tables >"$BASELINE/nft-tables"
  ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$BASELINE/links"
  find /run/netns -mindepth 1 -maxdepth 1 2>/dev/null | sort >"$BASELINE/netns" || true
  for dir in /run/containerd /run/netns /var/lib/cni; do [ -e "$dir" ] && echo "$dir"; done >"$BASELINE/dirs"
  touch "$BASELINE/done"
fi

# --- nothing leaves the machine: guards before any pod can start -------------------------------------------
# mangle FORWARD runs before the filter chains kube-proxy inserts itself into (its KUBE-FORWARD accepts marked
# service traffic): pod traffic is forwarded only within the pod bridge, nothing else into it.
iptables -t mangle -N CRUDDUR-GUARD
iptables -t mangle -A CRUDDUR-GUARD -i "$BRIDGE" -o "$BRIDGE" -j RETURN
iptables -t mangle -A CRUDDUR-GUARD -i "$BRIDGE" -j DROP
iptables -t mangle -A CRUDDUR-GUARD -o "$BRIDGE" -j DROP
# The host did not route before: the ip_forward turned on below must not start routing for anything else (another
# bridge's containers, say). Their frames within their own bridge pass, as before.
if grep -qx 'net.ipv4.ip_forward=0' "$BASELINE/sysctl"; then
  iptables -t mangle -A CRUDDUR-GUARD -m physdev --physdev-is-bridged -j RETURN
  iptables -t mangle -A CRUDDUR-GUARD -j DROP
fi
iptables -t mangle -I FORWARD 1 -j CRUDDUR-GUARD
# Pods may reach the node only on its bridge address (the apiserver, CoreDNS, kubelet), not the host's others;
# replies to connections the node opened pass (their address is un-NATed before this hook).
iptables -t mangle -N CRUDDUR-INPUT
iptables -t mangle -A CRUDDUR-INPUT -i "$BRIDGE" -m conntrack --ctdir REPLY -j RETURN
iptables -t mangle -A CRUDDUR-INPUT -i "$BRIDGE" ! -d "$NODE_IP" -j DROP
iptables -t mangle -I INPUT 1 -j CRUDDUR-INPUT
# The rules the issue names, in the filter table as well.
iptables -t filter -N CRUDDUR-FORWARD
iptables -t filter -A CRUDDUR-FORWARD -s "$POD_CIDR" ! -d "$POD_CIDR" -j DROP
iptables -t filter -A CRUDDUR-FORWARD -d "$SERVICE_CIDR" -j DROP
iptables -t filter -I FORWARD 1 -j CRUDDUR-FORWARD
# A service address kube-proxy has not translated (no rules yet, no endpoints) would follow the default route.
iptables -t filter -N CRUDDUR-OUTPUT
iptables -t filter -A CRUDDUR-OUTPUT -d "$SERVICE_CIDR" -j DROP
# The node's own address is reached through lo; any other pod address only through the bridge.
iptables -t filter -A CRUDDUR-OUTPUT -o lo -j RETURN
iptables -t filter -A CRUDDUR-OUTPUT -d "$POD_CIDR" ! -o "$BRIDGE" -j DROP
iptables -t filter -I OUTPUT 1 -j CRUDDUR-OUTPUT
# IPv6: pods get no addresses, and nothing is forwarded from the bridge.
ip6tables -t filter -N CRUDDUR-FORWARD
ip6tables -t filter -A CRUDDUR-FORWARD -i "$BRIDGE" -j DROP
ip6tables -t filter -A CRUDDUR-FORWARD -o "$BRIDGE" -j DROP
ip6tables -t filter -I FORWARD 1 -j CRUDDUR-FORWARD
log "egress guards in place (mangle/filter CRUDDUR-*)"

# --- the node's network: a bridge with a private address, made before anything binds to it -----------------
ip link add "$BRIDGE" type bridge
ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
ip link set "$BRIDGE" up
# The node reaches service addresses from its bridge address, never by the default route.
ip route add "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"
# Routed pod-to-service traffic needs forwarding; the guard above keeps it on the bridge.
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.bridge.bridge-nf-call-iptables=1

# --- cgroups: the kubelet's root must exist in every v1 hierarchy ------------------------------------------
while read -r dir; do
  mkdir -p "$dir"
  case $dir in
    /sys/fs/cgroup/cpuset/*)
      cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$dir/cpuset.cpus"
      cat /sys/fs/cgroup/cpuset/cpuset.mems >"$dir/cpuset.mems"
      ;;
  esac
done < <(cgroup_dirs)

# --- certificates: one CA for every component -------------------------------------------------------------
cert() { # name CN O [SANs]
  local name=$1 cn=$2 o=$3 san=${4:-} ext
  [ -f "$PKI/$name.crt" ] && return 0
  ext=$(mktemp)
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi
  } >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "/CN=$cn${o:+/O=$o}" \
    -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 30 \
    -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$ext" "$PKI/$name.csr"
}
# Certificates live 30 days and are kept across runs: start over when any expires within a day.
for crt in "$PKI"/*.crt; do
  [ -f "$crt" ] || continue
  openssl x509 -checkend 86400 -noout -in "$crt" >/dev/null || { log "certificates expiring: new ones"; rm -rf "$PKI"; mkdir -p "$PKI"; break; }
done
umask 077
if [ ! -f "$PKI/ca.crt" ]; then
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -subj "/CN=cruddur-local-ca" -days 30 \
    -out "$PKI/ca.crt" 2>/dev/null
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
fi
cert apiserver kube-apiserver "" "IP:$NODE_IP,IP:$KUBERNETES_SVC_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert etcd etcd "" "IP:127.0.0.1,DNS:localhost"
cert apiserver-etcd-client kube-apiserver-etcd-client ""
cert apiserver-kubelet-client kube-apiserver-kubelet-client ""
cert admin cruddur-admin system:masters
cert controller-manager system:kube-controller-manager ""
cert scheduler system:kube-scheduler ""
cert kubelet "system:node:$NODE_NAME" system:nodes
cert kubelet-serving "system:node:$NODE_NAME" system:nodes "IP:$NODE_IP,DNS:$NODE_NAME"
cert kube-proxy system:kube-proxy ""
cert coredns cruddur:coredns ""
umask 022

kubeconfig() { # name cert
  cat >"$ETC/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cruddur-local
  cluster: {server: "https://$NODE_IP:$APISERVER_PORT", certificate-authority: "$PKI/ca.crt"}
users:
- name: $2
  user: {client-certificate: "$PKI/$2.crt", client-key: "$PKI/$2.key"}
contexts:
- name: cruddur-local
  context: {cluster: cruddur-local, user: $2}
current-context: cruddur-local
EOF
  chmod 600 "$ETC/$1.kubeconfig"
}
for c in admin controller-manager scheduler kubelet kube-proxy coredns; do kubeconfig "$c" "$c"; done

# --- processes: each started in a clean environment, its pid and command line recorded ---------------------
start() { # name binary args...
  local name=$1
  shift
  printf '%s' "$1" >"$RUN/$name.cmd"
  setsid "${CLEAN_ENV[@]}" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  log "started $name (pid $!)"
}
wait_for() { # what seconds command...
  local what=$1 deadline=$((SECONDS + $2))
  shift 2
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then log "$what ready after $(awk -v s="$start_time" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}') s"; return 0; fi
    sleep 0.2
  done
  die "$what not ready in time: see $LOGS"
}

start etcd "$ETCD" --name cruddur --data-dir "$STATE/etcd" \
  --listen-client-urls "https://127.0.0.1:$ETCD_PORT" --advertise-client-urls "https://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "cruddur=http://127.0.0.1:$ETCD_PEER_PORT"  \
  --cert-file "$PKI/etcd.crt" --key-file "$PKI/etcd.key" --client-cert-auth --trusted-ca-file "$PKI/ca.crt"
wait_for etcd 30 curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" \
  --key "$PKI/apiserver-etcd-client.key" "https://127.0.0.1:$ETCD_PORT/health"

start kube-apiserver "$KUBE_HOME/kube-apiserver" \
  --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
  --etcd-servers "https://127.0.0.1:$ETCD_PORT" --etcd-cafile "$PKI/ca.crt" \
  --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
  --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" --client-ca-file "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-account-issuer "https://kubernetes.default.svc.cluster.local" \
  --service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction,PodSecurity --allow-privileged=false \
  --profiling=false --anonymous-auth=false
wait_for kube-apiserver 120 kubectl_admin --request-timeout=5s get --raw /readyz

start kube-controller-manager "$KUBE_HOME/kube-controller-manager" \
  --kubeconfig "$ETC/controller-manager.kubeconfig" --authentication-kubeconfig "$ETC/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$ETC/controller-manager.kubeconfig" --bind-address 127.0.0.1 --leader-elect=false \
  --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" --use-service-account-credentials \
  --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false
start kube-scheduler "$KUBE_HOME/kube-scheduler" \
  --kubeconfig "$ETC/scheduler.kubeconfig" --authentication-kubeconfig "$ETC/scheduler.kubeconfig" \
  --authorization-kubeconfig "$ETC/scheduler.kubeconfig" --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# RBAC for the users the defaults do not cover, and the DNS Service in front of the host's CoreDNS.
kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cruddur:apiserver-kubelet}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cruddur:coredns}
rules:
- {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cruddur:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cruddur:coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "cruddur:coredns"}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns}
spec:
  clusterIP: $DNS_SVC_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-host
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: cruddur-cluster-up}
addressType: IPv4
endpoints: [{addresses: ["$NODE_IP"], conditions: {ready: true}}]
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
EOF

# CoreDNS as a host process on the node address: it answers cluster.local from the API and nothing else
# (no forward plugin, so no upstream), and it is up before the first pod asks.
cat >"$ETC/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $ETC/coredns.kubeconfig cruddur-local
        pods insecure
    }
    cache 30
}
EOF
start coredns "$COREDNS" -conf "$ETC/Corefile"

# --- the node: containerd (its own instance), the kubelet, kube-proxy --------------------------------------
mkdir -p "$ETC/cni/net.d" "$STATE/cni" "$STATE/kubelet" "$LOGS/pods"
cat >"$ETC/cni/net.d/10-cruddur.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "cruddur",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$STATE/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
cat >"$ETC/containerd.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$RUN/containerd-ttrpc.sock"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # No CAP_SYS_RESOURCE here: runc cannot lower oom_score_adj.
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_unprivileged_ports = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$STATE/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$ETC/cni/net.d"
    max_conf_num = 1
  # Pulls only from the local registry skaffold pushes to (k8s/cluster/registry.sh, plain HTTP on loopback); any
  # other registry has no hosts entry and goes through the closed proxy port.
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$ETC/containerd/certs.d"
EOF
mkdir -p "$ETC/containerd/certs.d/$LOCAL_REGISTRY"
cat >"$ETC/containerd/certs.d/$LOCAL_REGISTRY/hosts.toml" <<EOF
server = "http://$LOCAL_REGISTRY"
[host."http://$LOCAL_REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
start containerd /usr/bin/containerd --config "$ETC/containerd.toml"
wait_for containerd 30 "$CRICTL" --runtime-endpoint "unix://$CONTAINERD_SOCK" info
"$(dirname "$0")/load-image.sh" "$CLUSTER_IMAGES/pause.tar" >/dev/null
[ -f "$CLUSTER_IMAGES/probe.tar" ] && "$(dirname "$0")/load-image.sh" "$CLUSTER_IMAGES/probe.tar" >/dev/null

# Pods with dnsPolicy Default get this (no nameserver): never the host's resolver.
: >"$ETC/resolv.conf"
cat >"$ETC/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$PKI/kubelet-serving.crt"
tlsPrivateKeyFile: "$PKI/kubelet-serving.key"
containerRuntimeEndpoint: "unix://$CONTAINERD_SOCK"
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
# This host has cgroups v1 only.
failCgroupV1: false
clusterDomain: cluster.local
clusterDNS: [$DNS_SVC_IP]
resolvConf: "$ETC/resolv.conf"
podCIDR: $POD_CIDR
podLogsDir: "$LOGS/pods"
maxPods: 30
failSwapOn: false
registerNode: true
rotateCertificates: false
serverTLSBootstrap: false
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
evictionHard: {memory.available: 200Mi, nodefs.available: 5%, imagefs.available: 5%}
EOF
start kubelet "$KUBE_HOME/kubelet" --config "$ETC/kubelet.yaml" --kubeconfig "$ETC/kubelet.kubeconfig" \
  --root-dir "$STATE/kubelet" --cert-dir "$PKI/kubelet-certs" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME"

cat >"$ETC/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: "$ETC/kube-proxy.kubeconfig"}
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
iptables: {masqueradeAll: true, localhostNodePorts: false}
# Leave the host's conntrack settings as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
start kube-proxy "$KUBE_HOME/kube-proxy" --config "$ETC/kube-proxy.yaml"

node_ready() {
  [ "$(kubectl_admin --request-timeout=5s get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
wait_for "node $NODE_NAME" 120 node_ready
wait_for coredns 30 curl -sf --max-time 2 http://127.0.0.1:18181/ready
log "cluster up in $(awk -v s="$start_time" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}') s: export KUBECONFIG=$KUBECONFIG_ADMIN"
