//! Cleanup: deleting this run's probe pods, and sweeping leftovers of runs
//! that are over. Every LIST and DELETE is retried with backoff across
//! transient failures (a reset connection, 429, 5xx), so one dropped
//! connection does not leave pods behind.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use kube::api::DeleteParams;
use kube::{Api, Client};

use super::{PodRef, ProbeError};
use crate::error::Error;
use crate::inventory::Kind;
use crate::kube::list::list_pages;
use crate::kube::retry::with_backoff;
use crate::probe::{leftover_selector, run_state, ProbePlan, RunState};

/// Lists the pods matching `selector` (in `namespace`, or everywhere),
/// retrying transient failures.
async fn list_probe_pods(
    client: &Client,
    namespace: Option<&str>,
    selector: &str,
) -> Result<Vec<Pod>, ProbeError> {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mut attempt = 0;
    loop {
        match list_pages(&api, Kind::Pod, namespace, Some(selector)).await {
            Ok(pods) => return Ok(pods),
            Err(Error::Client { .. })
            | Err(Error::Api {
                code: 429 | 500..=599,
                ..
            }) if attempt < 4 => {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Deletes one pod (grace period 0), retrying transient failures; a pod
/// already gone is no error.
async fn delete_pod(client: &Client, ns: &str, name: &str) -> Result<bool, ProbeError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    let dp = DeleteParams::default().grace_period(0);
    let deleted = with_backoff(|| async {
        match api.delete(name, &dp).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(|e| Error::from_kube("delete", "pods", Some(ns), e))?;
    Ok(deleted)
}

async fn delete_all(client: &Client, pods: Vec<Pod>) -> Result<Vec<PodRef>, ProbeError> {
    let mut deleted = Vec::new();
    for pod in pods {
        let (Some(ns), Some(name)) = (pod.metadata.namespace, pod.metadata.name) else {
            continue;
        };
        if delete_pod(client, &ns, &name).await? {
            deleted.push(PodRef {
                namespace: ns,
                name,
            });
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
        let rounds = futures::future::join_all(plan.namespaces().iter().map(|ns| {
            let selector = &selector;
            async move {
                let mut pods = list_probe_pods(client, Some(ns), selector).await?;
                if round > 0 {
                    // Deleted in an earlier round and still terminating:
                    // nothing more to do for them. Only a pod whose create
                    // was in flight is new here.
                    pods.retain(|p| p.metadata.deletion_timestamp.is_none());
                }
                delete_all(client, pods).await
            }
        }))
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

/// What a sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Pods deleted: their runs were over.
    pub deleted: Vec<PodRef>,
    /// Pods left alone: their runs may still be observing through them,
    /// until the time given (their deadline).
    pub in_progress: Vec<(PodRef, DateTime<Utc>)>,
}

/// `probe --cleanup`: deletes probe pods of runs that are over, in
/// `namespaces` or in every namespace when empty. A pod whose run may still
/// be going on (another CI job probing the same cluster) is left alone and
/// reported, unless `force`.
pub async fn sweep(
    client: &Client,
    namespaces: &[String],
    force: bool,
    now: DateTime<Utc>,
) -> Result<Sweep, ProbeError> {
    let selector = leftover_selector();
    let mut pods = Vec::new();
    if namespaces.is_empty() {
        pods = list_probe_pods(client, None, &selector).await?;
    } else {
        for ns in namespaces {
            pods.extend(list_probe_pods(client, Some(ns), &selector).await?);
        }
    }
    let mut out = Sweep::default();
    let mut over = Vec::new();
    for pod in pods {
        match run_state(&pod, now) {
            RunState::InProgress { until } if !force => {
                if let (Some(ns), Some(name)) = (&pod.metadata.namespace, &pod.metadata.name) {
                    out.in_progress.push((
                        PodRef {
                            namespace: ns.clone(),
                            name: name.clone(),
                        },
                        until,
                    ));
                }
            }
            _ => over.push(pod),
        }
    }
    out.deleted = delete_all(client, over).await?;
    out.deleted.sort();
    out.in_progress.sort();
    Ok(out)
}
