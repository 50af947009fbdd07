//! What cluster network policies (Admin and Baseline tiers) do to a
//! namespace, judged by the evaluator on samples: a pod of the namespace
//! (no labels) against a pod of a namespace no policy names (no labels) and,
//! for egress, an address outside the cluster, on a spread of TCP and UDP
//! ports. A direction is isolated by the tiers when every sample is denied;
//! an Admin-tier `Accept` that admits such a sample overrides the
//! namespace's NetworkPolicies.

use super::*;
use crate::netpol::{ClusterAction, ClusterRuleRef, Decision, Tier};

/// A namespace name no policy selects by name (samples' peers live there).
const ELSEWHERE: &str = "ns-policy-audit-elsewhere";
/// An address outside every cluster (TEST-NET-3).
const OUTSIDE: [u8; 4] = [203, 0, 113, 10];
/// Ports tried: common TCP ports, the ends of the range, UDP.
const SAMPLE_PORTS: [(Protocol, u16); 6] = [
    (Protocol::Tcp, 80),
    (Protocol::Tcp, 443),
    (Protocol::Tcp, 8080),
    (Protocol::Tcp, 65535),
    (Protocol::Udp, 53),
    (Protocol::Udp, 65535),
];

/// The tiers' say on one direction of a namespace.
pub(super) enum TierIsolation {
    /// Every sample is denied.
    Isolated,
    /// Some sample cannot be decided; why.
    Unknown(String),
    /// Some sample is allowed.
    Open,
}

/// One sample connection's verdict on the direction at the namespace.
struct Sampled {
    port: u16,
    protocol: Protocol,
    verdict: crate::netpol::DirectionVerdict,
}

fn sample_pod(namespace: &str, name: &str) -> Endpoint {
    Endpoint::Pod(PodInfo {
        namespace: namespace.to_string(),
        name: name.to_string(),
        labels: BTreeMap::new(),
        ip: None,
        ports: Vec::new(),
    })
}

fn samples(evaluator: &Evaluator, ns: &str, direction: Direction) -> Vec<Sampled> {
    let subject = sample_pod(ns, "any-pod");
    let mut peers = vec![sample_pod(ELSEWHERE, "any-pod")];
    if direction == Direction::Egress {
        peers.push(Endpoint::External(OUTSIDE.into()));
    }
    let mut out = Vec::new();
    for peer in &peers {
        for (protocol, port) in SAMPLE_PORTS {
            let verdict = match direction {
                Direction::Ingress => evaluator.evaluate(peer, &subject, port, protocol).ingress,
                Direction::Egress => evaluator.evaluate(&subject, peer, port, protocol).egress,
            };
            out.push(Sampled {
                port,
                protocol,
                verdict,
            });
        }
    }
    out
}

/// The evaluator for the tier checks: the namespace's NetworkPolicies and
/// the cluster policies.
pub(super) fn evaluator(
    ns: &str,
    ns_labels: &BTreeMap<String, String>,
    policies: &[NetworkPolicy],
    cluster: &[crate::netpol::ClusterPolicy],
) -> Evaluator {
    Evaluator::new(
        vec![
            NamespaceInfo::new(ns, ns_labels.clone()),
            NamespaceInfo::new(ELSEWHERE, BTreeMap::new()),
        ],
        policies.to_vec(),
    )
    .with_cluster_policies(cluster)
}

/// Whether the tiers isolate `direction` of namespace `ns` (whose
/// NetworkPolicies do not).
pub(super) fn isolation(evaluator: &Evaluator, ns: &str, direction: Direction) -> TierIsolation {
    let sampled = samples(evaluator, ns, direction);
    if sampled
        .iter()
        .any(|s| s.verdict.decision == Decision::Allow)
    {
        return TierIsolation::Open;
    }
    if let Some(s) = sampled
        .iter()
        .find(|s| s.verdict.decision == Decision::Unknown)
    {
        return TierIsolation::Unknown(format!(
            "{} on {}/{}: {}",
            direction,
            s.protocol,
            s.port,
            s.verdict.explain()
        ));
    }
    TierIsolation::Isolated
}

/// Admin-tier `Accept` rules that admit a sample of `direction`, with the
/// ports they were seen on.
pub(super) fn admin_accepts(
    evaluator: &Evaluator,
    ns: &str,
    direction: Direction,
) -> Vec<(ClusterRuleRef, Vec<String>)> {
    let mut out: Vec<(ClusterRuleRef, Vec<String>)> = Vec::new();
    for s in samples(evaluator, ns, direction) {
        let Some(rule) = &s.verdict.cluster_rule else {
            continue;
        };
        if s.verdict.decision != Decision::Allow
            || rule.tier != Tier::Admin
            || rule.action != ClusterAction::Accept
        {
            continue;
        }
        let port = format!("{}/{}", s.protocol, s.port);
        match out.iter_mut().find(|(r, _)| r == rule) {
            Some((_, ports)) => {
                if !ports.contains(&port) {
                    ports.push(port);
                }
            }
            None => out.push((rule.clone(), vec![port])),
        }
    }
    out
}

impl Ctx<'_, '_> {
    /// Why the network checks of this namespace cannot be decided by the
    /// evaluator: CNI plugin policies select its pods, or policies that may
    /// decide its traffic could not be read.
    pub(super) fn undecidable_network(&self) -> Option<String> {
        let ns = self.ns;
        match &self.snap.cni_policies {
            Access::Known(p) if !p.is_empty() => {
                let names: Vec<String> = p.iter().map(|i| i.object.reference()).collect();
                return Some(format!(
                    "{} select(s) pods of namespace {ns}: CNI plugin policies are not evaluated, so what the namespace's traffic may do cannot be told",
                    names.join(", ")
                ));
            }
            Access::Forbidden(m) => {
                return Some(format!("CNI plugin policies could not be read ({m})"))
            }
            Access::Known(_) => {}
        }
        if let Access::Forbidden(m) = &self.snap.cluster_policies {
            return Some(format!("cluster network policies could not be read ({m})"));
        }
        None
    }

    /// The cluster network policies (all of them: the evaluator tells which
    /// select this namespace).
    pub(super) fn cluster_policies(&self) -> Vec<crate::netpol::ClusterPolicy> {
        self.snap
            .cluster_policies
            .known()
            .map(|all| all.iter().map(|i| i.object.clone()).collect())
            .unwrap_or_default()
    }

    /// `network-policy.cluster-accept`: Admin-tier Accept rules that let any
    /// namespace in (or out) although the profile isolates the direction.
    pub(super) fn cluster_accepts(&mut self, evaluator: &Evaluator, direction: Direction) {
        let ns = self.ns;
        for (rule, ports) in admin_accepts(evaluator, ns, direction) {
            let (from_to, peer) = match direction {
                Direction::Ingress => ("from", "any namespace"),
                Direction::Egress => ("to", "any namespace or address"),
            };
            let source = self
                .snap
                .cluster_policies
                .known()
                .and_then(|all| all.iter().find(|i| i.object.reference() == rule.policy))
                .and_then(|i| i.source.as_ref());
            let name = rule
                .policy
                .split('/')
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let resource = rule
                .policy
                .split('/')
                .next()
                .unwrap_or_default()
                .to_lowercase();
            self.push(
                "network-policy.cluster-accept",
                Severity::Error,
                format!(
                    "{rule} accepts {direction} connections {from_to} {peer} for pods of namespace {ns} (seen on {}): \
                     the Admin tier is decided before NetworkPolicies, so the namespace's default deny does not apply to them",
                    ports.join(", ")
                ),
                format!(
                    "restrict the rule's peers to the namespaces that need it, or make it Pass so that NetworkPolicies decide \
                     (kubectl edit {resource} {name})"
                ),
                Some(rule.policy.clone()),
                source,
            );
        }
    }
}
