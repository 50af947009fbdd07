//! The typed objects of the inventory: any object of a known kind, and the
//! pod controllers with their pod templates.

use std::sync::LazyLock;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    LimitRange, Namespace, Pod, PodSpec, ReplicationController, ResourceQuota, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Kind;

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
    /// A PodDisruptionBudget.
    PodDisruptionBudget(PodDisruptionBudget),
    /// A HorizontalPodAutoscaler.
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
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
            Kind::PodDisruptionBudget => Object::PodDisruptionBudget(Deserialize::deserialize(v)?),
            Kind::HorizontalPodAutoscaler => {
                Object::HorizontalPodAutoscaler(Deserialize::deserialize(v)?)
            }
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
            Object::PodDisruptionBudget(_) => Kind::PodDisruptionBudget,
            Object::HorizontalPodAutoscaler(_) => Kind::HorizontalPodAutoscaler,
        }
    }
}
