//! Custom allows of a profile: NetworkPolicy rules written the way
//! NetworkPolicies are (podSelector, ingress `from`, egress `to`, ports),
//! plus two shorthands in peers: `namespaces: [a, b]` (selected by the
//! `kubernetes.io/metadata.name` label the API server sets) and
//! `apiServer: true` (the baseline's `spec.network.apiServer`). Each allow
//! renders as one NetworkPolicy ([`Allow::to_spec`]).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use super::ApiServerSpec;
pub use crate::netpol::Protocol;
use crate::NAMESPACE_NAME_LABEL;

/// One allow policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Allow {
    /// Name of the NetworkPolicy (a DNS-1123 subdomain).
    pub name: String,
    /// What it is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The pods of the namespace it applies to (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<SelectorSpec>,
    /// Incoming traffic it allows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IngressRule>,
    /// Outgoing traffic it allows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<EgressRule>,
}

/// An ingress rule: any of `from` on any of `ports` (empty: everything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressRule {
    /// Sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<Peer>,
    /// Ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
}

/// An egress rule: any of `to` on any of `ports` (empty: everything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EgressRule {
    /// Destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Peer>,
    /// Ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
}

/// A peer: pods selected by namespace and/or pod labels (ANDed), an
/// address block, or the API server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Peer {
    /// Namespaces by name (shorthand for a `kubernetes.io/metadata.name`
    /// namespace selector).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Namespaces by label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<SelectorSpec>,
    /// Pods by label (in the selected namespaces, else in this namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<SelectorSpec>,
    /// Addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
    /// The API server's endpoints (`spec.network.apiServer.cidrs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub api_server: bool,
}

/// A label selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SelectorSpec {
    /// Labels that must equal.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<ExpressionSpec>,
}

/// A set-based selector requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExpressionSpec {
    /// Label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: ExpressionOperator,
    /// Values (`In`/`NotIn` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// Operator of a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpressionOperator {
    /// The label is one of the values.
    In,
    /// The label is absent or none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// An address block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IpBlock {
    /// CIDR (`10.0.0.0/8`, `0.0.0.0/0`, `fd00::/8`).
    pub cidr: String,
    /// CIDRs inside `cidr` that are not allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

/// A port (default protocol TCP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Port {
    /// Number or name of the destination pod's container port; absent:
    /// every port of the protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortValue>,
    /// `TCP` (default), `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// Last port of a range starting at `port` (a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<u16>,
}

/// A port number or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortValue {
    /// A number.
    Number(u16),
    /// A named container port.
    Name(String),
}

impl SelectorSpec {
    /// The k8s-openapi selector.
    pub fn to_label_selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: (!self.match_labels.is_empty()).then(|| self.match_labels.clone()),
            match_expressions: (!self.match_expressions.is_empty()).then(|| {
                self.match_expressions
                    .iter()
                    .map(|r| LabelSelectorRequirement {
                        key: r.key.clone(),
                        operator: format!("{:?}", r.operator),
                        values: (!r.values.is_empty()).then(|| r.values.clone()),
                    })
                    .collect()
            }),
        }
    }
}

/// The selector of namespaces by name: `matchLabels` for one, `In` for
/// several.
pub fn namespaces_selector(names: &[String]) -> LabelSelector {
    match names {
        [one] => LabelSelector {
            match_labels: Some(BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_string(),
                one.clone(),
            )])),
            match_expressions: None,
        },
        many => LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: NAMESPACE_NAME_LABEL.to_string(),
                operator: "In".to_string(),
                values: Some(many.to_vec()),
            }]),
        },
    }
}

impl Peer {
    /// The NetworkPolicy peers of this peer (several for `apiServer: true`:
    /// one address block per CIDR).
    pub fn to_peers(&self, api_server: Option<&ApiServerSpec>) -> Vec<NetworkPolicyPeer> {
        if self.api_server {
            return api_server
                .map(|a| a.cidrs.iter().map(|c| ip_block(c, &[])).collect())
                .unwrap_or_default();
        }
        if let Some(b) = &self.ip_block {
            return vec![ip_block(&b.cidr, &b.except)];
        }
        let namespace_selector = if self.namespaces.is_empty() {
            self.namespace_selector
                .as_ref()
                .map(SelectorSpec::to_label_selector)
        } else {
            Some(namespaces_selector(&self.namespaces))
        };
        vec![NetworkPolicyPeer {
            namespace_selector,
            pod_selector: self
                .pod_selector
                .as_ref()
                .map(SelectorSpec::to_label_selector),
            ip_block: None,
        }]
    }
}

fn ip_block(cidr: &str, except: &[String]) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: cidr.to_string(),
            except: (!except.is_empty()).then(|| except.to_vec()),
        }),
        ..Default::default()
    }
}

impl Port {
    /// The k8s-openapi port (protocol always explicit).
    pub fn to_port(&self) -> NetworkPolicyPort {
        NetworkPolicyPort {
            protocol: Some(self.protocol.unwrap_or(Protocol::Tcp).as_str().to_string()),
            port: self.port.as_ref().map(|p| match p {
                PortValue::Number(n) => IntOrString::Int(i32::from(*n)),
                PortValue::Name(s) => IntOrString::String(s.clone()),
            }),
            end_port: self.end_port.map(i32::from),
        }
    }
}

fn peers(list: &[Peer], api_server: Option<&ApiServerSpec>) -> Option<Vec<NetworkPolicyPeer>> {
    (!list.is_empty()).then(|| list.iter().flat_map(|p| p.to_peers(api_server)).collect())
}

fn ports(list: &[Port]) -> Option<Vec<NetworkPolicyPort>> {
    (!list.is_empty()).then(|| list.iter().map(Port::to_port).collect())
}

impl Allow {
    /// The policy types it affects: `Ingress` with ingress rules, `Egress`
    /// with egress rules.
    pub fn policy_types(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.ingress.is_empty() {
            out.push("Ingress".to_string());
        }
        if !self.egress.is_empty() {
            out.push("Egress".to_string());
        }
        out
    }

    /// The NetworkPolicy spec of this allow.
    pub fn to_spec(&self, api_server: Option<&ApiServerSpec>) -> NetworkPolicySpec {
        NetworkPolicySpec {
            pod_selector: Some(
                self.pod_selector
                    .as_ref()
                    .map(SelectorSpec::to_label_selector)
                    .unwrap_or_default(),
            ),
            policy_types: Some(self.policy_types()),
            ingress: (!self.ingress.is_empty()).then(|| {
                self.ingress
                    .iter()
                    .map(|r| NetworkPolicyIngressRule {
                        from: peers(&r.from, api_server),
                        ports: ports(&r.ports),
                    })
                    .collect()
            }),
            egress: (!self.egress.is_empty()).then(|| {
                self.egress
                    .iter()
                    .map(|r| NetworkPolicyEgressRule {
                        to: peers(&r.to, api_server),
                        ports: ports(&r.ports),
                    })
                    .collect()
            }),
        }
    }
}
