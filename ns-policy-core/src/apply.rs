//! Server-side apply of bundles: plan (GET + server-side dry-run, no writes),
//! then execute in waves. Never deletes anything.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::ApiResource;
use kube::Client;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::render::{Bundle, Object};

/// How to apply.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Field manager (`--field-manager`).
    pub field_manager: String,
    /// `--dry-run=server`: every write is a server-side dry run.
    pub server_dry_run: bool,
    /// `--force-conflicts`.
    pub force_conflicts: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            field_manager: crate::FIELD_MANAGER.to_string(),
            server_dry_run: false,
            force_conflicts: false,
        }
    }
}

/// What applying did (or, in a dry run, would do) to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It did not exist.
    Created,
    /// It existed and changed.
    Configured,
    /// It existed and nothing changed (same resourceVersion).
    Unchanged,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
        })
    }
}

/// One changed field of an existing object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted path (`metadata.labels.env`, `spec.hard.pods`).
    pub path: String,
    /// Current value (None: absent).
    pub from: Option<Value>,
    /// Value after apply (None: removed).
    pub to: Option<Value>,
}

/// The plan for one object.
#[derive(Debug, Clone)]
pub struct ObjectPlan {
    /// Desired object.
    pub object: Object,
    /// Whether it exists now.
    pub exists: bool,
    /// resourceVersion now.
    pub resource_version: Option<String>,
    /// Changes the apply would make to the existing object.
    pub changes: Vec<FieldChange>,
    /// Field-manager conflicts (the API server's message), if any.
    pub conflict: Option<String>,
}

impl ObjectPlan {
    /// The action this plan amounts to.
    pub fn action(&self) -> Action {
        if !self.exists {
            Action::Created
        } else if self.changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Configured
        }
    }
}

/// The plan for one namespace.
#[derive(Debug, Clone)]
pub struct NamespacePlan {
    /// Namespace.
    pub namespace: String,
    /// Profile.
    pub profile: String,
    /// Whether the namespace exists.
    pub namespace_exists: bool,
    /// Per object, in apply order.
    pub objects: Vec<ObjectPlan>,
}

impl NamespacePlan {
    /// True when applying would change a namespace that already exists:
    /// changed fields, or objects added to it (a new default deny or quota
    /// changes what running workloads may do). The user must confirm
    /// (prompt or `--yes`). A new namespace needs no confirmation.
    pub fn needs_confirmation(&self) -> bool {
        self.namespace_exists
            && self
                .objects
                .iter()
                .any(|o| !o.exists || !o.changes.is_empty())
    }
}

/// Result of applying one object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectResult {
    /// Namespace of the bundle.
    pub namespace: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// What happened.
    pub action: Action,
    /// resourceVersion after apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// True for `--dry-run=server`.
    pub dry_run: bool,
}

fn api_resource(obj: &Object) -> ApiResource {
    match obj {
        Object::Namespace(_) => ApiResource::erase::<Namespace>(&()),
        Object::ServiceAccount(_) => ApiResource::erase::<ServiceAccount>(&()),
        Object::LimitRange(_) => ApiResource::erase::<LimitRange>(&()),
        Object::ResourceQuota(_) => ApiResource::erase::<ResourceQuota>(&()),
        Object::Role(_) => ApiResource::erase::<Role>(&()),
        Object::RoleBinding(_) => ApiResource::erase::<RoleBinding>(&()),
        Object::NetworkPolicy(_) => ApiResource::erase::<NetworkPolicy>(&()),
    }
}

fn api_for(client: &Client, obj: &Object, namespace: &str) -> Api<DynamicObject> {
    let ar = api_resource(obj);
    match obj {
        Object::Namespace(_) => Api::all_with(client.clone(), &ar),
        _ => Api::namespaced_with(client.clone(), namespace, &ar),
    }
}

fn scope(obj: &Object, namespace: &str) -> Option<String> {
    match obj {
        Object::Namespace(_) => None,
        _ => Some(namespace.to_string()),
    }
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

/// Removes what the server owns or changes on every write, so two versions of
/// an object compare by what the user and we set.
fn normalize(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        obj.remove("status");
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "managedFields",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "uid",
                "selfLink",
            ] {
                meta.remove(k);
            }
        }
    }
    v
}

/// Leaf-level differences between two JSON values.
pub fn diff(from: &Value, to: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff_into("", Some(from), Some(to), &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn diff_into(path: &str, from: Option<&Value>, to: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (from, to) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                diff_into(&join(path, k), a.get(k), b.get(k), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(FieldChange {
            path: path.to_string(),
            from: a.cloned(),
            to: b.cloned(),
        }),
    }
}

async fn dry_apply(
    api: &Api<DynamicObject>,
    obj: &Object,
    manager: &str,
    force: bool,
) -> std::result::Result<DynamicObject, kube::Error> {
    let mut pp = PatchParams::apply(manager).dry_run();
    if force {
        pp = pp.force();
    }
    api.patch(obj.name(), &pp, &Patch::Apply(obj.to_value()))
        .await
}

/// Plans the apply of a bundle without writing anything: reads what exists
/// and asks the API server (server-side dry-run apply) what each object
/// would become, so the plan shows exactly what would change, including the
/// server's defaulting and fields owned by other managers.
pub async fn plan(
    client: &Client,
    bundle: &Bundle,
    existing_ns: Option<&Namespace>,
    opts: &ApplyOptions,
) -> Result<NamespacePlan> {
    let ns = bundle.namespace.as_str();
    let namespace_exists = existing_ns.is_some();
    let objects = if !namespace_exists {
        bundle
            .objects
            .iter()
            .map(|o| ObjectPlan {
                object: o.clone(),
                exists: false,
                resource_version: None,
                changes: Vec::new(),
                conflict: None,
            })
            .collect()
    } else {
        try_join_all(
            bundle
                .objects
                .iter()
                .map(|obj| plan_object(client, obj, ns, existing_ns, opts)),
        )
        .await?
    };
    Ok(NamespacePlan {
        namespace: ns.to_string(),
        profile: bundle.profile.clone(),
        namespace_exists,
        objects,
    })
}

async fn plan_object(
    client: &Client,
    obj: &Object,
    ns: &str,
    existing_ns: Option<&Namespace>,
    opts: &ApplyOptions,
) -> Result<ObjectPlan> {
    let api = api_for(client, obj, ns);
    let scope = scope(obj, ns);
    let current = match (obj, existing_ns) {
        // The caller has just read the namespace.
        (Object::Namespace(_), Some(n)) => Some(
            serde_json::from_value::<DynamicObject>(serde_json::to_value(n).unwrap_or_default())
                .map_err(|e| Error::InvalidInput(format!("namespace {ns}: {e}")))?,
        ),
        _ => api
            .get_opt(obj.name())
            .await
            .map_err(|e| Error::from_kube("get", obj.resource(), scope.as_deref(), e))?,
    };
    let Some(current) = current else {
        return Ok(ObjectPlan {
            object: obj.clone(),
            exists: false,
            resource_version: None,
            changes: Vec::new(),
            conflict: None,
        });
    };
    let mut conflict = None;
    let result = match dry_apply(&api, obj, &opts.field_manager, opts.force_conflicts).await {
        Ok(r) => r,
        Err(kube::Error::Api(s)) if s.code == 409 => {
            conflict = Some(s.message.clone());
            dry_apply(&api, obj, &opts.field_manager, true)
                .await
                .map_err(|e| Error::from_kube("patch", obj.resource(), scope.as_deref(), e))?
        }
        Err(e) => {
            return Err(Error::from_kube(
                "patch",
                obj.resource(),
                scope.as_deref(),
                e,
            ))
        }
    };
    let before = normalize(serde_json::to_value(&current).unwrap_or(Value::Null));
    let after = normalize(serde_json::to_value(&result).unwrap_or(Value::Null));
    Ok(ObjectPlan {
        object: obj.clone(),
        exists: true,
        resource_version: current.metadata.resource_version.clone(),
        changes: diff(&before, &after),
        conflict,
    })
}

/// Applies a plan: objects that exist and would not change are left alone
/// (their resourceVersion stays), the rest is server-side applied wave by
/// wave, objects of a wave concurrently. `confirmed` means the user accepted
/// the shown changes to existing objects, which takes ownership of the
/// fields other managers set (as `--force-conflicts` does).
pub async fn execute(
    client: &Client,
    plan: &NamespacePlan,
    opts: &ApplyOptions,
    confirmed: bool,
) -> Result<Vec<ObjectResult>> {
    let ns = plan.namespace.as_str();
    let mut results: Vec<ObjectResult> = Vec::with_capacity(plan.objects.len());
    let mut waves: BTreeMap<u8, Vec<&ObjectPlan>> = BTreeMap::new();
    for p in &plan.objects {
        waves.entry(p.object.wave()).or_default().push(p);
    }
    for (_, wave) in waves {
        let done = try_join_all(
            wave.into_iter()
                .map(|p| execute_object(client, ns, plan.namespace_exists, p, opts, confirmed)),
        )
        .await?;
        results.extend(done);
    }
    Ok(results)
}

async fn execute_object(
    client: &Client,
    ns: &str,
    namespace_exists: bool,
    p: &ObjectPlan,
    opts: &ApplyOptions,
    confirmed: bool,
) -> Result<ObjectResult> {
    let obj = &p.object;
    let result = |action: Action, rv: Option<String>| ObjectResult {
        namespace: ns.to_string(),
        kind: obj.kind().to_string(),
        name: obj.name().to_string(),
        action,
        resource_version: rv,
        dry_run: opts.server_dry_run,
    };
    if p.exists && (p.changes.is_empty() || opts.server_dry_run) {
        // The plan already asked the server (dry run) what would change.
        return Ok(result(p.action(), p.resource_version.clone()));
    }
    if p.exists && !confirmed && !opts.force_conflicts && !opts.server_dry_run {
        return Err(Error::InvalidInput(format!(
            "{} exists and would change; confirm with --yes",
            display_name(obj, ns)
        )));
    }
    let scope = scope(obj, ns);
    let api = api_for(client, obj, ns);
    if opts.server_dry_run && !namespace_exists && !matches!(obj, Object::Namespace(_)) {
        // Namespaced objects of a namespace that does not exist yet cannot be
        // dry-run by the server (NamespaceLifecycle); the Namespace itself is.
        return Ok(result(p.action(), None));
    }
    let mut pp = PatchParams::apply(&opts.field_manager);
    if opts.force_conflicts || confirmed {
        pp = pp.force();
    }
    if opts.server_dry_run {
        pp = pp.dry_run();
    }
    let applied = api
        .patch(obj.name(), &pp, &Patch::Apply(obj.to_value()))
        .await
        .map_err(|e| match e {
            kube::Error::Api(s) if s.code == 409 => Error::InvalidInput(format!(
                "{}: {}; rerun with --force-conflicts to take ownership of these fields",
                display_name(obj, ns),
                s.message
            )),
            e => Error::from_kube("patch", obj.resource(), scope.as_deref(), e),
        })?;
    let rv = applied.metadata.resource_version.clone();
    let action = if opts.server_dry_run {
        p.action()
    } else if !p.exists {
        let others = applied
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .any(|m| m.manager.as_deref() != Some(opts.field_manager.as_str()));
        // The controller-manager may have made the default ServiceAccount
        // between plan and apply.
        if others && matches!(obj, Object::ServiceAccount(_)) {
            Action::Configured
        } else {
            Action::Created
        }
    } else if rv == p.resource_version {
        Action::Unchanged
    } else {
        Action::Configured
    };
    Ok(result(action, rv))
}

/// `Namespace x` or `NetworkPolicy ns/name`.
fn display_name(obj: &Object, ns: &str) -> String {
    match obj {
        Object::Namespace(_) => format!("Namespace {ns}"),
        _ => format!("{} {ns}/{}", obj.kind(), obj.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_reports_changed_added_and_removed_leaves() {
        let a = json!({"metadata": {"labels": {"env": "dev", "x": "1"}}, "spec": {"hard": {"pods": "10"}}});
        let b = json!({"metadata": {"labels": {"env": "prod", "team": "a", "x": "1"}}, "spec": {}});
        let d = diff(&a, &b);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.contains(&FieldChange {
            path: "metadata.labels.env".into(),
            from: Some(json!("dev")),
            to: Some(json!("prod"))
        }));
        assert!(d.contains(&FieldChange {
            path: "metadata.labels.team".into(),
            from: None,
            to: Some(json!("a"))
        }));
        assert!(d.contains(&FieldChange {
            path: "spec.hard".into(),
            from: Some(json!({"pods": "10"})),
            to: None
        }));
    }

    fn plan_of(namespace_exists: bool, objects: Vec<(bool, usize)>) -> NamespacePlan {
        let bundle = crate::render::render(
            &crate::baseline::Baseline::builtin(),
            &crate::render::NamespaceSpec {
                name: "x".into(),
                profile: "app".into(),
                labels: [("env", "dev"), ("team", "t"), ("cost-center", "c")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                created_at: None,
                expires_at: None,
            },
        )
        .unwrap();
        NamespacePlan {
            namespace: "x".into(),
            profile: "app".into(),
            namespace_exists,
            objects: objects
                .into_iter()
                .zip(bundle.objects)
                .map(|((exists, changes), object)| ObjectPlan {
                    object,
                    exists,
                    resource_version: None,
                    changes: (0..changes)
                        .map(|i| FieldChange {
                            path: format!("f{i}"),
                            from: None,
                            to: Some(json!(i)),
                        })
                        .collect(),
                    conflict: None,
                })
                .collect(),
        }
    }

    #[test]
    fn only_changes_to_an_existing_namespace_need_confirmation() {
        assert!(!plan_of(false, vec![(false, 0), (false, 0)]).needs_confirmation());
        assert!(!plan_of(true, vec![(true, 0), (true, 0)]).needs_confirmation());
        assert!(plan_of(true, vec![(true, 1), (true, 0)]).needs_confirmation());
        // Adding a default deny or a quota to a namespace in use changes it too.
        assert!(plan_of(true, vec![(true, 0), (false, 0)]).needs_confirmation());
    }

    #[test]
    fn normalize_ignores_server_bookkeeping() {
        let a = json!({"metadata": {"name": "x", "resourceVersion": "1", "managedFields": [1], "uid": "u"}, "status": {"phase": "Active"}});
        let b = json!({"metadata": {"name": "x", "resourceVersion": "2", "generation": 3}});
        assert!(diff(&normalize(a), &normalize(b)).is_empty());
    }
}
