//! `kubectl ns-policy audit`: live namespaces or manifests on disk.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use dialoguer::console::Term;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ns_policy_core::apply::{self, ApplyOptions};
use ns_policy_core::audit::{
    self, Access, AuditReport, Category, ClusterRoleIndex, NamespaceReport, NamespaceSnapshot,
    Severity,
};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::collect::{self, Scope};
use ns_policy_core::manifests;
use ns_policy_core::render::{self, Request};

use crate::cli::{AuditArgs, AuditFormat, FailOn, Global};
use crate::exit;
use crate::output::{self, Paint};

/// Runs `audit`.
pub async fn run(g: &Global, args: &AuditArgs) -> Result<u8> {
    let baseline = super::load_baseline(g)?;
    for n in &args.names {
        ns_policy_core::names::validate_namespace_name(n)?;
    }
    if args.names.is_empty() && !args.all && args.selector.is_none() {
        bail!("name the namespaces to audit, or pass --all or -l SELECTOR");
    }
    let selector = match &args.selector {
        Some(s) => Some((s.clone(), ns_policy_core::selector::parse(s)?)),
        None => None,
    };
    let report = if !args.files.is_empty() {
        if args.fix {
            bail!("--fix works on live namespaces only, not with -f");
        }
        audit_files(&baseline, args, selector.as_ref().map(|(_, s)| s))?
    } else {
        let cluster = super::connect(g).await?;
        let report = audit_live(&cluster.client, &baseline, args, g.quiet).await?;
        if args.fix {
            let fixed = fix(&cluster.client, &baseline, args, &report, g.quiet).await?;
            if fixed {
                audit_live(&cluster.client, &baseline, args, g.quiet).await?
            } else {
                report
            }
        } else {
            report
        }
    };
    print_report(&report, args, g)?;
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(match threshold {
        Some(t) if report.exceeds(t) => exit::POLICY,
        _ => exit::OK,
    })
}

fn name_of(ns: &Namespace) -> &str {
    ns.metadata.name.as_deref().unwrap_or_default()
}

/// Which namespaces an audit covers: the named ones always; with --all or
/// -l, every matching one except system and excluded namespaces (unless
/// --include-system).
fn select_targets(
    baseline: &Baseline,
    args: &AuditArgs,
    candidates: Vec<Namespace>,
    named: &BTreeSet<&str>,
) -> Vec<Namespace> {
    let mut out: Vec<Namespace> = candidates
        .into_iter()
        .filter(|ns| {
            let name = name_of(ns);
            named.contains(name) || args.include_system || !baseline.is_excluded(name)
        })
        .collect();
    out.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    out.dedup_by(|a, b| name_of(a) == name_of(b));
    out
}

async fn audit_live(
    client: &kube::Client,
    baseline: &Baseline,
    args: &AuditArgs,
    quiet: bool,
) -> Result<AuditReport> {
    let named: BTreeSet<&str> = args.names.iter().map(String::as_str).collect();
    let mut candidates = Vec::new();
    if args.all || args.selector.is_some() {
        candidates = collect::list_namespaces(client, args.selector.as_deref()).await?;
    }
    let missing: Vec<String> = named
        .iter()
        .filter(|n| !candidates.iter().any(|c| name_of(c) == **n))
        .map(|n| n.to_string())
        .collect();
    if !missing.is_empty() {
        let found = apply::get_namespaces(client, &missing).await?;
        let absent: Vec<&str> = found
            .iter()
            .filter(|(_, ns)| ns.is_none())
            .map(|(n, _)| n.as_str())
            .collect();
        if !absent.is_empty() {
            bail!("namespace(s) not found: {}", absent.join(", "));
        }
        candidates.extend(found.into_values().flatten());
    }
    let targets = select_targets(baseline, args, candidates, &named);
    let scope =
        if args.all || args.selector.is_some() || targets.len() > collect::PER_NAMESPACE_LIMIT {
            Scope::Cluster
        } else {
            Scope::Namespaces(targets.iter().map(|n| name_of(n).to_string()).collect())
        };
    let spinner = spinner(quiet, &format!("reading {} namespace(s)", targets.len()));
    let inventory = collect::collect(client, &scope).await?;
    if !quiet {
        for f in inventory.forbidden() {
            eprintln!("warning: {f}; the checks that need it are reported as unknown");
        }
    }
    let dry_runs = psa_dry_runs(client, baseline, &targets, &inventory).await?;
    if let Some(s) = &spinner {
        s.finish_and_clear();
    }
    let index = inventory.cluster_role_index();
    let now = chrono::Utc::now();
    let reports = inventory
        .snapshots(&targets, &index)
        .into_iter()
        .map(|mut snap| {
            let name = name_of(snap.namespace);
            match dry_runs.get(name) {
                Some(Access::Known(w)) => snap.psa_dry_run_warnings = Some(w.clone()),
                Some(Access::Forbidden(m)) if !quiet => {
                    eprintln!("warning: {m}; the PodSecurity readiness check of {name} is skipped");
                }
                _ => {}
            }
            audit::audit_namespace(baseline, &snap, now)
        })
        .collect();
    Ok(AuditReport::new(reports))
}

/// Server-side dry runs of the profile's enforce label, for namespaces whose
/// label is weaker or missing and that have pods.
async fn psa_dry_runs(
    client: &kube::Client,
    baseline: &Baseline,
    targets: &[Namespace],
    inventory: &collect::Inventory,
) -> Result<BTreeMap<String, Access<Vec<String>>>> {
    let with_pods: Option<BTreeSet<&str>> = inventory.pods.known().map(|pods| {
        pods.iter()
            .filter_map(|p| p.metadata.namespace.as_deref())
            .collect()
    });
    let mut jobs = Vec::new();
    for ns in targets {
        let name = name_of(ns);
        let labels = ns.metadata.labels.clone().unwrap_or_default();
        let (profile, _) = baseline.profile_of_existing(name, &labels);
        let Ok(p) = baseline.profile(profile) else {
            continue;
        };
        let want = p.pod_security.level;
        let have = labels
            .get("pod-security.kubernetes.io/enforce")
            .and_then(|v| v.parse::<ns_policy_core::pss::Level>().ok());
        let weaker = have.is_none_or(|h| h < want);
        let has_pods = with_pods.as_ref().is_none_or(|s| s.contains(name));
        if weaker && has_pods && want > ns_policy_core::pss::Level::Privileged {
            jobs.push((
                name.to_string(),
                want.to_string(),
                p.pod_security.version.clone(),
            ));
        }
    }
    let results: Vec<(String, Access<Vec<String>>)> =
        futures::stream::iter(jobs.into_iter().map(|(name, level, version)| async move {
            let r = collect::psa_dry_run(client, &name, &level, &version).await?;
            Ok::<_, anyhow::Error>((name, r))
        }))
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    Ok(results.into_iter().collect())
}

fn audit_files(
    baseline: &Baseline,
    args: &AuditArgs,
    selector: Option<&ns_policy_core::selector::Selector>,
) -> Result<AuditReport> {
    let set = manifests::load_paths(&args.files)?;
    let views = set.by_namespace();
    let index = ClusterRoleIndex::new(set.cluster_roles.iter().map(audit::Sourced::located));
    let named: BTreeSet<&str> = args.names.iter().map(String::as_str).collect();
    // Namespaces named on the command line that only appear as
    // metadata.namespace get a made-up Namespace (with the label the API
    // server would set).
    let mut made_up: BTreeMap<String, Namespace> = BTreeMap::new();
    for n in &named {
        let has_object = set.namespaces.iter().any(|l| name_of(&l.object) == *n);
        if !has_object {
            if !views.contains_key(*n) {
                bail!("namespace {n:?} is not in the given files (no Namespace object and no object in it)");
            }
            made_up.insert(
                n.to_string(),
                Namespace {
                    metadata: ObjectMeta {
                        name: Some(n.to_string()),
                        labels: Some(BTreeMap::from([(
                            ns_policy_core::NAMESPACE_NAME_LABEL.to_string(),
                            n.to_string(),
                        )])),
                        ..Default::default()
                    },
                    ..Default::default()
                },
            );
        }
    }
    let empty_view = manifests::NamespaceView::default();
    let now = chrono::Utc::now();
    let mut reports = Vec::new();
    let mut seen = BTreeSet::new();
    let wanted = |ns: &Namespace| {
        let name = name_of(ns);
        if named.contains(name) {
            return true;
        }
        let selected = match selector {
            Some(sel) => sel.matches(ns.metadata.labels.as_ref().unwrap_or(&BTreeMap::new())),
            None => args.all,
        };
        selected && (args.include_system || !baseline.is_excluded(name))
    };
    for located in &set.namespaces {
        let ns = &located.object;
        if !wanted(ns) || !seen.insert(name_of(ns).to_string()) {
            continue;
        }
        let view = views.get(name_of(ns)).unwrap_or(&empty_view);
        let snap = NamespaceSnapshot::from_view(ns, Some(&located.source), view, &index);
        reports.push(audit::audit_namespace(baseline, &snap, now));
    }
    for (name, ns) in &made_up {
        let view = views.get(name.as_str()).unwrap_or(&empty_view);
        let snap = NamespaceSnapshot::from_view(ns, None, view, &index);
        reports.push(audit::audit_namespace(baseline, &snap, now));
    }
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    // The process exits right after printing: freeing 100,000 parsed
    // objects one by one costs more than half a second on large GitOps
    // repositories, so the loaded set is left to the OS.
    std::mem::forget(views);
    std::mem::forget(set);
    Ok(AuditReport::new(reports))
}

/// Categories `--fix` repairs by applying the baseline bundle.
const FIXABLE: [Category; 6] = [
    Category::Labels,
    Category::PodSecurity,
    Category::ResourceQuota,
    Category::LimitRange,
    Category::NetworkPolicy,
    Category::NetworkDns,
];

/// `--fix`: applies the namespace's bundle (same code as `create`) where
/// the audit found something the bundle repairs. Never deletes. Returns true
/// when something was applied.
async fn fix(
    client: &kube::Client,
    baseline: &Baseline,
    args: &AuditArgs,
    report: &AuditReport,
    quiet: bool,
) -> Result<bool> {
    let to_fix: Vec<&NamespaceReport> = report
        .namespaces
        .iter()
        .filter(|r| {
            r.findings.iter().any(|f| FIXABLE.contains(&f.category))
                || r.findings
                    .iter()
                    .any(|f| f.check == "rbac.default-sa-automount")
        })
        .collect();
    if to_fix.is_empty() {
        if !quiet {
            eprintln!("--fix: nothing to fix");
        }
        return Ok(false);
    }
    let interactive = output::interactive();
    if !args.yes && !interactive {
        bail!(
            "--fix would change {} namespace(s) ({}): rerun with --yes to apply without a terminal",
            to_fix.len(),
            to_fix
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let names: Vec<String> = to_fix.iter().map(|r| r.name.clone()).collect();
    let existing = apply::get_namespaces(client, &names).await?;
    let now = chrono::Utc::now();
    let empty = BTreeMap::new();
    let mut bundles = Vec::new();
    for name in &names {
        let req = Request {
            name,
            profile: None,
            labels: &empty,
            ttl: None,
            existing: existing.get(name).and_then(Option::as_ref),
            now,
        };
        let resolved = render::resolve(baseline, &req)?;
        if !resolved.missing.is_empty() {
            eprintln!(
                "--fix: skipping {name}: required label(s) {} have no value; set them with kubectl ns-policy create {name} {}",
                resolved.missing.join(", "),
                resolved.missing.iter().map(|k| format!("--label {k}=VALUE")).collect::<Vec<_>>().join(" ")
            );
            continue;
        }
        let bundle = render::render(baseline, &resolved.spec)?;
        if interactive && !args.yes {
            let plan = apply::plan(
                client,
                &bundle,
                existing.get(name).and_then(Option::as_ref),
                &ApplyOptions::default(),
            )
            .await?;
            eprint!("{}", super::create::describe_changes(&plan));
            let ok = dialoguer::Confirm::new()
                .with_prompt(format!("Fix namespace {name}?"))
                .default(false)
                .interact_on(&Term::stderr())
                .context("reading the confirmation")?;
            if !ok {
                continue;
            }
        }
        bundles.push(bundle);
    }
    if bundles.is_empty() {
        return Ok(false);
    }
    let results = super::create::apply_bundles(
        client,
        &bundles,
        &existing,
        &ApplyOptions::default(),
        true,
        quiet,
    )
    .await?;
    if !quiet {
        let changed = results
            .iter()
            .filter(|r| r.action != apply::Action::Unchanged)
            .count();
        eprintln!("--fix: applied the baseline to {} namespace(s), {changed} object(s) created or configured; auditing again", bundles.len());
    }
    Ok(true)
}

fn spinner(quiet: bool, msg: &str) -> Option<indicatif::ProgressBar> {
    if !output::progress_enabled(quiet) {
        return None;
    }
    let s = indicatif::ProgressBar::new_spinner();
    s.set_message(msg.to_string());
    s.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(s)
}

fn severity_paint(s: Severity) -> Paint {
    match s {
        Severity::Error => Paint::Red,
        Severity::Warning => Paint::Yellow,
        Severity::Info => Paint::Dim,
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

fn print_report(report: &AuditReport, args: &AuditArgs, g: &Global) -> Result<()> {
    let color = output::color_enabled(g.color);
    match args.output {
        AuditFormat::Json => output::print(&output::json(report))?,
        AuditFormat::Yaml => output::print(&ns_policy_core::yaml::to_string(report))?,
        AuditFormat::Sarif => output::print(&output::json(&audit::to_sarif(
            report,
            env!("CARGO_PKG_VERSION"),
        )))?,
        AuditFormat::Junit => {
            let threshold = match args.fail_on {
                FailOn::Warning => Severity::Warning,
                FailOn::Info => Severity::Info,
                FailOn::Error | FailOn::Never => Severity::Error,
            };
            output::print(&audit::to_junit(report, threshold))?
        }
        AuditFormat::Table | AuditFormat::Wide => {
            if report.namespaces.is_empty() {
                eprintln!("No namespaces to audit.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = report
                .namespaces
                .iter()
                .map(|r| {
                    let worst = match r.worst_finding() {
                        Some(f) => output::paint(
                            &format!("{}: {}", f.check, first_line(&f.message)),
                            severity_paint(f.severity),
                            color,
                        ),
                        None if !r.unknown.is_empty() => "-".to_string(),
                        None => output::paint("ok", Paint::Green, color),
                    };
                    vec![
                        r.name.clone(),
                        r.profile.clone(),
                        r.count(Severity::Error).to_string(),
                        r.count(Severity::Warning).to_string(),
                        r.unknown.len().to_string(),
                        worst,
                    ]
                })
                .collect();
            let mut text = output::table(
                &[
                    "namespace",
                    "profile",
                    "errors",
                    "warnings",
                    "unknown",
                    "worst finding",
                ],
                &rows,
            );
            if args.output == AuditFormat::Wide {
                let findings: Vec<Vec<String>> = report
                    .namespaces
                    .iter()
                    .flat_map(|r| {
                        let findings = r.findings.iter().map(move |f| {
                            vec![
                                r.name.clone(),
                                output::paint(
                                    f.severity.as_str(),
                                    severity_paint(f.severity),
                                    color,
                                ),
                                f.check.clone(),
                                f.object
                                    .clone()
                                    .or_else(|| f.source.clone())
                                    .unwrap_or_else(|| "-".into()),
                                first_line(&f.message).to_string(),
                                first_line(&f.remediation).to_string(),
                            ]
                        });
                        let unknown = r.unknown.iter().map(move |u| {
                            vec![
                                r.name.clone(),
                                "unknown".to_string(),
                                u.check.clone(),
                                "-".to_string(),
                                first_line(&u.reason).to_string(),
                                "grant the list permission and audit again".to_string(),
                            ]
                        });
                        findings.chain(unknown)
                    })
                    .collect();
                if !findings.is_empty() {
                    text.push('\n');
                    text.push_str(&output::table(
                        &[
                            "namespace",
                            "severity",
                            "check",
                            "object",
                            "message",
                            "remediation",
                        ],
                        &findings,
                    ));
                }
            }
            output::print(&text)?;
            if !g.quiet {
                let s = &report.summary;
                eprintln!(
                    "{} namespace(s) audited: {} failed, {} error(s), {} warning(s), {} info, {} unknown check(s)",
                    s.namespaces, s.failed, s.errors, s.warnings, s.infos, s.unknown_checks
                );
            }
        }
    }
    Ok(())
}
