//! The checks. Each function looks at one part of the namespace view and
//! pushes findings (or unknown checks) onto the context; one file per
//! category (network holds both network-policy and network-dns).

mod allows;
mod gitops;
mod labels;
mod lifecycle;
mod limit_range;
mod network;
mod pod_security;
mod quota;
mod rbac;
mod rbac_drift;
mod reliability;
mod tiers;
mod workloads;

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Duration, Utc};
use k8s_openapi::api::core::v1::{Container, PodSpec};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::PolicyRule;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Access, Finding, Item, NamespaceReport, NamespaceView, UnknownCheck};
use crate::baseline::{Baseline, Profile};
use crate::checks::{category_of, Category, Severity};
use crate::inventory::Source;
use crate::netpol::{
    self, Direction, Endpoint, Evaluator, NamedPort, NamespaceInfo, PodInfo, Protocol,
};
use crate::pss::{self, Level, Violation};
use crate::render::{self, Bundle, NamespaceSpec, PSA_PREFIX};
use crate::{NAMESPACE_NAME_LABEL, PROFILE_LABEL};

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

const QUOTA_REQUIRED: [&str; 4] = [
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];
const NODELOCAL_DNS: [u8; 4] = [169, 254, 20, 10];
const OPENSHIFT_DNS_NAMESPACE: &str = "openshift-dns";
const OPENSHIFT_DNS_LABEL: (&str, &str) = ("dns.operator.openshift.io/daemonset-dns", "default");
const OPENSHIFT_DNS_PORT: u16 = 5353;
const STUCK_AFTER_MINUTES: i64 = 5;

struct Ctx<'s, 'a> {
    baseline: &'s Baseline,
    snap: &'s NamespaceView<'a>,
    ns: &'s str,
    labels: &'s BTreeMap<String, String>,
    profile_name: &'s str,
    /// The profile with the namespace's overrides applied.
    profile: &'s Profile,
    bogus_profile: Option<&'s str>,
    now: DateTime<Utc>,
    /// Rendered on first use; shared so a check can read it while it
    /// pushes findings.
    bundle: OnceCell<Option<Rc<Bundle>>>,
    findings: Vec<Finding>,
    unknown: Vec<UnknownCheck>,
}

/// Runs every check.
pub(super) fn run(
    baseline: &Baseline,
    snap: &NamespaceView<'_>,
    opts: &super::AuditOptions,
) -> NamespaceReport {
    let now = opts.now;
    let ns = snap.name();
    let labels = snap
        .namespace
        .object
        .metadata
        .labels
        .as_ref()
        .unwrap_or(&NO_LABELS);
    let (profile_name, bogus_profile) = baseline.profile_of_existing(ns, labels);
    let (profile, overrides_error) = match profile_with_overrides(baseline, profile_name, snap) {
        Some(p) => p,
        // A validated baseline always has the profiles its rules name; a
        // namespace judged by none is unknown, never passed.
        None => {
            let unknown = crate::checks::CHECKS
                .iter()
                .map(|c| UnknownCheck {
                    check: c.id.to_string(),
                    category: c.category,
                    reason: format!("profile {profile_name:?} is not in the baseline"),
                })
                .collect();
            return NamespaceReport {
                name: ns.to_string(),
                profile: profile_name.to_string(),
                status: super::NamespaceStatus::Unknown,
                findings: Vec::new(),
                unknown,
                waived: Vec::new(),
            };
        }
    };
    let mut c = Ctx {
        baseline,
        snap,
        ns,
        labels,
        profile_name,
        profile: &profile,
        bogus_profile,
        now,
        bundle: OnceCell::new(),
        findings: Vec::new(),
        unknown: Vec::new(),
    };
    if let Some(e) = overrides_error {
        let ns = c.ns;
        c.push_ns(
            "labels.overrides-invalid",
            Severity::Warning,
            format!("Namespace {ns}: {e}; judged by the profile without overrides"),
            format!(
                "kubectl annotate namespace {ns} {}- (or kubectl ns-policy create {ns} --set PATH=VALUE)",
                crate::baseline::overrides::ANNOTATION
            ),
        );
    }
    c.labels_check();
    c.fixed_metadata();
    c.pod_security();
    c.resource_quota();
    let defaults = c.limit_range();
    c.network();
    c.rbac();
    c.rbac_drift();
    c.workloads(defaults.as_ref());
    c.reliability();
    c.gitops();
    c.lifecycle();
    let Ctx {
        mut findings,
        mut unknown,
        ..
    } = c;
    // A finding about an object the manifests lack (a missing allow, role,
    // binding) points at the Namespace document: where it belongs.
    let ns_source = snap.namespace.source.as_ref().map(ToString::to_string);
    for f in &mut findings {
        if f.source.is_none() {
            f.source = ns_source.clone();
        }
    }
    // Findings about the Namespace's labels and annotations point there.
    for f in &mut findings {
        if f.field.is_none()
            && f.object
                .as_deref()
                .is_some_and(|o| o.starts_with("Namespace/"))
        {
            f.field = match f.category {
                Category::Labels
                    if f.check == "labels.annotation-drift"
                        || f.check == "labels.overrides-invalid" =>
                {
                    Some("metadata.annotations".into())
                }
                Category::Labels | Category::PodSecurity => Some("metadata.labels".into()),
                Category::Lifecycle => Some("metadata.annotations".into()),
                _ => None,
            };
        }
    }
    findings.retain(|f| !profile.audit.skips(&f.check));
    unknown.retain(|u| !profile.audit.skips(&u.check));
    let waived = if opts.ignore_waivers {
        Vec::new()
    } else {
        super::waivers::apply(baseline, snap, now, &mut findings)
    };
    findings.sort_by(|a, b| {
        (
            a.category,
            std::cmp::Reverse(a.severity),
            &a.check,
            &a.object,
        )
            .cmp(&(
                b.category,
                std::cmp::Reverse(b.severity),
                &b.check,
                &b.object,
            ))
    });
    unknown.sort_by(|a, b| (a.category, &a.check).cmp(&(b.category, &b.check)));
    unknown.dedup_by(|a, b| a.check == b.check);
    let mut report = NamespaceReport {
        name: ns.to_string(),
        profile: profile_name.to_string(),
        status: super::NamespaceStatus::Passed,
        findings,
        unknown,
        waived,
    };
    report.status = report.verdict();
    report
}

/// The profile of a namespace with the overrides its annotation records,
/// and why that annotation could not be used.
fn profile_with_overrides(
    baseline: &Baseline,
    profile: &str,
    snap: &NamespaceView<'_>,
) -> Option<(Profile, Option<String>)> {
    let base = baseline.profile(profile).ok()?;
    let annotations = snap.namespace.object.metadata.annotations.as_ref();
    match crate::baseline::overrides::from_annotations(annotations) {
        Ok(None) => Some((base.clone(), None)),
        Ok(Some(o)) => match crate::baseline::overrides::apply(base, &o) {
            Ok(p) => Some((p, None)),
            Err(e) => Some((base.clone(), Some(e.to_string()))),
        },
        Err(e) => Some((base.clone(), Some(e.to_string()))),
    }
}

/// Container requests/limits a LimitRange fills in (`requests.cpu`...).
type Defaults = BTreeSet<String>;

fn kebab(check: &str) -> String {
    let mut out = String::with_capacity(check.len() + 4);
    for ch in check.chars() {
        if ch.is_ascii_uppercase() {
            out.push('-');
            out.push(ch.to_ascii_lowercase());
        } else if ch == '_' {
            out.push('-');
        } else {
            out.push(ch);
        }
    }
    out
}

fn is_zero_quantity(s: &str) -> bool {
    let num = s.trim().trim_end_matches(|c: char| c.is_ascii_alphabetic());
    num.parse::<f64>().is_ok_and(|v| v == 0.0)
}

fn name_of(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

fn jiff_to_chrono(t: &k8s_openapi::jiff::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().try_into().ok()?)
}

impl<'s, 'a> Ctx<'s, 'a> {
    fn push(
        &mut self,
        check: &str,
        severity: Severity,
        message: String,
        remediation: String,
        object: Option<String>,
        source: Option<&Source>,
    ) {
        self.findings.push(Finding {
            check: check.to_string(),
            category: category_of(check),
            severity,
            message,
            remediation,
            object,
            field: None,
            source: source.map(ToString::to_string),
        });
    }

    /// Names the offending field of the finding just pushed.
    fn at_field(&mut self, path: impl Into<String>) {
        if let Some(f) = self.findings.last_mut() {
            f.field = Some(path.into());
        }
    }

    fn push_ns(&mut self, check: &str, severity: Severity, message: String, remediation: String) {
        let object = Some(format!("Namespace/{}", self.ns));
        let source = self.snap.namespace.source.as_ref();
        self.push(check, severity, message, remediation, object, source);
    }

    fn unknown(&mut self, check: &str, reason: &str) {
        self.unknown.push(UnknownCheck {
            check: check.to_string(),
            category: category_of(check),
            reason: reason.to_string(),
        });
    }

    fn fix_command(&self) -> String {
        format!(
            "kubectl ns-policy audit {ns} --fix (or kubectl ns-policy create {ns})",
            ns = self.ns
        )
    }

    /// The compliant bundle of this namespace (its labels, CHANGE-ME for
    /// required ones it lacks, its overrides), as `create` would render it.
    fn expected(&self) -> Option<Rc<Bundle>> {
        self.bundle
            .get_or_init(|| {
                let mut labels = BTreeMap::new();
                for key in &self.baseline.spec.required_labels {
                    let value = self
                        .labels
                        .get(key)
                        .filter(|v| !v.trim().is_empty())
                        .cloned()
                        .unwrap_or_else(|| "CHANGE-ME".to_string());
                    labels.insert(key.clone(), value);
                }
                let ttl = self
                    .profile
                    .ttl
                    .as_deref()
                    .and_then(|t| crate::baseline::parse_duration(t).ok());
                let overrides = crate::baseline::overrides::from_annotations(
                    self.snap.namespace.object.metadata.annotations.as_ref(),
                )
                .ok()
                .flatten()
                .unwrap_or_default();
                let spec = NamespaceSpec {
                    name: self.ns.to_string(),
                    profile: self.profile_name.to_string(),
                    labels,
                    created_at: ttl.map(|_| self.now),
                    // A TTL too long for an expiry (refused by `create`)
                    // renders without one rather than overflowing.
                    expires_at: ttl.and_then(|d| crate::baseline::expires_at(self.now, d).ok()),
                    overrides,
                };
                render::render(self.baseline, &spec).ok().map(Rc::new)
            })
            .clone()
    }

    /// The YAML of an object of the compliant bundle (`name` empty: the
    /// first of its kind).
    fn rendered(&self, kind: &str, name: &str) -> Option<String> {
        self.expected()?
            .objects
            .iter()
            .find(|o| o.kind() == kind && (name.is_empty() || o.name() == name))
            .map(crate::yaml::to_string)
    }

    fn fix_with(&self, kind: &str, name: &str) -> String {
        match self.rendered(kind, name) {
            Some(yaml) => format!("{}, or apply:\n{}", self.fix_command(), yaml),
            None => self.fix_command(),
        }
    }
}
