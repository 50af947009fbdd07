//! The live runner: probe pods in the cluster and `agnhost connect` by exec.
//!
//! [`run`] creates the pods, waits for them, predicts and observes; it never
//! deletes anything, so that the caller can cancel it (timeout, Ctrl-C) and
//! then always call [`cleanup`](fn@cleanup). [`sweep`] removes leftovers of
//! earlier runs.

mod cleanup;
mod observe;
mod pods;

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::{Api, Client};
use tokio::time::Instant;

use crate::error::Error;
use crate::inventory::{Access, Inventory, Item, Kind};
use crate::kube::list::{list_pages, Scope};
use crate::kube::netpol::list_extensions;
use crate::netpol::Evaluator;
use crate::probe::{Observation, Observed, ProbeEvent, ProbePlan, ProbeReport};

pub use cleanup::{cleanup, sweep, Sweep};
pub(crate) use observe::observe;
pub(crate) use pods::{create_pods, lost_pods, wait_ready};

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
    /// A probe pod was deleted (or is being deleted) while the run waited
    /// for it: another job's `probe --cleanup`, or a person.
    #[error("probe pod {namespace}/{pod} {what} before it was Ready (another `probe --cleanup --force`, or by hand?)")]
    PodVanished {
        /// Namespace.
        namespace: String,
        /// Pod.
        pod: String,
        /// `was deleted`, `is being deleted`, `was replaced`.
        what: String,
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
    /// Execs in flight at once (each tries up to 8 connections at once
    /// from its client pod).
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
    /// Defaults (32 parallel execs, 2 s connect timeout, mismatches
    /// retried every second for 8 s) with the given deadline.
    pub fn with_deadline(deadline: Instant) -> Self {
        LiveOptions {
            concurrency: 32,
            connect_timeout: Duration::from_secs(2),
            retry_window: Duration::from_secs(8),
            retry_interval: Duration::from_secs(1),
            poll_interval: Duration::from_millis(250),
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

/// Reads the probed namespaces (which must exist), their NetworkPolicies,
/// and the cluster network policies and CNI policies the cluster serves.
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
            let policies = list_pages(&np, Kind::NetworkPolicy, Some(ns), None).await?;
            Ok::<_, ProbeError>((obj, policies))
        }
    }))
    .await;
    let mut set = Inventory::default();
    let mut policies = Vec::new();
    for r in results {
        let (ns, p) = r?;
        set.namespaces.push(Item::live(ns));
        policies.extend(p.into_iter().map(Item::live));
    }
    set.network_policies = Access::Known(policies);
    let ext = list_extensions(client, &Scope::Namespaces(namespaces.to_vec())).await?;
    set.cluster_policies = ext.cluster_policies;
    set.cni_policies = ext.cni_policies;
    Ok(set.evaluator())
}

/// The namespaces matching `selector` (all without one; terminating ones
/// left out) with every NetworkPolicy, cluster network policy and CNI
/// policy of the cluster: what `probe --all` classifies and predicts.
pub async fn load_inventory(
    client: &Client,
    selector: Option<&str>,
) -> Result<Inventory, ProbeError> {
    let namespaces = crate::kube::list::list_namespaces(client, selector).await?;
    let np: Api<NetworkPolicy> = Api::all(client.clone());
    let policies = list_pages(&np, Kind::NetworkPolicy, None, None).await?;
    let ext = list_extensions(client, &Scope::Cluster).await?;
    Ok(Inventory {
        namespaces: namespaces
            .into_iter()
            .filter(|n| n.metadata.deletion_timestamp.is_none())
            .map(Item::live)
            .collect(),
        network_policies: Access::Known(policies.into_iter().map(Item::live).collect()),
        cluster_policies: ext.cluster_policies,
        cni_policies: ext.cni_policies,
        ..Default::default()
    })
}

/// The whole live probe except cleanup: read policies, create pods, wait
/// for them, predict with the pods' IPs, observe, report. Call
/// [`cleanup`](fn@cleanup) afterwards whatever happens (also when this
/// future is dropped).
pub async fn run(
    client: &Client,
    plan: &ProbePlan,
    evaluator: &Evaluator,
    opts: &LiveOptions,
    progress: &(dyn Fn(&ProbeEvent) + Send + Sync),
) -> Result<ProbeReport, ProbeError> {
    let n = plan.namespaces().len();
    progress(&ProbeEvent::CreatingPods {
        pods: 2 * n,
        namespaces: n,
        run_id: plan.run_id().to_string(),
    });
    create_pods(client, plan).await?;
    progress(&ProbeEvent::WaitingForPods);
    let ready = wait_ready(client, plan, opts).await?;
    let ips = &ready.ips;
    let prediction = plan.predict(evaluator, ips);
    let external = plan.predict_external(evaluator, ips);
    progress(&ProbeEvent::Probing {
        cells: plan.cell_count() + external.len(),
        namespaces: n,
        ports: plan.ports().len(),
        targets: plan.targets().len(),
    });
    let mut observed = if ready.unsupported.len() == n && plan.targets().is_empty() {
        // No server can listen (no SCTP on any node): nothing to connect to.
        Observed {
            matrix: prediction.map(|_, _| Observation::error("not tested")),
            external: Vec::new(),
        }
    } else {
        observe(client, plan, ips, &prediction, &external, opts, progress).await
    };
    // A pod that vanished or was replaced while connections ran makes its
    // cells errors: a refused connection to a deleted server is no deny.
    let mut lost = lost_pods(client, plan, &ready.uids).await;
    lost.extend(ready.unsupported.clone());
    observed.discard_lost_pods(plan, &lost);
    Ok(ProbeReport::live(
        plan,
        evaluator,
        ips,
        (&prediction, &external),
        &observed,
    ))
}
