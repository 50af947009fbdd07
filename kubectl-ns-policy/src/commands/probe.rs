//! `kubectl ns-policy probe NS...`: live isolation proof beside the
//! NetworkPolicy prediction, offline prediction with `-f`, and `--cleanup`.

use std::time::Duration;

use anyhow::{Context, Result};
use ns_policy_core::kube::probe::{self as live, LiveOptions, ProbeError};
use ns_policy_core::manifests;
use ns_policy_core::names::{parse_labels, validate_namespace_name};
use ns_policy_core::netpol::Protocol;
use ns_policy_core::probe::{
    new_run_id, offline_evaluator, Mode, Outcome, ProbeIps, ProbeOptions, ProbeOutcome, ProbePlan,
    ProbeReport, ProbeResult,
};
use tokio::time::Instant;

use crate::cli::{Global, ProbeArgs, ProbeFormat, ProbeProtocol};
use crate::output::{self, paint, Paint};
use crate::ExitStatus;

/// Extra time after `--timeout` before the run is abandoned outright (the
/// core reports its own, more precise, timeouts at the deadline).
const BACKSTOP: Duration = Duration::from_secs(5);

/// Runs `probe`.
pub async fn run(g: &Global, args: &ProbeArgs) -> Result<ExitStatus> {
    if args.cleanup {
        return run_cleanup(g, args).await;
    }
    let plan = build_plan(g, args)?;
    if !args.files.is_empty() {
        let set = manifests::load_paths(&args.files)?;
        let evaluator = offline_evaluator(&plan, &set)?;
        let report = ProbeReport::offline(&plan, &evaluator, &ProbeIps::default());
        return finish(g, args, &report);
    }
    run_live(g, args, &plan).await
}

/// Validates every flag (before anything touches the cluster).
fn build_plan(g: &Global, args: &ProbeArgs) -> Result<ProbePlan> {
    let baseline = super::load_baseline(g)?;
    let ports = if args.ports.is_empty() {
        baseline.spec.probe.ports.clone()
    } else {
        args.ports.clone()
    };
    let opts = ProbeOptions {
        namespaces: args.names.clone(),
        ports,
        protocol: match args.protocol {
            ProbeProtocol::Tcp => Protocol::Tcp,
            ProbeProtocol::Udp => Protocol::Udp,
        },
        image: args
            .image
            .clone()
            .unwrap_or_else(|| baseline.spec.probe.image.clone()),
        pod_labels: parse_labels(&args.pod_labels)?,
        client_labels: parse_labels(&args.client_labels)?,
        server_labels: parse_labels(&args.server_labels)?,
        targets: args.targets.clone(),
        run_id: new_run_id(),
        timeout: args.timeout,
    };
    Ok(ProbePlan::new(opts)?)
}

enum Ended {
    Done(Box<std::result::Result<ProbeReport, ProbeError>>),
    TimedOut,
    Interrupted(&'static str),
}

#[cfg(unix)]
async fn terminate_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn terminate_signal() {
    std::future::pending::<()>().await
}

async fn run_live(g: &Global, args: &ProbeArgs, plan: &ProbePlan) -> Result<ExitStatus> {
    let show = output::progress_enabled(g.quiet);
    let progress = move |msg: &str| {
        if show {
            eprintln!("{msg}");
        }
    };
    let cluster = super::connect(g).await?;
    let client = cluster.client.clone();
    // Namespaces must exist; read them and their policies before creating anything.
    let evaluator = live::load_evaluator(&client, plan.namespaces()).await?;
    let opts = LiveOptions::with_deadline(Instant::now() + args.timeout);

    let ended = tokio::select! {
        r = tokio::time::timeout(
            args.timeout + BACKSTOP,
            live::run(&client, plan, &evaluator, &opts, &progress),
        ) => match r {
            Ok(r) => Ended::Done(Box::new(r)),
            Err(_) => Ended::TimedOut,
        },
        _ = tokio::signal::ctrl_c() => Ended::Interrupted("interrupted"),
        _ = terminate_signal() => Ended::Interrupted("terminated"),
    };

    // Cleanup always runs; a second Ctrl-C abandons it (the pods'
    // activeDeadlineSeconds is the backstop).
    if matches!(ended, Ended::Interrupted(_)) && !g.quiet {
        eprintln!("stopping: deleting probe pods (press Ctrl-C again to abandon)");
    } else {
        progress("deleting probe pods");
    }
    let cleaned = tokio::select! {
        r = live::cleanup(&client, plan) => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    let cleanup_error = match cleaned {
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(format!(
            "cleanup failed: {e}; delete the pods with `kubectl ns-policy probe --cleanup {}`",
            plan.namespaces().join(" ")
        )),
        None => Some(format!(
            "cleanup abandoned; delete the pods with `kubectl ns-policy probe --cleanup {}`",
            plan.namespaces().join(" ")
        )),
    };
    if let Some(msg) = &cleanup_error {
        eprintln!("warning: {msg}");
    }

    match ended {
        Ended::Interrupted(how) => {
            if !g.quiet {
                eprintln!("{how}: probe run {} stopped", plan.run_id());
            }
            Ok(ExitStatus::Interrupted)
        }
        Ended::TimedOut => anyhow::bail!(
            "probe timed out after {}s (raise --timeout)",
            args.timeout.as_secs()
        ),
        Ended::Done(done) => match *done {
            Err(e) => Err(e).with_context(|| {
                format!(
                    "probing {} (run {})",
                    plan.namespaces().join(", "),
                    plan.run_id()
                )
            }),
            Ok(report) => {
                let code = finish(g, args, &report)?;
                Ok(if cleanup_error.is_some() && code == ExitStatus::Ok {
                    ExitStatus::Error
                } else {
                    code
                })
            }
        },
    }
}

/// Prints the report and returns the exit code.
fn finish(g: &Global, args: &ProbeArgs, report: &ProbeReport) -> Result<ExitStatus> {
    let outcome = report.outcome(args.expect_isolated);
    let color = output::color_enabled(g.color);
    let not_enforced = not_enforced_message(report);
    match args.output {
        ProbeFormat::Json => output::print(&output::json(report))?,
        ProbeFormat::Yaml => output::print(&ns_policy_core::yaml::to_string(report))?,
        ProbeFormat::Table | ProbeFormat::Wide => {
            if outcome == ProbeOutcome::NotEnforced {
                output::print(&format!("{not_enforced}\n"))?;
            } else {
                output::print(&render_table(
                    report,
                    args.output == ProbeFormat::Wide,
                    args.expect_isolated,
                    color,
                ))?;
            }
        }
    }
    let json_like = matches!(args.output, ProbeFormat::Json | ProbeFormat::Yaml);
    if json_like && !g.quiet {
        match outcome {
            ProbeOutcome::NotEnforced => eprintln!("{not_enforced}"),
            ProbeOutcome::Mismatch => eprintln!(
                "{} cell(s) differ from the NetworkPolicy prediction",
                report.summary.mismatches
            ),
            ProbeOutcome::NotIsolated => eprintln!(
                "{} connection(s) between different namespaces are allowed",
                report.summary.cross_namespace_allowed
            ),
            ProbeOutcome::Errors => eprintln!(
                "{} cell(s) could not be tested (see \"detail\")",
                report.summary.errors
            ),
            ProbeOutcome::Ok => {}
        }
    }
    Ok(match outcome {
        ProbeOutcome::Ok => ExitStatus::Ok,
        ProbeOutcome::Mismatch | ProbeOutcome::NotIsolated => ExitStatus::Policy,
        ProbeOutcome::Errors => ExitStatus::Error,
        ProbeOutcome::NotEnforced => ExitStatus::NotEnforced,
    })
}

fn not_enforced_message(report: &ProbeReport) -> String {
    format!(
        "NetworkPolicies are present but NOT ENFORCED: all {} connection(s) the policies deny were observed open. \
The cluster's network plugin accepts NetworkPolicy objects without enforcing them \
(e.g. flannel, or a cloud CNI with network policy turned off); no isolation result can be trusted.",
        report.summary.expected_deny
    )
}

/// Text of one cell: the observation (or prediction offline); a mismatch is
/// `EXPECTED≠observed`.
fn mark(r: &ProbeResult, color: bool) -> String {
    match (r.observed, r.matches) {
        (None, _) => r.expected.as_str().to_string(),
        (Some(Outcome::Error), _) => paint("error", Paint::Yellow, color),
        (Some(o), Some(false)) => paint(
            &format!("{}≠{}", r.expected.as_str().to_uppercase(), o.as_str()),
            Paint::Red,
            color,
        ),
        (Some(o), _) => o.as_str().to_string(),
    }
}

fn render_table(report: &ProbeReport, wide: bool, expect_isolated: bool, color: bool) -> String {
    let mut headers = vec!["FROM \\ TO".to_string()];
    headers.extend(report.namespaces.iter().cloned());
    headers.extend(report.targets.iter().cloned());
    let targets = report.targets.len();
    let mut rows = Vec::new();
    for (fi, from) in report.namespaces.iter().enumerate() {
        let mut row = vec![from.clone()];
        for ti in 0..report.namespaces.len() {
            let cells = report.results.pair(fi, ti);
            let text = if cells.len() == 1 {
                mark(&cells[0], color)
            } else {
                cells
                    .iter()
                    .map(|r| format!("{}:{}", r.port, mark(r, color)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            row.push(text);
        }
        for r in report.external.iter().skip(fi * targets).take(targets) {
            row.push(mark(r, color));
        }
        rows.push(row);
    }
    let mut out = output::plain_table(&headers, &rows);

    out.push('\n');
    let ports: Vec<String> = report.ports.iter().map(u16::to_string).collect();
    match report.mode {
        Mode::Offline => out.push_str(&format!(
            "Predicted from the manifests ({}/{}), from client pods in each row's namespace to server pods in each column's; nothing observed.\n",
            ports.join(","),
            report.protocol
        )),
        Mode::Live => {
            out.push_str(&format!(
                "Observed from a client pod in each row's namespace to a server pod in each column's namespace on {}/{}{}.\n",
                ports.join(","),
                report.protocol,
                if report.targets.is_empty() {
                    String::new()
                } else {
                    format!(", and to each target address ({})", report.targets.join(", "))
                }
            ));
            out.push_str(
                "allow/deny: observed, as the NetworkPolicies predict; EXPECTED≠observed: differs from the prediction; error: could not be tested.\n",
            );
        }
    }

    let mut notes = Vec::new();
    for r in report.mismatches() {
        notes.push(format!(
            "{}: {} -> {} port {}/{}: predicted {}, observed {} ({}); {}",
            paint("MISMATCH", Paint::Red, color),
            r.from,
            r.to,
            r.port,
            r.protocol,
            r.expected.as_str(),
            r.observed.map(Outcome::as_str).unwrap_or("-"),
            r.detail.as_deref().unwrap_or(""),
            r.explanation
        ));
    }
    for r in report
        .results
        .values()
        .iter()
        .chain(&report.external)
        .filter(|r| r.observed == Some(Outcome::Error))
    {
        notes.push(format!(
            "{}: {} -> {} port {}/{}: {}",
            paint("ERROR", Paint::Yellow, color),
            r.from,
            r.to,
            r.port,
            r.protocol,
            r.detail.as_deref().unwrap_or("")
        ));
    }
    if expect_isolated {
        for r in report
            .results
            .values()
            .iter()
            .filter(|r| r.cross_namespace_allowed())
        {
            notes.push(format!(
                "{}: {} -> {} port {}/{} is {}; {}",
                paint("NOT ISOLATED", Paint::Red, color),
                r.from,
                r.to,
                r.port,
                r.protocol,
                if r.observed.is_some() {
                    "open"
                } else {
                    "allowed"
                },
                r.explanation
            ));
        }
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            out.push_str(&note);
            out.push('\n');
        }
    }
    let s = &report.summary;
    if report.mode == Mode::Live {
        out.push_str(&format!(
            "\n{} cell(s): {} allow, {} deny, {} error(s), {} mismatch(es); policy enforcement: {}\n",
            s.cells,
            s.observed_allow,
            s.observed_deny,
            s.errors,
            s.mismatches,
            match report.enforced {
                Some(true) => "confirmed (a denied connection was blocked)",
                Some(false) => "NOT enforced",
                None if s.expected_deny == 0 => "unknown (the policies deny no probed connection)",
                None => "unknown (no denied connection could be tested)",
            }
        ));
    }

    if wide {
        let rows: Vec<Vec<String>> = report
            .results
            .values()
            .iter()
            .chain(&report.external)
            .map(|r| {
                vec![
                    r.from.clone(),
                    r.to.clone(),
                    r.port.to_string(),
                    r.protocol.to_string(),
                    r.expected.as_str().to_string(),
                    r.observed.map(Outcome::as_str).unwrap_or("-").to_string(),
                    r.detail.clone().unwrap_or_else(|| "-".into()),
                    match r.matches {
                        Some(true) => "yes".to_string(),
                        Some(false) => paint("NO", Paint::Red, color),
                        None => "-".to_string(),
                    },
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&output::table(
            &[
                "from", "to", "port", "protocol", "expected", "observed", "detail", "match",
            ],
            &rows,
        ));
    }
    out
}

async fn run_cleanup(g: &Global, args: &ProbeArgs) -> Result<ExitStatus> {
    for n in &args.names {
        validate_namespace_name(n)?;
    }
    let cluster = super::connect(g).await?;
    let deleted = live::sweep(&cluster.client, &args.names)
        .await
        .context("deleting leftover probe pods")?;
    if deleted.is_empty() {
        if !g.quiet {
            eprintln!(
                "no leftover probe pods found{}",
                if args.names.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", args.names.join(", "))
                }
            );
        }
        return Ok(ExitStatus::Ok);
    }
    let mut out = String::new();
    for p in &deleted {
        out.push_str(&format!(
            "pod/{} deleted (namespace {})\n",
            p.name, p.namespace
        ));
    }
    output::print(&out)?;
    Ok(ExitStatus::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ns_policy_core::probe::{Connectivity, Matrix, ProbeSummary};

    fn result(
        from: &str,
        to: &str,
        expected: Connectivity,
        observed: Option<Outcome>,
    ) -> ProbeResult {
        ProbeResult {
            from: from.into(),
            to: to.into(),
            port: 8080,
            protocol: Protocol::Tcp,
            expected,
            observed,
            matches: observed.map(|o| o.agrees_with(expected)),
            detail: observed.map(|o| o.as_str().to_string()),
            explanation: "egress allowed; ingress denied: b/default-deny isolates".into(),
        }
    }

    #[test]
    fn matrix_marks_mismatches_and_explains_them() {
        let results = vec![
            result("a", "a", Connectivity::Allow, Some(Outcome::Allow)),
            result("a", "b", Connectivity::Deny, Some(Outcome::Allow)),
            result("b", "a", Connectivity::Deny, Some(Outcome::Deny)),
            result("b", "b", Connectivity::Allow, Some(Outcome::Allow)),
        ];
        let report = ProbeReport {
            api_version: "ns-policy.io/v1alpha1".into(),
            kind: "ProbeReport".into(),
            mode: Mode::Live,
            run_id: Some("abc".into()),
            namespaces: vec!["a".into(), "b".into()],
            ports: vec![8080],
            protocol: Protocol::Tcp,
            summary: ProbeSummary {
                cells: 4,
                mismatches: 1,
                ..Default::default()
            },
            results: Matrix::from_cells(2, 1, results).expect("2x2 cells"),
            targets: Vec::new(),
            external: Vec::new(),
            enforced: Some(true),
        };
        let text = render_table(&report, true, false, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("FROM \\ TO"), "{text}");
        assert!(
            lines[0].contains(" a ") && lines[0].ends_with('b'),
            "{text}"
        );
        assert!(
            lines[1].starts_with("a") && lines[1].contains("DENY≠allow"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("b") && lines[2].contains("deny"),
            "{text}"
        );
        assert!(
            text.contains("MISMATCH: a -> b port 8080/TCP: predicted deny, observed allow"),
            "{text}"
        );
        assert!(text.contains("b/default-deny isolates"), "{text}");
        assert!(text.contains("FROM   TO   PORT"), "{text}");
    }
}
