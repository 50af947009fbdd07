//! Properties of the Pod Security Standards checker over random combinations
//! of deviations from a compliant restricted pod.

use std::collections::BTreeSet;

use ns_policy_core::pss::{check_pod, pod_spec_of, Level, Violation};
use proptest::prelude::*;
use serde_json::{json, Value};

const RESTRICTED_POD: &str = include_str!("fixtures/pss/restricted-pod.yaml");

/// Deviations (JSON pointer, value); `Null` removes. Linux pods only: on
/// Windows, restricted deliberately skips checks baseline keeps.
fn pool() -> Vec<(&'static str, Value)> {
    vec![
        ("/spec/hostNetwork", json!(true)),
        ("/spec/hostPID", json!(true)),
        ("/spec/hostUsers", json!(false)),
        ("/spec/containers/0/securityContext/privileged", json!(true)),
        (
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["NET_RAW"]),
        ),
        (
            "/spec/containers/0/securityContext/capabilities/add",
            json!(["CHOWN"]),
        ),
        (
            "/spec/initContainers/0/securityContext/capabilities",
            Value::Null,
        ),
        (
            "/spec/volumes/-",
            json!({"name": "h", "hostPath": {"path": "/"}}),
        ),
        (
            "/spec/volumes/-",
            json!({"name": "n", "nfs": {"server": "s", "path": "/"}}),
        ),
        ("/spec/containers/0/ports/0/hostPort", json!(80)),
        (
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app",
            json!("unconfined"),
        ),
        (
            "/spec/securityContext/appArmorProfile/type",
            json!("Unconfined"),
        ),
        (
            "/spec/containers/0/securityContext/seLinuxOptions/type",
            json!("spc_t"),
        ),
        ("/spec/securityContext/seLinuxOptions/user", json!("u")),
        (
            "/spec/containers/0/securityContext/procMount",
            json!("Unmasked"),
        ),
        (
            "/spec/securityContext/seccompProfile/type",
            json!("Unconfined"),
        ),
        ("/spec/securityContext/seccompProfile", Value::Null),
        (
            "/spec/containers/0/securityContext/seccompProfile/type",
            json!("Unconfined"),
        ),
        (
            "/spec/securityContext/sysctls/-",
            json!({"name": "kernel.msgmax", "value": "1"}),
        ),
        (
            "/spec/containers/0/securityContext/windowsOptions/hostProcess",
            json!(true),
        ),
        ("/spec/containers/0/livenessProbe/httpGet/host", json!("h")),
        (
            "/spec/containers/0/securityContext/allowPrivilegeEscalation",
            json!(true),
        ),
        ("/spec/securityContext/runAsNonRoot", Value::Null),
        (
            "/spec/ephemeralContainers/0/securityContext/runAsNonRoot",
            json!(false),
        ),
        ("/spec/securityContext/runAsUser", json!(0)),
        ("/spec/initContainers/0/securityContext/runAsUser", json!(0)),
    ]
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let key = unescape(key);
    let mut cur = doc;
    for part in parent.split('/').skip(1).map(unescape) {
        cur = match cur {
            Value::Array(a) => &mut a[part.parse::<usize>().expect("index")],
            Value::Object(m) => m.entry(part).or_insert_with(|| json!({})),
            other => panic!("cannot descend into {other}"),
        };
    }
    match cur {
        Value::Array(a) if key == "-" => a.push(value),
        Value::Object(m) if value.is_null() => {
            m.remove(&key);
        }
        Value::Object(m) => {
            m.insert(key, value);
        }
        other => panic!("cannot set {key} in {other}"),
    }
}

fn run(level: Level, doc: &Value) -> Vec<Violation> {
    let (meta, spec, _) = pod_spec_of("Pod", doc).expect("pod");
    check_pod(level, &meta, &spec)
}

/// Baseline checks that a restricted check replaces.
const OVERRIDDEN: &[&str] = &[
    "capabilities_baseline",
    "hostPathVolumes",
    "procMount",
    "seccompProfile_baseline",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn restricted_is_stricter_than_baseline(picks in proptest::collection::vec(any::<bool>(), 26)) {
        let pool = pool();
        prop_assert_eq!(pool.len(), picks.len());
        let mut doc: Value = serde_yaml::from_str(RESTRICTED_POD).unwrap();
        for ((pointer, value), pick) in pool.into_iter().zip(picks) {
            if pick {
                set(&mut doc, pointer, value);
            }
        }
        prop_assert!(run(Level::Privileged, &doc).is_empty());
        let baseline = run(Level::Baseline, &doc);
        let restricted = run(Level::Restricted, &doc);
        prop_assert!(baseline.is_empty() || !restricted.is_empty());
        for v in &baseline {
            prop_assert_eq!(v.level, Level::Baseline);
            if !OVERRIDDEN.contains(&v.check) {
                prop_assert!(restricted.contains(v), "{:?} missing at restricted", v);
            }
        }
        for v in &restricted {
            prop_assert!(v.level >= Level::Baseline);
            prop_assert!(!OVERRIDDEN.contains(&v.check), "{:?}", v);
        }
        // Deterministic, and no field reported twice by the same check.
        prop_assert_eq!(&restricted, &run(Level::Restricted, &doc));
        let mut seen = BTreeSet::new();
        for v in &restricted {
            prop_assert!(seen.insert((v.check, v.field.clone())), "duplicate {:?}", v);
        }
    }
}
