//! Cluster-scoped network policy tiers of the Kubernetes network-policy API
//! (`sigs.k8s.io/network-policy-api`), read into one model:
//!
//! * `ClusterNetworkPolicy` (`policy.networking.k8s.io/v1alpha2` and
//!   `v1beta1`): tier `Admin` or `Baseline`, priority 0-1000, actions
//!   `Accept`, `Deny`, `Pass`, `protocols` per rule;
//! * `AdminNetworkPolicy` (`v1alpha1`): the Admin tier, actions `Allow`
//!   (read as `Accept`), `Deny`, `Pass`, `ports` per rule;
//! * `BaselineAdminNetworkPolicy` (`v1alpha1`, the singleton `default`): the
//!   Baseline tier, actions `Allow` and `Deny`. It has no priority; it is
//!   ordered after every `ClusterNetworkPolicy` of the Baseline tier
//!   (priority [`BANP_PRIORITY`]).
//!
//! Evaluation ([`super::Evaluator`]): for each direction, the Admin tier by
//! priority (lower first), rules of a policy in order, the first matching
//! rule deciding: `Accept`/`Deny` end evaluation of that direction, `Pass`
//! skips the rest of the tier; then NetworkPolicies (which decide for pods
//! they isolate); then the Baseline tier the same way; then the default
//! (allowed). Policies of one tier at the same priority that decide
//! differently make the answer unknown: the API lets an implementation
//! apply either.
//!
//! A peer with no field set (a newer CRD than this reader) fails closed as
//! the API asks: it matches nothing in an `Accept` rule and everything in a
//! `Deny` or `Pass` rule.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Protocol;

/// The API group of the cluster network policy kinds.
pub const GROUP: &str = "policy.networking.k8s.io";

/// Priority the BaselineAdminNetworkPolicy is ordered at within the
/// Baseline tier (after every ClusterNetworkPolicy priority, 0-1000).
pub const BANP_PRIORITY: i32 = 1001;

/// A cluster policy that cannot be read: the field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidClusterPolicy(pub String);

/// Which API kind a cluster policy was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClusterPolicyKind {
    /// `policy.networking.k8s.io/v1alpha2|v1beta1` ClusterNetworkPolicy.
    ClusterNetworkPolicy,
    /// `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy.
    AdminNetworkPolicy,
    /// `policy.networking.k8s.io/v1alpha1` BaselineAdminNetworkPolicy.
    BaselineAdminNetworkPolicy,
}

impl ClusterPolicyKind {
    /// The kind as in `kind:`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterPolicyKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
            ClusterPolicyKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            ClusterPolicyKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
        }
    }
}

/// The tier a cluster policy belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    /// Before NetworkPolicies.
    Admin,
    /// After NetworkPolicies.
    Baseline,
}

impl Tier {
    /// `Admin` or `Baseline`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "Admin",
            Tier::Baseline => "Baseline",
        }
    }
}

/// What a rule does with the traffic it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClusterAction {
    /// Allowed; nothing later in this direction is evaluated.
    Accept,
    /// Dropped.
    Deny,
    /// Skip the rest of the tier.
    Pass,
}

impl ClusterAction {
    /// `Accept`, `Deny` or `Pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterAction::Accept => "Accept",
            ClusterAction::Deny => "Deny",
            ClusterAction::Pass => "Pass",
        }
    }
}

/// Pods a policy applies to, or a peer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClusterPeer {
    /// All pods of the namespaces matching.
    Namespaces(LabelSelector),
    /// Pods matching `pods` in namespaces matching `namespaces`.
    Pods {
        /// Namespace selector (empty: all).
        namespaces: LabelSelector,
        /// Pod selector (empty: all).
        pods: LabelSelector,
    },
    /// Node addresses (egress): not known here.
    Nodes(LabelSelector),
    /// CIDR blocks (egress): pods by their IPs and external addresses.
    Networks(Vec<String>),
    /// Domain names (egress, Accept only): not resolved here.
    DomainNames(Vec<String>),
    /// No field set: fails closed.
    Empty,
}

/// A port match of a cluster policy rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterPort {
    /// Every port of the protocol.
    Any(Protocol),
    /// A port range of the protocol (one port: start = end).
    Range(Protocol, u16, u16),
    /// A named container port of the destination pod.
    Named(String),
}

/// One ingress or egress rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterRule {
    /// `name` of the rule (may be empty).
    pub name: String,
    /// What it does.
    pub action: ClusterAction,
    /// `from` / `to`: any of them.
    pub peers: Vec<ClusterPeer>,
    /// `None`: all traffic; otherwise any of them.
    pub ports: Option<Vec<ClusterPort>>,
}

/// A cluster network policy of any of the three kinds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterPolicy {
    /// Kind read from.
    pub kind: ClusterPolicyKind,
    /// `metadata.name`.
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// Priority within the tier (lower first).
    pub priority: i32,
    /// Pods it applies to (`Namespaces` or `Pods`; `Empty` selects none).
    pub subject: ClusterPeer,
    /// Ingress rules in order.
    pub ingress: Vec<ClusterRule>,
    /// Egress rules in order.
    pub egress: Vec<ClusterRule>,
}

impl ClusterPolicy {
    /// `ClusterNetworkPolicy/name`.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.kind.as_str(), self.name)
    }

    /// True for the kinds this module reads (`apiVersion` and `kind`).
    pub fn is_cluster_policy(api_version: &str, kind: &str) -> bool {
        let Some(version) = api_version
            .strip_prefix(GROUP)
            .and_then(|v| v.strip_prefix('/'))
        else {
            return false;
        };
        matches!(
            (version, kind),
            ("v1alpha2" | "v1beta1", "ClusterNetworkPolicy")
                | (
                    "v1alpha1",
                    "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy"
                )
        )
    }

    /// Reads a policy of one of the three kinds; the error names the field.
    pub fn from_value(
        api_version: &str,
        kind: &str,
        value: &Value,
    ) -> Result<Self, InvalidClusterPolicy> {
        Self::read(api_version, kind, value).map_err(InvalidClusterPolicy)
    }

    fn read(api_version: &str, kind: &str, value: &Value) -> Result<Self, String> {
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let spec = value.get("spec").ok_or("spec is missing")?;
        if api_version.ends_with("/v1alpha1") {
            let raw: v1alpha1::Spec =
                serde_json::from_value(spec.clone()).map_err(|e| format!("spec: {e}"))?;
            let banp = kind == "BaselineAdminNetworkPolicy";
            let (tier, priority) = if banp {
                (Tier::Baseline, BANP_PRIORITY)
            } else {
                let p = raw.priority.ok_or("spec.priority is missing")?;
                (Tier::Admin, p)
            };
            check_priority(priority, banp)?;
            Ok(ClusterPolicy {
                kind: if banp {
                    ClusterPolicyKind::BaselineAdminNetworkPolicy
                } else {
                    ClusterPolicyKind::AdminNetworkPolicy
                },
                name,
                tier,
                priority,
                subject: raw.subject.into_peer(),
                ingress: raw
                    .ingress
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| r.into_rule(&format!("spec.ingress[{i}]")))
                    .collect::<Result<_, _>>()?,
                egress: raw
                    .egress
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| r.into_rule(&format!("spec.egress[{i}]")))
                    .collect::<Result<_, _>>()?,
            })
        } else {
            let raw: v1beta1::Spec =
                serde_json::from_value(spec.clone()).map_err(|e| format!("spec: {e}"))?;
            let tier = match raw.tier.as_str() {
                "Admin" => Tier::Admin,
                "Baseline" => Tier::Baseline,
                other => {
                    return Err(format!(
                        "spec.tier: {other:?} is not a tier (Admin or Baseline)"
                    ))
                }
            };
            check_priority(raw.priority, false)?;
            Ok(ClusterPolicy {
                kind: ClusterPolicyKind::ClusterNetworkPolicy,
                name,
                tier,
                priority: raw.priority,
                subject: raw.subject.into_peer(),
                ingress: raw
                    .ingress
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| r.into_rule(&format!("spec.ingress[{i}]")))
                    .collect::<Result<_, _>>()?,
                egress: raw
                    .egress
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| r.into_rule(&format!("spec.egress[{i}]")))
                    .collect::<Result<_, _>>()?,
            })
        }
    }
}

fn check_priority(p: i32, banp: bool) -> Result<(), String> {
    if banp || (0..=1000).contains(&p) {
        Ok(())
    } else {
        Err(format!("spec.priority: {p} is not in 0-1000"))
    }
}

fn action(s: &str, at: &str) -> Result<ClusterAction, String> {
    match s {
        "Accept" | "Allow" => Ok(ClusterAction::Accept),
        "Deny" => Ok(ClusterAction::Deny),
        "Pass" => Ok(ClusterAction::Pass),
        other => Err(format!(
            "{at}.action: {other:?} is not an action (Accept/Allow, Deny, Pass)"
        )),
    }
}

fn protocol(s: Option<&str>, at: &str) -> Result<Protocol, String> {
    match s.unwrap_or("TCP") {
        "TCP" => Ok(Protocol::Tcp),
        "UDP" => Ok(Protocol::Udp),
        "SCTP" => Ok(Protocol::Sctp),
        other => Err(format!("{at}.protocol: {other:?} is not TCP, UDP or SCTP")),
    }
}

fn port_number(n: i32, at: &str) -> Result<u16, String> {
    u16::try_from(n)
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("{at}: port {n} is not in 1-65535"))
}

fn range(proto: Protocol, start: i32, end: i32, at: &str) -> Result<ClusterPort, String> {
    let (s, e) = (port_number(start, at)?, port_number(end, at)?);
    if s > e {
        return Err(format!("{at}: start {start} is above end {end}"));
    }
    Ok(ClusterPort::Range(proto, s, e))
}

/// Peer fields shared by every version (exactly one set).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPeer {
    #[serde(default)]
    namespaces: Option<LabelSelector>,
    #[serde(default)]
    pods: Option<RawNamespacedPod>,
    #[serde(default)]
    nodes: Option<LabelSelector>,
    #[serde(default)]
    networks: Option<Vec<String>>,
    #[serde(default)]
    domain_names: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNamespacedPod {
    #[serde(default)]
    namespace_selector: LabelSelector,
    #[serde(default)]
    pod_selector: LabelSelector,
}

impl RawPeer {
    fn into_peer(self) -> ClusterPeer {
        if let Some(n) = self.namespaces {
            ClusterPeer::Namespaces(n)
        } else if let Some(p) = self.pods {
            ClusterPeer::Pods {
                namespaces: p.namespace_selector,
                pods: p.pod_selector,
            }
        } else if let Some(n) = self.nodes {
            ClusterPeer::Nodes(n)
        } else if let Some(n) = self.networks {
            ClusterPeer::Networks(n)
        } else if let Some(d) = self.domain_names {
            ClusterPeer::DomainNames(d)
        } else {
            ClusterPeer::Empty
        }
    }
}

/// `policy.networking.k8s.io/v1alpha1` (AdminNetworkPolicy,
/// BaselineAdminNetworkPolicy).
mod v1alpha1 {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Spec {
        #[serde(default)]
        pub(super) priority: Option<i32>,
        pub(super) subject: RawPeer,
        #[serde(default)]
        pub(super) ingress: Vec<Rule>,
        #[serde(default)]
        pub(super) egress: Vec<Rule>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Rule {
        #[serde(default)]
        name: String,
        action: String,
        #[serde(default, alias = "to")]
        from: Vec<RawPeer>,
        #[serde(default)]
        ports: Option<Vec<Port>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Port {
        #[serde(default)]
        port_number: Option<Number>,
        #[serde(default)]
        named_port: Option<String>,
        #[serde(default)]
        port_range: Option<Range>,
    }

    #[derive(Debug, Deserialize)]
    struct Number {
        #[serde(default)]
        protocol: Option<String>,
        port: i32,
    }

    #[derive(Debug, Deserialize)]
    struct Range {
        #[serde(default)]
        protocol: Option<String>,
        start: i32,
        end: i32,
    }

    impl Rule {
        pub(super) fn into_rule(self, at: &str) -> Result<ClusterRule, String> {
            let ports = match self.ports {
                None => None,
                Some(list) => Some(
                    list.into_iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let at = format!("{at}.ports[{i}]");
                            if let Some(n) = p.port_number {
                                let proto = protocol(n.protocol.as_deref(), &at)?;
                                let port = port_number(n.port, &at)?;
                                Ok(ClusterPort::Range(proto, port, port))
                            } else if let Some(name) = p.named_port {
                                Ok(ClusterPort::Named(name))
                            } else if let Some(r) = p.port_range {
                                let proto = protocol(r.protocol.as_deref(), &at)?;
                                range(proto, r.start, r.end, &at)
                            } else {
                                Err(format!("{at}: no portNumber, namedPort or portRange"))
                            }
                        })
                        .collect::<Result<Vec<_>, String>>()?,
                ),
            };
            Ok(ClusterRule {
                name: self.name,
                action: action(&self.action, at)?,
                peers: self.from.into_iter().map(RawPeer::into_peer).collect(),
                ports,
            })
        }
    }
}

/// `policy.networking.k8s.io/v1alpha2` and `v1beta1` (ClusterNetworkPolicy,
/// the same schema).
mod v1beta1 {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Spec {
        pub(super) tier: String,
        pub(super) priority: i32,
        pub(super) subject: RawPeer,
        #[serde(default)]
        pub(super) ingress: Vec<Rule>,
        #[serde(default)]
        pub(super) egress: Vec<Rule>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Rule {
        #[serde(default)]
        name: String,
        action: String,
        #[serde(default, alias = "to")]
        from: Vec<RawPeer>,
        #[serde(default)]
        protocols: Vec<ProtocolMatch>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ProtocolMatch {
        #[serde(default)]
        tcp: Option<Destination>,
        #[serde(default)]
        udp: Option<Destination>,
        #[serde(default)]
        sctp: Option<Destination>,
        #[serde(default)]
        destination_named_port: Option<String>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Destination {
        #[serde(default)]
        destination_port: Option<Port>,
    }

    #[derive(Debug, Deserialize)]
    struct Port {
        #[serde(default)]
        number: Option<i32>,
        #[serde(default)]
        range: Option<Range>,
    }

    #[derive(Debug, Deserialize)]
    struct Range {
        start: i32,
        end: i32,
    }

    fn destination(proto: Protocol, d: Destination, at: &str) -> Result<ClusterPort, String> {
        match d.destination_port {
            None => Ok(ClusterPort::Any(proto)),
            Some(Port {
                number: Some(n), ..
            }) if n != 0 => {
                let p = port_number(n, at)?;
                Ok(ClusterPort::Range(proto, p, p))
            }
            Some(Port { range: Some(r), .. }) => range(proto, r.start, r.end, at),
            Some(_) => Err(format!("{at}.destinationPort: neither number nor range")),
        }
    }

    impl Rule {
        pub(super) fn into_rule(self, at: &str) -> Result<ClusterRule, String> {
            let ports = if self.protocols.is_empty() {
                None
            } else {
                Some(
                    self.protocols
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let at = format!("{at}.protocols[{i}]");
                            if let Some(d) = p.tcp {
                                destination(Protocol::Tcp, d, &format!("{at}.tcp"))
                            } else if let Some(d) = p.udp {
                                destination(Protocol::Udp, d, &format!("{at}.udp"))
                            } else if let Some(d) = p.sctp {
                                destination(Protocol::Sctp, d, &format!("{at}.sctp"))
                            } else if let Some(name) = p.destination_named_port {
                                Ok(ClusterPort::Named(name))
                            } else {
                                Err(format!("{at}: no tcp, udp, sctp or destinationNamedPort"))
                            }
                        })
                        .collect::<Result<Vec<_>, String>>()?,
                )
            };
            Ok(ClusterRule {
                name: self.name,
                action: action(&self.action, at)?,
                peers: self.from.into_iter().map(RawPeer::into_peer).collect(),
                ports,
            })
        }
    }
}
