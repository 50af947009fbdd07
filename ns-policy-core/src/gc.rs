//! The expiry rule of `kubectl ns-policy gc`: which namespaces are past
//! their expiry and safe to delete. Pure; the deletes are
//! [`crate::kube::gc`].

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Namespace;

use crate::baseline::Baseline;

/// An expired namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// Name.
    pub name: String,
    /// Profile.
    pub profile: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// Namespaces carrying the baseline's managed-by label (kubectl-ns-policy's
/// own unless `spec.lifecycle.managedBy` names another controller) whose
/// expiry annotation (`spec.lifecycle.expiresAtAnnotation`) has passed,
/// sorted by name. Never system, excluded or `default` namespaces, nor ones
/// already being deleted; an expiry that is not a time
/// ([`crate::baseline::parse_time`]) is never expired.
pub fn expired(baseline: &Baseline, namespaces: &[Namespace], now: DateTime<Utc>) -> Vec<Expired> {
    let mut out: Vec<Expired> = namespaces
        .iter()
        .filter_map(|ns| {
            let name = ns.metadata.name.as_deref()?;
            if baseline.is_excluded(name)
                || name == "default"
                || ns.metadata.deletion_timestamp.is_some()
            {
                return None;
            }
            let labels = ns.metadata.labels.clone().unwrap_or_default();
            if !baseline.is_managed(&labels) {
                return None;
            }
            let raw = ns
                .metadata
                .annotations
                .as_ref()?
                .get(&baseline.lifecycle().expires_at_annotation)?;
            let expires_at = crate::baseline::parse_time(raw)?;
            (expires_at <= now).then(|| Expired {
                name: name.to_string(),
                profile: baseline.profile_of_existing(name, &labels).0.to_string(),
                expires_at,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use std::collections::BTreeMap;

    fn ns(name: &str, managed: bool, expires: Option<&str>) -> Namespace {
        let mut labels = BTreeMap::new();
        if managed {
            labels.insert(
                "app.kubernetes.io/managed-by".to_string(),
                "kubectl-ns-policy".to_string(),
            );
        }
        Namespace {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels),
                annotations: expires.map(|e| {
                    BTreeMap::from([("ns-policy.io/expires-at".to_string(), e.to_string())])
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn only_our_namespaces_past_their_expiry_are_collected() {
        let now = DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let all = vec![
            ns("pr-1", true, Some("2026-05-01T11:00:00Z")),
            ns("pr-2", true, Some("2026-05-01T13:00:00Z")),
            ns("pr-3", false, Some("2026-05-01T11:00:00Z")),
            ns("pr-4", true, None),
            ns("pr-5", true, Some("garbage")),
            ns("kube-system", true, Some("2026-05-01T11:00:00Z")),
        ];
        let e = expired(&Baseline::builtin(), &all, now);
        assert_eq!(
            e.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            vec!["pr-1"]
        );
        assert_eq!(e[0].profile, "preview");
    }
}
