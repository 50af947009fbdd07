//! Bundles and plans the apply tests start from.

use super::*;

pub(crate) const NS: &str = "team-a";

pub(crate) fn bundle() -> Bundle {
    render::render(
        &Baseline::builtin(),
        &NamespaceSpec {
            name: NS.into(),
            profile: "app".into(),
            labels: [("env", "dev"), ("team", "a"), ("cost-center", "cc-1")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_at: None,
            expires_at: None,
            ..Default::default()
        },
    )
    .expect("the built-in app profile renders")
}

/// The plan of the bundle; `state` tells for each object whether it exists
/// and how many fields would change.
pub(crate) fn plan_of(
    namespace_exists: bool,
    state: impl Fn(&BundleObject) -> (bool, usize),
) -> NamespacePlan {
    let bundle = bundle();
    NamespacePlan {
        namespace: bundle.namespace,
        profile: bundle.profile,
        namespace_exists,
        objects: bundle
            .objects
            .into_iter()
            .map(|object| {
                let (exists, changes) = state(&object);
                ObjectPlan {
                    exists,
                    resource_version: exists.then(|| "7".to_string()),
                    changes: (0..changes)
                        .map(|i| FieldChange {
                            path: format!("spec.f{i}"),
                            from: None,
                            to: Some(json!(i)),
                        })
                        .collect(),
                    conflict: None,
                    object,
                }
            })
            .collect(),
    }
}

pub(crate) fn is_named(object: &BundleObject, kind: &str, name: &str) -> bool {
    object.kind() == kind && object.name() == name
}

/// The URL path of a bundle object.
pub(crate) fn object_path(object: &BundleObject) -> String {
    let i = object.kind_id().info();
    let base = if i.group.is_empty() {
        format!("/api/{}", i.version)
    } else {
        format!("/apis/{}/{}", i.group, i.version)
    };
    match object {
        BundleObject::Namespace(_) => format!("{base}/namespaces/{NS}"),
        _ => format!("{base}/namespaces/{NS}/{}/{}", i.plural, object.name()),
    }
}

/// Executes the plan of a new namespace against a server that accepts every
/// apply.
pub(crate) async fn apply_new_namespace(
    opts: ApplyOptions,
    confirmed: bool,
) -> (Vec<ns_policy_core::plan::ObjectResult>, Vec<Seen>) {
    let plan = plan_of(false, |_| (false, 0));
    let expected = if opts.server_dry_run {
        // Only the Namespace can be dry-run before it exists.
        vec![step(
            Method::PATCH,
            object_path(&plan.objects[0].object),
            Reply::Echo,
        )]
    } else {
        plan.objects
            .iter()
            .map(|p| step(Method::PATCH, object_path(&p.object), Reply::Echo))
            .collect()
    };
    let (results, seen) = with_api(expected, |c| async move {
        apply::execute(&c, &plan, &opts, confirmed).await
    })
    .await;
    (results.expect("apply succeeds"), seen)
}

/// The namespace as it exists: labelled by hand, without our labels.
pub(crate) fn existing_namespace() -> Namespace {
    serde_json::from_value(stored(
        json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": NS,
                "labels": {"kubernetes.io/metadata.name": NS, "env": "dev", "team": "a", "cost-center": "cc-1"},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }),
        "5",
        "kubectl-create",
    ))
    .expect("namespace")
}
