//! Isolation and rule matching: a pod selected by no policy is not isolated,
//! an isolated pod admits the union of the rules selecting it, a connection
//! needs egress at the source and ingress at the destination; a rule needs a
//! matching peer and a matching port, an absent list matching everything.

use super::*;

#[test]
fn pod_selected_by_no_policy_is_not_isolated() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let v = check(&e, &pod("other", "a", &[]), &pod("other", "b", &[]), 1, UDP);
    assert!(v.allowed);
    assert!(v.egress.applicable && !v.egress.isolated && v.egress.allowed_by.is_empty());
    assert!(v.ingress.applicable && !v.ingress.isolated);
}

#[test]
fn isolated_pod_admits_only_what_a_rule_allows() {
    let e = ev(DOC_DEFAULT_DENY_ALL);
    let v = check(
        &e,
        &pod("default", "a", &[]),
        &pod("default", "b", &[]),
        80,
        TCP,
    );
    assert!(!v.allowed && !v.egress.allowed && !v.ingress.allowed);
    assert_eq!(v.egress.isolating_policies[0].name, "default-deny-all");
}

#[test]
fn allowed_traffic_is_the_union_of_all_selecting_policies() {
    let e = ev(r#"
metadata: {name: allow-web, namespace: default}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
---
metadata: {name: allow-batch, namespace: default}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: batch}}}]
---
metadata: {name: deny-all, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"#);
    let api = pod("default", "api", &[("app", "api")]);
    let v = check(&e, &pod("default", "w", &[("app", "web")]), &api, 80, TCP);
    assert!(v.allowed);
    assert_eq!(v.ingress.isolating_policies.len(), 3);
    assert_eq!(v.ingress.allowed_by.len(), 1);
    assert_eq!(v.ingress.allowed_by[0].policy.name, "allow-web");
    assert!(allowed(
        &e,
        &pod("default", "b", &[("app", "batch")]),
        &api,
        80,
        TCP
    ));
    assert!(!allowed(
        &e,
        &pod("default", "x", &[("app", "x")]),
        &api,
        80,
        TCP
    ));
}

#[test]
fn connection_needs_egress_at_source_and_ingress_at_destination() {
    let e = ev(&format!(
        "{DOC_DEFAULT_DENY_EGRESS}\n---\n{DOC_ALLOW_ALL_INGRESS}"
    ));
    let a = pod("default", "a", &[]);
    let b = pod("default", "b", &[]);
    let v = check(&e, &a, &b, 80, TCP);
    assert!(v.ingress.allowed && !v.egress.allowed && !v.allowed);
    let e = ev(&format!(
        "{DOC_ALLOW_ALL_EGRESS}\n---\n{DOC_DEFAULT_DENY_INGRESS}"
    ));
    let v = check(&e, &a, &b, 80, TCP);
    assert!(v.egress.allowed && !v.ingress.allowed && !v.allowed);
    let e = ev(&format!(
        "{DOC_ALLOW_ALL_EGRESS}\n---\n{DOC_ALLOW_ALL_INGRESS}"
    ));
    let v = check(&e, &a, &b, 80, TCP);
    assert!(v.egress.isolated && v.ingress.isolated && v.allowed);
}

#[test]
fn doc_default_deny_variants() {
    let a = pod("default", "a", &[]);
    let o = pod("other", "o", &[]);
    let internet = ext("8.8.8.8");
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    assert!(!allowed(&e, &o, &a, 80, TCP));
    assert!(allowed(&e, &a, &o, 80, TCP) && allowed(&e, &a, &internet, 443, TCP));
    let e = ev(DOC_ALLOW_ALL_INGRESS);
    assert!(allowed(&e, &o, &a, 80, TCP) && allowed(&e, &internet, &a, 80, UDP));
    let e = ev(DOC_DEFAULT_DENY_EGRESS);
    assert!(!allowed(&e, &a, &o, 80, TCP) && !allowed(&e, &a, &internet, 53, UDP));
    assert!(allowed(&e, &o, &a, 80, TCP));
    let e = ev(DOC_ALLOW_ALL_EGRESS);
    assert!(allowed(&e, &a, &internet, 53, UDP));
    let e = ev(DOC_DEFAULT_DENY_ALL);
    assert!(!allowed(&e, &o, &a, 80, TCP) && !allowed(&e, &a, &o, 80, TCP));
    assert!(allowed(&e, &o, &pod("other", "p", &[]), 80, TCP));
}

#[test]
fn rule_without_peers_matches_every_peer() {
    for from in ["", "\n    from: []"] {
        let e = ev(&format!(
            "metadata: {{name: p, namespace: default}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - ports: [{{port: 80}}]{from}\n"
        ));
        let a = pod("default", "a", &[]);
        assert!(allowed(&e, &pod("other", "x", &[]), &a, 80, TCP));
        assert!(allowed(&e, &ext("1.2.3.4"), &a, 80, TCP));
        assert!(!allowed(&e, &ext("1.2.3.4"), &a, 81, TCP));
    }
}

#[test]
fn rule_without_ports_matches_every_port_and_protocol() {
    for ports in ["", "\n    ports: []"] {
        let e = ev(&format!(
            "metadata: {{name: p, namespace: default}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{podSelector: {{}}}}]{ports}\n"
        ));
        let a = pod("default", "a", &[]);
        let b = pod("default", "b", &[]);
        for (port, proto) in [(1, TCP), (65535, UDP), (9, Protocol::Sctp)] {
            assert!(allowed(&e, &b, &a, port, proto));
        }
        assert!(!allowed(&e, &pod("other", "b", &[]), &a, 80, TCP));
    }
}

#[test]
fn rule_needs_a_matching_peer_and_a_matching_port() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    let fe = pod("default", "fe", &[("role", "frontend")]);
    assert!(allowed(&e, &fe, &db, 6379, TCP));
    assert!(!allowed(&e, &fe, &db, 6380, TCP), "peer ok, port not");
    assert!(
        !allowed(&e, &pod("default", "x", &[("role", "x")]), &db, 6379, TCP),
        "port ok, peer not"
    );
}
