//! The API server's refusals, case by case (the cases of
//! `pkg/apis/{core,networking}/validation` tests and the list).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::{json, Value};

use super::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn lr(
    default: &[(&str, &str)],
    request: &[(&str, &str)],
    max: &[(&str, &str)],
    min: &[(&str, &str)],
    ratio: &[(&str, &str)],
) -> Vec<FieldError> {
    let (d, r, x, n, q) = (map(default), map(request), map(max), map(min), map(ratio));
    limit_range_item(
        0,
        &[
            ("default", &d),
            ("defaultRequest", &r),
            ("max", &x),
            ("min", &n),
            ("maxLimitRequestRatio", &q),
        ],
    )
}

#[test]
fn quota_values_must_be_non_negative_quantities_of_known_resources() {
    assert!(resource_quota_hard(&map(&[
        ("requests.cpu", "4"),
        ("limits.memory", "8Gi"),
        ("pods", "20"),
        ("count/deployments.apps", "10"),
        ("requests.storage", "0"),
        ("requests.nvidia.com/gpu", "2"),
        ("hugepages-2Mi", "1Gi"),
    ]))
    .is_empty());
    let e = resource_quota_hard(&map(&[("requests.cpu", "-1")]));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].field, "spec.hard[requests.cpu]");
    assert!(e[0].to_string().contains("\"-1\""), "{}", e[0]);
    assert!(e[0].detail.contains("greater than or equal to 0"));
    let e = resource_quota_hard(&map(&[("pods", "1500m")]));
    assert!(e[0].detail.contains("integer"), "{e:?}");
    let e = resource_quota_hard(&map(&[("count/deployments.apps", "2.5")]));
    assert!(e[0].detail.contains("integer"), "{e:?}");
    let e = resource_quota_hard(&map(&[("cpus", "1")]));
    assert!(e[0].detail.contains("standard resource"), "{e:?}");
    let e = resource_quota_hard(&map(&[("requests.cpu", "lots")]));
    assert!(e[0].detail.contains("quantity"), "{e:?}");
}

#[test]
fn limit_range_orders_min_request_default_max_as_the_api_server() {
    assert!(lr(
        &[("cpu", "500m")],
        &[("cpu", "100m")],
        &[("cpu", "2")],
        &[("cpu", "10m")],
        &[("cpu", "10")],
    )
    .is_empty());
    // The case: a max below the default.
    let e = lr(
        &[("cpu", "500m")],
        &[("cpu", "100m")],
        &[("cpu", "1m")],
        &[],
        &[],
    );
    let details: Vec<&str> = e.iter().map(|e| e.detail.as_str()).collect();
    assert!(
        details.contains(&"default value 500m is greater than max value 1m"),
        "{details:?}"
    );
    assert!(
        details.contains(&"default request value 100m is greater than max value 1m"),
        "{details:?}"
    );
    let e = lr(&[("memory", "1Gi")], &[("memory", "2Gi")], &[], &[], &[]);
    assert_eq!(
        e[0].detail,
        "default request value 2Gi is greater than default limit value 1Gi"
    );
    assert_eq!(e[0].field, "spec.limits[0].defaultRequest[memory]");
    let e = lr(&[], &[], &[("cpu", "1")], &[("cpu", "2")], &[]);
    assert_eq!(e[0].detail, "min value 2 is greater than max value 1");
    let e = lr(&[("cpu", "1")], &[], &[], &[("cpu", "2")], &[]);
    assert_eq!(e[0].detail, "min value 2 is greater than default value 1");
    let e = lr(&[], &[("cpu", "1")], &[], &[("cpu", "2")], &[]);
    assert_eq!(
        e[0].detail,
        "min value 2 is greater than default request value 1"
    );
}

#[test]
fn limit_range_ratio_is_at_least_one_and_at_most_max_over_min() {
    let e = lr(&[], &[], &[], &[], &[("cpu", "500m")]);
    assert_eq!(e[0].detail, "ratio 500m is less than 1");
    // validation_test.go: max 2Gi, min 512Mi, ratio 10 > 4.
    let e = lr(
        &[],
        &[],
        &[("memory", "2Gi")],
        &[("memory", "512Mi")],
        &[("memory", "10")],
    );
    assert_eq!(e[0].detail, "ratio 10 is greater than max/min = 4.000000");
    assert!(lr(
        &[],
        &[],
        &[("memory", "2Gi")],
        &[("memory", "512Mi")],
        &[("memory", "4")]
    )
    .is_empty());
}

#[test]
fn limit_range_resources_are_container_resources_and_extended_ones_cannot_overcommit() {
    let e = lr(&[("storage", "1Gi")], &[], &[], &[], &[]);
    assert_eq!(e[0].detail, "must be a standard resource for containers");
    assert!(lr(
        &[("nvidia.com/gpu", "1")],
        &[("nvidia.com/gpu", "1")],
        &[],
        &[],
        &[]
    )
    .is_empty());
    let e = lr(
        &[("nvidia.com/gpu", "2")],
        &[("nvidia.com/gpu", "1")],
        &[],
        &[],
        &[],
    );
    assert!(
        e[0].detail.contains("must equal to defaultRequest"),
        "{e:?}"
    );
    let e = lr(
        &[("hugepages-2Mi", "2Mi")],
        &[("hugepages-2Mi", "4Mi")],
        &[],
        &[],
        &[],
    );
    assert!(
        e.iter()
            .any(|e| e.detail.contains("must equal to defaultRequest")),
        "{e:?}"
    );
}

fn policy(spec: Value) -> NetworkPolicy {
    serde_json::from_value(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "p", "namespace": "a"},
        "spec": spec,
    }))
    .expect("a NetworkPolicy")
}

fn refused(spec: Value, field: &str, needle: &str) {
    let errors = network_policy(&policy(spec.clone()));
    assert!(
        errors
            .iter()
            .any(|e| e.field == field && e.to_string().contains(needle)),
        "{spec}: expected {field} ~ {needle:?}, got {errors:#?}"
    );
}

#[test]
fn the_documented_example_policy_is_valid() {
    // kubernetes.io/docs/concepts/services-networking/network-policies
    let p = policy(json!({
        "podSelector": {"matchLabels": {"role": "db"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{
            "from": [
                {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
                {"namespaceSelector": {"matchLabels": {"project": "myproject"}}},
                {"podSelector": {"matchLabels": {"role": "frontend"}}}
            ],
            "ports": [{"protocol": "TCP", "port": 6379}]
        }],
        "egress": [{
            "to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}],
            "ports": [{"protocol": "TCP", "port": 32000, "endPort": 32768}, {"port": "dns"}]
        }]
    }));
    assert_eq!(network_policy(&p), Vec::<FieldError>::new());
    // Legacy CIDR forms the 1.33 server accepts: host bits, leading zeros.
    let p = policy(
        json!({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.1/8"}}, {"ipBlock": {"cidr": "010.1.0.0/16"}}]}]}),
    );
    assert_eq!(network_policy(&p), Vec::<FieldError>::new());
}

#[test]
fn cidrs_the_api_server_refuses_are_refused() {
    let block = |cidr: &str| json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": cidr}}]}]});
    refused(
        block("300.1.2.3/40"),
        "spec.ingress[0].from[0].ipBlock.cidr",
        "300.1.2.3/40",
    );
    refused(
        block("fd00::/129"),
        "spec.ingress[0].from[0].ipBlock.cidr",
        "valid CIDR",
    );
    refused(
        block("10.0.0.0"),
        "spec.ingress[0].from[0].ipBlock.cidr",
        "valid CIDR",
    );
    refused(
        block(""),
        "spec.ingress[0].from[0].ipBlock.cidr",
        "Required",
    );
    let except = |e: &str| json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": [e]}}]}]});
    refused(
        except("192.168.0.0/24"),
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "strict subset",
    );
    refused(
        except("10.0.0.0/16"),
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "strict subset",
    );
    refused(
        except("10.0.0.0/8"),
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "strict subset",
    );
    refused(
        except("10.0.0.0/33"),
        "spec.ingress[0].from[0].ipBlock.except[0]",
        "valid CIDR",
    );
}

#[test]
fn ports_protocols_and_ranges_the_api_server_refuses_are_refused() {
    let port = |p: Value| json!({"podSelector": {}, "ingress": [{"ports": [p]}]});
    refused(
        port(json!({"port": 0})),
        "spec.ingress[0].ports[0].port",
        "between 1 and 65535",
    );
    refused(
        port(json!({"port": 70000})),
        "spec.ingress[0].ports[0].port",
        "70000",
    );
    refused(
        port(json!({"port": 80, "endPort": 79})),
        "spec.ingress[0].ports[0].endPort",
        "greater than or equal to `port`",
    );
    refused(
        port(json!({"port": 80, "endPort": 70000})),
        "spec.ingress[0].ports[0].endPort",
        "between 1 and 65535",
    );
    refused(
        port(json!({"port": "http", "endPort": 90})),
        "spec.ingress[0].ports[0].endPort",
        "non-numeric",
    );
    refused(
        port(json!({"endPort": 90})),
        "spec.ingress[0].ports[0].endPort",
        "not specified",
    );
    refused(
        port(json!({"protocol": "ICMP", "port": 80})),
        "spec.ingress[0].ports[0].protocol",
        "ICMP",
    );
    refused(
        port(json!({"protocol": "tcp", "port": 80})),
        "spec.ingress[0].ports[0].protocol",
        "Unsupported",
    );
    refused(
        port(json!({"port": "Not_A_Name"})),
        "spec.ingress[0].ports[0].port",
        "port name",
    );
    refused(
        port(json!({"port": "verylongportname1"})),
        "spec.ingress[0].ports[0].port",
        "port name",
    );
}

#[test]
fn policy_types_peers_and_selectors_the_api_server_refuses_are_refused() {
    refused(
        json!({"podSelector": {}, "policyTypes": ["Ingress", "Sideways"]}),
        "spec.policyTypes[1]",
        "Sideways",
    );
    refused(
        json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress", "Ingress"]}),
        "spec.policyTypes",
        "more than two",
    );
    refused(
        json!({"podSelector": {}, "egress": [{"to": [{}]}]}),
        "spec.egress[0].to[0]",
        "must specify a peer",
    );
    refused(
        json!({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]}),
        "spec.egress[0].to[0]",
        "both ipBlock and another peer",
    );
    refused(
        json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "Matches", "values": ["x"]}]}}),
        "spec.podSelector.matchExpressions[0].operator",
        "not a valid selector operator",
    );
    refused(
        json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}}),
        "spec.podSelector.matchExpressions[0].values",
        "must be specified",
    );
    refused(
        json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]}}),
        "spec.podSelector.matchExpressions[0].values",
        "may not be specified",
    );
    refused(
        json!({"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"bad key": "x"}}}]}]}),
        "spec.ingress[0].from[0].namespaceSelector.matchLabels",
        "bad key",
    );
}

#[test]
fn a_policy_needs_a_dns_subdomain_name() {
    let mut p = policy(json!({"podSelector": {}}));
    p.metadata.name = Some("Not_Valid".into());
    assert_eq!(network_policy(&p)[0].field, "metadata.name");
    p.metadata.name = None;
    assert!(network_policy(&p)[0].detail.contains("Required"));
}
