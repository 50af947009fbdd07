//! The per-namespace audit: which policies isolate every pod of a namespace
//! and which of their rules reopen all traffic.

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use serde::Serialize;

use super::{affects, all_pods_selected_by, Cidr, Direction, PolicyRef, RuleRef};
use crate::selector;

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
