//! Pod Security Standards checker: pass/fail fixtures per check, modelled on
//! the upstream pod-security-admission test fixtures (one compliant restricted
//! pod; each case changes one thing and must fail exactly the expected check).
//!
//! This file holds the fixtures and the helpers that edit and check them;
//! the tests are in one module per topic beside it.

mod cases;
mod levels;
mod reports;
mod workloads;

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ns_policy_core::pss::{check_pod, pod_spec_of, Level, Violation};
use serde_json::{json, Value};

const RESTRICTED_POD: &str = include_str!("../fixtures/pss/restricted-pod.yaml");
const WORKLOADS: &str = include_str!("../fixtures/pss/workloads.yaml");

fn base() -> Value {
    serde_yaml::from_str(RESTRICTED_POD).expect("fixture parses")
}

/// Sets `pointer` (JSON pointer; `-` appends to an array) to `value`,
/// creating intermediate objects; `Value::Null` removes the key.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let key = unescape(key);
    let key = key.as_str();
    let mut cur = doc;
    for part in parent.split('/').skip(1).map(unescape) {
        let part = part.as_str();
        cur = match cur {
            Value::Array(a) => &mut a[part.parse::<usize>().expect("index")],
            Value::Object(m) => m.entry(part.to_string()).or_insert_with(|| json!({})),
            other => panic!("cannot descend into {other} at {part}"),
        };
    }
    match cur {
        Value::Array(a) if key == "-" => a.push(value),
        Value::Array(a) => a[key.parse::<usize>().expect("index")] = value,
        Value::Object(m) if value.is_null() => {
            m.remove(key);
        }
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        other => panic!("cannot set {key} in {other}"),
    }
}

fn parse(doc: &Value) -> (ObjectMeta, PodSpec) {
    let (meta, spec, prefix) = pod_spec_of("Pod", doc).expect("pod");
    assert_eq!(prefix, "spec");
    (meta, spec)
}

fn run(level: Level, doc: &Value) -> Vec<Violation> {
    let (meta, spec) = parse(doc);
    check_pod(level, &meta, &spec)
}

fn ids(vs: &[Violation]) -> BTreeSet<&'static str> {
    vs.iter().map(|v| v.check).collect()
}

fn set_of(items: &[&'static str]) -> BTreeSet<&'static str> {
    items.iter().copied().collect()
}
