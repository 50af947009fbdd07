//! What a report says: fields and messages, one violation per container,
//! several problems at once, and a minimal pod at each level.

use serde_json::{json, Value};

use ns_policy_core::pss::{Level, Violation};

use super::{base, ids, run, set, set_of};

fn only(level: Level, edits: Vec<(&str, Value)>) -> Violation {
    let mut doc = base();
    for (p, v) in edits {
        set(&mut doc, p, v);
    }
    let mut vs = run(level, &doc);
    assert_eq!(vs.len(), 1, "{vs:#?}");
    vs.remove(0)
}

#[test]
fn fields_and_messages() {
    let v = only(
        Level::Baseline,
        vec![("/spec/containers/0/securityContext/privileged", json!(true))],
    );
    assert_eq!(v.check, "privileged");
    assert_eq!(v.level, Level::Baseline);
    assert_eq!(
        v.field,
        "spec.containers[name=app].securityContext.privileged"
    );
    assert_eq!(
        v.message,
        r#"privileged (container "app" must not set securityContext.privileged=true)"#
    );

    let v = only(
        Level::Restricted,
        vec![(
            "/spec/initContainers/0/securityContext/allowPrivilegeEscalation",
            json!(true),
        )],
    );
    assert_eq!(v.level, Level::Restricted);
    assert_eq!(
        v.field,
        "spec.initContainers[name=init].securityContext.allowPrivilegeEscalation"
    );
    assert_eq!(
        v.message,
        r#"allowPrivilegeEscalation != false (container "init" must set securityContext.allowPrivilegeEscalation=false)"#
    );

    let v = only(
        Level::Restricted,
        vec![(
            "/spec/ephemeralContainers/0/securityContext/capabilities/add",
            json!(["SYS_ADMIN", "NET_RAW"]),
        )],
    );
    assert_eq!(
        v.field,
        "spec.ephemeralContainers[name=debug].securityContext.capabilities.add"
    );
    assert_eq!(
        v.message,
        r#"unrestricted capabilities (container "debug" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#
    );

    let v = only(Level::Baseline, vec![("/spec/hostNetwork", json!(true))]);
    assert_eq!(
        (v.field.as_str(), v.message.as_str()),
        ("spec.hostNetwork", "host namespaces (hostNetwork=true)")
    );

    let v = only(
        Level::Baseline,
        vec![(
            "/spec/volumes/-",
            json!({"name": "host", "hostPath": {"path": "/"}}),
        )],
    );
    assert_eq!(
        (v.field.as_str(), v.message.as_str()),
        (
            "spec.volumes[name=host].hostPath",
            r#"hostPath volumes (volume "host")"#
        )
    );

    let v = only(
        Level::Restricted,
        vec![(
            "/spec/volumes/-",
            json!({"name": "host", "hostPath": {"path": "/"}}),
        )],
    );
    assert_eq!(v.check, "restrictedVolumes");
    assert_eq!(v.field, "spec.volumes[name=host].hostPath");
    assert_eq!(
        v.message,
        r#"restricted volume types (volume "host" uses restricted volume type "hostPath")"#
    );

    let v = only(
        Level::Baseline,
        vec![("/spec/containers/0/ports/1/hostPort", json!(8443))],
    );
    assert_eq!(
        (v.field.as_str(), v.message.as_str()),
        (
            "spec.containers[name=app].ports[1].hostPort",
            r#"hostPort (container "app" uses hostPort 8443)"#
        )
    );

    let v = only(
        Level::Baseline,
        vec![(
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app",
            json!("unconfined"),
        )],
    );
    assert_eq!(
        v.field,
        "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"
    );
    assert_eq!(
        v.message,
        r#"forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/app="unconfined")"#
    );

    let v = only(
        Level::Baseline,
        vec![(
            "/spec/securityContext/sysctls/-",
            json!({"name": "kernel.msgmax", "value": "1"}),
        )],
    );
    assert_eq!(
        (v.field.as_str(), v.message.as_str()),
        (
            "spec.securityContext.sysctls[name=kernel.msgmax]",
            "forbidden sysctls (kernel.msgmax)"
        )
    );

    let v = only(
        Level::Baseline,
        vec![("/spec/securityContext/seLinuxOptions/type", json!("spc_t"))],
    );
    assert_eq!(v.field, "spec.securityContext.seLinuxOptions.type");
    assert_eq!(
        v.message,
        r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t")"#
    );

    let v = only(
        Level::Restricted,
        vec![
            ("/spec/securityContext/runAsNonRoot", Value::Null),
            (
                "/spec/containers/0/securityContext/runAsNonRoot",
                json!(true),
            ),
            (
                "/spec/initContainers/0/securityContext/runAsNonRoot",
                json!(true),
            ),
        ],
    );
    assert_eq!(
        v.field,
        "spec.ephemeralContainers[name=debug].securityContext.runAsNonRoot"
    );
    assert_eq!(
        v.message,
        r#"runAsNonRoot != true (pod or container "debug" must set securityContext.runAsNonRoot=true)"#
    );

    let v = only(
        Level::Restricted,
        vec![("/spec/securityContext/runAsUser", json!(0))],
    );
    assert_eq!(
        (v.field.as_str(), v.message.as_str()),
        (
            "spec.securityContext.runAsUser",
            "runAsUser=0 (pod must not set runAsUser=0)"
        )
    );

    let v = only(
        Level::Restricted,
        vec![(
            "/spec/containers/0/securityContext/seccompProfile/type",
            json!("Unconfined"),
        )],
    );
    assert_eq!(
        v.field,
        "spec.containers[name=app].securityContext.seccompProfile.type"
    );
    assert_eq!(
        v.message,
        r#"seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")"#
    );

    let v = only(
        Level::Baseline,
        vec![(
            "/spec/containers/0/lifecycle/preStop/httpGet/host",
            json!("10.0.0.1"),
        )],
    );
    assert_eq!(
        v.field,
        "spec.containers[name=app].lifecycle.preStop.httpGet.host"
    );
}

#[test]
fn every_container_reported_separately() {
    let mut doc = base();
    set(&mut doc, "/spec/securityContext/runAsNonRoot", Value::Null);
    let vs = run(Level::Restricted, &doc);
    let fields: Vec<&str> = vs.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "spec.initContainers[name=init].securityContext.runAsNonRoot",
            "spec.containers[name=app].securityContext.runAsNonRoot",
            "spec.ephemeralContainers[name=debug].securityContext.runAsNonRoot",
        ]
    );

    // An explicit false is reported (as upstream) instead of the merely unset.
    set(
        &mut doc,
        "/spec/containers/0/securityContext/runAsNonRoot",
        json!(false),
    );
    let vs = run(Level::Restricted, &doc);
    assert_eq!(vs.len(), 1, "{vs:#?}");
    assert_eq!(
        vs[0].field,
        "spec.containers[name=app].securityContext.runAsNonRoot"
    );
    assert!(vs[0]
        .message
        .contains("must not set securityContext.runAsNonRoot=false"));
}

#[test]
fn baseline_pod_with_many_problems() {
    let mut doc = base();
    set(&mut doc, "/spec/hostPID", json!(true));
    set(
        &mut doc,
        "/spec/containers/0/securityContext/privileged",
        json!(true),
    );
    set(
        &mut doc,
        "/spec/containers/0/securityContext/allowPrivilegeEscalation",
        json!(true),
    );
    set(
        &mut doc,
        "/spec/volumes/-",
        json!({"name": "host", "hostPath": {"path": "/"}}),
    );
    let b = ids(&run(Level::Baseline, &doc));
    assert_eq!(
        b,
        set_of(&["hostNamespaces", "privileged", "hostPathVolumes"])
    );
    let r = ids(&run(Level::Restricted, &doc));
    assert_eq!(
        r,
        set_of(&[
            "hostNamespaces",
            "privileged",
            "restrictedVolumes",
            "allowPrivilegeEscalation"
        ])
    );
}

#[test]
fn minimal_pod_at_each_level() {
    let doc =
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
    assert!(run(Level::Privileged, &doc).is_empty());
    assert!(run(Level::Baseline, &doc).is_empty());
    let r = ids(&run(Level::Restricted, &doc));
    assert_eq!(
        r,
        set_of(&[
            "allowPrivilegeEscalation",
            "runAsNonRoot",
            "seccompProfile_restricted",
            "capabilities_restricted"
        ])
    );
}
