#!/usr/bin/env bash
# Runs the benchmarks: bash tests/bench/run.sh [create|audit-offline|audit-live|probe|probe-all|probe-offline|predict|all]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
what="${1:-all}"
case "$what" in
  create|audit-offline|audit-live|probe|probe-all|probe-offline) bash "$here/$what.sh" ;;
  predict) cd "$here/../.." && cargo run --release -q -p ns-policy-core --example bench_predict ;;
  all)
    for b in audit-offline create audit-live probe; do bash "$here/$b.sh"; done
    cd "$here/../.." && cargo run --release -q -p ns-policy-core --example bench_predict
    ;;
  *) echo "usage: $0 [create|audit-offline|audit-live|probe|probe-all|probe-offline|predict|all]" >&2; exit 2 ;;
esac
