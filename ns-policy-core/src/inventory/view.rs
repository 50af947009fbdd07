//! Grouping the inventory by namespace: one [`NamespaceView`] per audited
//! namespace, and the shared [`ClusterRoleIndex`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;

use super::{name_of, namespace_of, Access, Inventory, Item, Listing, Workload};
use crate::netpol::{ClusterPolicy, CniPolicy};

impl Inventory {
    /// One view per namespace of `namespaces`, grouping every list once.
    /// `cluster_roles` is [`Inventory::cluster_role_index`] (built once by
    /// the caller, shared by every view).
    pub fn views<'a>(
        &'a self,
        namespaces: &[&'a Item<Namespace>],
        cluster_roles: &'a Access<ClusterRoleIndex<'a>>,
    ) -> Vec<NamespaceView<'a>> {
        let rq = group(&self.resource_quotas, |o| o.metadata());
        let lr = group(&self.limit_ranges, |o| o.metadata());
        let np = group(&self.network_policies, |o| o.metadata());
        let rb = group(&self.role_bindings, |o| o.metadata());
        let roles = group(&self.roles, |o| o.metadata());
        let sa = group(&self.service_accounts, |o| o.metadata());
        let pods = group(&self.pods, |o| o.metadata());
        let workloads = group(&self.workloads, Workload::meta);
        let pdbs = group(&self.disruption_budgets, |o| o.metadata());
        let hpas = group(&self.autoscalers, |o| o.metadata());
        let crb = group_bindings(&self.cluster_role_bindings);
        let projects: Access<Vec<&'a Item<crate::argocd::AppProject>>> =
            self.app_projects.as_ref().map(|all| all.iter().collect());
        let cluster: Access<Vec<&'a Item<ClusterPolicy>>> = self
            .cluster_policies
            .as_ref()
            .map(|all| all.iter().collect());
        let cr: Access<&'a ClusterRoleIndex<'a>> = match cluster_roles {
            Access::Known(idx) => Access::Known(idx),
            Access::Forbidden(m) => Access::Forbidden(m.clone()),
        };
        namespaces
            .iter()
            .map(|ns| {
                let name = name_of(&ns.object.metadata);
                NamespaceView {
                    namespace: ns,
                    resource_quotas: take(&rq, name),
                    limit_ranges: take(&lr, name),
                    network_policies: take(&np, name),
                    role_bindings: take(&rb, name),
                    roles: take(&roles, name),
                    service_accounts: take(&sa, name),
                    pods: take(&pods, name),
                    workloads: take(&workloads, name),
                    disruption_budgets: take(&pdbs, name),
                    autoscalers: take(&hpas, name),
                    cluster_role_bindings: take(&crb, name),
                    cluster_roles: cr.clone(),
                    cluster_policies: cluster.clone(),
                    app_projects: projects.clone(),
                    cni_policies: match &self.cni_policies {
                        Access::Known(all) => Access::Known(
                            all.iter()
                                .filter(|p| {
                                    static NONE: BTreeMap<String, String> = BTreeMap::new();
                                    p.object.may_select(
                                        name,
                                        ns.object.metadata.labels.as_ref().unwrap_or(&NONE),
                                    )
                                })
                                .collect(),
                        ),
                        Access::Forbidden(m) => Access::Forbidden(m.clone()),
                    },
                    psa_dry_run_warnings: None,
                }
            })
            .collect()
    }
}

type Grouped<'a, T> = Access<HashMap<&'a str, Vec<&'a Item<T>>>>;

fn group<'a, T>(list: &'a Listing<T>, meta: impl Fn(&T) -> &ObjectMeta) -> Grouped<'a, T> {
    list.as_ref().map(|items| {
        let mut map: HashMap<&str, Vec<&Item<T>>> = HashMap::new();
        for item in items {
            map.entry(namespace_of(meta(&item.object)))
                .or_default()
                .push(item);
        }
        map
    })
}

/// ClusterRoleBindings by the namespaces of their ServiceAccount subjects
/// (a binding naming accounts of several namespaces is in each).
fn group_bindings(list: &Listing<ClusterRoleBinding>) -> Grouped<'_, ClusterRoleBinding> {
    list.as_ref().map(|items| {
        let mut map: HashMap<&str, Vec<&Item<ClusterRoleBinding>>> = HashMap::new();
        for item in items {
            let namespaces: BTreeSet<&str> = item
                .object
                .subjects
                .iter()
                .flatten()
                .filter_map(subject_namespace)
                .collect();
            for ns in namespaces {
                map.entry(ns).or_default().push(item);
            }
        }
        map
    })
}

/// The namespace whose identities a binding subject stands for: a
/// ServiceAccount's namespace, or `<ns>` of the groups
/// `system:serviceaccounts:<ns>`.
pub(crate) fn subject_namespace(s: &k8s_openapi::api::rbac::v1::Subject) -> Option<&str> {
    match s.kind.as_str() {
        "ServiceAccount" => s.namespace.as_deref().filter(|n| !n.is_empty()),
        "Group" => s
            .name
            .strip_prefix("system:serviceaccounts:")
            .filter(|n| !n.is_empty()),
        _ => None,
    }
}

fn take<'a, T>(grouped: &Grouped<'a, T>, ns: &str) -> Access<Vec<&'a Item<T>>> {
    match grouped {
        Access::Known(map) => Access::Known(map.get(ns).cloned().unwrap_or_default()),
        Access::Forbidden(m) => Access::Forbidden(m.clone()),
    }
}

/// Cluster roles by name, built once and shared by every namespace view.
#[derive(Debug, Default)]
pub struct ClusterRoleIndex<'a> {
    by_name: BTreeMap<&'a str, &'a Item<ClusterRole>>,
}

impl<'a> ClusterRoleIndex<'a> {
    /// Indexes cluster roles by `metadata.name` (the first of a name wins).
    pub fn new(roles: &'a Vec<Item<ClusterRole>>) -> Self {
        let mut by_name = BTreeMap::new();
        for r in roles {
            if let Some(name) = r.object.metadata.name.as_deref() {
                by_name.entry(name).or_insert(r);
            }
        }
        ClusterRoleIndex { by_name }
    }

    /// The cluster role of a name.
    pub fn get(&self, name: &str) -> Option<&'a Item<ClusterRole>> {
        self.by_name.get(name).copied()
    }

    /// Number of roles.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

static EMPTY_CLUSTER_ROLES: ClusterRoleIndex<'static> = ClusterRoleIndex {
    by_name: BTreeMap::new(),
};

/// Everything the audit looks at for one namespace, borrowed from an
/// [`Inventory`] (see [`Inventory::views`]).
#[derive(Debug, Clone)]
pub struct NamespaceView<'a> {
    /// The namespace.
    pub namespace: &'a Item<Namespace>,
    /// ResourceQuotas of the namespace.
    pub resource_quotas: Access<Vec<&'a Item<ResourceQuota>>>,
    /// LimitRanges of the namespace.
    pub limit_ranges: Access<Vec<&'a Item<LimitRange>>>,
    /// NetworkPolicies of the namespace.
    pub network_policies: Access<Vec<&'a Item<NetworkPolicy>>>,
    /// RoleBindings of the namespace.
    pub role_bindings: Access<Vec<&'a Item<RoleBinding>>>,
    /// Roles of the namespace.
    pub roles: Access<Vec<&'a Item<Role>>>,
    /// ServiceAccounts of the namespace.
    pub service_accounts: Access<Vec<&'a Item<ServiceAccount>>>,
    /// Pods of the namespace.
    pub pods: Access<Vec<&'a Item<Pod>>>,
    /// Pod controllers of the namespace.
    pub workloads: Access<Vec<&'a Item<Workload>>>,
    /// PodDisruptionBudgets of the namespace.
    pub disruption_budgets: Access<Vec<&'a Item<PodDisruptionBudget>>>,
    /// HorizontalPodAutoscalers of the namespace.
    pub autoscalers: Access<Vec<&'a Item<HorizontalPodAutoscaler>>>,
    /// ClusterRoleBindings with a subject of this namespace.
    pub cluster_role_bindings: Access<Vec<&'a Item<ClusterRoleBinding>>>,
    /// Cluster roles (cluster-wide, shared).
    pub cluster_roles: Access<&'a ClusterRoleIndex<'a>>,
    /// Cluster network policies (all of them: which select the namespace is
    /// for the evaluator to tell).
    pub cluster_policies: Access<Vec<&'a Item<ClusterPolicy>>>,
    /// Argo CD AppProjects (all of them, shared).
    pub app_projects: Access<Vec<&'a Item<crate::argocd::AppProject>>>,
    /// CNI plugin policies that may select pods of the namespace.
    pub cni_policies: Access<Vec<&'a Item<CniPolicy>>>,
    /// Live only: warnings of a server-side dry run of the profile's enforce
    /// label (one per pod that would be rejected).
    pub psa_dry_run_warnings: Option<Access<Vec<String>>>,
}

impl<'a> NamespaceView<'a> {
    /// A view of `namespace` with every list known and empty.
    pub fn empty(namespace: &'a Item<Namespace>) -> Self {
        NamespaceView {
            namespace,
            resource_quotas: Access::default(),
            limit_ranges: Access::default(),
            network_policies: Access::default(),
            role_bindings: Access::default(),
            roles: Access::default(),
            service_accounts: Access::default(),
            pods: Access::default(),
            workloads: Access::default(),
            disruption_budgets: Access::default(),
            autoscalers: Access::default(),
            cluster_role_bindings: Access::default(),
            cluster_roles: Access::Known(&EMPTY_CLUSTER_ROLES),
            cluster_policies: Access::default(),
            cni_policies: Access::default(),
            app_projects: Access::default(),
            psa_dry_run_warnings: None,
        }
    }

    /// The namespace's name.
    pub fn name(&self) -> &'a str {
        name_of(&self.namespace.object.metadata)
    }
}
