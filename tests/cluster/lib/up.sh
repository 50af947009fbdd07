# shellcheck shell=bash
# tests/cluster/cluster.sh (sourced): `up`: Debian packages, host network,
# starting the components in order and waiting for each.

# =============================================================== packages ===
REQUIRED_PACKAGES=(containerd runc containernetworking-plugins busybox-static iptables ipset conntrack openssl iproute2 curl kmod procps util-linux ca-certificates)

ensure_packages() {
  local missing=() p
  for p in "${REQUIRED_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# ---------------------------------------------------------------- network --
save_sysctls() {
  [[ -f $STATE/sysctl.orig ]] && return 0
  local k v
  for k in "${SYSCTLS[@]}"; do
    v=$(sysctl -n "$k" 2>/dev/null) && printf '%s=%s\n' "$k" "$v"
  done > "$STATE/sysctl.orig"
  [[ -d /var/log/containers ]] || touch "$STATE/created-var-log-containers"
  [[ -d /var/lib/cni ]] || touch "$STATE/created-var-lib-cni"
  [[ -d /run/containerd ]] || touch "$STATE/created-run-containerd"
  [[ -d /var/lib/kubelet ]] || touch "$STATE/created-var-lib-kubelet"
}

setup_network() {
  modprobe br_netfilter 2>/dev/null || true
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 >/dev/null \
    || die "cannot set net.ipv4.ip_forward / net.bridge.bridge-nf-call-iptables (br_netfilter missing?)"
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "${NODE_IP}/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# The `kubernetes` Service as kube-proxy would route it (this cluster runs no
# kube-proxy): pods reach the API server at its ClusterIP, which in-cluster
# clients (the plugin's scheduled probe) read from KUBERNETES_SERVICE_HOST.
ensure_service_route() {
  local rule=(-d "${FIRST_SERVICE_IP}/32" -p tcp --dport 443 -m comment --comment nsp-cluster-kubernetes-service
    -j DNAT --to-destination "${NODE_IP}:${API_PORT}")
  iptables -t nat -C PREROUTING "${rule[@]}" 2>/dev/null || iptables -t nat -A PREROUTING "${rule[@]}"
}

# start <component> <binary> args...: background, own session, pid file + log
start() {
  local name=$1 bin=$2; shift 2
  mkdir -p "$LOGS" "$RUN"
  alive "$name" && return 0
  readlink -f "$bin" > "$RUN/$name.exe"
  # 9>&-: do not leak the up/down lock into long-running daemons
  setsid "$bin" "$@" </dev/null >>"$LOGS/$name.log" 2>&1 9>&- &
  echo $! > "$RUN/$name.pid"
  log "started $name (pid $!)"
}

fail() { # component message
  local c=$1; shift
  log "ERROR: $*"
  if [[ -f $LOGS/$c.log ]]; then
    echo "----- last 40 lines of $LOGS/$c.log -----" >&2
    tail -n 40 "$LOGS/$c.log" >&2
    echo "-----" >&2
  fi
  exit 1
}

# wait_for <component> <seconds> <description> <command...>
wait_for() {
  local c=$1 t=$2 d=$3; shift 3
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    if [[ $c != - ]] && ! alive "$c"; then fail "$c" "$c exited while waiting for: $d"; fi
    ((SECONDS < end)) || fail "$c" "timed out after ${t}s waiting for: $d"
    sleep 0.5
  done
}

# ===================================================================== up ===
cmd_up() {
  [[ $EUID -eq 0 ]] || die "must run as root"
  if [[ -d $RUN ]] && healthy; then
    log "cluster already up and healthy"
    # Images added or rebuilt since it came up (cheap when nothing changed).
    build_images
    import_images || fail containerd "image import failed"
    ensure_service_route
    install_crds
    echo "KUBECONFIG=$ADMIN_KUBECONFIG"
    return 0
  fi
  if [[ -d $STATE ]]; then
    log "found stale or partial cluster state; cleaning it up first"
    cmd_down
  fi
  local t0=$SECONDS
  ensure_packages
  if ! builds_cached; then ensure_go; cmd_build; fi
  build_images

  mkdir -p "$STATE" "$LOGS" "$RUN"
  save_sysctls
  gen_pki
  write_configs
  setup_network
  ensure_service_route

  local kube=$BIN/kube
  start etcd "$kube" etcd --name=nsp --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:${ETCD_CLIENT_PORT}" --advertise-client-urls="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="nsp=http://127.0.0.1:${ETCD_PEER_PORT}" --initial-cluster-state=new \
    --unsafe-no-fsync=true --snapshot-count=10000 --log-level=warn
  start containerd /usr/bin/containerd --config "$CONTAINERD_DIR/config.toml"

  wait_for etcd 60 "etcd health" curl -fsS --max-time 2 "http://127.0.0.1:${ETCD_CLIENT_PORT}/health"
  # Listens on every address so pods reach it at the advertised node IP, as
  # the `kubernetes` endpoints say (what an allowApiServer policy opens).
  start apiserver "$kube" apiserver \
    --bind-address=0.0.0.0 --secure-port="${API_PORT}" --advertise-address="${NODE_IP}" \
    --etcd-servers="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --cert-dir="$PKI/apiserver-certdir" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" --service-account-lookup=true \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultTolerationSeconds,Priority,ResourceQuota,NodeRestriction,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --allow-privileged=true --profiling=false --v=1

  wait_for containerd 60 "containerd socket" ctr -a "$CONTAINERD_SOCK" version
  log "importing images into containerd"
  import_images || fail containerd "image import failed"

  wait_for apiserver 120 "kube-apiserver /readyz" api_get /readyz
  log "apiserver ready ($((SECONDS - t0))s)"
  start controller-manager "$kube" controller-manager \
    --kubeconfig="$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10257 \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials=true --controllers='*' --leader-elect=false \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --allocate-node-cidrs=true --cluster-cidr="${POD_CIDR}" --node-cidr-mask-size="${POD_CIDR#*/}" \
    --profiling=false --v=1
  start scheduler "$kube" scheduler --config="$STATE/scheduler.yaml" \
    --authentication-kubeconfig="$STATE/scheduler.kubeconfig" --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=10259 --profiling=false --v=1
  start kubelet "$kube" kubelet --config="$STATE/kubelet.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
    --root-dir="$KUBELET_DIR" --hostname-override="${NODE_NAME}" --node-ip="${NODE_IP}" --v=1

  log "creating RBAC bindings"
  kubectl_admin apply -f - >/dev/null <<EOF || fail apiserver "cannot create RBAC bindings"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: nsp-kube-apiserver-kubelet-admin
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: nsp-kube-router
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: system:kube-router}
EOF
  log "creating CRDs (cluster network policies)"
  install_crds
  # kube-router refuses to start before its Node object exists
  wait_for kubelet 120 "node ${NODE_NAME} registered" kubectl_admin get node "$NODE_NAME"
  start kube-router "$BIN/kube-router" --run-firewall=true --run-router=false --run-service-proxy=false \
    --run-loadbalancer=false --enable-cni=false \
    --kubeconfig="$STATE/kube-router.kubeconfig" --hostname-override="${NODE_NAME}" \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --health-addr=127.0.0.1 --health-port="${KUBE_ROUTER_HEALTH_PORT}" --metrics-port=0 --v=1

  wait_for kubelet 120 "node ${NODE_NAME} Ready" node_ready
  log "node ${NODE_NAME} Ready ($((SECONDS - t0))s)"
  wait_for kube-router 60 "kube-router healthz and KUBE-ROUTER-FORWARD chain" kube_router_healthy
  wait_for controller-manager 60 "default ServiceAccount" kubectl_admin -n default get serviceaccount default
  alive scheduler || fail scheduler "scheduler exited"

  log "starting smoke pod"
  kubectl_admin -n default delete pod nsp-cluster-smoke --ignore-not-found --wait=false >/dev/null 2>&1 || true
  kubectl_admin -n default apply -f - >/dev/null <<EOF || fail apiserver "cannot create smoke pod"
apiVersion: v1
kind: Pod
metadata:
  name: nsp-cluster-smoke
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: smoke
    image: ${BUSYBOX_IMAGE}
    imagePullPolicy: Never
    command: ["sleep", "3600"]
EOF
  # shellcheck disable=SC2317 # called through wait_for_quiet below
  smoke_running() { [[ $(kubectl_admin -n default get pod nsp-cluster-smoke -o jsonpath='{.status.phase}') == Running ]]; }
  if ! wait_for_quiet 90 smoke_running; then
    kubectl_admin -n default describe pod nsp-cluster-smoke >&2 || true
    fail kubelet "smoke pod did not reach Running"
  fi
  kubectl_admin -n default delete pod nsp-cluster-smoke --wait=false >/dev/null 2>&1 || true
  log "cluster up in $((SECONDS - t0))s; API ${API_URL}, node ${NODE_NAME} (${NODE_IP}), pods ${POD_CIDR}, services ${SERVICE_CIDR}"
  echo "KUBECONFIG=$ADMIN_KUBECONFIG"
}

wait_for_quiet() { # seconds command...: like wait_for, but returns 1 on timeout
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || return 1; sleep 0.5; done
}
