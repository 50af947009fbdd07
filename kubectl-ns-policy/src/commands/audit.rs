//! `kubectl ns-policy audit`: live namespaces or manifests on disk.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use dialoguer::console::Term;
use ns_policy_core::audit::run::{self, Selection};
use ns_policy_core::audit::{self, AuditReport};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::checks::Severity;
use ns_policy_core::kube::{apply, list};
use ns_policy_core::manifests;
use ns_policy_core::plan::{self, ApplyOptions};
use ns_policy_core::render::{self, Request};

use crate::cli::{AuditArgs, AuditFormat, FailOn, Global};
use crate::output::{self, Paint};
use crate::ExitStatus;

/// Runs `audit`.
pub async fn run(g: &Global, args: &AuditArgs) -> Result<ExitStatus> {
    let baseline = super::load_baseline(g)?;
    let selection = Selection::new(
        args.names.clone(),
        args.all,
        args.selector.as_deref(),
        args.include_system,
    )?;
    let report = if !args.files.is_empty() {
        if args.fix {
            bail!("--fix works on live namespaces only, not with -f");
        }
        let inventory = manifests::load_paths(&args.files)?;
        let report = run::audit_manifests(&baseline, &inventory, &selection, chrono::Utc::now())?;
        // The process exits right after printing: freeing 100,000 parsed
        // objects one by one costs more than half a second on large GitOps
        // repositories, so the loaded inventory is left to the OS.
        std::mem::forget(inventory);
        report
    } else {
        let cluster = super::connect(g).await?;
        let report = audit_live(&cluster.client, &baseline, &selection, g.quiet).await?;
        if args.fix && fix(&cluster.client, &baseline, args, &report, g.quiet).await? {
            audit_live(&cluster.client, &baseline, &selection, g.quiet).await?
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
        Some(t) if report.exceeds(t) => ExitStatus::Policy,
        _ => ExitStatus::Ok,
    })
}

async fn audit_live(
    client: &kube::Client,
    baseline: &Baseline,
    selection: &Selection,
    quiet: bool,
) -> Result<AuditReport> {
    let spinner = spinner(quiet, "reading namespaces");
    let live = ns_policy_core::kube::audit::audit_live(client, baseline, selection).await;
    if let Some(s) = &spinner {
        s.finish_and_clear();
    }
    let live = live?;
    if !quiet {
        for w in &live.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(live.report)
}

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
    let to_fix = report.fixable();
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
            to_fix.join(", ")
        );
    }
    let names: Vec<String> = to_fix.iter().map(|n| n.to_string()).collect();
    let existing = list::get_namespaces(client, &names).await?;
    let now = chrono::Utc::now();
    let empty = BTreeMap::new();
    let mut bundles = Vec::new();
    for name in &names {
        let req = Request {
            name,
            profile: None,
            labels: &empty,
            ttl: None,
            set: &[],
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
            .filter(|r| r.action != plan::Action::Unchanged)
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
