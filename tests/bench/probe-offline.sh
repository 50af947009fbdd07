#!/usr/bin/env bash
# Offline prediction of N preview namespaces (default 1000) named one by one
# on the command line, from their manifests (`create --dry-run=client -o
# yaml`; no cluster): wall time, peak memory and output size of -o table
# (folded by class; goal < 2 s and < 300 MiB), -o html (folded) and -o json
# (every cell with its explanation, written as it is made). PREV=<binary>
# measures an earlier build side by side.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh"
build_plugin
N="${N:-1000}"
names=()
for i in $(seq 1 "$N"); do names+=("pr-$i"); done
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp".*' EXIT
"$PLUGIN" create "${names[@]}" --label team=bench --label cost-center=cc-bench --profile preview --ttl 2h \
  --dry-run=client -o yaml > "$tmp.yaml"

measure() { # label, then the command; prints wall ms, peak RSS, output size, exit code
  local label=$1 t0 t1 rc=0
  shift
  t0=$(now_ms)
  /usr/bin/time -f '%M' -o "$tmp.rss" "$@" > "$tmp.out" 2>"$tmp.err" || rc=$?
  t1=$(now_ms)
  printf '  %-44s %7d ms  %6d MiB  %9d bytes  exit %d\n' "$label" "$((t1 - t0))" \
    "$(( $(tail -1 "$tmp.rss") / 1024 ))" "$(wc -c < "$tmp.out")" "$rc"
}
echo "offline probe -f, $N namespaces named:"
for bin in ${PREV:+"$PREV"} "$PLUGIN"; do
  for o in table html json; do
    measure "$(basename "$(dirname "$bin")")/$(basename "$bin") -o $o" "$bin" probe -f "$tmp.yaml" "${names[@]}" -q -o "$o"
  done
done
