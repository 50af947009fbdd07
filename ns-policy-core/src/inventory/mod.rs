//! The one model of "what is there": every object the audit and the offline
//! probe look at, as typed k8s-openapi values with the place they were read
//! from. Two fillers produce it — the live lister
//! ([`crate::kube::list`]) and the manifest loader ([`crate::manifests`]) —
//! and [`Inventory::views`] groups it by namespace for the audit rules.
//!
//! A list the caller could not read is [`Access::Forbidden`]: the checks that
//! need it report `unknown`, never a pass.

pub mod kinds;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, LazyLock};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, Pod, PodSpec, ReplicationController, ResourceQuota, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;

pub use kinds::{Kind, KindInfo, KINDS};

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

/// A pod controller: the kinds whose pod template the audit checks.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Workload {
    /// `apps/v1`.
    Deployment(Deployment),
    /// `apps/v1`.
    StatefulSet(StatefulSet),
    /// `apps/v1`.
    DaemonSet(DaemonSet),
    /// `apps/v1`.
    ReplicaSet(ReplicaSet),
    /// `batch/v1`.
    Job(Job),
    /// `batch/v1`.
    CronJob(CronJob),
    /// `v1`.
    ReplicationController(ReplicationController),
}

static NO_METADATA: LazyLock<ObjectMeta> = LazyLock::new(ObjectMeta::default);

/// The pod template of a workload: its metadata, its spec and the path of
/// the spec inside the object (`spec.template.spec`, for a CronJob
/// `spec.jobTemplate.spec.template.spec`).
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    /// Template metadata (empty when absent).
    pub metadata: &'a ObjectMeta,
    /// Template spec.
    pub spec: &'a PodSpec,
    /// Path of `spec` in the object.
    pub path: &'static str,
}

impl Workload {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Workload::Deployment(_) => Kind::Deployment,
            Workload::StatefulSet(_) => Kind::StatefulSet,
            Workload::DaemonSet(_) => Kind::DaemonSet,
            Workload::ReplicaSet(_) => Kind::ReplicaSet,
            Workload::Job(_) => Kind::Job,
            Workload::CronJob(_) => Kind::CronJob,
            Workload::ReplicationController(_) => Kind::ReplicationController,
        }
    }

    /// Its metadata.
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Workload::Deployment(o) => &o.metadata,
            Workload::StatefulSet(o) => &o.metadata,
            Workload::DaemonSet(o) => &o.metadata,
            Workload::ReplicaSet(o) => &o.metadata,
            Workload::Job(o) => &o.metadata,
            Workload::CronJob(o) => &o.metadata,
            Workload::ReplicationController(o) => &o.metadata,
        }
    }

    /// `metadata.name`, or `""`.
    pub fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or("")
    }

    /// The pod template, if the object has one.
    pub fn pod_template(&self) -> Option<PodTemplate<'_>> {
        const TEMPLATE: &str = "spec.template.spec";
        let (template, path) = match self {
            Workload::Deployment(o) => (Some(&o.spec.as_ref()?.template), TEMPLATE),
            Workload::StatefulSet(o) => (Some(&o.spec.as_ref()?.template), TEMPLATE),
            Workload::DaemonSet(o) => (Some(&o.spec.as_ref()?.template), TEMPLATE),
            Workload::ReplicaSet(o) => (o.spec.as_ref()?.template.as_ref(), TEMPLATE),
            Workload::Job(o) => (Some(&o.spec.as_ref()?.template), TEMPLATE),
            Workload::CronJob(o) => (
                Some(&o.spec.as_ref()?.job_template.spec.as_ref()?.template),
                "spec.jobTemplate.spec.template.spec",
            ),
            Workload::ReplicationController(o) => (o.spec.as_ref()?.template.as_ref(), TEMPLATE),
        };
        let template = template?;
        Some(PodTemplate {
            metadata: template.metadata.as_ref().unwrap_or(&NO_METADATA),
            spec: template.spec.as_ref()?,
            path,
        })
    }
}

/// Any object of a known kind.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Object {
    /// A Namespace.
    Namespace(Namespace),
    /// A NetworkPolicy.
    NetworkPolicy(NetworkPolicy),
    /// A ResourceQuota.
    ResourceQuota(ResourceQuota),
    /// A LimitRange.
    LimitRange(LimitRange),
    /// A Role.
    Role(Role),
    /// A ClusterRole.
    ClusterRole(ClusterRole),
    /// A RoleBinding.
    RoleBinding(RoleBinding),
    /// A ClusterRoleBinding.
    ClusterRoleBinding(ClusterRoleBinding),
    /// A ServiceAccount.
    ServiceAccount(ServiceAccount),
    /// A Pod.
    Pod(Pod),
    /// A pod controller.
    Workload(Workload),
}

impl Object {
    /// Deserializes an object of `kind` from JSON data.
    pub fn from_value(kind: Kind, value: &serde_json::Value) -> serde_json::Result<Object> {
        use serde::Deserialize;
        let v = value;
        Ok(match kind {
            Kind::Namespace => Object::Namespace(Deserialize::deserialize(v)?),
            Kind::NetworkPolicy => Object::NetworkPolicy(Deserialize::deserialize(v)?),
            Kind::ResourceQuota => Object::ResourceQuota(Deserialize::deserialize(v)?),
            Kind::LimitRange => Object::LimitRange(Deserialize::deserialize(v)?),
            Kind::Role => Object::Role(Deserialize::deserialize(v)?),
            Kind::ClusterRole => Object::ClusterRole(Deserialize::deserialize(v)?),
            Kind::RoleBinding => Object::RoleBinding(Deserialize::deserialize(v)?),
            Kind::ClusterRoleBinding => Object::ClusterRoleBinding(Deserialize::deserialize(v)?),
            Kind::ServiceAccount => Object::ServiceAccount(Deserialize::deserialize(v)?),
            Kind::Pod => Object::Pod(Deserialize::deserialize(v)?),
            Kind::Deployment => {
                Object::Workload(Workload::Deployment(Deserialize::deserialize(v)?))
            }
            Kind::StatefulSet => {
                Object::Workload(Workload::StatefulSet(Deserialize::deserialize(v)?))
            }
            Kind::DaemonSet => Object::Workload(Workload::DaemonSet(Deserialize::deserialize(v)?)),
            Kind::ReplicaSet => {
                Object::Workload(Workload::ReplicaSet(Deserialize::deserialize(v)?))
            }
            Kind::Job => Object::Workload(Workload::Job(Deserialize::deserialize(v)?)),
            Kind::CronJob => Object::Workload(Workload::CronJob(Deserialize::deserialize(v)?)),
            Kind::ReplicationController => Object::Workload(Workload::ReplicationController(
                Deserialize::deserialize(v)?,
            )),
        })
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Namespace(_) => Kind::Namespace,
            Object::NetworkPolicy(_) => Kind::NetworkPolicy,
            Object::ResourceQuota(_) => Kind::ResourceQuota,
            Object::LimitRange(_) => Kind::LimitRange,
            Object::Role(_) => Kind::Role,
            Object::ClusterRole(_) => Kind::ClusterRole,
            Object::RoleBinding(_) => Kind::RoleBinding,
            Object::ClusterRoleBinding(_) => Kind::ClusterRoleBinding,
            Object::ServiceAccount(_) => Kind::ServiceAccount,
            Object::Pod(_) => Kind::Pod,
            Object::Workload(w) => w.kind(),
        }
    }
}

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
        }
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
        ];
        let set: BTreeSet<&str> = all.into_iter().flatten().collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The cluster-role index (forbidden when listing them was).
    pub fn cluster_role_index(&self) -> Access<ClusterRoleIndex<'_>> {
        self.cluster_roles.as_ref().map(ClusterRoleIndex::new)
    }

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
        let crb = group_bindings(&self.cluster_role_bindings);
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
                    cluster_role_bindings: take(&crb, name),
                    cluster_roles: cr.clone(),
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
pub fn subject_namespace(s: &k8s_openapi::api::rbac::v1::Subject) -> Option<&str> {
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
    /// ClusterRoleBindings with a subject of this namespace.
    pub cluster_role_bindings: Access<Vec<&'a Item<ClusterRoleBinding>>>,
    /// Cluster roles (cluster-wide, shared).
    pub cluster_roles: Access<&'a ClusterRoleIndex<'a>>,
    /// Live only: warnings of a server-side dry run of the profile's enforce
    /// label (one per pod that would be rejected).
    pub psa_dry_run_warnings: Option<Vec<String>>,
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
            cluster_role_bindings: Access::default(),
            cluster_roles: Access::Known(&EMPTY_CLUSTER_ROLES),
            psa_dry_run_warnings: None,
        }
    }

    /// The namespace's name.
    pub fn name(&self) -> &'a str {
        name_of(&self.namespace.object.metadata)
    }
}
