//! The one table of the Kubernetes kinds the tool reads and writes: their
//! API version, plural resource name and scope, taken from k8s-openapi's
//! own constants. The manifest loader, the live lister, the renderer and the
//! apply code all look kinds up here.

use std::fmt;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, Pod, ReplicationController, ResourceQuota, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::Resource;

/// A kind the tool knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `v1` Namespace.
    Namespace,
    /// `networking.k8s.io/v1` NetworkPolicy.
    NetworkPolicy,
    /// `v1` ResourceQuota.
    ResourceQuota,
    /// `v1` LimitRange.
    LimitRange,
    /// `rbac.authorization.k8s.io/v1` Role.
    Role,
    /// `rbac.authorization.k8s.io/v1` ClusterRole.
    ClusterRole,
    /// `rbac.authorization.k8s.io/v1` RoleBinding.
    RoleBinding,
    /// `rbac.authorization.k8s.io/v1` ClusterRoleBinding.
    ClusterRoleBinding,
    /// `v1` ServiceAccount.
    ServiceAccount,
    /// `v1` Pod.
    Pod,
    /// `apps/v1` Deployment.
    Deployment,
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` DaemonSet.
    DaemonSet,
    /// `apps/v1` ReplicaSet.
    ReplicaSet,
    /// `batch/v1` Job.
    Job,
    /// `batch/v1` CronJob.
    CronJob,
    /// `v1` ReplicationController.
    ReplicationController,
    /// `policy/v1` PodDisruptionBudget.
    PodDisruptionBudget,
    /// `autoscaling/v2` HorizontalPodAutoscaler.
    HorizontalPodAutoscaler,
}

/// What the API says about a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// The kind.
    pub kind: Kind,
    /// `Deployment`.
    pub name: &'static str,
    /// `apps/v1`.
    pub api_version: &'static str,
    /// `apps` (empty for the core group).
    pub group: &'static str,
    /// `v1`.
    pub version: &'static str,
    /// `deployments`.
    pub plural: &'static str,
    /// Namespaced (false for Namespace, ClusterRole, ClusterRoleBinding).
    pub namespaced: bool,
    /// A pod controller whose pod template the audit checks.
    pub workload: bool,
}

const fn info<K: Resource>(kind: Kind, namespaced: bool, workload: bool) -> KindInfo {
    KindInfo {
        kind,
        name: K::KIND,
        api_version: K::API_VERSION,
        group: K::GROUP,
        version: K::VERSION,
        plural: K::URL_PATH_SEGMENT,
        namespaced,
        workload,
    }
}

/// Every kind, in the order reports and loaders use.
pub(super) const KINDS: [KindInfo; 19] = [
    info::<Namespace>(Kind::Namespace, false, false),
    info::<NetworkPolicy>(Kind::NetworkPolicy, true, false),
    info::<ResourceQuota>(Kind::ResourceQuota, true, false),
    info::<LimitRange>(Kind::LimitRange, true, false),
    info::<Role>(Kind::Role, true, false),
    info::<ClusterRole>(Kind::ClusterRole, false, false),
    info::<RoleBinding>(Kind::RoleBinding, true, false),
    info::<ClusterRoleBinding>(Kind::ClusterRoleBinding, false, false),
    info::<ServiceAccount>(Kind::ServiceAccount, true, false),
    info::<Pod>(Kind::Pod, true, false),
    info::<Deployment>(Kind::Deployment, true, true),
    info::<StatefulSet>(Kind::StatefulSet, true, true),
    info::<DaemonSet>(Kind::DaemonSet, true, true),
    info::<ReplicaSet>(Kind::ReplicaSet, true, true),
    info::<Job>(Kind::Job, true, true),
    info::<CronJob>(Kind::CronJob, true, true),
    info::<ReplicationController>(Kind::ReplicationController, true, true),
    info::<PodDisruptionBudget>(Kind::PodDisruptionBudget, true, false),
    info::<HorizontalPodAutoscaler>(Kind::HorizontalPodAutoscaler, true, false),
];

impl Kind {
    /// Every kind.
    pub fn all() -> impl Iterator<Item = Kind> {
        KINDS.iter().map(|k| k.kind)
    }

    /// The pod controllers.
    pub fn workloads() -> impl Iterator<Item = Kind> {
        KINDS.iter().filter(|k| k.workload).map(|k| k.kind)
    }

    /// The table entry.
    pub fn info(self) -> &'static KindInfo {
        // The table lists every variant in declaration order.
        &KINDS[self as usize]
    }

    /// `Deployment`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// `apps/v1`.
    pub fn api_version(self) -> &'static str {
        self.info().api_version
    }

    /// The resource as kubectl names it in messages and `auth can-i`:
    /// `deployments.apps`, `networkpolicies.networking.k8s.io`, `pods`.
    pub fn resource(self) -> String {
        let i = self.info();
        if i.group.is_empty() {
            i.plural.to_string()
        } else {
            format!("{}.{}", i.plural, i.group)
        }
    }

    /// The kind of `apiVersion`/`kind`, if known (another API version of a
    /// known kind is not known: its fields may differ).
    pub fn of(api_version: &str, kind: &str) -> Option<Kind> {
        KINDS
            .iter()
            .find(|k| k.name == kind && k.api_version == api_version)
            .map(|k| k.kind)
    }

    /// A known kind name under any API version (for "ignored" reporting).
    pub fn named(kind: &str) -> Option<Kind> {
        KINDS.iter().find(|k| k.name == kind).map(|k| k.kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_kind_in_declaration_order() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.kind as usize, i, "{}", k.name);
            assert_eq!(k.kind.name(), format!("{:?}", k.kind));
        }
    }

    #[test]
    fn kinds_resolve_by_api_version_and_name() {
        assert_eq!(Kind::of("apps/v1", "Deployment"), Some(Kind::Deployment));
        assert_eq!(Kind::of("extensions/v1beta1", "Deployment"), None);
        assert_eq!(
            Kind::NetworkPolicy.resource(),
            "networkpolicies.networking.k8s.io"
        );
        assert_eq!(Kind::Pod.resource(), "pods");
        assert_eq!(Kind::CronJob.resource(), "cronjobs.batch");
        assert_eq!(Kind::workloads().count(), 7);
    }
}
