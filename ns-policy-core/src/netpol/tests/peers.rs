//! Pod and namespace selector peers, their AND/OR, and invalid peers.

use super::*;

#[test]
fn pod_selector_peer_matches_pods_of_the_policy_namespace_only() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    assert!(allowed(
        &e,
        &pod("default", "fe", &[("role", "frontend")]),
        &db,
        6379,
        TCP
    ));
    assert!(!allowed(
        &e,
        &pod("other", "fe", &[("role", "frontend")]),
        &db,
        6379,
        TCP
    ));
}

#[test]
fn namespace_selector_peer_matches_all_pods_of_matching_namespaces() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let db = pod("default", "db", &[("role", "db")]);
    assert!(allowed(
        &e,
        &pod("myproject", "any", &[("x", "y")]),
        &db,
        6379,
        TCP
    ));
    assert!(allowed(&e, &pod("myproject", "bare", &[]), &db, 6379, TCP));
    assert!(!allowed(&e, &pod("other", "any", &[]), &db, 6379, TCP));
    assert!(!allowed(&e, &pod("unknown-ns", "any", &[]), &db, 6379, TCP));
}

#[test]
fn empty_namespace_selector_matches_every_namespace() {
    let e = ev(r#"
metadata: {name: all-ns, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {}}]
"#);
    let a = pod("default", "a", &[]);
    for n in ["default", "other", "not-in-the-list"] {
        assert!(allowed(&e, &pod(n, "x", &[]), &a, 80, TCP), "{n}");
    }
    assert!(
        !allowed(&e, &ext("10.0.0.1"), &a, 80, TCP),
        "selectors never match external addresses"
    );
}

#[test]
fn metadata_name_label_is_always_present() {
    let e = Evaluator::new(
        // Given without the label, and one namespace not given at all.
        vec![ns("team-a", &[("tier", "x")])],
        nps(r#"
metadata: {name: by-name, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: team-a}
    - namespaceSelector:
        matchExpressions:
        - {key: kubernetes.io/metadata.name, operator: In, values: [team-b]}
"#),
    );
    let a = pod("default", "a", &[]);
    assert!(allowed(&e, &pod("team-a", "x", &[]), &a, 80, TCP));
    assert!(allowed(&e, &pod("team-b", "x", &[]), &a, 80, TCP));
    assert!(!allowed(&e, &pod("team-c", "x", &[]), &a, 80, TCP));
    // A wrong value given by the caller cannot override the real name.
    let e2 = Evaluator::new(
        vec![ns("team-c", &[(NAMESPACE_NAME_LABEL, "team-a")])],
        nps(r#"
metadata: {name: by-name, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-a}}}]
"#),
    );
    assert!(!allowed(&e2, &pod("team-c", "x", &[]), &a, 80, TCP));
}

#[test]
fn peer_with_both_selectors_is_and() {
    let e = ev(DOC_PEER_AND);
    let db = pod("db", "db", &[]);
    assert!(allowed(
        &e,
        &pod("alice", "c", &[("role", "client")]),
        &db,
        5432,
        TCP
    ));
    assert!(!allowed(
        &e,
        &pod("alice", "s", &[("role", "server")]),
        &db,
        5432,
        TCP
    ));
    assert!(!allowed(
        &e,
        &pod("bob", "c", &[("role", "client")]),
        &db,
        5432,
        TCP
    ));
    assert!(!allowed(
        &e,
        &pod("db", "c", &[("role", "client")]),
        &db,
        5432,
        TCP
    ));
}

#[test]
fn separate_peers_are_or() {
    let e = ev(DOC_PEER_OR);
    let db = pod("db", "db", &[]);
    assert!(allowed(
        &e,
        &pod("alice", "c", &[("role", "client")]),
        &db,
        5432,
        TCP
    ));
    assert!(allowed(
        &e,
        &pod("alice", "s", &[("role", "server")]),
        &db,
        5432,
        TCP
    ));
    assert!(
        !allowed(&e, &pod("bob", "c", &[("role", "client")]), &db, 5432, TCP),
        "podSelector alone is the policy namespace"
    );
    assert!(allowed(
        &e,
        &pod("db", "c", &[("role", "client")]),
        &db,
        5432,
        TCP
    ));
    assert!(!allowed(&e, &pod("db", "x", &[]), &db, 5432, TCP));
}

#[test]
fn invalid_peers_match_nothing() {
    let e = ev(r#"
metadata: {name: invalid-peers, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from:
    - {}
    - ipBlock: {cidr: 0.0.0.0/0}
      podSelector: {}
"#);
    assert!(!allowed(
        &e,
        &pod("default", "b", &[]),
        &pod("default", "a", &[]),
        80,
        TCP
    ));
    assert!(!allowed(
        &e,
        &ext("1.1.1.1"),
        &pod("default", "a", &[]),
        80,
        TCP
    ));
}
