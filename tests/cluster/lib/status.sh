# shellcheck shell=bash
# tests/cluster/cluster.sh (sourced): health checks and `status`.

api_get() { curl -fsS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "${API_URL}$1"; }

node_ready() {
  [[ $(kubectl_admin get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

kube_router_healthy() {
  curl -fsS --max-time 3 "http://127.0.0.1:${KUBE_ROUTER_HEALTH_PORT}/healthz" >/dev/null 2>&1 &&
  iptables -S KUBE-ROUTER-FORWARD >/dev/null 2>&1
}

healthy() {
  local c
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  [[ $(api_get /readyz 2>/dev/null) == ok ]] || return 1
  node_ready || return 1
  kube_router_healthy
}

# ================================================================= status ===
cmd_status() {
  local c pid a rc=0 any=0
  printf '%-20s %-8s %s\n' COMPONENT PID ALIVE
  for c in "${COMPONENTS[@]}"; do
    pid=$(pid_of "$c" 2>/dev/null || true)
    if alive "$c"; then a=yes; any=1; else a=no; rc=1; fi
    printf '%-20s %-8s %s\n' "$c" "${pid:--}" "$a"
  done
  if ((any == 0)); then
    echo "cluster: down"
    [[ -d $STATE ]] && echo "state dir $STATE exists"
    return 1
  fi
  local ready=no api=no kr=no
  [[ $(api_get /readyz 2>/dev/null) == ok ]] && api=yes
  [[ $api == yes ]] && node_ready && ready=yes
  kube_router_healthy && kr=yes
  echo "apiserver ready: $api; node ${NODE_NAME} Ready: $ready; kube-router healthy: $kr"
  if [[ $rc == 0 && $api == yes && $ready == yes && $kr == yes ]]; then
    echo "cluster: up (KUBECONFIG=$ADMIN_KUBECONFIG)"
    return 0
  fi
  echo "cluster: unhealthy"
  return 2
}
