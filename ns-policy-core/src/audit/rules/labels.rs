//! Required labels, the profile label, and the labels and annotations the
//! profile fixes (templated from the name and labels).

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

    /// The profile's fixed labels and annotations, expanded for this
    /// namespace; a template that cannot be expanded here (a capture the
    /// name does not give) is not judged.
    pub(super) fn fixed_metadata(&mut self) {
        let ns = self.ns;
        let vars = render::variables(self.baseline, ns, self.profile_name, self.labels);
        let mut all_vars = vars.clone();
        for (key, template) in &self.profile.labels {
            let Ok(want) = crate::baseline::template::expand(template, &vars) else {
                continue;
            };
            all_vars.entry(key.clone()).or_insert_with(|| want.clone());
            let fix = format!("kubectl label namespace {ns} {key}={want} --overwrite");
            match self.labels.get(key) {
                None => self.push_ns(
                    "labels.fixed-missing",
                    Severity::Error,
                    format!(
                        "Namespace {ns} lacks the label {key}={want} that profile {} sets (metadata.labels)",
                        self.profile_name
                    ),
                    fix,
                ),
                Some(have) if *have != want => self.push_ns(
                    "labels.fixed-drift",
                    Severity::Error,
                    format!(
                        "Namespace {ns} label {key}={have:?}, but profile {} sets {key}={want:?}",
                        self.profile_name
                    ),
                    fix,
                ),
                Some(_) => {}
            }
        }
        let annotations = self
            .snap
            .namespace
            .object
            .metadata
            .annotations
            .clone()
            .unwrap_or_default();
        for (key, template) in &self.profile.annotations {
            let Ok(want) = crate::baseline::template::expand(template, &all_vars) else {
                continue;
            };
            let have = annotations.get(key);
            if have == Some(&want) {
                continue;
            }
            self.push_ns(
                "labels.annotation-drift",
                Severity::Warning,
                match have {
                    None => format!(
                        "Namespace {ns} lacks the annotation {key}={want:?} that profile {} sets (metadata.annotations)",
                        self.profile_name
                    ),
                    Some(h) => format!(
                        "Namespace {ns} annotation {key}={h:?}, but profile {} sets {want:?}",
                        self.profile_name
                    ),
                },
                format!("kubectl annotate namespace {ns} {key}='{want}' --overwrite"),
            );
        }
    }
}
