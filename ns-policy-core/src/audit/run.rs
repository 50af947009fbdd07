//! The audit as one call: which namespaces a request covers, which of them
//! need the API server's Pod Security dry run, running the rules over an
//! [`Inventory`], and which findings `--fix` repairs. Pure; the live edge
//! (listing, dry runs) is [`crate::kube::audit`].

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{audit_namespace_with, Access, AuditOptions, AuditReport, NamespaceReport};
use crate::baseline::Baseline;
use crate::checks::Category;
use crate::error::{Error, Result};
use crate::inventory::{Inventory, Item};
use crate::pss::Level;
use crate::selector::Selector;
use crate::NAMESPACE_NAME_LABEL;

/// Which namespaces to audit.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Named namespaces (always audited, even system or excluded ones).
    pub names: Vec<String>,
    /// `--all`.
    pub all: bool,
    /// `-l SELECTOR` (the text, for the API server, and parsed).
    pub selector: Option<(String, Selector)>,
    /// `--include-system`: --all and -l also cover system and excluded
    /// namespaces.
    pub include_system: bool,
}

impl Selection {
    /// Validates the request: DNS-1123 names, a parsable selector, and at
    /// least one of names, `--all` or `-l`.
    pub fn new(
        names: Vec<String>,
        all: bool,
        selector: Option<&str>,
        include_system: bool,
    ) -> Result<Self> {
        for n in &names {
            crate::names::validate_namespace_name(n)?;
        }
        if names.is_empty() && !all && selector.is_none() {
            return Err(Error::NothingSelected);
        }
        let selector = match selector {
            Some(s) => Some((s.to_string(), crate::selector::parse(s)?)),
            None => None,
        };
        Ok(Selection {
            names,
            all,
            selector,
            include_system,
        })
    }

    /// True when the request covers more than the named namespaces (so the
    /// namespaces must be listed, and every kind is listed cluster-wide).
    pub fn lists_namespaces(&self) -> bool {
        self.all || self.selector.is_some()
    }

    /// The label selector text, if any.
    pub fn selector_text(&self) -> Option<&str> {
        self.selector.as_ref().map(|(s, _)| s.as_str())
    }

    fn named(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// Whether a namespace is covered: named, or matched by `--all`/`-l` and
    /// not a system or excluded namespace (unless `--include-system`).
    pub fn wants(&self, baseline: &Baseline, ns: &Namespace) -> bool {
        let name = ns.metadata.name.as_deref().unwrap_or_default();
        if self.named(name) {
            return true;
        }
        let matched = match &self.selector {
            Some((_, sel)) => {
                static NONE: BTreeMap<String, String> = BTreeMap::new();
                sel.matches(ns.metadata.labels.as_ref().unwrap_or(&NONE))
            }
            None => self.all,
        };
        matched && (self.include_system || !baseline.is_excluded(name))
    }

    /// The covered namespaces among `candidates`, by name, each once.
    pub fn select<'a>(
        &self,
        baseline: &Baseline,
        candidates: &'a [Item<Namespace>],
    ) -> Vec<&'a Item<Namespace>> {
        let mut out: BTreeMap<&str, &Item<Namespace>> = BTreeMap::new();
        for ns in candidates {
            let name = ns.object.metadata.name.as_deref().unwrap_or_default();
            if self.wants(baseline, &ns.object) {
                out.entry(name).or_insert(ns);
            }
        }
        out.into_values().collect()
    }
}

/// A Pod Security readiness question for the API server: would enforcing
/// `level` at `version` on `namespace` reject existing pods?
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PsaDryRun {
    /// Namespace.
    pub namespace: String,
    /// The profile's level.
    pub level: Level,
    /// The profile's version label value.
    pub version: String,
}

/// The namespaces worth a Pod Security dry run: their enforce label is
/// missing or weaker than their profile's level (above privileged) and they
/// have pods (or their pods could not be listed).
pub(crate) fn psa_dry_runs(
    baseline: &Baseline,
    targets: &[&Item<Namespace>],
    inventory: &Inventory,
) -> Vec<PsaDryRun> {
    let with_pods: Option<BTreeSet<&str>> = inventory.pods.known().map(|pods| {
        pods.iter()
            .map(|p| crate::inventory::namespace_of(&p.object.metadata))
            .collect()
    });
    let mut out = Vec::new();
    for ns in targets {
        let meta = &ns.object.metadata;
        let name = meta.name.as_deref().unwrap_or_default();
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        let labels = meta.labels.as_ref().unwrap_or(&NONE);
        let (profile, _) = baseline.profile_of_existing(name, labels);
        let Ok(p) = baseline.profile(profile) else {
            continue;
        };
        let want = p.pod_security.level;
        let have = labels
            .get(&format!("{}enforce", crate::render::PSA_PREFIX))
            .and_then(|v| v.parse::<Level>().ok());
        let weaker = have.is_none_or(|h| h < want);
        let has_pods = with_pods.as_ref().is_none_or(|s| s.contains(name));
        if weaker && has_pods && want > Level::Privileged {
            out.push(PsaDryRun {
                namespace: name.to_string(),
                level: want,
                version: p.pod_security.version.clone(),
            });
        }
    }
    out
}

/// Runs the rules over `targets` (namespaces of `inventory`, or made up by
/// the caller) at time `now`. `psa` holds the answers of the Pod Security
/// dry runs by namespace (live audits only).
pub fn audit(
    baseline: &Baseline,
    inventory: &Inventory,
    targets: &[&Item<Namespace>],
    psa: &BTreeMap<String, Access<Vec<String>>>,
    opts: &AuditOptions,
) -> AuditReport {
    audit_with_progress(baseline, inventory, targets, psa, opts, &|_, _| {})
}

/// [`audit`], calling `progress(done, total)` as namespaces are audited
/// (from several threads).
pub fn audit_with_progress(
    baseline: &Baseline,
    inventory: &Inventory,
    targets: &[&Item<Namespace>],
    psa: &BTreeMap<String, Access<Vec<String>>>,
    opts: &AuditOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AuditReport {
    let index = inventory.cluster_role_index();
    let mut views = inventory.views(targets, &index);
    for view in &mut views {
        view.psa_dry_run_warnings = psa.get(view.name()).cloned();
    }
    let mut reports = audit_views(baseline, &views, opts, progress);
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    AuditReport::new(reports)
}

/// Namespaces audited on one thread; more are shared out over the cores.
const PER_THREAD: usize = 64;

/// Audits every view, on all cores for big audits (the rules are pure and
/// each namespace is judged alone), keeping the order.
fn audit_views(
    baseline: &Baseline,
    views: &[crate::inventory::NamespaceView<'_>],
    opts: &AuditOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<NamespaceReport> {
    let total = views.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let one = |v: &crate::inventory::NamespaceView<'_>| {
        let r = audit_namespace_with(baseline, v, opts);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n, total);
        r
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(views.len().div_ceil(PER_THREAD))
        .max(1);
    if threads == 1 {
        return views.iter().map(one).collect();
    }
    let chunk = views.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = views
            .chunks(chunk)
            .map(|part| {
                let one = &one;
                scope.spawn(move || part.iter().map(one).collect::<Vec<_>>())
            })
            .collect();
        let mut out = Vec::with_capacity(views.len());
        for h in handles {
            match h.join() {
                Ok(mut part) => out.append(&mut part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// The offline audit (`audit -f`): the covered Namespace objects of the
/// manifests, plus named namespaces that only appear as
/// `metadata.namespace` (audited as a Namespace with only the label the API
/// server sets). A named namespace the manifests do not mention is an error.
pub fn audit_manifests(
    baseline: &Baseline,
    inventory: &Inventory,
    selection: &Selection,
    opts: &AuditOptions,
) -> Result<AuditReport> {
    audit_manifests_with_progress(baseline, inventory, selection, opts, &|_, _| {})
}

/// [`audit_manifests`], calling `progress(done, total)` as namespaces are
/// audited.
pub fn audit_manifests_with_progress(
    baseline: &Baseline,
    inventory: &Inventory,
    selection: &Selection,
    opts: &AuditOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<AuditReport> {
    let in_use = inventory.namespaces_in_use();
    let mut made_up = Vec::new();
    for n in &selection.names {
        if inventory.namespace(n).is_some() {
            continue;
        }
        if !in_use.contains(n.as_str()) {
            return Err(Error::NotInManifests {
                missing: vec![n.clone()],
                known: inventory.namespace_names().into_iter().collect(),
            });
        }
        made_up.push(Item::live(Namespace {
            metadata: ObjectMeta {
                name: Some(n.clone()),
                labels: Some(BTreeMap::from([(
                    NAMESPACE_NAME_LABEL.to_string(),
                    n.clone(),
                )])),
                ..Default::default()
            },
            ..Default::default()
        }));
    }
    let mut targets = selection.select(baseline, &inventory.namespaces);
    targets.extend(made_up.iter());
    Ok(audit_with_progress(
        baseline,
        inventory,
        &targets,
        &BTreeMap::new(),
        opts,
        progress,
    ))
}

/// Categories `--fix` repairs by applying the baseline bundle.
pub(crate) const FIXABLE: [Category; 6] = [
    Category::Labels,
    Category::PodSecurity,
    Category::ResourceQuota,
    Category::LimitRange,
    Category::NetworkPolicy,
    Category::NetworkDns,
];

/// Checks outside [`FIXABLE`] categories that the bundle repairs too.
pub(crate) const FIXABLE_CHECKS: [&str; 7] = [
    "rbac.default-sa-automount",
    "rbac.role-missing",
    "rbac.role-drift",
    "rbac.role-binding-missing",
    "rbac.role-binding-drift",
    "rbac.service-account-missing",
    "rbac.service-account-drift",
];

impl NamespaceReport {
    /// True when applying the baseline bundle repairs some finding.
    pub fn fixable(&self) -> bool {
        self.findings
            .iter()
            .any(|f| FIXABLE.contains(&f.category) || FIXABLE_CHECKS.contains(&f.check.as_str()))
    }
}

impl AuditReport {
    /// Namespaces `--fix` would change.
    pub fn fixable(&self) -> Vec<&str> {
        self.namespaces
            .iter()
            .filter(|r| r.fixable())
            .map(|r| r.name.as_str())
            .collect()
    }
}

/// Merges the Pod Security dry-run answers by namespace (a refusal makes
/// that namespace's `pod-security.dry-run-rejected` unknown), with the
/// refusals as messages for the caller to show.
pub(crate) fn split_psa_answers(
    answers: Vec<(String, Access<Vec<String>>)>,
) -> (BTreeMap<String, Access<Vec<String>>>, Vec<String>) {
    let mut by_namespace = BTreeMap::new();
    let mut refused = Vec::new();
    for (ns, a) in answers {
        if let Access::Forbidden(m) = &a {
            refused.push(format!(
                "{m}; the PodSecurity readiness check of {ns} is unknown"
            ));
        }
        by_namespace.insert(ns, a);
    }
    (by_namespace, refused)
}
