//! Preview expiry and namespaces stuck terminating.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn lifecycle(&mut self) {
        let ns = self.ns;
        let meta = &self.snap.namespace.object.metadata;
        if let Some(ts) = meta
            .deletion_timestamp
            .as_ref()
            .and_then(|t| jiff_to_chrono(&t.0))
        {
            let age = self.now - ts;
            if age > Duration::minutes(STUCK_AFTER_MINUTES) {
                let conditions: Vec<String> = self
                    .snap
                    .namespace
                    .object
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .into_iter()
                    .flatten()
                    .filter(|c| c.status == "True")
                    .map(|c| format!("{}: {}", c.type_, c.message.as_deref().unwrap_or_default()))
                    .collect();
                let finalizers: Vec<String> = self
                    .snap
                    .namespace
                    .object
                    .spec
                    .as_ref()
                    .and_then(|s| s.finalizers.clone())
                    .unwrap_or_default();
                let mut msg = format!(
                    "Namespace {ns} has been terminating for {} minutes (metadata.deletionTimestamp {})",
                    age.num_minutes(),
                    render::rfc3339(ts)
                );
                if !conditions.is_empty() {
                    msg.push_str(&format!("; status.conditions: {}", conditions.join("; ")));
                }
                if !finalizers.is_empty() {
                    msg.push_str(&format!("; spec.finalizers: {}", finalizers.join(", ")));
                }
                self.push_ns(
                    "lifecycle.stuck-terminating",
                    Severity::Error,
                    msg,
                    format!(
                        "kubectl get namespace {ns} -o jsonpath='{{.status.conditions}}' to see what blocks it; \
                         list what remains with kubectl api-resources --verbs=list --namespaced -o name | \
                         xargs -n1 kubectl get -n {ns} --ignore-not-found; fix or remove the objects whose \
                         finalizers never complete (often an unavailable APIService or a deleted controller)"
                    ),
                );
            }
        }
        if self.profile.ttl.is_none() {
            return;
        }
        let ttl = self.profile.ttl.clone().unwrap_or_default();
        let key = self.baseline.lifecycle().expires_at_annotation.clone();
        let annotation = meta.annotations.as_ref().and_then(|a| a.get(&key));
        let set_fix = |when: &str| {
            format!(
                "kubectl annotate namespace {ns} {key}={when} --overwrite \
                 (or kubectl ns-policy create {ns} --ttl {ttl})"
            )
        };
        match annotation {
            None => self.push_ns(
                "lifecycle.expiry-missing",
                Severity::Warning,
                format!(
                    "Preview namespace {ns} (profile {}) has no {key} annotation: \
                     kubectl ns-policy gc never reaps it",
                    self.profile_name
                ),
                set_fix("YYYY-MM-DDTHH:MM:SSZ"),
            ),
            Some(v) => match crate::baseline::parse_time(v).ok_or(()) {
                Err(_) => self.push_ns(
                    "lifecycle.expiry-invalid",
                    Severity::Warning,
                    format!(
                        "Preview namespace {ns} annotation {key}={v:?} is not an RFC 3339 time (or YYYY-MM-DD, YYYY-MM-DDTHH:MM)"
                    ),
                    set_fix("YYYY-MM-DDTHH:MM:SSZ"),
                ),
                Ok(t) if t.with_timezone(&Utc) <= self.now => self.push_ns(
                    "lifecycle.expired",
                    Severity::Error,
                    format!(
                        "Preview namespace {ns} expired at {v} ({key}) and should have been reaped"
                    ),
                    format!("kubectl ns-policy gc (or kubectl delete namespace {ns})"),
                ),
                Ok(_) => {}
            },
        }
    }
}
