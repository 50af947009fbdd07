//! The baseline: a declarative, versioned file (`apiVersion:
//! ns-policy.io/v1alpha1`, `kind: Baseline`) of named profiles that says what
//! a compliant namespace looks like. The README's "Baseline reference"
//! documents every field.
//!
//! * [`Baseline::parse`] reads and validates a file; every error names
//!   `file:line:column` of the offending value ([`validate`]).
//! * Profiles are chosen by name rules (regular expressions whose named
//!   captures become template variables), a namespace's profile label or
//!   `--profile` ([`Baseline::select_profile`]).
//! * Strings of fixed labels, annotations, allows and RBAC may use
//!   `{variables}` ([`template`]); per-namespace overrides (`--set`) are
//!   [`overrides`].

pub mod allow;
pub mod overrides;
pub(crate) mod template;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::rbac::v1::PolicyRule;
use regex::Regex;
use serde::{Deserialize, Serialize};

pub use allow::{Allow, EgressRule, IngressRule, IpBlock, Peer, Port, PortValue, SelectorSpec};

use crate::error::{Error, Result};
use crate::pss::Level;

/// API version of baseline files.
pub const API_VERSION: &str = "ns-policy.io/v1alpha1";
/// Kind of baseline files.
pub const KIND: &str = "Baseline";
use crate::SYSTEM_NAMESPACES;

/// The built-in baseline, as printed by `kubectl ns-policy baseline`.
pub const BUILTIN_YAML: &str = include_str!("builtin.yaml");

/// A baseline file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Baseline {
    /// Must be [`API_VERSION`].
    pub api_version: String,
    /// Must be [`KIND`].
    pub kind: String,
    /// Name of the baseline.
    #[serde(default)]
    pub metadata: BaselineMeta,
    /// What it requires.
    pub spec: BaselineSpec,
    /// Compiled `profileRules` patterns (same order).
    #[serde(skip)]
    compiled_rules: Vec<Regex>,
}

/// Metadata of a baseline.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineMeta {
    /// Name.
    #[serde(default)]
    pub name: String,
}

fn default_env_label() -> String {
    "env".to_string()
}

fn is_default_env_label(s: &str) -> bool {
    s == "env"
}

/// The body of a baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BaselineSpec {
    /// Profile for names no rule matches.
    pub default_profile: String,
    /// Name rules choosing a profile; first match wins.
    #[serde(default)]
    pub profile_rules: Vec<ProfileRule>,
    /// Labels every namespace must carry.
    #[serde(default)]
    pub required_labels: Vec<String>,
    /// Key of the environment label that `envRules` and a profile's `env`
    /// fill in (`env`; `environment` in some layouts).
    #[serde(
        default = "default_env_label",
        skip_serializing_if = "is_default_env_label"
    )]
    pub env_label: String,
    /// Rules inferring the environment from name tokens.
    #[serde(default)]
    pub env_rules: Vec<EnvRule>,
    /// Namespaces skipped by `audit --all` (besides the system ones).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Keys that mark who made a namespace and when it expires.
    #[serde(default)]
    pub lifecycle: LifecycleSpec,
    /// Cluster-wide network facts the policies refer to.
    pub network: NetworkSpec,
    /// RBAC settings.
    pub rbac: RbacSpec,
    /// Probe defaults.
    pub probe: ProbeSpec,
    /// The profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

/// A name rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRule {
    /// Regular expression matched against the whole namespace name; its
    /// named captures (`(?P<pr>[0-9]+)`) are template variables.
    pub pattern: String,
    /// Profile it selects.
    pub profile: String,
}

/// An environment inference rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvRule {
    /// Any of these '-'-separated name tokens selects the rule.
    pub tokens: Vec<String>,
    /// The environment value it gives.
    pub env: String,
}

/// The label marking namespaces (and objects) a tool manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedBy {
    /// Label key.
    pub label: String,
    /// Label value.
    pub value: String,
}

/// Lifecycle keys: which annotations hold creation and expiry times and
/// which label says the namespace is managed (the namespaces `gc` may
/// delete). Defaults are kubectl-ns-policy's own; a baseline for namespaces
/// made by another controller names that controller's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LifecycleSpec {
    /// Annotation with the creation time (RFC 3339).
    #[serde(default = "default_created_at")]
    pub created_at_annotation: String,
    /// Annotation with the expiry time (RFC 3339).
    #[serde(default = "default_expires_at")]
    pub expires_at_annotation: String,
    /// The managed-by label (stamped on everything `create` makes).
    #[serde(default = "default_managed_by")]
    pub managed_by: ManagedBy,
}

fn default_created_at() -> String {
    crate::CREATED_AT_ANNOTATION.to_string()
}
fn default_expires_at() -> String {
    crate::EXPIRES_AT_ANNOTATION.to_string()
}
fn default_managed_by() -> ManagedBy {
    ManagedBy {
        label: crate::MANAGED_BY_LABEL.to_string(),
        value: crate::MANAGED_BY_VALUE.to_string(),
    }
}

impl Default for LifecycleSpec {
    fn default() -> Self {
        LifecycleSpec {
            created_at_annotation: default_created_at(),
            expires_at_annotation: default_expires_at(),
            managed_by: default_managed_by(),
        }
    }
}

/// Cluster network facts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkSpec {
    /// Cluster DNS.
    pub dns: DnsSpec,
    /// Ingress controller.
    pub ingress_controller: IngressControllerSpec,
    /// Where the Kubernetes API server is reachable from pods (for
    /// `allowApiServer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server: Option<ApiServerSpec>,
}

/// Where cluster DNS runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DnsSpec {
    /// Namespace of the DNS pods.
    pub namespace: String,
    /// Labels of the DNS pods.
    pub pod_selector: BTreeMap<String, String>,
    /// DNS ports (opened for UDP and TCP).
    pub ports: Vec<u16>,
}

/// The ingress controller allowed to reach workloads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressControllerSpec {
    /// Its namespace.
    pub namespace: String,
    /// Labels of its pods (ANDed with the namespace); empty: every pod of
    /// the namespace.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_selector: BTreeMap<String, String>,
    /// Serving ports of workloads it may reach (TCP).
    pub ports: Vec<u16>,
}

/// The API server's endpoints as pods see them after service translation
/// (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`):
/// NetworkPolicies are applied to the endpoint addresses, not the Service IP.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApiServerSpec {
    /// CIDRs of the endpoints (`10.0.0.5/32`).
    pub cidrs: Vec<String>,
    /// Ports (TCP), e.g. 443 and 6443.
    pub ports: Vec<u16>,
}

/// RBAC settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RbacSpec {
    /// Group bound to the team role; `{team}` is replaced by the team label.
    pub team_group: String,
    /// Name of the Role and RoleBinding.
    pub role_name: String,
    /// Rules of the Role.
    pub rules: Vec<PolicyRule>,
}

/// Probe defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeSpec {
    /// Image of probe pods.
    pub image: String,
    /// Ports probe servers listen on.
    pub ports: Vec<u16>,
}

/// A profile: what one kind of namespace must look like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// One line for humans.
    #[serde(default)]
    pub description: String,
    /// Environment label value implied by the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Default TTL (e.g. `4h`); namespaces of a profile with a TTL get
    /// created-at/expires-at annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Fixed labels on the namespace (values may use `{variables}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Fixed annotations on the namespace (values may use `{variables}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Pod Security Admission.
    pub pod_security: PodSecuritySpec,
    /// ResourceQuota `spec.hard`.
    pub quota: BTreeMap<String, String>,
    /// Container LimitRange.
    pub limit_range: LimitRangeSpec,
    /// Isolation and the allow policies that come with it.
    pub network: ProfileNetwork,
    /// ServiceAccounts and RoleBindings beyond the team role.
    #[serde(default, skip_serializing_if = "ProfileRbac::is_empty")]
    pub rbac: ProfileRbac,
    /// Which audit checks the profile does not require.
    #[serde(default, skip_serializing_if = "ProfileAudit::is_empty")]
    pub audit: ProfileAudit,
}

/// Pod Security Admission levels and version of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodSecuritySpec {
    /// Level enforced (and, unless set below, warned and audited).
    pub level: Level,
    /// Version label value (`latest` or `v1.N`).
    #[serde(default = "latest")]
    pub version: String,
    /// Level of the `warn` label (default: `level`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<Level>,
    /// Level of the `audit` label (default: `level`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Level>,
}

impl PodSecuritySpec {
    /// The level of a mode (`enforce`, `warn`, `audit`).
    pub fn level_of(&self, mode: &str) -> Level {
        match mode {
            "warn" => self.warn.unwrap_or(self.level),
            "audit" => self.audit.unwrap_or(self.level),
            _ => self.level,
        }
    }
}

fn latest() -> String {
    "latest".to_string()
}

/// Container limits of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitRangeSpec {
    /// Default limits.
    pub default: BTreeMap<String, String>,
    /// Default requests.
    pub default_request: BTreeMap<String, String>,
    /// Maximum limits.
    pub max: BTreeMap<String, String>,
    /// Minimum requests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub min: BTreeMap<String, String>,
    /// Largest limit/request ratio.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max_limit_request_ratio: BTreeMap<String, String>,
}

/// A NetworkPolicy direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PolicyType {
    /// Incoming traffic.
    Ingress,
    /// Outgoing traffic.
    Egress,
}

impl PolicyType {
    /// `Ingress` or `Egress`, as in `spec.policyTypes`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Ingress => "Ingress",
            PolicyType::Egress => "Egress",
        }
    }
}

fn both_directions() -> Vec<PolicyType> {
    vec![PolicyType::Ingress, PolicyType::Egress]
}

fn is_both_directions(v: &[PolicyType]) -> bool {
    v == [PolicyType::Ingress, PolicyType::Egress]
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Isolation and allow policies of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProfileNetwork {
    /// Directions the default deny isolates (default both). An ingress-only
    /// design lists `[Ingress]`: egress stays open and its checks are not
    /// required.
    #[serde(
        default = "both_directions",
        skip_serializing_if = "is_both_directions"
    )]
    pub isolation: Vec<PolicyType>,
    /// Traffic between pods of the namespace.
    #[serde(default = "yes")]
    pub allow_same_namespace: bool,
    /// DNS egress to cluster DNS.
    #[serde(default = "yes")]
    pub allow_dns: bool,
    /// Ingress from the ingress controller on the serving ports.
    #[serde(default)]
    pub allow_ingress_controller: bool,
    /// Egress to the API server (`spec.network.apiServer`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_api_server: bool,
    /// Further allow policies, each rendered as one NetworkPolicy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allows: Vec<Allow>,
}

impl ProfileNetwork {
    /// True when the default deny isolates `direction`.
    pub fn isolates(&self, direction: PolicyType) -> bool {
        self.isolation.contains(&direction)
    }
}

/// ServiceAccounts and RoleBindings a profile adds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProfileRbac {
    /// ServiceAccounts to create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<ServiceAccountSpec>,
    /// RoleBindings to create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_bindings: Vec<RoleBindingSpec>,
}

impl ProfileRbac {
    fn is_empty(&self) -> bool {
        self.service_accounts.is_empty() && self.role_bindings.is_empty()
    }
}

/// A ServiceAccount of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccountSpec {
    /// Name (may use `{variables}`).
    pub name: String,
    /// Mount its token into pods (default false).
    #[serde(default, skip_serializing_if = "is_false")]
    pub automount_service_account_token: bool,
    /// Annotations (e.g. a cloud identity binding).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A RoleBinding of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleBindingSpec {
    /// Name (may use `{variables}`).
    pub name: String,
    /// The role granted.
    pub role_ref: RoleRefSpec,
    /// Who gets it.
    pub subjects: Vec<SubjectSpec>,
}

/// What a RoleBinding grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleRefSpec {
    /// `ClusterRole` or `Role`.
    pub kind: RoleKind,
    /// Name.
    pub name: String,
}

/// Kind of a granted role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleKind {
    /// A ClusterRole (granted in the namespace only).
    ClusterRole,
    /// A Role of the namespace.
    Role,
}

impl RoleKind {
    /// `ClusterRole` or `Role`.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::ClusterRole => "ClusterRole",
            RoleKind::Role => "Role",
        }
    }
}

/// A subject of a RoleBinding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubjectSpec {
    /// `ServiceAccount`, `User` or `Group`.
    pub kind: SubjectKind,
    /// Name (may use `{variables}`).
    pub name: String,
    /// Namespace of a ServiceAccount (default: the namespace itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Kind of a RoleBinding subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    /// A ServiceAccount.
    ServiceAccount,
    /// A user.
    User,
    /// A group.
    Group,
}

impl SubjectKind {
    /// The kind as in `subjects[].kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::ServiceAccount => "ServiceAccount",
            SubjectKind::User => "User",
            SubjectKind::Group => "Group",
        }
    }
}

/// Audit settings of a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProfileAudit {
    /// Checks not required of namespaces of this profile: check IDs
    /// (`rbac.default-sa-automount`), `category.*` or a category
    /// (`network-dns`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
}

impl ProfileAudit {
    fn is_empty(&self) -> bool {
        self.skip.is_empty()
    }

    /// True when `check` is skipped.
    pub fn skips(&self, check: &str) -> bool {
        let category = check.split('.').next().unwrap_or_default();
        self.skip.iter().any(|s| {
            s == check
                || s == category
                || s.strip_suffix(".*")
                    .is_some_and(|prefix| prefix == category)
        })
    }
}

/// The profile chosen for a namespace and the template variables its name
/// gives (named captures of the first rule of that profile matching it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatch {
    /// Profile name.
    pub profile: String,
    /// Named captures.
    pub captures: BTreeMap<String, String>,
}

impl Baseline {
    /// The built-in baseline.
    pub fn builtin() -> Self {
        // The built-in file is covered by a unit test; failing here would be a
        // build defect, never user input.
        Self::parse(BUILTIN_YAML, "<built-in>").expect("built-in baseline is valid")
    }

    /// Reads and validates a baseline file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates a baseline; errors name `path:line:column` of
    /// the offending value.
    pub fn parse(text: &str, path: &str) -> Result<Self> {
        validate::parse(text, path)
    }

    /// Comma-separated profile names.
    pub fn known_profiles(&self) -> String {
        self.spec
            .profiles
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The profile of a given name.
    pub fn profile(&self, name: &str) -> Result<&Profile> {
        self.spec
            .profiles
            .get(name)
            .ok_or_else(|| Error::UnknownProfile {
                name: name.to_string(),
                known: self.known_profiles(),
            })
    }

    /// The profile a namespace name gets from the name rules (or the default).
    pub fn profile_by_name_rules(&self, namespace: &str) -> &str {
        self.spec
            .profile_rules
            .iter()
            .zip(&self.compiled_rules)
            .find(|(_, re)| re.is_match(namespace))
            .map(|(rule, _)| rule.profile.as_str())
            .unwrap_or(&self.spec.default_profile)
    }

    /// The named captures the first rule of `profile` matching `namespace`
    /// gives (empty when none matches).
    pub fn captures(&self, namespace: &str, profile: &str) -> BTreeMap<String, String> {
        for (rule, re) in self.spec.profile_rules.iter().zip(&self.compiled_rules) {
            if rule.profile != profile {
                continue;
            }
            if let Some(caps) = re.captures(namespace) {
                return re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| Some((n.to_string(), caps.name(n)?.as_str().to_string())))
                    .collect();
            }
        }
        BTreeMap::new()
    }

    /// The variables a profile's name rules can capture.
    pub fn capture_names(&self, profile: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .spec
            .profile_rules
            .iter()
            .zip(&self.compiled_rules)
            .filter(|(r, _)| r.profile == profile)
            .flat_map(|(_, re)| re.capture_names().flatten().map(str::to_string))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Chooses the profile for `create`: an explicit `--profile` wins over the
    /// name rules. Unknown explicit names are an error.
    pub fn select_profile<'a>(
        &'a self,
        namespace: &str,
        explicit: Option<&'a str>,
    ) -> Result<&'a str> {
        match explicit {
            Some(p) => {
                self.profile(p)?;
                Ok(p)
            }
            None => Ok(self.profile_by_name_rules(namespace)),
        }
    }

    /// Chooses the profile for an existing namespace: its
    /// `ns-policy.io/profile` label if that names a known profile, else the
    /// name rules. The second value is the label's value when it names no
    /// profile.
    pub fn profile_of_existing<'a>(
        &'a self,
        namespace: &str,
        labels: &'a BTreeMap<String, String>,
    ) -> (&'a str, Option<&'a str>) {
        match labels.get(crate::PROFILE_LABEL) {
            Some(p) if self.spec.profiles.contains_key(p) => (p.as_str(), None),
            Some(p) => (self.profile_by_name_rules(namespace), Some(p.as_str())),
            None => (self.profile_by_name_rules(namespace), None),
        }
    }

    /// The key of the environment label.
    pub fn env_label(&self) -> &str {
        &self.spec.env_label
    }

    /// Infers the environment from the profile, else from the name's tokens.
    pub fn infer_env(&self, namespace: &str, profile: &str) -> Option<String> {
        if let Some(env) = self.spec.profiles.get(profile).and_then(|p| p.env.clone()) {
            return Some(env);
        }
        let tokens: Vec<&str> = namespace.split('-').collect();
        self.spec
            .env_rules
            .iter()
            .find(|r| r.tokens.iter().any(|t| tokens.contains(&t.as_str())))
            .map(|r| r.env.clone())
    }

    /// The lifecycle keys.
    pub fn lifecycle(&self) -> &LifecycleSpec {
        &self.spec.lifecycle
    }

    /// True when the namespace carries this baseline's managed-by label.
    pub fn is_managed(&self, labels: &BTreeMap<String, String>) -> bool {
        let m = &self.spec.lifecycle.managed_by;
        labels.get(&m.label) == Some(&m.value)
    }

    /// True when `audit --all` skips this namespace.
    pub fn is_excluded(&self, namespace: &str) -> bool {
        SYSTEM_NAMESPACES.contains(&namespace) || self.spec.exclude.iter().any(|n| n == namespace)
    }

    /// The baseline as YAML (the built-in one is printed with its comments).
    pub fn to_yaml(&self) -> String {
        crate::yaml::to_string(self)
    }
}

/// Parses an expiry or creation annotation: RFC 3339, or a date
/// (`2026-05-01`, midnight UTC) or minutes (`2026-05-01T12:00`, UTC) as
/// kube-janitor writes them.
pub fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return Some(Utc.from_utc_datetime(&t));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

/// The latest expiry an annotation can hold and be read back: RFC 3339
/// has four-digit years.
pub const LATEST_EXPIRY: &str = "9999-12-31T23:59:59Z";

/// `now + ttl`, the expiry a namespace with this TTL gets. A TTL whose
/// expiry overflows, or lands past [`LATEST_EXPIRY`] (an annotation nobody
/// could read back, so `gc` would never reap the namespace), is refused
/// naming the TTL.
pub fn expires_at(
    now: chrono::DateTime<chrono::Utc>,
    ttl: Duration,
) -> std::result::Result<chrono::DateTime<chrono::Utc>, crate::error::InvalidValue> {
    let latest = chrono::DateTime::parse_from_rfc3339(LATEST_EXPIRY)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    let expiry = chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .filter(|t| latest.is_some_and(|l| *t <= l));
    expiry.ok_or_else(|| {
        let text = format_duration(ttl);
        crate::error::InvalidValue::new(
            crate::error::ValueKind::Ttl,
            text.clone(),
            format!(
                "TTL {text} is too long: the expiry would be after {LATEST_EXPIRY}, which an RFC 3339 annotation cannot hold (use a TTL of at most a few years)"
            ),
        )
    })
}

/// A duration as [`parse_duration`] reads it back (`90m` -> `1h30m`, `86400s` -> `1d`).
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400u64), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// Parses a duration like `4h`, `90m`, `1h30m`, `2d`, `1w`, `45s`.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, crate::error::InvalidValue> {
    let err = || {
        crate::error::InvalidValue::new(
            crate::error::ValueKind::Duration,
            s,
            format!("invalid duration {s:?} (expected e.g. 30m, 4h, 1h30m, 2d, 1w)"),
        )
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().map_err(|_| err())?;
        digits.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(err()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(err());
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests;
