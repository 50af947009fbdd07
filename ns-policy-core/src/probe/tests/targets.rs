//! Targets outside the cluster (`--target`): predicted by egress at the
//! client only.

use super::*;

#[test]
fn targets_are_predicted_by_egress_at_the_client_only() {
    let mut o = opts(&["ops"], &[8080]);
    o.targets = vec![
        "10.244.0.1:6443".parse().unwrap(),
        "10.244.0.1:10250".parse().unwrap(),
    ];
    let p = ProbePlan::new(o).unwrap();
    let mut policies = isolated_policies("ops");
    policies.push(
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "allow-api-server", "namespace": "ops"},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": "10.244.0.1/32"}}],
                "ports": [{"protocol": "TCP", "port": 6443}]
            }]}
        }))
        .unwrap(),
    );
    let ev = Evaluator::new(vec![], policies);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert_eq!(report.targets, ["10.244.0.1:6443", "10.244.0.1:10250"]);
    let expected: Vec<(String, u16, Connectivity)> = report
        .external
        .iter()
        .map(|r| (r.to.clone(), r.port, r.expected))
        .collect();
    assert_eq!(
        expected,
        [
            ("10.244.0.1".to_string(), 6443, Connectivity::Allow),
            ("10.244.0.1".to_string(), 10250, Connectivity::Deny)
        ]
    );
    assert!(report.external[0].explanation.contains("allow-api-server"));
    // Counted in the summary, not as cross-namespace traffic.
    assert_eq!(report.summary.cells, 3);
    assert_eq!(report.summary.cross_namespace_allowed, 0);
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["external"][1]["expected"], "deny");
    let back: ProbeReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, report);
    // Without targets the JSON has neither field.
    let plain = serde_json::to_value(ProbeReport::offline(
        &plan(&["a"], &[80]),
        &ev,
        &ProbeIps::default(),
    ))
    .unwrap();
    assert!(plain.get("targets").is_none() && plain.get("external").is_none());
}
