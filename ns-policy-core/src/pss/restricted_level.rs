//! The restricted-level checks (upstream `check_*.go` of the restricted
//! policy): one [`Ctx`] method per check ID, and the volume types that level
//! allows.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Capabilities;

use super::{join_quote, q, Ctx, Level, Violation};

/// Volume types the restricted level allows (JSON field names).
pub(crate) const RESTRICTED_ALLOWED_VOLUME_TYPES: &[&str] = &[
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

impl<'a> Ctx<'a> {
    pub(super) fn restricted_volumes(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn allow_privilege_escalation(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn run_as_non_root(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn run_as_user(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn seccomp_restricted(&self, out: &mut Vec<Violation>) {
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

    pub(super) fn capabilities_restricted(&self, out: &mut Vec<Violation>) {
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
