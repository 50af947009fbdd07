#!/usr/bin/env bash
# Live `audit --all` over N generated namespaces (default 2,000), each with
# its bundle and a few pods, next to `kubectl get` of the same kinds with
# `-A -o json`, in the same run. Goal: ours <= 1.5 x kubectl's wall time.
# The pods stay Pending (their nodeSelector matches no node), so only the API
# objects count. Set KEEP=1 to keep the namespaces for a second run.
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "$0")/common.sh"
N="${N:-2000}"
PODS="${PODS:-3}"
build_plugin
ensure_cluster
labels=(--label team=bench --label cost-center=cc-bench --label env=dev)
existing=$(kubectl get namespaces -l bench=audit-live -o name | wc -l)
if [ "$existing" -lt "$N" ]; then
  echo "creating $N namespaces with their bundles and $PODS pods each..." >&2
  dir=$(mktemp -d)
  for start in $(seq 1 200 "$N"); do
    end=$((start + 199)); [ "$end" -gt "$N" ] && end=$N
    names=(); for i in $(seq "$start" "$end"); do names+=("al-$i"); done
    "$PLUGIN" create "${names[@]}" "${labels[@]}" --label bench=audit-live --yes -q > /dev/null
    for n in "${names[@]}"; do
      for p in $(seq 1 "$PODS"); do
        cat >> "$dir/pods-$start.yaml" <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: app-$p, namespace: $n, labels: {app: bench}}
spec:
  nodeSelector: {ns-policy.io/bench: none}
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: app
    image: docker.io/library/busybox:stable
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
YAML
      done
    done
  done
  printf '%s\0' "$dir"/pods-*.yaml | xargs -0 -P 4 -I{} kubectl apply --server-side -f {} > /dev/null
  rm -rf "$dir"
fi
kinds=namespaces,resourcequotas,limitranges,networkpolicies,rolebindings,roles,clusterroles,serviceaccounts,pods,deployments,statefulsets,daemonsets,replicasets,jobs,cronjobs,replicationcontrollers
t0=$(now_ms)
kubectl get "$kinds" -A -o json > /dev/null
t1=$(now_ms)
"$PLUGIN" audit --all -o json -q > /dev/null || true
t2=$(now_ms)
kubectl_ms=$((t1 - t0)); ours_ms=$((t2 - t1))
echo "live audit --all over $(kubectl get namespaces --no-headers | wc -l) namespaces, $(kubectl get pods -A --no-headers | wc -l) pods:"
echo "  kubectl get <same kinds> -A -o json: ${kubectl_ms} ms"
echo "  kubectl ns-policy audit --all -o json: ${ours_ms} ms"
echo "  ratio ours/kubectl: $(ratio "$ours_ms" "$kubectl_ms") (goal <= 1.50)"
if [ "${KEEP:-0}" != 1 ]; then
  kubectl delete namespaces -l bench=audit-live --wait=false > /dev/null
fi
