//! Probe pods in the cluster: creating them (fitted into the namespace's
//! LimitRange) and waiting until they are Ready, or failing with the reason.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{LimitRange, Pod};
use kube::api::PostParams;
use kube::{Api, Client};
use tokio::time::Instant;

use super::{LiveOptions, ProbeError};
use crate::error::Error;
use crate::inventory::Kind;
use crate::kube::list::list_pages;
use crate::probe::status::{pod_state, PodState};
use crate::probe::{run_deadline, ProbeIps, ProbePlan, Role, DEADLINE_ANNOTATION};

/// Creates the server and client pods of every namespace, concurrently.
/// Admission and validation refusals are collected for all pods.
pub(crate) async fn create_pods(client: &Client, plan: &ProbePlan) -> Result<(), ProbeError> {
    let limit_ranges = futures::future::join_all(plan.namespaces().iter().map(|ns| {
        let api: Api<LimitRange> = Api::namespaced(client.clone(), ns);
        async move { list_pages(&api, Kind::LimitRange, Some(ns), None).await }
    }))
    .await;
    // When this run is over at the latest: a sweep of another job leaves
    // these pods alone until then.
    let deadline = crate::render::rfc3339(run_deadline(chrono::Utc::now(), plan.timeout()));
    let mut pods = Vec::new();
    for (ns, lrs) in plan.namespaces().iter().zip(limit_ranges) {
        let lrs = lrs?;
        for mut pod in [
            crate::probe::server_pod(plan, ns),
            crate::probe::client_pod(plan, ns),
        ] {
            crate::probe::fit_resources(&mut pod, &lrs);
            pod.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(DEADLINE_ANNOTATION.to_string(), deadline.clone());
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

/// The probe pods once Ready: their IPs, and their UIDs (to tell, after
/// the connections, whether each is still the pod that was observed).
#[derive(Debug)]
pub(crate) struct Ready {
    /// Pod IPs.
    pub(crate) ips: ProbeIps,
    /// UID by namespace and role.
    pub(crate) uids: BTreeMap<(String, Role), String>,
    /// Server pods that cannot listen because their node lacks SCTP, with
    /// why: their cells are errors saying so, not denials.
    pub(crate) unsupported: BTreeMap<(String, Role), String>,
}

/// Waits until every probe pod is Running and Ready (polling), failing fast
/// with the real reason when a pod cannot start, and when a pod that was
/// there is deleted or replaced (another job's sweep) instead of waiting out
/// the timeout. Returns the pods' IPs and UIDs.
pub(crate) async fn wait_ready(
    client: &Client,
    plan: &ProbePlan,
    opts: &LiveOptions,
) -> Result<Ready, ProbeError> {
    let start = Instant::now();
    let selector = plan.run_selector();
    let mut seen: BTreeMap<(String, Role), String> = BTreeMap::new();
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
        let mut unsupported = BTreeMap::new();
        for list in lists {
            let (ns, items) = list?;
            for role in [Role::Server, Role::Client] {
                let name = plan.pod_name(role);
                let pod = items
                    .iter()
                    .find(|p| p.metadata.name.as_deref() == Some(name.as_str()));
                let key = (ns.clone(), role);
                let vanished = |what: &str| ProbeError::PodVanished {
                    namespace: ns.clone(),
                    pod: name.clone(),
                    what: what.to_string(),
                };
                match (pod, seen.get(&key)) {
                    // Created (the POST was answered) and not listed: a
                    // LIST without resourceVersion is a consistent read, so
                    // it was deleted.
                    (None, _) => return Err(vanished("was deleted")),
                    (Some(p), _) if p.metadata.deletion_timestamp.is_some() => {
                        return Err(vanished("is being deleted"))
                    }
                    (Some(p), Some(uid)) if p.metadata.uid.as_ref() != Some(uid) => {
                        return Err(vanished("was replaced"))
                    }
                    (Some(p), None) => {
                        if let Some(uid) = &p.metadata.uid {
                            seen.insert(key, uid.clone());
                        }
                    }
                    _ => {}
                }
            }
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
                    Some(PodState::Failed { message, .. })
                        if role == Role::Server
                            && plan.protocol() == crate::netpol::Protocol::Sctp
                            && sctp_unsupported(&message) =>
                    {
                        let node = by_name
                            .get(&name)
                            .and_then(|p| p.spec.as_ref())
                            .and_then(|s| s.node_name.clone())
                            .unwrap_or_else(|| "?".into());
                        // The last log line, without klog's header.
                        let why = message.rsplit("] ").next().unwrap_or(&message).trim();
                        unsupported.insert(
                            (ns.clone(), role),
                            format!(
                                "SCTP unsupported on node {node}: the server pod {ns}/{name} cannot listen ({why})"
                            ),
                        );
                    }
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
            return Ok(Ready {
                ips,
                uids: seen,
                unsupported,
            });
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

/// A server container's last words when the kernel has no SCTP (`agnhost
/// porter`: "Failed to listen SCTP. error: protocol not supported").
fn sctp_unsupported(message: &str) -> bool {
    message.contains("SCTP")
        && (message.contains("protocol not supported") || message.contains("Failed to listen SCTP"))
}

/// The probe pods that are no longer the Ready pods the run observed
/// through (deleted, being deleted, replaced under the same name, not
/// Ready), with why. When the pods cannot be listed, every pod is, with
/// that reason: what cannot be checked is not trusted.
pub(crate) async fn lost_pods(
    client: &Client,
    plan: &ProbePlan,
    uids: &BTreeMap<(String, Role), String>,
) -> BTreeMap<(String, Role), String> {
    let selector = plan.run_selector();
    let mut lost = BTreeMap::new();
    for ns in plan.namespaces() {
        let api: Api<Pod> = Api::namespaced(client.clone(), ns);
        let listed = crate::kube::retry::with_backoff(|| async {
            api.list(&kube::api::ListParams::default().labels(&selector))
                .await
        })
        .await;
        for role in [Role::Server, Role::Client] {
            let name = plan.pod_name(role);
            let key = (ns.clone(), role);
            let why = match &listed {
                Err(e) => Some(format!(
                    "probe pod {ns}/{name} could not be checked after the run ({}): its cells are not trusted",
                    crate::error::chain(e)
                )),
                Ok(list) => {
                    match list
                        .items
                        .iter()
                        .find(|p| p.metadata.name.as_deref() == Some(name.as_str()))
                    {
                        None => Some(format!(
                            "probe pod {ns}/{name} was deleted during the run (another job's `probe --cleanup --force`, or by hand)"
                        )),
                        Some(p) if p.metadata.deletion_timestamp.is_some() => Some(format!(
                            "probe pod {ns}/{name} was being deleted during the run"
                        )),
                        Some(p) if p.metadata.uid.as_ref() != uids.get(&key) => Some(format!(
                            "probe pod {ns}/{name} was replaced by another pod during the run"
                        )),
                        Some(p) if !matches!(pod_state(p), PodState::Ready(_)) => Some(format!(
                            "probe pod {ns}/{name} was no longer Ready after the run"
                        )),
                        Some(_) => None,
                    }
                }
            };
            if let Some(why) = why {
                lost.insert(key, why);
            }
        }
    }
    lost
}
