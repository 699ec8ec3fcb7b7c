#!/usr/bin/env bash
# make cluster-smoke: proves the local cluster runs real pods. Exits non-zero, naming the check, on the first
# failure: the egress guards are in place, /version is the pinned release, PodSecurity `restricted` rejects a
# non-compliant pod and admits compliant ones, pods from images loaded here become Ready, a ClusterIP Service
# answers from the node and from a pod (kube-proxy), CoreDNS resolves cluster names and nothing else.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

NS=cruddur-smoke
k() { kubectl_admin "$@"; }
pass=0
ok() { pass=$((pass + 1)); log "ok - $*"; }
fail() { log "FAIL - $*"; exit 1; }

# Every check is bounded: the namespace goes away whatever happens (KEEP_SMOKE_PODS=1 leaves it running).
cleanup() {
  [ "${KEEP_SMOKE_PODS:-}" = 1 ] || k delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- the host side -----------------------------------------------------------------------------------------
[ "$(iptables -t mangle -S FORWARD | sed -n 2p)" = "-A FORWARD -j CRUDDUR-GUARD" ] \
  || fail "mangle FORWARD does not start with the egress guard"
iptables -t filter -C CRUDDUR-FORWARD -s "$POD_CIDR" ! -d "$POD_CIDR" -j DROP 2>/dev/null \
  || fail "filter FORWARD has no drop for pod traffic leaving the pod network"
ok "egress guards in place"
got_ip=$(k get node "$NODE_NAME" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
[ "$got_ip" = "$NODE_IP" ] || fail "node InternalIP is '$got_ip', not the bridge's $NODE_IP"
ok "node InternalIP $got_ip is on $BRIDGE"
version=$(k get --raw /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')
[ "$version" = "$(basename "$KUBE_HOME" | sed 's/^kubernetes-//')" ] || fail "/version gitVersion is '$version'"
ok "/version says $version"

# --- PodSecurity restricted ----------------------------------------------------------------------------------
k delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null
k create namespace "$NS" >/dev/null
k label namespace "$NS" pod-security.kubernetes.io/enforce=restricted >/dev/null
# The namespace's default ServiceAccount comes a moment later; admission needs it.
for _ in $(seq 1 50); do k -n "$NS" get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
if out=$(k -n "$NS" run rootish --image="$PAUSE_IMAGE" --image-pull-policy=Never --restart=Never 2>&1); then
  fail "PodSecurity admitted a pod without the restricted securityContext"
fi
grep -q 'violates PodSecurity "restricted' <<<"$out" || fail "unexpected refusal: $out"
ok "PodSecurity restricted refuses a non-compliant pod"

pod() { # name image ready-probe(yes|no) restartPolicy args...
  local name=$1 image=$2 probe=$3 restart=$4 args='' a
  shift 4
  for a in "$@"; do args+="\"$a\", "; done
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name, namespace: $NS, labels: {app: $name}}
spec:
  restartPolicy: $restart
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext: {runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: main
    image: $image
    imagePullPolicy: Never
    args: [${args%, }]
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
    resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}
$( [ "$probe" = yes ] && printf '    ports: [{containerPort: 8080}]\n    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}\n' )
EOF
}
{
  pod sleeper "$PAUSE_IMAGE" no Always
  echo ---
  pod web "$PROBE_IMAGE" yes Always serve :8080
  echo ---
  cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: web, namespace: $NS}
spec:
  selector: {app: web}
  ports: [{port: 8080, targetPort: 8080}]
EOF
} | k apply -f - >/dev/null
k -n "$NS" wait --for=condition=Ready pod/sleeper pod/web --timeout=90s >/dev/null \
  || { k -n "$NS" describe pods >&2; fail "pods not Ready in 90s"; }
ok "pods sleeper (pause image) and web (probe image) Ready in a restricted namespace"

# --- kube-proxy: the Service's ClusterIP from the node ------------------------------------------------------
cluster_ip=$(k -n "$NS" get service web -o jsonpath='{.spec.clusterIP}')
answer=''
for _ in $(seq 1 20); do
  answer=$(curl -sf --noproxy '*' --max-time 2 "http://$cluster_ip:8080/" || true)
  [ -n "$answer" ] && break
  sleep 0.5
done
[ "$answer" = "probe web" ] || fail "ClusterIP $cluster_ip:8080 from the node answered '$answer'"
ok "ClusterIP $cluster_ip:8080 answers from the node ($answer)"

# --- from inside a pod: CoreDNS, the kubernetes Service, the web Service --------------------------------------
run_pod() { # name args...: runs to completion, prints its log, returns 0 if it Succeeded
  local name=$1 phase=''
  shift
  pod "$name" "$PROBE_IMAGE" no Never "$@" | k apply -f - >/dev/null
  for _ in $(seq 1 120); do
    phase=$(k -n "$NS" get pod "$name" -o jsonpath='{.status.phase}')
    case $phase in Succeeded | Failed) break ;; esac
    sleep 0.5
  done
  k -n "$NS" logs "$name" | sed "s/^/  pod $name: /" >&2 || true
  [ "$phase" = Succeeded ]
}
run_pod client dns kubernetes.default.svc.cluster.local dns "web.$NS.svc.cluster.local" \
  tcp "$KUBERNETES_SVC_IP:443" http "http://web.$NS.svc.cluster.local:8080/" \
  || fail "pod client: DNS, the kubernetes Service or the web Service failed"
ok "from a pod: CoreDNS resolves kubernetes.default and web, both ClusterIPs answer"
if run_pod no-upstream dns cruddur-no-such-host.example; then
  fail "a name outside cluster.local resolved: CoreDNS must have no upstream"
fi
ok "a name outside cluster.local does not resolve (no upstream)"

# Nothing tried to leave: the guards' drop counters are still zero after all the pod traffic above.
drops=$(iptables -t mangle -L CRUDDUR-GUARD -v -n -x \
  | awk -v b="$BRIDGE" '$3 == "DROP" && ($6 == b || $7 == b) {sum += $1} END {print sum + 0}')
[ "$drops" = 0 ] || fail "the forward guard dropped $drops packets: something in the cluster tried to leave the bridge"
drops=$(iptables -t filter -L CRUDDUR-FORWARD -v -n -x | awk '$3 == "DROP" {sum += $1} END {print sum + 0}')
[ "$drops" = 0 ] || fail "filter CRUDDUR-FORWARD dropped $drops packets"
ok "no packet tried to leave the pod network (guard drop counters are 0)"

echo "$pass passed, 0 failed"
