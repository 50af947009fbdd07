//! Reports and decisions: JSON shape, enforcement, exit codes, connect
//! results, big reports built in parallel.

use super::*;

/// A 2×2 single-port prediction and observation, in cell order.
fn observed(outcomes: &[(bool, Outcome)]) -> (Prediction, Observed) {
    let n = 2;
    let prediction = Matrix::from_cells(
        n,
        1,
        outcomes
            .iter()
            .map(|(a, _)| Predicted {
                decision: if *a {
                    crate::netpol::Decision::Allow
                } else {
                    crate::netpol::Decision::Deny
                },
                without_cluster_policies: None,
            })
            .collect(),
    )
    .expect("2x2 cells");
    let obs = Matrix::from_cells(
        n,
        1,
        outcomes
            .iter()
            .map(|(_, o)| Observation {
                outcome: *o,
                detail: o.as_str().into(),
                attempts: 1,
            })
            .collect(),
    )
    .expect("2x2 cells");
    (
        prediction,
        Observed {
            matrix: obs,
            external: Vec::new(),
        },
    )
}

#[test]
fn report_json_has_the_documented_shape() {
    let (p, ev) = two_isolated();
    let offline =
        serde_json::to_value(ProbeReport::offline(&p, &ev, &ProbeIps::default())).unwrap();
    assert_eq!(offline["apiVersion"], "ns-policy.io/v1alpha1");
    assert_eq!(offline["kind"], "ProbeReport");
    assert_eq!(offline["mode"], "offline");
    assert!(offline["enforced"].is_null());
    let r = &offline["results"][1];
    assert_eq!(r["from"], "pr-1");
    assert_eq!(r["to"], "pr-2");
    assert_eq!(r["port"], 8080);
    assert_eq!(r["protocol"], "TCP");
    assert_eq!(r["expected"], "deny");
    assert!(r["observed"].is_null() && r["match"].is_null() && r["detail"].is_null());
    assert!(r["explanation"].as_str().unwrap().contains("denied"));
    assert_eq!(offline["summary"]["cells"], 4);

    let (pred, obs) = observed(&[
        (true, Outcome::Allow),
        (false, Outcome::Deny),
        (false, Outcome::Allow),
        (true, Outcome::Error),
    ]);
    let live = ProbeReport::live(
        &p,
        &Evaluator::default(),
        &ProbeIps::default(),
        (&pred, &[]),
        &obs,
    );
    let v = serde_json::to_value(&live).unwrap();
    assert_eq!(v["mode"], "live");
    assert_eq!(v["runId"], "run1");
    assert_eq!(v["results"][0]["observed"], "allow");
    assert_eq!(v["results"][0]["match"], true);
    assert_eq!(v["results"][2]["observed"], "allow");
    assert_eq!(v["results"][2]["match"], false);
    assert_eq!(v["results"][3]["observed"], "error");
    assert_eq!(v["results"][3]["match"], false);
    assert_eq!(v["enforced"], true);
    assert_eq!(v["summary"]["mismatches"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["crossNamespaceAllowed"], 1);
    // Round trip.
    let back: ProbeReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, live);
}

#[test]
fn not_enforced_when_every_predicted_deny_connects() {
    use Connectivity::{Allow as A, Deny as D};
    use Outcome::{Allow, Deny, Error};
    // Every deny cell open: not enforced.
    assert_eq!(
        enforcement([(A, Some(Allow)), (D, Some(Allow)), (D, Some(Allow))]),
        Some(false)
    );
    // One deny cell blocked: enforced (the others are mismatches).
    assert_eq!(enforcement([(D, Some(Allow)), (D, Some(Deny))]), Some(true));
    // Nothing predicted deny, or only errors there: cannot tell.
    assert_eq!(enforcement([(A, Some(Allow)), (A, Some(Deny))]), None);
    assert_eq!(enforcement([(D, Some(Error))]), None);
    assert_eq!(enforcement([(D, None)]), None);

    let (p, _) = two_isolated();
    let (pred, obs) = observed(&[
        (true, Outcome::Allow),
        (false, Outcome::Allow),
        (false, Outcome::Allow),
        (true, Outcome::Allow),
    ]);
    let report = ProbeReport::live(
        &p,
        &Evaluator::default(),
        &ProbeIps::default(),
        (&pred, &[]),
        &obs,
    );
    assert_eq!(report.enforced, Some(false));
    assert_eq!(report.outcome(false), ProbeOutcome::NotEnforced);
}

#[test]
fn exit_decision_follows_mismatches_isolation_and_errors() {
    let (p, _) = two_isolated();
    let decide = |cells: &[(bool, Outcome)], expect_isolated: bool| {
        let (pred, obs) = observed(cells);
        ProbeReport::live(
            &p,
            &Evaluator::default(),
            &ProbeIps::default(),
            (&pred, &[]),
            &obs,
        )
        .outcome(expect_isolated)
    };
    use Outcome::{Allow, Deny, Error};
    let as_predicted = [(true, Allow), (false, Deny), (false, Deny), (true, Allow)];
    assert_eq!(decide(&as_predicted, false), ProbeOutcome::Ok);
    assert_eq!(decide(&as_predicted, true), ProbeOutcome::Ok);
    // A predicted allow observed denied.
    let broken_allow = [(true, Deny), (false, Deny), (false, Deny), (true, Allow)];
    assert_eq!(decide(&broken_allow, false), ProbeOutcome::Mismatch);
    // One deny open, another blocked: mismatch, not "not enforced".
    let leak = [(true, Allow), (false, Allow), (false, Deny), (true, Allow)];
    assert_eq!(decide(&leak, false), ProbeOutcome::Mismatch);
    // Open across as predicted: fine unless --expect-isolated.
    let open = [(true, Allow), (true, Allow), (false, Deny), (true, Allow)];
    assert_eq!(decide(&open, false), ProbeOutcome::Ok);
    assert_eq!(decide(&open, true), ProbeOutcome::NotIsolated);
    // Same-namespace traffic never counts against isolation.
    assert_eq!(decide(&as_predicted, true), ProbeOutcome::Ok);
    let untested = [(true, Allow), (false, Deny), (false, Error), (true, Allow)];
    assert_eq!(decide(&untested, false), ProbeOutcome::Errors);

    // Offline with --expect-isolated judges the prediction.
    let open_ev = Evaluator::new(vec![], vec![]);
    let offline = ProbeReport::offline(&p, &open_ev, &ProbeIps::default());
    assert_eq!(offline.outcome(false), ProbeOutcome::Ok);
    assert_eq!(offline.outcome(true), ProbeOutcome::NotIsolated);
}

#[test]
fn agnhost_connect_results_are_classified() {
    let c = |ok, err: &str| Observation::from_connect(ok, err);
    assert_eq!(c(true, "").outcome, Outcome::Allow);
    assert_eq!(c(false, "TIMEOUT\n").outcome, Outcome::Deny);
    assert_eq!(c(false, "TIMEOUT\n").detail, "timeout");
    assert_eq!(c(false, "REFUSED\n").detail, "refused");
    assert_eq!(
        c(
            false,
            "REFUSED: read udp 10.0.0.1:4->10.0.0.2:53: connection refused"
        )
        .outcome,
        Outcome::Deny
    );
    assert_eq!(
        c(
            false,
            "OTHER: dial tcp 10.0.0.2:8080: connect: no route to host"
        )
        .outcome,
        Outcome::Deny
    );
    let dns = c(false, "DNS: lookup x: no such host\n");
    assert_eq!(dns.outcome, Outcome::Error);
    assert!(dns.detail.starts_with("DNS:"));
    assert_eq!(c(false, "").outcome, Outcome::Error);
}

#[test]
fn big_reports_built_in_parallel_keep_cell_order() {
    let names: Vec<String> = (0..150).map(|i| format!("ns-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let p = plan(&refs, &[8080]);
    assert!(p.cell_count() >= PARALLEL_THRESHOLD);
    let policies: Vec<NetworkPolicy> = names.iter().flat_map(|n| isolated_policies(n)).collect();
    let ev = Evaluator::new(vec![], policies);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert_eq!(report.results.len(), p.cell_count());
    for (c, r) in report.results.iter() {
        assert_eq!((r.from.as_str(), r.to.as_str()), (refs[c.from], refs[c.to]));
        let same = c.from == c.to;
        assert_eq!(r.expected == Connectivity::Allow, same, "{r:?}");
    }
    assert_eq!(report.summary.expected_allow, 150);
    assert_eq!(report.summary.expected_deny, 150 * 149);
}
