#!/usr/bin/env bash
# probe -l over N preview namespaces (pr-<n>, default N=1000) made by
# `create`, folded into equivalence classes: wall time and peak memory of the
# live run (goal: 1,000 namespaces in < 60 s, at most 2 probed namespaces per
# class), and of the offline prediction of the same namespaces from their
# manifests (`create --dry-run=client -o yaml`), folded (-l) and unfolded
# (every namespace named: the full N x N report), -o table.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh"
build_plugin
ensure_cluster
N="${N:-1000}"
run="pa$(date +%s | tail -c 5)"
names=()
for i in $(seq 1 "$N"); do names+=("$run-pr-$i"); done
trap 'delete_namespaces "$run-pr-"' EXIT
labels=(--label team=bench --label cost-center=cc-bench --label "bench=$run" --profile preview --ttl 2h)
t0=$(now_ms)
printf '%s\n' "${names[@]}" | xargs -n 200 "$PLUGIN" create "${labels[@]}" --yes -q > /dev/null
t1=$(now_ms)
echo "created $N preview namespaces in $((t1 - t0)) ms"

measure() { # label, then the command; prints wall ms, peak RSS, exit code
  local label=$1 t0 t1 rc=0
  shift
  t0=$(now_ms)
  /usr/bin/time -f '%M' -o "$tmp.rss" "$@" > "$tmp.out" 2>"$tmp.err" || rc=$?
  t1=$(now_ms)
  printf '  %-58s %7d ms  %6d MiB  exit %d\n' "$label" "$((t1 - t0))" "$(( $(tail -1 "$tmp.rss") / 1024 ))" "$rc"
}
tmp=$(mktemp)
measure "live probe -l bench=$run (classes)" "$PLUGIN" probe -l "bench=$run" -q -o json
python3 - "$tmp.out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["coverage"]
print(f"    {c['namespaces']} namespaces in {c['classes']} classes, {len(r['namespaces'])} probed, "
      f"{r['summary']['cells']} cells observed, {c['predictedCells']} predicted, {r['summary']['mismatches']} mismatches")
PY
"$PLUGIN" create "${names[@]}" "${labels[@]}" --dry-run=client -o yaml > "$tmp.yaml"
measure "offline probe -f -l bench=$run (classes), -o table" "$PLUGIN" probe -f "$tmp.yaml" -l "bench=$run" -q
measure "offline probe -f, all $N named (full report), -o table" "$PLUGIN" probe -f "$tmp.yaml" "${names[@]}" -q
rm -f "$tmp" "$tmp".*
