//! The case table: each case edits the compliant pod in one way and must
//! fail exactly the expected checks at baseline and at restricted (cases of
//! the baseline checks in `cases/baseline.rs`, of the restricted-only ones in
//! `cases/restricted.rs`).

use serde_json::Value;

use ns_policy_core::pss::Level;

use super::{base, ids, run, set, set_of};

mod baseline;
mod restricted;

/// One test case: mutations of the compliant pod and the checks expected to
/// fail at baseline and at restricted.
struct Case {
    name: &'static str,
    edits: Vec<(&'static str, Value)>,
    baseline: &'static [&'static str],
    restricted: &'static [&'static str],
}

fn case(
    name: &'static str,
    edits: Vec<(&'static str, Value)>,
    baseline: &'static [&'static str],
    restricted: &'static [&'static str],
) -> Case {
    Case {
        name,
        edits,
        baseline,
        restricted,
    }
}

const C0: &str = "/spec/containers/0/securityContext";
const NONE: &[&str] = &[];

/// `C0` followed by `rest`, as a `&'static str` for the case table.
fn c(rest: &str) -> &'static str {
    Box::leak(format!("{C0}{rest}").into_boxed_str())
}

fn cases() -> Vec<Case> {
    let mut all = baseline::cases();
    all.extend(restricted::cases());
    all
}

#[test]
fn compliant_pod_passes_every_level() {
    let doc = base();
    for level in Level::ALL {
        let vs = run(level, &doc);
        assert!(vs.is_empty(), "{level}: {vs:#?}");
    }
}

#[test]
fn each_case_fails_exactly_the_expected_checks() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut doc = base();
        for (pointer, value) in &case.edits {
            set(&mut doc, pointer, value.clone());
        }
        let privileged = run(Level::Privileged, &doc);
        if !privileged.is_empty() {
            failures.push(format!(
                "{}: privileged level reported {privileged:?}",
                case.name
            ));
        }
        for (level, expected) in [
            (Level::Baseline, case.baseline),
            (Level::Restricted, case.restricted),
        ] {
            let vs = run(level, &doc);
            if ids(&vs) != set_of(expected) {
                failures.push(format!(
                    "{} at {level}: expected {expected:?}, got {vs:#?}",
                    case.name
                ));
            }
            for v in &vs {
                if v.level > level || v.level == Level::Privileged {
                    failures.push(format!(
                        "{}: violation level {} at {level}: {v:?}",
                        case.name, v.level
                    ));
                }
                if !v.message.starts_with(char::is_alphabetic) || !v.message.ends_with(')') {
                    failures.push(format!("{}: odd message {:?}", case.name, v.message));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
