//! Live collection for audits: each kind is listed once (cluster-wide, or per
//! namespace when only a few are audited), paginated, all kinds concurrently.
//! A forbidden LIST is recorded as [`Access::Forbidden`] so the checks that
//! needed it report `unknown`, and the rest of the audit goes on.

use std::collections::{BTreeSet, HashMap};

use futures::future::try_join_all;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, Pod, ReplicationController, ResourceQuota, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, Role, RoleBinding};
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::ApiResource;
use kube::Client;
use serde::de::DeserializeOwned;

use crate::audit::{Access, ClusterRoleIndex, NamespaceSnapshot, Sourced, Workload};
use crate::error::{Error, Result};

/// Page size of LIST requests.
pub const PAGE_SIZE: u32 = 500;
/// Up to this many named namespaces are listed namespace by namespace;
/// above it, each kind is listed once cluster-wide.
pub const PER_NAMESPACE_LIMIT: usize = 8;

/// What to list.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every namespace (one cluster-wide LIST per kind).
    Cluster,
    /// These namespaces only.
    Namespaces(Vec<String>),
}

/// A pod controller as JSON.
#[derive(Debug, Clone)]
pub struct RawWorkload {
    /// Kind.
    pub kind: &'static str,
    /// Namespace.
    pub namespace: String,
    /// The whole object.
    pub value: serde_json::Value,
}

/// Everything an audit of live namespaces needs.
#[derive(Debug, Default)]
pub struct Inventory {
    /// ResourceQuotas.
    pub resource_quotas: Access<Vec<ResourceQuota>>,
    /// LimitRanges.
    pub limit_ranges: Access<Vec<LimitRange>>,
    /// NetworkPolicies.
    pub network_policies: Access<Vec<NetworkPolicy>>,
    /// RoleBindings.
    pub role_bindings: Access<Vec<RoleBinding>>,
    /// Roles.
    pub roles: Access<Vec<Role>>,
    /// ClusterRoles.
    pub cluster_roles: Access<Vec<ClusterRole>>,
    /// ServiceAccounts.
    pub service_accounts: Access<Vec<ServiceAccount>>,
    /// Pods.
    pub pods: Access<Vec<Pod>>,
    /// Pod controllers.
    pub workloads: Access<Vec<RawWorkload>>,
}

/// Lists one kind over a scope, following `continue` tokens. 403 becomes
/// `Access::Forbidden` naming the verb and resource.
async fn list_all<K>(client: &Client, scope: &Scope, resource: &str) -> Result<Access<Vec<K>>>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
{
    list_scoped(scope, resource, |ns| match ns {
        None => Api::all(client.clone()),
        Some(n) => Api::namespaced(client.clone(), n),
    })
    .await
}

/// Lists one kind over a scope (one paginated LIST per namespace, or one
/// cluster-wide), concurrently, and merges the results.
async fn list_scoped<K>(
    scope: &Scope,
    resource: &str,
    api: impl Fn(Option<&str>) -> Api<K>,
) -> Result<Access<Vec<K>>>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let namespaces: Vec<Option<&str>> = match scope {
        Scope::Cluster => vec![None],
        Scope::Namespaces(names) => names.iter().map(|n| Some(n.as_str())).collect(),
    };
    let pages = try_join_all(namespaces.into_iter().map(|ns| {
        let api = api(ns);
        async move { paginate(&api, resource, ns).await }
    }))
    .await?;
    Ok(merge(pages))
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

async fn paginate<K>(api: &Api<K>, resource: &str, ns: Option<&str>) -> Result<Access<Vec<K>>>
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut items = Vec::new();
    let mut lp = ListParams::default().limit(PAGE_SIZE);
    loop {
        match api.list(&lp).await {
            Ok(list) => {
                items.extend(list.items);
                match list.metadata.continue_.filter(|c| !c.is_empty()) {
                    Some(token) => lp = lp.continue_token(&token),
                    None => break,
                }
            }
            Err(e) => {
                let err = Error::from_kube("list", resource, ns, e);
                if err.is_forbidden() {
                    return Ok(Access::Forbidden(err.to_string()));
                }
                return Err(err);
            }
        }
    }
    Ok(Access::Known(items))
}

async fn list_workloads(client: &Client, scope: &Scope) -> Result<Access<Vec<RawWorkload>>> {
    let kinds: [(&'static str, ApiResource, &str); 7] = [
        (
            "Deployment",
            ApiResource::erase::<Deployment>(&()),
            "deployments.apps",
        ),
        (
            "StatefulSet",
            ApiResource::erase::<StatefulSet>(&()),
            "statefulsets.apps",
        ),
        (
            "DaemonSet",
            ApiResource::erase::<DaemonSet>(&()),
            "daemonsets.apps",
        ),
        (
            "ReplicaSet",
            ApiResource::erase::<ReplicaSet>(&()),
            "replicasets.apps",
        ),
        ("Job", ApiResource::erase::<Job>(&()), "jobs.batch"),
        (
            "CronJob",
            ApiResource::erase::<CronJob>(&()),
            "cronjobs.batch",
        ),
        (
            "ReplicationController",
            ApiResource::erase::<ReplicationController>(&()),
            "replicationcontrollers",
        ),
    ];
    let lists = try_join_all(kinds.iter().map(|(kind, ar, resource)| async move {
        let objects = list_scoped(scope, resource, |ns| match ns {
            None => Api::all_with(client.clone(), ar),
            Some(n) => Api::namespaced_with(client.clone(), n, ar),
        })
        .await?;
        Ok::<_, Error>(objects.map(|items| {
            items
                .into_iter()
                .map(|mut o: DynamicObject| {
                    // Lists omit apiVersion/kind on items.
                    o.types = Some(kube::core::TypeMeta {
                        api_version: ar.api_version.clone(),
                        kind: ar.kind.clone(),
                    });
                    RawWorkload {
                        kind,
                        namespace: o.metadata.namespace.clone().unwrap_or_default(),
                        value: serde_json::to_value(&o).unwrap_or(serde_json::Value::Null),
                    }
                })
                .collect::<Vec<_>>()
        }))
    }))
    .await?;
    Ok(merge(lists))
}

/// Lists every kind an audit needs, concurrently.
pub async fn collect(client: &Client, scope: &Scope) -> Result<Inventory> {
    let cluster_roles = async {
        let api: Api<ClusterRole> = Api::all(client.clone());
        paginate(&api, "clusterroles.rbac.authorization.k8s.io", None).await
    };
    let (rq, lr, np, rb, roles, sa, pods, workloads, cr) = futures::try_join!(
        list_all::<ResourceQuota>(client, scope, "resourcequotas"),
        list_all::<LimitRange>(client, scope, "limitranges"),
        list_all::<NetworkPolicy>(client, scope, "networkpolicies.networking.k8s.io"),
        list_all::<RoleBinding>(client, scope, "rolebindings.rbac.authorization.k8s.io"),
        list_all::<Role>(client, scope, "roles.rbac.authorization.k8s.io"),
        list_all::<ServiceAccount>(client, scope, "serviceaccounts"),
        list_all::<Pod>(client, scope, "pods"),
        list_workloads(client, scope),
        cluster_roles,
    )?;
    Ok(Inventory {
        resource_quotas: rq,
        limit_ranges: lr,
        network_policies: np,
        role_bindings: rb,
        roles,
        cluster_roles: cr,
        service_accounts: sa,
        pods,
        workloads,
    })
}

/// Lists namespaces, optionally by label selector.
pub async fn list_namespaces(client: &Client, selector: Option<&str>) -> Result<Vec<Namespace>> {
    let api: Api<Namespace> = Api::all(client.clone());
    let mut lp = ListParams::default().limit(PAGE_SIZE);
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    let mut out = Vec::new();
    loop {
        let list = api
            .list(&lp)
            .await
            .map_err(|e| Error::from_kube("list", "namespaces", None, e))?;
        out.extend(list.items);
        match list.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => break,
        }
    }
    Ok(out)
}

fn group<'a, T: kube::Resource>(
    list: &'a Access<Vec<T>>,
) -> Access<HashMap<&'a str, Vec<Sourced<'a, T>>>> {
    match list {
        Access::Known(items) => {
            let mut map: HashMap<&str, Vec<Sourced<'a, T>>> = HashMap::new();
            for item in items {
                let ns = item.meta().namespace.as_deref().unwrap_or_default();
                map.entry(ns).or_default().push(Sourced::new(item));
            }
            Access::Known(map)
        }
        Access::Forbidden(m) => Access::Forbidden(m.clone()),
    }
}

fn take<'a, T>(
    grouped: &Access<HashMap<&str, Vec<Sourced<'a, T>>>>,
    ns: &str,
) -> Access<Vec<Sourced<'a, T>>> {
    match grouped {
        Access::Known(map) => Access::Known(map.get(ns).cloned().unwrap_or_default()),
        Access::Forbidden(m) => Access::Forbidden(m.clone()),
    }
}

impl Inventory {
    /// The cluster-role index (empty when listing them was forbidden).
    pub fn cluster_role_index(&self) -> Access<ClusterRoleIndex<'_>> {
        match &self.cluster_roles {
            Access::Known(roles) => {
                Access::Known(ClusterRoleIndex::new(roles.iter().map(Sourced::new)))
            }
            Access::Forbidden(m) => Access::Forbidden(m.clone()),
        }
    }

    /// One snapshot per namespace, grouping every list once.
    pub fn snapshots<'a>(
        &'a self,
        namespaces: &'a [Namespace],
        cluster_roles: &'a Access<ClusterRoleIndex<'a>>,
    ) -> Vec<NamespaceSnapshot<'a>> {
        let rq = group(&self.resource_quotas);
        let lr = group(&self.limit_ranges);
        let np = group(&self.network_policies);
        let rb = group(&self.role_bindings);
        let roles = group(&self.roles);
        let sa = group(&self.service_accounts);
        let pods = group(&self.pods);
        let workloads: Access<HashMap<&str, Vec<Workload<'a>>>> = match &self.workloads {
            Access::Known(items) => {
                let mut map: HashMap<&str, Vec<Workload<'a>>> = HashMap::new();
                for w in items {
                    map.entry(w.namespace.as_str()).or_default().push(Workload {
                        kind: w.kind,
                        object: &w.value,
                        source: None,
                    });
                }
                Access::Known(map)
            }
            Access::Forbidden(m) => Access::Forbidden(m.clone()),
        };
        let cr: Access<&'a ClusterRoleIndex<'a>> = match cluster_roles {
            Access::Known(idx) => Access::Known(idx),
            Access::Forbidden(m) => Access::Forbidden(m.clone()),
        };
        namespaces
            .iter()
            .map(|ns| {
                let name = ns.metadata.name.as_deref().unwrap_or_default();
                let mut snap = NamespaceSnapshot::new(ns);
                snap.resource_quotas = take(&rq, name);
                snap.limit_ranges = take(&lr, name);
                snap.network_policies = take(&np, name);
                snap.role_bindings = take(&rb, name);
                snap.roles = take(&roles, name);
                snap.service_accounts = take(&sa, name);
                snap.pods = take(&pods, name);
                snap.workloads = match &workloads {
                    Access::Known(map) => Access::Known(map.get(name).cloned().unwrap_or_default()),
                    Access::Forbidden(m) => Access::Forbidden(m.clone()),
                };
                snap.cluster_roles = cr.clone();
                snap
            })
            .collect()
    }

    /// The lists that were forbidden, once each (`resource: message`).
    pub fn forbidden(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        let mut note = |a: Option<&str>| {
            if let Some(m) = a {
                out.insert(m.to_string());
            }
        };
        note(self.resource_quotas.forbidden());
        note(self.limit_ranges.forbidden());
        note(self.network_policies.forbidden());
        note(self.role_bindings.forbidden());
        note(self.roles.forbidden());
        note(self.cluster_roles.forbidden());
        note(self.service_accounts.forbidden());
        note(self.pods.forbidden());
        note(self.workloads.forbidden());
        out.into_iter().collect()
    }
}

/// The API server's own answer to "would existing pods pass this level?": a
/// server-side dry run of the namespace's enforce label returns one warning
/// per pod that would be rejected.
pub async fn psa_dry_run(
    client: &Client,
    namespace: &str,
    level: &str,
    version: &str,
) -> Result<Access<Vec<String>>> {
    let body = serde_json::json!({
        "metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": level,
            "pod-security.kubernetes.io/enforce-version": version,
        }}
    });
    let uri = format!(
        "/api/v1/namespaces/{namespace}?dryRun=All&fieldManager={}",
        crate::FIELD_MANAGER
    );
    let request = http::Request::builder()
        .method("PATCH")
        .uri(uri)
        .header("content-type", "application/merge-patch+json")
        .header("accept", "application/json")
        .body(kube::client::Body::from(
            serde_json::to_vec(&body).unwrap_or_default(),
        ))
        .map_err(|e| Error::InvalidInput(format!("building the PodSecurity dry run: {e}")))?;
    let response = client
        .send(request)
        .await
        .map_err(|e| Error::from_kube("patch", "namespaces", None, e))?;
    let status = response.status().as_u16();
    let warnings: Vec<String> = response
        .headers()
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(parse_warning)
        .collect();
    if status == 403 {
        return Ok(Access::Forbidden(format!(
            "forbidden: cannot patch namespaces (dry run) {namespace:?} (check with: kubectl auth can-i patch namespaces)"
        )));
    }
    if status >= 400 {
        let text = response
            .into_body()
            .collect_bytes()
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        return Err(Error::Api {
            verb: "patch".into(),
            resource: "namespaces".into(),
            scope: format!(" {namespace:?} (dry run)"),
            code: status,
            reason: String::new(),
            message: text,
        });
    }
    Ok(Access::Known(warnings))
}

/// `299 - "text"` → `text`.
fn parse_warning(raw: &str) -> String {
    let rest = raw
        .split_once(' ')
        .map(|(code, rest)| {
            if code.chars().all(|c| c.is_ascii_digit()) {
                rest
            } else {
                raw
            }
        })
        .unwrap_or(raw);
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    let rest = rest.trim();
    let unquoted = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(rest);
    unquoted.replace("\\\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_headers_are_unwrapped() {
        assert_eq!(
            parse_warning(r#"299 - "web-1: privileged""#),
            "web-1: privileged"
        );
        assert_eq!(
            parse_warning(r#"299 - "existing pods in namespace \"x\" violate""#),
            r#"existing pods in namespace "x" violate"#
        );
        assert_eq!(parse_warning("plain"), "plain");
    }
}
