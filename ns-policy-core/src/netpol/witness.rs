//! Comparing NetworkPolicies by what they mean rather than by how they are
//! written, for the audit's "is the profile's allow there?" question:
//!
//! * [`samples`]: connections a policy allows, one per peer and port of each
//!   rule, between pods whose labels are synthesized to satisfy the
//!   selectors ([`satisfying_labels`]). If another set of policies allows
//!   every sample, it allows what the policy allows (to the precision of the
//!   samples: one witness per selector, the first port of a range).
//! * [`normalized`]: a canonical form (policy types defaulted, selectors as
//!   sorted requirements, protocols explicit, peers, ports and rules sorted)
//!   under which two policies written differently but meaning the same thing
//!   compare equal, whatever their names.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{json, Value};

use super::{affects_of, Cidr, Direction, Endpoint, NamedPort, NamespaceInfo, PodInfo, Protocol};
use crate::NAMESPACE_NAME_LABEL;

/// Labels that satisfy `selector`, or `None` when no label set can (`In`
/// and `NotIn` of the same value, an unknown operator).
pub(crate) fn satisfying_labels(selector: &LabelSelector) -> Option<BTreeMap<String, String>> {
    let mut labels: BTreeMap<String, String> = selector.match_labels.clone().unwrap_or_default();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or(&[]);
        match e.operator.as_str() {
            "In" => {
                if !labels.contains_key(&e.key) {
                    labels.insert(e.key.clone(), values.first()?.clone());
                }
            }
            "Exists" => {
                labels
                    .entry(e.key.clone())
                    .or_insert_with(|| "present".to_string());
            }
            "NotIn" | "DoesNotExist" => {}
            _ => return None,
        }
    }
    crate::selector::matches(selector, &labels).then_some(labels)
}

/// One connection a policy allows.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// Which side of the policy's pods it is (`Ingress`: the peer connects
    /// to the pod; `Egress`: the pod connects to the peer).
    pub direction: Direction,
    /// A pod the policy selects.
    pub subject: PodInfo,
    /// The other side.
    pub peer: Endpoint,
    /// Destination port.
    pub port: u16,
    /// Protocol.
    pub protocol: Protocol,
    /// `spec.ingress[0]: from namespaces {..} pods {..} on TCP/5432`.
    pub description: String,
}

impl Sample {
    /// The source and destination of the connection.
    pub(crate) fn ends(&self) -> (Endpoint, Endpoint) {
        let subject = Endpoint::Pod(self.subject.clone());
        match self.direction {
            Direction::Ingress => (self.peer.clone(), subject),
            Direction::Egress => (subject, self.peer.clone()),
        }
    }
}

/// Named port numbers given to synthesized destination pods.
const NAMED_PORT_NUMBER: u16 = 1024;

fn port_choices(ports: Option<&[NetworkPolicyPort]>) -> Vec<(u16, Protocol, Option<String>)> {
    match ports {
        None | Some([]) => vec![(1, Protocol::Tcp, None)],
        Some(ports) => ports
            .iter()
            .filter_map(|p| {
                let protocol = match &p.protocol {
                    None => Protocol::Tcp,
                    Some(s) => s.parse().ok()?,
                };
                match &p.port {
                    None => Some((1, protocol, None)),
                    Some(IntOrString::Int(n)) => {
                        Some((u16::try_from(*n).ok().filter(|n| *n > 0)?, protocol, None))
                    }
                    Some(IntOrString::String(name)) => {
                        Some((NAMED_PORT_NUMBER, protocol, Some(name.clone())))
                    }
                }
            })
            .collect(),
    }
}

/// A selector as kubectl writes one (`app=web,tier in (a,b)`), `all` when
/// it selects everything.
fn selector_text(s: Option<&LabelSelector>) -> String {
    let Some(s) = s else {
        return "all".into();
    };
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in s.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or(&[]).join(",");
        parts.push(match e.operator.as_str() {
            "In" if e.values.as_ref().is_some_and(|v| v.len() == 1) => {
                format!("{}={values}", e.key)
            }
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {op} ({values})", e.key),
        });
    }
    if parts.is_empty() {
        "all".into()
    } else {
        parts.join(",")
    }
}

/// `namespace x`, `namespaces x, y` (selected by name) or `namespaces
/// team=a`.
fn namespaces_text(s: &LabelSelector) -> String {
    let text = selector_text(Some(s));
    let prefix = format!("{NAMESPACE_NAME_LABEL}=");
    if let Some(name) = text.strip_prefix(&prefix).filter(|n| !n.contains(',')) {
        return format!("namespace {name}");
    }
    let in_prefix = format!("{NAMESPACE_NAME_LABEL} in (");
    if let Some(list) = text
        .strip_prefix(&in_prefix)
        .and_then(|r| r.strip_suffix(')'))
    {
        if !list.contains(')') {
            return format!("namespaces {}", list.replace(',', ", "));
        }
    }
    format!("namespaces {text}")
}

/// The samples of `policy` (its namespace is `namespace`, whose labels are
/// `namespace_labels`). Peer namespaces that the samples need are added to
/// `namespaces` (give them to the evaluator that judges the samples).
pub(crate) fn samples(
    policy: &NetworkPolicy,
    namespace: &str,
    namespace_labels: &BTreeMap<String, String>,
    namespaces: &mut Vec<NamespaceInfo>,
) -> Vec<Sample> {
    let Some(spec) = &policy.spec else {
        return Vec::new();
    };
    let Some(subject_labels) = spec
        .pod_selector
        .as_ref()
        .map_or(Some(BTreeMap::new()), satisfying_labels)
    else {
        return Vec::new();
    };
    let (ingress, egress) = affects_of(policy);
    let mut out = Vec::new();
    let mut peer_index = 0usize;
    let rules = spec
        .ingress
        .iter()
        .flatten()
        .filter(|_| ingress)
        .map(|r| (Direction::Ingress, r.from.as_deref(), r.ports.as_deref()))
        .chain(
            spec.egress
                .iter()
                .flatten()
                .filter(|_| egress)
                .map(|r| (Direction::Egress, r.to.as_deref(), r.ports.as_deref())),
        );
    let mut rule_index: BTreeMap<Direction, usize> = BTreeMap::new();
    for (direction, peers, ports) in rules {
        let ri = {
            let i = rule_index.entry(direction).or_insert(0);
            *i += 1;
            *i - 1
        };
        let field = match direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        };
        let any_peer = [NetworkPolicyPeer {
            namespace_selector: Some(LabelSelector::default()),
            ..Default::default()
        }];
        let peers = match peers {
            None | Some([]) => &any_peer[..],
            Some(p) => p,
        };
        for (port, protocol, name) in port_choices(ports) {
            for peer in peers {
                peer_index += 1;
                let dest_ports = |is_dest: bool| match (&name, is_dest) {
                    (Some(n), true) => vec![NamedPort {
                        name: n.clone(),
                        port,
                        protocol,
                    }],
                    _ => Vec::new(),
                };
                let subject = PodInfo {
                    namespace: namespace.to_string(),
                    name: "subject".into(),
                    labels: subject_labels.clone(),
                    ip: None,
                    ports: dest_ports(direction == Direction::Ingress),
                };
                let Some((endpoint, about)) = peer_endpoint(
                    peer,
                    namespace,
                    namespace_labels,
                    peer_index,
                    dest_ports(direction == Direction::Egress),
                    namespaces,
                ) else {
                    continue;
                };
                if name.is_some() && matches!(endpoint, Endpoint::External(_)) {
                    continue; // a named port never matches an address
                }
                let port_text = match &name {
                    Some(n) => format!("{protocol}/{n}"),
                    None if ports.is_none_or(|p| p.is_empty()) => "any port".to_string(),
                    None => format!("{protocol}/{port}"),
                };
                let dir_word = if direction == Direction::Ingress {
                    "from"
                } else {
                    "to"
                };
                out.push(Sample {
                    direction,
                    subject,
                    peer: endpoint,
                    port,
                    protocol,
                    description: format!(
                        "spec.{field}[{ri}]: pods {} {dir_word} {about} on {port_text}",
                        selector_text(spec.pod_selector.as_ref())
                    ),
                });
            }
        }
    }
    out
}

/// An address of `cidr` outside every `except` block: the network address,
/// the next one, or the first address after an except block.
fn first_address(cidr: &Cidr, except: &[Cidr]) -> Option<IpAddr> {
    fn after(c: &Cidr) -> Option<IpAddr> {
        match c.network() {
            IpAddr::V4(a) => {
                let host = 32 - u32::from(c.prefix());
                let last = u32::from(a) | u32::MAX.checked_shr(32 - host).unwrap_or(0);
                last.checked_add(1).map(|x| IpAddr::V4(x.into()))
            }
            IpAddr::V6(a) => {
                let host = 128 - u32::from(c.prefix());
                let last = u128::from(a) | u128::MAX.checked_shr(128 - host).unwrap_or(0);
                last.checked_add(1).map(|x| IpAddr::V6(x.into()))
            }
        }
    }
    let next = |ip: IpAddr| match ip {
        IpAddr::V4(a) => IpAddr::V4(u32::from(a).wrapping_add(1).into()),
        IpAddr::V6(a) => IpAddr::V6(u128::from(a).wrapping_add(1).into()),
    };
    let mut candidates = vec![cidr.network(), next(cidr.network())];
    candidates.extend(except.iter().filter_map(after));
    candidates
        .into_iter()
        .find(|ip| cidr.contains(*ip) && !except.iter().any(|e| e.contains(*ip)))
}

fn peer_endpoint(
    peer: &NetworkPolicyPeer,
    namespace: &str,
    namespace_labels: &BTreeMap<String, String>,
    index: usize,
    ports: Vec<NamedPort>,
    namespaces: &mut Vec<NamespaceInfo>,
) -> Option<(Endpoint, String)> {
    if let Some(block) = &peer.ip_block {
        let cidr = Cidr::parse(&block.cidr)?;
        let except: Vec<Cidr> = block
            .except
            .iter()
            .flatten()
            .filter_map(|e| Cidr::parse(e))
            .collect();
        let ip = first_address(&cidr, &except)?;
        return Some((Endpoint::External(ip), format!("{} ({ip})", block.cidr)));
    }
    let pod_labels = match &peer.pod_selector {
        None => BTreeMap::new(),
        Some(s) => satisfying_labels(s)?,
    };
    let (ns_name, about_ns) = match &peer.namespace_selector {
        None => (namespace.to_string(), "this namespace".to_string()),
        Some(sel) => {
            let mut labels = satisfying_labels(sel)?;
            let name = labels
                .remove(NAMESPACE_NAME_LABEL)
                // Unique across calls sharing `namespaces`.
                .unwrap_or_else(|| format!("ns-policy-sample-{}", namespaces.len()));
            if name == namespace {
                if !crate::selector::matches(sel, namespace_labels) {
                    return None;
                }
            } else {
                namespaces.push(NamespaceInfo::new(name.clone(), labels));
            }
            (name, namespaces_text(sel))
        }
    };
    let about = match &peer.pod_selector {
        None => format!("{about_ns} (every pod)"),
        Some(s) => format!("{about_ns}, pods {}", selector_text(Some(s))),
    };
    Some((
        Endpoint::Pod(PodInfo {
            namespace: ns_name,
            name: format!("peer-{index}"),
            labels: pod_labels,
            ip: None,
            ports,
        }),
        about,
    ))
}

fn normalized_selector(s: &LabelSelector) -> Value {
    let mut reqs: BTreeSet<(String, String, Vec<String>)> = BTreeSet::new();
    for (k, v) in s.match_labels.iter().flatten() {
        reqs.insert((k.clone(), "In".into(), vec![v.clone()]));
    }
    for e in s.match_expressions.iter().flatten() {
        let mut values = e.values.clone().unwrap_or_default();
        values.sort();
        values.dedup();
        reqs.insert((e.key.clone(), e.operator.clone(), values));
    }
    Value::Array(
        reqs.into_iter()
            .map(|(k, op, v)| json!([k, op, v]))
            .collect(),
    )
}

fn normalized_peer(p: &NetworkPolicyPeer) -> Value {
    json!({
        "namespaceSelector": p.namespace_selector.as_ref().map(normalized_selector),
        "podSelector": p.pod_selector.as_ref().map(normalized_selector),
        "ipBlock": p.ip_block.as_ref().map(|b| {
            let mut except: Vec<String> = b.except.iter().flatten()
                .map(|e| Cidr::parse(e).map_or(e.clone(), |c| c.to_string())).collect();
            except.sort();
            json!([Cidr::parse(&b.cidr).map_or(b.cidr.clone(), |c| c.to_string()), except])
        }),
    })
}

fn normalized_port(p: &NetworkPolicyPort) -> Value {
    let port = match &p.port {
        None => Value::Null,
        Some(IntOrString::Int(n)) => json!(n),
        Some(IntOrString::String(s)) => json!(s),
    };
    let end = match (&p.port, p.end_port) {
        (Some(IntOrString::Int(n)), Some(e)) if e != *n => json!(e),
        _ => Value::Null,
    };
    json!([p.protocol.as_deref().unwrap_or("TCP"), port, end])
}

fn sorted(mut v: Vec<Value>) -> Value {
    v.sort_by_key(|x| x.to_string());
    v.dedup();
    Value::Array(v)
}

fn normalized_rule(
    peers: Option<&[NetworkPolicyPeer]>,
    ports: Option<&[NetworkPolicyPort]>,
) -> Value {
    json!({
        "peers": sorted(peers.unwrap_or_default().iter().map(normalized_peer).collect()),
        "ports": sorted(ports.unwrap_or_default().iter().map(normalized_port).collect()),
    })
}

/// The canonical form of a policy's spec (name and namespace left out).
pub(crate) fn normalized(policy: &NetworkPolicy) -> Value {
    let (ingress, egress) = affects_of(policy);
    let spec = policy.spec.as_ref();
    let pod_selector = spec
        .and_then(|s| s.pod_selector.as_ref())
        .map(normalized_selector)
        .unwrap_or_else(|| json!([]));
    let ingress_rules: Vec<Value> = if ingress {
        spec.and_then(|s| s.ingress.as_ref())
            .into_iter()
            .flatten()
            .map(|r| normalized_rule(r.from.as_deref(), r.ports.as_deref()))
            .collect()
    } else {
        Vec::new()
    };
    let egress_rules: Vec<Value> = if egress {
        spec.and_then(|s| s.egress.as_ref())
            .into_iter()
            .flatten()
            .map(|r| normalized_rule(r.to.as_deref(), r.ports.as_deref()))
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "podSelector": pod_selector,
        "policyTypes": [ingress, egress],
        "ingress": sorted(ingress_rules),
        "egress": sorted(egress_rules),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml: &str) -> NetworkPolicy {
        crate::yaml::from_str(yaml, "p.yaml").unwrap()
    }

    #[test]
    fn labels_are_synthesized_to_satisfy_selectors_or_none() {
        let s: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["a", "b"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "team", "operator": "Exists"},
                {"key": "env", "operator": "NotIn", "values": ["prod"]}
            ]
        }))
        .unwrap();
        let l = satisfying_labels(&s).unwrap();
        assert!(crate::selector::matches(&s, &l));
        assert_eq!(l["tier"], "a");
        let impossible: LabelSelector = serde_json::from_value(json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]
        }))
        .unwrap();
        assert!(satisfying_labels(&impossible).is_none());
    }

    #[test]
    fn policies_written_differently_with_the_same_meaning_normalize_equal() {
        let a = policy(
            "metadata: {name: a}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: x}}\n    - podSelector: {}\n    ports: [{port: 5432}, {port: 5433, protocol: TCP}]\n",
        );
        let b = policy(
            "metadata: {name: b}\nspec:\n  podSelector: {matchExpressions: [{key: app, operator: In, values: [db]}]}\n  policyTypes: [Ingress]\n  ingress:\n  - ports: [{protocol: TCP, port: 5433}, {protocol: TCP, port: 5432}]\n    from:\n    - podSelector: {}\n    - namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [x]}]}\n",
        );
        assert_eq!(normalized(&a), normalized(&b));
        let c = policy(
            "metadata: {name: c}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: x}}}, {podSelector: {}}]\n    ports: [{port: 5432}]\n",
        );
        assert_ne!(normalized(&a), normalized(&c));
    }

    #[test]
    fn samples_cover_each_peer_and_port_of_each_rule() {
        let p = policy(
            "metadata: {name: p, namespace: data}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: app}}, podSelector: {matchLabels: {role: api}}}]\n    ports: [{port: 5432}]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/24]}}]\n    ports: [{port: 443}, {port: 8443}]\n",
        );
        let mut extra = Vec::new();
        let s = samples(&p, "data", &BTreeMap::new(), &mut extra);
        assert_eq!(s.len(), 3);
        let Endpoint::Pod(peer) = &s[0].peer else {
            panic!()
        };
        assert_eq!((peer.namespace.as_str(), s[0].port), ("app", 5432));
        assert_eq!(peer.labels["role"], "api");
        assert_eq!(s[0].subject.labels["app"], "db");
        assert!(
            matches!(s[1].peer, Endpoint::External(ip) if ip.to_string() == "10.0.1.0"),
            "{:?}",
            s[1].peer
        );
        assert!(
            s[0].description.contains("spec.ingress[0]"),
            "{}",
            s[0].description
        );
        // The policy itself allows all its samples.
        let ev = super::super::Evaluator::new(extra, vec![p]);
        for x in &s {
            let (from, to) = x.ends();
            let v = ev.evaluate(&from, &to, x.port, x.protocol);
            let d = if x.direction == Direction::Ingress {
                v.ingress
            } else {
                v.egress
            };
            assert!(d.allowed, "{}: {}", x.description, d.explain());
        }
    }
}
