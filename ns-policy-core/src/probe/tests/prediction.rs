//! Prediction from NetworkPolicies, online and offline (manifests).

use super::*;

#[test]
fn two_default_deny_namespaces_predict_deny_across_and_allow_within() {
    let (p, ev) = two_isolated();
    let pred = p.predict(&ev, &ProbeIps::default());
    // a->a, a->b, b->a, b->b
    assert_eq!(allowed(&pred), [true, false, false, true]);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert_eq!(report.summary.expected_allow, 2);
    assert_eq!(report.summary.expected_deny, 2);
    assert_eq!(report.summary.cross_namespace_allowed, 0);
    let across = report.results.get(Cell {
        from: 0,
        to: 1,
        port: 0,
    });
    assert_eq!((across.from.as_str(), across.to.as_str()), ("pr-1", "pr-2"));
    assert!(
        across.explanation.contains("egress denied")
            && across.explanation.contains("pr-1/default-deny"),
        "{}",
        across.explanation
    );
    assert_eq!(report.outcome(true), ProbeOutcome::Ok);
}

#[test]
fn an_ingress_allow_from_the_other_namespace_by_name_flips_one_direction_only() {
    let (p, _) = two_isolated();
    let mut policies = isolated_policies("pr-1");
    policies.extend(isolated_policies("pr-2"));
    let extra = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-pr-1, namespace: pr-2}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pr-1}}}]
    ports: [{port: tcp-8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-to-pr-2, namespace: pr-1}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pr-2}}}]
    ports: [{port: 8080}]
"#;
    for d in extra.split("\n---\n") {
        policies.push(serde_yaml::from_str(d).unwrap());
    }
    let ev = Evaluator::new(vec![], policies);
    // The named port resolves on the server pod; the --pod-label app=web
    // makes the podSelector match.
    assert_eq!(
        allowed(&p.predict(&ev, &ProbeIps::default())),
        [true, true, false, true]
    );
}

fn allowed(p: &Prediction) -> Vec<bool> {
    p.values().iter().map(|c| c.allowed()).collect()
}

#[test]
fn offline_needs_every_named_namespace_in_the_manifests() {
    let p = plan(&["pr-1", "pr-2"], &[8080]);
    let only_one = crate::manifests::load_str(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: pr-1}\n",
        "ns.yaml",
    )
    .unwrap();
    let e = offline_evaluator(&p, &only_one).unwrap_err().to_string();
    assert!(
        e.contains("pr-2") && e.contains("not in the given files"),
        "{e}"
    );

    let mut text = String::from(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: pr-1}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: pr-2}\n",
    );
    for ns in ["pr-1", "pr-2"] {
        for pol in isolated_policies(ns) {
            text.push_str("---\n");
            text.push_str(&serde_yaml::to_string(&pol).unwrap());
        }
    }
    let set = crate::manifests::load_str(&text, "all.yaml").unwrap();
    let ev = offline_evaluator(&p, &set).unwrap();
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    let expected: Vec<Connectivity> = report.results.values().iter().map(|r| r.expected).collect();
    use Connectivity::{Allow, Deny};
    assert_eq!(expected, [Allow, Deny, Deny, Allow]);
}
