#!/usr/bin/env bash
# Smoke tests for the local cluster started by tests/cluster/cluster.sh up.
# Prints PASS/FAIL per check and "N passed, N failed"; exits non-zero on any failure.
set -euo pipefail

export KUBECONFIG=${KUBECONFIG:-${NSP_CLUSTER_STATE:-/var/lib/ns-policy-cluster}/admin.kubeconfig}
AGNHOST=${AGNHOST_IMAGE:-registry.k8s.io/e2e-test-images/agnhost:2.53}
BUSYBOX=docker.io/library/busybox:stable
NODE=${NSP_NODE_NAME:-nsp-node}
NS_R=nsp-smoke-restricted NS_S=nsp-smoke-server NS_C=nsp-smoke-client NS_Q=nsp-smoke-quota
ALL_NS=("$NS_R" "$NS_S" "$NS_C" "$NS_Q")

passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
k() { kubectl --request-timeout=20s "$@"; }

# retry <seconds> <command...>: until the command succeeds
retry() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || return 1; sleep 1; done
}

cleanup() {
  k delete namespace "${ALL_NS[@]}" --ignore-not-found --wait=true --timeout=90s >/dev/null 2>&1 || true
}

new_ns() { # name [labels...]
  local ns=$1; shift
  k delete namespace "$ns" --ignore-not-found --wait=true --timeout=90s >/dev/null 2>&1 || true
  k create namespace "$ns" >/dev/null
  (($# == 0)) || k label namespace "$ns" "$@" >/dev/null
  retry 60 k -n "$ns" get serviceaccount default
}

wait_ready() { # ns pod
  k -n "$1" wait --for=condition=Ready "pod/$2" --timeout=90s >/dev/null 2>&1
}

trap cleanup EXIT
cleanup

# ---------------------------------------------------------------- test 1 --
if [[ $(k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]; then
  pass "node $NODE is Ready"
else
  fail "node $NODE is not Ready"
fi

new_ns "$NS_R" pod-security.kubernetes.io/enforce=restricted
k -n "$NS_R" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: restricted}
spec:
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: c
    image: $AGNHOST
    imagePullPolicy: IfNotPresent
    args: ["pause"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: ["ALL"]}
EOF
if wait_ready "$NS_R" restricted; then
  pass "restricted-compliant pod runs in a namespace enforcing PodSecurity restricted"
else
  fail "restricted-compliant pod not Running"; k -n "$NS_R" describe pod restricted | tail -n 20
fi

out=$(k -n "$NS_R" apply -f - 2>&1 <<EOF
apiVersion: v1
kind: Pod
metadata: {name: privileged}
spec:
  containers:
  - name: c
    image: $AGNHOST
    args: ["pause"]
    securityContext: {privileged: true}
EOF
) && rc=0 || rc=$?
if [[ $rc != 0 && $out == *PodSecurity* ]]; then
  pass "privileged pod rejected by PodSecurity admission"
else
  fail "privileged pod was not rejected by PodSecurity (rc=$rc): $out"
fi

# ---------------------------------------------------------------- test 2 --
new_ns "$NS_S"
new_ns "$NS_C"
k -n "$NS_S" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {app: server}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $AGNHOST
    args: ["netexec", "--http-port=8080"]
    ports: [{containerPort: 8080}]
EOF
k -n "$NS_C" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $AGNHOST
    args: ["pause"]
---
apiVersion: v1
kind: Pod
metadata: {name: logger}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $BUSYBOX
    command: ["sh", "-c", "echo hello-from-nsp-smoke; exec sleep 3600"]
EOF
wait_ready "$NS_S" server || fail "server pod not Ready"
wait_ready "$NS_C" client || fail "client pod not Ready"
SERVER_IP=$(k -n "$NS_S" get pod server -o jsonpath='{.status.podIP}')
connect() { k -n "$NS_C" exec client -- /agnhost connect "$SERVER_IP:8080" --timeout=2s --protocol=tcp; }
not_connect() { ! connect; }

if retry 15 connect; then pass "client -> server $SERVER_IP:8080 connects without policies"; else fail "client -> server $SERVER_IP:8080 does not connect without policies"; fi

k -n "$NS_S" apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress}
spec:
  podSelector: {}
  policyTypes: [Ingress]
EOF
if retry 15 not_connect; then
  pass "default-deny ingress blocks client -> server"
  out=$(connect 2>&1 || true); echo "      (connect output: $(tr '\n' ' ' <<<"$out" | cut -c1-160))"
else
  fail "default-deny ingress does not block client -> server"
fi

k -n "$NS_S" apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-client-ns}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: $NS_C}
EOF
if retry 15 connect; then pass "allow rule for the client namespace restores client -> server"; else fail "allow rule for the client namespace does not restore client -> server"; fi

# ---------------------------------------------------------------- test 3 --
new_ns "$NS_Q"
k -n "$NS_Q" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ResourceQuota
metadata: {name: cpu}
spec:
  hard: {requests.cpu: "1"}
EOF
# the quota is enforced once the controller-manager has filled in status.hard
retry 30 bash -c "[[ -n \$(kubectl -n $NS_Q get resourcequota cpu -o jsonpath='{.status.hard}') ]]" || true
out=$(k -n "$NS_Q" run noreq --image="$AGNHOST" --restart=Never -- pause 2>&1) && rc=0 || rc=$?
if [[ $rc != 0 && $out == *"must specify requests.cpu"* || $rc != 0 && $out == *"exceeded quota"* ]]; then
  pass "ResourceQuota on requests.cpu rejects a pod without requests"
else
  fail "pod without requests not rejected by the ResourceQuota (rc=$rc): $out"
fi

# ---------------------------------------------------------------- test 4 --
out=$(k -n "$NS_C" exec client -- sh -c 'echo exec-ok' 2>&1) || true
if [[ $out == *exec-ok* ]]; then pass "kubectl exec works"; else fail "kubectl exec failed: $out"; fi
wait_ready "$NS_C" logger || true
if retry 20 bash -c "kubectl -n $NS_C logs logger | grep -q hello-from-nsp-smoke"; then
  pass "kubectl logs works"
else
  fail "kubectl logs failed: $(k -n "$NS_C" logs logger 2>&1 | tail -n 3)"
fi

echo "$passed passed, $failed failed"
((failed == 0))
