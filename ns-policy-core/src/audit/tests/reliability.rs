//! `workload-reliability.*`: disruption budgets, probes, graceful shutdown
//! and read-only root filesystems, where the profile asks.

use super::*;
use crate::baseline::WorkloadsSpec;

/// The builtin baseline whose `app` profile asks for everything.
fn strict() -> Baseline {
    let mut b = Baseline::builtin();
    b.spec.profiles.get_mut("app").unwrap().workloads = Some(WorkloadsSpec {
        disruption_budgets: true,
        probes: true,
        pre_stop: true,
        min_termination_grace_period_seconds: Some(45),
        read_only_root_filesystem: true,
    });
    b
}

/// A restricted pod spec that also does everything `strict` asks.
fn reliable_spec() -> Value {
    let mut s = restricted_pod_spec();
    s["terminationGracePeriodSeconds"] = json!(60);
    let c = &mut s["containers"][0];
    c["ports"] = json!([{"containerPort": 8080, "name": "http"}]);
    c["readinessProbe"] = json!({"httpGet": {"path": "/ready", "port": "http"}});
    c["livenessProbe"] = json!({"httpGet": {"path": "/live", "port": "http"}});
    c["lifecycle"] = json!({"preStop": {"sleep": {"seconds": 5}}});
    c["securityContext"]["readOnlyRootFilesystem"] = json!(true);
    s
}

fn replicated(name: &str, replicas: i32, spec: Value) -> Value {
    let mut d = deployment(name, spec);
    d["spec"]["replicas"] = json!(replicas);
    d
}

fn pdb(name: &str, spec: Value) -> (String, Value) {
    (
        "PodDisruptionBudget".into(),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": name}, "spec": spec}),
    )
}

fn hpa(name: &str, target: &str, min: i32) -> (String, Value) {
    (
        "HorizontalPodAutoscaler".into(),
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": name},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                        "minReplicas": min, "maxReplicas": 10}}),
    )
}

/// `rendered("app")` whose Deployment `web` runs 3 reliable replicas
/// under a PodDisruptionBudget `spec`.
fn reliable(pdb_spec: Value) -> Fixture {
    let mut f = rendered("app");
    f.workloads = vec![
        ("Deployment".into(), replicated("web", 3, reliable_spec())),
        pdb("web", pdb_spec),
    ];
    f
}

fn audit_strict(f: &Fixture) -> NamespaceReport {
    f.audit_by(&strict(), &AuditOptions::at(now()), |_| {})
}

fn web_pdb() -> Value {
    json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}})
}

#[test]
fn reliability_checks_are_off_where_the_profile_does_not_ask() {
    let mut f = rendered("app");
    f.workloads = vec![(
        "Deployment".into(),
        replicated("web", 3, restricted_pod_spec()),
    )];
    assert_clean(&f.audit());
}

#[test]
fn a_reliable_deployment_passes_every_reliability_check() {
    assert_clean(&audit_strict(&reliable(web_pdb())));
}

#[test]
fn a_replicated_deployment_without_a_disruption_budget_is_reported_at_its_replicas() {
    let mut f = reliable(web_pdb());
    f.workloads.retain(|(k, _)| k != "PodDisruptionBudget");
    let r = audit_strict(&f);
    assert_eq!(ids(&r), ["workload-reliability.pdb-missing"]);
    let p = only(&r, "workload-reliability.pdb-missing");
    assert_eq!(p.object.as_deref(), Some("Deployment/web"));
    assert_eq!(p.field.as_deref(), Some("spec.replicas"));
    assert!(p.message.contains("runs 3 replicas"), "{}", p.message);
    assert!(
        p.remediation.contains(
            "kubectl -n shop-prod create poddisruptionbudget web --selector=app=web --max-unavailable=1"
        ),
        "{}",
        p.remediation
    );

    // A budget for other pods covers nothing of web; a null selector
    // selects no pod (policy/v1).
    for spec in [
        json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}}),
        json!({"maxUnavailable": 1}),
    ] {
        let r = audit_strict(&reliable(spec.clone()));
        assert_eq!(ids(&r), ["workload-reliability.pdb-missing"], "{spec}");
    }
    // An empty selector selects every pod of the namespace.
    assert_clean(&audit_strict(&reliable(
        json!({"maxUnavailable": 1, "selector": {}}),
    )));
    // matchExpressions count.
    assert_clean(&audit_strict(&reliable(json!({"maxUnavailable": "25%",
        "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}))));
}

#[test]
fn a_single_replica_needs_a_budget_only_when_an_autoscaler_scales_it() {
    let mut f = rendered("app");
    f.workloads = vec![("Deployment".into(), replicated("web", 1, reliable_spec()))];
    assert_clean(&audit_strict(&f));
    f.workloads.push(hpa("web", "web", 2));
    let r = audit_strict(&f);
    let p = only(&r, "workload-reliability.pdb-missing");
    assert!(
        p.message.contains("scaled by HorizontalPodAutoscaler/web"),
        "{}",
        p.message
    );
    // An autoscaler of another Deployment does not count.
    f.workloads.pop();
    f.workloads.push(hpa("api", "api", 2));
    assert_clean(&audit_strict(&f));
}

#[test]
fn a_budget_that_allows_no_eviction_is_reported_at_its_field() {
    for (spec, field, why) in [
        (
            json!({"maxUnavailable": 0}),
            "spec.maxUnavailable",
            "maxUnavailable is 0",
        ),
        (
            json!({"maxUnavailable": "0%"}),
            "spec.maxUnavailable",
            "maxUnavailable is 0%",
        ),
        (
            json!({"minAvailable": 3}),
            "spec.minAvailable",
            "minAvailable 3 is at least the 3 pods of Deployment/web (3 replicas)",
        ),
        (
            json!({"minAvailable": 5}),
            "spec.minAvailable",
            "minAvailable 5",
        ),
        (
            json!({"minAvailable": "100%"}),
            "spec.minAvailable",
            "minAvailable 100%",
        ),
        // ceil(0.9 * 3) = 3: percentages round up.
        (
            json!({"minAvailable": "90%"}),
            "spec.minAvailable",
            "minAvailable 90%",
        ),
    ] {
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "web"}});
        let r = audit_strict(&reliable(spec.clone()));
        assert_eq!(
            ids(&r),
            ["workload-reliability.pdb-blocks-eviction"],
            "{spec}"
        );
        let p = only(&r, "workload-reliability.pdb-blocks-eviction");
        assert_eq!(p.object.as_deref(), Some("PodDisruptionBudget/web"));
        assert_eq!(p.field.as_deref(), Some(field));
        assert!(p.message.contains(why), "{spec}: {}", p.message);
        assert!(
            p.remediation.contains("\"maxUnavailable\":1"),
            "{}",
            p.remediation
        );
    }
    for spec in [
        json!({"minAvailable": 2}),
        json!({"minAvailable": "50%"}),
        json!({"maxUnavailable": "10%"}),
    ] {
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "web"}});
        assert_clean(&audit_strict(&reliable(spec)));
    }
}

#[test]
fn an_autoscaled_workload_is_judged_at_its_minimum_replicas() {
    // minAvailable 2 keeps 1 of 3 replicas evictable, but the autoscaler
    // may scale to 2: then nothing can be evicted.
    let mut f = reliable(json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}));
    f.workloads.push(hpa("web", "web", 2));
    let r = audit_strict(&f);
    let p = only(&r, "workload-reliability.pdb-blocks-eviction");
    assert!(
        p.message
            .contains("Deployment/web (minReplicas 2 of HorizontalPodAutoscaler/web)"),
        "{}",
        p.message
    );
}

#[test]
fn serving_containers_need_readiness_and_liveness_probes() {
    let mut spec = reliable_spec();
    let c = spec["containers"][0].as_object_mut().unwrap();
    c.remove("readinessProbe");
    c.remove("livenessProbe");
    let mut f = reliable(web_pdb());
    f.workloads[0] = ("Deployment".into(), replicated("web", 3, spec.clone()));
    let r = audit_strict(&f);
    assert_eq!(
        ids(&r),
        [
            "workload-reliability.readiness-probe-missing",
            "workload-reliability.liveness-probe-missing"
        ]
    );
    let p = only(&r, "workload-reliability.readiness-probe-missing");
    assert_eq!(p.severity, Severity::Error);
    assert_eq!(
        p.field.as_deref(),
        Some("spec.template.spec.containers[name=app].readinessProbe")
    );
    assert_eq!(
        only(&r, "workload-reliability.liveness-probe-missing").severity,
        Severity::Warning
    );
    // A container that declares no port serves nothing: no probe needed.
    spec["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("ports");
    f.workloads[0] = ("Deployment".into(), replicated("web", 3, spec));
    let r = audit_strict(&f);
    assert!(
        !ids(&r).iter().any(|i| i.contains("probe")),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn serving_containers_need_a_pre_stop_hook_and_pods_the_grace_period() {
    let mut spec = reliable_spec();
    spec["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("lifecycle");
    spec.as_object_mut()
        .unwrap()
        .remove("terminationGracePeriodSeconds");
    let mut f = reliable(web_pdb());
    f.workloads[0] = ("Deployment".into(), replicated("web", 3, spec.clone()));
    let r = audit_strict(&f);
    assert_eq!(
        ids(&r),
        [
            "workload-reliability.pre-stop-missing",
            "workload-reliability.termination-grace-period"
        ]
    );
    let g = only(&r, "workload-reliability.termination-grace-period");
    assert!(
        g.message
            .contains("unset (the default, 30), below the profile's minimum of 45"),
        "{}",
        g.message
    );
    assert_eq!(
        g.field.as_deref(),
        Some("spec.template.spec.terminationGracePeriodSeconds")
    );
    // 10 set explicitly is also too short.
    spec["terminationGracePeriodSeconds"] = json!(10);
    f.workloads[0] = ("Deployment".into(), replicated("web", 3, spec));
    let r = audit_strict(&f);
    assert!(only(&r, "workload-reliability.termination-grace-period")
        .message
        .contains("is 10, below"));
}

#[test]
fn every_container_including_init_containers_needs_a_read_only_root_filesystem() {
    let mut spec = reliable_spec();
    spec["initContainers"] = json!([{"name": "migrate", "image": "registry.example/app:1",
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}}]);
    let mut f = reliable(web_pdb());
    f.workloads[0] = ("Deployment".into(), replicated("web", 3, spec));
    let r = audit_strict(&f);
    let p = only(&r, "workload-reliability.read-only-root-filesystem");
    assert_eq!(
        p.field.as_deref(),
        Some("spec.template.spec.initContainers[name=migrate].securityContext.readOnlyRootFilesystem")
    );
    assert!(p.message.contains("container migrate"), "{}", p.message);
    assert_eq!(ids(&r), ["workload-reliability.read-only-root-filesystem"]);
}

#[test]
fn jobs_are_not_asked_for_probes_or_shutdown_but_for_a_read_only_root() {
    let mut spec = restricted_pod_spec();
    spec["restartPolicy"] = json!("Never");
    spec["containers"][0]["ports"] = json!([{"containerPort": 8080}]);
    let mut f = rendered("app");
    f.workloads = vec![(
        "Job".into(),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
               "spec": {"template": {"metadata": {"labels": {"job": "migrate"}}, "spec": spec}}}),
    )];
    f.pods.clear();
    let r = audit_strict(&f);
    assert_eq!(ids(&r), ["workload-reliability.read-only-root-filesystem"]);
    assert_eq!(
        only(&r, "workload-reliability.read-only-root-filesystem")
            .object
            .as_deref(),
        Some("Job/migrate")
    );
}

#[test]
fn pods_of_a_workload_in_view_are_judged_once_as_the_workload_and_bare_pods_alone() {
    // The fixture's pod web-1 is owned by Deployment web: one finding.
    let mut spec = reliable_spec();
    spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = json!(false);
    let mut f = reliable(web_pdb());
    f.workloads[0] = ("Deployment".into(), replicated("web", 3, spec.clone()));
    f.pods = vec![pod(
        "web-1",
        json!({"app": "web"}),
        spec.clone(),
        Some(("Deployment", "web")),
    )];
    let r = audit_strict(&f);
    let objects: Vec<_> = r.findings.iter().map(|f| f.object.clone()).collect();
    assert_eq!(objects, [Some("Deployment/web".to_string())]);
    // A bare pod is judged itself.
    f.pods = vec![pod("debug", json!({"run": "debug"}), spec, None)];
    let r = audit_strict(&f);
    assert!(r
        .findings
        .iter()
        .any(|x| x.object.as_deref() == Some("Pod/debug")
            && x.check == "workload-reliability.read-only-root-filesystem"));
}

#[test]
fn unreadable_budgets_or_workloads_make_the_reliability_checks_unknown() {
    let f = reliable(web_pdb());
    let r = f.audit_by(&strict(), &AuditOptions::at(now()), |inv| {
        inv.disruption_budgets = Access::Forbidden("cannot list poddisruptionbudgets".into());
    });
    let unknown: Vec<&str> = r.unknown.iter().map(|u| u.check.as_str()).collect();
    assert_eq!(
        unknown,
        [
            "workload-reliability.pdb-blocks-eviction",
            "workload-reliability.pdb-missing"
        ]
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.verdict(), NamespaceStatus::Unknown);

    let r = f.audit_by(&strict(), &AuditOptions::at(now()), |inv| {
        inv.workloads = Access::Forbidden("cannot list deployments.apps".into());
    });
    assert!(r
        .unknown
        .iter()
        .any(|u| u.check == "workload-reliability.readiness-probe-missing"));
}

#[test]
fn a_negative_grace_period_minimum_is_refused() {
    let text = crate::baseline::BUILTIN_YAML.replacen(
        "    app:\n",
        "    app:\n      workloads: {minTerminationGracePeriodSeconds: -1}\n",
        1,
    );
    assert_ne!(text, crate::baseline::BUILTIN_YAML);
    let e = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
    assert!(e.contains("minTerminationGracePeriodSeconds is -1"), "{e}");
    let typo = text.replace("minTerminationGracePeriodSeconds: -1", "probe: true");
    assert!(Baseline::parse(&typo, "b.yaml").is_err());
}
