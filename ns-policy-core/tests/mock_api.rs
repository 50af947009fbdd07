//! The wire details of the I/O edge (`ns_policy_core::kube`), against a mock
//! API server (kube-rs style: a `tower_test` mock service behind a real
//! `kube::Client`). Each test scripts the requests it expects, answers them
//! as an API server would, and asserts on what was sent and on the result.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use http::{Method, Request, Response};
use k8s_openapi::api::core::v1::Namespace;
use kube::client::Body;
use kube::Client;
use serde_json::{json, Value};

use ns_policy_core::baseline::Baseline;
use ns_policy_core::inventory::{Access, Inventory};
use ns_policy_core::kube::{apply, gc, list, probe, psa};
use ns_policy_core::netpol::{Evaluator, Protocol};
use ns_policy_core::plan::{Action, ApplyOptions, FieldChange, NamespacePlan, ObjectPlan};
use ns_policy_core::probe::{ProbeOptions, ProbePlan, Role};
use ns_policy_core::render::{self, Bundle, BundleObject, NamespaceSpec};
use ns_policy_core::Error;

// ------------------------------------------------------------------------
// The mock API server
// ------------------------------------------------------------------------

/// A request the mock API server received.
#[derive(Debug)]
struct Seen {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    /// The JSON body (`Null` when empty).
    body: Value,
}

impl Seen {
    /// The value of a query parameter.
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the mock answers to one request.
enum Reply {
    /// A JSON body with a status code and `Warning` headers.
    Json {
        code: u16,
        warnings: Vec<String>,
        body: Value,
    },
    /// The request's body as the server would store it: what a create or a
    /// server-side apply of a new object answers.
    Echo,
    /// No answer ever (a server that stalls).
    Hang,
}

impl Reply {
    fn with_warning(mut self, text: &str) -> Self {
        if let Reply::Json { warnings, .. } = &mut self {
            warnings.push(text.to_string());
        }
        self
    }
}

/// 200 with a JSON body.
fn ok(body: Value) -> Reply {
    Reply::Json {
        code: 200,
        warnings: Vec::new(),
        body,
    }
}

/// An error answer: a `v1` Status.
fn status(code: u16, reason: &str, message: &str) -> Reply {
    Reply::Json {
        code,
        warnings: Vec::new(),
        body: json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }),
    }
}

fn not_found(resource: &str, name: &str) -> Reply {
    status(404, "NotFound", &format!("{resource} \"{name}\" not found"))
}

/// A list answer; an empty `continue` ends the pagination.
fn list_of(kind: &str, items: Vec<Value>, continue_token: &str) -> Reply {
    ok(json!({
        "kind": kind,
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "4711", "continue": continue_token},
        "items": items,
    }))
}

/// `object` with what the API server adds when it stores it.
fn stored(mut object: Value, resource_version: &str, manager: &str) -> Value {
    let meta = &mut object["metadata"];
    meta["uid"] = json!(format!("uid-{resource_version}"));
    meta["resourceVersion"] = json!(resource_version);
    meta["creationTimestamp"] = json!("2025-01-01T00:00:00Z");
    meta["managedFields"] = json!([{"manager": manager, "operation": "Apply"}]);
    object
}

/// One expected request (method and exact path) and its answer.
struct Step {
    method: Method,
    path: String,
    reply: Reply,
}

fn step(method: Method, path: impl Into<String>, reply: Reply) -> Step {
    Step {
        method,
        path: path.into(),
        reply,
    }
}

/// Runs `test` with a client whose API server answers from `steps`: each
/// request takes the first unused step of its method and path (so
/// concurrent requests may come in any order). A request that no step
/// expects, or a step never requested, fails the test. Returns what `test`
/// returned and every request in the order they came.
async fn with_api<T, F, Fut>(steps: Vec<Step>, test: F) -> (T, Vec<Seen>)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = T>,
{
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let server = tokio::spawn(serve(handle, steps));
    // The client (and with it the mock service) is dropped when `test` ends,
    // which ends the server.
    let out = test(Client::new(service, "default")).await;
    let seen = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the mock API server did not end: a client is still alive")
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    (out, seen)
}

async fn serve(
    mut handle: tower_test::mock::Handle<Request<Body>, Response<Body>>,
    steps: Vec<Step>,
) -> Vec<Seen> {
    let mut steps: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let mut seen = Vec::new();
    let mut stalled = Vec::new();
    while let Some((request, send)) = handle.next_request().await {
        let (parts, body) = request.into_parts();
        let bytes = body.collect_bytes().await.expect("request body");
        let req = Seen {
            method: parts.method,
            path: parts.uri.path().to_string(),
            query: form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            content_type: parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        };
        let Some(step) = steps
            .iter_mut()
            .find(|s| {
                s.as_ref()
                    .is_some_and(|s| s.method == req.method && s.path == req.path)
            })
            .and_then(Option::take)
        else {
            panic!("unexpected request {} {}", req.method, parts.uri);
        };
        let (code, warnings, body) = match step.reply {
            Reply::Json {
                code,
                warnings,
                body,
            } => (code, warnings, body),
            Reply::Echo => {
                let manager = req.param("fieldManager").unwrap_or("kubectl-create");
                (201, Vec::new(), stored(req.body.clone(), "1", manager))
            }
            Reply::Hang => {
                stalled.push(send);
                seen.push(req);
                continue;
            }
        };
        let mut response = Response::builder()
            .status(code)
            .header(http::header::CONTENT_TYPE, "application/json");
        for w in warnings {
            response = response.header("warning", w);
        }
        let body = Body::from(serde_json::to_vec(&body).expect("json"));
        send.send_response(response.body(body).expect("response"));
        seen.push(req);
    }
    let unused: Vec<String> = steps
        .into_iter()
        .flatten()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert!(
        unused.is_empty(),
        "expected requests never came: {unused:?}"
    );
    seen
}

// ------------------------------------------------------------------------
// Bundles and plans
// ------------------------------------------------------------------------

const NS: &str = "team-a";

fn bundle() -> Bundle {
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
fn plan_of(
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

fn is_named(object: &BundleObject, kind: &str, name: &str) -> bool {
    object.kind() == kind && object.name() == name
}

/// The URL path of a bundle object.
fn object_path(object: &BundleObject) -> String {
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
async fn apply_new_namespace(
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

// ------------------------------------------------------------------------
// Server-side apply
// ------------------------------------------------------------------------

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

/// The namespace as it exists: labelled by hand, without our labels.
fn existing_namespace() -> Namespace {
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
            _ => steps.push(step(
                Method::GET,
                path,
                not_found(&obj.resource(), obj.name()),
            )),
        }
    }
    let (plan, seen) = with_api(steps, |c| async move {
        apply::plan(&c, &bundle, Some(&existing), &ApplyOptions::default()).await
    })
    .await;
    let plan = plan.expect("plan");

    assert!(seen
        .iter()
        .all(|r| r.method == Method::GET || r.method == Method::PATCH));
    let patches: Vec<&Seen> = seen.iter().filter(|r| r.method == Method::PATCH).collect();
    assert_eq!(patches.len(), 3, "dry runs of the existing objects only");
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
    }
    let (plan, seen) = with_api(steps, |c| async move {
        apply::plan(&c, &bundle, Some(&existing), &ApplyOptions::default()).await
    })
    .await;
    let plan = plan.expect("plan");
    let patches: Vec<&Seen> = seen.iter().filter(|r| r.method == Method::PATCH).collect();
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
    assert!(
        matches!(&err, Error::Conflict { object, message: m } if object == "Namespace team-a" && m == message),
        "{err:?}"
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
    assert!(
        matches!(&err, Error::Forbidden { verb, resource, .. } if verb == "patch" && resource == "networkpolicies.networking.k8s.io"),
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

// ------------------------------------------------------------------------
// Listing
// ------------------------------------------------------------------------

fn namespace_item(name: &str) -> Value {
    stored(
        json!({"metadata": {"name": name, "labels": {"env": "dev"}}, "status": {"phase": "Active"}}),
        "3",
        "kubectl-create",
    )
}

/// The LISTs of `list::collect` for one namespace, with their list kinds.
const COLLECTED: [(&str, &str); 16] = [
    (
        "/api/v1/namespaces/{ns}/resourcequotas",
        "ResourceQuotaList",
    ),
    ("/api/v1/namespaces/{ns}/limitranges", "LimitRangeList"),
    (
        "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
        "NetworkPolicyList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        "RoleBindingList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
        "RoleList",
    ),
    (
        "/api/v1/namespaces/{ns}/serviceaccounts",
        "ServiceAccountList",
    ),
    ("/api/v1/namespaces/{ns}/pods", "PodList"),
    (
        "/apis/apps/v1/namespaces/{ns}/deployments",
        "DeploymentList",
    ),
    (
        "/apis/apps/v1/namespaces/{ns}/statefulsets",
        "StatefulSetList",
    ),
    ("/apis/apps/v1/namespaces/{ns}/daemonsets", "DaemonSetList"),
    (
        "/apis/apps/v1/namespaces/{ns}/replicasets",
        "ReplicaSetList",
    ),
    ("/apis/batch/v1/namespaces/{ns}/jobs", "JobList"),
    ("/apis/batch/v1/namespaces/{ns}/cronjobs", "CronJobList"),
    (
        "/api/v1/namespaces/{ns}/replicationcontrollers",
        "ReplicationControllerList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "ClusterRoleList",
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "ClusterRoleBindingList",
    ),
];

/// `list::collect` over namespace `NS`, each LIST answered by
/// `pages(path, list kind)` (one reply per page), or by an empty list where
/// that is `None`.
async fn collect_with(
    pages: impl Fn(&str, &str) -> Option<Vec<Reply>>,
) -> (ns_policy_core::Result<Inventory>, Vec<Seen>) {
    let steps = COLLECTED
        .iter()
        .flat_map(|(path, kind)| {
            let path = path.replace("{ns}", NS);
            pages(&path, kind)
                .unwrap_or_else(|| vec![list_of(kind, Vec::new(), "")])
                .into_iter()
                .map(move |r| step(Method::GET, &path, r))
        })
        .collect();
    let scope = list::Scope::Namespaces(vec![NS.to_string()]);
    with_api(steps, |c| async move {
        list::collect(&c, &scope, Vec::new()).await
    })
    .await
}

fn pod_item(name: &str) -> Value {
    stored(
        json!({"metadata": {"name": name, "namespace": NS}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}),
        "20",
        "kube-controller-manager",
    )
}

#[tokio::test]
async fn list_follows_continue_tokens() {
    let steps = vec![
        step(
            Method::GET,
            "/api/v1/namespaces",
            list_of(
                "NamespaceList",
                vec![namespace_item("a"), namespace_item("b")],
                "t1",
            ),
        ),
        step(
            Method::GET,
            "/api/v1/namespaces",
            list_of("NamespaceList", vec![namespace_item("c")], "t2"),
        ),
        step(
            Method::GET,
            "/api/v1/namespaces",
            list_of("NamespaceList", vec![namespace_item("d")], ""),
        ),
    ];
    let (namespaces, seen) = with_api(steps, |c| async move {
        list::list_namespaces(&c, Some("env=dev")).await
    })
    .await;
    let names: Vec<String> = namespaces
        .expect("listed")
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let continues: Vec<Option<&str>> = seen.iter().map(|r| r.param("continue")).collect();
    assert_eq!(continues, [None, Some("t1"), Some("t2")]);
    for r in &seen {
        assert_eq!(r.param("limit"), Some("500"));
        assert_eq!(r.param("labelSelector"), Some("env=dev"));
    }

    // Every kind of an audit is paginated the same way.
    let (inventory, seen) = collect_with(|path, kind| {
        path.ends_with("/pods").then(|| {
            vec![
                list_of(kind, vec![pod_item("web-1"), pod_item("web-2")], "p1"),
                list_of(kind, vec![pod_item("web-3")], ""),
            ]
        })
    })
    .await;
    let inventory = inventory.expect("collected");
    let pods: Vec<&str> = inventory
        .pods
        .known()
        .expect("pods known")
        .iter()
        .filter_map(|p| p.object.metadata.name.as_deref())
        .collect();
    assert_eq!(pods, ["web-1", "web-2", "web-3"]);
    assert!(seen.iter().all(|r| r.param("limit") == Some("500")));
    let pod_pages: Vec<Option<&str>> = seen
        .iter()
        .filter(|r| r.path.ends_with("/pods"))
        .map(|r| r.param("continue"))
        .collect();
    assert_eq!(pod_pages, [None, Some("p1")]);
}

#[tokio::test]
async fn forbidden_list_becomes_unknown_not_an_error() {
    let (inventory, seen) = collect_with(|path, kind| {
        if path.ends_with("/networkpolicies") {
            Some(vec![status(
                403,
                "Forbidden",
                "networkpolicies.networking.k8s.io is forbidden: User \"dev\" cannot list resource \"networkpolicies\" in API group \"networking.k8s.io\" in the namespace \"team-a\"",
            )])
        } else if path.ends_with("/pods") {
            Some(vec![list_of(kind, vec![pod_item("web-1")], "")])
        } else {
            None
        }
    })
    .await;
    let inventory = inventory.expect("a forbidden list is no error");
    assert_eq!(seen.len(), COLLECTED.len());
    let refused = inventory
        .network_policies
        .forbidden()
        .expect("network policies are unknown");
    assert!(
        refused.contains("cannot list networkpolicies.networking.k8s.io in namespace \"team-a\""),
        "{refused}"
    );
    assert!(
        refused.contains("kubectl auth can-i list networkpolicies.networking.k8s.io -n team-a"),
        "{refused}"
    );
    assert_eq!(inventory.forbidden(), [refused.to_string()]);
    assert_eq!(inventory.pods.known().map(Vec::len), Some(1));
    for known in [
        inventory.resource_quotas.forbidden(),
        inventory.limit_ranges.forbidden(),
        inventory.roles.forbidden(),
        inventory.role_bindings.forbidden(),
        inventory.cluster_roles.forbidden(),
        inventory.cluster_role_bindings.forbidden(),
        inventory.service_accounts.forbidden(),
        inventory.workloads.forbidden(),
    ] {
        assert_eq!(known, None);
    }
}

// ------------------------------------------------------------------------
// Pod Security dry run
// ------------------------------------------------------------------------

#[tokio::test]
async fn psa_dry_run_reads_the_warning_headers() {
    let violation = "existing pods in namespace \"team-a\" violate the new PodSecurity enforce level \"restricted:v1.33\"";
    let pod = "web-1: allowPrivilegeEscalation != false, unrestricted capabilities";
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        ok(serde_json::to_value(existing_namespace()).expect("json"))
            .with_warning(&format!(
                "299 - {}",
                serde_json::to_string(violation).expect("json")
            ))
            .with_warning(&format!("299 - \"{pod}\"")),
    )];
    let (answer, seen) = with_api(steps, |c| async move {
        psa::psa_dry_run(&c, NS, "restricted", "v1.33").await
    })
    .await;
    assert_eq!(
        answer.expect("dry run"),
        Access::Known(vec![violation.to_string(), pod.to_string()])
    );
    let req = &seen[0];
    assert_eq!(req.param("dryRun"), Some("All"));
    assert_eq!(req.param("fieldManager"), Some("kubectl-ns-policy"));
    assert_eq!(
        req.content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(
        req.body,
        json!({"metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.33",
        }}})
    );
}

#[tokio::test]
async fn forbidden_psa_dry_run_is_unknown_with_a_can_i_hint() {
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        status(
            403,
            "Forbidden",
            "namespaces \"team-a\" is forbidden: User \"dev\" cannot patch resource \"namespaces\"",
        ),
    )];
    let (answer, _) = with_api(steps, |c| async move {
        psa::psa_dry_run(&c, NS, "restricted", "latest").await
    })
    .await;
    let refused = match answer.expect("a refusal is no error") {
        Access::Forbidden(m) => m,
        other => panic!("{other:?}"),
    };
    assert!(
        refused.contains("kubectl auth can-i patch namespaces"),
        "{refused}"
    );
}

#[tokio::test]
async fn psa_dry_run_errors_keep_the_servers_reason_and_message() {
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        not_found("namespaces", NS),
    )];
    let (answer, _) = with_api(steps, |c| async move {
        psa::psa_dry_run(&c, NS, "restricted", "latest").await
    })
    .await;
    let err = answer.expect_err("the namespace is gone");
    assert!(
        matches!(&err, Error::Api { code: 404, reason, message, .. }
            if reason == "NotFound" && message == "namespaces \"team-a\" not found"),
        "{err:?}"
    );
    assert!(err.is_not_found());
}

// ------------------------------------------------------------------------
// Probe
// ------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn probe_cleanup_deletes_the_run_pods_even_after_the_run_is_cancelled() {
    let namespaces = ["team-a", "team-b"];
    let plan = ProbePlan::new(ProbeOptions {
        namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        ports: vec![8080],
        protocol: Protocol::Tcp,
        image: "registry.k8s.io/e2e-test-images/agnhost:2.53".into(),
        pod_labels: BTreeMap::new(),
        client_labels: BTreeMap::new(),
        server_labels: BTreeMap::new(),
        targets: Vec::new(),
        run_id: "run1abc".into(),
        timeout: Duration::from_secs(60),
    })
    .expect("plan");
    let pod_names = [plan.pod_name(Role::Server), plan.pod_name(Role::Client)];
    let mut steps = Vec::new();
    for ns in namespaces {
        let pods = format!("/api/v1/namespaces/{ns}/pods");
        // Probe pods are fitted to the namespace's LimitRanges first.
        steps.push(step(
            Method::GET,
            format!("/api/v1/namespaces/{ns}/limitranges"),
            list_of("LimitRangeList", Vec::new(), ""),
        ));
        steps.push(step(Method::POST, &pods, Reply::Echo));
        steps.push(step(Method::POST, &pods, Reply::Echo));
        // The wait for Ready never gets an answer.
        steps.push(step(Method::GET, &pods, Reply::Hang));
    }
    for ns in namespaces {
        let pods = format!("/api/v1/namespaces/{ns}/pods");
        let items = pod_names
            .iter()
            .map(|name| {
                stored(
                    json!({"metadata": {"name": name, "namespace": ns}, "status": {"phase": "Pending"}}),
                    "30",
                    "kubectl-ns-policy",
                )
            })
            .collect();
        steps.push(step(Method::GET, &pods, list_of("PodList", items, "")));
        for name in &pod_names {
            steps.push(step(Method::DELETE, format!("{pods}/{name}"), ok(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "deletionTimestamp": "2025-01-01T00:00:00Z"},
            }))));
        }
        // The second round finds nothing left.
        steps.push(step(Method::GET, &pods, list_of("PodList", Vec::new(), "")));
    }
    let plan_ref = &plan;
    let (deleted, seen) = with_api(steps, |c| async move {
        let evaluator = Evaluator::new(Vec::new(), Vec::new());
        let opts = probe::LiveOptions::with_deadline(
            tokio::time::Instant::now() + Duration::from_secs(60),
        );
        let run = probe::run(&c, plan_ref, &evaluator, &opts, &|_| {});
        let cancelled = tokio::time::timeout(Duration::from_secs(5), run).await;
        assert!(
            cancelled.is_err(),
            "the run cannot end while its pods never get Ready"
        );
        probe::cleanup(&c, plan_ref).await
    })
    .await;

    let deleted: Vec<(String, String)> = deleted
        .expect("cleanup")
        .into_iter()
        .map(|p| (p.namespace, p.name))
        .collect();
    let mut expected: Vec<(String, String)> = namespaces
        .iter()
        .flat_map(|ns| pod_names.iter().map(|n| (ns.to_string(), n.clone())))
        .collect();
    expected.sort();
    assert_eq!(deleted, expected);

    let creates: Vec<&Seen> = seen.iter().filter(|r| r.method == Method::POST).collect();
    assert_eq!(creates.len(), 4);
    for c in creates {
        assert_eq!(
            c.body["metadata"]["labels"]["ns-policy.io/probe-run"],
            "run1abc"
        );
    }
    let lists: Vec<&Seen> = seen
        .iter()
        .filter(|r| r.method == Method::GET && r.path.ends_with("/pods"))
        .collect();
    assert_eq!(
        lists.len(),
        6,
        "a wait and two cleanup rounds per namespace"
    );
    for l in lists {
        assert_eq!(
            l.param("labelSelector"),
            Some("ns-policy.io/probe-run=run1abc")
        );
    }
    let deletes: Vec<&Seen> = seen.iter().filter(|r| r.method == Method::DELETE).collect();
    assert_eq!(deletes.len(), 4);
    for d in deletes {
        assert_eq!(d.body["gracePeriodSeconds"], 0, "{}", d.path);
    }
}

#[tokio::test]
async fn probe_sweep_of_every_namespace_follows_continue_tokens() {
    // `probe --cleanup` with no namespace lists leftovers cluster-wide: on a
    // big cluster that is more than one page, and every page is deleted.
    let leftover = |ns: &str, name: &str| {
        stored(
            json!({"metadata": {"name": name, "namespace": ns, "labels": {"ns-policy.io/probe-run": "old"}}}),
            "40",
            "kubectl-ns-policy",
        )
    };
    let mut steps = vec![
        step(
            Method::GET,
            "/api/v1/pods",
            list_of(
                "PodList",
                vec![
                    leftover("pr-1", "nsp-probe-server-old"),
                    leftover("pr-2", "nsp-probe-client-old"),
                ],
                "page2",
            ),
        ),
        step(
            Method::GET,
            "/api/v1/pods",
            list_of(
                "PodList",
                vec![leftover("pr-3", "nsp-probe-server-old")],
                "",
            ),
        ),
    ];
    for (ns, name) in [
        ("pr-1", "nsp-probe-server-old"),
        ("pr-2", "nsp-probe-client-old"),
        ("pr-3", "nsp-probe-server-old"),
    ] {
        steps.push(step(
            Method::DELETE,
            format!("/api/v1/namespaces/{ns}/pods/{name}"),
            ok(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}})),
        ));
    }
    let (deleted, seen) = with_api(steps, |c| async move { probe::sweep(&c, &[]).await }).await;
    let deleted: Vec<String> = deleted
        .expect("swept")
        .into_iter()
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect();
    assert_eq!(
        deleted,
        [
            "pr-1/nsp-probe-server-old",
            "pr-2/nsp-probe-client-old",
            "pr-3/nsp-probe-server-old"
        ]
    );
    let pages: Vec<(Option<&str>, Option<&str>)> = seen
        .iter()
        .filter(|r| r.method == Method::GET)
        .map(|r| (r.param("continue"), r.param("limit")))
        .collect();
    assert_eq!(pages, [(None, Some("500")), (Some("page2"), Some("500"))]);
    for r in seen.iter().filter(|r| r.method == Method::GET) {
        assert!(
            r.param("labelSelector")
                .is_some_and(|s| s.contains("ns-policy.io/probe-run")),
            "{:?}",
            r.param("labelSelector")
        );
    }
}

// ------------------------------------------------------------------------
// gc
// ------------------------------------------------------------------------

#[tokio::test]
async fn gc_deletes_in_the_background_and_skips_namespaces_already_gone() {
    let steps = vec![
        step(
            Method::DELETE,
            "/api/v1/namespaces/pr-1",
            ok(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "pr-1"}, "status": {"phase": "Terminating"}}),
            ),
        ),
        step(
            Method::DELETE,
            "/api/v1/namespaces/pr-2",
            not_found("namespaces", "pr-2"),
        ),
    ];
    let names = vec!["pr-1".to_string(), "pr-2".to_string()];
    let (deleted, seen) = with_api(steps, |c| async move {
        gc::delete_namespaces(&c, &names, true).await
    })
    .await;
    assert_eq!(deleted.expect("deleted"), ["pr-1"]);
    for d in &seen {
        assert_eq!(d.body["propagationPolicy"], "Background");
        assert_eq!(d.body["dryRun"], json!(["All"]));
    }
}
