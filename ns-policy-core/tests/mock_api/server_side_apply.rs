//! Server-side apply: field manager, content type, dry-run plans, conflicts,
//! forbidden writes, confirmation.

use super::*;

#[tokio::test]
async fn server_side_apply_sends_the_field_manager_and_apply_patch_content_type() {
    let (results, seen) = apply_new_namespace(ApplyOptions::default(), false).await;
    assert_eq!(seen.len(), 10, "one PATCH per object: {seen:#?}");
    for req in &seen {
        assert_eq!(req.method, Method::PATCH);
        assert_eq!(req.param("fieldManager"), Some("kubectl-ns-policy"));
        assert_eq!(
            req.content_type.as_deref(),
            Some("application/apply-patch+yaml")
        );
        assert_eq!(req.param("force"), None, "{} was forced", req.path);
        assert_eq!(req.param("dryRun"), None);
        assert!(req.body["kind"].is_string() && req.body["apiVersion"].is_string());
    }
    // Waves: the Namespace first, the default deny after every allow policy.
    assert_eq!(seen[0].path, "/api/v1/namespaces/team-a");
    assert_eq!(seen[0].body["kind"], "Namespace");
    let at = |path: &str| {
        seen.iter()
            .position(|r| r.path == path)
            .unwrap_or_else(|| panic!("no PATCH of {path}"))
    };
    let policies = "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies";
    let deny = at(&format!("{policies}/default-deny"));
    for allow in [
        "allow-dns",
        "allow-same-namespace",
        "allow-ingress-controller",
    ] {
        assert!(at(&format!("{policies}/{allow}")) < deny, "{allow}");
    }
    assert!(
        at("/api/v1/namespaces/team-a/limitranges/ns-policy-limits")
            < at("/api/v1/namespaces/team-a/resourcequotas/ns-policy-quota")
    );
    assert_eq!(results.len(), 10);
    assert!(results
        .iter()
        .all(|r| r.action == Action::Created && !r.dry_run && r.namespace == NS));
    assert!(results
        .iter()
        .all(|r| r.resource_version.as_deref() == Some("1")));

    // Confirmed, or --force-conflicts: every apply takes the fields over.
    for (opts, confirmed) in [
        (ApplyOptions::default(), true),
        (
            ApplyOptions {
                force_conflicts: true,
                ..ApplyOptions::default()
            },
            false,
        ),
    ] {
        let (_, seen) = apply_new_namespace(opts, confirmed).await;
        assert_eq!(seen.len(), 10);
        assert!(seen.iter().all(|r| r.param("force") == Some("true")));
    }

    // --dry-run=server: only the Namespace can be asked, with dryRun=All.
    let opts = ApplyOptions {
        server_dry_run: true,
        ..ApplyOptions::default()
    };
    let (results, seen) = apply_new_namespace(opts, false).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].param("dryRun"), Some("All"));
    assert_eq!(seen[0].param("fieldManager"), Some("kubectl-ns-policy"));
    assert_eq!(results.len(), 10);
    assert!(results
        .iter()
        .all(|r| r.dry_run && r.action == Action::Created));
}

#[tokio::test]
async fn plan_of_an_existing_namespace_uses_a_server_side_dry_run_and_never_writes() {
    let bundle = bundle();
    let existing = existing_namespace();
    let desired = |kind: &str, name: &str| {
        bundle
            .objects
            .iter()
            .find(|o| is_named(o, kind, name))
            .expect("in the bundle")
            .to_value()
    };
    let mut ns_after = serde_json::to_value(&existing).expect("json");
    for (k, v) in desired("Namespace", NS)["metadata"]["labels"]
        .as_object()
        .expect("labels")
    {
        ns_after["metadata"]["labels"][k] = v.clone();
    }
    let sa_now = stored(
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": NS}}),
        "10",
        "kube-controller-manager",
    );
    let sa_after = stored(
        desired("ServiceAccount", "default"),
        "10",
        "kubectl-ns-policy",
    );
    let limits = stored(
        desired("LimitRange", "ns-policy-limits"),
        "11",
        "kubectl-ns-policy",
    );
    let mut steps = Vec::new();
    for obj in &bundle.objects {
        let path = object_path(obj);
        match obj {
            // Read by the caller: only the dry run.
            BundleObject::Namespace(_) => {
                steps.push(step(Method::PATCH, path, ok(ns_after.clone())))
            }
            BundleObject::ServiceAccount(_) => {
                steps.push(step(Method::GET, &path, ok(sa_now.clone())));
                steps.push(step(Method::PATCH, path, ok(sa_after.clone())));
            }
            BundleObject::LimitRange(_) => {
                steps.push(step(Method::GET, &path, ok(limits.clone())));
                steps.push(step(Method::PATCH, path, ok(limits.clone())));
            }
            // Not there yet: its creation is dry-run too, so a refusal
            // comes before the first write.
            _ => {
                steps.push(step(
                    Method::GET,
                    &path,
                    not_found(&obj.resource(), obj.name()),
                ));
                steps.push(step(Method::PATCH, path, Reply::Echo));
            }
        }
    }
    let objects = bundle.objects.len();
    let (plan, seen) = with_api(steps, |c| async move {
        apply::plan(&c, &bundle, Some(&existing), &ApplyOptions::default()).await
    })
    .await;
    let plan = plan.expect("plan");

    assert!(seen
        .iter()
        .all(|r| r.method == Method::GET || r.method == Method::PATCH));
    let patches: Vec<&Seen> = seen.iter().filter(|r| r.method == Method::PATCH).collect();
    assert_eq!(patches.len(), objects, "every object is dry-run");
    for p in patches {
        assert_eq!(p.param("dryRun"), Some("All"), "{} was written", p.path);
        assert_eq!(p.param("fieldManager"), Some("kubectl-ns-policy"));
        assert_eq!(p.param("force"), None);
        assert_eq!(
            p.content_type.as_deref(),
            Some("application/apply-patch+yaml")
        );
    }
    assert!(!seen
        .iter()
        .any(|r| r.method == Method::GET && r.path == "/api/v1/namespaces/team-a"));

    assert!(plan.namespace_exists && plan.needs_confirmation());
    let of = |kind: &str, name: &str| {
        plan.objects
            .iter()
            .find(|p| is_named(&p.object, kind, name))
            .expect("planned")
    };
    let ns = of("Namespace", NS);
    assert!(ns.exists);
    assert!(ns
        .changes
        .iter()
        .any(|c| c.path == "metadata.labels.ns-policy.io/profile"
            && c.from.is_none()
            && c.to == Some(json!("app"))));
    let sa = of("ServiceAccount", "default");
    assert!(sa.exists);
    assert_eq!(sa.resource_version.as_deref(), Some("10"));
    assert!(sa.changes.contains(&FieldChange {
        path: "automountServiceAccountToken".into(),
        from: None,
        to: Some(json!(false)),
    }));
    let lr = of("LimitRange", "ns-policy-limits");
    assert!(lr.exists && lr.changes.is_empty(), "{:?}", lr.changes);
    assert_eq!(lr.action(), Action::Unchanged);
    let deny = of("NetworkPolicy", "default-deny");
    assert!(!deny.exists);
    assert_eq!(deny.action(), Action::Created);
}

#[tokio::test]
async fn a_conflicting_dry_run_is_retried_forced_and_reported_in_the_plan() {
    let bundle = bundle();
    let existing = existing_namespace();
    let conflict = "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .metadata.labels.env";
    let mut steps = vec![
        step(
            Method::PATCH,
            "/api/v1/namespaces/team-a",
            status(409, "Conflict", conflict),
        ),
        step(
            Method::PATCH,
            "/api/v1/namespaces/team-a",
            ok(serde_json::to_value(&existing).expect("json")),
        ),
    ];
    for obj in bundle.objects.iter().skip(1) {
        steps.push(step(
            Method::GET,
            object_path(obj),
            not_found(&obj.resource(), obj.name()),
        ));
        steps.push(step(Method::PATCH, object_path(obj), Reply::Echo));
    }
    let (plan, seen) = with_api(steps, |c| async move {
        apply::plan(&c, &bundle, Some(&existing), &ApplyOptions::default()).await
    })
    .await;
    let plan = plan.expect("plan");
    let patches: Vec<&Seen> = seen
        .iter()
        .filter(|r| r.method == Method::PATCH && r.path == "/api/v1/namespaces/team-a")
        .collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0].param("force"), None);
    assert_eq!(patches[1].param("force"), Some("true"));
    assert!(patches.iter().all(|p| p.param("dryRun") == Some("All")));
    assert_eq!(plan.objects[0].conflict.as_deref(), Some(conflict));
}

#[tokio::test]
async fn conflict_on_apply_is_a_typed_conflict_error() {
    let plan = plan_of(false, |_| (false, 0));
    let message = "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .metadata.labels.env";
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        status(409, "Conflict", message),
    )];
    let (result, seen) = with_api(steps, |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), false).await
    })
    .await;
    let err = result.expect_err("a conflict fails the apply");
    let Error::ApplyFailed {
        source,
        rolled_back,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        matches!(&**source, Error::Conflict { object, message: m } if object == "Namespace team-a" && m == message),
        "{err:?}"
    );
    assert!(rolled_back.is_empty(), "nothing was created: {err}");
    assert!(
        err.to_string().contains("nothing had been created"),
        "{err}"
    );
    assert!(err.to_string().contains("another field manager"), "{err}");
    assert_eq!(seen.len(), 1, "nothing applied after the Namespace failed");
    assert_eq!(seen[0].param("force"), None);
}

#[tokio::test]
async fn forbidden_apply_names_the_permission_and_can_i_hint() {
    // An existing namespace that only lacks its default deny.
    let plan = plan_of(true, |o| (!is_named(o, "NetworkPolicy", "default-deny"), 0));
    let steps = vec![step(
        Method::PATCH,
        "/apis/networking.k8s.io/v1/namespaces/team-a/networkpolicies/default-deny",
        status(
            403,
            "Forbidden",
            "networkpolicies.networking.k8s.io \"default-deny\" is forbidden: User \"dev\" cannot patch resource \"networkpolicies\" in API group \"networking.k8s.io\" in the namespace \"team-a\"",
        ),
    )];
    let (result, _) = with_api(steps, |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), true).await
    })
    .await;
    let err = result.expect_err("forbidden");
    let Error::ApplyFailed { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(&**source, Error::Forbidden { verb, resource, .. } if verb == "patch" && resource == "networkpolicies.networking.k8s.io"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("kubectl auth can-i patch networkpolicies.networking.k8s.io -n team-a"),
        "{text}"
    );
    assert!(text.contains("User \"dev\" cannot patch"), "{text}");
}

#[tokio::test]
async fn changes_to_an_existing_object_need_confirmation() {
    // The ServiceAccount (wave 1) is missing, the quota (wave 2) would
    // change: refused before the first wave is written.
    let plan = plan_of(true, |o| {
        (
            !is_named(o, "ServiceAccount", "default"),
            usize::from(is_named(o, "ResourceQuota", "ns-policy-quota")),
        )
    });
    let (result, seen) = with_api(Vec::new(), |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), false).await
    })
    .await;
    let err = result.expect_err("needs confirmation");
    assert!(
        matches!(&err, Error::NeedsConfirmation { object } if object == "ResourceQuota team-a/ns-policy-quota"),
        "{err:?}"
    );
    assert!(seen.is_empty(), "nothing may be written: {seen:#?}");
}
