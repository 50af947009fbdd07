//! `kubectl ns-policy audit`: live namespaces or manifests on disk.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use ns_policy_core::audit::run::{self, Selection};
use ns_policy_core::audit::{AuditOptions, AuditReport, SarifOptions};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::checks::Severity;
use ns_policy_core::kube::{apply, list};
use ns_policy_core::plan::{self, ApplyOptions};
use ns_policy_core::render::{self, Request};

use crate::cli::{AuditArgs, AuditFormat, FailOn, Global};
use crate::output;
use crate::printer::Printer;
use crate::ExitStatus;

/// Runs `audit`.
pub(super) async fn run(g: &Global, args: &AuditArgs, p: &Printer) -> Result<ExitStatus> {
    let baseline = super::load_baseline(g)?;
    let selection = Selection::new(
        args.names.clone(),
        args.all,
        args.selector.as_deref(),
        args.include_system,
    )?;
    let opts = AuditOptions {
        now: chrono::Utc::now(),
        ignore_waivers: args.no_waivers,
    };
    let report = if !args.files.is_empty() {
        if args.fix {
            bail!("--fix works on live namespaces only, not with -f");
        }
        let spinner = spinner(p, "reading manifests");
        let inventory = super::load_manifests(g, &args.files, p);
        if let Some(s) = &spinner {
            s.finish_and_clear();
        }
        let inventory = inventory?;
        let bar = progress_bar(p);
        let tick = |done: usize, total: usize| {
            if let Some(b) = &bar {
                b.set_length(total as u64);
                b.set_position(done as u64);
            }
        };
        let report =
            run::audit_manifests_with_progress(&baseline, &inventory, &selection, &opts, &tick);
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let report = report?;
        // The process exits right after printing: freeing 100,000 parsed
        // objects one by one costs more than half a second on large GitOps
        // repositories, so the loaded inventory is left to the OS.
        std::mem::forget(inventory);
        report
    } else {
        let cluster = super::connect(g, p).await?;
        let report = audit_live(&cluster.client, &baseline, &selection, &opts, p).await?;
        if args.fix && fix(&cluster.client, &baseline, args, &report, p).await? {
            audit_live(&cluster.client, &baseline, &selection, &opts, p).await?
        } else {
            report
        }
    };
    let report = if args.checks.is_empty() {
        report
    } else {
        only_checks(report, &args.checks)
    };
    let junit_threshold = match args.fail_on {
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
        FailOn::Error | FailOn::Never => Severity::Error,
    };
    let mut report = report;
    if args.output == AuditFormat::Sarif {
        point_at_fields(&mut report, g.max_input_size);
    }
    let sarif = SarifOptions {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        cwd: std::env::current_dir().unwrap_or_default(),
        base: args.sarif_base.clone(),
    };
    p.data(&output::audit::render(
        &report,
        args.output,
        junit_threshold,
        &sarif,
        p.color(),
    ))?;
    if matches!(args.output, AuditFormat::Table | AuditFormat::Wide) {
        if report.namespaces.is_empty() {
            p.status("No namespaces to audit.");
        } else {
            p.status(output::audit::summary(&report));
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(match threshold {
        Some(t) if report.exceeds(t) => ExitStatus::Policy,
        // A namespace whose checks did not all run is not passed: the gate
        // fails unless the caller accepts unknowns.
        Some(_) if report.has_unknown() && !args.allow_unknown => ExitStatus::Policy,
        _ => ExitStatus::Ok,
    })
}

async fn audit_live(
    client: &kube::Client,
    baseline: &Baseline,
    selection: &Selection,
    opts: &AuditOptions,
    p: &Printer,
) -> Result<AuditReport> {
    let spinner = spinner(p, "reading namespaces");
    let live = ns_policy_core::kube::audit::audit_live(client, baseline, selection, opts).await;
    if let Some(s) = &spinner {
        s.finish_and_clear();
    }
    let live = live?;
    for w in &live.warnings {
        p.warn(w);
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
    p: &Printer,
) -> Result<bool> {
    let to_fix = report.fixable();
    if to_fix.is_empty() {
        p.status("--fix: nothing to fix");
        return Ok(false);
    }
    let interactive = p.interactive();
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
            p.warn(format!(
                "--fix: skipping {name}: required label(s) {} have no value; set them with kubectl ns-policy create {name} {}",
                resolved.missing.join(", "),
                resolved.missing.iter().map(|k| format!("--label {k}=VALUE")).collect::<Vec<_>>().join(" ")
            ));
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
            p.always(output::create::changes(&plan));
            if !super::apply::confirm(&format!("Fix namespace {name}?"))? {
                continue;
            }
        }
        bundles.push(bundle);
    }
    if bundles.is_empty() {
        return Ok(false);
    }
    let results = super::apply::apply_bundles(
        client,
        &bundles,
        &existing,
        &ApplyOptions::default(),
        true,
        p,
    )
    .await?;
    let changed = results
        .iter()
        .filter(|r| r.action != plan::Action::Unchanged)
        .count();
    p.status(format!("--fix: applied the baseline to {} namespace(s), {changed} object(s) created or configured; auditing again", bundles.len()));
    Ok(true)
}

/// SARIF regions point at the offending field where the finding names one
/// and its file can be read again (not stdin): `source` becomes
/// `file:field-line`.
fn point_at_fields(report: &mut AuditReport, max_input: u64) {
    let mut texts: std::collections::HashMap<String, Option<String>> =
        std::collections::HashMap::new();
    let findings = report.namespaces.iter_mut().flat_map(|n| {
        n.findings
            .iter_mut()
            .chain(n.waived.iter_mut().map(|w| &mut w.finding))
    });
    for f in findings {
        let (Some(source), Some(field)) = (&f.source, &f.field) else {
            continue;
        };
        let Some((path, line)) = source.rsplit_once(':') else {
            continue;
        };
        let Ok(line) = line.parse::<usize>() else {
            continue;
        };
        if path == "-" {
            continue;
        }
        let text = texts.entry(path.to_string()).or_insert_with(|| {
            ns_policy_core::input::read_file(std::path::Path::new(path), max_input)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
        });
        if let Some(at) = text
            .as_deref()
            .and_then(|t| ns_policy_core::yaml::field_line(t, line, field))
        {
            f.source = Some(format!("{path}:{at}"));
        }
    }
}

/// `--check`: keeps the findings, unknown checks and waived findings of
/// these checks (IDs or `category.*`); statuses and counts follow.
fn only_checks(report: AuditReport, patterns: &[String]) -> AuditReport {
    let wanted = |check: &str| {
        patterns.iter().any(|p| match p.strip_suffix(".*") {
            Some(cat) => check.split('.').next() == Some(cat),
            None => p == check,
        })
    };
    let namespaces = report
        .namespaces
        .into_iter()
        .map(|mut n| {
            n.findings.retain(|f| wanted(&f.check));
            n.unknown.retain(|u| {
                wanted(&u.check)
                    || u.check
                        .strip_suffix(".*")
                        .is_some_and(|c| patterns.iter().any(|p| p.starts_with(c)))
            });
            n.waived.retain(|w| wanted(&w.finding.check));
            n
        })
        .collect();
    AuditReport::new(namespaces)
}

/// A bar of namespaces audited, on a terminal only.
fn progress_bar(p: &Printer) -> Option<indicatif::ProgressBar> {
    if !p.progress_enabled() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "auditing {pos}/{len} namespace(s) {wide_bar} {elapsed}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(bar)
}

fn spinner(p: &Printer, msg: &str) -> Option<indicatif::ProgressBar> {
    if !p.progress_enabled() {
        return None;
    }
    let s = indicatif::ProgressBar::new_spinner();
    s.set_message(msg.to_string());
    s.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(s)
}
