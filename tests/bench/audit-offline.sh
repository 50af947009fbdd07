#!/usr/bin/env bash
# Offline audit of generated manifests for N namespaces (default 10,000,
# about 100,000 objects: the rendered bundle plus a Deployment each).
# Goal: under 5 s and under 1 GiB peak memory.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh"
N="${N:-10000}"
build_plugin
dir="${CORPUS_DIR:-$(mktemp -d)}"
mkdir -p "$dir"
labels=(--label team=bench --label cost-center=cc-bench --label env=dev)
per_file=500
if ! ls "$dir"/bundle-*.yaml >/dev/null 2>&1; then
for start in $(seq 1 "$per_file" "$N"); do
  end=$((start + per_file - 1)); [ "$end" -gt "$N" ] && end=$N
  names=(); for i in $(seq "$start" "$end"); do names+=("off-$i"); done
  out="$dir/bundle-$start.yaml"
  "$PLUGIN" create "${names[@]}" "${labels[@]}" --dry-run=client -o yaml > "$out"
  for n in "${names[@]}"; do
    cat >> "$out" <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $n}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: web
        image: registry.example.com/web:1.0
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true}
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}
YAML
  done
done
fi
objects=$(cat "$dir"/bundle-*.yaml | grep -c '^kind:')
size=$(du -sh "$dir" | cut -f1)
/usr/bin/time -f '%e %M' -o "$dir/time" "$PLUGIN" audit -f "$dir" --all -o json > "$dir/report.json"
read -r secs kib < "$dir/time"
echo "offline audit of $N namespaces, $objects objects ($size of YAML):"
echo "  wall time: ${secs} s (goal < 5 s)"
echo "  peak RSS:  $((kib / 1024)) MiB (goal < 1024 MiB)"
echo "  namespaces in report: $(grep -c '"profile"' "$dir/report.json")"
[ -n "${CORPUS_DIR:-}" ] || rm -rf "$dir"
