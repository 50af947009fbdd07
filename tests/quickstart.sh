#!/usr/bin/env bash
# The README's quickstart, end to end on this machine: build the plugin,
# bring the local cluster up, bootstrap staging, pr-123 and pr-456, audit
# every namespace and probe pr-123 against pr-456.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; }

step "cargo build --release -p kubectl-ns-policy"
cargo build --release -p kubectl-ns-policy || exit 2
export PATH="$PWD/target/release:$PATH"

step "bash tests/cluster/cluster.sh up"
up=$(bash tests/cluster/cluster.sh up) || { echo "cluster did not come up" >&2; exit 2; }
export KUBECONFIG="${up##*KUBECONFIG=}"
echo "KUBECONFIG=$KUBECONFIG" >&2

step "kubectl ns-policy create staging pr-123 pr-456 --label team=payments --label cost-center=cc-42 --yes"
kubectl ns-policy create staging pr-123 pr-456 --label team=payments --label cost-center=cc-42 --yes || exit 2

step "kubectl ns-policy audit staging pr-123 pr-456"
kubectl ns-policy audit staging pr-123 pr-456
echo "exit code: $?" >&2

step "kubectl ns-policy audit --all"
kubectl ns-policy audit --all
echo "exit code: $? (1 = some namespace, e.g. default, breaks the baseline)" >&2

step "kubectl ns-policy probe pr-123 pr-456"
kubectl ns-policy probe pr-123 pr-456
rc=$?
echo "exit code: $rc" >&2
exit "$rc"
