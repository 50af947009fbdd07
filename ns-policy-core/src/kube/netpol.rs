//! Live reading of the policies beyond `networking.k8s.io/v1`: the cluster
//! network policy tiers (`policy.networking.k8s.io`) and the CNI plugins'
//! policies ([`crate::netpol::cni::CNI_KINDS`]).
//!
//! Which of them a cluster serves is asked of API discovery (one request for
//! the groups, one per group version of interest); kinds that are not served
//! are simply absent. A LIST that is refused, or an object this reader
//! cannot understand, makes the whole list [`Access::Forbidden`] with why:
//! the verdicts those policies could change are then unknown, never guessed
//! without them.

use futures::future::join_all;
use kube::core::{ApiResource, DynamicObject};
use kube::{Api, Client};

use super::list::{list_pages_of, Scope};
use crate::error::{Error, Result};
use crate::inventory::{Access, Item, Listing};
use crate::netpol::cluster::GROUP as CLUSTER_GROUP;
use crate::netpol::cni::CNI_KINDS;
use crate::netpol::{ClusterPolicy, CniPolicy};

/// The cluster network policies and CNI policies of a cluster.
#[derive(Debug, Clone)]
pub struct NetworkExtensions {
    /// Admin and Baseline tier policies.
    pub cluster_policies: Listing<ClusterPolicy>,
    /// Policies of CNI plugins.
    pub cni_policies: Listing<CniPolicy>,
    /// The kinds found served (`ClusterNetworkPolicy.policy.networking.k8s.io/v1alpha2`...).
    pub served: Vec<String>,
}

/// One kind to list: where it is served and whether it is namespaced.
#[derive(Debug, Clone)]
struct Served {
    resource: ApiResource,
    namespaced: bool,
    cluster: bool,
}

/// Discovers which of the kinds are served (the preferred version of each
/// that this crate reads).
async fn discover(client: &Client) -> Result<Vec<Served>> {
    let groups = client
        .list_api_groups()
        .await
        .map_err(|e| Error::from_kube("discover", "API groups", None, e))?;
    let wanted = |g: &str| g == CLUSTER_GROUP || CNI_KINDS.iter().any(|(cg, _, _)| *cg == g);
    let mut versions = Vec::new();
    for g in groups.groups.iter().filter(|g| wanted(&g.name)) {
        // The preferred version first, then the others in the server's order.
        let mut gvs: Vec<&str> = Vec::new();
        if let Some(p) = &g.preferred_version {
            gvs.push(&p.group_version);
        }
        for v in &g.versions {
            if !gvs.contains(&v.group_version.as_str()) {
                gvs.push(&v.group_version);
            }
        }
        for gv in gvs {
            versions.push((g.name.clone(), gv.to_string()));
        }
    }
    let lists = join_all(versions.iter().map(|(_, gv)| async move {
        client
            .list_api_group_resources(gv)
            .await
            .map_err(|e| Error::from_kube("discover", gv, None, e))
    }))
    .await;
    let served_groups: Vec<&str> = groups.groups.iter().map(|g| g.name.as_str()).collect();
    let mut out: Vec<Served> = Vec::new();
    for ((group, gv), list) in versions.iter().zip(lists) {
        let list = list?;
        for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
            let cluster = group == CLUSTER_GROUP;
            let readable = if cluster {
                ClusterPolicy::is_cluster_policy(gv, &r.kind)
            } else {
                CniPolicy::is_cni_policy(gv, &r.kind)
            };
            // Calico's API server serves its CRDs' objects again under
            // projectcalico.org: read them once.
            let shadowed =
                group == "crd.projectcalico.org" && served_groups.contains(&"projectcalico.org");
            if !readable
                || shadowed
                || out
                    .iter()
                    .any(|s| s.resource.group == *group && s.resource.kind == r.kind)
            {
                continue;
            }
            let version = gv.rsplit('/').next().unwrap_or_default().to_string();
            out.push(Served {
                resource: ApiResource {
                    group: group.clone(),
                    version,
                    api_version: gv.clone(),
                    kind: r.kind.clone(),
                    plural: r.name.clone(),
                },
                namespaced: r.namespaced,
                cluster,
            });
        }
    }
    Ok(out)
}

/// Lists one served kind over `scope` (cluster-scoped kinds once).
async fn list_kind(
    client: &Client,
    served: &Served,
    scope: &Scope,
) -> Result<Access<Vec<DynamicObject>>> {
    let r = &served.resource;
    let resource = format!("{}.{}", r.plural, r.group);
    let namespaces: Vec<Option<&str>> = match (scope, served.namespaced) {
        (Scope::Namespaces(names), true) => names.iter().map(|n| Some(n.as_str())).collect(),
        _ => vec![None],
    };
    let mut all = Vec::new();
    for ns in namespaces {
        let api: Api<DynamicObject> = match ns {
            Some(n) => Api::namespaced_with(client.clone(), n, r),
            None => Api::all_with(client.clone(), r),
        };
        match list_pages_of(&api, &resource, ns, None).await {
            Ok(items) => all.extend(items),
            Err(e) if e.is_forbidden() => return Ok(Access::Forbidden(e.to_string())),
            Err(e) => return Err(e),
        }
    }
    Ok(Access::Known(all))
}

/// Reads the cluster network policies and CNI policies the cluster serves
/// (namespaced CNI kinds over `scope`, the rest cluster-wide).
pub async fn list_extensions(client: &Client, scope: &Scope) -> Result<NetworkExtensions> {
    let served = match discover(client).await {
        Ok(s) => s,
        Err(e) if e.is_forbidden() => {
            let msg = format!("API discovery was refused: {e}");
            return Ok(NetworkExtensions {
                cluster_policies: Access::Forbidden(msg.clone()),
                cni_policies: Access::Forbidden(msg),
                served: Vec::new(),
            });
        }
        Err(e) => return Err(e),
    };
    let lists = join_all(served.iter().map(|s| list_kind(client, s, scope))).await;
    let mut cluster: Listing<ClusterPolicy> = Access::Known(Vec::new());
    let mut cni: Listing<CniPolicy> = Access::Known(Vec::new());
    for (s, list) in served.iter().zip(lists) {
        let r = &s.resource;
        if s.cluster {
            cluster = add(cluster, list?, |o| {
                ClusterPolicy::from_value(&r.api_version, &r.kind, &o)
                    .map_err(|e| format!("cannot read {} {}: {e}", r.kind, name_of(&o)))
            });
        } else {
            cni = add(cni, list?, |o| {
                Ok(CniPolicy::from_value(&r.api_version, &r.kind, &o))
            });
        }
    }
    Ok(NetworkExtensions {
        cluster_policies: cluster,
        cni_policies: cni,
        served: served
            .iter()
            .map(|s| {
                format!(
                    "{}.{}/{}",
                    s.resource.kind, s.resource.group, s.resource.version
                )
            })
            .collect(),
    })
}

fn name_of(v: &serde_json::Value) -> String {
    v.pointer("/metadata/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Adds the objects of one list: any refusal, or any object that cannot be
/// read, makes the whole listing unknown with why.
fn add<T>(
    into: Listing<T>,
    list: Access<Vec<DynamicObject>>,
    read: impl Fn(serde_json::Value) -> std::result::Result<T, String>,
) -> Listing<T> {
    let Access::Known(mut items) = into else {
        return into;
    };
    let objects = match list {
        Access::Known(o) => o,
        Access::Forbidden(m) => return Access::Forbidden(m),
    };
    for o in objects {
        let value = match serde_json::to_value(&o) {
            Ok(v) => v,
            Err(e) => return Access::Forbidden(format!("cannot read an object: {e}")),
        };
        match read(value) {
            Ok(t) => items.push(Item::live(t)),
            Err(m) => return Access::Forbidden(m),
        }
    }
    Access::Known(items)
}
