//! The compiled form of a NetworkPolicy that the [`Evaluator`](super::Evaluator)
//! matches against: ports, peers and rules with their selectors and CIDRs
//! parsed once, invalid parts turned into matches-nothing.

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{affects, Cidr, Direction, Endpoint, PodInfo, PolicyRef, Protocol};
use crate::selector::Selector;

#[derive(Clone, Debug)]
enum PortMatch {
    Any,
    Range(u16, u16),
    Named(String),
    Nothing,
}

#[derive(Clone, Debug)]
pub(super) struct PortSpec {
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
    pub(super) fn matches(&self, port: u16, protocol: Protocol, dst: &Endpoint) -> bool {
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
pub(super) enum Peer {
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
pub(super) struct CompiledRule {
    /// `None`: all peers.
    pub(super) peers: Option<Vec<Peer>>,
    /// `None`: all ports.
    pub(super) ports: Option<Vec<PortSpec>>,
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
pub(super) struct CompiledPolicy {
    pub(super) reference: PolicyRef,
    pod_selector: Selector,
    affects_ingress: bool,
    affects_egress: bool,
    ingress: Vec<CompiledRule>,
    egress: Vec<CompiledRule>,
}

impl CompiledPolicy {
    pub(super) fn compile(policy: &NetworkPolicy) -> Self {
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

    pub(super) fn applies(&self, direction: Direction, pod: &PodInfo) -> bool {
        let affects = match direction {
            Direction::Ingress => self.affects_ingress,
            Direction::Egress => self.affects_egress,
        };
        affects && self.pod_selector.matches(&pod.labels)
    }

    pub(super) fn rules(&self, direction: Direction) -> &[CompiledRule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}
