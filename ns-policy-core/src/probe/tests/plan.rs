//! The plan: validation before anything is created, run IDs, cells,
//! selectors.

use super::*;

#[test]
fn plan_validation_rejects_bad_input_before_anything_is_created() {
    let bad = |o: ProbeOptions, needle: &str| {
        let e = ProbePlan::new(o).expect_err("must be rejected").to_string();
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    };
    bad(opts(&[], &[8080]), "no namespace to probe");
    bad(opts(&["Bad_Name"], &[8080]), "invalid namespace name");
    bad(opts(&["a", "a"], &[8080]), "named twice");
    bad(opts(&["a"], &[8080, 0]), "invalid port 0");
    bad(opts(&["a"], &[]), "no port");
    let mut o = opts(&["a"], &[8080]);
    o.protocol = Protocol::Sctp;
    assert!(
        ProbePlan::new(o).is_ok(),
        "SCTP is planned like TCP and UDP"
    );
    let mut o = opts(&["a"], &[8080]);
    o.pod_labels.insert(RUN_LABEL.into(), "x".into());
    bad(o, RUN_LABEL);
    let mut o = opts(&["a"], &[8080]);
    o.run_id = "Not valid".into();
    bad(o, "run id");
    let mut o = opts(&["a"], &[8080]);
    o.image = " ".into();
    bad(o, "image");
    // Duplicated ports are dropped, order kept.
    assert_eq!(plan(&["a"], &[9090, 8080, 9090]).ports(), [9090, 8080]);
}

#[test]
fn run_ids_are_label_values_and_differ() {
    let a = new_run_id();
    let b = new_run_id();
    assert_ne!(a, b);
    for id in [&a, &b] {
        assert_eq!(id.len(), 10);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(ProbePlan::new(ProbeOptions {
            run_id: id.clone(),
            ..opts(&["a"], &[8080])
        })
        .is_ok());
    }
}

#[test]
fn cells_enumerate_every_ordered_pair_and_port() {
    let p = plan(&["a", "b", "c"], &[80, 81]);
    assert_eq!(p.cell_count(), 18);
    let pred = p.predict(&Evaluator::default(), &ProbeIps::default());
    assert_eq!(pred.len(), 18);
    let mut seen = std::collections::HashSet::new();
    for c in pred.cells() {
        assert!(seen.insert((c.from, c.to, c.port)));
    }
    assert_eq!(seen.len(), 18);
}

#[test]
fn leftover_selector_matches_managed_probe_pods_of_any_run() {
    assert_eq!(
        leftover_selector(),
        "app.kubernetes.io/managed-by=kubectl-ns-policy,ns-policy.io/probe-run"
    );
    assert_eq!(
        plan(&["a"], &[8080]).run_selector(),
        "ns-policy.io/probe-run=run1"
    );
}
