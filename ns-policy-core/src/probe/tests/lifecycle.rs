//! When a sweep may take a probe pod, and what a run does with the pods it
//! lost while it observed.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn pod(v: serde_json::Value) -> Pod {
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_pod_is_swept_only_once_its_run_is_over() {
    let now = at("2026-06-01T12:00:00Z");
    let annotated = |deadline: &str| {
        pod(
            json!({"metadata": {"name": "p", "annotations": {DEADLINE_ANNOTATION: deadline}},
                   "status": {"phase": "Running"}}),
        )
    };
    assert_eq!(
        run_state(&annotated("2026-06-01T12:00:30Z"), now),
        RunState::InProgress {
            until: at("2026-06-01T12:00:30Z")
        }
    );
    assert_eq!(
        run_state(&annotated("2026-06-01T11:59:59Z"), now),
        RunState::Over
    );
    // Ended or already going: over, whatever the deadline says.
    let mut ended = annotated("2026-06-01T13:00:00Z");
    ended.status.as_mut().unwrap().phase = Some("Failed".into());
    assert_eq!(run_state(&ended, now), RunState::Over);
    // A pod of an older release: creation + activeDeadlineSeconds + margin.
    let old = |created: &str| {
        pod(
            json!({"metadata": {"name": "p", "creationTimestamp": created},
                   "spec": {"containers": [], "activeDeadlineSeconds": 180}}),
        )
    };
    assert!(matches!(
        run_state(&old("2026-06-01T11:58:00Z"), now),
        RunState::InProgress { .. }
    ));
    assert_eq!(run_state(&old("2026-06-01T11:50:00Z"), now), RunState::Over);
    // Nothing to tell by: a leftover.
    assert_eq!(
        run_state(&pod(json!({"metadata": {"name": "p"}})), now),
        RunState::Over
    );
}

#[test]
fn the_deadline_covers_the_timeout_and_the_cleanup_margin() {
    let start = at("2026-06-01T12:00:00Z");
    assert_eq!(
        run_deadline(start, Duration::from_secs(60)),
        at("2026-06-01T12:03:00Z")
    );
    // Absurd timeouts do not overflow.
    assert!(run_deadline(start, Duration::from_secs(u64::MAX)) > start);
}

#[test]
fn cells_of_a_lost_pod_become_errors_not_denies() {
    let p = plan(&["a", "b"], &[8080]);
    let observation = |o: Outcome| Observation {
        outcome: o,
        detail: o.as_str().into(),
        attempts: 1,
    };
    let mut observed = Observed {
        matrix: Matrix::from_fn(2, 1, |c| {
            observation(if c.from == c.to {
                Outcome::Allow
            } else {
                Outcome::Deny
            })
        }),
        external: Vec::new(),
    };
    let lost = BTreeMap::from([(
        ("b".to_string(), Role::Server),
        "probe pod b/server was deleted during the run".to_string(),
    )]);
    observed.discard_lost_pods(&p, &lost);
    let outcome = |from: usize, to: usize| observed.matrix.get(Cell { from, to, port: 0 }).outcome;
    assert_eq!(outcome(0, 0), Outcome::Allow);
    assert_eq!(outcome(1, 0), Outcome::Deny, "b's client still counts");
    assert_eq!(outcome(0, 1), Outcome::Error);
    assert_eq!(outcome(1, 1), Outcome::Error);
    // No enforcement verdict from what could not be tested.
    let ev = Evaluator::new(Vec::new(), Vec::new());
    let prediction = p.predict(&ev, &ProbeIps::default());
    let report = ProbeReport::live(&p, &ev, &ProbeIps::default(), (&prediction, &[]), &observed);
    assert_eq!(report.summary.errors, 2);
    // b -> a was observed denied where no policy isolates: still a
    // mismatch, as its pods were not lost.
    assert_eq!(report.summary.mismatches, 1);
}
