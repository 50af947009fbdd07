//! Ports: protocol default, ranges (`endPort`), invalid ports and named ports
//! resolved on the destination pod.

use super::*;

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
