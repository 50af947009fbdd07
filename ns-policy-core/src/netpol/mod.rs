//! A pure NetworkPolicy evaluator (`networking.k8s.io/v1` semantics).
//!
//! Given the namespaces (with labels) and the NetworkPolicies of a cluster,
//! [`Evaluator::evaluate`] answers "may `from` open a connection to `to` on
//! `port`/`protocol`?", with the policies that isolate each side and the
//! rules that allow the connection. Nothing here does I/O.
//!
//! Semantics, as documented for the Kubernetes NetworkPolicy API:
//!
//! * A policy selects pods of its own namespace by `spec.podSelector`
//!   (empty or absent selects all of them).
//! * `policyTypes`, when absent or empty, defaults as the API server does
//!   (`SetDefaults_NetworkPolicy`): `Ingress`, plus `Egress` when the policy
//!   has at least one egress rule. Explicit types are used as given.
//! * A pod selected by no policy of a direction is not isolated in that
//!   direction; an isolated pod admits only what the union of the rules of
//!   the policies selecting it allows.
//! * A connection needs egress allowed at the source and ingress allowed at
//!   the destination. An [`Endpoint::External`] side is not evaluated.
//! * A rule with no peers matches every peer, a rule with no ports every
//!   port; otherwise some peer and some port must match.
//! * A peer with only `podSelector` means pods of the policy's namespace;
//!   only `namespaceSelector` means all pods of the matching namespaces;
//!   both in one peer are ANDed. `ipBlock` matches addresses in `cidr` and in
//!   no `except` block.
//! * Ports default to TCP; a named port is resolved against the
//!   *destination* pod's container ports (name and protocol); `endPort`
//!   makes a numeric port an inclusive range.
//!
//! Choices where the API leaves room (documented so callers can tell):
//!
//! * A pod peer is matched by an `ipBlock` when its [`PodInfo::ip`] is known
//!   and inside the block (unknown when its IP is not known, see below).
//!   CNIs differ here (some never apply `ipBlock` to pod traffic because of
//!   SNAT/overlay addresses); treat such answers as "allowed if the CNI sees
//!   the pod IP".
//! * Invalid objects the API server would reject are read conservatively: a
//!   malformed `cidr` or `except` block, a peer combining `ipBlock` with a
//!   selector, a peer with no field set, a port outside 1..=65535, an
//!   `endPort` below `port` and an unknown protocol all match nothing.
//! * A policy without `metadata.namespace` is taken to be in `default`.
//! * A namespace the evaluator was not told about still has the
//!   `kubernetes.io/metadata.name` label (and no other).
//!
//! * Cluster policy tiers ([`cluster`]): the Admin tier decides before
//!   NetworkPolicies, the Baseline tier after them for pods no
//!   NetworkPolicy isolates; `Pass` hands a connection to the next tier.
//! * CNI plugin policies ([`cni`]) are not evaluated: a direction at a pod
//!   one of them may select is [`Decision::Unknown`], naming it.
//! * A pod of unknown IP against an `ipBlock` (or a cluster policy's
//!   `networks`) is unknown unless the pod ranges
//!   ([`Evaluator::with_pod_cidrs`]) tell it is inside or outside.
//!
//! Layout: this file holds the public value and verdict types and the
//! policy-type defaulting; `compile.rs` the policies' compiled form,
//! `eval.rs` the [`Evaluator`] and `isolation.rs` the per-namespace audit
//! ([`namespace_isolation`]).

mod cidr;
pub mod cluster;
pub mod cni;
mod compile;
mod eval;
mod isolation;
#[cfg(test)]
mod tests;
pub(crate) mod witness;

pub use cidr::Cidr;
pub use cluster::{ClusterAction, ClusterPolicy, ClusterPolicyKind, InvalidClusterPolicy, Tier};
pub use cni::CniPolicy;
pub use eval::Evaluator;
pub use isolation::{namespace_isolation, NamespaceIsolation, OpenRule};

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde::{Deserialize, Serialize};

use crate::selector;
use crate::{Error, NAMESPACE_NAME_LABEL};

/// Namespace a policy without `metadata.namespace` is taken to be in.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Transport protocol of a port.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum Protocol {
    /// TCP (the default of a NetworkPolicyPort).
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// `"TCP"`, `"UDP"` or `"SCTP"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Protocol {
    type Err = Error;
    /// Case-insensitive: `tcp`, `TCP`, `Udp`...
    fn from_str(s: &str) -> Result<Self, Error> {
        [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::from(crate::error::InvalidValue::new(
                    crate::error::ValueKind::Protocol,
                    s,
                    format!("unknown protocol {s:?} (expected TCP, UDP or SCTP)"),
                ))
            })
    }
}

/// A named container port of a pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedPort {
    /// Port name (`containerPort.name`).
    pub name: String,
    /// Port number.
    pub port: u16,
    /// Protocol.
    pub protocol: Protocol,
}

/// What the evaluator needs to know about a pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Pod IP if known (used by `ipBlock` peers).
    pub ip: Option<IpAddr>,
    /// Named container ports (used by named ports in rules).
    pub ports: Vec<NamedPort>,
}

/// A namespace and its labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceInfo {
    /// Name.
    pub name: String,
    /// Labels (the evaluator always adds `kubernetes.io/metadata.name`).
    pub labels: BTreeMap<String, String>,
}

impl NamespaceInfo {
    /// A namespace with `labels` plus `kubernetes.io/metadata.name=<name>`.
    pub fn new(name: impl Into<String>, labels: BTreeMap<String, String>) -> Self {
        let name = name.into();
        let mut labels = labels;
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.clone());
        NamespaceInfo { name, labels }
    }
}

/// One side of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Endpoint {
    /// A pod of the cluster (policies apply to it).
    Pod(PodInfo),
    /// An address outside the cluster's pods: only `ipBlock` peers match it
    /// and no policy isolates it.
    External(IpAddr),
}

impl Endpoint {
    /// The address, if known.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Endpoint::Pod(p) => p.ip,
            Endpoint::External(ip) => Some(*ip),
        }
    }
}

impl fmt::Display for Endpoint {
    /// `namespace/name` for pods, the address for external endpoints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Pod(p) => write!(f, "{}/{}", p.namespace, p.name),
            Endpoint::External(ip) => write!(f, "{ip}"),
        }
    }
}

/// Direction of traffic relative to the pod a policy selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Direction {
    /// Traffic into the pod.
    Ingress,
    /// Traffic out of the pod.
    Egress,
}

impl fmt::Display for Direction {
    /// `ingress` / `egress`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        })
    }
}

/// A NetworkPolicy by namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PolicyRef {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl PolicyRef {
    /// The reference of a policy (namespace defaults to `default`).
    pub fn of(policy: &NetworkPolicy) -> Self {
        PolicyRef {
            namespace: policy_namespace(policy).to_string(),
            name: policy.metadata.name.clone().unwrap_or_default(),
        }
    }
}

impl fmt::Display for PolicyRef {
    /// `namespace/name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One rule of a policy: `spec.ingress[i]` or `spec.egress[i]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleRef {
    /// The policy.
    pub policy: PolicyRef,
    /// Which list.
    pub direction: Direction,
    /// Index in that list.
    pub rule_index: usize,
}

impl fmt::Display for RuleRef {
    /// `namespace/name ingress rule #0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} rule #{}",
            self.policy, self.direction, self.rule_index
        )
    }
}

/// Allowed, denied, or not known (a policy whose rules are not evaluated,
/// an address that may or may not be in a block, cluster policies of one
/// priority that disagree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The connection opens.
    Allow,
    /// It is dropped or refused.
    Deny,
    /// It cannot be told.
    Unknown,
}

impl Decision {
    /// Both directions: a deny of either decides; else an unknown leaves it
    /// unknown.
    pub fn both(a: Decision, b: Decision) -> Decision {
        match (a, b) {
            (Decision::Deny, _) | (_, Decision::Deny) => Decision::Deny,
            (Decision::Unknown, _) | (_, Decision::Unknown) => Decision::Unknown,
            _ => Decision::Allow,
        }
    }

    /// `allow`, `deny` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
            Decision::Unknown => "unknown",
        }
    }
}

/// The cluster policy rule that decided (or passed) a direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClusterRuleRef {
    /// `ClusterNetworkPolicy/name`.
    pub policy: String,
    /// Its tier.
    pub tier: Tier,
    /// Its priority.
    pub priority: i32,
    /// Which rule list.
    pub direction: Direction,
    /// Index in that list.
    pub rule_index: usize,
    /// The rule's name (may be empty).
    pub rule_name: String,
    /// What it does.
    pub action: ClusterAction,
}

impl fmt::Display for ClusterRuleRef {
    /// `ClusterNetworkPolicy/x (Admin tier, priority 10) ingress rule #0 "deny-all"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} tier, priority {}) {} rule #{}",
            self.policy,
            self.tier.as_str(),
            self.priority,
            self.direction,
            self.rule_index
        )?;
        if !self.rule_name.is_empty() {
            write!(f, " {:?}", self.rule_name)?;
        }
        Ok(())
    }
}

/// The verdict of one direction (egress at the source or ingress at the
/// destination).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirectionVerdict {
    /// Which direction.
    pub direction: Direction,
    /// The endpoint this direction was evaluated at (`namespace/pod` or an
    /// address).
    pub endpoint: String,
    /// False when that endpoint is external (nothing evaluated).
    pub applicable: bool,
    /// True when some policy selects the pod for this direction.
    pub isolated: bool,
    /// The policies selecting the pod for this direction: policies without
    /// rules of this direction (pure denies) first, then by name.
    pub isolating_policies: Vec<PolicyRef>,
    /// The rules that allow the connection (empty when not isolated).
    pub allowed_by: Vec<RuleRef>,
    /// The decision is [`Decision::Allow`].
    pub allowed: bool,
    /// The decision of this direction.
    pub decision: Decision,
    /// The cluster policy rule that decided it (Admin or Baseline tier).
    pub cluster_rule: Option<ClusterRuleRef>,
    /// `Pass` rules that sent it on to the next tier.
    pub passed: Vec<ClusterRuleRef>,
    /// Why the decision is unknown.
    pub unknown: Option<String>,
}

impl DirectionVerdict {
    fn not_applicable(direction: Direction, endpoint: &Endpoint) -> Self {
        Self::allowed(direction, endpoint.to_string(), false)
    }

    /// Allowed so far, nothing isolating it yet.
    fn allowed(direction: Direction, endpoint: String, applicable: bool) -> Self {
        DirectionVerdict {
            direction,
            endpoint,
            applicable,
            isolated: false,
            isolating_policies: Vec::new(),
            allowed_by: Vec::new(),
            allowed: true,
            decision: Decision::Allow,
            cluster_rule: None,
            passed: Vec::new(),
            unknown: None,
        }
    }

    /// One clause of [`Verdict::explain`].
    pub fn explain(&self) -> String {
        let dir = self.direction;
        if !self.applicable {
            return format!("{dir} not evaluated ({} is external)", self.endpoint);
        }
        let passed = if self.passed.is_empty() {
            String::new()
        } else {
            let p: Vec<String> = self.passed.iter().map(ToString::to_string).collect();
            format!(" after {} passed it on", p.join(", "))
        };
        if let Some(why) = &self.unknown {
            return format!("{dir} unknown at {}: {why}", self.endpoint);
        }
        if let Some(rule) = &self.cluster_rule {
            let verb = match rule.action {
                ClusterAction::Deny => "denied",
                _ => "accepted",
            };
            return format!("{dir} {verb} by {rule} for {}{passed}", self.endpoint);
        }
        if !self.isolated {
            return format!(
                "{dir} allowed ({} not isolated for {dir}{passed})",
                self.endpoint
            );
        }
        if self.allowed {
            let rules: Vec<String> = self
                .allowed_by
                .iter()
                .map(|r| format!("{} rule #{}", r.policy, r.rule_index))
                .collect();
            return format!("{dir} allowed by {}", rules.join(", "));
        }
        let all: Vec<String> = self
            .isolating_policies
            .iter()
            .map(ToString::to_string)
            .collect();
        let subject = match self.isolating_policies.len() {
            1 => format!("{} isolates", all[0]),
            n => format!("{} and {} other(s) isolate", all[0], n - 1),
        };
        format!(
            "{dir} denied: {subject} {} and no rule of [{}] allows it",
            self.endpoint,
            all.join(", ")
        )
    }
}

/// The verdict of one connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Egress and ingress both allowed (the decision is `Allow`).
    pub allowed: bool,
    /// Allow, deny (either direction denies), or unknown.
    pub decision: Decision,
    /// Egress at the source.
    pub egress: DirectionVerdict,
    /// Ingress at the destination.
    pub ingress: DirectionVerdict,
}

impl Verdict {
    /// A short human reason, e.g. `egress allowed (pr-1/client not isolated
    /// for egress); ingress denied: pr-2/default-deny isolates
    /// pr-2/probe-server and no rule of [pr-2/default-deny,
    /// pr-2/allow-same-namespace] allows it`.
    pub fn explain(&self) -> String {
        format!("{}; {}", self.egress.explain(), self.ingress.explain())
    }
}

/// The policy types a policy affects after the API server's defaulting:
/// explicit `policyTypes` as given; when absent or empty, `Ingress` plus
/// `Egress` if `spec.egress` has at least one rule.
pub fn effective_policy_types(policy: &NetworkPolicy) -> Vec<Direction> {
    let (ingress, egress) = affects(policy);
    let mut out = Vec::new();
    if ingress {
        out.push(Direction::Ingress);
    }
    if egress {
        out.push(Direction::Egress);
    }
    out
}

/// (affects ingress, affects egress).
/// (affects ingress, affects egress), after the API server's defaulting.
pub(crate) fn affects_of(policy: &NetworkPolicy) -> (bool, bool) {
    affects(policy)
}

fn affects(policy: &NetworkPolicy) -> (bool, bool) {
    let Some(spec) = &policy.spec else {
        return (true, false);
    };
    match spec.policy_types.as_deref() {
        None | Some([]) => (true, spec.egress.as_ref().is_some_and(|e| !e.is_empty())),
        Some(types) => (
            types.iter().any(|t| t == "Ingress"),
            types.iter().any(|t| t == "Egress"),
        ),
    }
}

/// True when the policy selects every pod of its namespace (`podSelector`
/// absent or empty).
pub fn all_pods_selected_by(policy: &NetworkPolicy) -> bool {
    policy
        .spec
        .as_ref()
        .and_then(|s| s.pod_selector.as_ref())
        .is_none_or(selector::is_empty)
}

fn policy_namespace(policy: &NetworkPolicy) -> &str {
    policy
        .metadata
        .namespace
        .as_deref()
        .unwrap_or(DEFAULT_NAMESPACE)
}
