//! Properties: the fast path agrees with the full evaluation on a
//! 1,000-namespace fixture; verdicts do not depend on policy order.

use super::*;
use proptest::prelude::*;

fn scale_fixture(n_ns: usize) -> (Evaluator, Vec<Endpoint>) {
    let mut namespaces = Vec::new();
    let mut policies = Vec::new();
    let mut pods = Vec::new();
    for i in 0..n_ns {
        let name = format!("pr-{i}");
        namespaces.push(ns(
            &name,
            &[("team", if i % 2 == 0 { "even" } else { "odd" })],
        ));
        let yaml = format!(
            r#"
metadata: {{name: default-deny, namespace: {name}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
metadata: {{name: allow-same-namespace, namespace: {name}}}
spec:
  podSelector: {{}}
  ingress: [{{from: [{{podSelector: {{}}}}]}}]
  egress: [{{to: [{{podSelector: {{}}}}]}}]
---
metadata: {{name: allow-dns, namespace: {name}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]
    ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]
---
metadata: {{name: allow-team, namespace: {name}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  ingress:
  - from: [{{namespaceSelector: {{matchLabels: {{team: even}}}}, podSelector: {{matchExpressions: [{{key: app, operator: In, values: [web, api]}}]}}}}]
    ports: [{{port: http}}, {{port: 8000, endPort: 8100}}]
---
metadata: {{name: allow-egress-web, namespace: {name}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  egress:
  - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: web}}}}}}, {{ipBlock: {{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}}}]
"#
        );
        policies.extend(nps(&yaml));
        pods.push(Endpoint::Pod(PodInfo {
            namespace: name.clone(),
            name: "web".into(),
            labels: labels(&[("app", "web")]),
            ip: Some(format!("10.{}.{}.1", i / 256, i % 256).parse().unwrap()),
            ports: vec![NamedPort {
                name: "http".into(),
                port: 8080,
                protocol: TCP,
            }],
        }));
    }
    (Evaluator::new(namespaces, policies), pods)
}

/// The fast path (`is_allowed`) agrees with the full evaluation over a
/// 1,000-namespace fixture. Timing lives in the benchmark
/// (`cargo run --release -p ns-policy-core --example bench_predict`), never in
/// a test.
#[test]
fn fast_path_agrees_with_evaluate_on_a_thousand_namespaces() {
    let (e, pods) = scale_fixture(1000);
    let n = 20_000usize;
    let mut allowed_count = 0usize;
    for q in 0..n {
        let from = &pods[q % pods.len()];
        let to = &pods[(q * 7919 + 13) % pods.len()];
        let port = [8080, 8050, 53, 9999][q % 4];
        let full = e.evaluate(from, to, port, TCP).allowed;
        assert_eq!(full, e.is_allowed(from, to, port, TCP), "query {q}");
        allowed_count += usize::from(full);
    }
    assert!(allowed_count > 0 && allowed_count < n);
    // Spot checks of the fixture's meaning.
    let even = &pods[2];
    let odd = &pods[3];
    assert!(e.is_allowed(even, odd, 8080, TCP));
    assert!(!e.is_allowed(odd, even, 8080, TCP), "odd team not admitted");
    assert!(!e.is_allowed(even, odd, 9999, TCP));
    assert!(e.is_allowed(even, odd, 8100, TCP));
}

fn arb_selector_yaml() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("{}"),
        Just("{matchLabels: {app: web}}"),
        Just("{matchLabels: {app: db}}"),
        Just("{matchExpressions: [{key: app, operator: NotIn, values: [web]}]}"),
        Just("{matchExpressions: [{key: tier, operator: Exists}]}"),
    ]
}

fn arb_peer_yaml() -> impl Strategy<Value = String> {
    prop_oneof![
        arb_selector_yaml().prop_map(|s| format!("{{podSelector: {s}}}")),
        prop_oneof![Just("{}"), Just("{matchLabels: {team: a}}")]
            .prop_map(|s| format!("{{namespaceSelector: {s}}}")),
        (arb_selector_yaml(), Just("{matchLabels: {team: b}}"))
            .prop_map(|(p, n)| format!("{{namespaceSelector: {n}, podSelector: {p}}}")),
        prop_oneof![
            Just("{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.1.0/24]}}"),
            Just("{ipBlock: {cidr: 0.0.0.0/0}}"),
            Just("{ipBlock: {cidr: 'fd00::/8'}}"),
        ]
        .prop_map(String::from),
    ]
}

fn arb_port_yaml() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("{port: 80}"),
        Just("{port: 53, protocol: UDP}"),
        Just("{port: http}"),
        Just("{port: 8000, endPort: 8100}"),
        Just("{protocol: UDP}"),
    ]
}

fn arb_rule_yaml(peer_key: &'static str) -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::collection::vec(arb_peer_yaml(), 0..3)),
        prop::option::of(prop::collection::vec(arb_port_yaml(), 0..3)),
    )
        .prop_map(move |(peers, ports)| {
            let mut parts = Vec::new();
            if let Some(p) = peers {
                parts.push(format!("{peer_key}: [{}]", p.join(", ")));
            }
            if let Some(p) = ports {
                parts.push(format!("ports: [{}]", p.join(", ")));
            }
            format!("{{{}}}", parts.join(", "))
        })
}

fn arb_policy_yaml(idx: usize) -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("ns-a"), Just("ns-b")],
        arb_selector_yaml(),
        prop_oneof![
            Just(""),
            Just("policyTypes: [Ingress]"),
            Just("policyTypes: [Egress]"),
            Just("policyTypes: [Ingress, Egress]"),
        ],
        prop::option::of(prop::collection::vec(arb_rule_yaml("from"), 0..3)),
        prop::option::of(prop::collection::vec(arb_rule_yaml("to"), 0..3)),
    )
        .prop_map(move |(ns, sel, types, ingress, egress)| {
            let mut spec = vec![format!("podSelector: {sel}")];
            if !types.is_empty() {
                spec.push(types.to_string());
            }
            if let Some(r) = ingress {
                spec.push(format!("ingress: [{}]", r.join(", ")));
            }
            if let Some(r) = egress {
                spec.push(format!("egress: [{}]", r.join(", ")));
            }
            format!(
                "{{metadata: {{name: p{idx}, namespace: {ns}}}, spec: {{{}}}}}",
                spec.join(", ")
            )
        })
}

fn arb_policies() -> impl Strategy<Value = Vec<NetworkPolicy>> {
    (0usize..6)
        .prop_flat_map(|n| (0..n).map(arb_policy_yaml).collect::<Vec<_>>())
        .prop_map(|ys| ys.iter().map(|y| np(y)).collect())
}

fn proptest_endpoints() -> Vec<Endpoint> {
    let mut v = Vec::new();
    for n in ["ns-a", "ns-b", "ns-c"] {
        v.push(with_ports(
            pod_ip(n, "web", &[("app", "web")], "10.0.0.1"),
            &[("http", 8080, TCP)],
        ));
        v.push(pod_ip(n, "db", &[("app", "db"), ("tier", "x")], "10.0.1.7"));
        v.push(pod(n, "bare", &[]));
    }
    v.push(ext("10.0.2.3"));
    v.push(ext("192.168.1.1"));
    v.push(ext("fd00::5"));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn verdict_does_not_depend_on_policy_order(
        (policies, shuffled) in arb_policies().prop_flat_map(|p| {
            let s = Just(p.clone()).prop_shuffle();
            (Just(p), s)
        })
    ) {
        let namespaces = vec![
            ns("ns-a", &[("team", "a")]),
            ns("ns-b", &[("team", "b")]),
            ns("ns-c", &[]),
        ];
        let e1 = Evaluator::new(namespaces.clone(), policies);
        let e2 = Evaluator::new(namespaces, shuffled);
        let eps = proptest_endpoints();
        for from in &eps {
            for to in &eps {
                for (port, proto) in [(80, TCP), (8080, TCP), (53, UDP), (8050, TCP), (9, UDP)] {
                    let v1 = e1.evaluate(from, to, port, proto);
                    let v2 = e2.evaluate(from, to, port, proto);
                    prop_assert_eq!(v1.allowed, v2.allowed);
                    prop_assert_eq!(&v1, &v2, "verdicts are fully deterministic");
                    prop_assert_eq!(v1.allowed, e1.is_allowed(from, to, port, proto));
                }
            }
        }
    }
}
