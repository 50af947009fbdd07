//! The check catalogue: every audit check's stable ID, category, severity
//! and one-line description. A leaf module: the baseline (validating
//! `audit.skip`), the audit rules and the report renderings all read it, and
//! it imports nothing of the crate but its error type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
    /// Disruption budgets, probes, graceful shutdown and read-only root
    /// filesystems, where the profile asks (`workloads`).
    WorkloadReliability,
    /// Argo CD AppProjects that confine Applications (`spec.gitops`).
    Gitops,
    /// Preview expiry and stuck deletion.
    Lifecycle,
    /// Waivers that cannot be honoured (no reason, expired, too long,
    /// unreadable).
    Waivers,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 13] = [
        Category::Labels,
        Category::PodSecurity,
        Category::ResourceQuota,
        Category::LimitRange,
        Category::NetworkPolicy,
        Category::NetworkDns,
        Category::Rbac,
        Category::WorkloadSecurity,
        Category::WorkloadResources,
        Category::WorkloadReliability,
        Category::Gitops,
        Category::Lifecycle,
        Category::Waivers,
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
            Category::WorkloadReliability => "workload-reliability",
            Category::Gitops => "gitops",
            Category::Lifecycle => "lifecycle",
            Category::Waivers => "waivers",
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
            _ => Err(crate::error::InvalidValue::new(
                crate::error::ValueKind::Severity,
                s,
                format!("unknown severity {s:?} (expected error, warning or info)"),
            )
            .into()),
        }
    }
}

/// Static description of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// Stable ID.
    pub id: &'static str,
    /// Category.
    pub category: Category,
    /// Severity of its findings.
    pub severity: Severity,
    /// One line for humans (SARIF `shortDescription`).
    pub description: &'static str,
}

macro_rules! checks {
    ($($id:literal, $cat:ident, $sev:ident, $desc:literal;)*) => {
        /// Every check the audit can report.
        pub const CHECKS: &[CheckInfo] = &[$(CheckInfo {
            id: $id,
            category: Category::$cat,
            severity: Severity::$sev,
            description: $desc,
        }),*];
    };
}

checks! {
    "labels.required-missing", Labels, Error, "A label the baseline requires is missing";
    "labels.required-empty", Labels, Error, "A label the baseline requires is empty";
    "labels.unknown-profile", Labels, Warning, "The ns-policy.io/profile label names no profile of the baseline";
    "labels.fixed-missing", Labels, Error, "A label the profile fixes is missing";
    "labels.fixed-drift", Labels, Error, "A label the profile fixes has another value";
    "labels.annotation-drift", Labels, Warning, "An annotation the profile sets is missing or has another value";
    "labels.overrides-invalid", Labels, Warning, "The ns-policy.io/overrides annotation cannot be read";
    "pod-security.enforce-missing", PodSecurity, Error, "No pod-security.kubernetes.io/enforce label";
    "pod-security.enforce-weaker", PodSecurity, Error, "Pod Security enforce level weaker than the profile's";
    "pod-security.enforce-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/enforce level";
    "pod-security.warn-missing", PodSecurity, Warning, "No pod-security.kubernetes.io/warn label";
    "pod-security.warn-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/warn level";
    "pod-security.audit-missing", PodSecurity, Warning, "No pod-security.kubernetes.io/audit label";
    "pod-security.audit-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/audit level";
    "pod-security.version-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/*-version label";
    "pod-security.warn-weaker", PodSecurity, Warning, "Pod Security warn level weaker than the profile's";
    "pod-security.audit-weaker", PodSecurity, Warning, "Pod Security audit level weaker than the profile's";
    "pod-security.version-drift", PodSecurity, Warning, "Pod Security version label differs from the profile's";
    "pod-security.dry-run-rejected", PodSecurity, Error, "An existing pod would be rejected by the profile's enforce level";
    "resource-quota.missing", ResourceQuota, Error, "No ResourceQuota in the namespace";
    "resource-quota.incomplete", ResourceQuota, Error, "No ResourceQuota covers cpu and memory requests and limits for all pods";
    "resource-quota.not-zero", ResourceQuota, Error, "A resource the profile forbids is not limited to 0";
    "resource-quota.value-drift", ResourceQuota, Error, "A quota value differs from the profile's";
    "limit-range.missing", LimitRange, Error, "No LimitRange in the namespace";
    "limit-range.no-container-defaults", LimitRange, Error, "No Container LimitRange item with default and defaultRequest";
    "limit-range.value-drift", LimitRange, Error, "A LimitRange value differs from the profile's";
    "network-policy.ingress-not-isolated", NetworkPolicy, Error, "Pods are not isolated for ingress (no default deny)";
    "network-policy.egress-not-isolated", NetworkPolicy, Error, "Pods are not isolated for egress (no default deny)";
    "network-policy.pod-not-isolated", NetworkPolicy, Warning, "A pod is selected by no NetworkPolicy of a direction";
    "network-policy.open-rule", NetworkPolicy, Error, "An allow rule reopens all traffic for every pod";
    "network-policy.allow-missing", NetworkPolicy, Error, "Traffic an allow of the profile permits is blocked";
    "network-policy.allow-drift", NetworkPolicy, Warning, "An allow of the profile is not present as the profile writes it";
    "network-policy.invalid", NetworkPolicy, Error, "A NetworkPolicy the API server would refuse (not applied, not evaluated)";
    "network-policy.cluster-accept", NetworkPolicy, Error, "An Admin-tier cluster network policy accepts traffic from any namespace, overriding the namespace's NetworkPolicies";
    "network-dns.blocked", NetworkDns, Error, "Egress isolation blocks DNS (UDP and TCP)";
    "network-dns.udp-blocked", NetworkDns, Error, "Egress isolation blocks DNS over UDP";
    "network-dns.tcp-blocked", NetworkDns, Error, "Egress isolation blocks DNS over TCP";
    "rbac.cluster-admin-binding", Rbac, Error, "A RoleBinding grants cluster-admin in the namespace";
    "rbac.wildcard-role-binding", Rbac, Warning, "A RoleBinding grants a role with wildcard verbs or resources";
    "rbac.default-sa-automount", Rbac, Info, "The default ServiceAccount automounts its token";
    "rbac.cluster-role-binding", Rbac, Warning, "A ClusterRoleBinding grants cluster-wide permissions to an identity of the namespace";
    "rbac.role-missing", Rbac, Error, "The team Role of the baseline is missing";
    "rbac.role-drift", Rbac, Warning, "The team Role's rules differ from the baseline's";
    "rbac.role-binding-missing", Rbac, Error, "A RoleBinding of the profile is missing";
    "rbac.role-binding-drift", Rbac, Error, "A RoleBinding of the profile grants another role or to other subjects";
    "rbac.service-account-missing", Rbac, Error, "A ServiceAccount of the profile is missing";
    "rbac.service-account-drift", Rbac, Warning, "A ServiceAccount of the profile mounts its token against the profile";
    "workload-security.host-namespaces", WorkloadSecurity, Error, "Pod Security: host namespaces";
    "workload-security.privileged", WorkloadSecurity, Error, "Pod Security: privileged containers";
    "workload-security.capabilities-baseline", WorkloadSecurity, Error, "Pod Security: capabilities beyond the baseline set";
    "workload-security.host-path-volumes", WorkloadSecurity, Error, "Pod Security: hostPath volumes";
    "workload-security.host-ports", WorkloadSecurity, Error, "Pod Security: host ports";
    "workload-security.app-armor-profile", WorkloadSecurity, Error, "Pod Security: AppArmor profile";
    "workload-security.se-linux-options", WorkloadSecurity, Error, "Pod Security: SELinux options";
    "workload-security.proc-mount", WorkloadSecurity, Error, "Pod Security: /proc mount type";
    "workload-security.seccomp-profile-baseline", WorkloadSecurity, Error, "Pod Security: seccomp Unconfined";
    "workload-security.sysctls", WorkloadSecurity, Error, "Pod Security: unsafe sysctls";
    "workload-security.windows-host-process", WorkloadSecurity, Error, "Pod Security: Windows HostProcess";
    "workload-security.host-probes-and-host-lifecycle", WorkloadSecurity, Error, "Pod Security: host field in probes or lifecycle handlers";
    "workload-security.restricted-volumes", WorkloadSecurity, Error, "Pod Security: volume types beyond the restricted set";
    "workload-security.allow-privilege-escalation", WorkloadSecurity, Error, "Pod Security: privilege escalation allowed";
    "workload-security.run-as-non-root", WorkloadSecurity, Error, "Pod Security: runAsNonRoot not true";
    "workload-security.run-as-user", WorkloadSecurity, Error, "Pod Security: runAsUser 0";
    "workload-security.seccomp-profile-restricted", WorkloadSecurity, Error, "Pod Security: seccomp profile not RuntimeDefault or Localhost";
    "workload-security.capabilities-restricted", WorkloadSecurity, Error, "Pod Security: capabilities not dropped (ALL)";
    "workload-security.proc-mount-restricted", WorkloadSecurity, Error, "Pod Security: /proc mount type (restricted)";
    "workload-resources.missing", WorkloadResources, Warning, "A container lacks cpu/memory requests or limits";
    "workload-resources.defaulted-by-limit-range", WorkloadResources, Info, "A container lacks requests or limits that the LimitRange fills in";
    "workload-reliability.pdb-missing", WorkloadReliability, Error, "A Deployment or StatefulSet with more than one replica or an autoscaler is covered by no PodDisruptionBudget";
    "workload-reliability.pdb-blocks-eviction", WorkloadReliability, Error, "A PodDisruptionBudget allows no eviction at all (node drains hang)";
    "workload-reliability.readiness-probe-missing", WorkloadReliability, Error, "A serving container has no readinessProbe";
    "workload-reliability.liveness-probe-missing", WorkloadReliability, Warning, "A serving container has no livenessProbe";
    "workload-reliability.pre-stop-missing", WorkloadReliability, Warning, "A serving container has no lifecycle.preStop hook";
    "workload-reliability.termination-grace-period", WorkloadReliability, Warning, "terminationGracePeriodSeconds below the profile's minimum";
    "workload-reliability.read-only-root-filesystem", WorkloadReliability, Error, "A container's root filesystem is writable (readOnlyRootFilesystem not true)";
    "gitops.project-missing", Gitops, Error, "No AppProject of the baseline reaches the namespace (its Applications have no project that confines them)";
    "gitops.foreign-project", Gitops, Error, "An AppProject other than the namespace's own lets Applications deploy into it";
    "gitops.destination-wildcard", Gitops, Error, "The namespace's AppProject reaches namespaces by a wildcard pattern";
    "gitops.reaches-protected", Gitops, Error, "An AppProject that reaches team namespaces also reaches this platform namespace";
    "gitops.cluster-resources", Gitops, Error, "An AppProject reaching the namespace whitelists every cluster-scoped kind";
    "gitops.baseline-kinds", Gitops, Error, "An AppProject reaching the namespace lets Applications manage the baseline's own kinds";
    "lifecycle.expired", Lifecycle, Error, "A preview namespace is past its ns-policy.io/expires-at";
    "lifecycle.expiry-missing", Lifecycle, Warning, "A preview namespace has no ns-policy.io/expires-at";
    "lifecycle.expiry-invalid", Lifecycle, Warning, "A preview namespace has an invalid ns-policy.io/expires-at";
    "lifecycle.stuck-terminating", Lifecycle, Error, "A namespace has been terminating for more than 5 minutes";
    "waivers.missing-reason", Waivers, Warning, "A waiver without a reason (it waives nothing)";
    "waivers.expired", Waivers, Warning, "A waiver past its expiry (it waives nothing)";
    "waivers.too-long", Waivers, Warning, "A waiver expiring later than spec.waiverPolicy.maxDays allows, or never (it waives nothing)";
    "waivers.invalid", Waivers, Warning, "A ns-policy.io/waive annotation that cannot be read (it waives nothing)";
}

/// True when `pattern` names a check a waiver may cover: a check ID
/// outside the `waivers` category, or a category followed by `.*`.
pub fn waivable(pattern: &str) -> bool {
    if let Some(cat) = pattern.strip_suffix(".*") {
        return Category::ALL
            .iter()
            .any(|c| c.as_str() == cat && *c != Category::Waivers);
    }
    check_info(pattern).is_some_and(|c| c.category != Category::Waivers)
}

/// The description of a check ID.
pub fn check_info(id: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The category of a check ID (its prefix before the first `.`).
pub fn category_of(check: &str) -> Category {
    let prefix = check.split('.').next().unwrap_or_default();
    Category::ALL
        .into_iter()
        .find(|c| c.as_str() == prefix)
        .unwrap_or(Category::Labels)
}
