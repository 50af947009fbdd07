//! Rendering of a namespace's bundle (Namespace, ServiceAccounts,
//! LimitRange, ResourceQuota, Role, RoleBindings, NetworkPolicies) from the
//! baseline. Pure: no I/O, deterministic for the same input.
//!
//! [`resolve`](fn@resolve) turns what the user asked (`--profile`,
//! `--label`, `--ttl`, `--set`, the namespace as it exists) into a
//! [`NamespaceSpec`]; [`render`] turns that into a [`Bundle`]. [`gitops`]
//! writes bundles as kustomize trees; the NetworkPolicies are in
//! `network.rs`.

pub mod argocd;
pub mod gitops;
mod network;
mod resolve;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
    ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::baseline::overrides::{self, Overrides};
use crate::baseline::{template, Baseline, Profile, SubjectKind};
use crate::error::{Error, InvalidValue, Result, ValueKind};
use crate::inventory::Kind;
use crate::reserved;

pub(crate) use resolve::variables;
pub use resolve::{effective_profile, resolve, Request, Resolved};

/// PSA label prefix.
pub const PSA_PREFIX: &str = "pod-security.kubernetes.io/";

/// One object of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum BundleObject {
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

impl BundleObject {
    /// Its entry in the kinds table.
    pub fn kind_id(&self) -> Kind {
        match self {
            BundleObject::Namespace(_) => Kind::Namespace,
            BundleObject::ServiceAccount(_) => Kind::ServiceAccount,
            BundleObject::LimitRange(_) => Kind::LimitRange,
            BundleObject::ResourceQuota(_) => Kind::ResourceQuota,
            BundleObject::Role(_) => Kind::Role,
            BundleObject::RoleBinding(_) => Kind::RoleBinding,
            BundleObject::NetworkPolicy(_) => Kind::NetworkPolicy,
        }
    }

    /// Kind (`NetworkPolicy`).
    pub fn kind(&self) -> &'static str {
        self.kind_id().name()
    }

    /// Metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            BundleObject::Namespace(o) => &o.metadata,
            BundleObject::ServiceAccount(o) => &o.metadata,
            BundleObject::LimitRange(o) => &o.metadata,
            BundleObject::ResourceQuota(o) => &o.metadata,
            BundleObject::Role(o) => &o.metadata,
            BundleObject::RoleBinding(o) => &o.metadata,
            BundleObject::NetworkPolicy(o) => &o.metadata,
        }
    }

    /// Name.
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    /// `Namespace x` or `NetworkPolicy ns/name`, for messages.
    pub fn display_name(&self, ns: &str) -> String {
        match self {
            BundleObject::Namespace(_) => format!("Namespace {ns}"),
            _ => format!("{} {ns}/{}", self.kind(), self.name()),
        }
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
            BundleObject::Namespace(_) => 0,
            BundleObject::ServiceAccount(_)
            | BundleObject::LimitRange(_)
            | BundleObject::Role(_) => 1,
            BundleObject::NetworkPolicy(np)
                if np.metadata.name.as_deref() != Some(reserved::DEFAULT_DENY) =>
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
    pub objects: Vec<BundleObject>,
    /// `(kind, name)` of the objects that differ from namespace to namespace
    /// of the profile (the Namespace, the team binding, objects written with
    /// `{variables}`); the others are the same in every namespace.
    pub specific: std::collections::BTreeSet<(String, String)>,
}

/// What to render for one namespace.
#[derive(Debug, Clone, Default)]
pub struct NamespaceSpec {
    /// Name (validated by the caller or by [`render`]).
    pub name: String,
    /// Profile name.
    pub profile: String,
    /// Labels: at least the baseline's required labels (the profile's fixed
    /// labels are added by [`render`]).
    pub labels: BTreeMap<String, String>,
    /// Creation time (profiles with a TTL).
    pub created_at: Option<DateTime<Utc>>,
    /// Expiry time (profiles with a TTL).
    pub expires_at: Option<DateTime<Utc>>,
    /// Per-namespace overrides of the profile (`--set`), recorded on the
    /// Namespace.
    pub overrides: Overrides,
}

/// Formats a time as the RFC 3339 UTC string used in annotations.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What every rendered object of a namespace shares.
struct Ctx<'a> {
    baseline: &'a Baseline,
    profile: &'a Profile,
    ns: &'a str,
    vars: BTreeMap<String, String>,
}

impl Ctx<'_> {
    fn meta(&self, name: &str) -> ObjectMeta {
        let m = &self.baseline.lifecycle().managed_by;
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(self.ns.to_string()),
            labels: Some(BTreeMap::from([(m.label.clone(), m.value.clone())])),
            ..Default::default()
        }
    }

    fn expand(&self, what: &str, s: &str) -> Result<String> {
        template::expand(s, &self.vars).map_err(|e| self.template_error(what, s, e))
    }

    fn template_error(&self, what: &str, template: &str, message: String) -> Error {
        Error::NamespaceValue {
            namespace: self.ns.to_string(),
            what: what.to_string(),
            source: InvalidValue::new(ValueKind::Template, template, message),
        }
    }

    /// Expands every string of a profile part (allows, RBAC).
    fn expand_all<T>(&self, what: &str, value: &T) -> Result<T>
    where
        T: Serialize + serde::de::DeserializeOwned + Clone,
    {
        if !erased_json::Json::uses_templates(value) {
            return Ok(value.clone());
        }
        let mut v = serde_json::to_value(value)
            .map_err(|e| self.template_error(what, "", e.to_string()))?;
        template::expand_value(&mut v, &self.vars).map_err(|e| self.template_error(what, "", e))?;
        // An expanded value that no longer fits its type (a port that was a
        // template) is named with the namespace.
        serde_json::from_value(v).map_err(|e| self.template_error(what, "", e.to_string()))
    }
}

fn quantities(m: &BTreeMap<String, String>) -> Option<BTreeMap<String, Quantity>> {
    (!m.is_empty()).then(|| {
        m.iter()
            .map(|(k, v)| (k.clone(), Quantity(v.clone())))
            .collect()
    })
}

/// The profile's fixed labels of a namespace, expanded.
pub(crate) fn fixed_labels(
    namespace: &str,
    profile: &Profile,
    vars: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let error = |k: &str, source: InvalidValue| Error::NamespaceValue {
        namespace: namespace.to_string(),
        what: format!("label {k}"),
        source,
    };
    profile
        .labels
        .iter()
        .map(|(k, v)| {
            let value = template::expand(v, vars)
                .map_err(|e| error(k, InvalidValue::new(ValueKind::Template, v, e)))?;
            crate::names::validate_label_value(&value).map_err(|e| error(k, e))?;
            Ok((k.clone(), value))
        })
        .collect()
}

/// Labels a namespace of `profile` carries: its own, the profile's fixed
/// ones, managed-by, the profile label and the Pod Security labels.
pub(crate) fn namespace_labels(
    baseline: &Baseline,
    spec: &NamespaceSpec,
    profile: &Profile,
    fixed: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = spec.labels.clone();
    labels.extend(fixed.iter().map(|(k, v)| (k.clone(), v.clone())));
    let m = &baseline.lifecycle().managed_by;
    labels.insert(m.label.clone(), m.value.clone());
    labels.insert(crate::PROFILE_LABEL.into(), spec.profile.clone());
    for mode in ["enforce", "warn", "audit"] {
        labels.insert(
            format!("{PSA_PREFIX}{mode}"),
            profile.pod_security.level_of(mode).to_string(),
        );
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
    let profile = effective_profile(baseline, &spec.profile, &spec.overrides)?;
    let missing: Vec<&str> = baseline
        .spec
        .required_labels
        .iter()
        .filter(|k| spec.labels.get(*k).is_none_or(|v| v.is_empty()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingLabels {
            namespace: spec.name.clone(),
            keys: missing.into_iter().map(str::to_string).collect(),
        });
    }
    let ns = spec.name.as_str();
    let mut vars = variables(baseline, ns, &spec.profile, &spec.labels);
    let fixed = fixed_labels(ns, &profile, &vars)?;
    for (k, v) in &fixed {
        vars.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let c = Ctx {
        baseline,
        profile: &profile,
        ns,
        vars,
    };
    let mut objects = Vec::with_capacity(12);

    let lifecycle = baseline.lifecycle();
    let mut annotations = BTreeMap::new();
    for (k, v) in &profile.annotations {
        annotations.insert(k.clone(), c.expand(&format!("annotation {k}"), v)?);
    }
    if let Some(t) = spec.created_at {
        annotations.insert(lifecycle.created_at_annotation.clone(), rfc3339(t));
    }
    if let Some(t) = spec.expires_at {
        annotations.insert(lifecycle.expires_at_annotation.clone(), rfc3339(t));
    }
    if !spec.overrides.is_empty() {
        annotations.insert(
            overrides::ANNOTATION.to_string(),
            overrides::to_annotation(&spec.overrides),
        );
    }
    objects.push(BundleObject::Namespace(Namespace {
        metadata: ObjectMeta {
            name: Some(ns.to_string()),
            labels: Some(namespace_labels(baseline, spec, &profile, &fixed)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..Default::default()
        },
        ..Default::default()
    }));

    objects.push(BundleObject::ServiceAccount(ServiceAccount {
        metadata: c.meta(reserved::SERVICE_ACCOUNT),
        automount_service_account_token: Some(false),
        ..Default::default()
    }));
    let mut specific = std::collections::BTreeSet::new();
    specific.insert(("Namespace".to_string(), ns.to_string()));
    let templated = |v: &dyn erased_json::Json| v.uses_templates();
    let rbac = c.expand_all("rbac", &profile.rbac)?;
    for (orig, sa) in profile
        .rbac
        .service_accounts
        .iter()
        .zip(&rbac.service_accounts)
    {
        if templated(orig) {
            specific.insert(("ServiceAccount".to_string(), sa.name.clone()));
        }
    }
    for (orig, rb) in profile.rbac.role_bindings.iter().zip(&rbac.role_bindings) {
        if templated(orig) {
            specific.insert(("RoleBinding".to_string(), rb.name.clone()));
        }
    }
    for sa in &rbac.service_accounts {
        let mut metadata = c.meta(&sa.name);
        if !sa.annotations.is_empty() {
            metadata.annotations = Some(sa.annotations.clone());
        }
        objects.push(BundleObject::ServiceAccount(ServiceAccount {
            metadata,
            automount_service_account_token: Some(sa.automount_service_account_token),
            ..Default::default()
        }));
    }

    let lr = &profile.limit_range;
    objects.push(BundleObject::LimitRange(LimitRange {
        metadata: c.meta(reserved::LIMIT_RANGE),
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".into(),
                default: Some(quantities(&lr.default).unwrap_or_default()),
                default_request: Some(quantities(&lr.default_request).unwrap_or_default()),
                max: Some(quantities(&lr.max).unwrap_or_default()),
                min: quantities(&lr.min),
                max_limit_request_ratio: quantities(&lr.max_limit_request_ratio),
            }],
        }),
    }));

    objects.push(BundleObject::ResourceQuota(ResourceQuota {
        metadata: c.meta(reserved::QUOTA),
        spec: Some(ResourceQuotaSpec {
            hard: Some(quantities(&profile.quota).unwrap_or_default()),
            ..Default::default()
        }),
        status: None,
    }));

    let team_rbac = &baseline.spec.rbac;
    // The team's grant: a Role of the baseline's rules, or a built-in (or
    // the cluster's) ClusterRole bound in the namespace.
    let (role_kind, role_name) = match &team_rbac.team_role {
        Some(t) => ("ClusterRole", t.cluster_role.clone()),
        None => {
            objects.push(BundleObject::Role(Role {
                metadata: c.meta(&team_rbac.role_name),
                rules: Some(team_rbac.rules.clone()),
            }));
            ("Role", team_rbac.role_name.clone())
        }
    };
    let team = spec.labels.get("team").cloned().unwrap_or_default();
    if !team.is_empty() {
        specific.insert(("RoleBinding".to_string(), team_rbac.role_name.clone()));
        objects.push(BundleObject::RoleBinding(RoleBinding {
            metadata: c.meta(&team_rbac.role_name),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: role_kind.into(),
                name: role_name,
            },
            subjects: Some(vec![Subject {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: "Group".into(),
                name: c.expand("spec.rbac.teamGroup", &team_rbac.team_group)?,
                namespace: None,
            }]),
        }));
    }
    for rb in &rbac.role_bindings {
        objects.push(BundleObject::RoleBinding(RoleBinding {
            metadata: c.meta(&rb.name),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: rb.role_ref.kind.as_str().into(),
                name: rb.role_ref.name.clone(),
            },
            subjects: Some(
                rb.subjects
                    .iter()
                    .map(|s| match s.kind {
                        SubjectKind::ServiceAccount => Subject {
                            api_group: None,
                            kind: "ServiceAccount".into(),
                            name: s.name.clone(),
                            namespace: Some(s.namespace.clone().unwrap_or_else(|| ns.to_string())),
                        },
                        kind => Subject {
                            api_group: Some("rbac.authorization.k8s.io".into()),
                            kind: kind.as_str().into(),
                            name: s.name.clone(),
                            namespace: None,
                        },
                    })
                    .collect(),
            ),
        }));
    }

    let allows = c.expand_all("network.allows", &profile.network.allows)?;
    for (orig, allow) in profile.network.allows.iter().zip(&allows) {
        if templated(orig) {
            specific.insert(("NetworkPolicy".to_string(), allow.name.clone()));
        }
    }
    objects.extend(
        network::policies(&c, &allows)
            .into_iter()
            .map(BundleObject::NetworkPolicy),
    );
    objects.sort_by_key(BundleObject::wave);
    for o in &objects {
        let problems = match o {
            BundleObject::NetworkPolicy(np) => crate::apivalidation::network_policy(np),
            _ => Vec::new(),
        };
        if !problems.is_empty() {
            return Err(Error::WouldBeRefused {
                object: o.display_name(ns),
                problems: problems.iter().map(ToString::to_string).collect(),
            });
        }
    }
    Ok(Bundle {
        namespace: ns.to_string(),
        profile: spec.profile.clone(),
        objects,
        specific,
    })
}

mod erased_json {
    /// Whether a serializable value has a `{variable}` in some string.
    pub(super) trait Json {
        fn uses_templates(&self) -> bool;
    }
    impl<T: serde::Serialize> Json for T {
        fn uses_templates(&self) -> bool {
            let v = serde_json::to_value(self).unwrap_or_default();
            let mut all = Vec::new();
            crate::baseline::template::strings(&v, "", &mut all);
            all.iter().any(|(_, s)| s.contains('{'))
        }
    }
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
        "items": bundles.iter().flat_map(|b| &b.objects).map(BundleObject::to_value).collect::<Vec<_>>(),
    })
}

/// The NetworkPolicies a namespace of this bundle gets, for comparison.
impl Bundle {
    /// Its NetworkPolicies.
    pub fn network_policies(&self) -> impl Iterator<Item = &NetworkPolicy> {
        self.objects.iter().filter_map(|o| match o {
            BundleObject::NetworkPolicy(p) => Some(p),
            _ => None,
        })
    }
}
