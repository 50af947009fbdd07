//! Pod Security Admission labels and the API server's dry-run readiness.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn pod_security(&mut self) {
        let ns = self.ns;
        let level = self.profile.pod_security.level;
        let version = &self.profile.pod_security.version;
        let enforce_key = format!("{PSA_PREFIX}enforce");
        let fix_enforce = format!(
            "kubectl label namespace {ns} {PSA_PREFIX}enforce={level} {PSA_PREFIX}enforce-version={version} --overwrite"
        );
        match self.labels.get(&enforce_key) {
            None => self.push_ns(
                "pod-security.enforce-missing",
                Severity::Error,
                format!(
                    "Namespace {ns} has no {enforce_key} label: pods are admitted at the cluster default, \
                     profile {} requires {level}",
                    self.profile_name
                ),
                fix_enforce.clone(),
            ),
            Some(v) => match v.parse::<Level>() {
                Err(_) => self.push_ns(
                    "pod-security.enforce-invalid",
                    Severity::Error,
                    format!(
                        "Namespace {ns} label {enforce_key}={v:?} is not a Pod Security level \
                         (privileged, baseline, restricted)"
                    ),
                    fix_enforce.clone(),
                ),
                Ok(l) if l < level => self.push_ns(
                    "pod-security.enforce-weaker",
                    Severity::Error,
                    format!(
                        "Namespace {ns} label {enforce_key}={l} is weaker than {level}, the level of profile {}",
                        self.profile_name
                    ),
                    format!(
                        "{fix_enforce} (first check which pods would be rejected: \
                         kubectl label --dry-run=server --overwrite namespace {ns} {enforce_key}={level})"
                    ),
                ),
                Ok(_) => {}
            },
        }
        for mode in ["warn", "audit"] {
            let key = format!("{PSA_PREFIX}{mode}");
            let level = self.profile.pod_security.level_of(mode);
            let fix = format!(
                "kubectl label namespace {ns} {key}={level} {key}-version={version} --overwrite"
            );
            match self.labels.get(&key) {
                None => self.push_ns(
                    &format!("pod-security.{mode}-missing"),
                    Severity::Warning,
                    format!("Namespace {ns} has no {key} label (profile level {level})"),
                    fix,
                ),
                Some(v) if v.parse::<Level>().is_err() => self.push_ns(
                    &format!("pod-security.{mode}-invalid"),
                    Severity::Error,
                    format!(
                        "Namespace {ns} label {key}={v:?} is not a Pod Security level \
                         (privileged, baseline, restricted)"
                    ),
                    fix,
                ),
                Some(v) => {
                    let have: Level = v.parse().unwrap_or(level);
                    if have < level {
                        self.push_ns(
                            &format!("pod-security.{mode}-weaker"),
                            Severity::Warning,
                            format!(
                                "Namespace {ns} label {key}={have} is weaker than {level}, the {mode} level of profile {}",
                                self.profile_name
                            ),
                            fix,
                        );
                    }
                }
            }
        }
        let mut drifted = Vec::new();
        for mode in ["enforce", "warn", "audit"] {
            let key = format!("{PSA_PREFIX}{mode}-version");
            let have = self.labels.get(&key).map(String::as_str);
            // An absent version label means latest to the API server.
            let effective = have.unwrap_or("latest");
            if pss::parse_version(effective).is_ok() && effective != version.as_str() {
                drifted.push(format!("{key}={}", have.unwrap_or("(absent: latest)")));
            }
        }
        if !drifted.is_empty() {
            let labels = ["enforce", "warn", "audit"]
                .map(|m| format!("{PSA_PREFIX}{m}-version={version}"))
                .join(" ");
            self.push_ns(
                "pod-security.version-drift",
                Severity::Warning,
                format!(
                    "Namespace {ns} judges pods by other Pod Security rules than profile {} (version {version}): {}",
                    self.profile_name,
                    drifted.join(", ")
                ),
                format!("kubectl label namespace {ns} {labels} --overwrite"),
            );
        }
        for mode in ["enforce", "warn", "audit"] {
            let key = format!("{PSA_PREFIX}{mode}-version");
            if let Some(v) = self.labels.get(&key) {
                if let Err(e) = pss::parse_version(v) {
                    self.push_ns(
                        "pod-security.version-invalid",
                        Severity::Error,
                        format!("Namespace {ns} label {key}: {e}"),
                        format!("kubectl label namespace {ns} {key}={version} --overwrite"),
                    );
                }
            }
        }
        let warnings = match &self.snap.psa_dry_run_warnings {
            None => None,
            Some(Access::Known(w)) => Some(w),
            Some(Access::Forbidden(m)) => {
                let m = m.clone();
                self.unknown("pod-security.dry-run-rejected", &m);
                None
            }
        };
        if let Some(warnings) = warnings {
            let specific: Vec<&String> = warnings
                .iter()
                .filter(|w| !w.trim_start().starts_with("existing pods in namespace"))
                .collect();
            let shown: Vec<&String> = if specific.is_empty() {
                warnings.iter().collect()
            } else {
                specific
            };
            for w in shown {
                let pod = w
                    .split_once(": ")
                    .map(|(p, _)| p.trim())
                    .filter(|p| !p.is_empty() && !p.contains(' '));
                self.push(
                    "pod-security.dry-run-rejected",
                    Severity::Error,
                    format!(
                        "Enforcing {level} on namespace {ns} would reject an existing pod: {}",
                        w.trim()
                    ),
                    format!(
                        "fix the pod's controller template so it meets the {level} Pod Security Standard, \
                         then roll it out; check again with \
                         kubectl label --dry-run=server --overwrite namespace {ns} {enforce_key}={level}"
                    ),
                    pod.map(|p| format!("Pod/{p}")),
                    None,
                );
            }
        }
    }
}
