//! Audit rules of `kubectl ns-policy audit`: pure functions from a
//! [`NamespaceSnapshot`] (what a live collector or the offline manifest
//! loader found for one namespace) to a [`NamespaceReport`] of findings.
//!
//! Nothing here does I/O. The snapshot borrows the objects it looks at, so a
//! caller that lists every kind once, cluster-wide (or loads a GitOps
//! repository with [`crate::manifests`]), groups references by namespace and
//! shares one [`ClusterRoleIndex`] between all namespaces without cloning.
//!
//! Partial access: a list the caller could not read is
//! [`Access::Forbidden`]; the checks that need it are reported in
//! [`NamespaceReport::unknown`], never as passing.
//!
//! Choices (documented so callers and users can tell):
//!
//! * The profile of a namespace is its `ns-policy.io/profile` label when that
//!   names a profile, else the baseline's name rules
//!   ([`Baseline::profile_of_existing`]).
//! * A profile with a `ttl` is a *preview* profile for the `lifecycle`
//!   checks; the quantities a profile's quota sets to zero (preview:
//!   `persistentvolumeclaims`, `services.loadbalancers`,
//!   `services.nodeports`) must be zero in the namespace's quota.
//! * Network checks are semantic ([`crate::netpol`]); policy names never
//!   matter. DNS is only checked when the profile allows DNS.
//! * Pods and templates: a pod (or ReplicaSet, Job) owned by a workload found
//!   in the snapshot does not repeat a Pod Security violation or a missing
//!   resource its owner's template already has (same check, same field); what
//!   differs from the template (a pod admitted before the template was fixed)
//!   is still reported on the pod.
//! * Missing container resources that a Container LimitRange default fills in
//!   are `info` for templates and for offline pods (objects not created yet),
//!   `warning` for live pods (admitted without them).

mod report;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, Role, RoleBinding};
use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::manifests::{Located, NamespaceView, RawObject, Source};

pub use report::{to_junit, to_sarif, AuditReport, Summary, SARIF_SCHEMA};
pub use rules::{check_info, CheckInfo, CHECKS};

/// The API version of [`AuditReport`].
pub const API_VERSION: &str = "ns-policy.io/v1alpha1";
/// The kind of [`AuditReport`].
pub const KIND: &str = "AuditReport";

/// The fixed list of check categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Required namespace labels and the profile label.
    Labels,
    /// Pod Security Admission labels and readiness.
    PodSecurity,
    /// ResourceQuota.
    ResourceQuota,
    /// Container LimitRange.
    LimitRange,
    /// NetworkPolicy isolation.
    NetworkPolicy,
    /// DNS egress under isolation.
    NetworkDns,
    /// RoleBindings and the default ServiceAccount.
    Rbac,
    /// Pod Security Standards of pods and pod templates.
    WorkloadSecurity,
    /// Container requests and limits.
    WorkloadResources,
    /// Preview expiry and stuck deletion.
    Lifecycle,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 10] = [
        Category::Labels,
        Category::PodSecurity,
        Category::ResourceQuota,
        Category::LimitRange,
        Category::NetworkPolicy,
        Category::NetworkDns,
        Category::Rbac,
        Category::WorkloadSecurity,
        Category::WorkloadResources,
        Category::Lifecycle,
    ];

    /// The kebab-case name (`network-dns`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Labels => "labels",
            Category::PodSecurity => "pod-security",
            Category::ResourceQuota => "resource-quota",
            Category::LimitRange => "limit-range",
            Category::NetworkPolicy => "network-policy",
            Category::NetworkDns => "network-dns",
            Category::Rbac => "rbac",
            Category::WorkloadSecurity => "workload-security",
            Category::WorkloadResources => "workload-resources",
            Category::Lifecycle => "lifecycle",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity of a finding, ordered `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Breaks the baseline.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = crate::Error;
    /// `info`, `warning` (or `warn`), `error` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(crate::Error::InvalidInput(format!(
                "unknown severity {s:?} (expected error, warning or info)"
            ))),
        }
    }
}

/// One way a namespace breaks the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable check ID, e.g. `network-policy.ingress-not-isolated`.
    pub check: String,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
    /// What is wrong; names the offending object and field.
    pub message: String,
    /// How to fix it: a command or a YAML fragment.
    pub remediation: String,
    /// The offending object, `Kind/name` (e.g. `NetworkPolicy/allow-all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// `file:line` of the object (offline audits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A check that could not be run because a list was forbidden: neither a
/// pass nor a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownCheck {
    /// The check (or group of checks, `workload-security.*`).
    pub check: String,
    /// Category.
    pub category: Category,
    /// Why: the message of the forbidden list.
    pub reason: String,
}

/// The findings of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceReport {
    /// Namespace name.
    pub name: String,
    /// The profile it was judged by.
    pub profile: String,
    /// Findings, sorted by category, severity (worst first), check, object.
    pub findings: Vec<Finding>,
    /// Checks that could not run.
    #[serde(default)]
    pub unknown: Vec<UnknownCheck>,
}

impl NamespaceReport {
    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The worst severity, `None` without findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The first finding of the worst severity (for one-line summaries).
    pub fn worst_finding(&self) -> Option<&Finding> {
        let worst = self.worst()?;
        self.findings.iter().find(|f| f.severity == worst)
    }

    /// True when some finding is at or above `threshold`.
    pub fn exceeds(&self, threshold: Severity) -> bool {
        self.worst().is_some_and(|w| w >= threshold)
    }
}

/// The result of a LIST the audit needs: the objects, or the reason it was
/// refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access<T> {
    /// The list was read.
    Known(T),
    /// The list was refused; the message (e.g. `cannot list networkpolicies`).
    Forbidden(String),
}

impl<T> Access<T> {
    /// The value when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Access::Known(t) => Some(t),
            Access::Forbidden(_) => None,
        }
    }

    /// The refusal message when forbidden.
    pub fn forbidden(&self) -> Option<&str> {
        match self {
            Access::Known(_) => None,
            Access::Forbidden(m) => Some(m),
        }
    }

    /// Maps the known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Access<U> {
        match self {
            Access::Known(t) => Access::Known(f(t)),
            Access::Forbidden(m) => Access::Forbidden(m),
        }
    }
}

impl<T: Default> Default for Access<T> {
    fn default() -> Self {
        Access::Known(T::default())
    }
}

/// A borrowed object with the place it was read from (offline).
#[derive(Debug)]
pub struct Sourced<'a, T> {
    /// The object.
    pub object: &'a T,
    /// `file:line` when read from manifests.
    pub source: Option<&'a Source>,
}

impl<T> Clone for Sourced<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Sourced<'_, T> {}

impl<'a, T> Sourced<'a, T> {
    /// An object without a source (live).
    pub fn new(object: &'a T) -> Self {
        Sourced {
            object,
            source: None,
        }
    }

    /// An object read from manifests.
    pub fn located(l: &'a Located<T>) -> Self {
        Sourced {
            object: &l.object,
            source: Some(&l.source),
        }
    }

    /// The source as `file:line`.
    pub fn source_string(&self) -> Option<String> {
        self.source.map(ToString::to_string)
    }
}

/// A pod controller (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
/// CronJob, ReplicationController) as JSON, as returned by
/// [`crate::pss::pod_spec_of`]'s callers. Entries of kind `Pod` are ignored
/// (pods come from [`NamespaceSnapshot::pods`]).
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    /// Kind.
    pub kind: &'a str,
    /// The object (with `metadata`).
    pub object: &'a serde_json::Value,
    /// `file:line` when read from manifests.
    pub source: Option<&'a Source>,
}

impl<'a> Workload<'a> {
    /// A workload read from manifests.
    pub fn located(l: &'a Located<RawObject>) -> Self {
        Workload {
            kind: &l.object.kind,
            object: &l.object.value,
            source: Some(&l.source),
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> &'a str {
        self.object
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    }
}

/// Cluster roles by name, built once and shared by every namespace.
#[derive(Debug, Default)]
pub struct ClusterRoleIndex<'a> {
    by_name: BTreeMap<&'a str, Sourced<'a, ClusterRole>>,
}

static EMPTY_CLUSTER_ROLES: ClusterRoleIndex<'static> = ClusterRoleIndex {
    by_name: BTreeMap::new(),
};

impl<'a> ClusterRoleIndex<'a> {
    /// Indexes cluster roles by `metadata.name` (the first of a name wins).
    pub fn new(roles: impl IntoIterator<Item = Sourced<'a, ClusterRole>>) -> Self {
        let mut by_name = BTreeMap::new();
        for r in roles {
            if let Some(name) = r.object.metadata.name.as_deref() {
                by_name.entry(name).or_insert(r);
            }
        }
        ClusterRoleIndex { by_name }
    }

    /// An empty index.
    pub fn empty() -> &'static ClusterRoleIndex<'static> {
        &EMPTY_CLUSTER_ROLES
    }

    /// The cluster role of a name.
    pub fn get(&self, name: &str) -> Option<Sourced<'a, ClusterRole>> {
        self.by_name.get(name).copied()
    }

    /// Number of roles.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Everything the audit looks at for one namespace. Lists hold references:
/// fill them from cluster-wide lists grouped by namespace, or from
/// [`NamespaceView`] ([`NamespaceSnapshot::from_view`]).
#[derive(Debug, Clone)]
pub struct NamespaceSnapshot<'a> {
    /// The namespace.
    pub namespace: &'a Namespace,
    /// Where the Namespace was read from (offline).
    pub namespace_source: Option<&'a Source>,
    /// ResourceQuotas of the namespace.
    pub resource_quotas: Access<Vec<Sourced<'a, ResourceQuota>>>,
    /// LimitRanges of the namespace.
    pub limit_ranges: Access<Vec<Sourced<'a, LimitRange>>>,
    /// NetworkPolicies of the namespace.
    pub network_policies: Access<Vec<Sourced<'a, NetworkPolicy>>>,
    /// RoleBindings of the namespace.
    pub role_bindings: Access<Vec<Sourced<'a, RoleBinding>>>,
    /// Roles of the namespace.
    pub roles: Access<Vec<Sourced<'a, Role>>>,
    /// Cluster roles (cluster-wide, shared).
    pub cluster_roles: Access<&'a ClusterRoleIndex<'a>>,
    /// ServiceAccounts of the namespace.
    pub service_accounts: Access<Vec<Sourced<'a, ServiceAccount>>>,
    /// Pods of the namespace.
    pub pods: Access<Vec<Sourced<'a, Pod>>>,
    /// Pod controllers of the namespace.
    pub workloads: Access<Vec<Workload<'a>>>,
    /// Live only: warnings of a server-side dry-run of the profile's enforce
    /// label (one per pod that would be rejected).
    pub psa_dry_run_warnings: Option<Vec<String>>,
}

impl<'a> NamespaceSnapshot<'a> {
    /// A snapshot of `namespace` with every list known and empty.
    pub fn new(namespace: &'a Namespace) -> Self {
        NamespaceSnapshot {
            namespace,
            namespace_source: None,
            resource_quotas: Access::default(),
            limit_ranges: Access::default(),
            network_policies: Access::default(),
            role_bindings: Access::default(),
            roles: Access::default(),
            cluster_roles: Access::Known(ClusterRoleIndex::empty()),
            service_accounts: Access::default(),
            pods: Access::default(),
            workloads: Access::default(),
            psa_dry_run_warnings: None,
        }
    }

    /// The snapshot of a namespace read from manifests: `namespace` is the
    /// view's Namespace (or one the caller made up for a namespace that only
    /// appears in `metadata.namespace`).
    pub fn from_view(
        namespace: &'a Namespace,
        namespace_source: Option<&'a Source>,
        view: &NamespaceView<'a>,
        cluster_roles: &'a ClusterRoleIndex<'a>,
    ) -> Self {
        fn all<'a, T>(v: &[&'a Located<T>]) -> Access<Vec<Sourced<'a, T>>> {
            Access::Known(v.iter().map(|l| Sourced::located(l)).collect())
        }
        NamespaceSnapshot {
            namespace,
            namespace_source,
            resource_quotas: all(&view.resource_quotas),
            limit_ranges: all(&view.limit_ranges),
            network_policies: all(&view.network_policies),
            role_bindings: all(&view.role_bindings),
            roles: all(&view.roles),
            cluster_roles: Access::Known(cluster_roles),
            service_accounts: all(&view.service_accounts),
            pods: all(&view.pods),
            workloads: Access::Known(
                view.raw_workloads
                    .iter()
                    .filter(|l| l.object.kind != "Pod")
                    .map(|l| Workload::located(l))
                    .collect(),
            ),
            psa_dry_run_warnings: None,
        }
    }

    /// The namespace's name.
    pub fn name(&self) -> &'a str {
        self.namespace.metadata.name.as_deref().unwrap_or("")
    }
}

/// Audits one namespace against the baseline at time `now`.
pub fn audit_namespace(
    baseline: &Baseline,
    snap: &NamespaceSnapshot<'_>,
    now: DateTime<Utc>,
) -> NamespaceReport {
    rules::run(baseline, snap, now)
}
