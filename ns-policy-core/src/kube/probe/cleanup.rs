//! Cleanup: deleting this run's probe pods, and sweeping leftovers of any
//! run.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::DeleteParams;
use kube::{Api, Client};

use super::{PodRef, ProbeError};
use crate::error::Error;
use crate::inventory::Kind;
use crate::kube::list::list_pages;
use crate::probe::{leftover_selector, ProbePlan};

async fn delete_by_label(
    client: &Client,
    namespace: Option<&str>,
    selector: &str,
) -> Result<Vec<PodRef>, ProbeError> {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let pods = list_pages(&api, Kind::Pod, namespace, Some(selector)).await?;
    let dp = DeleteParams::default().grace_period(0);
    let mut deleted = Vec::new();
    for pod in pods {
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
