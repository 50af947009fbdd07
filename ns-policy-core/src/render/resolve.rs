//! Resolving what the user asked for a namespace (`--profile`, `--label`,
//! `--ttl`, `--set`, the namespace as it exists) into a [`NamespaceSpec`]:
//! [`resolve`], and the profile and template variables it uses.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Namespace;

use super::NamespaceSpec;
use crate::baseline::overrides::{self, Overrides, SetArg};
use crate::baseline::{template, Baseline, Profile};
use crate::error::{Error, InvalidValue, Result, ValueKind};

/// What the user asked for one namespace, before labels and TTL are resolved.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Namespace name.
    pub name: &'a str,
    /// `--profile`.
    pub profile: Option<&'a str>,
    /// `--label k=v`.
    pub labels: &'a BTreeMap<String, String>,
    /// `--ttl` when given explicitly.
    pub ttl: Option<std::time::Duration>,
    /// `--set` arguments.
    pub set: &'a [SetArg],
    /// The namespace as it exists in the cluster, if it does.
    pub existing: Option<&'a Namespace>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A resolved namespace spec and the required labels still missing (to be
/// asked for on a TTY, else an error naming `--label`).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The spec (labels may lack the `missing` ones).
    pub spec: NamespaceSpec,
    /// Required labels without a value.
    pub missing: Vec<String>,
}

/// Resolves profile, labels, overrides and TTL of a namespace.
///
/// Profile: `--profile`, else the existing namespace's `ns-policy.io/profile`
/// label, else the baseline's name rules. Labels: `--label` wins over the
/// existing namespace's labels, which win over the inferred environment; a
/// `--label` contradicting a fixed label of the profile is an error.
/// Overrides: the existing namespace's, changed by `--set`. TTL: an
/// explicit `--ttl` sets a new expiry from now; otherwise an existing
/// namespace keeps its created-at/expires-at, and a new namespace of a
/// profile with a TTL gets the profile's.
pub fn resolve(baseline: &Baseline, req: &Request<'_>) -> Result<Resolved> {
    crate::names::validate_namespace_name(req.name)?;
    if crate::SYSTEM_NAMESPACES.contains(&req.name) {
        // A default deny in kube-system cuts the cluster's own traffic.
        return Err(Error::SystemNamespace {
            name: req.name.to_string(),
        });
    }
    let existing_labels = req
        .existing
        .and_then(|n| n.metadata.labels.clone())
        .unwrap_or_default();
    let annotations = req
        .existing
        .and_then(|n| n.metadata.annotations.clone())
        .unwrap_or_default();
    let profile = match req.profile {
        Some(p) => baseline.select_profile(req.name, Some(p))?.to_string(),
        None => baseline
            .profile_of_existing(req.name, &existing_labels)
            .0
            .to_string(),
    };
    let existing_overrides = overrides::from_annotations(Some(&annotations))
        .map_err(|source| Error::Override {
            namespace: Some(req.name.to_string()),
            source,
        })?
        .unwrap_or_default();
    let overrides = overrides::merge(existing_overrides, req.set);
    let profile_def = effective_profile(baseline, &profile, &overrides)?;
    let mut labels = BTreeMap::new();
    if let Some(env) = baseline.infer_env(req.name, &profile) {
        labels.insert(baseline.env_label().to_string(), env);
    }
    for key in &baseline.spec.required_labels {
        if let Some(v) = existing_labels.get(key).filter(|v| !v.is_empty()) {
            labels.insert(key.clone(), v.clone());
        }
    }
    labels.extend(req.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let missing: Vec<String> = baseline
        .spec
        .required_labels
        .iter()
        .filter(|k| labels.get(*k).is_none_or(|v| v.is_empty()))
        .cloned()
        .collect();
    if missing.is_empty() {
        let vars = variables(baseline, req.name, &profile, &labels);
        for (key, value) in req.labels {
            let Some(fixed) = profile_def.labels.get(key) else {
                continue;
            };
            let fixed = template::expand(fixed, &vars).map_err(|e| Error::NamespaceValue {
                namespace: req.name.to_string(),
                what: format!("label {key}"),
                source: InvalidValue::new(ValueKind::Template, fixed, e),
            })?;
            if &fixed != value {
                return Err(Error::FixedLabel {
                    namespace: req.name.to_string(),
                    profile: profile.clone(),
                    key: key.clone(),
                    value: value.clone(),
                    fixed,
                });
            }
        }
    }
    let lifecycle = baseline.lifecycle();
    let parse_time = |key: &str| {
        annotations
            .get(key)
            .and_then(|v| crate::baseline::parse_time(v))
    };
    let profile_ttl = match &profile_def.ttl {
        Some(t) => Some(crate::baseline::parse_duration(t)?),
        None => None,
    };
    let from_now = |ttl: std::time::Duration| crate::baseline::expires_at(req.now, ttl);
    let created = parse_time(&lifecycle.created_at_annotation).unwrap_or(req.now);
    let (created_at, expires_at) = match (req.ttl, profile_ttl) {
        (Some(ttl), _) => (Some(created), Some(from_now(ttl)?)),
        (None, Some(ttl)) => {
            let expires = match parse_time(&lifecycle.expires_at_annotation) {
                Some(t) => t,
                None => from_now(ttl)?,
            };
            (Some(created), Some(expires))
        }
        (None, None) => (None, None),
    };
    Ok(Resolved {
        spec: NamespaceSpec {
            name: req.name.to_string(),
            profile,
            labels,
            created_at,
            expires_at,
            overrides,
        },
        missing,
    })
}

/// The profile of a namespace with its overrides applied.
pub fn effective_profile(
    baseline: &Baseline,
    profile: &str,
    overrides: &Overrides,
) -> Result<Profile> {
    let p = baseline.profile(profile)?;
    if overrides.is_empty() {
        return Ok(p.clone());
    }
    overrides::apply(p, overrides).map_err(|source| Error::Override {
        namespace: None,
        source,
    })
}

/// The template variables of a namespace: `name`, `profile`, the captures of
/// its profile's name rule and its labels.
pub(crate) fn variables(
    baseline: &Baseline,
    name: &str,
    profile: &str,
    labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut vars = labels.clone();
    vars.extend(baseline.captures(name, profile));
    vars.insert("name".into(), name.to_string());
    vars.insert("profile".into(), profile.to_string());
    vars
}
