#!/usr/bin/env bash
# Live probe wall time on the warm local cluster: 2 namespaces (4 ordered
# pairs, goal < 3 s) and 10 namespaces (100 ordered pairs, goal < 10 s),
# namespaces made by `create` (default deny, PSA restricted, quota). A first
# untimed run warms the image and the node. N2/N10 override the sizes.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh"
build_plugin
ensure_cluster
run="p$(date +%s | tail -c 5)"
labels=(--label team=bench --label cost-center=cc-bench --label env=dev)
N10="${N10:-10}"
names=()
for i in $(seq 1 "$N10"); do names+=("bp-$run-$i"); done
trap 'delete_namespaces "bp-$run-"' EXIT
"$PLUGIN" create "${names[@]}" "${labels[@]}" --yes -q > /dev/null

# Warm-up (not timed).
"$PLUGIN" probe "${names[0]}" -q > /dev/null || true

probe_ms() {
  local t0 t1 rc
  t0=$(now_ms)
  rc=0
  "$PLUGIN" probe "$@" -q -o json > "$tmp" || rc=$?
  t1=$(now_ms)
  echo "$((t1 - t0)) $rc"
}
tmp=$(mktemp)
read -r ms2 rc2 < <(probe_ms "${names[0]}" "${names[1]}")
cells2=$(grep -c '"from"' "$tmp")
read -r ms10 rc10 < <(probe_ms "${names[@]}")
cells10=$(grep -c '"from"' "$tmp")
mism10=$(grep -c '"match": false' "$tmp" || true)
rm -f "$tmp"
echo "probe (live, 1 port, namespaces from create):"
echo "  2 namespaces ($cells2 cells):   ${ms2} ms, exit $rc2 (goal < 3000 ms)"
echo "  $N10 namespaces ($cells10 cells): ${ms10} ms, exit $rc10, $mism10 mismatches (goal < 10000 ms)"
