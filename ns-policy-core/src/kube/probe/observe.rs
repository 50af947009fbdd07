//! Observing: `agnhost connect` by exec from the client pods, every cell and
//! `--target` row in parallel, with retries while policy programming lags.

use std::net::SocketAddr;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::AttachParams;
use kube::{Api, Client};
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use super::LiveOptions;
use crate::probe::{
    Cell, Connectivity, Matrix, Observation, Observed, Outcome, Predicted, Prediction, ProbeEvent,
    ProbeIps, ProbePlan, Role, CLIENT_CONTAINER,
};

/// Runs `agnhost connect` in the client pod of `from` towards `target`.
pub(crate) async fn connect(
    client: &Client,
    plan: &ProbePlan,
    from: &str,
    target: SocketAddr,
    connect_timeout: Duration,
) -> Observation {
    let api: Api<Pod> = Api::namespaced(client.clone(), from);
    let secs = connect_timeout.as_secs().max(1);
    let protocol = plan.protocol().as_str().to_ascii_lowercase();
    let command = vec![
        "/agnhost".to_string(),
        "connect".to_string(),
        target.to_string(),
        format!("--timeout={secs}s"),
        format!("--protocol={protocol}"),
    ];
    let ap = AttachParams::default()
        .container(CLIENT_CONTAINER)
        .stdin(false)
        .stdout(true)
        .stderr(true);
    let pod = plan.pod_name(Role::Client);
    let run = async {
        let mut proc = api
            .exec(&pod, command, &ap)
            .await
            .map_err(|e| format!("exec in {from}/{pod}: {}", crate::error::chain(&e)))?;
        let status = proc.take_status();
        let mut out = proc.stdout();
        let mut err = proc.stderr();
        let read_out = async {
            let mut buf = Vec::new();
            if let Some(r) = out.as_mut() {
                let _ = r.read_to_end(&mut buf).await;
            }
            buf
        };
        let read_err = async {
            let mut buf = Vec::new();
            if let Some(r) = err.as_mut() {
                let _ = r.read_to_end(&mut buf).await;
            }
            buf
        };
        let (_, stderr) = tokio::join!(read_out, read_err);
        let status = match status {
            Some(s) => s.await,
            None => None,
        };
        let _ = proc.join().await;
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        match status {
            Some(s) if s.status.as_deref() == Some("Success") => {
                Ok(Observation::from_connect(true, &stderr))
            }
            Some(s) if s.reason.as_deref() == Some("NonZeroExitCode") => {
                Ok(Observation::from_connect(false, &stderr))
            }
            Some(s) => Err(format!(
                "exec in {from}/{pod}: {} {}",
                s.reason.as_deref().unwrap_or("Failure"),
                s.message.as_deref().unwrap_or("").trim()
            )),
            None => Err(format!(
                "exec in {from}/{pod}: no exit status{}",
                if stderr.trim().is_empty() {
                    String::new()
                } else {
                    format!(" ({})", stderr.trim())
                }
            )),
        }
    };
    match tokio::time::timeout(connect_timeout + Duration::from_secs(20), run).await {
        Ok(Ok(obs)) => obs,
        Ok(Err(msg)) => Observation::error(msg),
        Err(_) => Observation::error(format!("exec in {from}/{pod} did not finish in time")),
    }
}

/// One connection to test: from the client of a namespace to an address,
/// with the prediction it is judged against.
#[derive(Clone, Debug)]
struct Job {
    from: String,
    /// `None`: the server pod has no IP (not Ready).
    target: Option<SocketAddr>,
    expected: Connectivity,
}

/// The jobs of a run: the matrix cells in cell order, then the `--target`
/// rows by namespace and target.
fn jobs(
    plan: &ProbePlan,
    ips: &ProbeIps,
    prediction: &Prediction,
    external: &[Predicted],
) -> Vec<Job> {
    let mut out: Vec<Job> = prediction
        .iter()
        .map(|(cell, p): (Cell, &Predicted)| Job {
            from: plan.namespaces()[cell.from].clone(),
            target: ips
                .servers
                .get(&plan.namespaces()[cell.to])
                .map(|ip| SocketAddr::new(*ip, plan.ports()[cell.port])),
            expected: Connectivity::from_decision(p.decision),
        })
        .collect();
    let targets = plan.targets();
    for (i, p) in external.iter().enumerate() {
        out.push(Job {
            from: plan.namespaces()[i / targets.len().max(1)].clone(),
            target: Some(targets[i % targets.len().max(1)]),
            expected: Connectivity::from_decision(p.decision),
        });
    }
    out
}

async fn observe_jobs(
    client: &Client,
    plan: &ProbePlan,
    jobs: &[Job],
    which: &[usize],
    opts: &LiveOptions,
) -> Vec<(usize, Observation)> {
    stream::iter(which.iter().copied())
        .map(|i| async move {
            if Instant::now() >= opts.deadline {
                return (
                    i,
                    Observation::error("run timed out before this cell was tested"),
                );
            }
            let job = &jobs[i];
            let Some(target) = job.target else {
                return (i, Observation::error("no server pod IP"));
            };
            (
                i,
                connect(client, plan, &job.from, target, opts.connect_timeout).await,
            )
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await
}

/// Observes every cell and `--target` row, all in parallel (bounded by
/// [`LiveOptions::concurrency`]); connections disagreeing with the
/// prediction are retried every [`LiveOptions::retry_interval`] for
/// [`LiveOptions::retry_window`] before they count as mismatches.
pub(crate) async fn observe(
    client: &Client,
    plan: &ProbePlan,
    ips: &ProbeIps,
    prediction: &Prediction,
    external: &[Predicted],
    opts: &LiveOptions,
    progress: &(dyn Fn(&ProbeEvent) + Send + Sync),
) -> Observed {
    let jobs = jobs(plan, ips, prediction, external);
    let mut observed: Vec<Option<Observation>> = vec![None; jobs.len()];
    let all: Vec<usize> = (0..jobs.len()).collect();
    for (i, o) in observe_jobs(client, plan, &jobs, &all, opts).await {
        observed[i] = Some(o);
    }
    let window_end = (Instant::now() + opts.retry_window).min(opts.deadline);
    loop {
        let retry: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| {
                // An unknown prediction has nothing to disagree with: only
                // errors of such cells are tried again.
                observed[i].as_ref().is_none_or(|o| {
                    o.outcome == Outcome::Error
                        || (jobs[i].expected != Connectivity::Unknown
                            && !o.outcome.agrees_with(jobs[i].expected))
                })
            })
            .collect();
        if retry.is_empty() || Instant::now() + opts.retry_interval >= window_end {
            break;
        }
        progress(&ProbeEvent::Retrying { cells: retry.len() });
        tokio::time::sleep(opts.retry_interval).await;
        for (i, mut o) in observe_jobs(client, plan, &jobs, &retry, opts).await {
            let slot = &mut observed[i];
            o.attempts = slot.as_ref().map_or(0, |p| p.attempts) + 1;
            match slot {
                // Keep a real observation over an error of a later attempt.
                Some(p) if o.outcome == Outcome::Error && p.outcome != Outcome::Error => {
                    p.attempts = o.attempts;
                }
                _ => *slot = Some(o),
            }
        }
    }
    let mut all: Vec<Observation> = observed
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Observation::error("not tested")))
        .collect();
    let external = all.split_off(prediction.len());
    let matrix = Matrix::from_cells(prediction.namespaces(), prediction.ports(), all)
        .expect("one observation per cell");
    Observed { matrix, external }
}
