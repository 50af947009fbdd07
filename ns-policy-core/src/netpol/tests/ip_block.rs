//! `ipBlock` peers with `except` (v4, v6), malformed CIDRs, pods matched by
//! IP, and external endpoints (only the pod side is evaluated).

use super::*;

#[test]
fn ip_block_with_except_v4() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    assert!(allowed(&e, &ext("172.17.0.5"), &db, 6379, TCP));
    assert!(allowed(&e, &ext("172.17.255.255"), &db, 6379, TCP));
    assert!(
        !allowed(&e, &ext("172.17.1.5"), &db, 6379, TCP),
        "in except"
    );
    assert!(
        !allowed(&e, &ext("172.18.0.1"), &db, 6379, TCP),
        "outside cidr"
    );
    assert!(
        !allowed(&e, &ext("fd00::1"), &db, 6379, TCP),
        "other family"
    );
}

#[test]
fn ip_block_with_except_v6() {
    let e = ev(r#"
metadata: {name: v6, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 2001:db8::/32
        except: [2001:db8:bad::/48]
"#);
    let a = pod("default", "a", &[]);
    assert!(allowed(&e, &a, &ext("2001:db8:1::1"), 443, TCP));
    assert!(!allowed(&e, &a, &ext("2001:db8:bad::1"), 443, TCP));
    assert!(!allowed(&e, &a, &ext("2001:db9::1"), 443, TCP));
    assert!(!allowed(&e, &a, &ext("10.0.0.1"), 443, TCP));
}

#[test]
fn malformed_cidr_matches_nothing() {
    for block in [
        "{cidr: 10.0.0.0/33}",
        "{cidr: not-a-cidr}",
        "{cidr: 10.0.0.0}",
        "{cidr: 10.0.0.0/8, except: [garbage]}",
    ] {
        let e = ev(&format!(
            "metadata: {{name: bad, namespace: default}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{{ipBlock: {block}}}]\n"
        ));
        assert!(
            !allowed(&e, &pod("default", "a", &[]), &ext("10.0.0.1"), 80, TCP),
            "{block}"
        );
    }
}

#[test]
fn ip_block_matches_a_pod_by_its_known_ip() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    assert!(allowed(
        &e,
        &pod_ip("other", "p", &[], "172.17.3.4"),
        &db,
        6379,
        TCP
    ));
    assert!(!allowed(
        &e,
        &pod_ip("other", "p", &[], "172.17.1.4"),
        &db,
        6379,
        TCP
    ));
    assert!(
        !allowed(&e, &pod("other", "p", &[]), &db, 6379, TCP),
        "unknown IP never matches"
    );
    // Egress to a pod inside 10.0.0.0/24.
    assert!(allowed(
        &e,
        &db,
        &pod_ip("other", "q", &[], "10.0.0.9"),
        5978,
        TCP
    ));
    assert!(!allowed(&e, &db, &pod("other", "q", &[]), 5978, TCP));
}

#[test]
fn external_destination_only_evaluates_egress() {
    let e = ev(r#"
metadata: {name: dns, namespace: pr-1}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 169.254.20.10/32}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
"#);
    let p = pod("pr-1", "app", &[]);
    let v = check(&e, &p, &ext("169.254.20.10"), 53, UDP);
    assert!(v.allowed);
    assert!(!v.ingress.applicable && v.ingress.allowed);
    assert_eq!(v.egress.allowed_by[0].rule_index, 0);
    assert_eq!(v.egress.allowed_by[0].direction, Direction::Egress);
    assert!(!allowed(&e, &p, &ext("169.254.20.11"), 53, UDP));
    assert!(!allowed(&e, &p, &ext("169.254.20.10"), 54, UDP));
}

#[test]
fn external_source_only_evaluates_ingress() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    let v = check(&e, &ext("10.0.0.5"), &db, 6379, TCP);
    assert!(!v.egress.applicable && v.egress.allowed && !v.egress.isolated);
    assert!(v.ingress.applicable && v.ingress.isolated && !v.allowed);
    let v = check(&e, &ext("172.17.0.9"), &db, 6379, TCP);
    assert!(v.allowed);
    let v = check(&e, &ext("1.1.1.1"), &ext("2.2.2.2"), 1, TCP);
    assert!(v.allowed && !v.egress.applicable && !v.ingress.applicable);
}

#[test]
fn doc_test_network_policy_egress() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    assert!(allowed(&e, &db, &ext("10.0.0.200"), 5978, TCP));
    assert!(!allowed(&e, &db, &ext("10.0.1.1"), 5978, TCP));
    assert!(!allowed(&e, &db, &ext("10.0.0.200"), 5979, TCP));
    assert!(!allowed(
        &e,
        &db,
        &pod("default", "fe", &[("role", "frontend")]),
        6379,
        TCP
    ));
}
