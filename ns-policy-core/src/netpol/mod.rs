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
//!   and inside the block. CNIs differ here (some never apply `ipBlock` to pod
//!   traffic because of SNAT/overlay addresses); treat such answers as
//!   "allowed if the CNI sees the pod IP".
//! * Invalid objects the API server would reject are read conservatively: a
//!   malformed `cidr` or `except` block, a peer combining `ipBlock` with a
//!   selector, a peer with no field set, a port outside 1..=65535, an
//!   `endPort` below `port` and an unknown protocol all match nothing.
//! * A policy without `metadata.namespace` is taken to be in `default`.
//! * A namespace the evaluator was not told about still has the
//!   `kubernetes.io/metadata.name` label (and no other).

mod cidr;
#[cfg(test)]
mod tests;

pub use cidr::Cidr;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use crate::selector::{self, Selector};
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
                Error::InvalidInput(format!(
                    "unknown protocol {s:?} (expected TCP, UDP or SCTP)"
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
    /// Not isolated, or allowed by some rule.
    pub allowed: bool,
}

impl DirectionVerdict {
    fn not_applicable(direction: Direction, endpoint: &Endpoint) -> Self {
        DirectionVerdict {
            direction,
            endpoint: endpoint.to_string(),
            applicable: false,
            isolated: false,
            isolating_policies: Vec::new(),
            allowed_by: Vec::new(),
            allowed: true,
        }
    }

    /// One clause of [`Verdict::explain`].
    pub fn explain(&self) -> String {
        let dir = self.direction;
        if !self.applicable {
            return format!("{dir} not evaluated ({} is external)", self.endpoint);
        }
        if !self.isolated {
            return format!("{dir} allowed ({} not isolated for {dir})", self.endpoint);
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
    /// Egress and ingress both allowed.
    pub allowed: bool,
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

#[derive(Clone, Debug)]
enum PortMatch {
    Any,
    Range(u16, u16),
    Named(String),
    Nothing,
}

#[derive(Clone, Debug)]
struct PortSpec {
    /// `None`: an unknown protocol, matches nothing.
    protocol: Option<Protocol>,
    port: PortMatch,
}

impl PortSpec {
    fn compile(p: &NetworkPolicyPort) -> Self {
        let protocol = match &p.protocol {
            None => Some(Protocol::Tcp),
            Some(s) => s.parse().ok(),
        };
        let port = match &p.port {
            None => PortMatch::Any,
            Some(IntOrString::Int(n)) => {
                let end = p.end_port.unwrap_or(*n);
                match (u16::try_from(*n), u16::try_from(end)) {
                    (Ok(lo), Ok(hi)) if lo >= 1 && hi >= lo => PortMatch::Range(lo, hi),
                    _ => PortMatch::Nothing,
                }
            }
            Some(IntOrString::String(name)) if !name.is_empty() => PortMatch::Named(name.clone()),
            Some(IntOrString::String(_)) => PortMatch::Nothing,
        };
        PortSpec { protocol, port }
    }

    /// `dst` is the destination of the connection (named ports resolve
    /// there).
    fn matches(&self, port: u16, protocol: Protocol, dst: &Endpoint) -> bool {
        if self.protocol != Some(protocol) {
            return false;
        }
        match &self.port {
            PortMatch::Any => true,
            PortMatch::Range(lo, hi) => (*lo..=*hi).contains(&port),
            PortMatch::Named(name) => match dst {
                Endpoint::Pod(p) => p
                    .ports
                    .iter()
                    .any(|np| np.name == *name && np.protocol == protocol && np.port == port),
                Endpoint::External(_) => false,
            },
            PortMatch::Nothing => false,
        }
    }
}

#[derive(Clone, Debug)]
enum Peer {
    Pods {
        namespace_selector: Option<Selector>,
        pod_selector: Option<Selector>,
    },
    IpBlock {
        cidr: Cidr,
        except: Vec<Cidr>,
    },
    Nothing,
}

impl Peer {
    fn compile(p: &NetworkPolicyPeer) -> Self {
        if let Some(block) = &p.ip_block {
            if p.pod_selector.is_some() || p.namespace_selector.is_some() {
                return Peer::Nothing;
            }
            let Some(cidr) = Cidr::parse(&block.cidr) else {
                return Peer::Nothing;
            };
            let mut except = Vec::new();
            for e in block.except.iter().flatten() {
                match Cidr::parse(e) {
                    Some(c) => except.push(c),
                    None => return Peer::Nothing,
                }
            }
            return Peer::IpBlock { cidr, except };
        }
        if p.pod_selector.is_none() && p.namespace_selector.is_none() {
            return Peer::Nothing;
        }
        Peer::Pods {
            namespace_selector: p
                .namespace_selector
                .as_ref()
                .map(Selector::from_label_selector),
            pod_selector: p.pod_selector.as_ref().map(Selector::from_label_selector),
        }
    }
}

#[derive(Clone, Debug)]
struct CompiledRule {
    /// `None`: all peers.
    peers: Option<Vec<Peer>>,
    /// `None`: all ports.
    ports: Option<Vec<PortSpec>>,
}

impl CompiledRule {
    fn compile(
        peers: Option<&Vec<NetworkPolicyPeer>>,
        ports: Option<&Vec<NetworkPolicyPort>>,
    ) -> Self {
        CompiledRule {
            peers: peers
                .filter(|p| !p.is_empty())
                .map(|p| p.iter().map(Peer::compile).collect()),
            ports: ports
                .filter(|p| !p.is_empty())
                .map(|p| p.iter().map(PortSpec::compile).collect()),
        }
    }
}

#[derive(Clone, Debug)]
struct CompiledPolicy {
    reference: PolicyRef,
    pod_selector: Selector,
    affects_ingress: bool,
    affects_egress: bool,
    ingress: Vec<CompiledRule>,
    egress: Vec<CompiledRule>,
}

impl CompiledPolicy {
    fn compile(policy: &NetworkPolicy) -> Self {
        let (affects_ingress, affects_egress) = affects(policy);
        let spec = policy.spec.as_ref();
        let pod_selector = spec
            .and_then(|s| s.pod_selector.as_ref())
            .map(Selector::from_label_selector)
            .unwrap_or_default();
        let ingress = spec
            .and_then(|s| s.ingress.as_ref())
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| CompiledRule::compile(r.from.as_ref(), r.ports.as_ref()))
                    .collect()
            })
            .unwrap_or_default();
        let egress = spec
            .and_then(|s| s.egress.as_ref())
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| CompiledRule::compile(r.to.as_ref(), r.ports.as_ref()))
                    .collect()
            })
            .unwrap_or_default();
        CompiledPolicy {
            reference: PolicyRef::of(policy),
            pod_selector,
            affects_ingress,
            affects_egress,
            ingress,
            egress,
        }
    }

    fn applies(&self, direction: Direction, pod: &PodInfo) -> bool {
        let affects = match direction {
            Direction::Ingress => self.affects_ingress,
            Direction::Egress => self.affects_egress,
        };
        affects && self.pod_selector.matches(&pod.labels)
    }

    fn rules(&self, direction: Direction) -> &[CompiledRule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// Evaluates connections against a fixed set of namespaces and policies.
///
/// Policies are compiled and indexed by namespace once, in [`Evaluator::new`];
/// queries do not clone policies. [`Evaluator::is_allowed`] answers without
/// allocating; [`Evaluator::evaluate`] also reports why.
#[derive(Clone, Debug, Default)]
pub struct Evaluator {
    namespaces: HashMap<String, BTreeMap<String, String>>,
    /// Per namespace, sorted by name.
    policies: HashMap<String, Vec<CompiledPolicy>>,
}

impl Evaluator {
    /// Builds the evaluator. Namespaces named by policies or pods but absent
    /// from `namespaces` only have the `kubernetes.io/metadata.name` label.
    pub fn new(namespaces: Vec<NamespaceInfo>, policies: Vec<NetworkPolicy>) -> Self {
        let namespaces = namespaces
            .into_iter()
            .map(|ns| {
                let info = NamespaceInfo::new(ns.name, ns.labels);
                (info.name, info.labels)
            })
            .collect();
        let mut by_ns: HashMap<String, Vec<CompiledPolicy>> = HashMap::new();
        for p in &policies {
            let c = CompiledPolicy::compile(p);
            by_ns
                .entry(c.reference.namespace.clone())
                .or_default()
                .push(c);
        }
        for list in by_ns.values_mut() {
            list.sort_by(|a, b| a.reference.cmp(&b.reference));
        }
        Evaluator {
            namespaces,
            policies: by_ns,
        }
    }

    /// The policies (sorted by name) that select `pod` for `direction`.
    pub fn isolating_policies(&self, pod: &PodInfo, direction: Direction) -> Vec<PolicyRef> {
        self.selecting(pod, direction)
            .map(|p| p.reference.clone())
            .collect()
    }

    fn selecting<'a>(
        &'a self,
        pod: &'a PodInfo,
        direction: Direction,
    ) -> impl Iterator<Item = &'a CompiledPolicy> + 'a {
        self.policies
            .get(pod.namespace.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(move |p| p.applies(direction, pod))
    }

    /// True when `from` may connect to `to` on `port`/`protocol`; the same
    /// answer as `evaluate(..).allowed`, without building the explanation.
    pub fn is_allowed(
        &self,
        from: &Endpoint,
        to: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        self.direction_allowed(Direction::Egress, from, to, to, port, protocol)
            && self.direction_allowed(Direction::Ingress, to, from, to, port, protocol)
    }

    fn direction_allowed(
        &self,
        direction: Direction,
        subject: &Endpoint,
        peer: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        let Endpoint::Pod(pod) = subject else {
            return true;
        };
        let mut isolated = false;
        for p in self.selecting(pod, direction) {
            isolated = true;
            if p.rules(direction)
                .iter()
                .any(|r| self.rule_matches(r, &p.reference.namespace, peer, dst, port, protocol))
            {
                return true;
            }
        }
        !isolated
    }

    /// Evaluates a connection from `from` to `to` on `port`/`protocol`:
    /// egress at `from` and ingress at `to`.
    pub fn evaluate(
        &self,
        from: &Endpoint,
        to: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> Verdict {
        let egress = self.direction_verdict(Direction::Egress, from, to, to, port, protocol);
        let ingress = self.direction_verdict(Direction::Ingress, to, from, to, port, protocol);
        Verdict {
            allowed: egress.allowed && ingress.allowed,
            egress,
            ingress,
        }
    }

    fn direction_verdict(
        &self,
        direction: Direction,
        subject: &Endpoint,
        peer: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> DirectionVerdict {
        let Endpoint::Pod(pod) = subject else {
            return DirectionVerdict::not_applicable(direction, subject);
        };
        let mut isolating: Vec<PolicyRef> = Vec::new();
        let mut deny_only = 0;
        let mut allowed_by = Vec::new();
        for p in self.selecting(pod, direction) {
            let rules = p.rules(direction);
            if rules.is_empty() {
                // Pure denies first, each group in name order.
                isolating.insert(deny_only, p.reference.clone());
                deny_only += 1;
            } else {
                isolating.push(p.reference.clone());
            }
            for (i, r) in rules.iter().enumerate() {
                if self.rule_matches(r, &p.reference.namespace, peer, dst, port, protocol) {
                    allowed_by.push(RuleRef {
                        policy: p.reference.clone(),
                        direction,
                        rule_index: i,
                    });
                }
            }
        }
        let isolated = !isolating.is_empty();
        let mut endpoint = String::with_capacity(pod.namespace.len() + pod.name.len() + 1);
        endpoint.push_str(&pod.namespace);
        endpoint.push('/');
        endpoint.push_str(&pod.name);
        DirectionVerdict {
            direction,
            endpoint,
            applicable: true,
            isolated,
            isolating_policies: isolating,
            allowed: !isolated || !allowed_by.is_empty(),
            allowed_by,
        }
    }

    fn rule_matches(
        &self,
        rule: &CompiledRule,
        policy_ns: &str,
        peer: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        let port_ok = rule
            .ports
            .as_ref()
            .is_none_or(|ports| ports.iter().any(|p| p.matches(port, protocol, dst)));
        port_ok
            && rule
                .peers
                .as_ref()
                .is_none_or(|peers| peers.iter().any(|p| self.peer_matches(p, policy_ns, peer)))
    }

    fn peer_matches(&self, peer: &Peer, policy_ns: &str, ep: &Endpoint) -> bool {
        match (peer, ep) {
            (
                Peer::Pods {
                    namespace_selector,
                    pod_selector,
                },
                Endpoint::Pod(pod),
            ) => {
                let ns_ok = match namespace_selector {
                    None => pod.namespace == policy_ns,
                    Some(sel) => self.namespace_matches(sel, &pod.namespace),
                };
                ns_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels))
            }
            (Peer::Pods { .. }, Endpoint::External(_)) => false,
            (Peer::IpBlock { cidr, except }, ep) => ep
                .ip()
                .is_some_and(|ip| cidr.contains(ip) && !except.iter().any(|e| e.contains(ip))),
            (Peer::Nothing, _) => false,
        }
    }

    fn namespace_matches<'a>(&'a self, sel: &Selector, namespace: &'a str) -> bool {
        // The map is only consulted for keys other than the name label.
        let labels = std::cell::OnceCell::new();
        sel.matches_with(|k| {
            if k == NAMESPACE_NAME_LABEL {
                Some(namespace)
            } else {
                labels
                    .get_or_init(|| self.namespaces.get(namespace))
                    .and_then(|l| l.get(k))
                    .map(String::as_str)
            }
        })
    }
}

/// An allow rule that reopens all traffic of its direction for every pod of
/// the namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenRule {
    /// The rule.
    pub rule: RuleRef,
    /// Why it is considered open.
    pub reason: String,
}

/// How the policies of one namespace isolate it (for audits).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NamespaceIsolation {
    /// The namespace.
    pub namespace: String,
    /// Policies selecting every pod for ingress (sorted).
    pub ingress_all: Vec<PolicyRef>,
    /// Policies selecting every pod for egress (sorted).
    pub egress_all: Vec<PolicyRef>,
    /// Rules of such all-pods policies that allow everything (sorted).
    pub open_rules: Vec<OpenRule>,
}

impl NamespaceIsolation {
    /// Every pod is isolated for ingress.
    pub fn ingress_isolated(&self) -> bool {
        !self.ingress_all.is_empty()
    }
    /// Every pod is isolated for egress.
    pub fn egress_isolated(&self) -> bool {
        !self.egress_all.is_empty()
    }
}

/// Records the rules among `rules` that reopen everything.
fn push_open_rules<'a>(
    policy: &PolicyRef,
    direction: Direction,
    rules: impl Iterator<
        Item = (
            Option<&'a [NetworkPolicyPeer]>,
            Option<&'a [NetworkPolicyPort]>,
        ),
    >,
    out: &mut Vec<OpenRule>,
) {
    for (i, (peers, ports)) in rules.enumerate() {
        if let Some(reason) = open_reason(direction, peers, ports) {
            out.push(OpenRule {
                rule: RuleRef {
                    policy: policy.clone(),
                    direction,
                    rule_index: i,
                },
                reason,
            });
        }
    }
}

/// Audits the policies of `namespace`: which select all of its pods per
/// direction, and which of their rules reopen all traffic (no peers, or a
/// peer that is every pod of every namespace / `0.0.0.0/0` / `::/0` without
/// `except`, and no ports). Policies of other namespaces in `policies` are
/// ignored; a policy without `metadata.namespace` counts as in `namespace`.
pub fn namespace_isolation(namespace: &str, policies: &[NetworkPolicy]) -> NamespaceIsolation {
    let mut out = NamespaceIsolation {
        namespace: namespace.to_string(),
        ..Default::default()
    };
    for policy in policies {
        if policy
            .metadata
            .namespace
            .as_deref()
            .is_some_and(|ns| ns != namespace)
        {
            continue;
        }
        if !all_pods_selected_by(policy) {
            continue;
        }
        let reference = PolicyRef {
            namespace: namespace.to_string(),
            name: policy.metadata.name.clone().unwrap_or_default(),
        };
        let (ingress, egress) = affects(policy);
        let spec = policy.spec.as_ref();
        if ingress {
            out.ingress_all.push(reference.clone());
            let rules = spec.and_then(|s| s.ingress.as_ref()).into_iter().flatten();
            let rules = rules.map(|r| (r.from.as_deref(), r.ports.as_deref()));
            push_open_rules(&reference, Direction::Ingress, rules, &mut out.open_rules);
        }
        if egress {
            out.egress_all.push(reference.clone());
            let rules = spec.and_then(|s| s.egress.as_ref()).into_iter().flatten();
            let rules = rules.map(|r| (r.to.as_deref(), r.ports.as_deref()));
            push_open_rules(&reference, Direction::Egress, rules, &mut out.open_rules);
        }
    }
    out.ingress_all.sort();
    out.egress_all.sort();
    out.open_rules.sort_by(|a, b| a.rule.cmp(&b.rule));
    out
}

fn open_reason(
    direction: Direction,
    peers: Option<&[NetworkPolicyPeer]>,
    ports: Option<&[NetworkPolicyPort]>,
) -> Option<String> {
    if ports.is_some_and(|p| !p.is_empty()) {
        return None;
    }
    let (field, dir_word) = match direction {
        Direction::Ingress => ("from", "from"),
        Direction::Egress => ("to", "to"),
    };
    let peers = match peers {
        None | Some([]) => {
            return Some(format!(
                "{direction} rule has no `{field}` and no `ports`: allows all {direction} traffic for every pod of the namespace"
            ))
        }
        Some(p) => p,
    };
    for peer in peers {
        let open_namespaces = peer.ip_block.is_none()
            && peer
                .namespace_selector
                .as_ref()
                .is_some_and(selector::is_empty)
            && peer.pod_selector.as_ref().is_none_or(selector::is_empty);
        if open_namespaces {
            return Some(format!(
                "{direction} rule allows {dir_word} every pod of every namespace (namespaceSelector: {{}}) on all ports"
            ));
        }
        if let Some(block) = &peer.ip_block {
            if peer.namespace_selector.is_none()
                && peer.pod_selector.is_none()
                && block.except.as_ref().is_none_or(|e| e.is_empty())
            {
                if let Some(c) = Cidr::parse(&block.cidr).filter(Cidr::is_everything) {
                    return Some(format!(
                        "{direction} rule allows {dir_word} every address ({c}) on all ports"
                    ));
                }
            }
        }
    }
    None
}
