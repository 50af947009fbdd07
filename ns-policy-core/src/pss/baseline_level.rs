//! The baseline-level checks (upstream `check_*.go` of the baseline policy):
//! one [`Ctx`] method per check ID, and the values that level allows.

use std::collections::BTreeSet;

use super::{join_quote, q, Ctx, Level, Violation};

/// The AppArmor annotation prefix (one annotation per container).
pub(crate) const APPARMOR_ANNOTATION_PREFIX: &str =
    "container.apparmor.security.beta.kubernetes.io/";

/// Capabilities the baseline level allows adding.
pub(crate) const BASELINE_ALLOWED_CAPABILITIES: &[&str] = &[
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
pub(crate) const SAFE_SYSCTLS: &[&str] = &[
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
pub(crate) const ALLOWED_SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

impl<'a> Ctx<'a> {
    pub(super) fn host_namespaces(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn privileged(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn capabilities_baseline(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn host_path_volumes(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn host_ports(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn app_armor(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn se_linux(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn proc_mount(&self, check: &'static str, level: Level, out: &mut Vec<Violation>) {
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

    pub(super) fn seccomp_baseline(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn sysctls(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn windows_host_process(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn host_probes(&self, out: &mut Vec<Violation>) {
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
}
