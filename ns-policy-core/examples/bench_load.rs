//! Benchmark of the offline manifest loader.
//!
//! Generates a corpus like the one `audit -f` meets on a big cluster (per
//! namespace: Namespace, ResourceQuota, LimitRange, 4 NetworkPolicies,
//! ServiceAccount, Role, RoleBinding and a Deployment) into a temporary
//! directory and times `manifests::load_paths` on it.
//!
//! ```text
//! cargo run --release -p ns-policy-core --example bench_load -- \
//!     [--namespaces N] [--single-file] [--repeat R]
//! ```
//!
//! `--single-file` writes one multi-document stream (like `kustomize build`)
//! instead of one file per namespace.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use ns_policy_core::manifests::load_paths;

fn namespace_manifests(out: &mut String, i: usize) {
    let ns = format!("team-{i:05}");
    write!(
        out,
        r#"---
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
    ns-policy.io/profile: default
    pod-security.kubernetes.io/enforce: restricted
  annotations:
    ns-policy.io/owner: "team {i}"
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: ns-policy-quota
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
spec:
  hard:
    requests.cpu: "4"
    requests.memory: 8Gi
    limits.cpu: "8"
    limits.memory: 16Gi
    pods: "50"
    services.loadbalancers: "0"
---
apiVersion: v1
kind: LimitRange
metadata:
  name: ns-policy-limits
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
spec:
  limits:
    - type: Container
      default:
        cpu: 500m
        memory: 512Mi
      defaultRequest:
        cpu: 100m
        memory: 128Mi
      max:
        cpu: "2"
        memory: 2Gi
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
spec:
  podSelector: {{}}
  policyTypes:
    - Ingress
    - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
spec:
  podSelector: {{}}
  policyTypes:
    - Egress
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-same-namespace
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
spec:
  podSelector: {{}}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector: {{}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-monitoring
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
spec:
  podSelector: {{}}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: monitoring
      ports:
        - protocol: TCP
          port: 9090
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: deployer
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
rules:
  - apiGroups: ["", "apps"]
    resources: ["pods", "services", "deployments", "configmaps"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: {ns}
  labels:
    app.kubernetes.io/managed-by: kubectl-ns-policy
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployer
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: {ns}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      serviceAccountName: deployer
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
"#
    )
    .expect("write to String");
}

const OBJECTS_PER_NAMESPACE: usize = 11;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let mut namespaces = 10_000usize;
    let mut single_file = false;
    let mut repeat = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--namespaces" => {
                namespaces = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--namespaces N")
            }
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--repeat R")
            }
            "--single-file" => single_file = true,
            other => {
                eprintln!("unknown argument {other:?}; usage: bench_load [--namespaces N] [--single-file] [--repeat R]");
                std::process::exit(2);
            }
        }
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut bytes = 0usize;
    let path: PathBuf = if single_file {
        let mut text = String::new();
        for i in 0..namespaces {
            namespace_manifests(&mut text, i);
        }
        bytes = text.len();
        let path = dir.path().join("all.yaml");
        std::fs::write(&path, text).expect("write corpus");
        path
    } else {
        let root = dir.path().join("repo");
        let mut text = String::new();
        for i in 0..namespaces {
            text.clear();
            namespace_manifests(&mut text, i);
            bytes += text.len();
            let sub = root.join(format!("{:02}", i % 100));
            if i < 100 {
                std::fs::create_dir_all(&sub).expect("mkdir");
            }
            std::fs::write(sub.join(format!("team-{i:05}.yaml")), &text).expect("write corpus");
        }
        root
    };
    let expected = namespaces * OBJECTS_PER_NAMESPACE;
    println!(
        "corpus: {namespaces} namespaces, {expected} objects, {:.1} MiB in {} (generated in {:.2?})",
        bytes as f64 / (1 << 20) as f64,
        if single_file { "one file" } else { "one file per namespace" },
        started.elapsed()
    );
    let rss_before = peak_rss_kib().unwrap_or(0);

    for run in 1..=repeat {
        let started = Instant::now();
        let set = load_paths(
            std::slice::from_ref(&path),
            ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES,
        )
        .expect("load corpus");
        let elapsed = started.elapsed();
        assert_eq!(set.len(), expected, "objects loaded");
        assert_eq!(set.namespaces.len(), namespaces);
        let known = |n: Option<usize>| n.unwrap_or(0);
        assert_eq!(
            known(set.network_policies.known().map(Vec::len)),
            namespaces * 4
        );
        assert_eq!(known(set.workloads.known().map(Vec::len)), namespaces);
        let targets: Vec<_> = set.namespaces.iter().collect();
        let index = set.cluster_role_index();
        assert_eq!(set.views(&targets, &index).len(), namespaces);
        println!(
            "run {run}: loaded {} objects in {:.3} s: {:.0} objects/s, {:.1} MiB/s",
            set.len(),
            elapsed.as_secs_f64(),
            set.len() as f64 / elapsed.as_secs_f64(),
            bytes as f64 / (1 << 20) as f64 / elapsed.as_secs_f64()
        );
    }
    let peak = peak_rss_kib().unwrap_or(0);
    println!(
        "peak RSS (VmHWM): {:.1} MiB (before loading: {:.1} MiB); threads: {}",
        peak as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
