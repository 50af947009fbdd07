//! The checks. Each function looks at one part of the snapshot and pushes
//! findings (or unknown checks) onto the context.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
use crate::{EXPIRES_AT_ANNOTATION, NAMESPACE_NAME_LABEL, PROFILE_LABEL};

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
    "pod-security.enforce-missing", PodSecurity, Error, "No pod-security.kubernetes.io/enforce label";
    "pod-security.enforce-weaker", PodSecurity, Error, "Pod Security enforce level weaker than the profile's";
    "pod-security.enforce-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/enforce level";
    "pod-security.warn-missing", PodSecurity, Warning, "No pod-security.kubernetes.io/warn label";
    "pod-security.warn-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/warn level";
    "pod-security.audit-missing", PodSecurity, Warning, "No pod-security.kubernetes.io/audit label";
    "pod-security.audit-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/audit level";
    "pod-security.version-invalid", PodSecurity, Error, "Invalid pod-security.kubernetes.io/*-version label";
    "pod-security.dry-run-rejected", PodSecurity, Error, "An existing pod would be rejected by the profile's enforce level";
    "resource-quota.missing", ResourceQuota, Error, "No ResourceQuota in the namespace";
    "resource-quota.incomplete", ResourceQuota, Error, "No ResourceQuota covers cpu and memory requests and limits for all pods";
    "resource-quota.not-zero", ResourceQuota, Error, "A resource the profile forbids is not limited to 0";
    "limit-range.missing", LimitRange, Error, "No LimitRange in the namespace";
    "limit-range.no-container-defaults", LimitRange, Error, "No Container LimitRange item with default and defaultRequest";
    "network-policy.ingress-not-isolated", NetworkPolicy, Error, "Pods are not isolated for ingress (no default deny)";
    "network-policy.egress-not-isolated", NetworkPolicy, Error, "Pods are not isolated for egress (no default deny)";
    "network-policy.pod-not-isolated", NetworkPolicy, Warning, "A pod is selected by no NetworkPolicy of a direction";
    "network-policy.open-rule", NetworkPolicy, Error, "An allow rule reopens all traffic for every pod";
    "network-dns.blocked", NetworkDns, Error, "Egress isolation blocks DNS (UDP and TCP)";
    "network-dns.udp-blocked", NetworkDns, Error, "Egress isolation blocks DNS over UDP";
    "network-dns.tcp-blocked", NetworkDns, Error, "Egress isolation blocks DNS over TCP";
    "rbac.cluster-admin-binding", Rbac, Error, "A RoleBinding grants cluster-admin in the namespace";
    "rbac.wildcard-role-binding", Rbac, Warning, "A RoleBinding grants a role with wildcard verbs or resources";
    "rbac.default-sa-automount", Rbac, Info, "The default ServiceAccount automounts its token";
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
    profile: &'s Profile,
    bogus_profile: Option<&'s str>,
    now: DateTime<Utc>,
    bundle: OnceCell<Option<Bundle>>,
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
    let profile = match baseline.profile(profile_name) {
        Ok(p) => p,
        // A validated baseline always has its default profile.
        Err(_) => {
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
        profile,
        bogus_profile,
        now,
        bundle: OnceCell::new(),
        findings: Vec::new(),
        unknown: Vec::new(),
    };
    c.labels_check();
    c.pod_security();
    c.resource_quota();
    let defaults = c.limit_range();
    c.network();
    c.rbac();
    c.workloads(defaults.as_ref());
    c.lifecycle();
    let Ctx {
        mut findings,
        mut unknown,
        ..
    } = c;
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

    /// The YAML of an object of the compliant bundle (`name` empty: the
    /// first of its kind).
    fn rendered(&self, kind: &str, name: &str) -> Option<String> {
        let bundle = self.bundle.get_or_init(|| {
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
            let spec = NamespaceSpec {
                name: self.ns.to_string(),
                profile: self.profile_name.to_string(),
                labels,
                created_at: ttl.map(|_| self.now),
                expires_at: ttl.map(|d| self.now + d),
            };
            render::render(self.baseline, &spec).ok()
        });
        bundle
            .as_ref()?
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

    // ---- labels -------------------------------------------------------

    fn labels_check(&mut self) {
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

    // ---- pod-security -------------------------------------------------

    fn pod_security(&mut self) {
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
                Some(_) => {}
            }
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
        if let Some(warnings) = &self.snap.psa_dry_run_warnings {
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

    // ---- resource-quota ---------------------------------------------

    fn resource_quota(&mut self) {
        let quotas = match &self.snap.resource_quotas {
            Access::Known(q) => q,
            Access::Forbidden(m) => {
                for id in [
                    "resource-quota.missing",
                    "resource-quota.incomplete",
                    "resource-quota.not-zero",
                ] {
                    self.unknown(id, m);
                }
                return;
            }
        };
        let ns = self.ns;
        if quotas.is_empty() {
            let fix = self.fix_with("ResourceQuota", "");
            self.push_ns(
                "resource-quota.missing",
                Severity::Error,
                format!("Namespace {ns} has no ResourceQuota: cpu and memory are unbounded"),
                fix,
            );
            return;
        }
        let (unscoped, scoped): (Vec<&Item<_>>, Vec<&Item<_>>) =
            quotas.iter().copied().partition(|q| {
                q.object.spec.as_ref().is_none_or(|s| {
                    s.scopes.as_ref().is_none_or(Vec::is_empty) && s.scope_selector.is_none()
                })
            });
        let hard_of = |resource: &str| -> Vec<(String, String, Option<String>)> {
            unscoped
                .iter()
                .filter_map(|q| {
                    let hard = q.object.spec.as_ref()?.hard.as_ref()?;
                    let alias = resource.strip_prefix("requests.");
                    hard.get(resource)
                        .or_else(|| alias.and_then(|a| hard.get(a)))
                        .map(|v| {
                            (
                                name_of(&q.object.metadata).to_string(),
                                v.0.clone(),
                                q.source_string(),
                            )
                        })
                })
                .collect()
        };
        let missing: Vec<&str> = QUOTA_REQUIRED
            .iter()
            .copied()
            .filter(|r| hard_of(r).is_empty())
            .collect();
        if !missing.is_empty() {
            let mut considered: Vec<String> = unscoped
                .iter()
                .map(|q| format!("ResourceQuota/{}", name_of(&q.object.metadata)))
                .collect();
            if considered.is_empty() {
                considered.push("none".into());
            }
            let mut msg = format!(
                "No ResourceQuota of namespace {ns} limits {} (spec.hard; quotas covering all pods: {})",
                missing.join(", "),
                considered.join(", ")
            );
            if !scoped.is_empty() {
                let names: Vec<String> = scoped
                    .iter()
                    .map(|q| format!("ResourceQuota/{}", name_of(&q.object.metadata)))
                    .collect();
                msg.push_str(&format!(
                    "; {} only cover(s) some pods (spec.scopes/scopeSelector) and do(es) not count",
                    names.join(", ")
                ));
            }
            let (object, source) = match unscoped.as_slice() {
                [one] => (
                    Some(format!("ResourceQuota/{}", name_of(&one.object.metadata))),
                    one.source.as_ref(),
                ),
                _ => (None, None),
            };
            let fix = self.fix_with("ResourceQuota", "");
            self.push(
                "resource-quota.incomplete",
                Severity::Error,
                msg,
                fix,
                object,
                source,
            );
        }
        let zero: Vec<String> = self
            .profile
            .quota
            .iter()
            .filter(|(_, v)| is_zero_quantity(v))
            .map(|(k, _)| k.clone())
            .collect();
        for resource in zero {
            let hard = hard_of(&resource);
            if hard.iter().any(|(_, v, _)| is_zero_quantity(v)) {
                continue;
            }
            let (msg, object, source) = match hard.first() {
                Some((name, v, src)) => (
                    format!(
                        "ResourceQuota/{name} spec.hard[{resource:?}] is {v}, but profile {} forbids {resource} (must be 0)",
                        self.profile_name
                    ),
                    Some(format!("ResourceQuota/{name}")),
                    src.clone(),
                ),
                None => (
                    format!(
                        "No ResourceQuota of namespace {ns} sets spec.hard[{resource:?}] to 0, \
                         but profile {} forbids {resource}",
                        self.profile_name
                    ),
                    None,
                    None,
                ),
            };
            let fix = self.fix_with("ResourceQuota", "");
            self.findings.push(Finding {
                check: "resource-quota.not-zero".into(),
                category: Category::ResourceQuota,
                severity: Severity::Error,
                message: msg,
                remediation: fix,
                object,
                source,
            });
        }
    }

    // ---- limit-range --------------------------------------------------

    /// Returns what the Container LimitRange defaults fill in (`None` when
    /// unknown).
    fn limit_range(&mut self) -> Option<Defaults> {
        let lrs = match &self.snap.limit_ranges {
            Access::Known(l) => l,
            Access::Forbidden(m) => {
                for id in ["limit-range.missing", "limit-range.no-container-defaults"] {
                    self.unknown(id, m);
                }
                return None;
            }
        };
        let ns = self.ns;
        let mut defaults = Defaults::new();
        let mut complete = false;
        for lr in lrs {
            for item in lr
                .object
                .spec
                .as_ref()
                .map(|s| s.limits.as_slice())
                .unwrap_or_default()
            {
                if item.type_ != "Container" {
                    continue;
                }
                let d = item.default.as_ref().filter(|m| !m.is_empty());
                let dr = item.default_request.as_ref().filter(|m| !m.is_empty());
                complete |= d.is_some() && dr.is_some();
                for r in d.into_iter().flat_map(|m| m.keys()) {
                    defaults.insert(format!("limits.{r}"));
                    // A request defaults to the limit when only the limit is set.
                    defaults.insert(format!("requests.{r}"));
                }
                for r in dr.into_iter().flat_map(|m| m.keys()) {
                    defaults.insert(format!("requests.{r}"));
                }
            }
        }
        if lrs.is_empty() {
            let fix = self.fix_with("LimitRange", "");
            self.push_ns(
                "limit-range.missing",
                Severity::Error,
                format!(
                    "Namespace {ns} has no LimitRange: containers without requests/limits get none \
                     (and are rejected by the quota)"
                ),
                fix,
            );
        } else if !complete {
            let names: Vec<String> = lrs
                .iter()
                .map(|l| format!("LimitRange/{}", name_of(&l.object.metadata)))
                .collect();
            let (object, source) = match lrs.as_slice() {
                [one] => (
                    Some(format!("LimitRange/{}", name_of(&one.object.metadata))),
                    one.source.as_ref(),
                ),
                _ => (None, None),
            };
            let fix = self.fix_with("LimitRange", "");
            self.push(
                "limit-range.no-container-defaults",
                Severity::Error,
                format!(
                    "No item of type Container with both default and defaultRequest in {} (spec.limits)",
                    names.join(", ")
                ),
                fix,
                object,
                source,
            );
        }
        Some(defaults)
    }

    // ---- network ------------------------------------------------------

    fn network(&mut self) {
        let pols = match &self.snap.network_policies {
            Access::Known(p) => p,
            Access::Forbidden(m) => {
                for id in [
                    "network-policy.ingress-not-isolated",
                    "network-policy.egress-not-isolated",
                    "network-policy.open-rule",
                    "network-dns.blocked",
                ] {
                    self.unknown(id, m);
                }
                return;
            }
        };
        let ns = self.ns;
        let owned: Vec<NetworkPolicy> = pols
            .iter()
            .map(|p| {
                let mut p = p.object.clone();
                if p.metadata.namespace.as_deref().is_none_or(str::is_empty) {
                    p.metadata.namespace = Some(ns.to_string());
                }
                p
            })
            .collect();
        let source_of = |name: &str| {
            pols.iter()
                .find(|p| name_of(&p.object.metadata) == name)
                .and_then(|p| p.source.as_ref())
        };
        let iso = netpol::namespace_isolation(ns, &owned);
        for (dir, isolated) in [
            (Direction::Ingress, iso.ingress_isolated()),
            (Direction::Egress, iso.egress_isolated()),
        ] {
            if isolated {
                continue;
            }
            let fix = self.fix_with("NetworkPolicy", render::names::DEFAULT_DENY);
            self.push_ns(
                &format!("network-policy.{dir}-not-isolated"),
                Severity::Error,
                format!(
                    "No NetworkPolicy of namespace {ns} selects every pod (podSelector: {{}}) for {dir} \
                     (spec.policyTypes): pods accept/open any {dir} connection"
                ),
                fix,
            );
        }
        for open in &iso.open_rules {
            let name = open.rule.policy.name.clone();
            let field = match open.rule.direction {
                Direction::Ingress => "ingress",
                Direction::Egress => "egress",
            };
            let source = source_of(&name);
            self.push(
                "network-policy.open-rule",
                Severity::Error,
                format!(
                    "NetworkPolicy/{name} spec.{field}[{}] selects every pod and {}: it undoes the default deny",
                    open.rule.rule_index, open.reason
                ),
                format!(
                    "remove spec.{field}[{}] from NetworkPolicy/{name}, or restrict it with peers and ports \
                     (kubectl -n {ns} edit networkpolicy {name})",
                    open.rule.rule_index
                ),
                Some(format!("NetworkPolicy/{name}")),
                source,
            );
        }

        let mut ns_labels = self.labels.clone();
        ns_labels.insert(NAMESPACE_NAME_LABEL.to_string(), ns.to_string());
        let dns = &self.baseline.spec.network.dns;
        let evaluator = Evaluator::new(
            vec![
                NamespaceInfo::new(ns, ns_labels),
                NamespaceInfo::new(dns.namespace.clone(), BTreeMap::new()),
                NamespaceInfo::new(OPENSHIFT_DNS_NAMESPACE, BTreeMap::new()),
            ],
            owned,
        );
        let pods: Vec<(&Item<k8s_openapi::api::core::v1::Pod>, PodInfo)> = self
            .snap
            .pods
            .known()
            .map(|pods| {
                pods.iter()
                    .map(|p| {
                        let info = PodInfo {
                            namespace: ns.to_string(),
                            name: name_of(&p.object.metadata).to_string(),
                            labels: p.object.metadata.labels.clone().unwrap_or_default(),
                            ip: None,
                            ports: Vec::new(),
                        };
                        (*p, info)
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (pod, info) in &pods {
            let open: Vec<String> = [
                (Direction::Ingress, iso.ingress_isolated()),
                (Direction::Egress, iso.egress_isolated()),
            ]
            .into_iter()
            .filter(|(d, all)| !all && evaluator.isolating_policies(info, *d).is_empty())
            .map(|(d, _)| d.to_string())
            .collect();
            if open.is_empty() {
                continue;
            }
            let fix = self.fix_with("NetworkPolicy", render::names::DEFAULT_DENY);
            self.push(
                "network-policy.pod-not-isolated",
                Severity::Warning,
                format!(
                    "Pod/{} (labels {:?}) is selected by no NetworkPolicy for {}",
                    info.name,
                    info.labels,
                    open.join(" and ")
                ),
                fix,
                Some(format!("Pod/{}", info.name)),
                pod.source.as_ref(),
            );
        }
        if self.profile.network.allow_dns {
            self.dns(&evaluator, iso.egress_isolated(), &pods, pols);
        }
    }

    fn dns(
        &mut self,
        evaluator: &Evaluator,
        egress_all: bool,
        pods: &[(&Item<k8s_openapi::api::core::v1::Pod>, PodInfo)],
        pols: &[&Item<NetworkPolicy>],
    ) {
        let ns = self.ns;
        let dns = &self.baseline.spec.network.dns;
        let named = |port: u16| {
            vec![
                NamedPort {
                    name: "dns".into(),
                    port,
                    protocol: Protocol::Udp,
                },
                NamedPort {
                    name: "dns-tcp".into(),
                    port,
                    protocol: Protocol::Tcp,
                },
            ]
        };
        let mut targets: Vec<(Endpoint, u16)> = Vec::new();
        for port in &dns.ports {
            targets.push((
                Endpoint::Pod(PodInfo {
                    namespace: dns.namespace.clone(),
                    name: "cluster-dns".into(),
                    labels: dns.pod_selector.clone(),
                    ip: None,
                    ports: named(*port),
                }),
                *port,
            ));
        }
        targets.push((Endpoint::External(NODELOCAL_DNS.into()), 53));
        let openshift = Endpoint::Pod(PodInfo {
            namespace: OPENSHIFT_DNS_NAMESPACE.into(),
            name: "dns-default".into(),
            labels: BTreeMap::from([(
                OPENSHIFT_DNS_LABEL.0.to_string(),
                OPENSHIFT_DNS_LABEL.1.to_string(),
            )]),
            ip: None,
            ports: named(OPENSHIFT_DNS_PORT),
        });
        targets.push((openshift.clone(), OPENSHIFT_DNS_PORT));
        targets.push((openshift, 53));
        let blocked = |src: &Endpoint| -> Vec<Protocol> {
            [Protocol::Udp, Protocol::Tcp]
                .into_iter()
                .filter(|proto| {
                    !targets
                        .iter()
                        .any(|(dst, port)| evaluator.is_allowed(src, dst, *port, *proto))
                })
                .collect()
        };
        let id_of = |b: &[Protocol]| match b {
            [Protocol::Udp] => "network-dns.udp-blocked",
            [Protocol::Tcp] => "network-dns.tcp-blocked",
            _ => "network-dns.blocked",
        };
        let what = |b: &[Protocol]| match b {
            [Protocol::Udp] => "DNS over UDP",
            [Protocol::Tcp] => "DNS over TCP",
            _ => "DNS over UDP and TCP",
        };
        // Hand-made `name: <ns>` namespace labels: the API server never sets them.
        let mut hint = String::new();
        for p in pols {
            let egress = p
                .object
                .spec
                .as_ref()
                .and_then(|s| s.egress.as_ref())
                .into_iter()
                .flatten();
            let uses_name = egress
                .flat_map(|r| r.to.iter().flatten())
                .filter_map(|peer| peer.namespace_selector.as_ref())
                .any(|sel| {
                    sel.match_labels
                        .as_ref()
                        .is_some_and(|m| m.contains_key("name"))
                        || sel
                            .match_expressions
                            .iter()
                            .flatten()
                            .any(|e| e.key == "name")
                });
            if uses_name {
                hint = format!(
                    "; NetworkPolicy/{} selects namespaces by the label `name`, which the API server does not set: \
                     select {} by {NAMESPACE_NAME_LABEL} instead",
                    name_of(&p.object.metadata),
                    dns.namespace
                );
                break;
            }
        }
        let remediation = |this: &Self| {
            let yaml = this.rendered("NetworkPolicy", render::names::ALLOW_DNS);
            let mut r = format!(
                "allow egress to {}/{} ({}) on port(s) {:?} over UDP and TCP, selecting the namespace by \
                 {NAMESPACE_NAME_LABEL}: {}",
                dns.namespace,
                "pods",
                dns.pod_selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
                dns.ports,
                this.fix_command()
            );
            if let Some(y) = yaml {
                r.push_str(", or apply:\n");
                r.push_str(&y);
            }
            r
        };
        let synthetic_blocked = if egress_all {
            let src = Endpoint::Pod(PodInfo {
                namespace: ns.to_string(),
                name: "any-pod".into(),
                labels: BTreeMap::new(),
                ip: None,
                ports: Vec::new(),
            });
            blocked(&src)
        } else {
            Vec::new()
        };
        let mut failing_pods: Vec<(String, Vec<Protocol>, Option<&Source>)> = Vec::new();
        for (pod, info) in pods {
            if evaluator
                .isolating_policies(info, Direction::Egress)
                .is_empty()
            {
                continue;
            }
            let b = blocked(&Endpoint::Pod(info.clone()));
            if !b.is_empty() {
                failing_pods.push((info.name.clone(), b, pod.source.as_ref()));
            }
        }
        if !synthetic_blocked.is_empty() {
            let b = &synthetic_blocked;
            let mut msg = format!(
                "The egress NetworkPolicies of namespace {ns} block {} to cluster DNS ({}/{} port(s) {:?}; \
                 NodeLocal DNSCache and OpenShift DNS also checked): pods cannot resolve names",
                what(b),
                dns.namespace,
                dns.pod_selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
                dns.ports
            );
            if !failing_pods.is_empty() {
                let names: Vec<&str> = failing_pods.iter().map(|(n, _, _)| n.as_str()).collect();
                let shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
                msg.push_str(&format!(
                    "; affected pods: {shown}{}",
                    if names.len() > 5 { ", ..." } else { "" }
                ));
            }
            msg.push_str(&hint);
            let rem = remediation(self);
            self.push_ns(id_of(b), Severity::Error, msg, rem);
        } else {
            for (name, b, source) in failing_pods {
                let msg = format!(
                    "The egress NetworkPolicies selecting Pod/{name} block {} to cluster DNS ({}){hint}",
                    what(&b),
                    dns.namespace
                );
                let rem = remediation(self);
                self.push(
                    id_of(&b),
                    Severity::Error,
                    msg,
                    rem,
                    Some(format!("Pod/{name}")),
                    source,
                );
            }
        }
    }

    // ---- rbac -----------------------------------------------------------

    fn rbac(&mut self) {
        let ns = self.ns;
        match &self.snap.role_bindings {
            Access::Forbidden(m) => {
                self.unknown("rbac.cluster-admin-binding", m);
                self.unknown("rbac.wildcard-role-binding", m);
            }
            Access::Known(bindings) => {
                for rb in bindings {
                    let name = name_of(&rb.object.metadata);
                    let role_ref = &rb.object.role_ref;
                    let subjects: Vec<String> = rb
                        .object
                        .subjects
                        .iter()
                        .flatten()
                        .map(|s| format!("{}/{}", s.kind, s.name))
                        .collect();
                    let subjects = if subjects.is_empty() {
                        "no subjects".to_string()
                    } else {
                        subjects.join(", ")
                    };
                    if role_ref.kind == "ClusterRole" && role_ref.name == "cluster-admin" {
                        self.push(
                            "rbac.cluster-admin-binding",
                            Severity::Error,
                            format!(
                                "RoleBinding/{name} roleRef binds ClusterRole cluster-admin in namespace {ns} to {subjects}"
                            ),
                            format!(
                                "kubectl -n {ns} delete rolebinding {name}; grant the team role {} instead ({})",
                                self.baseline.spec.rbac.role_name,
                                self.fix_command()
                            ),
                            Some(format!("RoleBinding/{name}")),
                            rb.source.as_ref(),
                        );
                        continue;
                    }
                    let rules: Option<(String, Vec<PolicyRule>)> = match role_ref.kind.as_str() {
                        "Role" => match &self.snap.roles {
                            Access::Known(roles) => roles
                                .iter()
                                .find(|r| name_of(&r.object.metadata) == role_ref.name)
                                .map(|r| {
                                    (
                                        format!("Role/{}", role_ref.name),
                                        r.object.rules.clone().unwrap_or_default(),
                                    )
                                }),
                            Access::Forbidden(m) => {
                                let m = m.clone();
                                self.unknown("rbac.wildcard-role-binding", &m);
                                None
                            }
                        },
                        "ClusterRole" => match &self.snap.cluster_roles {
                            Access::Known(index) => index.get(&role_ref.name).map(|r| {
                                (
                                    format!("ClusterRole/{}", role_ref.name),
                                    r.object.rules.clone().unwrap_or_default(),
                                )
                            }),
                            Access::Forbidden(m) => {
                                let m = m.clone();
                                self.unknown("rbac.wildcard-role-binding", &m);
                                None
                            }
                        },
                        _ => None,
                    };
                    let Some((role, rules)) = rules else { continue };
                    let wild: Vec<String> = rules
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| {
                            let verbs = r.verbs.iter().any(|v| v == "*");
                            let res = r.resources.iter().flatten().any(|v| v == "*");
                            match (verbs, res) {
                                (true, true) => {
                                    Some(format!("rules[{i}] verbs and resources [\"*\"]"))
                                }
                                (true, false) => Some(format!("rules[{i}].verbs [\"*\"]")),
                                (false, true) => Some(format!("rules[{i}].resources [\"*\"]")),
                                _ => None,
                            }
                        })
                        .collect();
                    if !wild.is_empty() {
                        self.push(
                            "rbac.wildcard-role-binding",
                            Severity::Warning,
                            format!(
                                "RoleBinding/{name} grants {role} to {subjects}; {role} has wildcard {}",
                                wild.join(", ")
                            ),
                            format!(
                                "list the verbs and resources explicitly in {role}, or bind the team role {} \
                                 instead (kubectl -n {ns} edit rolebinding {name})",
                                self.baseline.spec.rbac.role_name
                            ),
                            Some(format!("RoleBinding/{name}")),
                            rb.source.as_ref(),
                        );
                    }
                }
            }
        }
        match &self.snap.service_accounts {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("rbac.default-sa-automount", &m);
            }
            Access::Known(sas) => {
                let default = sas
                    .iter()
                    .find(|s| name_of(&s.object.metadata) == render::names::SERVICE_ACCOUNT);
                let fix = format!(
                    "kubectl -n {ns} patch serviceaccount default -p '{{\"automountServiceAccountToken\": false}}'"
                );
                match default {
                    None => self.push(
                        "rbac.default-sa-automount",
                        Severity::Info,
                        format!(
                            "ServiceAccount/default of namespace {ns} is not defined; the one the API server \
                             creates mounts its token into every pod (automountServiceAccountToken)"
                        ),
                        self.fix_with("ServiceAccount", render::names::SERVICE_ACCOUNT),
                        Some("ServiceAccount/default".into()),
                        None,
                    ),
                    Some(sa) if sa.object.automount_service_account_token != Some(false) => self
                        .push(
                            "rbac.default-sa-automount",
                            Severity::Info,
                            format!(
                                "ServiceAccount/default automountServiceAccountToken is {}: every pod gets an API token",
                                match sa.object.automount_service_account_token {
                                    Some(v) => v.to_string(),
                                    None => "unset (true)".into(),
                                }
                            ),
                            fix,
                            Some("ServiceAccount/default".into()),
                            sa.source.as_ref(),
                        ),
                    Some(_) => {}
                }
            }
        }
    }

    // ---- workloads ----------------------------------------------------

    fn workloads(&mut self, defaults: Option<&Defaults>) {
        let mut subjects: Vec<Subject<'_>> = Vec::new();
        match &self.snap.pods {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("workload-security.pods", &m);
                self.unknown("workload-resources.pods", &m);
            }
            Access::Known(pods) => {
                for p in pods {
                    let Some(spec) = p.object.spec.as_ref() else {
                        continue;
                    };
                    subjects.push(Subject {
                        kind: "Pod".into(),
                        name: name_of(&p.object.metadata).to_string(),
                        meta: Cow::Borrowed(&p.object.metadata),
                        spec: Cow::Borrowed(spec),
                        prefix: "spec".into(),
                        source: p.source.as_ref(),
                        owners: p
                            .object
                            .metadata
                            .owner_references
                            .iter()
                            .flatten()
                            .map(|o| (o.kind.clone(), o.name.clone()))
                            .collect(),
                        created: p.source.is_none(),
                    });
                }
            }
        }
        match &self.snap.workloads {
            Access::Forbidden(m) => {
                let m = m.clone();
                self.unknown("workload-security.templates", &m);
                self.unknown("workload-resources.templates", &m);
            }
            Access::Known(ws) => {
                for w in ws {
                    let Some(template) = w.object.pod_template() else {
                        continue;
                    };
                    subjects.push(Subject {
                        kind: w.object.kind().name().to_string(),
                        name: w.object.name().to_string(),
                        meta: Cow::Borrowed(template.metadata),
                        spec: Cow::Borrowed(template.spec),
                        prefix: template.path.to_string(),
                        source: w.source.as_ref(),
                        owners: w
                            .object
                            .meta()
                            .owner_references
                            .iter()
                            .flatten()
                            .map(|o| (o.kind.clone(), o.name.clone()))
                            .collect(),
                        created: false,
                    });
                }
            }
        }
        let level = self.profile.pod_security.level;
        let analysed: Vec<Analysis> = subjects.iter().map(|s| s.analyse(level)).collect();
        let index: HashMap<(&str, &str), usize> = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.kind.as_str(), s.name.as_str()), i))
            .collect();
        for (i, s) in subjects.iter().enumerate() {
            // Owners found in the snapshot, transitively (Pod -> ReplicaSet -> Deployment).
            let mut ancestors = Vec::new();
            let mut frontier: Vec<usize> = vec![i];
            for _ in 0..4 {
                let mut next = Vec::new();
                for j in frontier {
                    for (k, n) in &subjects[j].owners {
                        if let Some(&a) = index.get(&(k.as_str(), n.as_str())) {
                            if a != i && !ancestors.contains(&a) {
                                ancestors.push(a);
                                next.push(a);
                            }
                        }
                    }
                }
                frontier = next;
            }
            let a = &analysed[i];
            let inherited =
                |key: &(String, String), pick: fn(&Analysis) -> &HashSet<(String, String)>| {
                    ancestors.iter().any(|&j| pick(&analysed[j]).contains(key))
                };
            // workload-security: one finding per object per check.
            let mut by_check: Vec<(&'static str, Vec<&Violation>)> = Vec::new();
            for (v, key) in a.violations.iter().zip(&a.violation_keys) {
                if inherited(key, |x| &x.violation_set) {
                    continue;
                }
                match by_check.iter_mut().find(|(c, _)| *c == v.check) {
                    Some((_, list)) => list.push(v),
                    None => by_check.push((v.check, vec![v])),
                }
            }
            let object = format!("{}/{}", s.kind, s.name);
            for (check, list) in by_check {
                let id = format!("workload-security.{}", kebab(check));
                let fields: Vec<String> = list.iter().map(|v| v.to_string()).collect();
                self.push(
                    &id,
                    Severity::Error,
                    format!(
                        "{object} violates the {level} Pod Security Standard ({check}): {}",
                        fields.join("; ")
                    ),
                    pss_remediation(check, level),
                    Some(object.clone()),
                    s.source,
                );
            }
            // workload-resources: one finding per container.
            for (container, path, missing) in &a.missing {
                let missing: Vec<&String> = missing
                    .iter()
                    .filter(|f| !inherited(&(container.clone(), (*f).clone()), |x| &x.missing_set))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let defaulted = !s.created;
                let (filled, open): (Vec<&String>, Vec<&String>) = missing
                    .iter()
                    .partition(|f| defaulted && defaults.is_some_and(|d| d.contains(f.as_str())));
                let list =
                    |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
                let fragment = resources_fragment(self.profile, &missing);
                if open.is_empty() {
                    self.push(
                        "workload-resources.defaulted-by-limit-range",
                        Severity::Info,
                        format!(
                            "{object} container {container:?} sets no {} ({path}.resources); the namespace's \
                             LimitRange default fills them in",
                            list(&filled)
                        ),
                        format!("set them explicitly in {path}.resources:\n{fragment}"),
                        Some(object.clone()),
                        s.source,
                    );
                } else {
                    let mut msg = format!(
                        "{object} container {container:?} sets no {} ({path}.resources)",
                        list(&open)
                    );
                    if !filled.is_empty() {
                        msg.push_str(&format!(
                            "; {} come(s) from the LimitRange default",
                            list(&filled)
                        ));
                    }
                    self.push(
                        "workload-resources.missing",
                        Severity::Warning,
                        msg,
                        format!("set {path}.resources:\n{fragment}"),
                        Some(object.clone()),
                        s.source,
                    );
                }
            }
        }
    }

    // ---- lifecycle ------------------------------------------------------

    fn lifecycle(&mut self) {
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
        let annotation = meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(EXPIRES_AT_ANNOTATION));
        let set_fix = |when: &str| {
            format!(
                "kubectl annotate namespace {ns} {EXPIRES_AT_ANNOTATION}={when} --overwrite \
                 (or kubectl ns-policy create {ns} --ttl {ttl})"
            )
        };
        match annotation {
            None => self.push_ns(
                "lifecycle.expiry-missing",
                Severity::Warning,
                format!(
                    "Preview namespace {ns} (profile {}) has no {EXPIRES_AT_ANNOTATION} annotation: \
                     kubectl ns-policy gc never reaps it",
                    self.profile_name
                ),
                set_fix("YYYY-MM-DDTHH:MM:SSZ"),
            ),
            Some(v) => match DateTime::parse_from_rfc3339(v) {
                Err(_) => self.push_ns(
                    "lifecycle.expiry-invalid",
                    Severity::Warning,
                    format!(
                        "Preview namespace {ns} annotation {EXPIRES_AT_ANNOTATION}={v:?} is not an RFC 3339 time"
                    ),
                    set_fix("YYYY-MM-DDTHH:MM:SSZ"),
                ),
                Ok(t) if t.with_timezone(&Utc) <= self.now => self.push_ns(
                    "lifecycle.expired",
                    Severity::Error,
                    format!(
                        "Preview namespace {ns} expired at {v} ({EXPIRES_AT_ANNOTATION}) and should have been reaped"
                    ),
                    format!("kubectl ns-policy gc (or kubectl delete namespace {ns})"),
                ),
                Ok(_) => {}
            },
        }
    }
}

/// A pod or a pod template.
struct Subject<'x> {
    kind: String,
    name: String,
    meta: Cow<'x, ObjectMeta>,
    spec: Cow<'x, PodSpec>,
    /// Path of the pod spec in the object (`spec`, `spec.template.spec`).
    prefix: String,
    source: Option<&'x Source>,
    /// `(kind, name)` of the owner references.
    owners: Vec<(String, String)>,
    /// A live pod: admitted already, LimitRange defaults no longer apply.
    created: bool,
}

struct Analysis {
    violations: Vec<Violation>,
    /// `(check, field relative to the pod)` per violation.
    violation_keys: Vec<(String, String)>,
    violation_set: HashSet<(String, String)>,
    /// `(container, path, missing fields)`.
    missing: Vec<(String, String, Vec<String>)>,
    /// `(container, missing field)`.
    missing_set: HashSet<(String, String)>,
}

impl Subject<'_> {
    fn analyse(&self, level: Level) -> Analysis {
        let violations = pss::check_pod_at(level, &self.meta, &self.spec, &self.prefix);
        let meta_prefix = match self.prefix.strip_suffix("spec") {
            Some(head) => format!("{head}metadata"),
            None => format!("{}.metadata", self.prefix),
        };
        let violation_keys: Vec<(String, String)> = violations
            .iter()
            .map(|v| {
                let rel = if let Some(rest) = v.field.strip_prefix(&self.prefix) {
                    format!("spec{rest}")
                } else if let Some(rest) = v.field.strip_prefix(&meta_prefix) {
                    format!("metadata{rest}")
                } else {
                    v.field.clone()
                };
                (v.check.to_string(), rel)
            })
            .collect();
        let violation_set = violation_keys.iter().cloned().collect();
        let mut missing = Vec::new();
        let mut missing_set = HashSet::new();
        let lists: [(&str, &[Container]); 2] = [
            (
                "initContainers",
                self.spec.init_containers.as_deref().unwrap_or_default(),
            ),
            ("containers", &self.spec.containers),
        ];
        for (field, containers) in lists {
            for c in containers {
                let res = c.resources.as_ref();
                let has = |kind: &str, r: &str| {
                    res.and_then(|res| match kind {
                        "requests" => res.requests.as_ref(),
                        _ => res.limits.as_ref(),
                    })
                    .is_some_and(|m| m.contains_key(r))
                };
                let m: Vec<String> = QUOTA_REQUIRED
                    .iter()
                    .filter(|f| {
                        let (kind, r) = f.split_once('.').unwrap_or_default();
                        !has(kind, r)
                    })
                    .map(|f| f.to_string())
                    .collect();
                if m.is_empty() {
                    continue;
                }
                for f in &m {
                    missing_set.insert((c.name.clone(), f.clone()));
                }
                missing.push((
                    c.name.clone(),
                    format!("{}.{field}[name={}]", self.prefix, c.name),
                    m,
                ));
            }
        }
        Analysis {
            violations,
            violation_keys,
            violation_set,
            missing,
            missing_set,
        }
    }
}

fn resources_fragment(profile: &Profile, missing: &[&String]) -> String {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for f in missing {
        let Some((kind, r)) = f.split_once('.') else {
            continue;
        };
        let (map, from) = match kind {
            "requests" => (&mut requests, &profile.limit_range.default_request),
            _ => (&mut limits, &profile.limit_range.default),
        };
        let value = from.get(r).cloned().unwrap_or_else(|| "VALUE".into());
        map.insert(r.to_string(), value);
    }
    let mut doc = serde_json::Map::new();
    if !requests.is_empty() {
        doc.insert("requests".into(), serde_json::json!(requests));
    }
    if !limits.is_empty() {
        doc.insert("limits".into(), serde_json::json!(limits));
    }
    crate::yaml::to_string(&serde_json::json!({ "resources": doc }))
}

fn pss_remediation(check: &str, level: Level) -> String {
    let how = match check {
        "hostNamespaces" => "remove hostNetwork, hostPID and hostIPC (or set them to false)",
        "privileged" => "remove securityContext.privileged (or set it to false)",
        "capabilities_baseline" => {
            "add only capabilities of the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, \
             KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)"
        }
        "hostPathVolumes" => "replace hostPath volumes (emptyDir, configMap, persistentVolumeClaim...)",
        "hostPorts" => "remove hostPort from the container ports (use a Service)",
        "appArmorProfile" => {
            "remove the AppArmor override or use RuntimeDefault / Localhost (runtime/default, localhost/*)"
        }
        "seLinuxOptions" => {
            "remove seLinuxOptions.user and .role; type only container_t, container_init_t, \
             container_kvm_t or container_engine_t"
        }
        "procMount" | "procMount_restricted" => "remove securityContext.procMount (or set Default)",
        "seccompProfile_baseline" => "do not set seccompProfile.type: Unconfined",
        "sysctls" => "remove the unsafe sysctls from securityContext.sysctls",
        "windowsHostProcess" => "remove windowsOptions.hostProcess",
        "hostProbesAndHostLifecycle" => "remove the host field from probes and lifecycle handlers",
        "restrictedVolumes" => {
            "use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, \
             projected and secret volumes"
        }
        "allowPrivilegeEscalation" => "set securityContext.allowPrivilegeEscalation: false on every container",
        "runAsNonRoot" => {
            "set securityContext.runAsNonRoot: true (pod or every container) and run as a numeric non-root user"
        }
        "runAsUser" => "do not set runAsUser: 0; use a non-zero user ID",
        "seccompProfile_restricted" => "set securityContext.seccompProfile.type: RuntimeDefault (pod level)",
        "capabilities_restricted" => {
            "set securityContext.capabilities.drop: [ALL] on every container; add at most NET_BIND_SERVICE"
        }
        _ => "fix the named fields",
    };
    let mut out = format!("{how} (Pod Security Standard {level})");
    if level == Level::Restricted {
        out.push_str(
            "; a template that passes restricted:\n\
             securityContext:\n  runAsNonRoot: true\n  seccompProfile:\n    type: RuntimeDefault\n\
             containers:\n- name: app\n  securityContext:\n    allowPrivilegeEscalation: false\n    \
             capabilities:\n      drop: [ALL]\n",
        );
    }
    out
}
