//! The checks. Each function looks at one part of the namespace view and
//! pushes findings (or unknown checks) onto the context; one file per
//! category (network holds both network-policy and network-dns).

mod allows;
mod labels;
mod lifecycle;
mod limit_range;
mod network;
mod pod_security;
mod quota;
mod rbac;
mod rbac_drift;
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

use super::{
    Access, Category, Finding, Item, NamespaceReport, NamespaceView, Severity, UnknownCheck,
};
use crate::baseline::{Baseline, Profile};
use crate::inventory::Source;
use crate::netpol::{
    self, Direction, Endpoint, Evaluator, NamedPort, NamespaceInfo, PodInfo, Protocol,
};
use crate::pss::{self, Level, Violation};
use crate::render::{self, Bundle, NamespaceSpec, PSA_PREFIX};
use crate::{NAMESPACE_NAME_LABEL, PROFILE_LABEL};

/// Static description of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// Stable ID.
    pub id: &'static str,
    /// Category.
    pub category: Category,
    /// Severity of its findings.
    pub severity: Severity,
    /// One line for humans (SARIF `shortDescription`).
    pub description: &'static str,
}

macro_rules! checks {
    ($($id:literal, $cat:ident, $sev:ident, $desc:literal;)*) => {
        /// Every check the audit can report.
        pub const CHECKS: &[CheckInfo] = &[$(CheckInfo {
            id: $id,
            category: Category::$cat,
            severity: Severity::$sev,
            description: $desc,
        }),*];
    };
}

checks! {
    "labels.required-missing", Labels, Error, "A label the baseline requires is missing";
    "labels.required-empty", Labels, Error, "A label the baseline requires is empty";
    "labels.unknown-profile", Labels, Warning, "The ns-policy.io/profile label names no profile of the baseline";
    "labels.fixed-missing", Labels, Error, "A label the profile fixes is missing";
    "labels.fixed-drift", Labels, Error, "A label the profile fixes has another value";
    "labels.annotation-drift", Labels, Warning, "An annotation the profile sets is missing or has another value";
    "labels.overrides-invalid", Labels, Warning, "The ns-policy.io/overrides annotation cannot be read";
    "pod-security.enforce-missing", PodSecurity, Error, "No pod-security.kubernetes.io/enforce label";
    "pod-security.enforce-weaker", PodSecurity, Error, "Pod Security enforce level weaker than the profile's";
    "pod-security.enforce-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/enforce level";
    "pod-security.warn-missing", PodSecurity, Warning, "No pod-security.kubernetes.io/warn label";
    "pod-security.warn-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/warn level";
    "pod-security.audit-missing", PodSecurity, Warning, "No pod-security.kubernetes.io/audit label";
    "pod-security.audit-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/audit level";
    "pod-security.version-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/*-version label";
    "pod-security.warn-weaker", PodSecurity, Warning, "Pod Security warn level weaker than the profile's";
    "pod-security.audit-weaker", PodSecurity, Warning, "Pod Security audit level weaker than the profile's";
    "pod-security.version-drift", PodSecurity, Warning, "Pod Security version label differs from the profile's";
    "pod-security.dry-run-rejected", PodSecurity, Error, "An existing pod would be rejected by the profile's enforce level";
    "resource-quota.missing", ResourceQuota, Error, "No ResourceQuota in the namespace";
    "resource-quota.incomplete", ResourceQuota, Error, "No ResourceQuota covers cpu and memory requests and limits for all pods";
    "resource-quota.not-zero", ResourceQuota, Error, "A resource the profile forbids is not limited to 0";
    "resource-quota.value-drift", ResourceQuota, Error, "A quota value differs from the profile's";
    "limit-range.missing", LimitRange, Error, "No LimitRange in the namespace";
    "limit-range.no-container-defaults", LimitRange, Error, "No Container LimitRange item with default and defaultRequest";
    "limit-range.value-drift", LimitRange, Error, "A LimitRange value differs from the profile's";
    "network-policy.ingress-not-isolated", NetworkPolicy, Error, "Pods are not isolated for ingress (no default deny)";
    "network-policy.egress-not-isolated", NetworkPolicy, Error, "Pods are not isolated for egress (no default deny)";
    "network-policy.pod-not-isolated", NetworkPolicy, Warning, "A pod is selected by no NetworkPolicy of a direction";
    "network-policy.open-rule", NetworkPolicy, Error, "An allow rule reopens all traffic for every pod";
    "network-policy.allow-missing", NetworkPolicy, Error, "Traffic an allow of the profile permits is blocked";
    "network-policy.allow-drift", NetworkPolicy, Warning, "An allow of the profile is not present as the profile writes it";
    "network-dns.blocked", NetworkDns, Error, "Egress isolation blocks DNS (UDP and TCP)";
    "network-dns.udp-blocked", NetworkDns, Error, "Egress isolation blocks DNS over UDP";
    "network-dns.tcp-blocked", NetworkDns, Error, "Egress isolation blocks DNS over TCP";
    "rbac.cluster-admin-binding", Rbac, Error, "A RoleBinding grants cluster-admin in the namespace";
    "rbac.wildcard-role-binding", Rbac, Warning, "A RoleBinding grants a role with wildcard verbs or resources";
    "rbac.default-sa-automount", Rbac, Info, "The default ServiceAccount automounts its token";
    "rbac.cluster-role-binding", Rbac, Warning, "A ClusterRoleBinding grants cluster-wide permissions to an identity of the namespace";
    "rbac.role-missing", Rbac, Error, "The team Role of the baseline is missing";
    "rbac.role-drift", Rbac, Warning, "The team Role's rules differ from the baseline's";
    "rbac.role-binding-missing", Rbac, Error, "A RoleBinding of the profile is missing";
    "rbac.role-binding-drift", Rbac, Error, "A RoleBinding of the profile grants another role or to other subjects";
    "rbac.service-account-missing", Rbac, Error, "A ServiceAccount of the profile is missing";
    "rbac.service-account-drift", Rbac, Warning, "A ServiceAccount of the profile mounts its token against the profile";
    "workload-security.host-namespaces", WorkloadSecurity, Error, "Pod Security: host namespaces";
    "workload-security.privileged", WorkloadSecurity, Error, "Pod Security: privileged containers";
    "workload-security.capabilities-baseline", WorkloadSecurity, Error, "Pod Security: capabilities beyond the baseline set";
    "workload-security.host-path-volumes", WorkloadSecurity, Error, "Pod Security: hostPath volumes";
    "workload-security.host-ports", WorkloadSecurity, Error, "Pod Security: host ports";
    "workload-security.app-armor-profile", WorkloadSecurity, Error, "Pod Security: AppArmor profile";
    "workload-security.se-linux-options", WorkloadSecurity, Error, "Pod Security: SELinux options";
    "workload-security.proc-mount", WorkloadSecurity, Error, "Pod Security: /proc mount type";
    "workload-security.seccomp-profile-baseline", WorkloadSecurity, Error, "Pod Security: seccomp Unconfined";
    "workload-security.sysctls", WorkloadSecurity, Error, "Pod Security: unsafe sysctls";
    "workload-security.windows-host-process", WorkloadSecurity, Error, "Pod Security: Windows HostProcess";
    "workload-security.host-probes-and-host-lifecycle", WorkloadSecurity, Error, "Pod Security: host field in probes or lifecycle handlers";
    "workload-security.restricted-volumes", WorkloadSecurity, Error, "Pod Security: volume types beyond the restricted set";
    "workload-security.allow-privilege-escalation", WorkloadSecurity, Error, "Pod Security: privilege escalation allowed";
    "workload-security.run-as-non-root", WorkloadSecurity, Error, "Pod Security: runAsNonRoot not true";
    "workload-security.run-as-user", WorkloadSecurity, Error, "Pod Security: runAsUser 0";
    "workload-security.seccomp-profile-restricted", WorkloadSecurity, Error, "Pod Security: seccomp profile not RuntimeDefault or Localhost";
    "workload-security.capabilities-restricted", WorkloadSecurity, Error, "Pod Security: capabilities not dropped (ALL)";
    "workload-security.proc-mount-restricted", WorkloadSecurity, Error, "Pod Security: /proc mount type (restricted)";
    "workload-resources.missing", WorkloadResources, Warning, "A container lacks cpu/memory requests or limits";
    "workload-resources.defaulted-by-limit-range", WorkloadResources, Info, "A container lacks requests or limits that the LimitRange fills in";
    "lifecycle.expired", Lifecycle, Error, "A preview namespace is past its ns-policy.io/expires-at";
    "lifecycle.expiry-missing", Lifecycle, Warning, "A preview namespace has no ns-policy.io/expires-at";
    "lifecycle.expiry-invalid", Lifecycle, Warning, "A preview namespace has an invalid ns-policy.io/expires-at";
    "lifecycle.stuck-terminating", Lifecycle, Error, "A namespace has been terminating for more than 5 minutes";
}

/// The description of a check ID.
pub fn check_info(id: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The category of a check ID (its prefix before the first `.`).
pub(super) fn category_of(check: &str) -> Category {
    let prefix = check.split('.').next().unwrap_or_default();
    Category::ALL
        .into_iter()
        .find(|c| c.as_str() == prefix)
        .unwrap_or(Category::Labels)
}

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
    now: DateTime<Utc>,
) -> NamespaceReport {
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
        // A validated baseline always has its default profile.
        None => {
            return NamespaceReport {
                name: ns.to_string(),
                profile: profile_name.to_string(),
                findings: Vec::new(),
                unknown: Vec::new(),
            }
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
    c.lifecycle();
    let Ctx {
        mut findings,
        mut unknown,
        ..
    } = c;
    findings.retain(|f| !profile.audit.skips(&f.check));
    unknown.retain(|u| !profile.audit.skips(&u.check));
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
    NamespaceReport {
        name: ns.to_string(),
        profile: profile_name.to_string(),
        findings,
        unknown,
    }
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
            Err(e) => Some((base.clone(), Some(e))),
        },
        Err(e) => Some((base.clone(), Some(e))),
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
            source: source.map(ToString::to_string),
        });
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
                    .and_then(|t| crate::baseline::parse_duration(t).ok())
                    .and_then(|d| Duration::from_std(d).ok());
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
                    expires_at: ttl.map(|d| self.now + d),
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
