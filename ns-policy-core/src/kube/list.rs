//! Live listing for audits: fills an [`Inventory`]. Each kind is listed once
//! (cluster-wide, or per namespace when only a few are audited), paginated,
//! all kinds concurrently. A forbidden LIST is recorded as
//! [`Access::Forbidden`] so the checks that needed it report `unknown`, and
//! the rest of the audit goes on.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, ListParams};
use kube::Client;
use serde::de::DeserializeOwned;

use crate::argocd::{self, AppProject};
use crate::error::{Error, Result};
use crate::inventory::{Access, Inventory, Item, Kind, Listing, Workload};

/// Page size of LIST requests.
pub(crate) const PAGE_SIZE: u32 = 500;
/// Up to this many named namespaces are listed namespace by namespace;
/// above it, each kind is listed once cluster-wide.
pub(crate) const PER_NAMESPACE_LIMIT: usize = 8;

/// What to list.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every namespace (one cluster-wide LIST per kind).
    Cluster,
    /// These namespaces only.
    Namespaces(Vec<String>),
}

/// Lists one namespaced kind over a scope (one paginated LIST per
/// namespace, or one cluster-wide), concurrently, and merges the results.
async fn list_namespaced<K>(client: &Client, scope: &Scope, kind: Kind) -> Result<Listing<K>>
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    let namespaces: Vec<Option<&str>> = match scope {
        Scope::Cluster => vec![None],
        Scope::Namespaces(names) => names.iter().map(|n| Some(n.as_str())).collect(),
    };
    let parts = try_join_all(namespaces.into_iter().map(|ns| {
        let api = match ns {
            None => Api::all(client.clone()),
            Some(n) => Api::namespaced(client.clone(), n),
        };
        async move { list_or_forbidden(&api, kind, ns, None).await }
    }))
    .await?;
    Ok(merge(parts))
}

/// Concatenates lists; any forbidden part makes the whole forbidden.
fn merge<T>(parts: Vec<Access<Vec<T>>>) -> Access<Vec<T>> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Access::Known(items) => out.extend(items),
            Access::Forbidden(msg) => return Access::Forbidden(msg),
        }
    }
    Access::Known(out)
}

/// One paginated LIST (following `continue` tokens), the one way this
/// crate lists anything.
pub(crate) async fn list_pages<K>(
    api: &Api<K>,
    kind: Kind,
    ns: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<K>>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    list_pages_of(api, &kind.resource(), ns, selector).await
}

/// [`list_pages`] of a resource outside the kinds table (errors name
/// `resource`).
pub(crate) async fn list_pages_of<K>(
    api: &Api<K>,
    resource: &str,
    ns: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<K>>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut items = Vec::new();
    let mut lp = ListParams::default().limit(PAGE_SIZE);
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    loop {
        let list = api
            .list(&lp)
            .await
            .map_err(|e| Error::from_kube("list", resource, ns, e))?;
        items.extend(list.items);
        match list.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => return Ok(items),
        }
    }
}

/// [`list_pages`] where 403 becomes `Access::Forbidden` naming the verb and
/// resource.
async fn list_or_forbidden<K>(
    api: &Api<K>,
    kind: Kind,
    ns: Option<&str>,
    selector: Option<&str>,
) -> Result<Listing<K>>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    match list_pages(api, kind, ns, selector).await {
        Ok(items) => Ok(Access::Known(items.into_iter().map(Item::live).collect())),
        Err(e) if e.is_forbidden() => Ok(Access::Forbidden(e.to_string())),
        Err(e) => Err(e),
    }
}

async fn list_workloads(client: &Client, scope: &Scope) -> Result<Listing<Workload>> {
    async fn one<K>(
        client: &Client,
        scope: &Scope,
        kind: Kind,
        wrap: fn(K) -> Workload,
    ) -> Result<Listing<Workload>>
    where
        K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
            + Clone
            + DeserializeOwned
            + std::fmt::Debug,
    {
        let list = list_namespaced::<K>(client, scope, kind).await?;
        Ok(list.map(|items| {
            items
                .into_iter()
                .map(|i| Item {
                    object: wrap(i.object),
                    source: None,
                })
                .collect()
        }))
    }
    let parts = futures::try_join!(
        one(client, scope, Kind::Deployment, Workload::Deployment),
        one(client, scope, Kind::StatefulSet, Workload::StatefulSet),
        one(client, scope, Kind::DaemonSet, Workload::DaemonSet),
        one(client, scope, Kind::ReplicaSet, Workload::ReplicaSet),
        one(client, scope, Kind::Job, Workload::Job),
        one(client, scope, Kind::CronJob, Workload::CronJob),
        one(
            client,
            scope,
            Kind::ReplicationController,
            Workload::ReplicationController
        ),
    )?;
    Ok(merge(vec![
        parts.0, parts.1, parts.2, parts.3, parts.4, parts.5, parts.6,
    ]))
}

/// Lists every kind an audit needs, concurrently, into an inventory that
/// holds `namespaces` (listed by the caller).
pub async fn collect(
    client: &Client,
    scope: &Scope,
    namespaces: Vec<Namespace>,
) -> Result<Inventory> {
    let cluster_roles = async {
        let api = Api::all(client.clone());
        list_or_forbidden(&api, Kind::ClusterRole, None, None).await
    };
    let cluster_role_bindings = async {
        let api = Api::all(client.clone());
        list_or_forbidden(&api, Kind::ClusterRoleBinding, None, None).await
    };
    let (rq, lr, np, rb, roles, sa, pods, workloads, pdbs, hpas, cr, crb, ext, projects) = futures::try_join!(
        list_namespaced(client, scope, Kind::ResourceQuota),
        list_namespaced(client, scope, Kind::LimitRange),
        list_namespaced(client, scope, Kind::NetworkPolicy),
        list_namespaced(client, scope, Kind::RoleBinding),
        list_namespaced(client, scope, Kind::Role),
        list_namespaced(client, scope, Kind::ServiceAccount),
        list_namespaced(client, scope, Kind::Pod),
        list_workloads(client, scope),
        list_namespaced(client, scope, Kind::PodDisruptionBudget),
        list_namespaced(client, scope, Kind::HorizontalPodAutoscaler),
        cluster_roles,
        cluster_role_bindings,
        super::netpol::list_extensions(client, scope),
        list_app_projects(client),
    )?;
    Ok(Inventory {
        namespaces: namespaces.into_iter().map(Item::live).collect(),
        resource_quotas: rq,
        limit_ranges: lr,
        network_policies: np,
        role_bindings: rb,
        roles,
        cluster_roles: cr,
        cluster_role_bindings: crb,
        service_accounts: sa,
        pods,
        workloads,
        disruption_budgets: pdbs,
        autoscalers: hpas,
        cluster_policies: ext.cluster_policies,
        cni_policies: ext.cni_policies,
        app_projects: projects,
        ..Default::default()
    })
}

/// Lists the Argo CD AppProjects of every namespace. Not served (Argo CD
/// is not installed) or refused: `Forbidden`, saying which.
pub async fn list_app_projects(client: &Client) -> Result<Listing<AppProject>> {
    use kube::api::DynamicObject;
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &super::argocd::resource());
    match list_pages_of(&api, super::argocd::RESOURCE, None, None).await {
        Ok(items) => {
            let mut out = Vec::with_capacity(items.len());
            for o in items {
                let value = serde_json::to_value(&o).unwrap_or_default();
                match AppProject::from_value(&value) {
                    Ok(p) => out.push(Item::live(p)),
                    Err(e) => {
                        return Ok(Access::Forbidden(format!(
                            "cannot read AppProject {}: {e}",
                            o.metadata.name.as_deref().unwrap_or_default()
                        )))
                    }
                }
            }
            Ok(Access::Known(out))
        }
        Err(e) if e.is_not_found() => Ok(Access::Forbidden(format!(
            "the cluster serves no {} AppProject API (Argo CD is not installed)",
            argocd::API_VERSION
        ))),
        Err(e) if e.is_forbidden() => Ok(Access::Forbidden(e.to_string())),
        Err(e) => Err(e),
    }
}

/// Lists namespaces, optionally by label selector.
pub async fn list_namespaces(client: &Client, selector: Option<&str>) -> Result<Vec<Namespace>> {
    let api: Api<Namespace> = Api::all(client.clone());
    list_pages(&api, Kind::Namespace, None, selector).await
}

/// Reads the given namespaces (None for those that do not exist).
pub async fn get_namespaces(
    client: &Client,
    names: &[String],
) -> Result<BTreeMap<String, Option<Namespace>>> {
    let api: Api<Namespace> = Api::all(client.clone());
    let found = try_join_all(names.iter().map(|n| {
        let api = api.clone();
        async move {
            let ns = api
                .get_opt(n)
                .await
                .map_err(|e| Error::from_kube("get", "namespaces", None, e))?;
            Ok::<_, Error>((n.clone(), ns))
        }
    }))
    .await?;
    Ok(found.into_iter().collect())
}
