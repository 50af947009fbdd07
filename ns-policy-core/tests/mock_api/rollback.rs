//! A write that fails halfway: what the run created is deleted again (and
//! only that), transient errors of the deletes are retried, and the
//! permissions a new namespace needs are asked before the first write.

use super::*;

fn invalid(message: &str) -> Reply {
    status(422, "Invalid", message)
}

fn is_quota(o: &BundleObject) -> bool {
    o.kind() == "ResourceQuota"
}

#[tokio::test]
async fn a_write_refused_halfway_deletes_the_namespace_the_run_created_and_says_so() {
    let plan = plan_of(false, |_| (false, 0));
    let mut steps = Vec::new();
    for p in &plan.objects {
        let reply = if is_quota(&p.object) {
            invalid("ResourceQuota \"ns-policy-quota\" is invalid: spec.hard[requests.cpu]: Invalid value: \"-1\": must be greater than or equal to 0")
        } else {
            Reply::Echo
        };
        steps.push(step(Method::PATCH, object_path(&p.object), reply));
    }
    // The default deny shares the quota's wave: it is written too, then
    // goes with its namespace.
    steps.push(step(
        Method::DELETE,
        "/api/v1/namespaces/team-a",
        ok(json!({"kind": "Status", "status": "Success"})),
    ));
    let (result, seen) = with_api(steps, |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), false).await
    })
    .await;
    let err = result.expect_err("the quota is refused");
    let Error::ApplyFailed {
        namespace,
        source,
        rolled_back,
        left,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(namespace, "team-a");
    assert_eq!(source.status_code(), Some(422), "{source:?}");
    assert_eq!(rolled_back, &["namespace/team-a"]);
    assert!(left.is_empty(), "{left:?}");
    let text = err.to_string();
    assert!(
        text.contains("rolled back what this run had created: namespace/team-a"),
        "{text}"
    );
    let delete = seen
        .iter()
        .find(|r| r.method == Method::DELETE)
        .expect("deleted");
    assert_eq!(
        delete.body["preconditions"]["uid"], "uid-team-a",
        "only the namespace this run created: {:?}",
        delete.body
    );
    // Objects of a namespace that is deleted are not deleted one by one.
    assert_eq!(
        seen.iter().filter(|r| r.method == Method::DELETE).count(),
        1
    );
}

#[tokio::test]
async fn in_an_existing_namespace_only_the_objects_the_run_created_are_deleted() {
    // Everything exists and is unchanged but the default deny and the quota.
    let plan = plan_of(true, |o| {
        (
            !(is_quota(o) || is_named(o, "NetworkPolicy", "default-deny")),
            0,
        )
    });
    let deny = plan
        .objects
        .iter()
        .find(|p| is_named(&p.object, "NetworkPolicy", "default-deny"))
        .expect("deny");
    let quota = plan
        .objects
        .iter()
        .find(|p| is_quota(&p.object))
        .expect("quota");
    let steps = vec![
        step(Method::PATCH, object_path(&deny.object), Reply::Echo),
        step(
            Method::PATCH,
            object_path(&quota.object),
            status(403, "Forbidden", "resourcequotas is forbidden: User \"dev\" cannot patch resource \"resourcequotas\""),
        ),
        step(
            Method::DELETE,
            object_path(&deny.object),
            ok(json!({"kind": "Status", "status": "Success"})),
        ),
    ];
    let (result, seen) = with_api(steps, |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), true).await
    })
    .await;
    let err = result.expect_err("the quota is forbidden");
    let Error::ApplyFailed { rolled_back, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(rolled_back, &["networkpolicy/default-deny in team-a"]);
    let deletes: Vec<&Seen> = seen.iter().filter(|r| r.method == Method::DELETE).collect();
    assert_eq!(deletes.len(), 1, "the namespace and what existed stay");
    assert_eq!(deletes[0].body["preconditions"]["uid"], "uid-default-deny");
}

#[tokio::test(start_paused = true)]
async fn rollback_deletes_are_retried_across_transient_errors() {
    let plan = plan_of(false, |_| (false, 0));
    let mut steps = Vec::new();
    for p in &plan.objects {
        let reply = if is_quota(&p.object) {
            invalid("refused")
        } else {
            Reply::Echo
        };
        steps.push(step(Method::PATCH, object_path(&p.object), reply));
    }
    steps.push(step(
        Method::DELETE,
        "/api/v1/namespaces/team-a",
        status(503, "ServiceUnavailable", "etcdserver: leader changed"),
    ));
    steps.push(step(
        Method::DELETE,
        "/api/v1/namespaces/team-a",
        status(429, "TooManyRequests", "slow down"),
    ));
    steps.push(step(
        Method::DELETE,
        "/api/v1/namespaces/team-a",
        ok(json!({"kind": "Status", "status": "Success"})),
    ));
    let (result, seen) = with_api(steps, |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), false).await
    })
    .await;
    let err = result.expect_err("refused");
    let Error::ApplyFailed {
        rolled_back, left, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(rolled_back, &["namespace/team-a"], "{err}");
    assert!(left.is_empty());
    assert_eq!(
        seen.iter().filter(|r| r.method == Method::DELETE).count(),
        3
    );
}

#[tokio::test]
async fn a_rollback_that_cannot_delete_names_what_is_left() {
    let plan = plan_of(false, |_| (false, 0));
    let mut steps = Vec::new();
    for p in &plan.objects {
        let reply = if is_quota(&p.object) {
            invalid("refused")
        } else {
            Reply::Echo
        };
        steps.push(step(Method::PATCH, object_path(&p.object), reply));
    }
    steps.push(step(
        Method::DELETE,
        "/api/v1/namespaces/team-a",
        status(
            403,
            "Forbidden",
            "namespaces \"team-a\" is forbidden: User \"dev\" cannot delete",
        ),
    ));
    let (result, _) = with_api(steps, |c| async move {
        apply::execute(&c, &plan, &ApplyOptions::default(), false).await
    })
    .await;
    let err = result.expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("could NOT delete what this run created: namespace/team-a"),
        "{text}"
    );
}

fn review_reply(rules: Value) -> Reply {
    ok(json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {},
        "status": {"resourceRules": rules, "nonResourceRules": [], "incomplete": false},
    }))
}

fn access_reply(allowed: bool) -> Reply {
    ok(json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {},
        "status": {"allowed": allowed},
    }))
}

#[tokio::test]
async fn permissions_of_a_new_namespace_are_asked_before_anything_is_written() {
    let plan = plan_of(false, |_| (false, 0));
    // May do everything but roles; a rule limited to resourceNames does not
    // count, so rolebindings are asked one by one.
    let rules = json!([
        {"verbs": ["create", "patch"], "apiGroups": [""], "resources": ["namespaces", "serviceaccounts", "limitranges", "resourcequotas"]},
        {"verbs": ["*"], "apiGroups": ["networking.k8s.io"], "resources": ["*"]},
        {"verbs": ["create", "patch"], "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "resourceNames": ["x"]},
    ]);
    let reviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    let steps = vec![
        step(
            Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            review_reply(rules),
        ),
        step(Method::POST, reviews, access_reply(false)),
        step(Method::POST, reviews, access_reply(false)),
        step(Method::POST, reviews, access_reply(true)),
        step(Method::POST, reviews, access_reply(true)),
    ];
    let plans = vec![plan];
    let (missing, seen) = with_api(steps, |c| async move {
        apply::missing_permissions(&c, &plans).await
    })
    .await;
    let missing = missing.expect("asked");
    assert!(seen.iter().all(|r| r.method == Method::POST), "no write");
    let asked: Vec<String> = seen
        .iter()
        .filter(|r| r.path == reviews)
        .map(|r| {
            let a = &r.body["spec"]["resourceAttributes"];
            format!(
                "{} {} -n {}",
                a["verb"].as_str().unwrap(),
                a["resource"].as_str().unwrap(),
                a["namespace"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "create roles -n team-a",
        "patch roles -n team-a",
        "create rolebindings -n team-a",
        "patch rolebindings -n team-a",
    ] {
        assert!(
            asked.iter().any(|a| a == want),
            "{want} not asked: {asked:?}"
        );
    }
    // The answers came in request order; two of the four were refusals.
    assert_eq!(missing.len(), 2, "{missing:?}");
    let text: Vec<String> = missing.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .all(|t| t.ends_with("-n team-a") && t.contains("rbac.authorization.k8s.io")),
        "{text:?}"
    );
}

#[tokio::test]
async fn without_review_apis_nothing_is_reported_missing() {
    let plan = plan_of(false, |_| (false, 0));
    let needs = plan.permissions().len();
    let mut steps = vec![step(
        Method::POST,
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    )];
    for _ in 0..needs {
        steps.push(step(
            Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            status(403, "Forbidden", "cannot create selfsubjectaccessreviews"),
        ));
    }
    let plans = vec![plan];
    let (missing, _) = with_api(steps, |c| async move {
        apply::missing_permissions(&c, &plans).await
    })
    .await;
    assert!(missing.expect("no error").is_empty());
}
