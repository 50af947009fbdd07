//! The [`Evaluator`]: compiled policies indexed by namespace, and the
//! allocation-free and explaining answers to "may this connection open?".

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::compile::{CompiledPolicy, CompiledRule, Peer};
use super::{
    Direction, DirectionVerdict, Endpoint, NamespaceInfo, PodInfo, PolicyRef, Protocol, RuleRef,
    Verdict,
};
use crate::selector::Selector;
use crate::NAMESPACE_NAME_LABEL;

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
