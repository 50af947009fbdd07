//! The NetworkPolicies of a bundle: the default deny of the profile's
//! isolated directions, the built-in allows (DNS, same namespace, ingress
//! controller, API server) and the profile's own allows.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Ctx;
use crate::baseline::allow::namespaces_selector;
use crate::baseline::{Allow, PolicyType};
use crate::reserved;

fn selector(labels: &BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: (!labels.is_empty()).then(|| labels.clone()),
        match_expressions: None,
    }
}

fn port(protocol: &str, port: u16) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some(protocol.to_string()),
        port: Some(IntOrString::Int(i32::from(port))),
        end_port: None,
    }
}

fn policy(c: &Ctx<'_>, name: &str, types: &[PolicyType], spec: NetworkPolicySpec) -> NetworkPolicy {
    NetworkPolicy {
        metadata: c.meta(name),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(types.iter().map(|t| t.as_str().to_string()).collect()),
            ..spec
        }),
    }
}

/// Every NetworkPolicy of the namespace.
pub(super) fn policies(c: &Ctx<'_>, allows: &[Allow]) -> Vec<NetworkPolicy> {
    let net = &c.profile.network;
    let baseline_net = &c.baseline.spec.network;
    let ingress = net.isolates(PolicyType::Ingress);
    let egress = net.isolates(PolicyType::Egress);
    let mut out = Vec::new();
    if net.allow_dns && egress {
        let dns = &baseline_net.dns;
        let ports = dns
            .ports
            .iter()
            .flat_map(|p| [port("UDP", *p), port("TCP", *p)])
            .collect();
        out.push(policy(
            c,
            reserved::ALLOW_DNS,
            &[PolicyType::Egress],
            NetworkPolicySpec {
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(namespaces_selector(std::slice::from_ref(
                            &dns.namespace,
                        ))),
                        pod_selector: Some(selector(&dns.pod_selector)),
                        ip_block: None,
                    }]),
                    ports: Some(ports),
                }]),
                ..Default::default()
            },
        ));
    }
    if net.allow_same_namespace && (ingress || egress) {
        let same = || {
            Some(vec![NetworkPolicyPeer {
                pod_selector: Some(LabelSelector::default()),
                ..Default::default()
            }])
        };
        let types: Vec<PolicyType> = net.isolation.clone();
        out.push(policy(
            c,
            reserved::ALLOW_SAME_NAMESPACE,
            &types,
            NetworkPolicySpec {
                ingress: ingress.then(|| {
                    vec![NetworkPolicyIngressRule {
                        from: same(),
                        ports: None,
                    }]
                }),
                egress: egress.then(|| {
                    vec![NetworkPolicyEgressRule {
                        to: same(),
                        ports: None,
                    }]
                }),
                ..Default::default()
            },
        ));
    }
    if net.allow_ingress_controller && ingress {
        let ic = &baseline_net.ingress_controller;
        out.push(policy(
            c,
            reserved::ALLOW_INGRESS_CONTROLLER,
            &[PolicyType::Ingress],
            NetworkPolicySpec {
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(namespaces_selector(std::slice::from_ref(
                            &ic.namespace,
                        ))),
                        pod_selector: (!ic.pod_selector.is_empty())
                            .then(|| selector(&ic.pod_selector)),
                        ip_block: None,
                    }]),
                    ports: (!ic.ports.is_empty())
                        .then(|| ic.ports.iter().map(|p| port("TCP", *p)).collect()),
                }]),
                ..Default::default()
            },
        ));
    }
    if let (true, Some(api)) = (net.allow_api_server, &baseline_net.api_server) {
        let api_allow = Allow {
            name: reserved::ALLOW_API_SERVER.to_string(),
            description: String::new(),
            pod_selector: None,
            ingress: Vec::new(),
            egress: vec![crate::baseline::EgressRule {
                to: vec![crate::baseline::Peer {
                    api_server: true,
                    ..Default::default()
                }],
                ports: api
                    .ports
                    .iter()
                    .map(|p| crate::baseline::Port {
                        port: Some(crate::baseline::PortValue::Number(*p)),
                        protocol: None,
                        end_port: None,
                    })
                    .collect(),
            }],
        };
        out.push(NetworkPolicy {
            metadata: c.meta(reserved::ALLOW_API_SERVER),
            spec: Some(api_allow.to_spec(Some(api))),
        });
    }
    for allow in allows {
        out.push(NetworkPolicy {
            metadata: c.meta(&allow.name),
            spec: Some(allow.to_spec(baseline_net.api_server.as_ref())),
        });
    }
    if !net.isolation.is_empty() {
        out.push(policy(
            c,
            reserved::DEFAULT_DENY,
            &net.isolation,
            NetworkPolicySpec::default(),
        ));
    }
    out
}
