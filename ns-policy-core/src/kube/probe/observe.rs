//! Observing: `agnhost connect` from the client pods, by one exec per client
//! and [`BATCH`] targets (all at once inside the pod), every cell and
//! `--target` row, with retries while policy programming lags.

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

/// Targets one exec tries at once from inside a client pod (each an
/// `agnhost connect` process; the client container's limits are sized for
/// this many).
const BATCH: usize = 8;

/// What an exec in a client pod returned.
struct ExecOutput {
    /// Exit 0 (else a non-zero exit code).
    succeeded: bool,
    stdout: String,
    stderr: String,
}

/// Why an exec gave no exit code.
enum ExecError {
    /// The command does not exist in the image (a custom `--image` without
    /// a shell).
    NotFound(String),
    /// Anything else, as a one-line message.
    Other(String),
}

/// Runs `command` in the client container of `from` and collects its
/// output and exit code.
async fn exec(
    client: &Client,
    plan: &ProbePlan,
    from: &str,
    command: Vec<String>,
    limit: Duration,
) -> Result<ExecOutput, ExecError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), from);
    let ap = AttachParams::default()
        .container(CLIENT_CONTAINER)
        .stdin(false)
        .stdout(true)
        .stderr(true);
    let pod = plan.pod_name(Role::Client);
    let run = async {
        let mut proc = api.exec(&pod, command, &ap).await.map_err(|e| {
            ExecError::Other(format!("exec in {from}/{pod}: {}", crate::error::chain(&e)))
        })?;
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
        let (stdout, stderr) = tokio::join!(read_out, read_err);
        let status = match status {
            Some(s) => s.await,
            None => None,
        };
        let _ = proc.join().await;
        let stdout = String::from_utf8_lossy(&stdout).into_owned();
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let succeeded = match &status {
            Some(s) if s.status.as_deref() == Some("Success") => Some(true),
            Some(s) if s.reason.as_deref() == Some("NonZeroExitCode") => Some(false),
            _ => None,
        };
        if let Some(succeeded) = succeeded {
            return Ok(ExecOutput {
                succeeded,
                stdout,
                stderr,
            });
        }
        match status {
            Some(s) => {
                let message = s.message.as_deref().unwrap_or("").trim().to_string();
                let text = format!(
                    "exec in {from}/{pod}: {} {message}",
                    s.reason.as_deref().unwrap_or("Failure"),
                );
                if message.contains("executable file not found")
                    || message.contains("no such file or directory")
                {
                    Err(ExecError::NotFound(text))
                } else {
                    Err(ExecError::Other(text))
                }
            }
            None => Err(ExecError::Other(format!(
                "exec in {from}/{pod}: no exit status{}",
                if stderr.trim().is_empty() {
                    String::new()
                } else {
                    format!(" ({})", stderr.trim())
                }
            ))),
        }
    };
    match tokio::time::timeout(limit, run).await {
        Ok(r) => r,
        Err(_) => Err(ExecError::Other(format!(
            "exec in {from}/{pod} did not finish in time"
        ))),
    }
}

/// The flags of `agnhost connect` after its target.
fn connect_flags(plan: &ProbePlan, connect_timeout: Duration) -> [String; 2] {
    let secs = connect_timeout.as_secs().max(1);
    let protocol = plan.protocol().as_str().to_ascii_lowercase();
    [
        format!("--timeout={secs}s"),
        format!("--protocol={protocol}"),
    ]
}

/// Runs `agnhost connect` in the client pod of `from` towards `target`:
/// one exec per connection (the fallback for images without a shell).
async fn connect(
    client: &Client,
    plan: &ProbePlan,
    from: &str,
    target: SocketAddr,
    connect_timeout: Duration,
) -> Observation {
    let mut command = vec![
        "/agnhost".to_string(),
        "connect".to_string(),
        target.to_string(),
    ];
    command.extend(connect_flags(plan, connect_timeout));
    match exec(client, plan, from, command, connect_timeout + EXEC_MARGIN).await {
        Ok(out) => Observation::from_connect(out.succeeded, &out.stderr),
        Err(ExecError::NotFound(msg) | ExecError::Other(msg)) => Observation::error(msg),
    }
}

/// Time an exec may take beyond the connect timeout (API server, kubelet
/// and runtime latency, process start under the container's cpu limit).
const EXEC_MARGIN: Duration = Duration::from_secs(20);

/// Marks the result lines of [`batch_script`].
const RESULT_MARK: &str = "@@ns-policy";

/// A POSIX shell script that runs one `agnhost connect` per target at
/// once and prints, per target, `@@ns-policy <index> <exit code> <its
/// output on one line>`. Targets come as positional parameters (`$1`...),
/// never spliced into the script.
fn batch_script(plan: &ProbePlan, connect_timeout: Duration) -> String {
    let flags = connect_flags(plan, connect_timeout).join(" ");
    format!(
        "set -f\n\
         c() {{ o=$(/agnhost connect \"$2\" {flags} 2>&1); r=$?; echo {RESULT_MARK} \"$1\" \"$r\" $o; }}\n\
         i=0\n\
         for t in \"$@\"; do c \"$i\" \"$t\" & i=$((i+1)); done\n\
         wait\n"
    )
}

/// Reads the result lines of [`batch_script`] for `n` targets: one
/// observation per target, an error for a target without a line.
fn parse_batch(stdout: &str, n: usize, whence: &str) -> Vec<Observation> {
    let mut out: Vec<Option<Observation>> = vec![None; n];
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix(RESULT_MARK) else {
            continue;
        };
        let mut words = rest.trim_start().splitn(3, ' ');
        let (Some(i), Some(code)) = (words.next(), words.next()) else {
            continue;
        };
        let text = words.next().unwrap_or("");
        let (Ok(i), Ok(code)) = (i.parse::<usize>(), code.parse::<i32>()) else {
            continue;
        };
        let Some(slot) = out.get_mut(i) else {
            continue;
        };
        *slot = Some(match code {
            0 => Observation::from_connect(true, text),
            // agnhost connect exits 1 for TIMEOUT, REFUSED and OTHER.
            1 => Observation::from_connect(false, text),
            _ => Observation::error(format!(
                "agnhost connect exited with code {code} in {whence}{}",
                if code > 128 {
                    " (killed: the client container's limits?)"
                } else {
                    ""
                }
            )),
        });
    }
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Observation::error(format!("no result from {whence}"))))
        .collect()
}

/// Tries every target from the client pod of `from` with one exec (all at
/// once inside the pod). Without a shell in the image, one exec per target.
async fn connect_batch(
    client: &Client,
    plan: &ProbePlan,
    from: &str,
    targets: &[SocketAddr],
    connect_timeout: Duration,
) -> Vec<Observation> {
    let mut command = vec![
        "/bin/sh".to_string(),
        "-c".to_string(),
        batch_script(plan, connect_timeout),
        "ns-policy-probe".to_string(),
    ];
    command.extend(targets.iter().map(|t| t.to_string()));
    let whence = format!("the exec in {from}/{}", plan.pod_name(Role::Client));
    match exec(client, plan, from, command, connect_timeout + EXEC_MARGIN).await {
        Ok(out) => parse_batch(&out.stdout, targets.len(), &whence),
        Err(ExecError::NotFound(_)) => {
            stream::iter(targets.iter().copied())
                .then(|t| connect(client, plan, from, t, connect_timeout))
                .collect()
                .await
        }
        Err(ExecError::Other(msg)) => targets
            .iter()
            .map(|_| Observation::error(msg.clone()))
            .collect(),
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

/// The jobs of `which` as execs: per client namespace, chunks of at most
/// [`BATCH`] jobs with a target, taken round-robin across namespaces so
/// that a bounded pool spreads over the pods.
fn batches(jobs: &[Job], which: &[usize]) -> Vec<Vec<usize>> {
    let mut per_client: Vec<(&str, Vec<usize>)> = Vec::new();
    for &i in which {
        if jobs[i].target.is_none() {
            continue;
        }
        match per_client
            .iter_mut()
            .find(|(from, _)| *from == jobs[i].from)
        {
            Some((_, v)) => v.push(i),
            None => per_client.push((&jobs[i].from, vec![i])),
        }
    }
    let chunked: Vec<Vec<Vec<usize>>> = per_client
        .into_iter()
        .map(|(_, v)| v.chunks(BATCH).map(<[usize]>::to_vec).collect())
        .collect();
    let rounds = chunked.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::new();
    for r in 0..rounds {
        for c in &chunked {
            if let Some(b) = c.get(r) {
                out.push(b.clone());
            }
        }
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
    let mut out: Vec<(usize, Observation)> = which
        .iter()
        .filter(|&&i| jobs[i].target.is_none())
        .map(|&i| (i, Observation::error("no server pod IP")))
        .collect();
    let observed: Vec<Vec<(usize, Observation)>> = stream::iter(batches(jobs, which))
        .map(|batch| async move {
            if Instant::now() >= opts.deadline {
                return batch
                    .iter()
                    .map(|&i| {
                        (
                            i,
                            Observation::error("run timed out before this cell was tested"),
                        )
                    })
                    .collect();
            }
            let from = &jobs[batch[0]].from;
            let targets: Vec<SocketAddr> = batch.iter().filter_map(|&i| jobs[i].target).collect();
            let obs = connect_batch(client, plan, from, &targets, opts.connect_timeout).await;
            batch.into_iter().zip(obs).collect()
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    out.extend(observed.into_iter().flatten());
    out
}

/// Observes every cell and `--target` row, all in parallel (execs bounded
/// by [`LiveOptions::concurrency`]); connections disagreeing with the
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(from: &str, target: Option<&str>) -> Job {
        Job {
            from: from.to_string(),
            target: target.map(|t| t.parse().unwrap()),
            expected: Connectivity::Deny,
        }
    }

    #[test]
    fn batch_results_are_read_by_index_whatever_their_order() {
        let out = "@@ns-policy 2 0\n\
                   noise from the shell\n\
                   @@ns-policy 0 1 REFUSED\n\
                   @@ns-policy 1 1 TIMEOUT\n";
        let obs = parse_batch(out, 3, "the exec in a/p");
        assert_eq!(obs[0].outcome, Outcome::Deny);
        assert_eq!(obs[0].detail, "refused");
        assert_eq!(obs[1].outcome, Outcome::Deny);
        assert_eq!(obs[1].detail, "timeout");
        assert_eq!(obs[2].outcome, Outcome::Allow);
    }

    #[test]
    fn a_target_without_a_result_line_or_killed_is_an_error_never_a_deny() {
        let out = "@@ns-policy 0 137\n@@ns-policy 9 0\n@@ns-policy x 0\n";
        let obs = parse_batch(out, 2, "the exec in a/p");
        assert_eq!(obs[0].outcome, Outcome::Error);
        assert!(
            obs[0].detail.contains("137") && obs[0].detail.contains("killed"),
            "{}",
            obs[0].detail
        );
        assert_eq!(obs[1].outcome, Outcome::Error);
        assert_eq!(obs[1].detail, "no result from the exec in a/p");
    }

    #[test]
    fn multi_line_agnhost_output_arrives_on_one_line_and_is_classified() {
        // The script echoes $o unquoted: newlines become spaces.
        let out = "@@ns-policy 0 1 OTHER dial sctp: connection refused\n";
        let obs = parse_batch(out, 1, "x");
        assert_eq!(obs[0].outcome, Outcome::Deny);
        assert_eq!(obs[0].detail, "refused");
    }

    #[test]
    fn batches_hold_one_client_each_at_most_batch_targets_round_robin() {
        let mut jobs = Vec::new();
        for i in 0..10 {
            jobs.push(job("a", Some(&format!("10.0.0.{i}:80"))));
        }
        jobs.push(job("b", Some("10.0.1.1:80")));
        jobs.push(job("b", None));
        let which: Vec<usize> = (0..jobs.len()).collect();
        let b = batches(&jobs, &which);
        assert_eq!(
            b,
            vec![(0..8).collect::<Vec<_>>(), vec![10], vec![8, 9]],
            "first chunk of every client before second chunks; no job without a target"
        );
        // Retries cover only what is asked.
        assert_eq!(batches(&jobs, &[9, 3]), vec![vec![9, 3]]);
    }

    #[test]
    fn the_batch_script_passes_targets_as_arguments_never_in_its_text() {
        let plan = ProbePlan::new(crate::probe::ProbeOptions {
            namespaces: vec!["a".to_string()],
            ports: vec![80],
            protocol: crate::netpol::Protocol::Udp,
            image: "registry.k8s.io/e2e-test-images/agnhost:2.53".into(),
            pod_labels: Default::default(),
            client_labels: Default::default(),
            server_labels: Default::default(),
            targets: vec!["10.9.9.9:53".parse().unwrap()],
            run_id: "run1".into(),
            timeout: Duration::from_secs(60),
        })
        .expect("valid plan");
        let s = batch_script(&plan, Duration::from_secs(2));
        assert!(s.contains("--timeout=2s --protocol=udp"), "{s}");
        assert!(s.contains("\"$@\""), "{s}");
        assert!(!s.contains("10.9.9.9"), "{s}");
    }
}
