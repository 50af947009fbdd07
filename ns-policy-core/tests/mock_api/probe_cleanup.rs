//! The live probe: cleanup and sweeps.

use super::*;

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
