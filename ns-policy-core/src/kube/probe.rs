//! The live runner: probe pods in the cluster and `agnhost connect` by exec.
//!
//! [`run`] creates the pods, waits for them, predicts and observes; it never
//! deletes anything, so that the caller can cancel it (timeout, Ctrl-C) and
//! then always call [`cleanup`]. [`sweep`] removes leftovers of earlier runs.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{AttachParams, DeleteParams, ListParams, PostParams};
use kube::{Api, Client};
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use crate::error::Error;
use crate::netpol::{Evaluator, NamespaceInfo, Protocol};
use crate::probe::status::{pod_state, PodState};
use crate::probe::{
    leftover_selector, Cell, Connectivity, Matrix, Observation, Observed, Outcome, Predicted,
    Prediction, ProbeIps, ProbePlan, ProbeReport, Role, CLIENT_CONTAINER,
};

/// Errors of a live probe.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// A namespace named on the command line does not exist.
    #[error("namespace {0:?} not found")]
    NamespaceNotFound(String),
    /// Admission (Pod Security, quota, a webhook) or validation refused a
    /// probe pod; the server's messages, one per pod.
    #[error("{}", .0.join("; "))]
    Rejected(Vec<String>),
    /// A probe pod cannot start (image pull, container config, crash).
    #[error("probe pod {namespace}/{pod} cannot start: {reason}: {message}")]
    PodFailed {
        /// Namespace.
        namespace: String,
        /// Pod.
        pod: String,
        /// Reason (ErrImagePull, CreateContainerConfigError...).
        reason: String,
        /// The kubelet's message.
        message: String,
    },
    /// Pods were not Ready before the deadline.
    #[error("probe pods not ready after {:.1}s: {pending}", waited.as_secs_f64())]
    NotReady {
        /// Time waited.
        waited: Duration,
        /// What each pending pod was waiting for.
        pending: String,
    },
    /// An API error.
    #[error(transparent)]
    Api(#[from] Error),
}

/// Tuning of the live run.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Connections in flight at once.
    pub concurrency: usize,
    /// `agnhost connect --timeout`.
    pub connect_timeout: Duration,
    /// How long a cell that disagrees with the prediction is retried
    /// (policy programming lags).
    pub retry_window: Duration,
    /// Pause between retry rounds.
    pub retry_interval: Duration,
    /// Poll interval while waiting for pods.
    pub poll_interval: Duration,
    /// When the whole run must end.
    pub deadline: Instant,
}

impl LiveOptions {
    /// Defaults (8 parallel connections, 2 s connect timeout, mismatches
    /// retried every second for 8 s) with the given deadline.
    pub fn with_deadline(deadline: Instant) -> Self {
        LiveOptions {
            concurrency: 8,
            connect_timeout: Duration::from_secs(2),
            retry_window: Duration::from_secs(8),
            retry_interval: Duration::from_secs(1),
            poll_interval: Duration::from_millis(500),
            deadline,
        }
    }
}

/// A pod that was deleted.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PodRef {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// Reads the probed namespaces (which must exist) and their NetworkPolicies.
pub async fn load_evaluator(
    client: &Client,
    namespaces: &[String],
) -> Result<Evaluator, ProbeError> {
    let ns_api: Api<Namespace> = Api::all(client.clone());
    let results = futures::future::join_all(namespaces.iter().map(|ns| {
        let ns_api = ns_api.clone();
        let client = client.clone();
        async move {
            let got = ns_api
                .get_opt(ns)
                .await
                .map_err(|e| ProbeError::Api(Error::from_kube("get", "namespaces", None, e)))?;
            let Some(obj) = got else {
                return Err(ProbeError::NamespaceNotFound(ns.clone()));
            };
            let np: Api<NetworkPolicy> = Api::namespaced(client, ns);
            let policies = np.list(&ListParams::default()).await.map_err(|e| {
                ProbeError::Api(Error::from_kube(
                    "list",
                    "networkpolicies.networking.k8s.io",
                    Some(ns),
                    e,
                ))
            })?;
            let info = NamespaceInfo::new(ns.clone(), obj.metadata.labels.unwrap_or_default());
            Ok::<_, ProbeError>((info, policies.items))
        }
    }))
    .await;
    let mut infos = Vec::new();
    let mut policies = Vec::new();
    for r in results {
        let (info, mut p) = r?;
        infos.push(info);
        policies.append(&mut p);
    }
    Ok(Evaluator::new(infos, policies))
}

/// Creates the server and client pods of every namespace, concurrently.
/// Admission and validation refusals are collected for all pods.
pub async fn create_pods(client: &Client, plan: &ProbePlan) -> Result<(), ProbeError> {
    let limit_ranges = futures::future::join_all(plan.namespaces().iter().map(|ns| {
        let api: Api<LimitRange> = Api::namespaced(client.clone(), ns);
        async move {
            api.list(&ListParams::default())
                .await
                .map(|l| l.items)
                .map_err(|e| Error::from_kube("list", "limitranges", Some(ns), e))
        }
    }))
    .await;
    let mut pods = Vec::new();
    for (ns, lrs) in plan.namespaces().iter().zip(limit_ranges) {
        let lrs = lrs?;
        for mut pod in [
            crate::probe::server_pod(plan, ns),
            crate::probe::client_pod(plan, ns),
        ] {
            crate::probe::fit_resources(&mut pod, &lrs);
            pods.push((ns.clone(), pod));
        }
    }
    let results = futures::future::join_all(pods.into_iter().map(|(ns, pod)| {
        let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
        async move {
            let name = pod.metadata.name.clone().unwrap_or_default();
            api.create(&PostParams::default(), &pod)
                .await
                .map(|_| ())
                .map_err(|e| (ns, name, e))
        }
    }))
    .await;
    let mut rejected = Vec::new();
    for r in results {
        let Err((ns, name, e)) = r else { continue };
        match &e {
            kube::Error::Api(s)
                if (s.code == 403 && !s.message.contains("cannot create resource"))
                    || s.code == 422
                    || s.code == 400 =>
            {
                rejected.push(format!(
                    "probe pod {name} rejected in namespace {ns:?}: {}",
                    s.message
                ));
            }
            _ => return Err(Error::from_kube("create", "pods", Some(&ns), e).into()),
        }
    }
    if rejected.is_empty() {
        Ok(())
    } else {
        Err(ProbeError::Rejected(rejected))
    }
}

/// Waits until every probe pod is Running and Ready (polling), failing fast
/// with the real reason when a pod cannot start. Returns the pod IPs.
pub async fn wait_ready(
    client: &Client,
    plan: &ProbePlan,
    opts: &LiveOptions,
) -> Result<ProbeIps, ProbeError> {
    let start = Instant::now();
    let lp = ListParams::default().labels(&plan.run_selector());
    loop {
        let lists = futures::future::join_all(plan.namespaces().iter().map(|ns| {
            let api: Api<Pod> = Api::namespaced(client.clone(), ns);
            let lp = lp.clone();
            async move {
                api.list(&lp)
                    .await
                    .map(|l| (ns.clone(), l.items))
                    .map_err(|e| Error::from_kube("list", "pods", Some(ns), e))
            }
        }))
        .await;
        let mut ips = ProbeIps::default();
        let mut pending = Vec::new();
        for list in lists {
            let (ns, items) = list?;
            let by_name: HashMap<String, &Pod> = items
                .iter()
                .map(|p| (p.metadata.name.clone().unwrap_or_default(), p))
                .collect();
            for role in [Role::Server, Role::Client] {
                let name = plan.pod_name(role);
                match by_name.get(&name).map(|p| pod_state(p)) {
                    None => pending.push(format!("{ns}/{name}: not found yet")),
                    Some(PodState::Ready(ip)) => {
                        let map = match role {
                            Role::Server => &mut ips.servers,
                            Role::Client => &mut ips.clients,
                        };
                        map.insert(ns.clone(), ip);
                    }
                    Some(PodState::Pending(why)) => pending.push(format!("{ns}/{name}: {why}")),
                    Some(PodState::Failed { reason, message }) => {
                        return Err(ProbeError::PodFailed {
                            namespace: ns,
                            pod: name,
                            reason,
                            message,
                        })
                    }
                }
            }
        }
        if pending.is_empty() {
            return Ok(ips);
        }
        if Instant::now() + opts.poll_interval >= opts.deadline {
            return Err(ProbeError::NotReady {
                waited: start.elapsed(),
                pending: pending.join("; "),
            });
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}

/// Runs `agnhost connect` in the client pod of `from` towards `target`.
pub async fn connect(
    client: &Client,
    plan: &ProbePlan,
    from: &str,
    target: SocketAddr,
    connect_timeout: Duration,
) -> Observation {
    let api: Api<Pod> = Api::namespaced(client.clone(), from);
    let secs = connect_timeout.as_secs().max(1);
    let protocol = match plan.protocol() {
        Protocol::Udp => "udp",
        _ => "tcp",
    };
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
            expected: Connectivity::from_allowed(p.allowed),
        })
        .collect();
    let targets = plan.targets();
    for (i, p) in external.iter().enumerate() {
        out.push(Job {
            from: plan.namespaces()[i / targets.len().max(1)].clone(),
            target: Some(targets[i % targets.len().max(1)]),
            expected: Connectivity::from_allowed(p.allowed),
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
pub async fn observe(
    client: &Client,
    plan: &ProbePlan,
    ips: &ProbeIps,
    prediction: &Prediction,
    external: &[Predicted],
    opts: &LiveOptions,
    progress: &(dyn Fn(&str) + Send + Sync),
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
                observed[i]
                    .as_ref()
                    .is_none_or(|o| !o.outcome.agrees_with(jobs[i].expected))
            })
            .collect();
        if retry.is_empty() || Instant::now() + opts.retry_interval >= window_end {
            break;
        }
        progress(&format!(
            "{} cell(s) differ from the prediction; retrying (policy programming may lag)",
            retry.len()
        ));
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

/// The whole live probe except cleanup: read policies, create pods, wait
/// for them, predict with the pods' IPs, observe, report. Call [`cleanup`]
/// afterwards whatever happens (also when this future is dropped).
pub async fn run(
    client: &Client,
    plan: &ProbePlan,
    evaluator: &Evaluator,
    opts: &LiveOptions,
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<ProbeReport, ProbeError> {
    let n = plan.namespaces().len();
    progress(&format!(
        "creating {} probe pods in {n} namespace(s) (run {})",
        2 * n,
        plan.run_id()
    ));
    create_pods(client, plan).await?;
    progress("waiting for probe pods to be Running and Ready");
    let ips = wait_ready(client, plan, opts).await?;
    let prediction = plan.predict(evaluator, &ips);
    let external = plan.predict_external(evaluator, &ips);
    progress(&format!(
        "probing {} cell(s) ({n}×{n} namespace pairs × {} port(s){})",
        plan.cell_count() + external.len(),
        plan.ports().len(),
        if external.is_empty() {
            String::new()
        } else {
            format!(
                ", and {} target(s) from each namespace",
                plan.targets().len()
            )
        }
    ));
    let observed = observe(client, plan, &ips, &prediction, &external, opts, progress).await;
    Ok(ProbeReport::live(plan, &prediction, &external, &observed))
}

async fn delete_by_label(
    client: &Client,
    namespace: Option<&str>,
    selector: &str,
) -> Result<Vec<PodRef>, ProbeError> {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let list = api
        .list(&ListParams::default().labels(selector))
        .await
        .map_err(|e| Error::from_kube("list", "pods", namespace, e))?;
    let dp = DeleteParams::default().grace_period(0);
    let mut deleted = Vec::new();
    for pod in list.items {
        let (Some(ns), Some(name)) = (pod.metadata.namespace, pod.metadata.name) else {
            continue;
        };
        let api: Api<Pod> = Api::namespaced(client.clone(), &ns);
        match api.delete(&name, &dp).await {
            Ok(_) => deleted.push(PodRef {
                namespace: ns,
                name,
            }),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(Error::from_kube("delete", "pods", Some(&ns), e).into()),
        }
    }
    Ok(deleted)
}

/// Deletes this run's pods (grace period 0) in every namespace of the plan,
/// repeating a few times so a create still in flight when the run was
/// cancelled is caught too. Returns the pods deleted.
pub async fn cleanup(client: &Client, plan: &ProbePlan) -> Result<Vec<PodRef>, ProbeError> {
    let selector = plan.run_selector();
    let mut deleted = BTreeMap::new();
    for round in 0..4 {
        let rounds = futures::future::join_all(
            plan.namespaces()
                .iter()
                .map(|ns| delete_by_label(client, Some(ns), &selector)),
        )
        .await;
        let mut found = 0;
        let mut first_err = None;
        for r in rounds {
            match r {
                Ok(pods) => {
                    found += pods.len();
                    for p in pods {
                        deleted.insert(p.clone(), ());
                    }
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_err {
            // A namespace that is gone has nothing left to clean.
            if !matches!(&e, ProbeError::Api(a) if a.is_not_found()) {
                return Err(e);
            }
        }
        if found == 0 && round > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(deleted.into_keys().collect())
}

/// Deletes probe pods of any run (`probe --cleanup`) in `namespaces`, or in
/// every namespace when empty. Returns the pods deleted.
pub async fn sweep(client: &Client, namespaces: &[String]) -> Result<Vec<PodRef>, ProbeError> {
    let selector = leftover_selector();
    if namespaces.is_empty() {
        return delete_by_label(client, None, &selector).await;
    }
    let mut out = Vec::new();
    for ns in namespaces {
        out.extend(delete_by_label(client, Some(ns), &selector).await?);
    }
    out.sort();
    Ok(out)
}
