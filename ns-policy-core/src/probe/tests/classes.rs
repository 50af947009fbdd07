//! Equivalence classes of `probe --all`: grouped by policies and by which
//! namespace selectors select them, checked against the prediction.

use serde_json::json;

use super::*;
use crate::inventory::{Inventory, Object};

fn inventory(
    namespaces: &[(&str, &[(&str, &str)])],
    policies: &[(&str, serde_json::Value)],
) -> Inventory {
    let mut set = Inventory::default();
    for (name, labels) in namespaces {
        let mut l: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.insert(crate::NAMESPACE_NAME_LABEL.into(), name.to_string());
        let ns = serde_json::from_value(json!({"metadata": {"name": name, "labels": l}})).unwrap();
        set.push(Object::Namespace(ns), None);
    }
    for (ns, spec) in policies {
        let p: NetworkPolicy = serde_json::from_value(json!({
            "metadata": {"name": format!("p-{ns}"), "namespace": ns}, "spec": spec}))
        .unwrap();
        set.push(Object::NetworkPolicy(p), None);
    }
    set
}

fn deny() -> serde_json::Value {
    json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
}

fn allow_from(selector: serde_json::Value) -> serde_json::Value {
    json!({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"namespaceSelector": selector}]}]})
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn classes_of(set: &Inventory, list: &[&str]) -> (Classes, usize) {
    let ns = names(list);
    let mut c = classify(&ns, set);
    let evaluator = set.evaluator();
    let prediction = plan(list, &[8080]).predict(&evaluator, &ProbeIps::default());
    let split = c.check(&prediction);
    (c, split)
}

#[test]
fn namespaces_with_the_same_policies_and_selector_answers_are_one_class() {
    // Every namespace denies all and admits the monitoring namespace: the
    // selector of kube-system-style names selects none of them alike.
    let mon = json!({"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}});
    let set = inventory(
        &[
            ("pr-1", &[("team", "a")]),
            ("pr-2", &[("team", "b")]),
            ("pr-3", &[]),
            ("monitoring", &[]),
        ],
        &[
            ("pr-1", deny()),
            ("pr-2", deny()),
            ("pr-3", deny()),
            ("pr-1", allow_from(mon.clone())),
            ("pr-2", allow_from(mon.clone())),
            ("pr-3", allow_from(mon)),
        ],
    );
    let (c, split) = classes_of(&set, &["pr-1", "pr-2", "pr-3", "monitoring"]);
    assert_eq!(split, 0);
    assert_eq!(c.members, vec![vec![0, 1, 2], vec![3]]);
    assert_eq!(c.representatives(), vec![0, 1, 3]);
    let report = c.report(&names(&["pr-1", "pr-2", "pr-3", "monitoring"]));
    assert_eq!(report[0].representatives, ["pr-1", "pr-2"]);
    let cov = c.coverage(4, 1, split);
    assert_eq!(
        (cov.classes, cov.class_pairs, cov.predicted_cells),
        (2, 4, 16)
    );
    assert!(cov
        .line(true)
        .starts_with("4 namespace(s) in 2 class(es); 4 class pair(s) observed"));
}

#[test]
fn a_label_some_policy_selects_by_separates_namespaces() {
    let set = inventory(
        &[
            ("a", &[("tier", "db")]),
            ("b", &[("tier", "web")]),
            ("c", &[("tier", "web")]),
        ],
        &[
            ("a", allow_from(json!({"matchLabels": {"tier": "web"}}))),
            ("b", allow_from(json!({"matchLabels": {"tier": "web"}}))),
            ("c", allow_from(json!({"matchLabels": {"tier": "web"}}))),
        ],
    );
    let (c, _) = classes_of(&set, &["a", "b", "c"]);
    assert_eq!(c.members, vec![vec![0], vec![1, 2]]);
    // Different policies: different classes.
    let set = inventory(&[("a", &[]), ("b", &[])], &[("a", deny())]);
    let (c, _) = classes_of(&set, &["a", "b"]);
    assert_eq!(c.members, vec![vec![0], vec![1]]);
}

#[test]
fn a_class_the_prediction_tells_apart_is_split() {
    // Grouped as one, but the prediction says a admits b and not c.
    let set = inventory(&[("a", &[]), ("b", &[]), ("c", &[])], &[]);
    let ns = names(&["a", "b", "c"]);
    let mut c = Classes {
        members: vec![vec![0, 1, 2]],
    };
    let mut prediction =
        plan(&["a", "b", "c"], &[8080]).predict(&set.evaluator(), &ProbeIps::default());
    let cell = Cell {
        from: 2,
        to: 0,
        port: 0,
    };
    prediction.get_mut(cell).decision = crate::netpol::Decision::Deny;
    assert_eq!(c.check(&prediction), 1);
    assert_eq!(c.members, vec![vec![0], vec![1], vec![2]]);
    assert_eq!(c.report(&ns).len(), 3);
    // Without any disagreement nothing is split.
    let mut c = classify(&ns, &set);
    let prediction =
        plan(&["a", "b", "c"], &[8080]).predict(&set.evaluator(), &ProbeIps::default());
    assert_eq!(c.check(&prediction), 0);
    assert_eq!(c.members, vec![vec![0, 1, 2]]);
}

#[test]
fn cluster_or_cni_policies_make_every_label_count() {
    let mut set = inventory(&[("a", &[("x", "1")]), ("b", &[("x", "1")])], &[]);
    set.cni_policies = crate::inventory::Access::Forbidden("cannot list".into());
    let c = classify(&names(&["a", "b"]), &set);
    // The name label differs: two classes.
    assert_eq!(c.members, vec![vec![0], vec![1]]);
}
