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

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use k8s_openapi::api::core::v1::{
    Capabilities, ContainerPort, Lifecycle, PodSpec, Probe, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::Error;

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
            other => Err(Error::InvalidInput(format!(
                "invalid Pod Security level {other:?} (accepted: privileged, baseline, restricted)"
            ))),
        }
    }
}

/// Validates a `pod-security.kubernetes.io/<mode>-version` label value the
/// way the admission plugin does: `latest` or `v1.<minor>` (minor without
/// leading zeros).
pub fn parse_version(s: &str) -> Result<(), String> {
    if s == "latest" {
        return Ok(());
    }
    let bad = || {
        format!("invalid Pod Security version {s:?}: must be \"latest\" or \"v1.x\" (e.g. v1.33)")
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

/// The AppArmor annotation prefix (one annotation per container).
pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// Capabilities the baseline level allows adding.
pub const BASELINE_ALLOWED_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls the baseline level allows (upstream `sysctlsAllowedV1Dot32`, the
/// newest set of a released policy version).
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/// SELinux types the baseline level allows (besides empty).
pub const ALLOWED_SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Volume types the restricted level allows (JSON field names).
pub const RESTRICTED_ALLOWED_VOLUME_TYPES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

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

    // ---- baseline ----------------------------------------------------

    fn host_namespaces(&self, out: &mut Vec<Violation>) {
        for (name, value) in [
            ("hostNetwork", self.spec.host_network),
            ("hostPID", self.spec.host_pid),
            ("hostIPC", self.spec.host_ipc),
        ] {
            if value == Some(true) {
                Self::push(
                    out,
                    "hostNamespaces",
                    Level::Baseline,
                    format!("{}.{name}", self.prefix),
                    "host namespaces",
                    format!("{name}=true"),
                );
            }
        }
    }

    fn privileged(&self, out: &mut Vec<Violation>) {
        for c in &self.containers {
            if c.sc.and_then(|sc| sc.privileged) == Some(true) {
                Self::push(
                    out,
                    "privileged",
                    Level::Baseline,
                    format!("{}.securityContext.privileged", c.path),
                    "privileged",
                    format!(
                        "container {} must not set securityContext.privileged=true",
                        q(c.name)
                    ),
                );
            }
        }
    }

    fn capabilities_baseline(&self, out: &mut Vec<Violation>) {
        for c in &self.containers {
            let added =
                c.sc.and_then(|sc| sc.capabilities.as_ref())
                    .and_then(|caps| caps.add.as_ref());
            let bad: BTreeSet<&str> = added
                .into_iter()
                .flatten()
                .map(String::as_str)
                .filter(|cap| !BASELINE_ALLOWED_CAPABILITIES.contains(cap))
                .collect();
            if !bad.is_empty() {
                Self::push(
                    out,
                    "capabilities_baseline",
                    Level::Baseline,
                    format!("{}.securityContext.capabilities.add", c.path),
                    "non-default capabilities",
                    format!(
                        "container {} must not include {} in securityContext.capabilities.add",
                        q(c.name),
                        join_quote(bad)
                    ),
                );
            }
        }
    }

    fn host_path_volumes(&self, out: &mut Vec<Violation>) {
        for v in self.spec.volumes.iter().flatten() {
            if v.host_path.is_some() {
                Self::push(
                    out,
                    "hostPathVolumes",
                    Level::Baseline,
                    format!("{}.volumes[name={}].hostPath", self.prefix, v.name),
                    "hostPath volumes",
                    format!("volume {}", q(&v.name)),
                );
            }
        }
    }

    fn host_ports(&self, out: &mut Vec<Violation>) {
        for c in &self.containers {
            for (i, p) in c.ports.iter().enumerate() {
                if let Some(port) = p.host_port.filter(|p| *p != 0) {
                    Self::push(
                        out,
                        "hostPorts",
                        Level::Baseline,
                        format!("{}.ports[{i}].hostPort", c.path),
                        "hostPort",
                        format!("container {} uses hostPort {port}", q(c.name)),
                    );
                }
            }
        }
    }

    fn app_armor(&self, out: &mut Vec<Violation>) {
        let allowed_annotation =
            |v: &str| v.is_empty() || v == "runtime/default" || v.starts_with("localhost/");
        if let Some(annotations) = &self.metadata.annotations {
            // BTreeMap: sorted by key, like upstream's sorted message.
            for (k, v) in annotations {
                if k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_annotation(v) {
                    Self::push(
                        out,
                        "appArmorProfile",
                        Level::Baseline,
                        format!("{}.annotations[{k}]", self.meta_prefix),
                        "forbidden AppArmor profile",
                        format!("{k}={}", q(v)),
                    );
                }
            }
        }
        let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
        if let Some(p) = self.pod_sc().and_then(|sc| sc.app_armor_profile.as_ref()) {
            if !allowed_type(&p.type_) {
                Self::push(
                    out,
                    "appArmorProfile",
                    Level::Baseline,
                    format!("{}.securityContext.appArmorProfile.type", self.prefix),
                    "forbidden AppArmor profile",
                    format!(
                        "pod must not set securityContext.appArmorProfile.type to {}",
                        q(&p.type_)
                    ),
                );
            }
        }
        for c in &self.containers {
            if let Some(p) = c.sc.and_then(|sc| sc.app_armor_profile.as_ref()) {
                if !allowed_type(&p.type_) {
                    Self::push(
                        out,
                        "appArmorProfile",
                        Level::Baseline,
                        format!("{}.securityContext.appArmorProfile.type", c.path),
                        "forbidden AppArmor profile",
                        format!(
                            "container {} must not set securityContext.appArmorProfile.type to {}",
                            q(c.name),
                            q(&p.type_)
                        ),
                    );
                }
            }
        }
    }

    fn se_linux(&self, out: &mut Vec<Violation>) {
        let mut inspect =
            |who: String, path: String, opts: &k8s_openapi::api::core::v1::SELinuxOptions| {
                let ty = opts.type_.as_deref().unwrap_or("");
                let mut bad = Vec::new();
                if !ty.is_empty() && !ALLOWED_SELINUX_TYPES.contains(&ty) {
                    bad.push(("type", ty));
                }
                if let Some(u) = opts.user.as_deref().filter(|u| !u.is_empty()) {
                    bad.push(("user", u));
                }
                if let Some(r) = opts.role.as_deref().filter(|r| !r.is_empty()) {
                    bad.push(("role", r));
                }
                for (field, value) in bad {
                    Self::push(
                        out,
                        "seLinuxOptions",
                        Level::Baseline,
                        format!("{path}.securityContext.seLinuxOptions.{field}"),
                        "seLinuxOptions",
                        format!(
                            "{who} set forbidden securityContext.seLinuxOptions: {field} {}",
                            q(value)
                        ),
                    );
                }
            };
        if let Some(opts) = self.pod_sc().and_then(|sc| sc.se_linux_options.as_ref()) {
            inspect("pod".to_string(), self.prefix.to_string(), opts);
        }
        for c in &self.containers {
            if let Some(opts) = c.sc.and_then(|sc| sc.se_linux_options.as_ref()) {
                inspect(format!("container {}", q(c.name)), c.path.clone(), opts);
            }
        }
    }

    fn proc_mount(&self, check: &'static str, level: Level, out: &mut Vec<Violation>) {
        for c in &self.containers {
            if let Some(pm) = c.sc.and_then(|sc| sc.proc_mount.as_deref()) {
                if pm != "Default" {
                    Self::push(
                        out,
                        check,
                        level,
                        format!("{}.securityContext.procMount", c.path),
                        "procMount",
                        format!(
                            "container {} must not set securityContext.procMount to {}",
                            q(c.name),
                            q(pm)
                        ),
                    );
                }
            }
        }
    }

    fn seccomp_baseline(&self, out: &mut Vec<Violation>) {
        if let Some(p) = self.pod_sc().and_then(|sc| sc.seccomp_profile.as_ref()) {
            if p.type_ == "Unconfined" {
                Self::push(
                    out,
                    "seccompProfile_baseline",
                    Level::Baseline,
                    format!("{}.securityContext.seccompProfile.type", self.prefix),
                    "seccompProfile",
                    "pod must not set securityContext.seccompProfile.type to \"Unconfined\""
                        .to_string(),
                );
            }
        }
        for c in &self.containers {
            if let Some(p) = c.sc.and_then(|sc| sc.seccomp_profile.as_ref()) {
                if p.type_ == "Unconfined" {
                    Self::push(
                        out,
                        "seccompProfile_baseline",
                        Level::Baseline,
                        format!("{}.securityContext.seccompProfile.type", c.path),
                        "seccompProfile",
                        format!(
                            "container {} must not set securityContext.seccompProfile.type to \"Unconfined\"",
                            q(c.name)
                        ),
                    );
                }
            }
        }
    }

    fn sysctls(&self, out: &mut Vec<Violation>) {
        for s in self
            .pod_sc()
            .and_then(|sc| sc.sysctls.as_ref())
            .into_iter()
            .flatten()
        {
            if !SAFE_SYSCTLS.contains(&s.name.as_str()) {
                Self::push(
                    out,
                    "sysctls",
                    Level::Baseline,
                    format!("{}.securityContext.sysctls[name={}]", self.prefix, s.name),
                    "forbidden sysctls",
                    s.name.clone(),
                );
            }
        }
    }

    fn windows_host_process(&self, out: &mut Vec<Violation>) {
        let host_process = |w: Option<
            &k8s_openapi::api::core::v1::WindowsSecurityContextOptions,
        >| { w.and_then(|w| w.host_process) == Some(true) };
        if host_process(self.pod_sc().and_then(|sc| sc.windows_options.as_ref())) {
            Self::push(
                out,
                "windowsHostProcess",
                Level::Baseline,
                format!("{}.securityContext.windowsOptions.hostProcess", self.prefix),
                "hostProcess",
                "pod must not set securityContext.windowsOptions.hostProcess=true".to_string(),
            );
        }
        for c in &self.containers {
            if host_process(c.sc.and_then(|sc| sc.windows_options.as_ref())) {
                Self::push(
                    out,
                    "windowsHostProcess",
                    Level::Baseline,
                    format!("{}.securityContext.windowsOptions.hostProcess", c.path),
                    "hostProcess",
                    format!(
                        "container {} must not set securityContext.windowsOptions.hostProcess=true",
                        q(c.name)
                    ),
                );
            }
        }
    }

    fn host_probes(&self, out: &mut Vec<Violation>) {
        for c in &self.containers {
            let mut handlers: Vec<(String, Option<&str>, Option<&str>)> = Vec::new();
            for (name, probe) in c.probes {
                if let Some(p) = probe {
                    handlers.push((
                        name.to_string(),
                        p.http_get.as_ref().and_then(|h| h.host.as_deref()),
                        p.tcp_socket.as_ref().and_then(|t| t.host.as_deref()),
                    ));
                }
            }
            if let Some(l) = c.lifecycle {
                for (name, h) in [("postStart", &l.post_start), ("preStop", &l.pre_stop)] {
                    if let Some(h) = h {
                        handlers.push((
                            format!("lifecycle.{name}"),
                            h.http_get.as_ref().and_then(|h| h.host.as_deref()),
                            h.tcp_socket.as_ref().and_then(|t| t.host.as_deref()),
                        ));
                    }
                }
            }
            for (handler, http, tcp) in handlers {
                for (action, host) in [("httpGet", http), ("tcpSocket", tcp)] {
                    if let Some(host) = host.filter(|h| !h.is_empty()) {
                        Self::push(
                            out,
                            "hostProbesAndHostLifecycle",
                            Level::Baseline,
                            format!("{}.{handler}.{action}.host", c.path),
                            "probe or lifecycle host",
                            format!(
                                "container {} uses probe or lifecycle host {}",
                                q(c.name),
                                q(host)
                            ),
                        );
                    }
                }
            }
        }
    }

    // ---- restricted --------------------------------------------------

    fn restricted_volumes(&self, out: &mut Vec<Violation>) {
        for v in self.spec.volumes.iter().flatten() {
            // Through JSON so that every volume source of every API version
            // is seen without naming version-specific Rust fields.
            let json = serde_json::to_value(v).unwrap_or_default();
            let sources: Vec<&str> = json
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, v)| k.as_str() != "name" && !v.is_null())
                        .map(|(k, _)| k.as_str())
                        .collect()
                })
                .unwrap_or_default();
            if sources
                .iter()
                .any(|s| RESTRICTED_ALLOWED_VOLUME_TYPES.contains(s))
            {
                continue;
            }
            let (field, ty) = match sources.first() {
                Some(s) => (format!("{}.volumes[name={}].{s}", self.prefix, v.name), *s),
                None => (
                    format!("{}.volumes[name={}]", self.prefix, v.name),
                    "unknown",
                ),
            };
            Self::push(
                out,
                "restrictedVolumes",
                Level::Restricted,
                field,
                "restricted volume types",
                format!(
                    "volume {} uses restricted volume type {}",
                    q(&v.name),
                    q(ty)
                ),
            );
        }
    }

    fn allow_privilege_escalation(&self, out: &mut Vec<Violation>) {
        for c in &self.containers {
            if c.sc.and_then(|sc| sc.allow_privilege_escalation) != Some(false) {
                Self::push(
                    out,
                    "allowPrivilegeEscalation",
                    Level::Restricted,
                    format!("{}.securityContext.allowPrivilegeEscalation", c.path),
                    "allowPrivilegeEscalation != false",
                    format!(
                        "container {} must set securityContext.allowPrivilegeEscalation=false",
                        q(c.name)
                    ),
                );
            }
        }
    }

    fn run_as_non_root(&self, out: &mut Vec<Violation>) {
        const CHECK: &str = "runAsNonRoot";
        const REASON: &str = "runAsNonRoot != true";
        let mut explicit = Vec::new();
        let pod = self.pod_sc().and_then(|sc| sc.run_as_non_root);
        if pod == Some(false) {
            explicit.push((
                format!("{}.securityContext.runAsNonRoot", self.prefix),
                "pod must not set securityContext.runAsNonRoot=false".to_string(),
            ));
        }
        let mut implicit = Vec::new();
        for c in &self.containers {
            match c.sc.and_then(|sc| sc.run_as_non_root) {
                Some(false) => explicit.push((
                    format!("{}.securityContext.runAsNonRoot", c.path),
                    format!(
                        "container {} must not set securityContext.runAsNonRoot=false",
                        q(c.name)
                    ),
                )),
                Some(true) => {}
                None if pod == Some(true) => {}
                None => implicit.push((
                    format!("{}.securityContext.runAsNonRoot", c.path),
                    format!(
                        "pod or container {} must set securityContext.runAsNonRoot=true",
                        q(c.name)
                    ),
                )),
            }
        }
        // Like upstream: explicit `false` settings are reported first; the
        // containers merely missing a setting only once none says false.
        Self::push_explicit_first(out, CHECK, REASON, explicit, implicit);
    }

    fn run_as_user(&self, out: &mut Vec<Violation>) {
        if self.pod_sc().and_then(|sc| sc.run_as_user) == Some(0) {
            Self::push(
                out,
                "runAsUser",
                Level::Restricted,
                format!("{}.securityContext.runAsUser", self.prefix),
                "runAsUser=0",
                "pod must not set runAsUser=0".to_string(),
            );
        }
        for c in &self.containers {
            if c.sc.and_then(|sc| sc.run_as_user) == Some(0) {
                Self::push(
                    out,
                    "runAsUser",
                    Level::Restricted,
                    format!("{}.securityContext.runAsUser", c.path),
                    "runAsUser=0",
                    format!("container {} must not set runAsUser=0", q(c.name)),
                );
            }
        }
    }

    fn seccomp_restricted(&self, out: &mut Vec<Violation>) {
        const CHECK: &str = "seccompProfile_restricted";
        let valid = |t: &str| t == "RuntimeDefault" || t == "Localhost";
        let mut explicit = Vec::new();
        let mut pod_set = false;
        if let Some(p) = self.pod_sc().and_then(|sc| sc.seccomp_profile.as_ref()) {
            if valid(&p.type_) {
                pod_set = true;
            } else {
                explicit.push((
                    format!("{}.securityContext.seccompProfile.type", self.prefix),
                    format!(
                        "pod must not set securityContext.seccompProfile.type to {}",
                        q(&p.type_)
                    ),
                ));
            }
        }
        let mut implicit = Vec::new();
        for c in &self.containers {
            match c.sc.and_then(|sc| sc.seccomp_profile.as_ref()) {
                Some(p) if valid(&p.type_) => {}
                Some(p) => explicit.push((
                    format!("{}.securityContext.seccompProfile.type", c.path),
                    format!(
                        "container {} must not set securityContext.seccompProfile.type to {}",
                        q(c.name),
                        q(&p.type_)
                    ),
                )),
                None if pod_set => {}
                None => implicit.push((
                    format!("{}.securityContext.seccompProfile.type", c.path),
                    format!(
                        "pod or container {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                        q(c.name)
                    ),
                )),
            }
        }
        Self::push_explicit_first(out, CHECK, "seccompProfile", explicit, implicit);
    }

    fn capabilities_restricted(&self, out: &mut Vec<Violation>) {
        const CHECK: &str = "capabilities_restricted";
        const REASON: &str = "unrestricted capabilities";
        for c in &self.containers {
            let caps: Option<&Capabilities> = c.sc.and_then(|sc| sc.capabilities.as_ref());
            let dropped_all = caps
                .and_then(|caps| caps.drop.as_ref())
                .is_some_and(|d| d.iter().any(|d| d == "ALL"));
            if !dropped_all {
                Self::push(
                    out,
                    CHECK,
                    Level::Restricted,
                    format!("{}.securityContext.capabilities.drop", c.path),
                    REASON,
                    format!(
                        "container {} must set securityContext.capabilities.drop=[\"ALL\"]",
                        q(c.name)
                    ),
                );
            }
            let bad: BTreeSet<&str> = caps
                .and_then(|caps| caps.add.as_ref())
                .into_iter()
                .flatten()
                .map(String::as_str)
                .filter(|cap| *cap != "NET_BIND_SERVICE")
                .collect();
            if !bad.is_empty() {
                Self::push(
                    out,
                    CHECK,
                    Level::Restricted,
                    format!("{}.securityContext.capabilities.add", c.path),
                    REASON,
                    format!(
                        "container {} must not include {} in securityContext.capabilities.add",
                        q(c.name),
                        join_quote(bad)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_order_parse_display() {
        assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
        for l in Level::ALL {
            assert_eq!(l.to_string().parse::<Level>().unwrap(), l);
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.as_str())
            );
        }
        let err = "Baseline".parse::<Level>().unwrap_err().to_string();
        assert!(err.contains("privileged, baseline, restricted"), "{err}");
    }

    #[test]
    fn versions() {
        for ok in ["latest", "v1.0", "v1.33", "v1.100"] {
            assert!(parse_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "v1", "v1.", "v2.0", "1.33", "v1.033", "v1.3a", "Latest", "v1.33.0",
        ] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }
}
