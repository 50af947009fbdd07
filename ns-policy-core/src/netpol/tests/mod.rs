//! Unit tests of the evaluator, one (at least) per rule of the API
//! semantics. Fixtures are YAML as users write them; several come from the
//! Kubernetes NetworkPolicy documentation page.
//!
//! This file holds the helpers and shared fixtures; the tests are in one
//! submodule per topic.

mod explain;
mod ip_block;
mod isolation;
mod peers;
mod policy_types;
mod ports;
mod props;
mod rules;
mod selection;
mod tiers;
mod types;

use super::*;

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
        v.decision,
        ev.decide(from, to, port, proto),
        "decide disagrees with evaluate for {from} -> {to}:{port}/{proto}: {}",
        v.explain()
    );
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
