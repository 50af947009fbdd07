//! Server-side apply of bundles: plan (GET + server-side dry-run, no writes),
//! then execute in waves. Never deletes anything.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::Client;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::plan::{
    diff, display_name, normalize, Action, ApplyOptions, NamespacePlan, ObjectPlan, ObjectResult,
};
use crate::render::{Bundle, BundleObject};

fn api_for(client: &Client, obj: &BundleObject, namespace: &str) -> Api<DynamicObject> {
    let ar = super::api_resource(obj.kind_id());
    match obj {
        BundleObject::Namespace(_) => Api::all_with(client.clone(), &ar),
        _ => Api::namespaced_with(client.clone(), namespace, &ar),
    }
}

fn scope(obj: &BundleObject, namespace: &str) -> Option<String> {
    match obj {
        BundleObject::Namespace(_) => None,
        _ => Some(namespace.to_string()),
    }
}

async fn dry_apply(
    api: &Api<DynamicObject>,
    obj: &BundleObject,
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
    obj: &BundleObject,
    ns: &str,
    existing_ns: Option<&Namespace>,
    opts: &ApplyOptions,
) -> Result<ObjectPlan> {
    let api = api_for(client, obj, ns);
    let scope = scope(obj, ns);
    let current = match (obj, existing_ns) {
        // The caller has just read the namespace.
        (BundleObject::Namespace(_), Some(n)) => Some(
            serde_json::from_value::<DynamicObject>(serde_json::to_value(n).unwrap_or_default())
                .map_err(|e| Error::Request {
                    what: format!("plan of namespace {ns}"),
                    message: e.to_string(),
                })?,
        ),
        _ => api
            .get_opt(obj.name())
            .await
            .map_err(|e| Error::from_kube("get", &obj.resource(), scope.as_deref(), e))?,
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
                .map_err(|e| Error::from_kube("patch", &obj.resource(), scope.as_deref(), e))?
        }
        Err(e) => {
            return Err(Error::from_kube(
                "patch",
                &obj.resource(),
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
/// fields other managers set (as `--force-conflicts` does). Without it, a
/// plan that would change an existing object is refused before anything is
/// written.
pub async fn execute(
    client: &Client,
    plan: &NamespacePlan,
    opts: &ApplyOptions,
    confirmed: bool,
) -> Result<Vec<ObjectResult>> {
    let ns = plan.namespace.as_str();
    // Checked for the whole plan up front: found in a later wave, it would
    // leave the earlier waves applied.
    if !confirmed && !opts.force_conflicts && !opts.server_dry_run {
        if let Some(p) = plan
            .objects
            .iter()
            .find(|p| p.exists && !p.changes.is_empty())
        {
            return Err(Error::NeedsConfirmation {
                object: display_name(&p.object, ns),
            });
        }
    }
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
    let scope = scope(obj, ns);
    let api = api_for(client, obj, ns);
    if opts.server_dry_run && !namespace_exists && !matches!(obj, BundleObject::Namespace(_)) {
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
            kube::Error::Api(s) if s.code == 409 => Error::Conflict {
                object: display_name(obj, ns),
                message: s.message,
            },
            e => Error::from_kube("patch", &obj.resource(), scope.as_deref(), e),
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
        if others && matches!(obj, BundleObject::ServiceAccount(_)) {
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
