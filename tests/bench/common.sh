# shellcheck shell=bash
# Shared helpers of the benchmarks (sourced).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC2034 # used by the benchmarks that source this file
PLUGIN="$ROOT/target/release/kubectl-ns_policy"

build_plugin() {
  cargo build --release -q -p kubectl-ns-policy >&2
}

ensure_cluster() {
  if [ -n "${KUBECONFIG:-}" ] && kubectl get --raw /readyz >/dev/null 2>&1; then
    return
  fi
  local up
  up=$(bash tests/cluster/cluster.sh up)
  export KUBECONFIG="${up##*KUBECONFIG=}"
}

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'; }

# delete_namespaces PREFIX: deletes every namespace whose name starts with PREFIX, without waiting.
delete_namespaces() {
  kubectl get namespaces -o name | grep "^namespace/$1" | xargs -r -n 200 kubectl delete --wait=false >/dev/null 2>&1 || true
}
