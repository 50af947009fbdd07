//! Waivers: a finding accepted for a reason, until a date.
//!
//! Three places declare them:
//!
//! * the baseline, `spec.waivers[]` (central, for namespaces by name or
//!   selector, optionally one object);
//! * the `ns-policy.io/waive` annotation of the Namespace (its findings);
//! * the same annotation on an object (findings about that object).
//!
//! The annotation holds a JSON list (or one object) of
//! `{"check": ID or "category.*", "reason": "...", "expires": "2027-03-01"}`
//! (an annotation on the Namespace may add `"object": "Kind/name"`).
//!
//! A waiver that cannot be honoured — no reason, past its expiry, longer
//! than `spec.waiverPolicy.maxDays` (or without expiry when that is set),
//! unreadable, or naming no check — waives nothing and is itself a
//! `waivers.*` finding. Waived findings are never dropped: they move to
//! [`NamespaceReport::waived`] with the waiver that covers them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::{Finding, NamespaceView};
use crate::baseline::Baseline;
use crate::checks::{category_of, Category, Severity};
use crate::inventory::Source;

/// The annotation declaring waivers on a Namespace or an object.
pub const WAIVE_ANNOTATION: &str = "ns-policy.io/waive";

/// Where a waiver was declared (SARIF `suppressions[].kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaiverKind {
    /// On the object or its namespace (an annotation).
    InSource,
    /// In the baseline.
    External,
}

/// The waiver a finding is waived by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedWaiver {
    /// The check pattern it names.
    pub check: String,
    /// Why.
    pub reason: String,
    /// Until when, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where it was declared (`baseline spec.waivers[0]`, `annotation
    /// ns-policy.io/waive of RoleBinding/ci`).
    pub declared_in: String,
    /// Annotation or baseline.
    pub kind: WaiverKind,
}

impl AppliedWaiver {
    /// `reason (declared in, expires date)`, for reports.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}{})",
            self.reason,
            self.declared_in,
            self.expires
                .as_deref()
                .map(|e| format!(", expires {e}"))
                .unwrap_or_default()
        )
    }
}

/// A finding and the waiver covering it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaivedFinding {
    /// The finding, as it would have been reported.
    #[serde(flatten)]
    pub finding: Finding,
    /// The waiver.
    pub waiver: AppliedWaiver,
}

/// One entry of the annotation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnotationEntry {
    check: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    object: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AnnotationValue {
    Many(Vec<AnnotationEntry>),
    One(AnnotationEntry),
}

/// A waiver as declared, before it is judged.
struct Declared {
    check: String,
    reason: String,
    expires: Option<String>,
    /// Only findings about this object.
    object: Option<String>,
    declared_in: String,
    kind: WaiverKind,
    /// The object that carries it (findings about the waiver point there).
    carrier: Option<String>,
    source: Option<Source>,
}

/// A problem with a waiver: a `waivers.*` finding.
fn problem(d: &Declared, check: &str, message: String, remediation: String) -> Finding {
    Finding {
        check: check.to_string(),
        category: Category::Waivers,
        severity: Severity::Warning,
        message,
        remediation,
        object: d.carrier.clone(),
        source: d.source.as_ref().map(ToString::to_string),
        field: Some(format!("metadata.annotations.{WAIVE_ANNOTATION}")),
    }
}

/// The objects of the view with a waive annotation: (`Kind/name`, metadata,
/// source).
fn annotated<'v>(view: &'v NamespaceView<'_>) -> Vec<(String, &'v ObjectMeta, Option<&'v Source>)> {
    let mut out = Vec::new();
    fn add<'v, T>(
        out: &mut Vec<(String, &'v ObjectMeta, Option<&'v Source>)>,
        kind: &str,
        list: &'v crate::inventory::Access<Vec<&crate::inventory::Item<T>>>,
        meta: fn(&T) -> &ObjectMeta,
    ) {
        for item in list.known().into_iter().flatten() {
            let m = meta(&item.object);
            if m.annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(WAIVE_ANNOTATION))
            {
                out.push((
                    format!("{kind}/{}", m.name.as_deref().unwrap_or_default()),
                    m,
                    item.source.as_ref(),
                ));
            }
        }
    }
    use k8s_openapi::Metadata;
    add(&mut out, "NetworkPolicy", &view.network_policies, |o| {
        o.metadata()
    });
    add(&mut out, "ResourceQuota", &view.resource_quotas, |o| {
        o.metadata()
    });
    add(&mut out, "LimitRange", &view.limit_ranges, |o| o.metadata());
    add(&mut out, "Role", &view.roles, |o| o.metadata());
    add(&mut out, "RoleBinding", &view.role_bindings, |o| {
        o.metadata()
    });
    add(&mut out, "ServiceAccount", &view.service_accounts, |o| {
        o.metadata()
    });
    add(&mut out, "Pod", &view.pods, |o| o.metadata());
    for w in view.workloads.known().into_iter().flatten() {
        let m = w.object.meta();
        if m.annotations
            .as_ref()
            .is_some_and(|a| a.contains_key(WAIVE_ANNOTATION))
        {
            out.push((
                format!("{}/{}", w.object.kind().info().name, w.object.name()),
                m,
                w.source.as_ref(),
            ));
        }
    }
    out
}

/// Reads the annotation of one carrier into declared waivers, or a
/// `waivers.invalid` finding.
fn from_annotation(
    carrier: &str,
    meta: &ObjectMeta,
    source: Option<&Source>,
    on_namespace: bool,
    out: &mut Vec<Declared>,
    problems: &mut Vec<Finding>,
) {
    let Some(text) = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get(WAIVE_ANNOTATION))
    else {
        return;
    };
    let declared_in = format!("annotation {WAIVE_ANNOTATION} of {carrier}");
    match serde_json::from_str::<AnnotationValue>(text) {
        Ok(v) => {
            let entries = match v {
                AnnotationValue::Many(e) => e,
                AnnotationValue::One(e) => vec![e],
            };
            for (i, e) in entries.into_iter().enumerate() {
                let object = if on_namespace { e.object } else { Some(carrier.to_string()) };
                out.push(Declared {
                    check: e.check,
                    reason: e.reason,
                    expires: e.expires,
                    object,
                    declared_in: format!("{declared_in} [{i}]"),
                    kind: WaiverKind::InSource,
                    carrier: Some(carrier.to_string()),
                    source: source.cloned(),
                });
            }
        }
        Err(e) => problems.push(Finding {
            check: "waivers.invalid".into(),
            category: Category::Waivers,
            severity: Severity::Warning,
            message: format!(
                "The {WAIVE_ANNOTATION} annotation of {carrier} cannot be read ({e}): it waives nothing"
            ),
            remediation: format!(
                "write a JSON list: {WAIVE_ANNOTATION}: '[{{\"check\": \"rbac.wildcard-role-binding\", \"reason\": \"why\", \"expires\": \"2027-03-01\"}}]'"
            ),
            object: Some(carrier.to_string()),
            source: source.map(ToString::to_string),
            field: Some("metadata.annotations".into()),
        }),
    }
}

/// The waivers that apply to the namespace of `view`, declared in the
/// baseline and annotations, and the findings about those that cannot be
/// honoured.
fn declared(baseline: &Baseline, view: &NamespaceView<'_>) -> (Vec<Declared>, Vec<Finding>) {
    let ns = view.name();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut labels: BTreeMap<String, String> = view
        .namespace
        .object
        .metadata
        .labels
        .clone()
        .unwrap_or_default();
    labels.insert(crate::NAMESPACE_NAME_LABEL.to_string(), ns.to_string());
    for (i, w) in baseline.spec.waivers.iter().enumerate() {
        let by_name = w.namespaces.iter().any(|n| n == ns);
        let by_selector = w
            .namespace_selector
            .as_deref()
            .and_then(|s| crate::selector::parse(s).ok())
            .is_some_and(|s| s.matches(&labels));
        let everywhere = w.namespaces.is_empty() && w.namespace_selector.is_none();
        if by_name || by_selector || everywhere {
            out.push(Declared {
                check: w.check.clone(),
                reason: w.reason.clone(),
                expires: w.expires.clone(),
                object: w.object.clone(),
                declared_in: format!("baseline spec.waivers[{i}]"),
                kind: WaiverKind::External,
                carrier: Some(format!("Namespace/{ns}")),
                source: None,
            });
        }
    }
    from_annotation(
        &format!("Namespace/{ns}"),
        &view.namespace.object.metadata,
        view.namespace.source.as_ref(),
        true,
        &mut out,
        &mut problems,
    );
    for (carrier, meta, source) in annotated(view) {
        from_annotation(&carrier, meta, source, false, &mut out, &mut problems);
    }
    (out, problems)
}

/// Judges a waiver: `Ok` with its expiry, or the finding that says why it
/// waives nothing.
fn judge(
    d: &Declared,
    max_days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, Box<Finding>> {
    let at = &d.declared_in;
    if !crate::checks::waivable(&d.check) {
        return Err(Box::new(problem(
            d,
            "waivers.invalid",
            format!(
                "The waiver in {at} names {:?}, which is not a check ID or a category followed by .*: it waives nothing",
                d.check
            ),
            "name a check ID as it appears in the findings (e.g. rbac.wildcard-role-binding) or a category (rbac.*)".into(),
        )));
    }
    if d.reason.trim().is_empty() {
        return Err(Box::new(problem(
            d,
            "waivers.missing-reason",
            format!(
                "The waiver of {} in {at} has no reason: it waives nothing",
                d.check
            ),
            "add \"reason\": why the finding is accepted and who accepted it".into(),
        )));
    }
    let expires = match &d.expires {
        None => None,
        Some(text) => match crate::baseline::parse_time(text) {
            Some(t) => Some(t),
            None => {
                return Err(Box::new(problem(
                    d,
                    "waivers.invalid",
                    format!(
                        "The waiver of {} in {at} expires {text:?}, which is not a date: it waives nothing",
                        d.check
                    ),
                    "write \"expires\" as 2027-03-01 or RFC 3339".into(),
                )))
            }
        },
    };
    if let Some(t) = expires {
        if now >= t {
            return Err(Box::new(problem(
                d,
                "waivers.expired",
                format!(
                    "The waiver of {} in {at} expired on {}: the findings it covered are reported again",
                    d.check,
                    crate::render::rfc3339(t)
                ),
                "fix what it waived, or renew it with a new reason and expiry".into(),
            )));
        }
    }
    if let Some(days) = max_days {
        let limit = now + chrono::Duration::days(i64::from(days));
        let too_long = match expires {
            None => Some("never expires".to_string()),
            Some(t) if t > limit => Some(format!("expires on {}", crate::render::rfc3339(t))),
            _ => None,
        };
        if let Some(what) = too_long {
            return Err(Box::new(problem(
                d,
                "waivers.too-long",
                format!(
                    "The waiver of {} in {at} {what}, later than the baseline allows (spec.waiverPolicy.maxDays: {days}): it waives nothing",
                    d.check
                ),
                format!("set \"expires\" at most {days} day(s) ahead"),
            )));
        }
    }
    Ok(expires)
}

fn covers(d: &Declared, f: &Finding) -> bool {
    if f.category == Category::Waivers {
        return false;
    }
    let check = match d.check.strip_suffix(".*") {
        Some(cat) => category_of(&f.check).as_str() == cat,
        None => d.check == f.check,
    };
    check
        && d.object
            .as_ref()
            .is_none_or(|o| f.object.as_deref() == Some(o.as_str()))
}

/// Applies the waivers of the namespace: moves the findings they cover to
/// the returned list and adds a finding for every waiver that cannot be
/// honoured.
pub(super) fn apply(
    baseline: &Baseline,
    view: &NamespaceView<'_>,
    now: DateTime<Utc>,
    findings: &mut Vec<Finding>,
) -> Vec<WaivedFinding> {
    let (declared, mut problems) = declared(baseline, view);
    if declared.is_empty() && problems.is_empty() {
        return Vec::new();
    }
    let max_days = baseline.spec.waiver_policy.max_days;
    let mut valid = Vec::new();
    for d in &declared {
        match judge(d, max_days, now) {
            Ok(_) => valid.push(d),
            Err(f) => problems.push(*f),
        }
    }
    let mut waived = Vec::new();
    let mut kept = Vec::new();
    for f in findings.drain(..) {
        match valid.iter().find(|d| covers(d, &f)) {
            Some(d) => waived.push(WaivedFinding {
                finding: f,
                waiver: AppliedWaiver {
                    check: d.check.clone(),
                    reason: d.reason.clone(),
                    expires: d.expires.clone(),
                    declared_in: d.declared_in.clone(),
                    kind: d.kind,
                },
            }),
            None => kept.push(f),
        }
    }
    kept.extend(problems);
    *findings = kept;
    waived
}
