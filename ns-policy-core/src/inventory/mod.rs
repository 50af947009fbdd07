//! The one model of "what is there": every object the audit and the offline
//! probe look at, as typed k8s-openapi values with the place they were read
//! from. Two fillers produce it — the live lister
//! ([`crate::kube::list`]) and the manifest loader ([`crate::manifests`]) —
//! and [`Inventory::views`] groups it by namespace for the audit rules.
//!
//! A list the caller could not read is [`Access::Forbidden`]: the checks that
//! need it report `unknown`, never a pass.

mod kinds;
mod object;
mod view;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;

pub use kinds::{Kind, KindInfo};
pub use object::{Object, PodTemplate, Workload};
pub(crate) use view::subject_namespace;
pub use view::{ClusterRoleIndex, NamespaceView};

/// Where an object was read from (manifests on disk).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    /// The file as given or found while walking a directory; `-` for stdin.
    pub path: Arc<str>,
    /// 1-based line where the object (or the list holding it) starts.
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// An object and, offline, where it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<T> {
    /// The object.
    pub object: T,
    /// `file:line` (offline); `None` for live objects.
    pub source: Option<Source>,
}

impl<T> Item<T> {
    /// A live object.
    pub fn live(object: T) -> Self {
        Item {
            object,
            source: None,
        }
    }

    /// An object read from manifests.
    pub fn located(object: T, source: Source) -> Self {
        Item {
            object,
            source: Some(source),
        }
    }

    /// The source as `file:line`.
    pub fn source_string(&self) -> Option<String> {
        self.source.as_ref().map(ToString::to_string)
    }
}

/// The result of a LIST: the objects, or the reason it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access<T> {
    /// The list was read.
    Known(T),
    /// The list was refused; the message (e.g. `cannot list networkpolicies`).
    Forbidden(String),
}

impl<T> Access<T> {
    /// The value when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Access::Known(t) => Some(t),
            Access::Forbidden(_) => None,
        }
    }

    /// The refusal message when forbidden.
    pub fn forbidden(&self) -> Option<&str> {
        match self {
            Access::Known(_) => None,
            Access::Forbidden(m) => Some(m),
        }
    }

    /// Maps the known value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Access<U> {
        match self {
            Access::Known(t) => Access::Known(f(t)),
            Access::Forbidden(m) => Access::Forbidden(m),
        }
    }

    /// Borrows the known value.
    pub fn as_ref(&self) -> Access<&T> {
        match self {
            Access::Known(t) => Access::Known(t),
            Access::Forbidden(m) => Access::Forbidden(m.clone()),
        }
    }
}

impl<T: Default> Default for Access<T> {
    fn default() -> Self {
        Access::Known(T::default())
    }
}

/// A list of one kind.
pub type Listing<T> = Access<Vec<Item<T>>>;

/// Everything an audit (or an offline probe) looks at.
///
/// Namespaced objects without `metadata.namespace` (manifests) are in
/// `default`, as kubectl without `-n` would put them ([`namespace_of`]).
#[derive(Debug, Default)]
pub struct Inventory {
    /// Namespaces. Offline, each carries the `kubernetes.io/metadata.name`
    /// label the API server would set.
    pub namespaces: Vec<Item<Namespace>>,
    /// NetworkPolicies.
    pub network_policies: Listing<NetworkPolicy>,
    /// ResourceQuotas.
    pub resource_quotas: Listing<ResourceQuota>,
    /// LimitRanges.
    pub limit_ranges: Listing<LimitRange>,
    /// Roles.
    pub roles: Listing<Role>,
    /// ClusterRoles.
    pub cluster_roles: Listing<ClusterRole>,
    /// RoleBindings.
    pub role_bindings: Listing<RoleBinding>,
    /// ClusterRoleBindings.
    pub cluster_role_bindings: Listing<ClusterRoleBinding>,
    /// ServiceAccounts.
    pub service_accounts: Listing<ServiceAccount>,
    /// Pods.
    pub pods: Listing<Pod>,
    /// Pod controllers.
    pub workloads: Listing<Workload>,
    /// PodDisruptionBudgets.
    pub disruption_budgets: Listing<PodDisruptionBudget>,
    /// HorizontalPodAutoscalers.
    pub autoscalers: Listing<HorizontalPodAutoscaler>,
    /// Cluster network policies (Admin and Baseline tiers).
    pub cluster_policies: Listing<crate::netpol::ClusterPolicy>,
    /// Manifests only: objects given more than once (same kind, namespace
    /// and name), one message each; the last one given is kept, as a
    /// `kubectl apply` of the files in order would leave it.
    pub duplicates: Vec<String>,
    /// Argo CD AppProjects (every namespace; Argo CD reads those of its
    /// own). Live, refused or not served (no Argo CD) is `Forbidden` with
    /// the reason.
    pub app_projects: Listing<crate::argocd::AppProject>,
    /// Network policies of CNI plugins (not evaluated; they make the
    /// verdicts they may change unknown).
    pub cni_policies: Listing<crate::netpol::CniPolicy>,
    /// Objects of other kinds read from manifests, counted by kind; a known
    /// kind under another API version is counted as `Kind (apiVersion)`.
    pub ignored: BTreeMap<String, usize>,
    /// Kustomization documents skipped while loading manifests.
    pub skipped_kustomizations: usize,
}

/// The namespace of a namespaced object, `default` when unset (like kubectl
/// without `-n`).
pub fn namespace_of(meta: &ObjectMeta) -> &str {
    match meta.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => ns,
        _ => "default",
    }
}

fn name_of(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

fn known_len<T>(l: &Listing<T>) -> usize {
    l.known().map_or(0, Vec::len)
}

fn push<T>(list: &mut Listing<T>, item: Item<T>) {
    if let Access::Known(v) = list {
        v.push(item);
    }
}

impl Inventory {
    /// Adds an object (to a list that is known).
    pub fn push(&mut self, object: Object, source: Option<Source>) {
        macro_rules! to {
            ($field:ident, $o:expr) => {
                push(&mut self.$field, Item { object: $o, source })
            };
        }
        match object {
            Object::Namespace(o) => self.namespaces.push(Item { object: o, source }),
            Object::NetworkPolicy(o) => to!(network_policies, o),
            Object::ResourceQuota(o) => to!(resource_quotas, o),
            Object::LimitRange(o) => to!(limit_ranges, o),
            Object::Role(o) => to!(roles, o),
            Object::ClusterRole(o) => to!(cluster_roles, o),
            Object::RoleBinding(o) => to!(role_bindings, o),
            Object::ClusterRoleBinding(o) => to!(cluster_role_bindings, o),
            Object::ServiceAccount(o) => to!(service_accounts, o),
            Object::Pod(o) => to!(pods, o),
            Object::Workload(o) => to!(workloads, o),
            Object::PodDisruptionBudget(o) => to!(disruption_budgets, o),
            Object::HorizontalPodAutoscaler(o) => to!(autoscalers, o),
        }
    }

    /// Adds a cluster network policy (to a list that is known).
    pub fn push_cluster_policy(&mut self, item: Item<crate::netpol::ClusterPolicy>) {
        push(&mut self.cluster_policies, item);
    }

    /// Adds an Argo CD AppProject (to a list that is known).
    pub fn push_app_project(&mut self, item: Item<crate::argocd::AppProject>) {
        push(&mut self.app_projects, item);
    }

    /// Adds a CNI plugin's policy (to a list that is known).
    pub fn push_cni_policy(&mut self, item: Item<crate::netpol::CniPolicy>) {
        push(&mut self.cni_policies, item);
    }

    /// An evaluator over every namespace, NetworkPolicy, cluster policy and
    /// CNI policy known; a list that could not be read makes every decision
    /// unknown, saying which.
    pub fn evaluator(&self) -> crate::netpol::Evaluator {
        let namespaces = self
            .namespaces
            .iter()
            .filter_map(|n| {
                Some(crate::netpol::NamespaceInfo::new(
                    n.object.metadata.name.clone()?,
                    n.object.metadata.labels.clone().unwrap_or_default(),
                ))
            })
            .collect();
        let policies = self
            .network_policies
            .known()
            .into_iter()
            .flatten()
            .map(|p| {
                let mut p = p.object.clone();
                p.metadata.namespace = Some(namespace_of(&p.metadata).to_string());
                p
            })
            .collect();
        let cluster: Vec<crate::netpol::ClusterPolicy> = self
            .cluster_policies
            .known()
            .into_iter()
            .flatten()
            .map(|i| i.object.clone())
            .collect();
        let cni: Vec<crate::netpol::CniPolicy> = self
            .cni_policies
            .known()
            .into_iter()
            .flatten()
            .map(|i| i.object.clone())
            .collect();
        let mut e = crate::netpol::Evaluator::new(namespaces, policies)
            .with_cluster_policies(&cluster)
            .with_cni_policies(&cni);
        for (what, refused) in [
            ("NetworkPolicies", self.network_policies.forbidden()),
            (
                "cluster network policies",
                self.cluster_policies.forbidden(),
            ),
            ("CNI plugin policies", self.cni_policies.forbidden()),
        ] {
            if let Some(why) = refused {
                e = e.with_unreadable(format!("{what} could not be read ({why})"));
            }
        }
        e
    }

    /// Number of objects of known kinds plus ignored ones.
    pub fn len(&self) -> usize {
        self.namespaces.len()
            + known_len(&self.network_policies)
            + known_len(&self.resource_quotas)
            + known_len(&self.limit_ranges)
            + known_len(&self.roles)
            + known_len(&self.cluster_roles)
            + known_len(&self.role_bindings)
            + known_len(&self.cluster_role_bindings)
            + known_len(&self.service_accounts)
            + known_len(&self.pods)
            + known_len(&self.workloads)
            + known_len(&self.disruption_budgets)
            + known_len(&self.autoscalers)
            + known_len(&self.cluster_policies)
            + known_len(&self.cni_policies)
            + known_len(&self.app_projects)
            + self.ignored.values().sum::<usize>()
    }

    /// True when nothing was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Names of the Namespace objects.
    pub fn namespace_names(&self) -> BTreeSet<String> {
        self.namespaces
            .iter()
            .filter_map(|n| n.object.metadata.name.clone())
            .collect()
    }

    /// The Namespace object of a name.
    pub fn namespace(&self, name: &str) -> Option<&Item<Namespace>> {
        self.namespaces
            .iter()
            .find(|n| n.object.metadata.name.as_deref() == Some(name))
    }

    /// Names of the namespaces some namespaced object is in (see
    /// [`namespace_of`]).
    pub fn namespaces_in_use(&self) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        fn add<'a, T: Metadata<Ty = ObjectMeta>>(out: &mut BTreeSet<&'a str>, l: &'a Listing<T>) {
            for i in l.known().into_iter().flatten() {
                out.insert(namespace_of(i.object.metadata()));
            }
        }
        add(&mut out, &self.network_policies);
        add(&mut out, &self.resource_quotas);
        add(&mut out, &self.limit_ranges);
        add(&mut out, &self.roles);
        add(&mut out, &self.role_bindings);
        add(&mut out, &self.service_accounts);
        add(&mut out, &self.pods);
        add(&mut out, &self.disruption_budgets);
        add(&mut out, &self.autoscalers);
        for w in self.workloads.known().into_iter().flatten() {
            out.insert(namespace_of(w.object.meta()));
        }
        out
    }

    /// The lists that were forbidden, once each.
    pub fn forbidden(&self) -> Vec<String> {
        let all = [
            self.network_policies.forbidden(),
            self.resource_quotas.forbidden(),
            self.limit_ranges.forbidden(),
            self.roles.forbidden(),
            self.cluster_roles.forbidden(),
            self.role_bindings.forbidden(),
            self.cluster_role_bindings.forbidden(),
            self.service_accounts.forbidden(),
            self.pods.forbidden(),
            self.workloads.forbidden(),
            self.disruption_budgets.forbidden(),
            self.autoscalers.forbidden(),
            self.cluster_policies.forbidden(),
            self.cni_policies.forbidden(),
        ];
        let set: BTreeSet<&str> = all.into_iter().flatten().collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The cluster-role index (forbidden when listing them was).
    pub fn cluster_role_index(&self) -> Access<ClusterRoleIndex<'_>> {
        self.cluster_roles.as_ref().map(ClusterRoleIndex::new)
    }
}
