# shellcheck shell=bash
# tests/cluster/cluster.sh (sourced, first): settings (versions, cache and
# state layout, network), log/die, component PID files, the up/down lock.
# shellcheck disable=SC2034 # the settings are used by the parts sourced after this one

# ---------------------------------------------------------------- versions --
K8S_VERSION=v1.33.13            # latest v1.33 patch on the Go proxy
K8S_STAGING_VERSION=v0.33.13    # staging modules (k8s.io/api, ...) of that tag
ETCD_VERSION=v3.5.21            # pinned by the k8s v1.33.13 module graph (>= 3.5.13)
KUBE_ROUTER_VERSION=v2.10.0
KUBE_ROUTER_NETLINK_VERSION=v1.3.1  # replaces a netlink pseudo-version the proxy refuses
AGNHOST_IMAGE_VERSION=2.53      # test/images/agnhost/VERSION of the k8s tag (checked at build)
PAUSE_IMAGE=registry.k8s.io/pause:3.10
BUSYBOX_IMAGE=docker.io/library/busybox:stable
NETPOL_API_VERSION=v0.3.0       # sigs.k8s.io/network-policy-api: ClusterNetworkPolicy CRD (v1alpha2, v1beta1)
NETPOL_API_V1ALPHA1_VERSION=v0.1.7  # the last release with AdminNetworkPolicy/BaselineAdminNetworkPolicy (v1alpha1)
ARGOCD_VERSION=v3.1.0            # github.com/argoproj/argo-cd/v3: manifests/crds/appproject-crd.yaml
AGNHOST_IMAGE=registry.k8s.io/e2e-test-images/agnhost:${AGNHOST_IMAGE_VERSION}
# agnhost alone, no shell: proves `probe --image` works with such images.
AGNHOST_NOSHELL_IMAGE=localhost/ns-policy-test/agnhost-noshell:${AGNHOST_IMAGE_VERSION}
# The plugin itself, for `probe --install-schedule` (cluster.sh plugin-image).
PLUGIN_IMAGE=localhost/kubectl-ns-policy:dev
# Bump when the build recipe changes, so cached binaries/images are rebuilt.
BUILD_RECIPE=3

# ------------------------------------------------------------------ layout --
CACHE=${NSP_CLUSTER_CACHE:-/var/cache/ns-policy-cluster}
STATE=${NSP_CLUSTER_STATE:-/var/lib/ns-policy-cluster}
BIN=$CACHE/bin
IMAGES=$CACHE/images
CRDS=$CACHE/crds

# ----------------------------------------------------------------- network --
NODE_NAME=nsp-node
BRIDGE=nspbr0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/24
FIRST_SERVICE_IP=10.96.0.1
CNI_NETWORK=nsp-pods
API_PORT=6443
API_URL=https://127.0.0.1:${API_PORT}
ETCD_CLIENT_PORT=23790
ETCD_PEER_PORT=23800
KUBELET_PORT=10250
KUBE_ROUTER_HEALTH_PORT=20244

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export GOTOOLCHAIN=local

log() { printf '[cluster %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ================================================================== state ===
PKI=$STATE/pki
LOGS=$STATE/logs
RUN=$STATE/run
CONTAINERD_DIR=$STATE/containerd
CONTAINERD_SOCK=$CONTAINERD_DIR/containerd.sock
KUBELET_DIR=$STATE/kubelet
CNI_CONF_DIR=$STATE/cni/net.d
ADMIN_KUBECONFIG=$STATE/admin.kubeconfig
COMPONENTS=(etcd containerd apiserver controller-manager scheduler kubelet kube-router)
# sysctls we (or the kubelet) change; originals are saved and restored by `down`
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
         vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
         kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

kubectl_admin() { kubectl --kubeconfig "$ADMIN_KUBECONFIG" --request-timeout=10s "$@"; }

# -------------------------------------------------------------- processes --
pid_of() { local f=$RUN/$1.pid; [[ -f $f ]] && cat "$f"; }

# alive <component>: pid file exists and the process is still the one we started
alive() {
  local pid; pid=$(pid_of "$1") || return 1
  [[ -n $pid && -d /proc/$pid ]] || return 1
  local exe; exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  [[ $exe == "$(cat "$RUN/$1.exe" 2>/dev/null)" ]]
}


# serialize up/down/build between concurrent callers (lock file lives in the cache dir)
with_lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock -w 1800 9 || die "could not lock $CACHE/.lock"
  "$@"
}
