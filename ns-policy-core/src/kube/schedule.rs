//! The in-cluster schedule of `probe` (see [`crate::probe::schedule`]):
//! install it (server-side dry run of everything first), store a run's
//! report and Events, read the latest report, and remove everything it
//! installed.

use std::time::Duration;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
    PropagationPolicy,
};
use kube::{Api, Client, Resource};
use serde::Serialize;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::probe::leftover_selector;
use crate::probe::schedule::{
    selector, ScheduleObjects, NAME, OWNED_NAMESPACE_LABEL, REPORT_CONFIGMAP, SCHEDULE_LABEL,
};

/// `kind/name` of what was applied or deleted, in order.
pub type Touched = Vec<String>;

fn reference<K: Resource<DynamicType = ()>>(obj: &K) -> String {
    format!(
        "{}/{}",
        K::kind(&()).to_ascii_lowercase(),
        obj.meta().name.as_deref().unwrap_or_default()
    )
}

fn dynamic_api<K: Resource<DynamicType = ()>>(
    client: &Client,
    namespace: Option<&str>,
) -> Api<DynamicObject> {
    let ar = ApiResource::erase::<K>(&());
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// Server-side applies one object (as a dry run with `dry_run`).
async fn apply_one<K>(client: &Client, obj: &K, manager: &str, dry_run: bool) -> Result<String>
where
    K: Resource<DynamicType = ()> + Serialize + std::fmt::Debug,
{
    let ns = obj.meta().namespace.as_deref();
    let name = obj.meta().name.clone().unwrap_or_default();
    let api = dynamic_api::<K>(client, ns);
    let mut pp = PatchParams::apply(manager);
    if dry_run {
        pp = pp.dry_run();
    }
    let plural = ApiResource::erase::<K>(&()).plural;
    api.patch(&name, &pp, &Patch::Apply(obj))
        .await
        .map_err(|e| Error::from_kube("apply", &plural, ns, e))?;
    Ok(reference(obj))
}

/// Applies every object but the namespace, in order.
async fn apply_rest(
    client: &Client,
    o: &ScheduleObjects,
    manager: &str,
    dry_run: bool,
) -> Result<Touched> {
    let mut out = vec![
        apply_one(client, &o.service_account, manager, dry_run).await?,
        apply_one(client, &o.cluster_role, manager, dry_run).await?,
        apply_one(client, &o.cluster_role_binding, manager, dry_run).await?,
        apply_one(client, &o.role, manager, dry_run).await?,
        apply_one(client, &o.role_binding, manager, dry_run).await?,
    ];
    if let Some(b) = &o.baseline {
        out.push(apply_one(client, b, manager, dry_run).await?);
    }
    out.push(apply_one(client, &o.cron_job, manager, dry_run).await?);
    Ok(out)
}

/// Whether `namespace` exists.
pub async fn namespace_exists(client: &Client, namespace: &str) -> Result<bool> {
    let api: Api<Namespace> = Api::all(client.clone());
    api.get_opt(namespace)
        .await
        .map(|n| n.is_some())
        .map_err(|e| Error::from_kube("get", "namespaces", None, e))
}

/// Installs the schedule: every object is dry-run server-side before the
/// first write (a namespace the install creates is created first, and
/// deleted again if the dry run of the rest fails), then applied. With
/// `dry_run`, nothing is written.
pub async fn install(
    client: &Client,
    o: &ScheduleObjects,
    manager: &str,
    dry_run: bool,
) -> Result<Touched> {
    let cron_jobs: Api<CronJob> = Api::namespaced(client.clone(), &o.namespace_name());
    let existed = match &o.namespace {
        Some(_) => false,
        None => cron_jobs
            .get_opt(NAME)
            .await
            .map_err(|e| Error::from_kube("get", "cronjobs", Some(&o.namespace_name()), e))?
            .is_some(),
    };
    let mut out = Vec::new();
    if let Some(ns) = &o.namespace {
        apply_one(client, ns, manager, true).await?;
        if dry_run {
            // The namespaced objects cannot be dry-run in a namespace that
            // does not exist yet: this is as far as a dry run gets.
            out.push(reference(ns));
            return Ok(out);
        }
        out.push(apply_one(client, ns, manager, false).await?);
    }
    let checked = apply_rest(client, o, manager, true).await;
    if dry_run || checked.is_err() {
        if checked.is_err() && o.namespace.is_some() {
            let _ = uninstall(client, &o.namespace_name(), Duration::from_secs(30)).await;
        }
        return checked;
    }
    match apply_rest(client, o, manager, false).await {
        Ok(applied) => {
            out.extend(applied);
            Ok(out)
        }
        Err(e) => {
            // Leave the cluster as it was: a new schedule is removed again
            // (an update that fails half-way keeps the earlier objects).
            if !existed {
                let _ = uninstall(client, &o.namespace_name(), Duration::from_secs(30)).await;
            }
            Err(e)
        }
    }
}

/// Stores a run's report ConfigMap (server-side apply, owned by the
/// plugin) and creates `event` if any.
pub async fn store(
    client: &Client,
    report: &ConfigMap,
    event: Option<&Event>,
    manager: &str,
) -> Result<()> {
    let ns = report.metadata.namespace.clone().unwrap_or_default();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    api.patch(
        REPORT_CONFIGMAP,
        &PatchParams::apply(manager).force(),
        &Patch::Apply(report),
    )
    .await
    .map_err(|e| Error::from_kube("apply", "configmaps", Some(&ns), e))?;
    if let Some(ev) = event {
        let api: Api<Event> = Api::namespaced(client.clone(), &ns);
        api.create(&PostParams::default(), ev)
            .await
            .map_err(|e| Error::from_kube("create", "events", Some(&ns), e))?;
    }
    Ok(())
}

/// The report ConfigMap of the schedule in `namespace`, if any.
pub async fn last(client: &Client, namespace: &str) -> Result<Option<ConfigMap>> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    api.get_opt(REPORT_CONFIGMAP)
        .await
        .map_err(|e| Error::from_kube("get", "configmaps", Some(namespace), e))
}

/// Deletes `name` (a 404 is no error); `Some(ref)` when it existed.
async fn delete_one<K: Resource<DynamicType = ()>>(
    client: &Client,
    namespace: Option<&str>,
    name: &str,
    dp: &DeleteParams,
) -> Result<Option<String>> {
    Ok(delete_named::<K>(client, namespace, name, dp)
        .await?
        .then(|| format!("{}/{name}", K::kind(&()).to_ascii_lowercase())))
}

/// Deletes one object; `false` when it was already gone (404).
async fn delete_named<K: Resource<DynamicType = ()>>(
    client: &Client,
    namespace: Option<&str>,
    name: &str,
    dp: &DeleteParams,
) -> Result<bool> {
    let api = dynamic_api::<K>(client, namespace);
    match api.delete(name, dp).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(Error::from_kube(
            "delete",
            &ApiResource::erase::<K>(&()).plural,
            namespace,
            e,
        )),
    }
}

/// Deletes every object of `K` in `namespace` (or everywhere) matching
/// `sel`, one by one; returns what was deleted.
async fn delete_matching<K: Resource<DynamicType = ()>>(
    client: &Client,
    namespace: Option<&str>,
    sel: &str,
    dp: &DeleteParams,
) -> Result<Touched> {
    let api = dynamic_api::<K>(client, namespace);
    let plural = ApiResource::erase::<K>(&()).plural;
    let list = api
        .list(&ListParams::default().labels(sel))
        .await
        .map_err(|e| Error::from_kube("list", &plural, namespace, e))?;
    let mut out = Vec::new();
    for obj in list.items {
        let name = obj.metadata.name.clone().unwrap_or_default();
        let ns = obj.metadata.namespace.clone();
        if delete_named::<K>(client, ns.as_deref(), &name, dp).await? {
            out.push(format!(
                "{}/{}{name}",
                K::kind(&()).to_ascii_lowercase(),
                ns.map(|n| format!("{n}/")).unwrap_or_default()
            ));
        }
    }
    Ok(out)
}

/// Waits until nothing of `K` matches `sel` (in `namespace`), at most
/// until `deadline`; `false` when something is still there.
async fn gone<K: Resource<DynamicType = ()>>(
    client: &Client,
    namespace: Option<&str>,
    sel: &str,
    deadline: Instant,
) -> Result<bool> {
    let api = dynamic_api::<K>(client, namespace);
    let plural = ApiResource::erase::<K>(&()).plural;
    loop {
        let list = api
            .list(&ListParams::default().labels(sel))
            .await
            .map_err(|e| Error::from_kube("list", &plural, namespace, e))?;
        if list.items.is_empty() {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// What [`uninstall`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uninstalled {
    /// `kind/name` of what was deleted, in order.
    pub deleted: Touched,
    /// What was still there when `wait` ran out (deletion in progress).
    pub still_terminating: Vec<String>,
}

/// Removes everything the schedule in `namespace` installed: the CronJob
/// and its Jobs and pods first (a running probe gets to clean up its probe
/// pods while it still has its permissions), then any probe pods of
/// scheduled runs left in any namespace, the report, baseline and Events,
/// the RBAC objects, and the namespace when the install created it. Waits
/// up to `wait` for the deletions to finish.
pub async fn uninstall(client: &Client, namespace: &str, wait: Duration) -> Result<Uninstalled> {
    let deadline = Instant::now() + wait;
    let sel = selector(namespace);
    let ns = Some(namespace);
    let fg = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Foreground),
        ..Default::default()
    };
    let mut out = Uninstalled::default();
    out.deleted
        .extend(delete_one::<CronJob>(client, ns, NAME, &fg).await?);
    out.deleted
        .extend(delete_matching::<Job>(client, ns, &sel, &fg).await?);
    if !gone::<Pod>(client, ns, &sel, deadline).await? {
        out.still_terminating
            .push(format!("pods of scheduled runs in {namespace}"));
    }
    // Probe pods of scheduled runs, wherever they are.
    let probe_pods = format!("{},{SCHEDULE_LABEL}={namespace}", leftover_selector());
    out.deleted.extend(
        delete_matching::<Pod>(
            client,
            None,
            &probe_pods,
            &DeleteParams::default().grace_period(0),
        )
        .await?,
    );
    let plain = DeleteParams::default();
    out.deleted
        .extend(delete_matching::<ConfigMap>(client, ns, &sel, &plain).await?);
    // Events are deleted too, but not listed in what was deleted.
    delete_matching::<Event>(client, ns, &sel, &plain).await?;
    out.deleted
        .extend(delete_one::<RoleBinding>(client, ns, NAME, &plain).await?);
    out.deleted
        .extend(delete_one::<Role>(client, ns, NAME, &plain).await?);
    out.deleted
        .extend(delete_one::<ServiceAccount>(client, ns, NAME, &plain).await?);
    out.deleted
        .extend(delete_matching::<ClusterRoleBinding>(client, None, &sel, &plain).await?);
    out.deleted
        .extend(delete_matching::<ClusterRole>(client, None, &sel, &plain).await?);
    // The namespace only when the install created it (labelled so).
    let owned = format!("{sel},{OWNED_NAMESPACE_LABEL}=true");
    let deleted_ns = delete_matching::<Namespace>(client, None, &owned, &plain).await?;
    if !deleted_ns.is_empty() && !gone::<Namespace>(client, None, &owned, deadline).await? {
        out.still_terminating.push(format!("namespace/{namespace}"));
    }
    out.deleted.extend(deleted_ns);
    Ok(out)
}
