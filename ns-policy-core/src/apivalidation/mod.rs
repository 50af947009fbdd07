//! The API server's validation of the objects this crate writes or judges,
//! as pure functions: ResourceQuota `spec.hard`, a LimitRange item, and a
//! NetworkPolicy. Each returns every problem as a [`FieldError`] naming the
//! field path, the value and why, in the API server's words — so a value
//! the server would refuse is refused before anything is written (`create`,
//! `--set`), reported (`audit -f`) or never silently predicted with
//! (`probe -f`).
//!
//! Sources: `pkg/apis/core/validation` (`ValidateResourceQuotaSpec`,
//! `ValidateLimitRange`, `validateContainerResourceName`) and
//! `pkg/apis/networking/validation` (`ValidateNetworkPolicy`) of Kubernetes
//! 1.33, with the default (non-strict) CIDR parsing of that release.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::netpol::Cidr;
use crate::quantity::Quantity;

/// One problem the API server would report (`field.Invalid` and friends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path, as the server writes it (`spec.limits[0].max[cpu]`).
    pub field: String,
    /// The offending value (empty for a missing one).
    pub value: String,
    /// What is wrong.
    pub detail: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}: {}", self.field, self.detail)
        } else {
            write!(
                f,
                "{}: Invalid value: {:?}: {}",
                self.field, self.value, self.detail
            )
        }
    }
}

fn err(
    field: impl Into<String>,
    value: impl Into<String>,
    detail: impl Into<String>,
) -> FieldError {
    FieldError {
        field: field.into(),
        value: value.into(),
        detail: detail.into(),
    }
}

/// Quota resources the API server knows without a `/` (`IsStandardQuotaResourceName`).
const STANDARD_QUOTA: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// Quota resources counted in whole numbers (`IsIntegerResourceName`, plus
/// every extended resource such as `count/deployments.apps`).
const INTEGER_QUOTA: &[&str] = &[
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// `IsQualifiedName`: an optional DNS subdomain prefix and `/`, then 1-63
/// alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric.
fn qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if p.is_empty() || crate::names::validate_subdomain(p).is_err() {
            return Err("prefix part must be a lowercase RFC 1123 subdomain".into());
        }
    }
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)".into())
    }
}

/// `IsNativeResource`: no `/`, or in the `kubernetes.io/` domain.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `IsExtendedResourceName`: not native, not `requests.`-prefixed, and a
/// qualified name once prefixed with `requests.`.
fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && qualified_name(&format!("requests.{name}")).is_ok()
}

/// The `spec.hard` of a ResourceQuota, as `ValidateResourceQuotaSpec`
/// checks it: known or qualified resource names, quantities, never
/// negative, whole numbers for counted resources.
pub fn resource_quota_hard(hard: &BTreeMap<String, String>) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (name, value) in hard {
        let field = format!("spec.hard[{name}]");
        if let Err(e) = qualified_name(name) {
            out.push(err(&field, name, e));
            continue;
        }
        let is_quota_hugepages =
            name.starts_with("hugepages-") || name.starts_with("requests.hugepages-");
        if !name.contains('/') && !STANDARD_QUOTA.contains(&name.as_str()) && !is_quota_hugepages {
            out.push(err(
                &field,
                name,
                "must be a standard resource type or fully qualified",
            ));
            continue;
        }
        let q = match Quantity::parse(value) {
            Ok(q) => q,
            Err(e) => {
                out.push(err(&field, value, e.to_string()));
                continue;
            }
        };
        if q.is_negative() {
            out.push(err(&field, value, "must be greater than or equal to 0"));
        }
        if (INTEGER_QUOTA.contains(&name.as_str()) || is_extended(name)) && !q.is_whole() {
            out.push(err(&field, value, "must be an integer"));
        }
    }
    out
}

/// The sections of a Container LimitRange item, by field name
/// (`default`, `defaultRequest`, `max`, `min`, `maxLimitRequestRatio`).
pub type LimitRangeFields<'a> = [(&'static str, &'a BTreeMap<String, String>); 5];

/// One `Container` item of a LimitRange, as `ValidateLimitRange` checks
/// it: container resource names, quantities, and for every resource
/// min <= defaultRequest <= default <= max, a ratio of at least 1 and at
/// most max/min, and default = defaultRequest for resources that cannot be
/// overcommitted (hugepages, extended resources). `index` is the item's
/// position in `spec.limits`.
pub fn limit_range_item(index: usize, fields: &LimitRangeFields<'_>) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut parsed: BTreeMap<(&str, &str), Quantity> = BTreeMap::new();
    let mut resources: BTreeSet<&str> = BTreeSet::new();
    for (field, map) in fields {
        for (name, value) in map.iter() {
            let path = format!("spec.limits[{index}].{field}[{name}]");
            if let Err(e) = container_resource_name(name) {
                out.push(err(&path, name, e));
                continue;
            }
            match Quantity::parse(value) {
                Ok(q) => {
                    parsed.insert((field, name.as_str()), q);
                    resources.insert(name.as_str());
                }
                Err(e) => out.push(err(&path, value, e.to_string())),
            }
        }
    }
    for r in resources {
        let get = |f: &'static str| parsed.get(&(f, r));
        let path = |f: &str| format!("spec.limits[{index}].{f}[{r}]");
        let (min, max, default, request, ratio) = (
            get("min"),
            get("max"),
            get("default"),
            get("defaultRequest"),
            get("maxLimitRequestRatio"),
        );
        // The server's order checks: (greater, its words, smaller, its
        // words, the field blamed, whether the value shown is the greater).
        const ORDER: [(&str, &str, &str, &str, &str, bool); 6] = [
            ("min", "min value", "max", "max value", "min", true),
            (
                "min",
                "min value",
                "defaultRequest",
                "default request value",
                "defaultRequest",
                false,
            ),
            (
                "defaultRequest",
                "default request value",
                "max",
                "max value",
                "defaultRequest",
                true,
            ),
            (
                "defaultRequest",
                "default request value",
                "default",
                "default limit value",
                "defaultRequest",
                true,
            ),
            (
                "min",
                "min value",
                "default",
                "default value",
                "default",
                true,
            ),
            (
                "default",
                "default value",
                "max",
                "max value",
                "default",
                false,
            ),
        ];
        for (a, a_words, b, b_words, blamed, show_a) in ORDER {
            if let (Some(x), Some(y)) = (get(a), get(b)) {
                if x > y {
                    out.push(err(
                        path(blamed),
                        if show_a { x.text() } else { y.text() },
                        format!(
                            "{a_words} {} is greater than {b_words} {}",
                            x.text(),
                            y.text()
                        ),
                    ));
                }
            }
        }
        if let Some(ratio) = ratio {
            let one = Quantity::from_units(1);
            if *ratio < one {
                out.push(err(
                    path("maxLimitRequestRatio"),
                    ratio.text(),
                    format!("ratio {} is less than 1", ratio.text()),
                ));
            }
            if let (Some(min), Some(max)) = (min, max) {
                // max/min, compared exactly (the server compares milli-values
                // as floats; a ratio above it can never be met).
                if let Some(limit) = max.ratio_to(min) {
                    if ratio.as_f64() > limit {
                        out.push(err(
                            path("maxLimitRequestRatio"),
                            ratio.text(),
                            format!(
                                "ratio {} is greater than max/min = {limit:.6}",
                                ratio.text()
                            ),
                        ));
                    }
                }
            }
        }
        let overcommit = is_native(r) && !is_hugepages(r);
        if let (Some(default), Some(request)) = (default, request) {
            if !overcommit && default != request {
                out.push(err(
                    path("defaultRequest"),
                    request.text(),
                    format!(
                        "default value {} must equal to defaultRequest value {} in {r}",
                        default.text(),
                        request.text()
                    ),
                ));
            }
        }
    }
    out
}

/// `validateContainerResourceName`.
fn container_resource_name(name: &str) -> Result<(), String> {
    qualified_name(name)?;
    if !name.contains('/') {
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !is_hugepages(name) {
            return Err("must be a standard resource for containers".into());
        }
    } else if !is_native(name) && !is_extended(name) {
        return Err("doesn't follow extended resource name standard".into());
    }
    Ok(())
}

/// A NetworkPolicy as `ValidateNetworkPolicy` checks it on create: its
/// name, selectors (operators, keys, values), ports (protocol, number or
/// name, `endPort`), peers (at least one kind, `ipBlock` alone, CIDRs and
/// `except` strictly inside them) and `policyTypes`.
pub fn network_policy(np: &NetworkPolicy) -> Vec<FieldError> {
    let mut out = Vec::new();
    match np.metadata.name.as_deref() {
        None | Some("") => out.push(err(
            "metadata.name",
            "",
            "Required value: name or generateName is required",
        )),
        Some(n) => {
            if let Err(e) = crate::names::validate_subdomain(n) {
                out.push(err("metadata.name", n, e.to_string()));
            }
        }
    }
    let Some(spec) = &np.spec else {
        return out;
    };
    if let Some(sel) = &spec.pod_selector {
        label_selector(sel, "spec.podSelector", &mut out);
    }
    for (i, rule) in spec.ingress.iter().flatten().enumerate() {
        let at = format!("spec.ingress[{i}]");
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            policy_port(port, &format!("{at}.ports[{j}]"), &mut out);
        }
        for (j, peer) in rule.from.iter().flatten().enumerate() {
            policy_peer(peer, &format!("{at}.from[{j}]"), &mut out);
        }
    }
    for (i, rule) in spec.egress.iter().flatten().enumerate() {
        let at = format!("spec.egress[{i}]");
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            policy_port(port, &format!("{at}.ports[{j}]"), &mut out);
        }
        for (j, peer) in rule.to.iter().flatten().enumerate() {
            policy_peer(peer, &format!("{at}.to[{j}]"), &mut out);
        }
    }
    if let Some(types) = &spec.policy_types {
        if types.len() > 2 {
            out.push(err(
                "spec.policyTypes",
                types.join(","),
                "may not specify more than two policyTypes",
            ));
        } else {
            for (i, t) in types.iter().enumerate() {
                if t != "Ingress" && t != "Egress" {
                    out.push(err(
                        format!("spec.policyTypes[{i}]"),
                        t,
                        "Unsupported value: supported values: \"Ingress\", \"Egress\"",
                    ));
                }
            }
        }
    }
    out
}

fn policy_port(port: &NetworkPolicyPort, at: &str, out: &mut Vec<FieldError>) {
    if let Some(p) = &port.protocol {
        if !matches!(p.as_str(), "TCP" | "UDP" | "SCTP") {
            out.push(err(
                format!("{at}.protocol"),
                p,
                "Unsupported value: supported values: \"TCP\", \"UDP\", \"SCTP\"",
            ));
        }
    }
    match &port.port {
        Some(IntOrString::Int(n)) => {
            if !(1..=65535).contains(n) {
                out.push(err(
                    format!("{at}.port"),
                    n.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
            if let Some(end) = port.end_port {
                if end < *n {
                    out.push(err(
                        format!("{at}.endPort"),
                        end.to_string(),
                        "must be greater than or equal to `port`",
                    ));
                }
                if !(1..=65535).contains(&end) {
                    out.push(err(
                        format!("{at}.endPort"),
                        end.to_string(),
                        "must be between 1 and 65535, inclusive",
                    ));
                }
            }
        }
        Some(IntOrString::String(name)) => {
            if let Some(end) = port.end_port {
                out.push(err(
                    format!("{at}.endPort"),
                    end.to_string(),
                    "may not be specified when `port` is non-numeric",
                ));
            }
            if let Err(e) = crate::names::validate_port_name(name) {
                out.push(err(format!("{at}.port"), name, e.to_string()));
            }
        }
        None => {
            if let Some(end) = port.end_port {
                out.push(err(
                    format!("{at}.endPort"),
                    end.to_string(),
                    "may not be specified when `port` is not specified",
                ));
            }
        }
    }
}

fn policy_peer(peer: &NetworkPolicyPeer, at: &str, out: &mut Vec<FieldError>) {
    let mut kinds = 0;
    if let Some(s) = &peer.pod_selector {
        kinds += 1;
        label_selector(s, &format!("{at}.podSelector"), out);
    }
    if let Some(s) = &peer.namespace_selector {
        kinds += 1;
        label_selector(s, &format!("{at}.namespaceSelector"), out);
    }
    if let Some(b) = &peer.ip_block {
        kinds += 1;
        ip_block(b, &format!("{at}.ipBlock"), out);
    }
    if kinds == 0 {
        out.push(err(at, "", "Required value: must specify a peer"));
    } else if kinds > 1 && peer.ip_block.is_some() {
        out.push(err(
            at,
            "",
            "Forbidden: may not specify both ipBlock and another peer",
        ));
    }
}

fn ip_block(b: &IPBlock, at: &str, out: &mut Vec<FieldError>) {
    if b.cidr.is_empty() {
        out.push(err(format!("{at}.cidr"), "", "Required value"));
        return;
    }
    let Some(cidr) = Cidr::parse_legacy(&b.cidr) else {
        out.push(err(
            format!("{at}.cidr"),
            &b.cidr,
            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ));
        return;
    };
    for (i, e) in b.except.iter().flatten().enumerate() {
        let path = format!("{at}.except[{i}]");
        match Cidr::parse_legacy(e) {
            None => out.push(err(
                &path,
                e,
                "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            )),
            Some(ex) => {
                if !cidr.contains(ex.network()) || cidr.prefix() >= ex.prefix() {
                    out.push(err(&path, e, "must be a strict subset of `cidr`"));
                }
            }
        }
    }
}

/// `ValidateLabelSelector` (values must be valid label values).
fn label_selector(s: &LabelSelector, at: &str, out: &mut Vec<FieldError>) {
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let path = format!("{at}.matchExpressions[{i}]");
        match r.operator.as_str() {
            "In" | "NotIn" => {
                if r.values.as_ref().is_none_or(Vec::is_empty) {
                    out.push(err(
                        format!("{path}.values"),
                        "",
                        "Required value: must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if r.values.as_ref().is_some_and(|v| !v.is_empty()) {
                    out.push(err(
                        format!("{path}.values"),
                        "",
                        "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => out.push(err(
                format!("{path}.operator"),
                other,
                "not a valid selector operator",
            )),
        }
        if let Err(e) = crate::names::validate_label_key(&r.key) {
            out.push(err(format!("{path}.key"), &r.key, e.to_string()));
        }
        for (j, v) in r.values.iter().flatten().enumerate() {
            if let Err(e) = crate::names::validate_label_value(v) {
                out.push(err(format!("{path}.values[{j}]"), v, e.to_string()));
            }
        }
    }
    for (k, v) in s.match_labels.iter().flatten() {
        if let Err(e) = crate::names::validate_label_key(k) {
            out.push(err(format!("{at}.matchLabels"), k, e.to_string()));
        }
        if let Err(e) = crate::names::validate_label_value(v) {
            out.push(err(format!("{at}.matchLabels"), v, e.to_string()));
        }
    }
}

#[cfg(test)]
mod tests;
