//! Unit tests of the audit rules: a namespace rendered by `render::render`
//! passes for every profile; each test breaks it one way and asserts the
//! exact check ID.
//!
//! This file holds the `Fixture` and the helpers the tests share; the tests
//! are in one file per check category (and the report shapes).

mod compliant;
mod gitops;
mod labels;
mod lifecycle;
mod limit_range;
mod network;
mod partial_access;
mod pod_security;
mod quota;
mod rbac;
mod reliability;
mod reports;
mod tiers;
mod waivers;
mod workloads;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, Role, RoleBinding};
use serde_json::{json, Value};

use super::*;
use crate::inventory::{Inventory, Kind, Object};
use crate::render::{self, BundleObject, NamespaceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

#[derive(Clone, Default)]
struct Fixture {
    ns: Namespace,
    quotas: Vec<ResourceQuota>,
    limit_ranges: Vec<LimitRange>,
    policies: Vec<NetworkPolicy>,
    bindings: Vec<RoleBinding>,
    roles: Vec<Role>,
    cluster_roles: Vec<ClusterRole>,
    service_accounts: Vec<ServiceAccount>,
    pods: Vec<Pod>,
    workloads: Vec<(String, Value)>,
    dry_run: Option<Access<Vec<String>>>,
}

fn restricted_pod_spec() -> Value {
    json!({
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app",
            "image": "registry.example/app:1",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
            "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"},
                "limits": {"cpu": "200m", "memory": "128Mi"}
            }
        }]
    })
}

fn deployment(name: &str, pod_spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}
        }
    })
}

fn pod(name: &str, labels: Value, spec: Value, owner: Option<(&str, &str)>) -> Pod {
    let mut meta = json!({"name": name, "labels": labels});
    if let Some((kind, owner_name)) = owner {
        meta["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "kind": kind, "name": owner_name, "uid": "u", "controller": true
        }]);
    }
    serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}),
    )
    .unwrap()
}

fn ns_name(profile: &str) -> &'static str {
    match profile {
        "preview" => "shop-pr-1",
        "platform" => "ops-platform",
        "data" => "pg-data",
        _ => "shop-prod",
    }
}

/// The compliant namespace of `profile`, as `create` renders it, plus a
/// compliant Deployment and its pod.
fn rendered(profile: &str) -> Fixture {
    rendered_by(&Baseline::builtin(), profile)
}

/// [`rendered`] with another baseline.
fn rendered_by(b: &Baseline, profile: &str) -> Fixture {
    let name = ns_name(profile);
    let labels = BTreeMap::from([
        ("env".to_string(), "prod".to_string()),
        ("team".to_string(), "shop".to_string()),
        ("cost-center".to_string(), "cc-1".to_string()),
    ]);
    let preview = profile == "preview";
    let spec = NamespaceSpec {
        name: name.into(),
        profile: profile.into(),
        labels,
        created_at: preview.then(|| now() - Duration::hours(1)),
        expires_at: preview.then(|| now() + Duration::hours(3)),
        ..Default::default()
    };
    let bundle = render::render(b, &spec).unwrap();
    let mut f = Fixture::default();
    for o in bundle.objects {
        match o {
            BundleObject::Namespace(mut n) => {
                n.metadata
                    .labels
                    .get_or_insert_with(BTreeMap::new)
                    .insert(crate::NAMESPACE_NAME_LABEL.into(), name.into());
                f.ns = n;
            }
            BundleObject::ServiceAccount(x) => f.service_accounts.push(x),
            BundleObject::LimitRange(x) => f.limit_ranges.push(x),
            BundleObject::ResourceQuota(x) => f.quotas.push(x),
            BundleObject::Role(x) => f.roles.push(x),
            BundleObject::RoleBinding(x) => f.bindings.push(x),
            BundleObject::NetworkPolicy(x) => f.policies.push(x),
        }
    }
    f.workloads.push((
        "Deployment".into(),
        deployment("web", restricted_pod_spec()),
    ));
    f.pods.push(pod(
        "web-1",
        json!({"app": "web"}),
        restricted_pod_spec(),
        Some(("Deployment", "web")),
    ));
    f
}

impl Fixture {
    fn label(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        let labels = self.ns.metadata.labels.get_or_insert_with(BTreeMap::new);
        match value {
            Some(v) => labels.insert(key.into(), v.into()),
            None => labels.remove(key),
        };
        self
    }

    fn annotate(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        let a = self
            .ns
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new);
        match value {
            Some(v) => a.insert(key.into(), v.into()),
            None => a.remove(key),
        };
        self
    }

    fn policy(&mut self, v: Value) -> &mut Self {
        self.policies.push(serde_json::from_value(v).unwrap());
        self
    }

    fn drop_policy(&mut self, name: &str) -> &mut Self {
        self.policies
            .retain(|p| p.metadata.name.as_deref() != Some(name));
        self
    }

    fn audit(&self) -> NamespaceReport {
        self.audit_with(|_| {})
    }

    /// Audits the fixture through the same path as live and offline
    /// audits: an inventory, grouped into one view per namespace.
    /// `tweak` may mark lists forbidden.
    fn audit_with(&self, tweak: impl FnOnce(&mut Inventory)) -> NamespaceReport {
        self.audit_by(&Baseline::builtin(), &AuditOptions::at(now()), tweak)
    }

    /// Audits the fixture with another baseline and options.
    fn audit_by(
        &self,
        baseline: &Baseline,
        opts: &AuditOptions,
        tweak: impl FnOnce(&mut Inventory),
    ) -> NamespaceReport {
        let name = self.ns.metadata.name.clone().unwrap_or_default();
        let mut inv = Inventory::default();
        inv.push(Object::Namespace(self.ns.clone()), None);
        fn put<T: k8s_openapi::Metadata<Ty = ObjectMeta> + Clone>(
            inv: &mut Inventory,
            ns: &str,
            items: &[T],
            wrap: fn(T) -> Object,
        ) {
            for i in items {
                let mut i = i.clone();
                i.metadata_mut()
                    .namespace
                    .get_or_insert_with(|| ns.to_string());
                inv.push(wrap(i), None);
            }
        }
        put(&mut inv, &name, &self.quotas, Object::ResourceQuota);
        put(&mut inv, &name, &self.limit_ranges, Object::LimitRange);
        put(&mut inv, &name, &self.policies, Object::NetworkPolicy);
        put(&mut inv, &name, &self.bindings, Object::RoleBinding);
        put(&mut inv, &name, &self.roles, Object::Role);
        put(
            &mut inv,
            &name,
            &self.service_accounts,
            Object::ServiceAccount,
        );
        put(&mut inv, &name, &self.pods, Object::Pod);
        for r in &self.cluster_roles {
            inv.push(Object::ClusterRole(r.clone()), None);
        }
        for (kind, value) in &self.workloads {
            let mut value = value.clone();
            value["metadata"]["namespace"] = json!(name);
            let kind = Kind::named(kind).expect("a known kind");
            inv.push(Object::from_value(kind, &value).unwrap(), None);
        }
        tweak(&mut inv);
        let index = inv.cluster_role_index();
        let targets = [&inv.namespaces[0]];
        let mut views = inv.views(&targets, &index);
        views[0].psa_dry_run_warnings = self.dry_run.clone();
        audit_namespace_with(baseline, &views[0], opts)
    }
}

fn ids(r: &NamespaceReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.check.as_str()).collect()
}

fn only(r: &NamespaceReport, id: &str) -> Finding {
    let found: Vec<&Finding> = r.findings.iter().filter(|f| f.check == id).collect();
    assert_eq!(found.len(), 1, "expected one {id} in {:#?}", r.findings);
    found[0].clone()
}

fn assert_clean(r: &NamespaceReport) {
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.unknown.is_empty(), "{:#?}", r.unknown);
}
