#!/usr/bin/env bash
# create of N namespaces (default 100) in one call, next to
# `kubectl apply --server-side -f` of the same rendered manifests, in the
# same run against the local cluster. Goal: ours <= 0.5 x kubectl's wall time.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh"
N="${N:-100}"
build_plugin
ensure_cluster
run="b$(date +%s | tail -c 5)"
ours=(); theirs=()
for i in $(seq 1 "$N"); do ours+=("bc-$run-$i"); theirs+=("bk-$run-$i"); done
labels=(--label team=bench --label cost-center=cc-bench --label env=dev)
dir=$(mktemp -d)
"$PLUGIN" create "${theirs[@]}" "${labels[@]}" --dry-run=client -o yaml > "$dir/bundle.yaml"

t0=$(now_ms)
kubectl apply --server-side --field-manager=kubectl-ns-policy -f "$dir/bundle.yaml" > /dev/null
t1=$(now_ms)
"$PLUGIN" create "${ours[@]}" "${labels[@]}" -q > /dev/null
t2=$(now_ms)

kubectl_ms=$((t1 - t0)); ours_ms=$((t2 - t1))
echo "create of $N namespaces ($(grep -c '^kind:' "$dir/bundle.yaml") objects):"
echo "  kubectl apply --server-side -f: ${kubectl_ms} ms"
echo "  kubectl ns-policy create:       ${ours_ms} ms"
echo "  ratio ours/kubectl:             $(ratio "$ours_ms" "$kubectl_ms") (goal <= 0.50)"
delete_namespaces "bc-$run-"; delete_namespaces "bk-$run-"
rm -rf "$dir"
