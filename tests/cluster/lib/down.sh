# shellcheck shell=bash
# tests/cluster/cluster.sh (sourced): `down`: stopping by PID, then removing
# mounts, cgroups, iptables rules, ipsets, the bridge, sysctls and the state.

# gone <pid>: process exited (a zombie counts as gone: PID 1 here may reap late)
gone() {
  [[ -d /proc/$1 ]] || return 0
  local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [[ $st == Z || $st == X ]]
}

# stop <grace-seconds> <component>...: SIGTERM by PID (in parallel), SIGKILL after the grace period
stop() {
  local grace=$1; shift
  local c pid pids=() names=()
  for c in "$@"; do
    if alive "$c"; then
      pid=$(pid_of "$c"); kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$c")
    fi
    rm -f "$RUN/$c.pid"
  done
  ((${#pids[@]})) || return 0
  local end=$((SECONDS + grace)) all i
  while :; do
    all=1; for pid in "${pids[@]}"; do gone "$pid" || all=0; done
    ((all)) && break
    if ((SECONDS >= end)); then
      for pid in "${pids[@]}"; do gone "$pid" || kill -KILL "$pid" 2>/dev/null || true; done
      sleep 0.2; break
    fi
    sleep 0.1
  done
  for i in "${!pids[@]}"; do log "stopped ${names[$i]} (pid ${pids[$i]})"; done
}

# PIDs of containerd shims serving our containerd socket (identified by their
# -address argument, which is unique to this cluster's state dir).
our_shim_pids() {
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    { tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null | grep -qF -- "-address $CONTAINERD_SOCK " && echo "$pid"
  done
  return 0
}

# PIDs inside the kubelet's pod cgroups (cgroup v1 and v2 layouts)
pod_cgroup_pids() {
  local f
  for f in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/unified/kubepods; do
    [[ -d $f ]] && find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
  return 0
}

remove_pod_cgroups() {
  local f
  for f in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $f ]] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}

kill_containers() {
  if alive containerd && [[ -S $CONTAINERD_SOCK ]]; then
    local ids id
    ids=$(timeout 5 ctr -n k8s.io -a "$CONTAINERD_SOCK" tasks ls -q 2>/dev/null || true)
    for id in $ids; do timeout 3 ctr -n k8s.io -a "$CONTAINERD_SOCK" tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 & done
    wait
  fi
  # anything still in the pod cgroups is a container process of ours
  local p; p=$(pod_cgroup_pids)
  # shellcheck disable=SC2086 # $p is a list of PIDs (digits), split into words on purpose
  [[ -n $p ]] && { kill -KILL $p 2>/dev/null || true; }
  if alive containerd && [[ -S $CONTAINERD_SOCK ]]; then
    sleep 0.3
    local ids id
    ids=$(timeout 5 ctr -n k8s.io -a "$CONTAINERD_SOCK" tasks ls -q 2>/dev/null || true)
    for id in $ids; do timeout 5 ctr -n k8s.io -a "$CONTAINERD_SOCK" tasks delete -f "$id" >/dev/null 2>&1 & done
    wait
  fi
  return 0
}

unmount_state() {
  local i mp
  for i in 1 2 3 4 5; do
    mapfile -t mps < <(awk -v s="$STATE/" '{ m=$5; gsub(/\\040/," ",m); if (index(m, s)==1 || m==substr(s,1,length(s)-1)) print m }' /proc/self/mountinfo | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
    ((${#mps[@]} == 0)) && return 0
    for mp in "${mps[@]}"; do umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true; done
  done
  return 0
}

clean_iptables() {
  local save restore table dump
  for fam in 4 6; do
    if [[ $fam == 4 ]]; then save=iptables-save; restore=iptables-restore; else save=ip6tables-save; restore=ip6tables-restore; fi
    command -v $save >/dev/null || continue
    for table in filter nat mangle raw; do
      dump=$($save -t "$table" 2>/dev/null) || continue
      grep -qE -- '(KUBE-|CNI-|nsp-cluster)' <<<"$dump" || continue
      awk '
        /^:(KUBE-|CNI-)/ {next}
        /^-A (KUBE-|CNI-)/ {next}
        / -[jg] (KUBE-|CNI-)/ {next}
        /nsp-cluster/ {next}
        {print}' <<<"$dump" | $restore 2>/dev/null || log "warning: could not clean $save table $table"
    done
  done
  local set
  for set in $(ipset list -n 2>/dev/null | grep -E '^(inet6:)?(KUBE-|kube-router)' || true); do
    ipset destroy "$set" 2>/dev/null || log "warning: could not destroy ipset $set"
  done
}

clean_network() {
  local l
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    for l in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$l" 2>/dev/null || true
    done
    ip link del "$BRIDGE" 2>/dev/null || true
  fi
  clean_iptables
  rm -rf "/var/lib/cni/networks/${CNI_NETWORK}"
  rm -f /var/lib/cni/results/"${CNI_NETWORK}"-* 2>/dev/null || true
  # containerd's libcni result cache of the loopback network, for our sandboxes only
  local sb
  for sb in "$CONTAINERD_DIR"/root/io.containerd.grpc.v1.cri/sandboxes/* "$CONTAINERD_DIR"/state/io.containerd.grpc.v1.cri/sandboxes/*; do
    [[ -e $sb ]] && rm -f /var/lib/cni/results/*-"${sb##*/}"-* 2>/dev/null
  done
  return 0
}

restore_sysctls() {
  [[ -f $STATE/sysctl.orig ]] || return 0
  local kv
  while IFS= read -r kv; do sysctl -qw "$kv" >/dev/null 2>&1 || true; done < "$STATE/sysctl.orig"
}

cmd_down() {
  [[ $EUID -eq 0 ]] || die "must run as root"
  local t0=$SECONDS
  stop 5 kube-router scheduler controller-manager kubelet
  kill_containers
  stop 5 apiserver containerd
  stop 5 etcd
  # shims of our containerd that outlived it (found by our unique socket path)
  local p; p=$(our_shim_pids)
  # shellcheck disable=SC2086 # $p is a list of PIDs (digits), split into words on purpose
  [[ -n $p ]] && { kill -KILL $p 2>/dev/null || true; log "killed leftover shims: $p"; }
  p=$(pod_cgroup_pids)
  # shellcheck disable=SC2086 # $p is a list of PIDs (digits), split into words on purpose
  [[ -n $p ]] && { kill -KILL $p 2>/dev/null || true; }
  unmount_state
  remove_pod_cgroups
  clean_network
  restore_sysctls
  # kubelet symlinks container logs into /var/log/containers (fixed path)
  if [[ -d /var/log/containers ]]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$STATE/*" -delete 2>/dev/null || true
    if [[ -f $STATE/created-var-log-containers ]]; then rmdir /var/log/containers 2>/dev/null || true; fi
  fi
  if [[ -f $STATE/created-var-lib-cni ]]; then
    rmdir /var/lib/cni/results /var/lib/cni/networks /var/lib/cni 2>/dev/null || true
  fi
  # the kubelet's device-plugin socket dir is fixed at /var/lib/kubelet/device-plugins
  if [[ -f $STATE/created-var-lib-kubelet ]]; then
    rm -rf /var/lib/kubelet
  else
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  fi
  # containerd 1.6 always puts shim sockets under /run/containerd/s
  if [[ -f $STATE/created-run-containerd && -d /run/containerd ]]; then
    find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
  fi
  rm -rf "$STATE"
  log "cluster down ($((SECONDS - t0))s)"
}
