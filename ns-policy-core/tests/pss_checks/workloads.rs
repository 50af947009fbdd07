//! Pod templates of workload kinds: extraction, paths rooted in the object,
//! and the kinds and objects that carry no template.

use std::collections::BTreeSet;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ns_policy_core::pss::{check_object, pod_spec_of, Level};
use serde_json::{json, Value};

use super::{base, ids, set_of, WORKLOADS};

#[test]
fn template_extraction_for_every_kind() {
    let expected_prefix = |kind: &str| match kind {
        "Pod" => "spec",
        "CronJob" => "spec.jobTemplate.spec.template.spec",
        _ => "spec.template.spec",
    };
    let mut kinds = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(WORKLOADS) {
        let value: Value = serde::Deserialize::deserialize(doc).expect("yaml");
        let kind = value["kind"].as_str().expect("kind").to_string();
        let (meta, spec, prefix) = pod_spec_of(&kind, &value).unwrap_or_else(|| panic!("{kind}"));
        assert_eq!(prefix, expected_prefix(&kind), "{kind}");
        assert_eq!(spec.containers.len(), 1, "{kind}");
        assert!(
            meta.annotations.is_some(),
            "{kind}: template annotations kept"
        );

        let meta_prefix = format!("{}metadata", prefix.strip_suffix("spec").unwrap());
        let vs = check_object(Level::Baseline, &kind, &value).expect("template");
        let fields: BTreeSet<String> = vs.iter().map(|v| v.field.clone()).collect();
        let want: BTreeSet<String> = [
            format!(
                "{meta_prefix}.annotations[container.apparmor.security.beta.kubernetes.io/app]"
            ),
            format!("{prefix}.hostNetwork"),
            format!("{prefix}.containers[name=app].securityContext.privileged"),
        ]
        .into_iter()
        .collect();
        assert_eq!(fields, want, "{kind}");
        assert_eq!(
            ids(&vs),
            set_of(&["appArmorProfile", "hostNamespaces", "privileged"]),
            "{kind}"
        );
        assert!(check_object(Level::Privileged, &kind, &value)
            .expect("template")
            .is_empty());
        kinds.push(kind);
    }
    assert_eq!(
        kinds,
        [
            "Pod",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob"
        ]
    );
}

#[test]
fn compliant_template_in_every_kind_passes_restricted() {
    let pod = base();
    let template = json!({"metadata": pod["metadata"], "spec": pod["spec"]});
    let objects = [
        ("Deployment", json!({"spec": {"template": template}})),
        ("StatefulSet", json!({"spec": {"template": template}})),
        ("DaemonSet", json!({"spec": {"template": template}})),
        ("ReplicaSet", json!({"spec": {"template": template}})),
        (
            "ReplicationController",
            json!({"spec": {"template": template}}),
        ),
        ("Job", json!({"spec": {"template": template}})),
        (
            "CronJob",
            json!({"spec": {"jobTemplate": {"spec": {"template": template}}}}),
        ),
        ("Pod", pod.clone()),
    ];
    for (kind, obj) in objects {
        assert_eq!(
            check_object(Level::Restricted, kind, &obj),
            Some(vec![]),
            "{kind}"
        );
    }
}

#[test]
fn extraction_rejects_other_kinds_and_missing_templates() {
    let pod = base();
    assert!(pod_spec_of("ConfigMap", &pod).is_none());
    assert!(
        pod_spec_of("pod", &pod).is_none(),
        "kinds are case-sensitive"
    );
    assert!(pod_spec_of("Deployment", &json!({"spec": {}})).is_none());
    assert!(pod_spec_of("CronJob", &json!({"spec": {"schedule": "* * * * *"}})).is_none());
    assert!(pod_spec_of("Pod", &json!({"metadata": {"name": "x"}})).is_none());
    assert!(pod_spec_of("Pod", &json!({"spec": {"containers": "not a list"}})).is_none());
    // A template without metadata is fine.
    let (meta, _, prefix) = pod_spec_of(
        "Job",
        &json!({"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}),
    )
    .expect("job");
    assert_eq!(meta, ObjectMeta::default());
    assert_eq!(prefix, "spec.template.spec");
}
