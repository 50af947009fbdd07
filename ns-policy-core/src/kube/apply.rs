//! Server-side apply of bundles: plan (GET + server-side dry-run, no
//! writes), check the permissions the run needs, then execute in waves.
//! Deletes nothing it did not create: a run that fails halfway undoes what
//! it created (and only that).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::{join_all, try_join_all};
use futures::StreamExt;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, ResourceRule, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    SelfSubjectRulesReview, SelfSubjectRulesReviewSpec,
};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams, Preconditions};
use kube::Client;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::inventory::Kind;
use crate::plan::{
    diff, normalize, rules_grant, Action, ApplyOptions, NamespacePlan, ObjectPlan, ObjectResult,
    Permission,
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
        // The objects of a namespace that does not exist yet cannot be
        // dry-run (NamespaceLifecycle refuses them); the Namespace itself
        // can: permission, admission and validation of it are asked now.
        if let Some(obj) = bundle
            .objects
            .iter()
            .find(|o| matches!(o, BundleObject::Namespace(_)))
        {
            let api = api_for(client, obj, ns);
            dry_apply(&api, obj, &opts.field_manager, false)
                .await
                .map_err(|e| Error::from_kube("create", &obj.resource(), None, e))?;
        }
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
        // Asked now, so a refusal (permission, admission, validation) comes
        // before anything is written.
        dry_apply(&api, obj, &opts.field_manager, false)
            .await
            .map_err(|e| Error::from_kube("create", &obj.resource(), scope.as_deref(), e))?;
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

/// What one namespace's apply wrote before it stopped.
struct Partial {
    namespace: String,
    done: Vec<ObjectResult>,
    error: Option<Error>,
}

/// Applies a plan: objects that exist and would not change are left alone
/// (their resourceVersion stays), the rest is server-side applied wave by
/// wave, objects of a wave concurrently. `confirmed` means the user accepted
/// the shown changes to existing objects, which takes ownership of the
/// fields other managers set (as `--force-conflicts` does). Without it, a
/// plan that would change an existing object is refused before anything is
/// written. A write that fails stops the apply and undoes what this call
/// created (see [`apply_all`]).
pub async fn execute(
    client: &Client,
    plan: &NamespacePlan,
    opts: &ApplyOptions,
    confirmed: bool,
) -> Result<Vec<ObjectResult>> {
    let confirmed_set: BTreeSet<String> = if confirmed {
        BTreeSet::from([plan.namespace.clone()])
    } else {
        BTreeSet::new()
    };
    apply_all(
        client,
        std::slice::from_ref(plan),
        opts,
        &confirmed_set,
        1,
        &|_| {},
    )
    .await
}

/// Applies every plan, `concurrency` namespaces at a time, and reports each
/// namespace done through `done`. Before the first write, every plan that
/// would change an existing object must be confirmed (in `confirmed`, or
/// `--force-conflicts`). If a write fails, no further namespace starts,
/// the writes in flight finish, and everything this call created (objects,
/// and namespaces with all they hold) is deleted again — never what existed
/// before — and the error says what was undone.
pub async fn apply_all(
    client: &Client,
    plans: &[NamespacePlan],
    opts: &ApplyOptions,
    confirmed: &BTreeSet<String>,
    concurrency: usize,
    done: &(dyn Fn(&str) + Sync),
) -> Result<Vec<ObjectResult>> {
    // Checked for every plan up front: found in a later wave or namespace,
    // it would leave the earlier ones applied.
    if !opts.force_conflicts && !opts.server_dry_run {
        for plan in plans.iter().filter(|p| !confirmed.contains(&p.namespace)) {
            if let Some(p) = plan
                .objects
                .iter()
                .find(|p| p.exists && !p.changes.is_empty())
            {
                return Err(Error::NeedsConfirmation {
                    object: p.object.display_name(&plan.namespace),
                });
            }
        }
    }
    let stop = AtomicBool::new(false);
    let stop = &stop;
    let partials: Vec<Partial> = futures::stream::iter(plans.iter().map(|plan| async move {
        if stop.load(Ordering::SeqCst) {
            return Partial {
                namespace: plan.namespace.clone(),
                done: Vec::new(),
                error: None,
            };
        }
        let partial = execute_waves(
            client,
            plan,
            opts,
            opts.force_conflicts || confirmed.contains(&plan.namespace),
            stop,
        )
        .await;
        if partial.error.is_some() {
            stop.store(true, Ordering::SeqCst);
        } else {
            done(&plan.namespace);
        }
        partial
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await;
    let mut results = Vec::new();
    let mut first_error = None;
    for p in partials {
        results.extend(p.done);
        if let (None, Some(e)) = (&first_error, p.error) {
            first_error = Some((p.namespace, e));
        }
    }
    let Some((namespace, error)) = first_error else {
        return Ok(results);
    };
    let created: Vec<&ObjectResult> = results
        .iter()
        .filter(|r| r.action == Action::Created && !r.dry_run)
        .collect();
    let rollback = rollback(client, &created).await;
    Err(Error::ApplyFailed {
        namespace,
        source: Box::new(error),
        rolled_back: rollback.deleted,
        left: rollback.failed,
    })
}

/// One plan, wave by wave; stops after a wave with a failed write (the
/// other writes of that wave finish, so what they created is known) or when
/// another namespace failed.
async fn execute_waves(
    client: &Client,
    plan: &NamespacePlan,
    opts: &ApplyOptions,
    confirmed: bool,
    stop: &AtomicBool,
) -> Partial {
    let ns = plan.namespace.as_str();
    let mut done: Vec<ObjectResult> = Vec::with_capacity(plan.objects.len());
    let mut waves: BTreeMap<u8, Vec<&ObjectPlan>> = BTreeMap::new();
    for p in &plan.objects {
        waves.entry(p.object.wave()).or_default().push(p);
    }
    for (_, wave) in waves {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let results = join_all(
            wave.into_iter()
                .map(|p| execute_object(client, ns, plan.namespace_exists, p, opts, confirmed)),
        )
        .await;
        let mut error = None;
        for r in results {
            match r {
                Ok(r) => done.push(r),
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        if error.is_some() {
            return Partial {
                namespace: ns.to_string(),
                done,
                error,
            };
        }
    }
    Partial {
        namespace: ns.to_string(),
        done,
        error: None,
    }
}

/// What a rollback deleted and what it could not.
struct Rollback {
    deleted: Vec<String>,
    failed: Vec<String>,
}

/// Deletes what this run created, newest first: a namespace it created goes
/// with everything in it; objects it created in namespaces that existed are
/// deleted one by one, each only if it is still the object this run made
/// (UID precondition). Transient errors are retried with backoff.
async fn rollback(client: &Client, created: &[&ObjectResult]) -> Rollback {
    let new_namespaces: BTreeSet<&str> = created
        .iter()
        .filter(|r| r.kind == "Namespace")
        .map(|r| r.namespace.as_str())
        .collect();
    let mut targets: Vec<&ObjectResult> = created
        .iter()
        .copied()
        .filter(|r| r.kind == "Namespace" || !new_namespaces.contains(r.namespace.as_str()))
        .collect();
    // Objects before their namespaces; the default deny and quota (last
    // wave) before the allows they guard.
    targets.sort_by_key(|r| std::cmp::Reverse(wave_of_kind(&r.kind, &r.name)));
    let mut out = Rollback {
        deleted: Vec::new(),
        failed: Vec::new(),
    };
    for r in targets {
        let label = if r.kind == "Namespace" {
            format!("namespace/{}", r.namespace)
        } else {
            format!("{}/{} in {}", r.kind.to_lowercase(), r.name, r.namespace)
        };
        match delete_created(client, r).await {
            Ok(()) => out.deleted.push(label),
            Err(e) => out.failed.push(format!("{label} ({e})")),
        }
    }
    out
}

fn wave_of_kind(kind: &str, name: &str) -> u8 {
    match kind {
        "Namespace" => 0,
        "ResourceQuota" => 2,
        "NetworkPolicy" if name == crate::reserved::DEFAULT_DENY => 2,
        _ => 1,
    }
}

async fn delete_created(client: &Client, r: &ObjectResult) -> Result<()> {
    let Some(kind) = Kind::named(&r.kind) else {
        return Ok(());
    };
    let ar = super::api_resource(kind);
    let api: Api<DynamicObject> = if kind.info().namespaced {
        Api::namespaced_with(client.clone(), &r.namespace, &ar)
    } else {
        Api::all_with(client.clone(), &ar)
    };
    let name = if kind == Kind::Namespace {
        r.namespace.as_str()
    } else {
        r.name.as_str()
    };
    let mut dp = DeleteParams::background();
    if let Some(uid) = &r.uid {
        dp.preconditions = Some(Preconditions {
            uid: Some(uid.clone()),
            resource_version: None,
        });
    }
    let scope = kind.info().namespaced.then_some(r.namespace.as_str());
    super::retry::with_backoff(|| async {
        match api.delete(name, &dp).await {
            Ok(_) => Ok(()),
            // Gone already, or replaced by someone else's object: not ours.
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(|e| Error::from_kube("delete", &kind.resource(), scope, e))
}

/// The permissions `plans` need that the caller lacks, asked before anything
/// is written. Namespaces that exist were asked already by the plan's
/// server-side dry runs; for a namespace that does not exist yet, one
/// SelfSubjectRulesReview says most, and each permission it does not show
/// is asked with a SelfSubjectAccessReview. When the API server answers
/// neither (an old server, no permission to ask), nothing can be told and
/// nothing is reported: the rollback still undoes a failed run.
pub async fn missing_permissions(
    client: &Client,
    plans: &[NamespacePlan],
) -> Result<Vec<Permission>> {
    let new: Vec<&NamespacePlan> = plans.iter().filter(|p| !p.namespace_exists).collect();
    let checks = new.iter().map(|plan| async move {
        let needs = plan.permissions();
        let rules = rules_review(client, &plan.namespace).await;
        let unsure: Vec<Permission> = needs
            .into_iter()
            .filter(|p| match &rules {
                Some((rules, false)) => !rules_grant(rules, p),
                _ => true,
            })
            .collect();
        let answers = join_all(unsure.into_iter().map(|p| async move {
            let allowed = access_review(client, &p).await;
            (p, allowed)
        }))
        .await;
        answers
            .into_iter()
            .filter_map(|(p, allowed)| (allowed == Some(false)).then_some(p))
            .collect::<Vec<_>>()
    });
    let mut missing: Vec<Permission> = futures::stream::iter(checks)
        .buffer_unordered(8)
        .collect::<Vec<Vec<Permission>>>()
        .await
        .into_iter()
        .flatten()
        .collect();
    missing.sort();
    missing.dedup();
    Ok(missing)
}

/// The rules the caller has in a namespace and whether the list is
/// incomplete; `None` when the server does not answer.
async fn rules_review(client: &Client, namespace: &str) -> Option<(Vec<ResourceRule>, bool)> {
    let api: Api<SelfSubjectRulesReview> = Api::all(client.clone());
    let review = SelfSubjectRulesReview {
        spec: SelfSubjectRulesReviewSpec {
            namespace: Some(namespace.to_string()),
        },
        ..Default::default()
    };
    let status = api
        .create(&PostParams::default(), &review)
        .await
        .ok()?
        .status?;
    Some((status.resource_rules, status.incomplete))
}

/// Whether the caller may do `p`; `None` when the server does not answer.
async fn access_review(client: &Client, p: &Permission) -> Option<bool> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: p.namespace.clone(),
                verb: Some(p.verb.clone()),
                group: Some(p.group.clone()),
                resource: Some(p.resource.clone()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let status = api
        .create(&PostParams::default(), &review)
        .await
        .ok()?
        .status?;
    Some(status.allowed)
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
        uid: None,
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
                object: obj.display_name(ns),
                message: s.message,
            },
            e => Error::from_kube("patch", &obj.resource(), scope.as_deref(), e),
        })?;
    let rv = applied.metadata.resource_version.clone();
    let uid = applied.metadata.uid.clone();
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
    Ok(ObjectResult {
        uid,
        ..result(action, rv)
    })
}
