//! `policyTypes`: the API server's defaulting and explicit types.

use super::*;

#[test]
fn policy_types_default_to_ingress_only() {
    let p = np(r#"
metadata: {name: ingress-rules-only, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {}
"#);
    assert_eq!(effective_policy_types(&p), vec![Direction::Ingress]);
    let e = Evaluator::new(doc_namespaces(), vec![p]);
    let v = check(
        &e,
        &pod("default", "a", &[]),
        &pod("other", "b", &[]),
        80,
        TCP,
    );
    assert!(!v.egress.isolated, "no Egress type by default");
    let v = check(
        &e,
        &pod("other", "b", &[]),
        &pod("default", "a", &[]),
        80,
        TCP,
    );
    assert!(v.ingress.isolated && !v.allowed);
}

#[test]
fn policy_with_no_rules_and_no_types_isolates_ingress_only() {
    let p = np("metadata: {name: bare, namespace: default}\nspec: {podSelector: {}}\n");
    assert_eq!(effective_policy_types(&p), vec![Direction::Ingress]);
}

#[test]
fn policy_types_default_adds_egress_when_egress_rules_exist() {
    let p = np(r#"
metadata: {name: egress-rules, namespace: default}
spec:
  podSelector: {}
  egress:
  - to:
    - podSelector: {}
"#);
    assert_eq!(
        effective_policy_types(&p),
        vec![Direction::Ingress, Direction::Egress]
    );
    let e = Evaluator::new(doc_namespaces(), vec![p]);
    let v = check(
        &e,
        &pod("default", "a", &[]),
        &pod("other", "b", &[]),
        80,
        TCP,
    );
    assert!(v.egress.isolated && !v.egress.allowed);
    let v = check(
        &e,
        &pod("default", "a", &[]),
        &pod("default", "b", &[]),
        80,
        TCP,
    );
    assert!(v.egress.allowed);
    assert!(
        v.ingress.isolated && !v.ingress.allowed,
        "Ingress is implied and has no rules"
    );
}

#[test]
fn policy_types_default_ignores_an_empty_egress_list() {
    // The API server's defaulting checks len(spec.egress) != 0.
    let p = np(r#"
metadata: {name: empty-egress, namespace: default}
spec:
  podSelector: {}
  egress: []
"#);
    assert_eq!(effective_policy_types(&p), vec![Direction::Ingress]);
    let p = np(r#"
metadata: {name: empty-types, namespace: default}
spec:
  podSelector: {}
  policyTypes: []
  egress:
  - {}
"#);
    assert_eq!(
        effective_policy_types(&p),
        vec![Direction::Ingress, Direction::Egress]
    );
}

#[test]
fn explicit_policy_types_are_used_as_given() {
    let p = np(r#"
metadata: {name: egress-only, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {never: match}}
"#);
    assert_eq!(effective_policy_types(&p), vec![Direction::Egress]);
    let e = Evaluator::new(doc_namespaces(), vec![p]);
    let v = check(&e, &ext("1.2.3.4"), &pod("default", "a", &[]), 80, TCP);
    assert!(
        !v.ingress.isolated && v.allowed,
        "ingress rules ignored without the Ingress type"
    );
    let v = check(&e, &pod("default", "a", &[]), &ext("1.2.3.4"), 80, TCP);
    assert!(
        v.egress.isolated && !v.allowed,
        "Egress type without egress rules denies"
    );
}
