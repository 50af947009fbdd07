//! `workload-security.*` and `workload-resources.*` checks: templates, the
//! pods they own, stale pods, CronJobs, container resources.

use super::*;

// ---- workload-security -----------------------------------------------------------

fn privileged_spec() -> Value {
    let mut s = restricted_pod_spec();
    s["containers"][0]["securityContext"]["privileged"] = json!(true);
    s
}

#[test]
fn workload_security_template_violation_names_object_and_field() {
    let mut f = rendered("app");
    f.workloads = vec![("Deployment".into(), deployment("web", privileged_spec()))];
    let r = f.audit();
    let p = only(&r, "workload-security.privileged");
    assert_eq!(p.object.as_deref(), Some("Deployment/web"));
    assert!(
        p.message
            .contains("spec.template.spec.containers[name=app].securityContext.privileged"),
        "{}",
        p.message
    );
    assert_eq!(p.severity, Severity::Error);
    assert_eq!(ids(&r), ["workload-security.privileged"]);
    // Privileged profile: nothing to report.
    let mut f = rendered("platform");
    f.workloads = vec![("Deployment".into(), deployment("web", privileged_spec()))];
    assert_clean(&f.audit());
}

#[test]
fn workload_security_owned_pods_do_not_repeat_the_template_but_stale_pods_are_reported() {
    let mut f = rendered("app");
    let mut rs = deployment("web-abc", privileged_spec());
    rs["kind"] = json!("ReplicaSet");
    rs["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u"}]);
    f.workloads = vec![
        ("Deployment".into(), deployment("web", privileged_spec())),
        ("ReplicaSet".into(), rs),
    ];
    f.pods = vec![pod(
        "web-abc-1",
        json!({"app": "web"}),
        privileged_spec(),
        Some(("ReplicaSet", "web-abc")),
    )];
    let r = f.audit();
    assert_eq!(ids(&r), ["workload-security.privileged"]);
    assert_eq!(r.findings[0].object.as_deref(), Some("Deployment/web"));

    // A pod admitted before the template was fixed.
    let mut stale = privileged_spec();
    stale["hostNetwork"] = json!(true);
    f.pods = vec![pod(
        "web-abc-2",
        json!({"app": "web"}),
        stale,
        Some(("ReplicaSet", "web-abc")),
    )];
    let r = f.audit();
    let h = only(&r, "workload-security.host-namespaces");
    assert_eq!(h.object.as_deref(), Some("Pod/web-abc-2"));
    // An unowned bad pod is reported.
    f.workloads.clear();
    f.pods = vec![pod("bare", json!({}), privileged_spec(), None)];
    assert_eq!(
        only(&f.audit(), "workload-security.privileged")
            .object
            .as_deref(),
        Some("Pod/bare")
    );
}

#[test]
fn workload_security_cronjob_template_is_checked() {
    let mut f = rendered("app");
    let mut spec = restricted_pod_spec();
    spec["securityContext"] = json!({});
    f.workloads = vec![(
        "CronJob".into(),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
               "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}),
    )];
    let r = f.audit();
    assert_eq!(
        ids(&r),
        [
            "workload-security.run-as-non-root",
            "workload-security.seccomp-profile-restricted"
        ]
    );
    assert!(r
        .findings
        .iter()
        .all(|f| f.object.as_deref() == Some("CronJob/nightly")));
}

// ---- workload-resources ----------------------------------------------------------

#[test]
fn workload_resources_missing_warning_and_limit_range_default_info() {
    let mut spec = restricted_pod_spec();
    spec["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("resources");
    let mut f = rendered("app");
    f.workloads = vec![("Deployment".into(), deployment("web", spec.clone()))];
    f.pods.clear();
    let r = f.audit();
    let i = only(&r, "workload-resources.defaulted-by-limit-range");
    assert_eq!(i.severity, Severity::Info);
    assert_eq!(ids(&r).len(), 1);

    f.limit_ranges.clear();
    let r = f.audit();
    let w = only(&r, "workload-resources.missing");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("\"app\""), "{}", w.message);
    assert!(w
        .message
        .contains("requests.cpu, requests.memory, limits.cpu, limits.memory"));
    assert!(w.remediation.contains("resources"));

    // A live pod admitted without resources is a warning even with a LimitRange.
    let mut f = rendered("app");
    f.pods = vec![pod("bare", json!({}), spec, None)];
    assert_eq!(ids(&f.audit()), ["workload-resources.missing"]);
}
