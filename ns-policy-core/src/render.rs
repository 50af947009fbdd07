//! Rendering of a namespace's bundle (Namespace, ServiceAccount, LimitRange,
//! ResourceQuota, Role, RoleBinding, NetworkPolicies) from the baseline.
//! Pure: no I/O, deterministic for the same input.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
    ServiceAccount,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::baseline::{Baseline, Profile};
use crate::error::{Error, Result};
use crate::inventory::Kind;

/// Names of the objects of a bundle.
pub mod names {
    /// ResourceQuota.
    pub const QUOTA: &str = "ns-policy-quota";
    /// LimitRange.
    pub const LIMIT_RANGE: &str = "ns-policy-limits";
    /// Default-deny NetworkPolicy.
    pub const DEFAULT_DENY: &str = "default-deny";
    /// DNS egress NetworkPolicy.
    pub const ALLOW_DNS: &str = "allow-dns";
    /// Same-namespace NetworkPolicy.
    pub const ALLOW_SAME_NAMESPACE: &str = "allow-same-namespace";
    /// Ingress-controller NetworkPolicy.
    pub const ALLOW_INGRESS_CONTROLLER: &str = "allow-ingress-controller";
    /// The namespace's default ServiceAccount.
    pub const SERVICE_ACCOUNT: &str = "default";
}

/// PSA label prefix.
pub const PSA_PREFIX: &str = "pod-security.kubernetes.io/";

/// One object of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// The namespace itself.
    Namespace(Namespace),
    /// Its default ServiceAccount.
    ServiceAccount(ServiceAccount),
    /// Container limits.
    LimitRange(LimitRange),
    /// Quota.
    ResourceQuota(ResourceQuota),
    /// Team role.
    Role(Role),
    /// Team role binding.
    RoleBinding(RoleBinding),
    /// A NetworkPolicy.
    NetworkPolicy(NetworkPolicy),
}

impl Object {
    /// Its entry in the kinds table.
    pub fn kind_id(&self) -> Kind {
        match self {
            Object::Namespace(_) => Kind::Namespace,
            Object::ServiceAccount(_) => Kind::ServiceAccount,
            Object::LimitRange(_) => Kind::LimitRange,
            Object::ResourceQuota(_) => Kind::ResourceQuota,
            Object::Role(_) => Kind::Role,
            Object::RoleBinding(_) => Kind::RoleBinding,
            Object::NetworkPolicy(_) => Kind::NetworkPolicy,
        }
    }

    /// Kind (`NetworkPolicy`).
    pub fn kind(&self) -> &'static str {
        self.kind_id().name()
    }

    /// Metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::LimitRange(o) => &o.metadata,
            Object::ResourceQuota(o) => &o.metadata,
            Object::Role(o) => &o.metadata,
            Object::RoleBinding(o) => &o.metadata,
            Object::NetworkPolicy(o) => &o.metadata,
        }
    }

    /// Name.
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    /// Resource name as kubectl prints it (`networkpolicies.networking.k8s.io`).
    pub fn resource(&self) -> String {
        self.kind_id().resource()
    }

    /// The object as JSON (with apiVersion and kind).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Apply wave: objects of one wave are independent and may be applied
    /// concurrently; waves go in order (Namespace first; allow policies and
    /// limits before the default deny and the quota, so an existing namespace
    /// never loses DNS or gets pods rejected in between).
    pub fn wave(&self) -> u8 {
        match self {
            Object::Namespace(_) => 0,
            Object::ServiceAccount(_) | Object::LimitRange(_) | Object::Role(_) => 1,
            Object::NetworkPolicy(np)
                if np.metadata.name.as_deref() != Some(names::DEFAULT_DENY) =>
            {
                1
            }
            _ => 2,
        }
    }
}

/// Everything a namespace gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// Namespace name.
    pub namespace: String,
    /// Profile name.
    pub profile: String,
    /// Objects in apply order.
    pub objects: Vec<Object>,
}

/// What to render for one namespace.
#[derive(Debug, Clone)]
pub struct NamespaceSpec {
    /// Name (validated by the caller or by [`render`]).
    pub name: String,
    /// Profile name.
    pub profile: String,
    /// Labels: at least the baseline's required labels.
    pub labels: BTreeMap<String, String>,
    /// Creation time (preview TTL).
    pub created_at: Option<DateTime<Utc>>,
    /// Expiry time (preview TTL).
    pub expires_at: Option<DateTime<Utc>>,
}

/// What the user asked for one namespace, before labels and TTL are resolved.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Namespace name.
    pub name: &'a str,
    /// `--profile`.
    pub profile: Option<&'a str>,
    /// `--label k=v`.
    pub labels: &'a BTreeMap<String, String>,
    /// `--ttl` when given explicitly.
    pub ttl: Option<std::time::Duration>,
    /// The namespace as it exists in the cluster, if it does.
    pub existing: Option<&'a Namespace>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A resolved namespace spec and the required labels still missing (to be
/// asked for on a TTY, else an error naming `--label`).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The spec (labels may lack the `missing` ones).
    pub spec: NamespaceSpec,
    /// Required labels without a value.
    pub missing: Vec<String>,
}

/// Resolves profile, labels and TTL of a namespace.
///
/// Profile: `--profile`, else the existing namespace's `ns-policy.io/profile`
/// label, else the baseline's name rules. Labels: `--label` wins over the
/// existing namespace's labels, which win over the inferred `env`. TTL: an
/// explicit `--ttl` sets a new expiry from now; otherwise an existing
/// namespace keeps its created-at/expires-at, and a new namespace of a
/// profile with a TTL gets the profile's.
pub fn resolve(baseline: &Baseline, req: &Request<'_>) -> Result<Resolved> {
    crate::names::validate_namespace_name(req.name)?;
    if crate::baseline::SYSTEM_NAMESPACES.contains(&req.name) {
        // A default deny in kube-system cuts the cluster's own traffic.
        return Err(Error::InvalidInput(format!(
            "refusing to apply the baseline to system namespace {:?} (system namespaces: {})",
            req.name,
            crate::baseline::SYSTEM_NAMESPACES.join(", ")
        )));
    }
    let existing_labels = req
        .existing
        .and_then(|n| n.metadata.labels.clone())
        .unwrap_or_default();
    let profile = match req.profile {
        Some(p) => baseline.select_profile(req.name, Some(p))?.to_string(),
        None => baseline
            .profile_of_existing(req.name, &existing_labels)
            .0
            .to_string(),
    };
    let profile_def = baseline.profile(&profile)?;
    let mut labels = BTreeMap::new();
    if let Some(env) = baseline.infer_env(req.name, &profile) {
        labels.insert("env".to_string(), env);
    }
    for key in &baseline.spec.required_labels {
        if let Some(v) = existing_labels.get(key).filter(|v| !v.is_empty()) {
            labels.insert(key.clone(), v.clone());
        }
    }
    labels.extend(req.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let missing = baseline
        .spec
        .required_labels
        .iter()
        .filter(|k| labels.get(*k).is_none_or(|v| v.is_empty()))
        .cloned()
        .collect();
    let annotations = req
        .existing
        .and_then(|n| n.metadata.annotations.clone())
        .unwrap_or_default();
    let parse_time = |key: &str| {
        annotations
            .get(key)
            .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let profile_ttl = match &profile_def.ttl {
        Some(t) => Some(crate::baseline::parse_duration(t).map_err(Error::InvalidInput)?),
        None => None,
    };
    let (created_at, expires_at) = match (req.ttl, profile_ttl) {
        (Some(ttl), _) => {
            let created = parse_time(crate::CREATED_AT_ANNOTATION).unwrap_or(req.now);
            (
                Some(created),
                Some(
                    req.now
                        + chrono::Duration::from_std(ttl)
                            .map_err(|e| Error::InvalidInput(format!("--ttl: {e}")))?,
                ),
            )
        }
        (None, Some(ttl)) => {
            let created = parse_time(crate::CREATED_AT_ANNOTATION).unwrap_or(req.now);
            let expires = parse_time(crate::EXPIRES_AT_ANNOTATION).unwrap_or(
                req.now
                    + chrono::Duration::from_std(ttl)
                        .map_err(|e| Error::InvalidInput(format!("ttl: {e}")))?,
            );
            (Some(created), Some(expires))
        }
        (None, None) => (None, None),
    };
    Ok(Resolved {
        spec: NamespaceSpec {
            name: req.name.to_string(),
            profile,
            labels,
            created_at,
            expires_at,
        },
        missing,
    })
}

/// Formats a time as the RFC 3339 UTC string used in annotations.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(BTreeMap::from([(
            crate::MANAGED_BY_LABEL.to_string(),
            crate::MANAGED_BY_VALUE.to_string(),
        )])),
        ..Default::default()
    }
}

fn quantities(m: &BTreeMap<String, String>) -> BTreeMap<String, Quantity> {
    m.iter()
        .map(|(k, v)| (k.clone(), Quantity(v.clone())))
        .collect()
}

fn selector(labels: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: if labels.is_empty() {
            None
        } else {
            Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        },
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

fn policy(ns: &str, name: &str, types: &[&str], spec: NetworkPolicySpec) -> Object {
    Object::NetworkPolicy(NetworkPolicy {
        metadata: meta(name, Some(ns)),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(types.iter().map(|t| t.to_string()).collect()),
            ..spec
        }),
    })
}

/// Labels a namespace of `profile` must carry besides the required ones.
pub fn namespace_labels(spec: &NamespaceSpec, profile: &Profile) -> BTreeMap<String, String> {
    let mut labels = spec.labels.clone();
    labels.insert(
        crate::MANAGED_BY_LABEL.into(),
        crate::MANAGED_BY_VALUE.into(),
    );
    labels.insert(crate::PROFILE_LABEL.into(), spec.profile.clone());
    let level = profile.pod_security.level.to_string();
    for mode in ["enforce", "warn", "audit"] {
        labels.insert(format!("{PSA_PREFIX}{mode}"), level.clone());
        labels.insert(
            format!("{PSA_PREFIX}{mode}-version"),
            profile.pod_security.version.clone(),
        );
    }
    labels
}

/// Renders the bundle of one namespace.
pub fn render(baseline: &Baseline, spec: &NamespaceSpec) -> Result<Bundle> {
    crate::names::validate_namespace_name(&spec.name)?;
    let profile = baseline.profile(&spec.profile)?;
    let missing: Vec<&str> = baseline
        .spec
        .required_labels
        .iter()
        .filter(|k| spec.labels.get(*k).is_none_or(|v| v.is_empty()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidInput(format!(
            "namespace {:?} is missing required label(s) {}: pass {}",
            spec.name,
            missing.join(", "),
            missing
                .iter()
                .map(|k| format!("--label {k}=VALUE"))
                .collect::<Vec<_>>()
                .join(" ")
        )));
    }
    let ns = spec.name.as_str();
    let mut objects = Vec::with_capacity(10);

    let mut annotations = profile.annotations.clone();
    if let Some(t) = spec.created_at {
        annotations.insert(crate::CREATED_AT_ANNOTATION.into(), rfc3339(t));
    }
    if let Some(t) = spec.expires_at {
        annotations.insert(crate::EXPIRES_AT_ANNOTATION.into(), rfc3339(t));
    }
    objects.push(Object::Namespace(Namespace {
        metadata: ObjectMeta {
            name: Some(ns.to_string()),
            labels: Some(namespace_labels(spec, profile)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..Default::default()
        },
        ..Default::default()
    }));

    objects.push(Object::ServiceAccount(ServiceAccount {
        metadata: meta(names::SERVICE_ACCOUNT, Some(ns)),
        automount_service_account_token: Some(false),
        ..Default::default()
    }));

    objects.push(Object::LimitRange(LimitRange {
        metadata: meta(names::LIMIT_RANGE, Some(ns)),
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".into(),
                default: Some(quantities(&profile.limit_range.default)),
                default_request: Some(quantities(&profile.limit_range.default_request)),
                max: Some(quantities(&profile.limit_range.max)),
                ..Default::default()
            }],
        }),
    }));

    objects.push(Object::ResourceQuota(ResourceQuota {
        metadata: meta(names::QUOTA, Some(ns)),
        spec: Some(ResourceQuotaSpec {
            hard: Some(quantities(&profile.quota)),
            ..Default::default()
        }),
        status: None,
    }));

    let rbac = &baseline.spec.rbac;
    objects.push(Object::Role(Role {
        metadata: meta(&rbac.role_name, Some(ns)),
        rules: Some(rbac.rules.clone()),
    }));
    let team = spec.labels.get("team").cloned().unwrap_or_default();
    if !team.is_empty() {
        objects.push(Object::RoleBinding(RoleBinding {
            metadata: meta(&rbac.role_name, Some(ns)),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: "Role".into(),
                name: rbac.role_name.clone(),
            },
            subjects: Some(vec![Subject {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: "Group".into(),
                name: rbac.team_group.replace("{team}", &team),
                namespace: None,
            }]),
        }));
    }

    let net = &profile.network;
    if net.allow_dns {
        let dns = &baseline.spec.network.dns;
        let pod_labels: Vec<(&str, &str)> = dns
            .pod_selector
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let ports = dns
            .ports
            .iter()
            .flat_map(|p| [port("UDP", *p), port("TCP", *p)])
            .collect();
        objects.push(policy(
            ns,
            names::ALLOW_DNS,
            &["Egress"],
            NetworkPolicySpec {
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(selector(&[(
                            crate::NAMESPACE_NAME_LABEL,
                            dns.namespace.as_str(),
                        )])),
                        pod_selector: Some(selector(&pod_labels)),
                        ip_block: None,
                    }]),
                    ports: Some(ports),
                }]),
                ..Default::default()
            },
        ));
    }
    if net.allow_same_namespace {
        let same = || {
            Some(vec![NetworkPolicyPeer {
                pod_selector: Some(LabelSelector::default()),
                ..Default::default()
            }])
        };
        objects.push(policy(
            ns,
            names::ALLOW_SAME_NAMESPACE,
            &["Ingress", "Egress"],
            NetworkPolicySpec {
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: same(),
                    ports: None,
                }]),
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: same(),
                    ports: None,
                }]),
                ..Default::default()
            },
        ));
    }
    if net.allow_ingress_controller {
        let ic = &baseline.spec.network.ingress_controller;
        objects.push(policy(
            ns,
            names::ALLOW_INGRESS_CONTROLLER,
            &["Ingress"],
            NetworkPolicySpec {
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(selector(&[(
                            crate::NAMESPACE_NAME_LABEL,
                            ic.namespace.as_str(),
                        )])),
                        ..Default::default()
                    }]),
                    ports: (!ic.ports.is_empty())
                        .then(|| ic.ports.iter().map(|p| port("TCP", *p)).collect()),
                }]),
                ..Default::default()
            },
        ));
    }
    objects.push(policy(
        ns,
        names::DEFAULT_DENY,
        &["Ingress", "Egress"],
        NetworkPolicySpec::default(),
    ));
    objects.sort_by_key(Object::wave);
    Ok(Bundle {
        namespace: ns.to_string(),
        profile: spec.profile.clone(),
        objects,
    })
}

/// Bundles as one YAML stream (`---` between objects).
pub fn to_yaml_stream(bundles: &[Bundle]) -> String {
    let mut out = String::new();
    for obj in bundles.iter().flat_map(|b| &b.objects) {
        out.push_str("---\n");
        out.push_str(&crate::yaml::to_string(obj));
    }
    out
}

/// Bundles as a kubectl-style `v1/List`.
pub fn to_json_list(bundles: &[Bundle]) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {},
        "items": bundles.iter().flat_map(|b| &b.objects).map(Object::to_value).collect::<Vec<_>>(),
    })
}

/// File name of an object in `--output-dir` (`networkpolicy-default-deny.yaml`).
pub fn file_name(obj: &Object) -> String {
    format!("{}-{}.yaml", obj.kind().to_lowercase(), obj.name())
}

/// Files for `--output-dir`: `NS/<kind>-<name>.yaml` plus `NS/kustomization.yaml`
/// per namespace and a top-level `kustomization.yaml` listing the namespaces.
pub fn output_files(bundles: &[Bundle]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for b in bundles {
        let mut resources = Vec::new();
        for obj in &b.objects {
            let name = file_name(obj);
            files.push((
                format!("{}/{}", b.namespace, name),
                crate::yaml::to_string(obj),
            ));
            resources.push(name);
        }
        files.push((
            format!("{}/kustomization.yaml", b.namespace),
            kustomization(&resources),
        ));
    }
    let dirs: Vec<String> = bundles.iter().map(|b| b.namespace.clone()).collect();
    files.push(("kustomization.yaml".to_string(), kustomization(&dirs)));
    files
}

fn kustomization(resources: &[String]) -> String {
    let doc = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    crate::yaml::to_string(&doc)
}

#[cfg(test)]
mod tests;
