//! Unit tests of the evaluator, one (at least) per rule of the API
//! semantics. Fixtures are YAML as users write them; several come from the
//! Kubernetes NetworkPolicy documentation page.

use super::*;
use proptest::prelude::*;

fn np(yaml: &str) -> NetworkPolicy {
    serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("bad fixture: {e}\n{yaml}"))
}

fn nps(yaml: &str) -> Vec<NetworkPolicy> {
    yaml.split("\n---\n").map(np).collect()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ns(name: &str, pairs: &[(&str, &str)]) -> NamespaceInfo {
    NamespaceInfo {
        name: name.into(),
        labels: labels(pairs),
    }
}

fn pod_info(namespace: &str, name: &str, pairs: &[(&str, &str)], ip: Option<&str>) -> PodInfo {
    PodInfo {
        namespace: namespace.into(),
        name: name.into(),
        labels: labels(pairs),
        ip: ip.map(|i| i.parse().unwrap()),
        ports: vec![],
    }
}

fn pod(namespace: &str, name: &str, pairs: &[(&str, &str)]) -> Endpoint {
    Endpoint::Pod(pod_info(namespace, name, pairs, None))
}

fn pod_ip(namespace: &str, name: &str, pairs: &[(&str, &str)], ip: &str) -> Endpoint {
    Endpoint::Pod(pod_info(namespace, name, pairs, Some(ip)))
}

fn ext(ip: &str) -> Endpoint {
    Endpoint::External(ip.parse().unwrap())
}

/// Evaluates and checks the fast path agrees.
fn check(ev: &Evaluator, from: &Endpoint, to: &Endpoint, port: u16, proto: Protocol) -> Verdict {
    let v = ev.evaluate(from, to, port, proto);
    assert_eq!(
        v.allowed,
        ev.is_allowed(from, to, port, proto),
        "is_allowed disagrees with evaluate for {from} -> {to}:{port}/{proto}"
    );
    assert_eq!(v.allowed, v.egress.allowed && v.ingress.allowed);
    v
}

fn allowed(ev: &Evaluator, from: &Endpoint, to: &Endpoint, port: u16, proto: Protocol) -> bool {
    check(ev, from, to, port, proto).allowed
}

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;

// ---------------------------------------------------------------- fixtures

/// The `test-network-policy` example of the Kubernetes documentation.
const DOC_TEST_NETWORK_POLICY: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
"#;

const DOC_DEFAULT_DENY_INGRESS: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: default
spec:
  podSelector: {}
  policyTypes:
  - Ingress
"#;

const DOC_ALLOW_ALL_INGRESS: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-ingress
  namespace: default
spec:
  podSelector: {}
  ingress:
  - {}
  policyTypes:
  - Ingress
"#;

const DOC_DEFAULT_DENY_EGRESS: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: default
spec:
  podSelector: {}
  policyTypes:
  - Egress
"#;

const DOC_ALLOW_ALL_EGRESS: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-all-egress
  namespace: default
spec:
  podSelector: {}
  egress:
  - {}
  policyTypes:
  - Egress
"#;

const DOC_DEFAULT_DENY_ALL: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  namespace: default
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  - Egress
"#;

/// The `endPort` example of the Kubernetes documentation.
const DOC_MULTI_PORT_EGRESS: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: multi-port-egress
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
    - Egress
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/24
      ports:
        - protocol: TCP
          port: 32000
          endPort: 32768
"#;

/// Documentation: one peer with both selectors (AND).
const DOC_PEER_AND: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: peer-and
  namespace: db
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          user: alice
      podSelector:
        matchLabels:
          role: client
"#;

/// Documentation: two peers (OR).
const DOC_PEER_OR: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: peer-or
  namespace: db
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          user: alice
    - podSelector:
        matchLabels:
          role: client
"#;

fn doc_namespaces() -> Vec<NamespaceInfo> {
    vec![
        ns("default", &[]),
        ns("myproject", &[("project", "myproject")]),
        ns("other", &[("project", "other")]),
        ns("alice", &[("user", "alice")]),
        ns("bob", &[("user", "bob")]),
        ns("db", &[]),
    ]
}

fn ev(policies: &str) -> Evaluator {
    Evaluator::new(doc_namespaces(), nps(policies))
}

// ---------------------------------------------------------------- protocol

#[test]
fn protocol_parses_case_insensitively_and_displays_uppercase() {
    assert_eq!("tcp".parse::<Protocol>().unwrap(), Protocol::Tcp);
    assert_eq!("Udp".parse::<Protocol>().unwrap(), Protocol::Udp);
    assert_eq!("SCTP".parse::<Protocol>().unwrap(), Protocol::Sctp);
    assert!("icmp"
        .parse::<Protocol>()
        .unwrap_err()
        .to_string()
        .contains("\"icmp\""));
    assert_eq!(Protocol::Udp.to_string(), "UDP");
    assert_eq!(serde_json::to_string(&Protocol::Sctp).unwrap(), "\"SCTP\"");
    assert_eq!(
        serde_json::from_str::<Protocol>("\"TCP\"").unwrap(),
        Protocol::Tcp
    );
    assert_eq!(Protocol::default(), Protocol::Tcp);
}

#[test]
fn namespace_info_new_adds_metadata_name_label() {
    let n = NamespaceInfo::new("pr-1", labels(&[("team", "a")]));
    assert_eq!(
        n.labels.get(NAMESPACE_NAME_LABEL).map(String::as_str),
        Some("pr-1")
    );
    assert_eq!(n.labels.get("team").map(String::as_str), Some("a"));
}

// ---------------------------------------------------------------- selection

#[test]
fn policy_selects_pods_only_in_its_own_namespace() {
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    let client = pod("other", "c", &[]);
    assert!(!allowed(&e, &client, &pod("default", "web", &[]), 80, TCP));
    assert!(
        allowed(&e, &client, &pod("other", "web", &[]), 80, TCP),
        "other namespace not selected"
    );
}

#[test]
fn pod_selector_limits_the_selected_pods() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let client = pod("other", "c", &[]);
    assert!(!allowed(
        &e,
        &client,
        &pod("default", "db", &[("role", "db")]),
        6379,
        TCP
    ));
    assert!(allowed(
        &e,
        &client,
        &pod("default", "web", &[("role", "web")]),
        6379,
        TCP
    ));
}

#[test]
fn empty_pod_selector_selects_all_pods_of_the_namespace() {
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    for l in [vec![], vec![("app", "x")], vec![("role", "db")]] {
        let v = check(
            &e,
            &pod("default", "c", &[]),
            &pod("default", "p", &l),
            80,
            TCP,
        );
        assert!(v.ingress.isolated && !v.allowed);
    }
}

#[test]
fn absent_pod_selector_selects_all_pods() {
    let e = ev(r#"
metadata: {name: no-selector, namespace: default}
spec:
  policyTypes: [Ingress]
"#);
    assert!(!allowed(
        &e,
        &pod("x", "c", &[]),
        &pod("default", "p", &[("a", "b")]),
        80,
        TCP
    ));
}

// ---------------------------------------------------------------- policyTypes

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

// ---------------------------------------------------------------- isolation

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

// ---------------------------------------------------------------- rules

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

// ---------------------------------------------------------------- peers

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

// ---------------------------------------------------------------- ports

#[test]
fn port_protocol_defaults_to_tcp() {
    let e = ev(r#"
metadata: {name: p, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: 53}]
"#);
    let (c, a) = (pod("default", "c", &[]), pod("default", "a", &[]));
    assert!(allowed(&e, &c, &a, 53, TCP));
    assert!(!allowed(&e, &c, &a, 53, UDP));
}

#[test]
fn port_with_protocol_and_no_number_matches_all_ports_of_that_protocol() {
    let e = ev(r#"
metadata: {name: p, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{protocol: UDP}]
"#);
    let (c, a) = (pod("default", "c", &[]), pod("default", "a", &[]));
    assert!(allowed(&e, &c, &a, 1, UDP) && allowed(&e, &c, &a, 65535, UDP));
    assert!(!allowed(&e, &c, &a, 53, TCP));
    assert!(!allowed(&e, &c, &a, 53, Protocol::Sctp));
}

#[test]
fn end_port_is_an_inclusive_range() {
    let e = ev(DOC_MULTI_PORT_EGRESS);
    let db = pod("default", "db", &[("role", "db")]);
    let dst = ext("10.0.0.20");
    assert!(!allowed(&e, &db, &dst, 31999, TCP));
    assert!(allowed(&e, &db, &dst, 32000, TCP));
    assert!(allowed(&e, &db, &dst, 32500, TCP));
    assert!(allowed(&e, &db, &dst, 32768, TCP));
    assert!(!allowed(&e, &db, &dst, 32769, TCP));
    assert!(!allowed(&e, &db, &dst, 32000, UDP));
    assert!(!allowed(&e, &db, &ext("10.0.1.20"), 32000, TCP));
}

#[test]
fn invalid_ports_match_nothing() {
    let e = ev(r#"
metadata: {name: p, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports:
    - {port: 0}
    - {port: 70000}
    - {port: 100, endPort: 90}
    - {port: 80, protocol: ICMP}
    - {port: ""}
"#);
    let (c, a) = (pod("default", "c", &[]), pod("default", "a", &[]));
    for port in [0, 80, 90, 95, 100, 4464] {
        assert!(!allowed(&e, &c, &a, port, TCP), "{port}");
    }
}

fn with_ports(ep: Endpoint, ports: &[(&str, u16, Protocol)]) -> Endpoint {
    let Endpoint::Pod(mut p) = ep else {
        unreachable!()
    };
    p.ports = ports
        .iter()
        .map(|(n, port, protocol)| NamedPort {
            name: n.to_string(),
            port: *port,
            protocol: *protocol,
        })
        .collect();
    Endpoint::Pod(p)
}

#[test]
fn named_port_resolves_on_the_destination_pod_for_ingress() {
    let e = ev(r#"
metadata: {name: named, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: http}]
"#);
    let c = pod("default", "c", &[]);
    let a = with_ports(
        pod("default", "a", &[]),
        &[("http", 8080, TCP), ("metrics", 9090, TCP)],
    );
    assert!(allowed(&e, &c, &a, 8080, TCP));
    assert!(!allowed(&e, &c, &a, 9090, TCP), "other named port");
    assert!(!allowed(&e, &c, &a, 80, TCP));
    let without = pod("default", "b", &[]);
    assert!(
        !allowed(&e, &c, &without, 8080, TCP),
        "no such port on the destination"
    );
    // The source's ports are irrelevant.
    let c2 = with_ports(pod("default", "c2", &[]), &[("http", 7000, TCP)]);
    assert!(!allowed(&e, &c2, &without, 7000, TCP));
}

#[test]
fn named_port_needs_the_same_protocol() {
    let e = ev(r#"
metadata: {name: named-udp, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: dns, protocol: UDP}]
---
metadata: {name: named-tcp, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: web}]
"#);
    let c = pod("default", "c", &[]);
    let a = with_ports(
        pod("default", "a", &[]),
        &[("dns", 53, TCP), ("web", 80, UDP)],
    );
    assert!(
        !allowed(&e, &c, &a, 53, UDP),
        "rule is UDP, container port is TCP"
    );
    assert!(!allowed(&e, &c, &a, 53, TCP), "rule is UDP, query is TCP");
    assert!(
        !allowed(&e, &c, &a, 80, UDP),
        "rule defaults to TCP, port is UDP"
    );
    let b = with_ports(pod("default", "b", &[]), &[("dns", 53, UDP)]);
    assert!(allowed(&e, &c, &b, 53, UDP));
}

#[test]
fn named_port_in_egress_resolves_on_the_destination_pod() {
    let e = ev(r#"
metadata: {name: egress-named, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports: [{port: dns, protocol: UDP}]
"#);
    let src = with_ports(pod("default", "src", &[]), &[("dns", 5353, UDP)]);
    let dns = with_ports(pod("kube-system", "coredns", &[]), &[("dns", 53, UDP)]);
    assert!(allowed(&e, &src, &dns, 53, UDP));
    assert!(
        !allowed(&e, &src, &dns, 5353, UDP),
        "not resolved on the source"
    );
    assert!(
        !allowed(&e, &src, &ext("169.254.20.10"), 53, UDP),
        "external: named ports match nothing"
    );
}

#[test]
fn named_port_ignores_end_port() {
    let e = ev(r#"
metadata: {name: p, namespace: default}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: http, endPort: 9000}]
"#);
    let a = with_ports(pod("default", "a", &[]), &[("http", 8080, TCP)]);
    assert!(allowed(&e, &pod("default", "c", &[]), &a, 8080, TCP));
    assert!(!allowed(&e, &pod("default", "c", &[]), &a, 8081, TCP));
}

// ---------------------------------------------------------------- external

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

// ---------------------------------------------------------------- explain

#[test]
fn explain_names_policies_and_rules() {
    let e = Evaluator::new(
        vec![ns("pr-1", &[]), ns("pr-2", &[])],
        nps(r#"
metadata: {name: default-deny, namespace: pr-2}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
metadata: {name: allow-same-namespace, namespace: pr-2}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {}}]
"#),
    );
    let client = pod("pr-1", "client", &[]);
    let server = pod("pr-2", "probe-server", &[]);
    let v = check(&e, &client, &server, 80, TCP);
    assert_eq!(
        v.explain(),
        "egress allowed (pr-1/client not isolated for egress); ingress denied: \
         pr-2/default-deny and 1 other(s) isolate pr-2/probe-server and no rule of \
         [pr-2/default-deny, pr-2/allow-same-namespace] allows it"
    );
    let v = check(&e, &pod("pr-2", "c", &[]), &server, 80, TCP);
    assert_eq!(
        v.explain(),
        "egress allowed (pr-2/c not isolated for egress); ingress allowed by pr-2/allow-same-namespace rule #0"
    );
    let v = check(&e, &ext("10.0.0.5"), &pod("pr-1", "x", &[]), 80, TCP);
    assert_eq!(
        v.explain(),
        "egress not evaluated (10.0.0.5 is external); ingress allowed (pr-1/x not isolated for ingress)"
    );
    let e = ev(DOC_DEFAULT_DENY_EGRESS);
    let v = check(&e, &pod("default", "a", &[]), &ext("8.8.8.8"), 53, UDP);
    assert_eq!(
        v.explain(),
        "egress denied: default/default-deny-egress isolates default/a and no rule of \
         [default/default-deny-egress] allows it; ingress not evaluated (8.8.8.8 is external)"
    );
    assert_eq!(
        RuleRef {
            policy: PolicyRef {
                namespace: "a".into(),
                name: "b".into()
            },
            direction: Direction::Ingress,
            rule_index: 2
        }
        .to_string(),
        "a/b ingress rule #2"
    );
}

#[test]
fn verdict_serializes_to_json() {
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    let v = check(&e, &pod("x", "c", &[]), &pod("default", "a", &[]), 80, TCP);
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(j["allowed"], false);
    assert_eq!(
        j["ingress"]["isolating_policies"][0]["name"],
        "default-deny-ingress"
    );
    assert_eq!(j["ingress"]["direction"], "Ingress");
}

#[test]
fn policy_without_namespace_is_in_default() {
    let e = ev("metadata: {name: nons}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n");
    let v = check(&e, &pod("x", "c", &[]), &pod("default", "a", &[]), 80, TCP);
    assert_eq!(v.ingress.isolating_policies[0].namespace, "default");
    assert_eq!(
        e.isolating_policies(&pod_info("default", "a", &[], None), Direction::Ingress)
            .len(),
        1
    );
}

// ---------------------------------------------------------------- audit

#[test]
fn namespace_isolation_reports_all_pod_policies_and_open_rules() {
    let policies = nps(&format!(
        "{DOC_DEFAULT_DENY_INGRESS}\n---\n{DOC_ALLOW_ALL_EGRESS}\n---\n{DOC_TEST_NETWORK_POLICY}\n---\n{}",
        r#"
metadata: {name: wide-open, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {}}]
  - from: [{namespaceSelector: {}, podSelector: {}}]
  - from: [{namespaceSelector: {}}]
    ports: [{port: 80}]
  - from: [{namespaceSelector: {matchLabels: {a: b}}}]
  - from: [{podSelector: {}}]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
  - to: [{ipBlock: {cidr: "::/0"}}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
---
metadata: {name: elsewhere, namespace: other}
spec:
  podSelector: {}
  ingress: [{}]
---
metadata: {name: types-egress-only, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress: [{}]
"#
    ));
    let iso = namespace_isolation("default", &policies);
    let names = |v: &[PolicyRef]| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&iso.ingress_all),
        ["default-deny-ingress", "wide-open"]
    );
    assert_eq!(
        names(&iso.egress_all),
        ["allow-all-egress", "types-egress-only", "wide-open"]
    );
    assert!(iso.ingress_isolated() && iso.egress_isolated());
    let open: Vec<String> = iso.open_rules.iter().map(|o| o.rule.to_string()).collect();
    assert_eq!(
        open,
        [
            "default/allow-all-egress egress rule #0",
            "default/wide-open ingress rule #0",
            "default/wide-open ingress rule #1",
            "default/wide-open egress rule #0",
            "default/wide-open egress rule #1",
        ]
    );
    assert!(
        iso.open_rules[0].reason.contains("no `to`"),
        "{}",
        iso.open_rules[0].reason
    );
    assert!(iso.open_rules[1].reason.contains("namespaceSelector: {}"));
    assert!(iso.open_rules[3].reason.contains("0.0.0.0/0"));
    assert!(iso.open_rules[4].reason.contains("::/0"));

    let other = namespace_isolation("other", &policies);
    assert_eq!(names(&other.ingress_all), ["elsewhere"]);
    assert!(other.egress_all.is_empty() && !other.egress_isolated());
    assert_eq!(other.open_rules.len(), 1);
    let none = namespace_isolation("nothing", &policies);
    assert!(none.ingress_all.is_empty() && none.open_rules.is_empty());
}

#[test]
fn all_pods_selected_by_empty_or_absent_selector() {
    assert!(all_pods_selected_by(&np(DOC_DEFAULT_DENY_ALL)));
    assert!(!all_pods_selected_by(&np(DOC_TEST_NETWORK_POLICY)));
    assert!(all_pods_selected_by(&np("metadata: {name: x}\nspec: {}\n")));
    assert!(all_pods_selected_by(&np("metadata: {name: x}\n")));
}

// ---------------------------------------------------------------- scale

fn scale_fixture(n_ns: usize) -> (Evaluator, Vec<Endpoint>) {
    let mut namespaces = Vec::new();
    let mut policies = Vec::new();
    let mut pods = Vec::new();
    for i in 0..n_ns {
        let name = format!("pr-{i}");
        namespaces.push(ns(
            &name,
            &[("team", if i % 2 == 0 { "even" } else { "odd" })],
        ));
        let yaml = format!(
            r#"
metadata: {{name: default-deny, namespace: {name}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
---
metadata: {{name: allow-same-namespace, namespace: {name}}}
spec:
  podSelector: {{}}
  ingress: [{{from: [{{podSelector: {{}}}}]}}]
  egress: [{{to: [{{podSelector: {{}}}}]}}]
---
metadata: {{name: allow-dns, namespace: {name}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}]
    ports: [{{port: 53, protocol: UDP}}, {{port: 53, protocol: TCP}}]
---
metadata: {{name: allow-team, namespace: {name}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  ingress:
  - from: [{{namespaceSelector: {{matchLabels: {{team: even}}}}, podSelector: {{matchExpressions: [{{key: app, operator: In, values: [web, api]}}]}}}}]
    ports: [{{port: http}}, {{port: 8000, endPort: 8100}}]
---
metadata: {{name: allow-egress-web, namespace: {name}}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
  egress:
  - to: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: web}}}}}}, {{ipBlock: {{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}}}]
"#
        );
        policies.extend(nps(&yaml));
        pods.push(Endpoint::Pod(PodInfo {
            namespace: name.clone(),
            name: "web".into(),
            labels: labels(&[("app", "web")]),
            ip: Some(format!("10.{}.{}.1", i / 256, i % 256).parse().unwrap()),
            ports: vec![NamedPort {
                name: "http".into(),
                port: 8080,
                protocol: TCP,
            }],
        }));
    }
    (Evaluator::new(namespaces, policies), pods)
}

/// The fast path (`is_allowed`) agrees with the full evaluation over a
/// 1,000-namespace fixture. Timing lives in the benchmark
/// (`cargo run --release -p ns-policy-core --example bench_predict`), never in
/// a test.
#[test]
fn fast_path_agrees_with_evaluate_on_a_thousand_namespaces() {
    let (e, pods) = scale_fixture(1000);
    let n = 20_000usize;
    let mut allowed_count = 0usize;
    for q in 0..n {
        let from = &pods[q % pods.len()];
        let to = &pods[(q * 7919 + 13) % pods.len()];
        let port = [8080, 8050, 53, 9999][q % 4];
        let full = e.evaluate(from, to, port, TCP).allowed;
        assert_eq!(full, e.is_allowed(from, to, port, TCP), "query {q}");
        allowed_count += usize::from(full);
    }
    assert!(allowed_count > 0 && allowed_count < n);
    // Spot checks of the fixture's meaning.
    let even = &pods[2];
    let odd = &pods[3];
    assert!(e.is_allowed(even, odd, 8080, TCP));
    assert!(!e.is_allowed(odd, even, 8080, TCP), "odd team not admitted");
    assert!(!e.is_allowed(even, odd, 9999, TCP));
    assert!(e.is_allowed(even, odd, 8100, TCP));
}

// ---------------------------------------------------------------- proptest

fn arb_selector_yaml() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("{}"),
        Just("{matchLabels: {app: web}}"),
        Just("{matchLabels: {app: db}}"),
        Just("{matchExpressions: [{key: app, operator: NotIn, values: [web]}]}"),
        Just("{matchExpressions: [{key: tier, operator: Exists}]}"),
    ]
}

fn arb_peer_yaml() -> impl Strategy<Value = String> {
    prop_oneof![
        arb_selector_yaml().prop_map(|s| format!("{{podSelector: {s}}}")),
        prop_oneof![Just("{}"), Just("{matchLabels: {team: a}}")]
            .prop_map(|s| format!("{{namespaceSelector: {s}}}")),
        (arb_selector_yaml(), Just("{matchLabels: {team: b}}"))
            .prop_map(|(p, n)| format!("{{namespaceSelector: {n}, podSelector: {p}}}")),
        prop_oneof![
            Just("{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.1.0/24]}}"),
            Just("{ipBlock: {cidr: 0.0.0.0/0}}"),
            Just("{ipBlock: {cidr: 'fd00::/8'}}"),
        ]
        .prop_map(String::from),
    ]
}

fn arb_port_yaml() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("{port: 80}"),
        Just("{port: 53, protocol: UDP}"),
        Just("{port: http}"),
        Just("{port: 8000, endPort: 8100}"),
        Just("{protocol: UDP}"),
    ]
}

fn arb_rule_yaml(peer_key: &'static str) -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::collection::vec(arb_peer_yaml(), 0..3)),
        prop::option::of(prop::collection::vec(arb_port_yaml(), 0..3)),
    )
        .prop_map(move |(peers, ports)| {
            let mut parts = Vec::new();
            if let Some(p) = peers {
                parts.push(format!("{peer_key}: [{}]", p.join(", ")));
            }
            if let Some(p) = ports {
                parts.push(format!("ports: [{}]", p.join(", ")));
            }
            format!("{{{}}}", parts.join(", "))
        })
}

fn arb_policy_yaml(idx: usize) -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("ns-a"), Just("ns-b")],
        arb_selector_yaml(),
        prop_oneof![
            Just(""),
            Just("policyTypes: [Ingress]"),
            Just("policyTypes: [Egress]"),
            Just("policyTypes: [Ingress, Egress]"),
        ],
        prop::option::of(prop::collection::vec(arb_rule_yaml("from"), 0..3)),
        prop::option::of(prop::collection::vec(arb_rule_yaml("to"), 0..3)),
    )
        .prop_map(move |(ns, sel, types, ingress, egress)| {
            let mut spec = vec![format!("podSelector: {sel}")];
            if !types.is_empty() {
                spec.push(types.to_string());
            }
            if let Some(r) = ingress {
                spec.push(format!("ingress: [{}]", r.join(", ")));
            }
            if let Some(r) = egress {
                spec.push(format!("egress: [{}]", r.join(", ")));
            }
            format!(
                "{{metadata: {{name: p{idx}, namespace: {ns}}}, spec: {{{}}}}}",
                spec.join(", ")
            )
        })
}

fn arb_policies() -> impl Strategy<Value = Vec<NetworkPolicy>> {
    (0usize..6)
        .prop_flat_map(|n| (0..n).map(arb_policy_yaml).collect::<Vec<_>>())
        .prop_map(|ys| ys.iter().map(|y| np(y)).collect())
}

fn proptest_endpoints() -> Vec<Endpoint> {
    let mut v = Vec::new();
    for n in ["ns-a", "ns-b", "ns-c"] {
        v.push(with_ports(
            pod_ip(n, "web", &[("app", "web")], "10.0.0.1"),
            &[("http", 8080, TCP)],
        ));
        v.push(pod_ip(n, "db", &[("app", "db"), ("tier", "x")], "10.0.1.7"));
        v.push(pod(n, "bare", &[]));
    }
    v.push(ext("10.0.2.3"));
    v.push(ext("192.168.1.1"));
    v.push(ext("fd00::5"));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn verdict_does_not_depend_on_policy_order(
        (policies, shuffled) in arb_policies().prop_flat_map(|p| {
            let s = Just(p.clone()).prop_shuffle();
            (Just(p), s)
        })
    ) {
        let namespaces = vec![
            ns("ns-a", &[("team", "a")]),
            ns("ns-b", &[("team", "b")]),
            ns("ns-c", &[]),
        ];
        let e1 = Evaluator::new(namespaces.clone(), policies);
        let e2 = Evaluator::new(namespaces, shuffled);
        let eps = proptest_endpoints();
        for from in &eps {
            for to in &eps {
                for (port, proto) in [(80, TCP), (8080, TCP), (53, UDP), (8050, TCP), (9, UDP)] {
                    let v1 = e1.evaluate(from, to, port, proto);
                    let v2 = e2.evaluate(from, to, port, proto);
                    prop_assert_eq!(v1.allowed, v2.allowed);
                    prop_assert_eq!(&v1, &v2, "verdicts are fully deterministic");
                    prop_assert_eq!(v1.allowed, e1.is_allowed(from, to, port, proto));
                }
            }
        }
    }
}
