//! Probe pods in the cluster: creating them (fitted into the namespace's
//! LimitRange) and waiting until they are Ready, or failing with the reason.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{LimitRange, Pod};
use kube::api::PostParams;
use kube::{Api, Client};
use tokio::time::Instant;

use super::{LiveOptions, ProbeError};
use crate::error::Error;
use crate::inventory::Kind;
use crate::kube::list::list_pages;
use crate::probe::status::{pod_state, PodState};
use crate::probe::{ProbeIps, ProbePlan, Role};

/// Creates the server and client pods of every namespace, concurrently.
/// Admission and validation refusals are collected for all pods.
pub(crate) async fn create_pods(client: &Client, plan: &ProbePlan) -> Result<(), ProbeError> {
    let limit_ranges = futures::future::join_all(plan.namespaces().iter().map(|ns| {
        let api: Api<LimitRange> = Api::namespaced(client.clone(), ns);
        async move { list_pages(&api, Kind::LimitRange, Some(ns), None).await }
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
pub(crate) async fn wait_ready(
    client: &Client,
    plan: &ProbePlan,
    opts: &LiveOptions,
) -> Result<ProbeIps, ProbeError> {
    let start = Instant::now();
    let selector = plan.run_selector();
    loop {
        let lists = futures::future::join_all(plan.namespaces().iter().map(|ns| {
            let api: Api<Pod> = Api::namespaced(client.clone(), ns);
            let selector = &selector;
            async move {
                list_pages(&api, Kind::Pod, Some(ns), Some(selector))
                    .await
                    .map(|items| (ns.clone(), items))
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
