# shellcheck shell=bash
# tests/cluster/cluster.sh (sourced): certificates and kubeconfigs under $PKI.

gen_cert() { # name CN O(or -) extKeyUsage SANs(or -)
  local name=$1 cn=$2 o=$3 eku=$4 san=$5 subj ext
  subj="/CN=$cn"; [[ $o != - ]] && subj="/O=$o$subj"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$eku"
  [[ $san != - ]] && ext+="
subjectAltName=$san"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile <(printf '%s\n' "$ext") -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr"
}

write_kubeconfig() { # file user cert
  local f=$1 user=$2 cert=$3
  cat > "$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ns-policy-local
  cluster:
    server: ${API_URL}
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: ${user}
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: ns-policy-local
  context:
    cluster: ns-policy-local
    user: ${user}
current-context: ns-policy-local
EOF
  chmod 600 "$f"
}

gen_pki() {
  [[ -f $PKI/done ]] && return 0
  log "generating certificates"
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=ns-policy-local-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/ca.crt" 2>/dev/null
  gen_cert apiserver kube-apiserver - serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:${NODE_IP},IP:${FIRST_SERVICE_IP}"
  gen_cert kubelet-serving "system:node:${NODE_NAME}" system:nodes serverAuth "DNS:${NODE_NAME},DNS:localhost,IP:${NODE_IP},IP:127.0.0.1"
  gen_cert kubelet "system:node:${NODE_NAME}" system:nodes clientAuth -
  gen_cert admin kubernetes-admin system:masters clientAuth -
  gen_cert controller-manager system:kube-controller-manager - clientAuth -
  gen_cert scheduler system:kube-scheduler - clientAuth -
  gen_cert apiserver-kubelet-client kube-apiserver-kubelet-client - clientAuth -
  gen_cert kube-router system:kube-router - clientAuth -
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  write_kubeconfig "$ADMIN_KUBECONFIG" kubernetes-admin admin
  write_kubeconfig "$STATE/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  write_kubeconfig "$STATE/scheduler.kubeconfig" system:kube-scheduler scheduler
  write_kubeconfig "$STATE/kubelet.kubeconfig" "system:node:${NODE_NAME}" kubelet
  write_kubeconfig "$STATE/kube-router.kubeconfig" system:kube-router kube-router
  touch "$PKI/done"
}
