//! The baseline's schema: every type of the file as serde reads it
//! (unknown fields rejected), with the defaults the README documents. The
//! methods that choose profiles are in the parent module.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::PolicyRule;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::Allow;
use crate::pss::Level;

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
    pub(super) compiled_rules: Vec<Regex>,
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
    /// Findings waived centrally (with a reason and an expiry), by check and
    /// namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<BaselineWaiver>,
    /// Rules every waiver must follow.
    #[serde(default, skip_serializing_if = "WaiverPolicy::is_default")]
    pub waiver_policy: WaiverPolicy,
    /// GitOps guardrails (Argo CD AppProjects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitops: Option<GitopsSpec>,
}

/// A finding waived by the baseline (`spec.waivers[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BaselineWaiver {
    /// A check ID (`rbac.wildcard-role-binding`) or a category
    /// (`rbac.*`).
    pub check: String,
    /// Why (required: a waiver without one is a finding and waives
    /// nothing).
    #[serde(default)]
    pub reason: String,
    /// Until when (`2027-03-01` or RFC 3339); past it the waiver is a
    /// finding and waives nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Namespaces it covers, by name (with `namespaceSelector`: either).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Namespaces it covers, by label selector (`team=legacy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<String>,
    /// Only findings about this object (`RoleBinding/ci-admin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

/// `spec.waiverPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaiverPolicy {
    /// The longest a waiver may run from the day it is audited: one that
    /// expires later (or never) is a finding and waives nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<u32>,
}

impl WaiverPolicy {
    fn is_default(&self) -> bool {
        *self == WaiverPolicy::default()
    }
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
    /// Rules of the Role (not with `teamRole.clusterRole`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PolicyRule>,
    /// Grant the team a ClusterRole (`edit`, `view`, `admin`) by a
    /// RoleBinding instead of a namespaced Role of `rules`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_role: Option<TeamRoleSpec>,
}

/// `spec.rbac.teamRole`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TeamRoleSpec {
    /// The ClusterRole the team's RoleBinding refers to (built-in `edit`,
    /// `view`, `admin`, or one of the cluster's own).
    pub cluster_role: String,
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
    /// Workload reliability the profile asks of its pods (the
    /// `workload-reliability` checks; none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workloads: Option<WorkloadsSpec>,
}

/// `profiles.<name>.workloads`: what `audit` asks of the workloads of the
/// profile's namespaces. Every field is off unless set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadsSpec {
    /// Every Deployment and StatefulSet with more than one replica, or
    /// scaled by a HorizontalPodAutoscaler, is covered by a
    /// PodDisruptionBudget; no PodDisruptionBudget blocks every eviction.
    #[serde(default)]
    pub disruption_budgets: bool,
    /// Every serving container (one that declares a port) has a
    /// readiness and a liveness probe.
    #[serde(default)]
    pub probes: bool,
    /// Every serving container has a `lifecycle.preStop` hook.
    #[serde(default)]
    pub pre_stop: bool,
    /// Pods get at least this `terminationGracePeriodSeconds` (unset
    /// counts as the API default, 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_termination_grace_period_seconds: Option<i64>,
    /// Every container runs with `readOnlyRootFilesystem: true`.
    #[serde(default)]
    pub read_only_root_filesystem: bool,
}

impl WorkloadsSpec {
    /// True when it asks nothing.
    pub fn is_empty(&self) -> bool {
        *self == WorkloadsSpec::default()
    }
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

pub(super) fn both_directions() -> Vec<PolicyType> {
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

/// `spec.gitops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GitopsSpec {
    /// Argo CD AppProjects that confine Applications to their team's
    /// namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argocd: Option<ArgoCdSpec>,
}

/// `spec.gitops.argocd`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCdSpec {
    /// The namespace Argo CD runs in and reads AppProjects from.
    #[serde(default = "argocd_namespace")]
    pub namespace: String,
    /// One project per team (`{team}` in `project`) or per namespace
    /// (`{namespace}`).
    #[serde(default)]
    pub per: ProjectScope,
    /// Project name template (`{team}`, `{namespace}`, `{env}`).
    #[serde(default = "project_template")]
    pub project: String,
    /// Repositories the team's Applications may deploy from (templates).
    pub source_repos: Vec<String>,
    /// The API server URL Applications name for this cluster.
    #[serde(default = "in_cluster_server")]
    pub server: String,
    /// Profiles whose namespaces no team project may reach (the platform's
    /// own); their namespaces get no project.
    #[serde(default = "protected_profiles")]
    pub protected_profiles: Vec<String>,
    /// AppProjects of the platform team that may reach protected namespaces
    /// (and manage cluster-scoped kinds there).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_projects: Vec<String>,
}

/// `spec.gitops.argocd.per`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProjectScope {
    /// One AppProject per team, reaching every namespace of the team.
    #[default]
    Team,
    /// One AppProject per namespace.
    Namespace,
}

fn argocd_namespace() -> String {
    "argocd".into()
}

fn project_template() -> String {
    "{team}".into()
}

fn in_cluster_server() -> String {
    crate::argocd::IN_CLUSTER_SERVER.into()
}

fn protected_profiles() -> Vec<String> {
    vec!["platform".into()]
}
