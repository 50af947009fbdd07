//! Benchmark of the offline probe prediction.
//!
//! N namespaces (default 1,000) with 5 NetworkPolicies each (default deny
//! both ways, same-namespace, DNS egress, ingress from the ingress
//! controller, and ingress from the namespaces of the same team by a
//! `matchExpressions` selector), plus C cluster network policies (default
//! 20: Admin-tier Pass, Deny and Accept rules by team and env labels with
//! port ranges, and Baseline-tier denies), probed on one port: N² ordered
//! pairs. Times the evaluator build, the predicted matrix
//! (`ProbePlan::predict`: every cell's decision and, with cluster policies,
//! its decision without them) and the full offline report with one
//! explanation per cell.
//!
//! ```text
//! cargo run --release -p ns-policy-core --example bench_predict -- [--namespaces N] [--cluster-policies C] [--no-report]
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::networking::v1::NetworkPolicy;
use ns_policy_core::netpol::{ClusterPolicy, Evaluator, NamespaceInfo, Protocol};
use ns_policy_core::probe::{ProbeIps, ProbeOptions, ProbePlan, ProbeReport};

fn policies(ns: &str) -> Vec<NetworkPolicy> {
    let yaml = format!(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-same-namespace, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
  ingress: [{{from: [{{podSelector: {{}}}}]}}]
  egress: [{{to: [{{podSelector: {{}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-dns, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}
      podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}
    ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-ingress-controller, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress]
  ingress:
  - from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: ingress-nginx}}}}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-team, namespace: {ns}}}
spec:
  podSelector: {{matchExpressions: [{{key: app, operator: In, values: [web, api]}}]}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {{matchExpressions: [{{key: team, operator: In, values: [t0, t1]}}, {{key: env, operator: NotIn, values: [prod]}}]}}
    ports: [{{port: 8080}}]
"#
    );
    yaml.split("\n---\n")
        .map(|d| serde_yaml::from_str(d).expect("fixture"))
        .collect()
}

/// Cluster policy `i` of the benchmark: Admin tier for even `i` (Pass to
/// NetworkPolicies for dev namespaces of one team, Deny of a port range
/// from prod, Accept from monitoring), Baseline tier for odd `i` (deny from
/// every namespace of other teams).
fn cluster_policy(i: usize) -> ClusterPolicy {
    let team = format!("t{}", i % 10);
    let yaml = if i.is_multiple_of(2) {
        format!(
            r#"apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: admin-{i}}}
spec:
  tier: Admin
  priority: {i}
  subject: {{namespaces: {{matchLabels: {{team: {team}}}}}}}
  ingress:
  - {{name: pass-dev, action: Pass, from: [{{namespaces: {{matchLabels: {{env: dev}}}}}}]}}
  - name: deny-prod-range
    action: Deny
    from: [{{namespaces: {{matchLabels: {{env: prod}}}}}}]
    protocols: [{{tcp: {{destinationPort: {{range: {{start: 9000, end: 9100}}}}}}}}]
  - {{name: monitoring, action: Accept, from: [{{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: monitoring}}}}}}]}}
"#
        )
    } else {
        format!(
            r#"apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: baseline-{i}}}
spec:
  tier: Baseline
  priority: {i}
  subject: {{namespaces: {{matchLabels: {{team: {team}}}}}}}
  ingress:
  - name: other-teams
    action: Deny
    from: [{{namespaces: {{matchExpressions: [{{key: team, operator: NotIn, values: [{team}]}}]}}}}]
"#
        )
    };
    let v: serde_json::Value = serde_yaml::from_str(&yaml).expect("fixture");
    ClusterPolicy::from_value(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
        &v,
    )
    .expect("valid cluster policy")
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--namespaces")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let report = !args.iter().any(|a| a == "--no-report");
    let c: usize = args
        .iter()
        .position(|a| a == "--cluster-policies")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);

    let names: Vec<String> = (0..n).map(|i| format!("team-{i:05}")).collect();
    let mut namespaces = Vec::new();
    let mut all = Vec::new();
    for (i, ns) in names.iter().enumerate() {
        let labels = BTreeMap::from([
            ("team".to_string(), format!("t{}", i % 10)),
            (
                "env".to_string(),
                if i % 3 == 0 { "prod" } else { "dev" }.to_string(),
            ),
        ]);
        namespaces.push(NamespaceInfo::new(ns.clone(), labels));
        all.extend(policies(ns));
    }
    println!(
        "{n} namespaces, {} NetworkPolicies, {c} cluster network policies, {} cells",
        all.len(),
        n * n
    );
    let cluster: Vec<ClusterPolicy> = (0..c).map(cluster_policy).collect();

    let t = Instant::now();
    let plan = ProbePlan::new(ProbeOptions {
        namespaces: names,
        ports: vec![8080],
        protocol: Protocol::Tcp,
        image: "registry.k8s.io/e2e-test-images/agnhost:2.53".into(),
        pod_labels: BTreeMap::from([("app".to_string(), "web".to_string())]),
        client_labels: BTreeMap::new(),
        server_labels: BTreeMap::new(),
        targets: Vec::new(),
        run_id: "bench".into(),
        timeout: Duration::from_secs(60),
    })
    .expect("plan");
    let ev = Evaluator::new(namespaces, all).with_cluster_policies(&cluster);
    let build = t.elapsed();

    let t = Instant::now();
    let prediction = plan.predict(&ev, &ProbeIps::default());
    let predict = t.elapsed();
    let allowed = prediction.values().iter().filter(|a| a.allowed()).count();
    println!(
        "evaluator build: {}   predicted matrix: {} ({allowed} allowed, {} denied)",
        secs(build),
        secs(predict),
        prediction.len() - allowed
    );
    println!(
        "prediction total (build + matrix): {}",
        secs(build + predict)
    );

    if report {
        let t = Instant::now();
        let r = ProbeReport::offline(&plan, &ev, &ProbeIps::default());
        let full = t.elapsed();
        println!(
            "full offline report with an explanation per cell: {} ({} results)",
            secs(full),
            r.results.len()
        );
    }
}
