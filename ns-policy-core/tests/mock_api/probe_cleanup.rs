//! The live probe: cleanup and sweeps.

use super::*;

/// A probe of `namespaces` on 8080/TCP with run id `run_id`.
fn tcp_plan(namespaces: &[&str], run_id: &str) -> ProbePlan {
    ProbePlan::new(ProbeOptions {
        namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        ports: vec![8080],
        protocol: Protocol::Tcp,
        image: "registry.k8s.io/e2e-test-images/agnhost:2.53".into(),
        pod_labels: BTreeMap::new(),
        client_labels: BTreeMap::new(),
        server_labels: BTreeMap::new(),
        targets: Vec::new(),
        run_id: run_id.into(),
        timeout: Duration::from_secs(60),
    })
    .expect("plan")
}

#[tokio::test(start_paused = true)]
async fn probe_cleanup_deletes_the_run_pods_even_after_the_run_is_cancelled() {
    let namespaces = ["team-a", "team-b"];
    let plan = tcp_plan(&namespaces, "run1abc");
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
    let (swept, seen) = with_api(steps, |c| async move {
        probe::sweep(&c, &[], false, chrono::Utc::now()).await
    })
    .await;
    let deleted: Vec<String> = swept
        .expect("swept")
        .deleted
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

fn probe_pod(ns: &str, name: &str, deadline: Option<&str>) -> Value {
    let mut meta =
        json!({"name": name, "namespace": ns, "labels": {"ns-policy.io/probe-run": "x"}});
    if let Some(d) = deadline {
        meta["annotations"] = json!({"ns-policy.io/probe-deadline": d});
    }
    stored(
        json!({"metadata": meta, "status": {"phase": "Running"}}),
        "41",
        "kubectl-ns-policy",
    )
}

#[tokio::test]
async fn a_sweep_leaves_pods_of_runs_in_progress_unless_forced() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let pods = || {
        list_of(
            "PodList",
            vec![
                probe_pod(
                    "ci-1",
                    "nsp-probe-server-live",
                    Some("2026-06-01T12:03:00Z"),
                ),
                probe_pod(
                    "ci-2",
                    "nsp-probe-server-done",
                    Some("2026-06-01T11:59:00Z"),
                ),
            ],
            "",
        )
    };
    let deleted = || ok(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}}));
    let steps = vec![
        step(Method::GET, "/api/v1/pods", pods()),
        step(
            Method::DELETE,
            "/api/v1/namespaces/ci-2/pods/nsp-probe-server-done",
            deleted(),
        ),
    ];
    let (swept, _) = with_api(
        steps,
        |c| async move { probe::sweep(&c, &[], false, now).await },
    )
    .await;
    let swept = swept.expect("swept");
    assert_eq!(swept.deleted.len(), 1);
    assert_eq!(swept.deleted[0].namespace, "ci-2");
    assert_eq!(swept.in_progress.len(), 1, "{swept:?}");
    assert_eq!(swept.in_progress[0].0.namespace, "ci-1");
    assert_eq!(
        swept.in_progress[0].1.to_rfc3339(),
        "2026-06-01T12:03:00+00:00"
    );

    let steps = vec![
        step(Method::GET, "/api/v1/pods", pods()),
        step(
            Method::DELETE,
            "/api/v1/namespaces/ci-1/pods/nsp-probe-server-live",
            deleted(),
        ),
        step(
            Method::DELETE,
            "/api/v1/namespaces/ci-2/pods/nsp-probe-server-done",
            deleted(),
        ),
    ];
    let (swept, _) = with_api(
        steps,
        |c| async move { probe::sweep(&c, &[], true, now).await },
    )
    .await;
    let swept = swept.expect("forced");
    assert_eq!(swept.deleted.len(), 2);
    assert!(swept.in_progress.is_empty());
}

#[tokio::test(start_paused = true)]
async fn cleanup_retries_a_reset_connection_and_server_errors_before_giving_up() {
    let plan = tcp_plan(&["team-a"], "run2abc");
    let pods = "/api/v1/namespaces/team-a/pods";
    let server = plan.pod_name(Role::Server);
    let items = vec![stored(
        json!({"metadata": {"name": server, "namespace": "team-a"}}),
        "30",
        "kubectl-ns-policy",
    )];
    let steps = vec![
        // The first LIST meets a reset connection, the second a 503.
        step(Method::GET, pods, Reply::Reset),
        step(
            Method::GET,
            pods,
            status(503, "ServiceUnavailable", "try again"),
        ),
        step(Method::GET, pods, list_of("PodList", items, "")),
        // The DELETE is reset once too.
        step(Method::DELETE, format!("{pods}/{server}"), Reply::Reset),
        step(
            Method::DELETE,
            format!("{pods}/{server}"),
            ok(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}})),
        ),
        step(Method::GET, pods, list_of("PodList", Vec::new(), "")),
    ];
    let plan_ref = &plan;
    let (deleted, _) = with_api(steps, |c| async move { probe::cleanup(&c, plan_ref).await }).await;
    let deleted = deleted.expect("cleanup succeeds after the retries");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].name, server);
}

#[tokio::test(start_paused = true)]
async fn cleanup_does_not_delete_again_pods_that_are_already_terminating() {
    let plan = tcp_plan(&["team-a"], "run3abc");
    let pods = "/api/v1/namespaces/team-a/pods";
    let names = [plan.pod_name(Role::Server), plan.pod_name(Role::Client)];
    let listed = |terminating: bool| {
        names
            .iter()
            .map(|name| {
                let mut meta = json!({"name": name, "namespace": "team-a"});
                if terminating {
                    meta["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
                }
                stored(json!({ "metadata": meta }), "30", "kubectl-ns-policy")
            })
            .collect::<Vec<_>>()
    };
    let mut steps = vec![step(
        Method::GET,
        pods,
        list_of("PodList", listed(false), ""),
    )];
    for name in &names {
        steps.push(step(
            Method::DELETE,
            format!("{pods}/{name}"),
            ok(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}})),
        ));
    }
    // The next round sees them terminating: no second DELETE, and done.
    steps.push(step(
        Method::GET,
        pods,
        list_of("PodList", listed(true), ""),
    ));
    let plan_ref = &plan;
    let (deleted, seen) =
        with_api(steps, |c| async move { probe::cleanup(&c, plan_ref).await }).await;
    assert_eq!(deleted.expect("cleanup").len(), 2);
    assert_eq!(
        seen.iter().filter(|s| s.method == Method::DELETE).count(),
        2,
        "each pod deleted once"
    );
}
