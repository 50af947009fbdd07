//! The probe with cluster network policies and CNI policies: predictions
//! that follow the tiers, unknown cells, and whether the network plugin
//! enforces the cluster tiers.

use super::*;
use crate::netpol::{ClusterPolicy, CniPolicy};

fn cluster(yaml: &str) -> ClusterPolicy {
    let v: serde_json::Value = serde_yaml::from_str(yaml).expect("fixture");
    ClusterPolicy::from_value(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
        &v,
    )
    .expect("valid")
}

/// Both namespaces isolated by NetworkPolicies; an Admin-tier Accept lets
/// pr-1 reach pr-2 on 8080 regardless.
fn admin_accept() -> (ProbePlan, Evaluator) {
    let (p, ev) = two_isolated();
    let accept = cluster(
        r#"
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: pr-1-to-pr-2}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: pr-2}}}
  ingress:
  - action: Accept
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: pr-1}}}]
"#,
    );
    let egress = cluster(
        r#"
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: pr-1-out}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: pr-1}}}
  egress:
  - action: Accept
    to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: pr-2}}}]
"#,
    );
    (p, ev.with_cluster_policies(&[accept, egress]))
}

#[test]
fn cells_cluster_policies_change_carry_the_network_policy_only_answer() {
    let (p, ev) = admin_accept();
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    let r = &report.results.values()[1]; // pr-1 -> pr-2
    assert_eq!((r.from.as_str(), r.to.as_str()), ("pr-1", "pr-2"));
    assert_eq!(r.expected, Connectivity::Allow);
    assert_eq!(r.without_cluster_policies, Some(Connectivity::Deny));
    assert!(
        r.explanation.contains("ClusterNetworkPolicy/pr-1-to-pr-2"),
        "{}",
        r.explanation
    );
    // pr-2 -> pr-1 is denied either way: nothing to compare.
    let back = &report.results.values()[2];
    assert_eq!(back.expected, Connectivity::Deny);
    assert_eq!(back.without_cluster_policies, None);
    assert_eq!(
        report.cluster_policies,
        [
            "ClusterNetworkPolicy/pr-1-out",
            "ClusterNetworkPolicy/pr-1-to-pr-2"
        ]
    );
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["results"][1]["withoutClusterPolicies"], "deny");
    assert!(v["results"][2].get("withoutClusterPolicies").is_none());
}

fn live(p: &ProbePlan, ev: &Evaluator, outcomes: [Outcome; 4]) -> ProbeReport {
    let prediction = p.predict(ev, &ProbeIps::default());
    let observed = Observed {
        matrix: Matrix::from_cells(
            2,
            1,
            outcomes
                .iter()
                .map(|o| Observation {
                    outcome: *o,
                    detail: o.as_str().into(),
                    attempts: 1,
                })
                .collect(),
        )
        .unwrap(),
        external: Vec::new(),
    };
    ProbeReport::live(p, ev, &ProbeIps::default(), (&prediction, &[]), &observed)
}

#[test]
fn a_plugin_that_ignores_cluster_policies_is_not_enforced_not_a_mismatch() {
    use Outcome::{Allow, Deny};
    let (p, ev) = admin_accept();
    // NetworkPolicies enforced (pr-2 -> pr-1 blocked) but the Admin Accept
    // is not: pr-1 -> pr-2 blocked as NetworkPolicies alone say.
    let report = live(&p, &ev, [Allow, Deny, Deny, Allow]);
    assert_eq!(report.enforced, Some(true));
    assert_eq!(report.cluster_policies_enforced, Some(false));
    assert_eq!(
        report.outcome(false),
        ProbeOutcome::ClusterPoliciesNotEnforced
    );

    // The plugin implements the tier: pr-1 -> pr-2 opens.
    let report = live(&p, &ev, [Allow, Allow, Deny, Allow]);
    assert_eq!(report.cluster_policies_enforced, Some(true));
    assert_eq!(report.outcome(false), ProbeOutcome::Ok);

    // The cell they change could not be tested: cannot tell.
    let report = live(&p, &ev, [Allow, Outcome::Error, Deny, Allow]);
    assert_eq!(report.cluster_policies_enforced, None);
    assert_eq!(report.outcome(false), ProbeOutcome::Errors);
}

#[test]
fn a_cni_policy_makes_its_namespace_cells_unknown_and_isolation_unproven() {
    let p = plan(&["pr-1", "pr-2"], &[8080]);
    let v: serde_json::Value = serde_yaml::from_str(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: l7, namespace: pr-2}\nspec: {endpointSelector: {}}",
    )
    .unwrap();
    let cni = CniPolicy::from_value("cilium.io/v2", "CiliumNetworkPolicy", &v);
    // pr-2 isolated by NetworkPolicies too: the Cilium policy may still
    // allow or deny more, so nothing at pr-2 is decided here.
    let ev = Evaluator::new(
        vec![
            NamespaceInfo::new("pr-1", BTreeMap::new()),
            NamespaceInfo::new("pr-2", BTreeMap::new()),
        ],
        isolated_policies("pr-2"),
    )
    .with_cni_policies(&[cni]);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    let expected: Vec<Connectivity> = report.results.values().iter().map(|r| r.expected).collect();
    assert_eq!(
        expected,
        [
            Connectivity::Allow,
            Connectivity::Unknown,
            Connectivity::Unknown,
            Connectivity::Unknown
        ]
    );
    let unknown = &report.results.values()[2];
    assert!(
        unknown
            .explanation
            .contains("CiliumNetworkPolicy.cilium.io pr-2/l7"),
        "{}",
        unknown.explanation
    );
    assert_eq!(report.summary.expected_unknown, 3);
    assert_eq!(report.summary.cross_namespace_unknown, 2);
    assert_eq!(report.outcome(false), ProbeOutcome::Ok);
    assert_eq!(report.outcome(true), ProbeOutcome::Unknown);
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["results"][2]["expected"], "unknown");

    // Live, an unknown prediction is neither a match nor a mismatch.
    let report = live(
        &p,
        &ev,
        [
            Outcome::Allow,
            Outcome::Deny,
            Outcome::Allow,
            Outcome::Allow,
        ],
    );
    assert_eq!(report.results.values()[2].matches, None);
    assert_eq!(report.results.values()[1].matches, None);
    assert_eq!(report.summary.mismatches, 0);
    assert_eq!(report.outcome(true), ProbeOutcome::NotIsolated);
}

#[test]
fn policies_that_could_not_be_read_make_every_prediction_unknown() {
    let (p, ev) = two_isolated();
    let ev = ev.with_unreadable("cluster network policies could not be read (forbidden)");
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert!(report
        .results
        .values()
        .iter()
        .all(|r| r.expected == Connectivity::Unknown && r.explanation.contains("forbidden")));
}

#[test]
fn sctp_connect_results_are_classified() {
    let o = Observation::from_connect(false, "OTHER: connection refused\n");
    assert_eq!((o.outcome, o.detail.as_str()), (Outcome::Deny, "refused"));
    let o = Observation::from_connect(false, "OTHER: socket: protocol not supported\n");
    assert_eq!(o.outcome, Outcome::Error);
    assert!(o.detail.starts_with("SCTP unsupported"), "{}", o.detail);
    let o = Observation::from_connect(false, "TIMEOUT\n");
    assert_eq!(o.outcome, Outcome::Deny);
}

#[test]
fn the_streamed_offline_report_is_byte_for_byte_the_offline_report() {
    let same = |p: &ProbePlan, ev: &Evaluator| {
        let whole = ProbeReport::offline(p, ev, &ProbeIps::default());
        let stream = ProbeReport::offline_stream(p, ev, &ProbeIps::default());
        assert_eq!(stream.head().summary, whole.summary);
        assert_eq!(
            serde_json::to_string_pretty(&stream).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap()
        );
        whole
    };
    // Cluster policies: `withoutClusterPolicies`, `clusterPolicies`.
    let (p, ev) = admin_accept();
    let whole = same(&p, &ev);
    assert!(!whole.cluster_policies.is_empty());
    // `--target` rows, two ports, three namespaces.
    let mut o = opts(&["a", "b", "c"], &[80, 443]);
    o.targets = vec!["10.9.0.1:6443".parse().unwrap()];
    let p = ProbePlan::new(o).unwrap();
    let mut policies = isolated_policies("a");
    policies.extend(isolated_policies("c"));
    let whole = same(&p, &Evaluator::new(vec![], policies));
    assert_eq!(whole.external.len(), 3);
    assert_eq!(whole.summary.cells, 3 * 3 * 2 + 3);
}
