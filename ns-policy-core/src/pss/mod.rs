//! Pod Security Standards checker.
//!
//! A pure re-implementation of the checks of the PodSecurity admission plugin
//! (`k8s.io/pod-security-admission/policy/check_*.go`) at the `latest` policy
//! version, field by field. Nothing here does I/O: callers hand in a pod's
//! metadata and spec (or a workload object, see [`pod_spec_of`]) and get back
//! one [`Violation`] per offending field.
//!
//! What "latest" means here (policy version v1.35, as shipped by Kubernetes
//! 1.35 and 1.36):
//!
//! * Baseline: `hostNamespaces`, `privileged`, `capabilities_baseline`,
//!   `hostPathVolumes`, `hostPorts`, `appArmorProfile` (annotations and the
//!   `appArmorProfile` field), `seLinuxOptions` (including
//!   `container_engine_t`), `procMount` (relaxed for `hostUsers: false`),
//!   `seccompProfile_baseline`, `sysctls` (the v1.32 safe set),
//!   `windowsHostProcess` and `hostProbesAndHostLifecycle` (v1.34).
//! * Restricted adds `restrictedVolumes` (overrides `hostPathVolumes`; `image`
//!   volumes are allowed since Kubernetes 1.33), `allowPrivilegeEscalation`,
//!   `runAsNonRoot`, `runAsUser` (both skipped for `hostUsers: false`),
//!   `seccompProfile_restricted` (overrides `seccompProfile_baseline`),
//!   `capabilities_restricted` (overrides `capabilities_baseline`) and
//!   `procMount_restricted` (overrides `procMount`). Pods with
//!   `spec.os.name: windows` skip `allowPrivilegeEscalation`,
//!   `seccompProfile_restricted` and `capabilities_restricted`.
//!
//! Field paths name containers by name:
//! `spec.containers[name=app].securityContext.privileged`; volumes and
//! sysctls likewise (`spec.volumes[name=data].hostPath`), ports by index.
//!
//! This file holds the levels, version parsing, [`Violation`], the entry
//! points and the pod view the checks share; `baseline.rs` and
//! `restricted.rs` hold the checks of each level.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::{ContainerPort, Lifecycle, PodSpec, Probe, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::Error;

mod baseline_level;
mod restricted_level;
#[cfg(test)]
mod tests;

/// A Pod Security Standards level, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Unrestricted.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Current pod hardening best practices.
    Restricted,
}

impl Level {
    /// All levels, least restrictive first.
    pub const ALL: [Level; 3] = [Level::Privileged, Level::Baseline, Level::Restricted];

    /// The lowercase name, as used in `pod-security.kubernetes.io/*` labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            other => Err(crate::error::InvalidValue::new(
                crate::error::ValueKind::PodSecurityLevel,
                other,
                format!(
                    "invalid Pod Security level {other:?} (accepted: privileged, baseline, restricted)"
                ),
            )
            .into()),
        }
    }
}

/// Validates a `pod-security.kubernetes.io/<mode>-version` label value the
/// way the admission plugin does: `latest` or `v1.<minor>` (minor without
/// leading zeros).
pub fn parse_version(s: &str) -> Result<(), crate::error::InvalidValue> {
    if s == "latest" {
        return Ok(());
    }
    let bad = || {
        crate::error::InvalidValue::new(
            crate::error::ValueKind::PodSecurityVersion,
            s,
            format!(
                "invalid Pod Security version {s:?}: must be \"latest\" or \"v1.x\" (e.g. v1.33)"
            ),
        )
    };
    let minor = s.strip_prefix("v1.").ok_or_else(bad)?;
    let digits_ok = !minor.is_empty()
        && minor.bytes().all(|b| b.is_ascii_digit())
        && (minor == "0" || !minor.starts_with('0'));
    if !digits_ok || minor.parse::<u32>().is_err() {
        return Err(bad());
    }
    Ok(())
}

/// One field that a Pod Security level forbids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The upstream check ID (`privileged`, `runAsNonRoot`, ...).
    pub check: &'static str,
    /// The lowest level that forbids it (`Baseline` or `Restricted`).
    pub level: Level,
    /// Path of the offending field, e.g.
    /// `spec.containers[name=app].securityContext.privileged`.
    pub field: String,
    /// Admission-style message: `reason (detail)`.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Checks a pod at `level`: every violation of that level's checks
/// (restricted includes baseline). Fields are rooted at `spec` / `metadata`.
pub fn check_pod(level: Level, metadata: &ObjectMeta, spec: &PodSpec) -> Vec<Violation> {
    check_pod_at(level, metadata, spec, "spec")
}

/// Like [`check_pod`] for a pod template found at `spec_prefix` (as returned
/// by [`pod_spec_of`], e.g. `spec.template.spec`); the template metadata's
/// path is the prefix with its last `spec` replaced by `metadata`.
pub fn check_pod_at(
    level: Level,
    metadata: &ObjectMeta,
    spec: &PodSpec,
    spec_prefix: &str,
) -> Vec<Violation> {
    if level == Level::Privileged {
        return Vec::new();
    }
    let meta_prefix = match spec_prefix.strip_suffix("spec") {
        Some(head) => format!("{head}metadata"),
        None => format!("{spec_prefix}.metadata"),
    };
    let ctx = Ctx::new(metadata, spec, spec_prefix, meta_prefix);
    let mut out = Vec::new();
    let restricted = level >= Level::Restricted;
    let windows = ctx.is_windows();
    let user_ns = ctx.user_namespace();

    ctx.host_namespaces(&mut out);
    ctx.privileged(&mut out);
    if !restricted {
        ctx.capabilities_baseline(&mut out);
        ctx.host_path_volumes(&mut out);
    }
    ctx.host_ports(&mut out);
    ctx.app_armor(&mut out);
    ctx.se_linux(&mut out);
    if !restricted && !user_ns {
        ctx.proc_mount("procMount", Level::Baseline, &mut out);
    }
    if !restricted {
        ctx.seccomp_baseline(&mut out);
    }
    ctx.sysctls(&mut out);
    ctx.windows_host_process(&mut out);
    ctx.host_probes(&mut out);

    if restricted {
        ctx.restricted_volumes(&mut out);
        if !windows {
            ctx.allow_privilege_escalation(&mut out);
        }
        if !user_ns {
            ctx.run_as_non_root(&mut out);
            ctx.run_as_user(&mut out);
        }
        if !windows {
            ctx.seccomp_restricted(&mut out);
            ctx.capabilities_restricted(&mut out);
        }
        ctx.proc_mount("procMount_restricted", Level::Restricted, &mut out);
    }
    out
}

/// Extracts the pod (template) of a workload object: its metadata, its spec
/// and the path of the spec inside the object (`spec` for a Pod,
/// `spec.template.spec` for Deployment, StatefulSet, DaemonSet, ReplicaSet,
/// ReplicationController and Job, `spec.jobTemplate.spec.template.spec` for
/// CronJob). `None` for other kinds or when there is no parsable template.
pub fn pod_spec_of(
    kind: &str,
    object: &serde_json::Value,
) -> Option<(ObjectMeta, PodSpec, String)> {
    let (meta_path, spec_path): (&[&str], &[&str]) = match kind {
        "Pod" => (&["metadata"], &["spec"]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => (
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
        ),
        "CronJob" => (
            &["spec", "jobTemplate", "spec", "template", "metadata"],
            &["spec", "jobTemplate", "spec", "template", "spec"],
        ),
        _ => return None,
    };
    let lookup = |path: &[&str]| -> Option<&serde_json::Value> {
        path.iter().try_fold(object, |v, k| v.get(*k))
    };
    let spec_value = lookup(spec_path).filter(|v| v.is_object())?;
    let spec: PodSpec = serde_json::from_value(spec_value.clone()).ok()?;
    let metadata: ObjectMeta = match lookup(meta_path) {
        Some(v) if !v.is_null() => serde_json::from_value(v.clone()).ok()?,
        _ => ObjectMeta::default(),
    };
    Some((metadata, spec, spec_path.join(".")))
}

/// [`pod_spec_of`] followed by [`check_pod_at`]: the violations of a
/// workload's pod template, with paths rooted in the object. `None` when the
/// object carries no pod template.
pub fn check_object(
    level: Level,
    kind: &str,
    object: &serde_json::Value,
) -> Option<Vec<Violation>> {
    let (metadata, spec, prefix) = pod_spec_of(kind, object)?;
    Some(check_pod_at(level, &metadata, &spec, &prefix))
}

/// A container of any of the three kinds, with its path.
struct ContainerRef<'a> {
    name: &'a str,
    path: String,
    sc: Option<&'a SecurityContext>,
    ports: &'a [ContainerPort],
    probes: [(&'static str, Option<&'a Probe>); 3],
    lifecycle: Option<&'a Lifecycle>,
}

struct Ctx<'a> {
    metadata: &'a ObjectMeta,
    spec: &'a PodSpec,
    prefix: &'a str,
    meta_prefix: String,
    containers: Vec<ContainerRef<'a>>,
}

fn q(s: &str) -> String {
    format!("{s:?}")
}

fn join_quote<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    items
        .into_iter()
        .map(|s| q(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Ctx<'a> {
    fn new(
        metadata: &'a ObjectMeta,
        spec: &'a PodSpec,
        prefix: &'a str,
        meta_prefix: String,
    ) -> Self {
        // Same order as upstream's visitContainers: init, regular, ephemeral.
        let mut containers = Vec::new();
        for c in spec.init_containers.iter().flatten() {
            containers.push(ContainerRef {
                name: &c.name,
                path: format!("{prefix}.initContainers[name={}]", c.name),
                sc: c.security_context.as_ref(),
                ports: c.ports.as_deref().unwrap_or(&[]),
                probes: [
                    ("livenessProbe", c.liveness_probe.as_ref()),
                    ("readinessProbe", c.readiness_probe.as_ref()),
                    ("startupProbe", c.startup_probe.as_ref()),
                ],
                lifecycle: c.lifecycle.as_ref(),
            });
        }
        for c in &spec.containers {
            containers.push(ContainerRef {
                name: &c.name,
                path: format!("{prefix}.containers[name={}]", c.name),
                sc: c.security_context.as_ref(),
                ports: c.ports.as_deref().unwrap_or(&[]),
                probes: [
                    ("livenessProbe", c.liveness_probe.as_ref()),
                    ("readinessProbe", c.readiness_probe.as_ref()),
                    ("startupProbe", c.startup_probe.as_ref()),
                ],
                lifecycle: c.lifecycle.as_ref(),
            });
        }
        for c in spec.ephemeral_containers.iter().flatten() {
            containers.push(ContainerRef {
                name: &c.name,
                path: format!("{prefix}.ephemeralContainers[name={}]", c.name),
                sc: c.security_context.as_ref(),
                ports: c.ports.as_deref().unwrap_or(&[]),
                probes: [
                    ("livenessProbe", c.liveness_probe.as_ref()),
                    ("readinessProbe", c.readiness_probe.as_ref()),
                    ("startupProbe", c.startup_probe.as_ref()),
                ],
                lifecycle: c.lifecycle.as_ref(),
            });
        }
        Ctx {
            metadata,
            spec,
            prefix,
            meta_prefix,
            containers,
        }
    }

    fn is_windows(&self) -> bool {
        self.spec.os.as_ref().is_some_and(|os| os.name == "windows")
    }

    /// Upstream `relaxPolicyForUserNamespacePod`: `hostUsers: false`.
    fn user_namespace(&self) -> bool {
        self.spec.host_users == Some(false)
    }

    fn pod_sc(&self) -> Option<&'a k8s_openapi::api::core::v1::PodSecurityContext> {
        self.spec.security_context.as_ref()
    }

    fn push(
        out: &mut Vec<Violation>,
        check: &'static str,
        level: Level,
        field: String,
        reason: &str,
        detail: String,
    ) {
        out.push(Violation {
            check,
            level,
            field,
            message: format!("{reason} ({detail})"),
        });
    }

    /// Like upstream: explicit bad settings are reported; the fields merely
    /// left unset only when nothing sets a bad value.
    fn push_explicit_first(
        out: &mut Vec<Violation>,
        check: &'static str,
        reason: &str,
        explicit: Vec<(String, String)>,
        implicit: Vec<(String, String)>,
    ) {
        let report = if explicit.is_empty() {
            implicit
        } else {
            explicit
        };
        for (field, detail) in report {
            Self::push(out, check, Level::Restricted, field, reason, detail);
        }
    }
}
