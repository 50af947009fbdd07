//! The [`Evaluator`]: compiled policies indexed by namespace, and the
//! allocation-free ([`Evaluator::decide`]) and explaining
//! ([`Evaluator::evaluate`]) answers to "may this connection open?", over
//! the Admin tier of cluster policies, NetworkPolicies, the Baseline tier
//! and CNI policies (whose presence makes an answer unknown).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::cluster::{ClusterAction, ClusterPeer, ClusterPolicy, ClusterPort, Tier};
use super::cni::CniPolicy;
use super::compile::{CompiledPolicy, CompiledRule, Peer};
use super::{
    Cidr, ClusterRuleRef, Decision, Direction, DirectionVerdict, Endpoint, NamespaceInfo, PodInfo,
    PolicyRef, Protocol, RuleRef, Verdict,
};
use crate::selector::Selector;
use crate::NAMESPACE_NAME_LABEL;

/// Whether a rule, peer or block matches: yes, no, or cannot be told (why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Match {
    Yes,
    No,
    Maybe(String),
}

impl Match {
    fn and(self, other: impl FnOnce() -> Match) -> Match {
        match self {
            Match::No => Match::No,
            Match::Yes => other(),
            Match::Maybe(why) => match other() {
                Match::No => Match::No,
                _ => Match::Maybe(why),
            },
        }
    }

    fn any<I: IntoIterator<Item = Match>>(items: I) -> Match {
        let mut maybe = None;
        for m in items {
            match m {
                Match::Yes => return Match::Yes,
                Match::Maybe(why) => {
                    maybe.get_or_insert(why);
                }
                Match::No => {}
            }
        }
        maybe.map_or(Match::No, Match::Maybe)
    }
}

/// A cluster policy compiled for matching.
#[derive(Clone, Debug)]
struct CompiledCluster {
    reference: String,
    tier: Tier,
    priority: i32,
    subject: CPeer,
    ingress: Vec<CRule>,
    egress: Vec<CRule>,
}

#[derive(Clone, Debug)]
struct CRule {
    name: String,
    action: ClusterAction,
    peers: Vec<CPeer>,
    ports: Option<Vec<ClusterPort>>,
}

#[derive(Clone, Debug)]
enum CPeer {
    Namespaces(Selector),
    Pods(Selector, Selector),
    Nodes,
    Networks(Vec<Cidr>),
    DomainNames(Vec<String>),
    Empty,
}

impl CPeer {
    fn compile(p: &ClusterPeer) -> Self {
        match p {
            ClusterPeer::Namespaces(s) => CPeer::Namespaces(Selector::from_label_selector(s)),
            ClusterPeer::Pods { namespaces, pods } => CPeer::Pods(
                Selector::from_label_selector(namespaces),
                Selector::from_label_selector(pods),
            ),
            ClusterPeer::Nodes(_) => CPeer::Nodes,
            ClusterPeer::Networks(n) => match n.iter().map(|c| Cidr::parse_legacy(c)).collect() {
                Some(cidrs) => CPeer::Networks(cidrs),
                None => CPeer::Empty,
            },
            ClusterPeer::DomainNames(d) => CPeer::DomainNames(d.clone()),
            ClusterPeer::Empty => CPeer::Empty,
        }
    }
}

impl CompiledCluster {
    fn compile(p: &ClusterPolicy) -> Self {
        let rules = |rs: &[super::cluster::ClusterRule]| {
            rs.iter()
                .map(|r| CRule {
                    name: r.name.clone(),
                    action: r.action,
                    peers: r.peers.iter().map(CPeer::compile).collect(),
                    ports: r.ports.clone(),
                })
                .collect()
        };
        CompiledCluster {
            reference: p.reference(),
            tier: p.tier,
            priority: p.priority,
            subject: CPeer::compile(&p.subject),
            ingress: rules(&p.ingress),
            egress: rules(&p.egress),
        }
    }

    fn rules(&self, d: Direction) -> &[CRule] {
        match d {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// What a tier decided for one direction.
enum TierOutcome {
    /// No rule of the tier matched (or it passed): the next tier decides.
    Continue { passed: Option<ClusterRuleRef> },
    /// A rule decided.
    Decided(ClusterRuleRef),
    /// Cannot be told (a rule that may match, or same-priority policies
    /// that disagree).
    Unknown(String),
}

/// Evaluates connections against a fixed set of namespaces and policies.
///
/// Policies are compiled and indexed by namespace once, in [`Evaluator::new`];
/// queries do not clone policies. [`Evaluator::decide`] answers without
/// allocating in the common case; [`Evaluator::evaluate`] also reports why.
#[derive(Clone, Debug, Default)]
pub struct Evaluator {
    namespaces: HashMap<String, BTreeMap<String, String>>,
    /// Per namespace, sorted by name.
    policies: HashMap<String, Vec<CompiledPolicy>>,
    /// Cluster policies, by tier, priority and reference.
    cluster: Vec<CompiledCluster>,
    /// CNI policies, with the namespaces they may select (known ones).
    cni: Vec<CniPolicy>,
    cni_by_ns: HashMap<String, Vec<String>>,
    /// The ranges pod IPs are taken from, when known.
    pod_cidrs: Vec<Cidr>,
    /// Policies that exist but could not be read (forbidden, unreadable):
    /// every decision is unknown, naming them.
    unreadable: Vec<String>,
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
            ..Default::default()
        }
    }

    /// Adds the cluster policies (Admin and Baseline tiers).
    pub fn with_cluster_policies(mut self, policies: &[ClusterPolicy]) -> Self {
        self.cluster
            .extend(policies.iter().map(CompiledCluster::compile));
        self.cluster.sort_by(|a, b| {
            (a.tier, a.priority, &a.reference).cmp(&(b.tier, b.priority, &b.reference))
        });
        self
    }

    /// Adds CNI policies: verdicts of the pods they may select are unknown.
    pub fn with_cni_policies(mut self, policies: &[CniPolicy]) -> Self {
        self.cni.extend(policies.iter().cloned());
        self.cni_by_ns.clear();
        for (ns, labels) in &self.namespaces {
            let names: Vec<String> = self
                .cni
                .iter()
                .filter(|p| p.may_select(ns, labels))
                .map(CniPolicy::reference)
                .collect();
            if !names.is_empty() {
                self.cni_by_ns.insert(ns.clone(), names);
            }
        }
        self
    }

    /// Says where pod IPs come from: an `ipBlock` (or a cluster policy's
    /// `networks`) is then judged against a pod of unknown IP by whether it
    /// covers all of these ranges, none of them, or part (unknown).
    pub fn with_pod_cidrs(mut self, cidrs: Vec<Cidr>) -> Self {
        self.pod_cidrs = cidrs;
        self
    }

    /// Says that policies which may decide traffic could not be read (a
    /// forbidden LIST, an object this reader does not understand): every
    /// decision is then unknown, with `reason`.
    pub fn with_unreadable(mut self, reason: impl Into<String>) -> Self {
        self.unreadable.push(reason.into());
        self
    }

    /// What could not be read (see [`Evaluator::with_unreadable`]).
    pub fn unreadable(&self) -> &[String] {
        &self.unreadable
    }

    /// True when cluster policies were given.
    pub fn has_cluster_policies(&self) -> bool {
        !self.cluster.is_empty()
    }

    /// The cluster policies given (`ClusterNetworkPolicy/name`...), in
    /// evaluation order.
    pub fn cluster_policy_names(&self) -> Vec<String> {
        self.cluster.iter().map(|c| c.reference.clone()).collect()
    }

    /// The same evaluator without its cluster policies: what NetworkPolicies
    /// (and CNI policies) alone decide.
    pub fn without_cluster_policies(&self) -> Evaluator {
        Evaluator {
            cluster: Vec::new(),
            ..self.clone()
        }
    }

    /// The CNI policies that may select pods of `namespace`.
    pub fn cni_policies_of(&self, namespace: &str) -> Cow<'_, [String]> {
        if self.cni.is_empty() {
            return Cow::Borrowed(&[]);
        }
        if let Some(names) = self.cni_by_ns.get(namespace) {
            return Cow::Borrowed(names);
        }
        if self.namespaces.contains_key(namespace) {
            return Cow::Borrowed(&[]);
        }
        let labels = BTreeMap::new();
        Cow::Owned(
            self.cni
                .iter()
                .filter(|p| p.may_select(namespace, &labels))
                .map(CniPolicy::reference)
                .collect(),
        )
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

    /// True when `from` may connect to `to`: `decide(..) == Allow`.
    pub fn is_allowed(
        &self,
        from: &Endpoint,
        to: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        self.decide(from, to, port, protocol) == Decision::Allow
    }

    /// The decision on a connection from `from` to `to` on
    /// `port`/`protocol`: the same as `evaluate(..).decision`, without
    /// building the explanation.
    pub fn decide(
        &self,
        from: &Endpoint,
        to: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> Decision {
        let egress = self.direction_decision(Direction::Egress, from, to, to, port, protocol);
        if egress == Decision::Deny {
            return Decision::Deny;
        }
        let ingress = self.direction_decision(Direction::Ingress, to, from, to, port, protocol);
        Decision::both(egress, ingress)
    }

    fn direction_decision(
        &self,
        direction: Direction,
        subject: &Endpoint,
        peer: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> Decision {
        let Endpoint::Pod(pod) = subject else {
            return Decision::Allow;
        };
        if !self.unreadable.is_empty() {
            return Decision::Unknown;
        }
        if !self.cni.is_empty() && !self.cni_policies_of(&pod.namespace).is_empty() {
            return Decision::Unknown;
        }
        if !self.cluster.is_empty() {
            match self.tier(Tier::Admin, direction, pod, peer, dst, port, protocol) {
                TierOutcome::Decided(r) => return r.action.decision(),
                TierOutcome::Unknown(_) => return Decision::Unknown,
                TierOutcome::Continue { .. } => {}
            }
        }
        let mut isolated = false;
        let mut maybe = false;
        for p in self.selecting(pod, direction) {
            isolated = true;
            for r in p.rules(direction) {
                match self.rule_matches(r, &p.reference.namespace, peer, dst, port, protocol) {
                    Match::Yes => return Decision::Allow,
                    Match::Maybe(_) => maybe = true,
                    Match::No => {}
                }
            }
        }
        if isolated {
            return if maybe {
                Decision::Unknown
            } else {
                Decision::Deny
            };
        }
        if !self.cluster.is_empty() {
            match self.tier(Tier::Baseline, direction, pod, peer, dst, port, protocol) {
                TierOutcome::Decided(r) => return r.action.decision(),
                TierOutcome::Unknown(_) => return Decision::Unknown,
                TierOutcome::Continue { .. } => {}
            }
        }
        Decision::Allow
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
        let decision = Decision::both(egress.decision, ingress.decision);
        Verdict {
            allowed: decision == Decision::Allow,
            decision,
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
        let mut endpoint = String::with_capacity(pod.namespace.len() + pod.name.len() + 1);
        endpoint.push_str(&pod.namespace);
        endpoint.push('/');
        endpoint.push_str(&pod.name);
        let mut v = DirectionVerdict::allowed(direction, endpoint, true);
        if !self.unreadable.is_empty() {
            v.decision = Decision::Unknown;
            v.allowed = false;
            v.unknown = Some(self.unreadable.join("; "));
            return v;
        }
        let cni = self.cni_policies_of(&pod.namespace);
        if !cni.is_empty() {
            v.decision = Decision::Unknown;
            v.allowed = false;
            v.unknown = Some(format!(
                "{} select(s) pods of namespace {}; their rules are not evaluated",
                cni.join(", "),
                pod.namespace
            ));
            return v;
        }
        if !self.cluster.is_empty() {
            match self.tier(Tier::Admin, direction, pod, peer, dst, port, protocol) {
                TierOutcome::Decided(r) => {
                    v.decision = r.action.decision();
                    v.allowed = v.decision == Decision::Allow;
                    v.cluster_rule = Some(r);
                    return v;
                }
                TierOutcome::Unknown(why) => {
                    v.decision = Decision::Unknown;
                    v.allowed = false;
                    v.unknown = Some(why);
                    return v;
                }
                TierOutcome::Continue { passed } => v.passed.extend(passed),
            }
        }
        let mut deny_only = 0;
        let mut maybe = None;
        for p in self.selecting(pod, direction) {
            let rules = p.rules(direction);
            if rules.is_empty() {
                // Pure denies first, each group in name order.
                v.isolating_policies.insert(deny_only, p.reference.clone());
                deny_only += 1;
            } else {
                v.isolating_policies.push(p.reference.clone());
            }
            for (i, r) in rules.iter().enumerate() {
                match self.rule_matches(r, &p.reference.namespace, peer, dst, port, protocol) {
                    Match::Yes => v.allowed_by.push(RuleRef {
                        policy: p.reference.clone(),
                        direction,
                        rule_index: i,
                    }),
                    Match::Maybe(why) => {
                        maybe
                            .get_or_insert(format!("{} {direction} rule #{i}: {why}", p.reference));
                    }
                    Match::No => {}
                }
            }
        }
        v.isolated = !v.isolating_policies.is_empty();
        if v.isolated {
            v.decision = if !v.allowed_by.is_empty() {
                Decision::Allow
            } else if let Some(why) = maybe {
                v.unknown = Some(why);
                Decision::Unknown
            } else {
                Decision::Deny
            };
            v.allowed = v.decision == Decision::Allow;
            return v;
        }
        if !self.cluster.is_empty() {
            match self.tier(Tier::Baseline, direction, pod, peer, dst, port, protocol) {
                TierOutcome::Decided(r) => {
                    v.decision = r.action.decision();
                    v.allowed = v.decision == Decision::Allow;
                    v.cluster_rule = Some(r);
                }
                TierOutcome::Unknown(why) => {
                    v.decision = Decision::Unknown;
                    v.allowed = false;
                    v.unknown = Some(why);
                }
                TierOutcome::Continue { passed } => v.passed.extend(passed),
            }
        }
        v
    }

    /// The decision of one tier of cluster policies for `pod` in
    /// `direction`: policies by priority; within a priority, each selecting
    /// policy's first matching rule; policies of one priority that disagree
    /// leave it unknown (the API lets an implementation apply either).
    #[allow(clippy::too_many_arguments)]
    fn tier(
        &self,
        tier: Tier,
        direction: Direction,
        pod: &PodInfo,
        peer: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> TierOutcome {
        let policies: Vec<&CompiledCluster> = self
            .cluster
            .iter()
            .filter(|c| c.tier == tier && self.subject_matches(&c.subject, pod))
            .collect();
        let mut i = 0;
        while i < policies.len() {
            let priority = policies[i].priority;
            let group_end = policies[i..]
                .iter()
                .position(|c| c.priority != priority)
                .map_or(policies.len(), |n| i + n);
            let mut decided: Vec<ClusterRuleRef> = Vec::new();
            for c in &policies[i..group_end] {
                for (index, r) in c.rules(direction).iter().enumerate() {
                    let m = self
                        .cluster_peers_match(r, peer)
                        .and(|| cluster_ports_match(r.ports.as_deref(), dst, port, protocol));
                    match m {
                        Match::No => continue,
                        Match::Maybe(why) => {
                            return TierOutcome::Unknown(format!(
                                "{} ({} tier) {direction} rule #{index} may match: {why}",
                                c.reference,
                                tier.as_str()
                            ))
                        }
                        Match::Yes => {
                            decided.push(ClusterRuleRef {
                                policy: c.reference.clone(),
                                tier,
                                priority: c.priority,
                                direction,
                                rule_index: index,
                                rule_name: r.name.clone(),
                                action: r.action,
                            });
                            break;
                        }
                    }
                }
            }
            if let Some(first) = decided.first() {
                if decided.iter().any(|d| d.action != first.action) {
                    let all: Vec<String> = decided
                        .iter()
                        .map(|d| format!("{} says {}", d.policy, d.action.as_str()))
                        .collect();
                    return TierOutcome::Unknown(format!(
                        "{} tier policies of the same priority {priority} disagree ({}): an implementation may apply either",
                        tier.as_str(),
                        all.join(", ")
                    ));
                }
                let first = first.clone();
                return match first.action {
                    ClusterAction::Pass => TierOutcome::Continue {
                        passed: Some(first),
                    },
                    _ => TierOutcome::Decided(first),
                };
            }
            i = group_end;
        }
        TierOutcome::Continue { passed: None }
    }

    fn subject_matches(&self, subject: &CPeer, pod: &PodInfo) -> bool {
        match subject {
            CPeer::Namespaces(ns) => self.namespace_matches(ns, &pod.namespace),
            CPeer::Pods(ns, pods) => {
                self.namespace_matches(ns, &pod.namespace) && pods.matches(&pod.labels)
            }
            _ => false,
        }
    }

    fn cluster_peers_match(&self, rule: &CRule, ep: &Endpoint) -> Match {
        Match::any(rule.peers.iter().map(|p| match (p, ep) {
            // A peer of an unknown shape fails closed.
            (CPeer::Empty, _) => {
                if rule.action == ClusterAction::Accept {
                    Match::No
                } else {
                    Match::Yes
                }
            }
            (CPeer::Namespaces(ns), Endpoint::Pod(pod)) => {
                bool_match(self.namespace_matches(ns, &pod.namespace))
            }
            (CPeer::Pods(ns, pods), Endpoint::Pod(pod)) => {
                bool_match(self.namespace_matches(ns, &pod.namespace) && pods.matches(&pod.labels))
            }
            (CPeer::Namespaces(_) | CPeer::Pods(..), Endpoint::External(_)) => Match::No,
            (CPeer::Nodes, Endpoint::Pod(_)) => Match::No,
            (CPeer::Nodes, Endpoint::External(ip)) => Match::Maybe(format!(
                "{ip} may be a node address (nodes peers are not resolved)"
            )),
            (CPeer::DomainNames(_), Endpoint::Pod(_)) => Match::No,
            (CPeer::DomainNames(d), Endpoint::External(ip)) => Match::Maybe(format!(
                "{ip} may be an address of {} (domain names are not resolved)",
                d.join(", ")
            )),
            (CPeer::Networks(cidrs), ep) => {
                Match::any(cidrs.iter().map(|c| self.block_matches(c, &[], ep)))
            }
        }))
    }

    /// Whether the address of `ep` is in `cidr` and in no `except` block;
    /// for a pod of unknown IP, judged against the pod ranges when known.
    fn block_matches(&self, cidr: &Cidr, except: &[Cidr], ep: &Endpoint) -> Match {
        if let Some(ip) = ep.ip() {
            return bool_match(ip_in(ip, cidr, except));
        }
        let Endpoint::Pod(pod) = ep else {
            return Match::No;
        };
        if !self.pod_cidrs.is_empty() {
            let covers_all = self
                .pod_cidrs
                .iter()
                .all(|pc| cidr.contains_cidr(pc) && !except.iter().any(|e| overlaps(e, pc)));
            if covers_all {
                return Match::Yes;
            }
            let touches_any = self
                .pod_cidrs
                .iter()
                .any(|pc| overlaps(cidr, pc) && !except.iter().any(|e| e.contains_cidr(pc)));
            if !touches_any {
                return Match::No;
            }
        }
        Match::Maybe(format!(
            "the IP of {}/{} is unknown and {cidr} may cover it (give --pod-ip or --pod-cidr)",
            pod.namespace, pod.name
        ))
    }

    fn rule_matches(
        &self,
        rule: &CompiledRule,
        policy_ns: &str,
        peer: &Endpoint,
        dst: &Endpoint,
        port: u16,
        protocol: Protocol,
    ) -> Match {
        let port_ok = rule
            .ports
            .as_ref()
            .is_none_or(|ports| ports.iter().any(|p| p.matches(port, protocol, dst)));
        if !port_ok {
            return Match::No;
        }
        match &rule.peers {
            None => Match::Yes,
            Some(peers) => Match::any(peers.iter().map(|p| self.peer_matches(p, policy_ns, peer))),
        }
    }

    fn peer_matches(&self, peer: &Peer, policy_ns: &str, ep: &Endpoint) -> Match {
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
                bool_match(ns_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels)))
            }
            (Peer::Pods { .. }, Endpoint::External(_)) => Match::No,
            (Peer::IpBlock { cidr, except }, ep) => self.block_matches(cidr, except, ep),
            (Peer::Nothing, _) => Match::No,
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

fn bool_match(b: bool) -> Match {
    if b {
        Match::Yes
    } else {
        Match::No
    }
}

fn ip_in(ip: IpAddr, cidr: &Cidr, except: &[Cidr]) -> bool {
    cidr.contains(ip) && !except.iter().any(|e| e.contains(ip))
}

fn overlaps(a: &Cidr, b: &Cidr) -> bool {
    a.contains_cidr(b) || b.contains_cidr(a)
}

fn cluster_ports_match(
    ports: Option<&[ClusterPort]>,
    dst: &Endpoint,
    port: u16,
    protocol: Protocol,
) -> Match {
    let Some(ports) = ports else {
        return Match::Yes;
    };
    bool_match(ports.iter().any(|p| {
        match p {
            ClusterPort::Any(proto) => *proto == protocol,
            ClusterPort::Range(proto, lo, hi) => *proto == protocol && (*lo..=*hi).contains(&port),
            ClusterPort::Named(name) => match dst {
                Endpoint::Pod(pod) => pod
                    .ports
                    .iter()
                    .any(|np| np.name == *name && np.protocol == protocol && np.port == port),
                Endpoint::External(_) => false,
            },
        }
    }))
}

impl ClusterAction {
    fn decision(self) -> Decision {
        match self {
            ClusterAction::Accept => Decision::Allow,
            ClusterAction::Deny => Decision::Deny,
            ClusterAction::Pass => Decision::Allow,
        }
    }
}
