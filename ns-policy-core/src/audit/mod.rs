//! Audit rules of `kubectl ns-policy audit`: pure functions from a
//! [`NamespaceView`] (what the live lister or the offline manifest
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
pub mod run;
#[cfg(test)]
mod tests;
pub mod waivers;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::checks::{Category, Severity};
pub use crate::inventory::{Access, ClusterRoleIndex, Item, NamespaceView};

pub use report::{to_junit, to_sarif, AuditReport, AuditSummary, SarifOptions, SARIF_SCHEMA};
pub use waivers::{AppliedWaiver, WaivedFinding, WaiverKind, WAIVE_ANNOTATION};

/// How to audit.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// The time expiries and ages are judged at.
    pub now: DateTime<Utc>,
    /// `--no-waivers`: report every finding, whatever waives it.
    pub ignore_waivers: bool,
}

impl AuditOptions {
    /// At `now`, waivers honoured.
    pub fn at(now: DateTime<Utc>) -> Self {
        AuditOptions {
            now,
            ignore_waivers: false,
        }
    }
}

/// The API version of [`AuditReport`].
pub const API_VERSION: &str = "ns-policy.io/v1alpha1";
/// The kind of [`AuditReport`].
pub const KIND: &str = "AuditReport";

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
    /// The offending field of the object where one is known
    /// (`metadata.labels`, `spec.template.spec.containers[name=app].securityContext.privileged`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
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

/// The verdict on one namespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NamespaceStatus {
    /// No finding above info, every check ran.
    #[default]
    Passed,
    /// Warnings, no errors, every check ran.
    Warned,
    /// No error found, but some checks could not run: compliance is not
    /// shown either way.
    Unknown,
    /// At least one error.
    Failed,
}

impl NamespaceStatus {
    /// `passed`, `warned`, `unknown` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            NamespaceStatus::Passed => "passed",
            NamespaceStatus::Warned => "warned",
            NamespaceStatus::Unknown => "unknown",
            NamespaceStatus::Failed => "failed",
        }
    }
}

/// The findings of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceReport {
    /// Namespace name.
    pub name: String,
    /// The profile it was judged by.
    pub profile: String,
    /// The verdict: failed (an error), unknown (checks that could not run,
    /// no error), warned, or passed.
    #[serde(default)]
    pub status: NamespaceStatus,
    /// Findings, sorted by category, severity (worst first), check, object.
    pub findings: Vec<Finding>,
    /// Checks that could not run.
    #[serde(default)]
    pub unknown: Vec<UnknownCheck>,
    /// Findings a waiver covers: not counted, never dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<WaivedFinding>,
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

    /// The verdict its findings and unknown checks give: an error fails
    /// it; otherwise a check that could not run makes it unknown (never
    /// passed); otherwise warnings make it warned.
    pub fn verdict(&self) -> NamespaceStatus {
        match self.worst() {
            Some(Severity::Error) => NamespaceStatus::Failed,
            _ if !self.unknown.is_empty() => NamespaceStatus::Unknown,
            Some(Severity::Warning) => NamespaceStatus::Warned,
            _ => NamespaceStatus::Passed,
        }
    }
}

/// Audits one namespace against the baseline at time `now` (waivers
/// honoured).
pub fn audit_namespace(
    baseline: &Baseline,
    view: &NamespaceView<'_>,
    now: DateTime<Utc>,
) -> NamespaceReport {
    audit_namespace_with(baseline, view, &AuditOptions::at(now))
}

/// Audits one namespace with `opts`.
pub fn audit_namespace_with(
    baseline: &Baseline,
    view: &NamespaceView<'_>,
    opts: &AuditOptions,
) -> NamespaceReport {
    rules::run(baseline, view, opts)
}

/// The text of an HTTP `Warning` header (`299 - "text"` → `text`), as the
/// API server sends them for Pod Security dry runs.
pub(crate) fn parse_warning(raw: &str) -> String {
    let rest = raw
        .split_once(' ')
        .map(|(code, rest)| {
            if code.chars().all(|c| c.is_ascii_digit()) {
                rest
            } else {
                raw
            }
        })
        .unwrap_or(raw);
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let rest = rest.trim();
    let unquoted = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(rest);
    unquoted.replace("\\\"", "\"")
}
