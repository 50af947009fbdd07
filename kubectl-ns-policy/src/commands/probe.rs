//! `kubectl ns-policy probe NS...`: live isolation proof beside the
//! NetworkPolicy prediction, offline prediction with `-f`, and `--cleanup`.

use std::time::Duration;

use anyhow::{Context, Result};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::kube::probe::{self as live, LiveOptions, ProbeError};
use ns_policy_core::names::{parse_labels, validate_namespace_name};
use ns_policy_core::netpol::{Evaluator, Protocol};
use ns_policy_core::probe::{
    new_run_id, offline_evaluator, ProbeEvent, ProbeIps, ProbeOptions, ProbeOutcome, ProbePlan,
    ProbeReport,
};
use tokio::time::Instant;

use crate::cli::{Global, ProbeArgs, ProbeFormat, ProbeProtocol};
use crate::output;
use crate::printer::Printer;
use crate::shutdown::Shutdown;
use crate::ExitStatus;

/// Extra time after `--timeout` before the run is abandoned outright (the
/// core reports its own, more precise, timeouts at the deadline).
const BACKSTOP: Duration = Duration::from_secs(5);

/// Runs `probe`.
pub(super) async fn run(g: &Global, args: &ProbeArgs, p: &Printer) -> Result<ExitStatus> {
    if args.cleanup {
        return run_cleanup(g, args, p).await;
    }
    if args.install_schedule.is_some() {
        return super::probe_schedule::install(g, args, p).await;
    }
    if args.uninstall_schedule {
        return super::probe_schedule::uninstall(g, args, p).await;
    }
    if args.last {
        return super::probe_schedule::last(g, args, p).await;
    }
    if args.all || args.selector.is_some() {
        return run_classes(g, args, p).await;
    }
    let baseline = super::load_baseline(g)?;
    let plan = build_plan_for(&baseline, args, args.names.clone(), !args.files.is_empty())?;
    if !args.files.is_empty() {
        let set = super::load_manifests(g, &args.files, p)?;
        let evaluator = offline_evaluator(&plan, &set)?.with_pod_cidrs(args.pod_cidrs.clone());
        let mut ips = ProbeIps::default();
        for (ns, ip) in &args.pod_ips {
            if !plan.namespaces().contains(ns) {
                anyhow::bail!(
                    "--pod-ip {ns}={ip}: namespace {ns:?} is not probed (probed: {})",
                    plan.namespaces().join(", ")
                );
            }
            ips.servers.insert(ns.clone(), *ip);
            ips.clients.insert(ns.clone(), *ip);
        }
        // Many namespaces: the table and the page fold by class (a matrix
        // of a thousand columns helps nobody), JSON is written cell by cell.
        if plan.namespaces().len() > FOLD_AT
            && matches!(args.output, ProbeFormat::Table | ProbeFormat::Html)
            && args.pod_ips.is_empty()
        {
            return by_classes(args, p, &baseline, &set, plan, evaluator, None, None).await;
        }
        if args.output == ProbeFormat::Json {
            let stream = ProbeReport::offline_stream(&plan, &evaluator, &ips);
            output::stream_json(&stream)?;
            let outcome = stream.head().outcome(args.expect_isolated);
            if let Some(line) = output::probe::verdict(stream.head(), outcome) {
                p.status(line);
            }
            return Ok(exit_status(outcome));
        }
        let report = ProbeReport::offline(&plan, &evaluator, &ips);
        return finish(args, &report, p);
    }
    run_live(g, args, &plan, p).await
}

/// `--all`/`-l`: every selected namespace predicted, one representative
/// pair per pair of equivalence classes probed (offline: predicted).
async fn run_classes(g: &Global, args: &ProbeArgs, p: &Printer) -> Result<ExitStatus> {
    let baseline = super::load_baseline(g)?;
    let selector = match &args.selector {
        Some(s) => Some(
            ns_policy_core::selector::parse(s)
                .with_context(|| format!("-l {s:?}: not a label selector"))?,
        ),
        None => None,
    };
    let offline = !args.files.is_empty();
    let shutdown = (!offline).then(Shutdown::listen);
    let (set, cluster) = if offline {
        (super::load_manifests(g, &args.files, p)?, None)
    } else {
        let cluster = super::connect(g, p).await?;
        p.step("reading namespaces and network policies");
        let set = stored_if_failed(
            args,
            p,
            &cluster.client,
            live::load_inventory(&cluster.client, args.selector.as_deref())
                .await
                .map_err(anyhow::Error::from),
        )
        .await?;
        (set, Some(cluster))
    };
    let mut names: Vec<String> = set
        .namespaces
        .iter()
        .filter(|n| {
            let labels = n.object.metadata.labels.clone().unwrap_or_default();
            selector.as_ref().is_none_or(|s| s.matches(&labels))
        })
        .filter_map(|n| n.object.metadata.name.clone())
        .filter(|n| args.selector.is_some() || !baseline.is_excluded(n))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        let e = anyhow::anyhow!(
            "no namespace to probe: {}",
            match &args.selector {
                Some(s) => format!("none matches -l {s:?}"),
                None => "every namespace is a system or excluded one".into(),
            }
        );
        return match &cluster {
            Some(c) => stored_if_failed(args, p, &c.client, Err(e)).await,
            None => Err(e),
        };
    }
    // Every cell predicted; the classes checked against that prediction.
    let all = build_plan_for(&baseline, args, names, offline)?;
    let evaluator = offline_evaluator(&all, &set)?.with_pod_cidrs(args.pod_cidrs.clone());
    by_classes(args, p, &baseline, &set, all, evaluator, cluster, shutdown).await
}

/// Named offline probes of more namespaces than this are folded by class
/// in the table and the HTML page.
const FOLD_AT: usize = 24;

/// Probes the namespaces of `all` (read into `set` and `evaluator`) by
/// equivalence classes: every cell predicted, the classes checked against
/// that prediction, one pair per pair of classes observed (live, with
/// `cluster`) or predicted (offline).
#[allow(clippy::too_many_arguments)]
async fn by_classes(
    args: &ProbeArgs,
    p: &Printer,
    baseline: &Baseline,
    set: &ns_policy_core::inventory::Inventory,
    all: ProbePlan,
    evaluator: Evaluator,
    cluster: Option<super::Cluster>,
    shutdown: Option<Shutdown>,
) -> Result<ExitStatus> {
    let offline = cluster.is_none();
    let names = all.namespaces().to_vec();
    let prediction = all.predict(&evaluator, &ProbeIps::default());
    let mut classes = ns_policy_core::probe::classify(&names, set);
    let split = classes.check(&prediction);
    let coverage = classes.coverage(names.len(), all.ports().len(), split);
    let reps: Vec<String> = classes
        .representatives()
        .into_iter()
        .map(|i| names[i].clone())
        .collect();
    p.step(format!(
        "{} namespace(s) in {} class(es): probing {} representative(s)",
        names.len(),
        coverage.classes,
        reps.len()
    ));
    let plan = build_plan_for(baseline, args, reps, offline)?;
    let with_classes = |mut report: ProbeReport| {
        report.classes = classes.report(&names);
        report.coverage = Some(coverage.clone());
        report
    };
    match cluster {
        None => {
            let report = with_classes(ProbeReport::offline(
                &plan,
                &evaluator,
                &ProbeIps::default(),
            ));
            finish(args, &report, p)
        }
        // The evaluator already holds every namespace and policy read.
        Some(cluster) => {
            // Listening since before the cluster was read.
            let shutdown = shutdown.unwrap_or_else(Shutdown::listen);
            run_live_with(
                args,
                &plan,
                p,
                shutdown,
                &cluster.client,
                &evaluator,
                Some(&with_classes),
            )
            .await
        }
    }
}

/// Validates every flag (before anything touches the cluster).
/// [`build_plan`] for the namespaces `names`.
pub(super) fn build_plan_for(
    baseline: &Baseline,
    args: &ProbeArgs,
    names: Vec<String>,
    offline: bool,
) -> Result<ProbePlan> {
    let ports = if args.ports.is_empty() {
        baseline.spec.probe.ports.clone()
    } else {
        args.ports.clone()
    };
    let opts = ProbeOptions {
        namespaces: names,
        ports,
        protocol: match args.protocol {
            ProbeProtocol::Tcp => Protocol::Tcp,
            ProbeProtocol::Udp => Protocol::Udp,
            ProbeProtocol::Sctp => Protocol::Sctp,
        },
        image: args
            .image
            .clone()
            .unwrap_or_else(|| baseline.spec.probe.image.clone()),
        pod_labels: parse_labels(&args.pod_labels)?,
        client_labels: parse_labels(&args.client_labels)?,
        server_labels: parse_labels(&args.server_labels)?,
        targets: args.targets.clone(),
        // Offline, nothing is created: a fixed id keeps the report (whose
        // explanations name the probe pods) the same from run to run.
        run_id: if !offline {
            new_run_id()
        } else {
            "offline".to_string()
        },
        timeout: args.timeout,
    };
    Ok(ProbePlan::new(opts)?)
}

enum Ended {
    Done(Box<std::result::Result<ProbeReport, ProbeError>>),
    TimedOut,
    Interrupted(&'static str),
}

/// Signals in all that abandon the cleanup: the second one, whether the
/// first stopped the run or came during the cleanup.
const ABANDON_AT: u32 = 2;

async fn run_live(
    g: &Global,
    args: &ProbeArgs,
    plan: &ProbePlan,
    p: &Printer,
) -> Result<ExitStatus> {
    let shutdown = Shutdown::listen();
    let cluster = super::connect(g, p).await?;
    // Namespaces must exist; read them and their policies before creating anything.
    let evaluator = stored_if_failed(
        args,
        p,
        &cluster.client,
        live::load_evaluator(&cluster.client, plan.namespaces())
            .await
            .map_err(anyhow::Error::from),
    )
    .await?;
    run_live_with(args, plan, p, shutdown, &cluster.client, &evaluator, None).await
}

/// With `--store-report`, a run that fails before it probes (a namespace
/// gone, policies unreadable) stores that failure too: `--last` must not
/// go on showing an older run's report.
async fn stored_if_failed<T>(
    args: &ProbeArgs,
    p: &Printer,
    client: &kube::Client,
    r: Result<T>,
) -> Result<T> {
    if let (Err(e), true) = (&r, args.store_report) {
        if let Err(store) = super::probe_schedule::store(client, args, p, Err(e)).await {
            p.warn(format!("{store:#}"));
        }
    }
    r
}

/// [`run_live`] with the policies already read into `evaluator`, the
/// report passed through `amend` before it is printed.
async fn run_live_with(
    args: &ProbeArgs,
    plan: &ProbePlan,
    p: &Printer,
    shutdown: Shutdown,
    client: &kube::Client,
    evaluator: &Evaluator,
    amend: Option<&dyn Fn(ProbeReport) -> ProbeReport>,
) -> Result<ExitStatus> {
    let printer = *p;
    let progress = move |e: &ProbeEvent| printer.step(output::probe::event(e));
    let client = client.clone();
    let opts = LiveOptions::with_deadline(Instant::now() + args.timeout);

    let ended = tokio::select! {
        r = tokio::time::timeout(
            args.timeout + BACKSTOP,
            live::run(&client, plan, evaluator, &opts, &progress),
        ) => match r {
            Ok(r) => Ended::Done(Box::new(r)),
            Err(_) => Ended::TimedOut,
        },
        _ = shutdown.signals(1) => Ended::Interrupted(shutdown.last_kind()),
    };

    // Cleanup always runs; only a second signal abandons it (the pods'
    // activeDeadlineSeconds is the backstop).
    if matches!(ended, Ended::Interrupted(_)) {
        p.status("stopping: deleting probe pods (press Ctrl-C again to abandon)");
    } else {
        p.step("deleting probe pods");
    }
    let cleanup = live::cleanup(&client, plan);
    tokio::pin!(cleanup);
    let cleaned = loop {
        let seen = shutdown.received();
        if seen >= ABANDON_AT {
            break None;
        }
        tokio::select! {
            r = &mut cleanup => break Some(r),
            _ = shutdown.signals(seen + 1) => {
                if shutdown.received() < ABANDON_AT {
                    p.status("deleting probe pods; press Ctrl-C again to abandon the cleanup");
                }
            }
        }
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
        p.warn(msg);
    }

    match ended {
        Ended::Interrupted(how) => {
            p.status(format!("{how}: probe run {} stopped", plan.run_id()));
            Ok(ExitStatus::Interrupted)
        }
        Ended::TimedOut => {
            let e = anyhow::anyhow!(
                "probe timed out after {}s (raise --timeout)",
                args.timeout.as_secs()
            );
            stored_if_failed(args, p, &client, Err(e)).await
        }
        Ended::Done(done) => match *done {
            Err(e) => {
                let e = anyhow::Error::new(e).context(format!(
                    "probing {} (run {})",
                    plan.namespaces().join(", "),
                    plan.run_id()
                ));
                stored_if_failed(args, p, &client, Err(e)).await
            }
            Ok(report) => {
                let report = match amend {
                    Some(f) => f(report),
                    None => report,
                };
                let code = finish(args, &report, p)?;
                let code = if cleanup_error.is_some() && code == ExitStatus::Ok {
                    ExitStatus::Error
                } else {
                    code
                };
                if args.store_report {
                    super::probe_schedule::store(&client, args, p, Ok((&report, code))).await?;
                }
                Ok(code)
            }
        },
    }
}

/// Prints the report and returns the exit code.
pub(super) fn finish(args: &ProbeArgs, report: &ProbeReport, p: &Printer) -> Result<ExitStatus> {
    let outcome = report.outcome(args.expect_isolated);
    match args.output {
        ProbeFormat::Json => p.data(&output::json(report))?,
        ProbeFormat::Yaml => p.data(&ns_policy_core::yaml::to_string(report))?,
        ProbeFormat::Html => p.data(&output::html::probe(report))?,
        ProbeFormat::Dot => p.data(&output::html::dot(report))?,
        ProbeFormat::Table | ProbeFormat::Wide => p.data(&output::probe::table(
            report,
            outcome,
            args.output == ProbeFormat::Wide,
            args.expect_isolated,
            p.color(),
        ))?,
    }
    if matches!(
        args.output,
        ProbeFormat::Json | ProbeFormat::Yaml | ProbeFormat::Html | ProbeFormat::Dot
    ) {
        if let Some(line) = output::probe::verdict(report, outcome) {
            p.status(line);
        }
    }
    Ok(exit_status(outcome))
}

/// The exit code of a probe outcome.
fn exit_status(outcome: ProbeOutcome) -> ExitStatus {
    match outcome {
        ProbeOutcome::Ok => ExitStatus::Ok,
        ProbeOutcome::Mismatch | ProbeOutcome::NotIsolated => ExitStatus::Policy,
        ProbeOutcome::Errors => ExitStatus::Error,
        ProbeOutcome::NotEnforced | ProbeOutcome::ClusterPoliciesNotEnforced => {
            ExitStatus::NotEnforced
        }
        ProbeOutcome::Unknown => ExitStatus::Policy,
    }
}

async fn run_cleanup(g: &Global, args: &ProbeArgs, p: &Printer) -> Result<ExitStatus> {
    for n in &args.names {
        validate_namespace_name(n)?;
    }
    let cluster = super::connect(g, p).await?;
    let swept = live::sweep(&cluster.client, &args.names, args.force, chrono::Utc::now())
        .await
        .context("deleting leftover probe pods")?;
    p.data(&output::probe::swept(&swept))?;
    if swept.deleted.is_empty() && swept.in_progress.is_empty() {
        p.status(format!(
            "no leftover probe pods found{}",
            if args.names.is_empty() {
                String::new()
            } else {
                format!(" in {}", args.names.join(", "))
            }
        ));
    }
    if !swept.in_progress.is_empty() {
        p.status(format!(
            "{} probe pod(s) of runs that may still be in progress were left alone; --force deletes them too",
            swept.in_progress.len()
        ));
    }
    Ok(ExitStatus::Ok)
}
