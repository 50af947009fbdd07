//! Required labels and the profile label.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn labels_check(&mut self) {
        let ns = self.ns;
        for key in &self.baseline.spec.required_labels {
            match self.labels.get(key) {
                None => self.push_ns(
                    "labels.required-missing",
                    Severity::Error,
                    format!("Namespace {ns} lacks the required label {key} (metadata.labels)"),
                    format!("kubectl label namespace {ns} {key}=VALUE"),
                ),
                Some(v) if v.trim().is_empty() => self.push_ns(
                    "labels.required-empty",
                    Severity::Error,
                    format!("Namespace {ns} has an empty required label {key} (metadata.labels)"),
                    format!("kubectl label namespace {ns} {key}=VALUE --overwrite"),
                ),
                Some(_) => {}
            }
        }
        if let Some(bogus) = self.bogus_profile {
            let known = self.baseline.known_profiles();
            self.push_ns(
                "labels.unknown-profile",
                Severity::Warning,
                format!(
                    "Namespace {ns} label {PROFILE_LABEL}={bogus:?} names no profile of the baseline \
                     (profiles: {known}); judged as {} by the name rules",
                    self.profile_name
                ),
                format!(
                    "kubectl label namespace {ns} {PROFILE_LABEL}=PROFILE --overwrite (one of: {known})"
                ),
            );
        }
    }
}
