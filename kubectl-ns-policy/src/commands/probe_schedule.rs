//! `probe --install-schedule`, `--uninstall-schedule`, `--last` and
//! `--store-report`: the probe as an in-cluster CronJob.

use std::time::Duration;

use anyhow::{Context, Result};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::kube::schedule as live;
use ns_policy_core::probe::schedule::{
    render, report_configmap, stored_run, warning_event, ScheduleSpec, StoredRun, REPORT_CONFIGMAP,
};
use ns_policy_core::probe::{ProbeOutcome, ProbeReport};

use crate::cli::{DryRun, Global, ProbeArgs};
use crate::output;
use crate::printer::Printer;
use crate::ExitStatus;

/// Field manager of everything the plugin applies.
const MANAGER: &str = "kubectl-ns-policy";
/// Largest report stored whole in the ConfigMap (the API server refuses
/// objects over about 1.5 MB; ConfigMaps over 1 MiB).
const MAX_STORED: usize = 900 * 1024;

/// The `probe` arguments a scheduled run repeats: what to probe and every
/// flag that shapes the run, with the ports and image resolved from the
/// baseline now.
fn probe_args(args: &ProbeArgs, plan: &ns_policy_core::probe::ProbePlan) -> Vec<String> {
    let mut v = Vec::new();
    if args.all {
        v.push("--all".to_string());
    } else if let Some(s) = &args.selector {
        v.push(format!("--selector={s}"));
    } else {
        v.extend(args.names.iter().cloned());
    }
    v.push(format!(
        "--port={}",
        plan.ports()
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",")
    ));
    v.push(format!(
        "--protocol={}",
        plan.protocol().as_str().to_ascii_lowercase()
    ));
    v.push(format!("--image={}", plan.image()));
    for (flag, values) in [
        ("--pod-label", &args.pod_labels),
        ("--client-label", &args.client_labels),
        ("--server-label", &args.server_labels),
    ] {
        v.extend(values.iter().map(|l| format!("{flag}={l}")));
    }
    v.extend(plan.targets().iter().map(|t| format!("--target={t}")));
    if args.expect_isolated {
        v.push("--expect-isolated".to_string());
    }
    v
}

/// `--install-schedule CRON`.
pub(super) async fn install(g: &Global, args: &ProbeArgs, p: &Printer) -> Result<ExitStatus> {
    let cron = args.install_schedule.as_deref().unwrap_or_default();
    if args.names.is_empty() && !args.all && args.selector.is_none() {
        anyhow::bail!(
            "--install-schedule {cron:?}: name the namespaces to probe, or --all, or -l SELECTOR"
        );
    }
    let Some(image) = &args.schedule_image else {
        anyhow::bail!(
            "--install-schedule needs --schedule-image IMAGE: an image holding kubectl-ns_policy on its PATH (pushed to a registry the nodes pull from)"
        );
    };
    if let Some(s) = &args.selector {
        ns_policy_core::selector::parse(s)
            .with_context(|| format!("-l {s:?}: not a label selector"))?;
    }
    // Every probe flag is checked now, not at the first run. A baseline
    // file is read once: parsed here, its text copied for the runs.
    let (baseline, baseline_text) = match &g.baseline {
        Some(path) => {
            let text = String::from_utf8(ns_policy_core::input::read_file(path, g.max_input_size)?)
                .with_context(|| format!("{}: not UTF-8", path.display()))?;
            (
                Baseline::parse(&text, &path.display().to_string())?,
                Some(text),
            )
        }
        None => (Baseline::builtin(), None),
    };
    let names = if args.names.is_empty() {
        vec!["schedule-check".to_string()]
    } else {
        args.names.clone()
    };
    let plan = super::probe::build_plan_for(&baseline, args, names, true)?;
    let mut spec = ScheduleSpec {
        namespace: args.schedule_namespace.clone(),
        schedule: cron.to_string(),
        image: image.clone(),
        probe_args: probe_args(args, &plan),
        baseline: baseline_text,
        run_timeout: args.timeout,
        namespace_exists: true,
    };
    if args.dry_run == DryRun::Client {
        spec.namespace_exists = false;
        let o = render(&spec)?;
        p.data(&o.to_yaml_stream())?;
        return Ok(ExitStatus::Ok);
    }
    render(&spec)?;
    let cluster = super::connect(g, p).await?;
    spec.namespace_exists = live::namespace_exists(&cluster.client, &spec.namespace).await?;
    let o = render(&spec)?;
    let applied = live::install(&cluster.client, &o, MANAGER, args.dry_run == DryRun::Server)
        .await
        .with_context(|| {
            format!(
                "installing the probe schedule in {} (nothing was left behind)",
                spec.namespace
            )
        })?;
    let suffix = if args.dry_run == DryRun::Server {
        " (server dry run)"
    } else {
        ""
    };
    let mut out = String::new();
    for r in &applied {
        out.push_str(&format!("{r} applied{suffix}\n"));
    }
    p.data(&out)?;
    p.status(format!(
        "probe scheduled \"{}\" in {}; `kubectl ns-policy probe --last{}` prints the latest report, `--uninstall-schedule` removes it",
        spec.schedule,
        spec.namespace,
        if spec.namespace == ns_policy_core::probe::schedule::DEFAULT_NAMESPACE {
            String::new()
        } else {
            format!(" --schedule-namespace {}", spec.namespace)
        }
    ));
    Ok(ExitStatus::Ok)
}

/// `--uninstall-schedule`.
pub(super) async fn uninstall(g: &Global, args: &ProbeArgs, p: &Printer) -> Result<ExitStatus> {
    ns_policy_core::names::validate_namespace_name(&args.schedule_namespace)?;
    let cluster = super::connect(g, p).await?;
    p.step(format!(
        "removing the probe schedule of {}",
        args.schedule_namespace
    ));
    let done = live::uninstall(
        &cluster.client,
        &args.schedule_namespace,
        args.timeout.max(Duration::from_secs(30)),
    )
    .await
    .with_context(|| format!("removing the probe schedule of {}", args.schedule_namespace))?;
    let mut out = String::new();
    for r in &done.deleted {
        out.push_str(&format!("{r} deleted\n"));
    }
    p.data(&out)?;
    if done.deleted.is_empty() {
        p.status(format!(
            "no probe schedule found in {}",
            args.schedule_namespace
        ));
    }
    if !done.still_terminating.is_empty() {
        p.warn(format!(
            "still being deleted after {}s: {}",
            args.timeout.max(Duration::from_secs(30)).as_secs(),
            done.still_terminating.join(", ")
        ));
        return Ok(ExitStatus::Error);
    }
    Ok(ExitStatus::Ok)
}

/// `--last`: the stored report, printed as `-o` asks, and its run's exit code.
pub(super) async fn last(g: &Global, args: &ProbeArgs, p: &Printer) -> Result<ExitStatus> {
    ns_policy_core::names::validate_namespace_name(&args.schedule_namespace)?;
    let cluster = super::connect(g, p).await?;
    let ns = &args.schedule_namespace;
    let Some(cm) = live::last(&cluster.client, ns).await? else {
        anyhow::bail!(
            "no stored probe report in {ns}/{REPORT_CONFIGMAP}: install a schedule with --install-schedule (or pass --schedule-namespace), and wait for its first run"
        );
    };
    let Some(run) = stored_run(&cm) else {
        anyhow::bail!("{ns}/{REPORT_CONFIGMAP} holds no probe run (edited by hand?)");
    };
    let code = match run.exit_code {
        0 => ExitStatus::Ok,
        1 => ExitStatus::Policy,
        3 => ExitStatus::NotEnforced,
        130 => ExitStatus::Interrupted,
        _ => ExitStatus::Error,
    };
    if let Some(e) = &run.error {
        p.status(format!(
            "the scheduled run that finished at {} produced no report: {e}",
            run.finished_at
        ));
        return Ok(if code == ExitStatus::Ok {
            ExitStatus::Error
        } else {
            code
        });
    }
    let Some(json) = &run.report_json else {
        anyhow::bail!("{ns}/{REPORT_CONFIGMAP} holds neither a report nor an error");
    };
    let report: ProbeReport = serde_json::from_str(json)
        .with_context(|| format!("{ns}/{REPORT_CONFIGMAP}: the stored report does not parse"))?;
    super::probe::finish(args, &report, p)?;
    p.status(format!(
        "report of the scheduled run that finished at {} (exit {})",
        run.finished_at, run.exit_code
    ));
    Ok(code)
}

/// The Event reason for a run that did not pass.
fn reason(outcome: ProbeOutcome) -> Option<&'static str> {
    match outcome {
        ProbeOutcome::Ok => None,
        ProbeOutcome::Mismatch => Some("IsolationMismatch"),
        ProbeOutcome::NotIsolated => Some("NotIsolated"),
        ProbeOutcome::NotEnforced | ProbeOutcome::ClusterPoliciesNotEnforced => {
            Some("PoliciesNotEnforced")
        }
        ProbeOutcome::Errors => Some("ProbeErrors"),
        ProbeOutcome::Unknown => Some("PredictionUnknown"),
    }
}

/// The report as stored: whole, or without the per-cell explanations when
/// it would not fit a ConfigMap (`None` when even that does not fit).
fn stored_json(report: &ProbeReport) -> Option<String> {
    let whole = serde_json::to_string(report).ok()?;
    if whole.len() <= MAX_STORED {
        return Some(whole);
    }
    let mut v = serde_json::to_value(report).ok()?;
    for list in ["results", "external"] {
        if let Some(rows) = v.get_mut(list).and_then(|r| r.as_array_mut()) {
            for row in rows {
                if let Some(o) = row.as_object_mut() {
                    o.remove("explanation");
                }
            }
        }
    }
    let slim = serde_json::to_string(&v).ok()?;
    (slim.len() <= MAX_STORED).then_some(slim)
}

/// `--store-report`: writes the run (its report, or the error that stopped
/// it) to the schedule's ConfigMap and a Warning Event unless it passed.
pub(super) async fn store(
    client: &kube::Client,
    args: &ProbeArgs,
    p: &Printer,
    outcome: std::result::Result<(&ProbeReport, ExitStatus), &anyhow::Error>,
) -> Result<()> {
    let ns = &args.schedule_namespace;
    let now = chrono::Utc::now();
    let finished_at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let pod = std::env::var("POD_NAME").ok();
    let (run, event) = match outcome {
        Ok((report, code)) => {
            let out = report.outcome(args.expect_isolated);
            let message = output::probe::verdict(report, out).unwrap_or_else(|| {
                format!(
                    "{} cell(s), {} mismatch(es), {} error(s)",
                    report.summary.cells, report.summary.mismatches, report.summary.errors
                )
            });
            let (report_json, error) = match stored_json(report) {
                Some(j) => (Some(j), None),
                None => (
                    None,
                    Some(format!(
                        "the report is too large for a ConfigMap; {message}"
                    )),
                ),
            };
            let event = reason(out).map(|r| warning_event(ns, r, &message, pod.as_deref(), now));
            (
                StoredRun {
                    report_json,
                    error,
                    exit_code: code as i32,
                    finished_at,
                },
                event,
            )
        }
        Err(e) => {
            let message = format!("{e:#}");
            (
                StoredRun {
                    report_json: None,
                    error: Some(message.clone()),
                    exit_code: ExitStatus::Error as i32,
                    finished_at,
                },
                Some(warning_event(
                    ns,
                    "ProbeFailed",
                    &message,
                    pod.as_deref(),
                    now,
                )),
            )
        }
    };
    live::store(client, &report_configmap(ns, &run), event.as_ref(), MANAGER)
        .await
        .with_context(|| format!("storing the probe report in {ns}/{REPORT_CONFIGMAP}"))?;
    p.step(format!("report stored in {ns}/{REPORT_CONFIGMAP}"));
    Ok(())
}
