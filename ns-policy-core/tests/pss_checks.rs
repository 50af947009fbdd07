//! Pod Security Standards checker: pass/fail fixtures per check, modelled on
//! the upstream pod-security-admission test fixtures (one compliant restricted
//! pod; each case changes one thing and must fail exactly the expected check).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ns_policy_core::pss::{check_object, check_pod, parse_version, pod_spec_of, Level, Violation};
use serde_json::{json, Value};

const RESTRICTED_POD: &str = include_str!("fixtures/pss/restricted-pod.yaml");
const WORKLOADS: &str = include_str!("fixtures/pss/workloads.yaml");

fn base() -> Value {
    serde_yaml::from_str(RESTRICTED_POD).expect("fixture parses")
}

/// Sets `pointer` (JSON pointer; `-` appends to an array) to `value`,
/// creating intermediate objects; `Value::Null` removes the key.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let key = unescape(key);
    let key = key.as_str();
    let mut cur = doc;
    for part in parent.split('/').skip(1).map(unescape) {
        let part = part.as_str();
        cur = match cur {
            Value::Array(a) => &mut a[part.parse::<usize>().expect("index")],
            Value::Object(m) => m.entry(part.to_string()).or_insert_with(|| json!({})),
            other => panic!("cannot descend into {other} at {part}"),
        };
    }
    match cur {
        Value::Array(a) if key == "-" => a.push(value),
        Value::Array(a) => a[key.parse::<usize>().expect("index")] = value,
        Value::Object(m) if value.is_null() => {
            m.remove(key);
        }
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        other => panic!("cannot set {key} in {other}"),
    }
}

fn parse(doc: &Value) -> (ObjectMeta, PodSpec) {
    let (meta, spec, prefix) = pod_spec_of("Pod", doc).expect("pod");
    assert_eq!(prefix, "spec");
    (meta, spec)
}

fn run(level: Level, doc: &Value) -> Vec<Violation> {
    let (meta, spec) = parse(doc);
    check_pod(level, &meta, &spec)
}

fn ids(vs: &[Violation]) -> BTreeSet<&'static str> {
    vs.iter().map(|v| v.check).collect()
}

fn set_of(items: &[&'static str]) -> BTreeSet<&'static str> {
    items.iter().copied().collect()
}

/// One test case: mutations of the compliant pod and the checks expected to
/// fail at baseline and at restricted.
struct Case {
    name: &'static str,
    edits: Vec<(&'static str, Value)>,
    baseline: &'static [&'static str],
    restricted: &'static [&'static str],
}

fn case(
    name: &'static str,
    edits: Vec<(&'static str, Value)>,
    baseline: &'static [&'static str],
    restricted: &'static [&'static str],
) -> Case {
    Case {
        name,
        edits,
        baseline,
        restricted,
    }
}

const C0: &str = "/spec/containers/0/securityContext";
const NONE: &[&str] = &[];

fn cases() -> Vec<Case> {
    let c = |rest: &str| -> &'static str { Box::leak(format!("{C0}{rest}").into_boxed_str()) };
    vec![
        // ---- hostNamespaces
        case(
            "hostNetwork",
            vec![("/spec/hostNetwork", json!(true))],
            &["hostNamespaces"],
            &["hostNamespaces"],
        ),
        case(
            "hostPID",
            vec![("/spec/hostPID", json!(true))],
            &["hostNamespaces"],
            &["hostNamespaces"],
        ),
        case(
            "hostIPC",
            vec![("/spec/hostIPC", json!(true))],
            &["hostNamespaces"],
            &["hostNamespaces"],
        ),
        case(
            "host namespaces false",
            vec![
                ("/spec/hostNetwork", json!(false)),
                ("/spec/hostPID", json!(false)),
                ("/spec/hostIPC", json!(false)),
            ],
            NONE,
            NONE,
        ),
        // ---- privileged
        case(
            "privileged container",
            vec![(c("/privileged"), json!(true))],
            &["privileged"],
            &["privileged"],
        ),
        case(
            "privileged init container",
            vec![(
                "/spec/initContainers/0/securityContext/privileged",
                json!(true),
            )],
            &["privileged"],
            &["privileged"],
        ),
        case(
            "privileged ephemeral container",
            vec![(
                "/spec/ephemeralContainers/0/securityContext/privileged",
                json!(true),
            )],
            &["privileged"],
            &["privileged"],
        ),
        // ---- capabilities
        case(
            "add NET_RAW",
            vec![(
                c("/capabilities/add"),
                json!(["NET_BIND_SERVICE", "NET_RAW"]),
            )],
            &["capabilities_baseline"],
            &["capabilities_restricted"],
        ),
        case(
            "add SYS_ADMIN on init",
            vec![(
                "/spec/initContainers/0/securityContext/capabilities/add",
                json!(["SYS_ADMIN"]),
            )],
            &["capabilities_baseline"],
            &["capabilities_restricted"],
        ),
        case(
            "add default cap CHOWN",
            vec![(c("/capabilities/add"), json!(["CHOWN"]))],
            NONE,
            &["capabilities_restricted"],
        ),
        case(
            "add every default cap",
            vec![(
                c("/capabilities/add"),
                json!([
                    "AUDIT_WRITE",
                    "CHOWN",
                    "DAC_OVERRIDE",
                    "FOWNER",
                    "FSETID",
                    "KILL",
                    "MKNOD",
                    "NET_BIND_SERVICE",
                    "SETFCAP",
                    "SETGID",
                    "SETPCAP",
                    "SETUID",
                    "SYS_CHROOT"
                ]),
            )],
            NONE,
            &["capabilities_restricted"],
        ),
        case(
            "drop not ALL",
            vec![(c("/capabilities/drop"), json!(["NET_RAW"]))],
            NONE,
            &["capabilities_restricted"],
        ),
        case(
            "no capabilities",
            vec![(c("/capabilities"), Value::Null)],
            NONE,
            &["capabilities_restricted"],
        ),
        case(
            "no securityContext on ephemeral",
            vec![("/spec/ephemeralContainers/0/securityContext", Value::Null)],
            NONE,
            &["allowPrivilegeEscalation", "capabilities_restricted"],
        ),
        case(
            "drop lowercase all",
            vec![(c("/capabilities/drop"), json!(["all"]))],
            NONE,
            &["capabilities_restricted"],
        ),
        // ---- volumes
        case(
            "hostPath volume",
            vec![(
                "/spec/volumes/-",
                json!({"name": "host", "hostPath": {"path": "/var/run"}}),
            )],
            &["hostPathVolumes"],
            &["restrictedVolumes"],
        ),
        case(
            "nfs volume",
            vec![(
                "/spec/volumes/-",
                json!({"name": "nfs", "nfs": {"server": "nfs", "path": "/"}}),
            )],
            NONE,
            &["restrictedVolumes"],
        ),
        case(
            "gitRepo volume",
            vec![(
                "/spec/volumes/-",
                json!({"name": "git", "gitRepo": {"repository": "https://example.com/r.git"}}),
            )],
            NONE,
            &["restrictedVolumes"],
        ),
        case(
            "rbd volume",
            vec![(
                "/spec/volumes/-",
                json!({"name": "rbd", "rbd": {"monitors": ["m"], "image": "i"}}),
            )],
            NONE,
            &["restrictedVolumes"],
        ),
        case(
            "awsElasticBlockStore volume",
            vec![(
                "/spec/volumes/-",
                json!({"name": "ebs", "awsElasticBlockStore": {"volumeID": "v"}}),
            )],
            NONE,
            &["restrictedVolumes"],
        ),
        case(
            "volume without source",
            vec![("/spec/volumes/-", json!({"name": "empty"}))],
            NONE,
            &["restrictedVolumes"],
        ),
        // ---- hostPorts
        case(
            "hostPort",
            vec![("/spec/containers/0/ports/0/hostPort", json!(8080))],
            &["hostPorts"],
            &["hostPorts"],
        ),
        case(
            "hostPort on init",
            vec![(
                "/spec/initContainers/0/ports",
                json!([{"containerPort": 53, "hostPort": 53}]),
            )],
            &["hostPorts"],
            &["hostPorts"],
        ),
        case(
            "hostPort on ephemeral",
            vec![(
                "/spec/ephemeralContainers/0/ports",
                json!([{"containerPort": 53, "hostPort": 53}]),
            )],
            &["hostPorts"],
            &["hostPorts"],
        ),
        // ---- appArmorProfile
        case(
            "apparmor annotation unconfined",
            vec![(
                "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app",
                json!("unconfined"),
            )],
            &["appArmorProfile"],
            &["appArmorProfile"],
        ),
        case(
            "apparmor annotation other",
            vec![(
                "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1debug",
                json!("something"),
            )],
            &["appArmorProfile"],
            &["appArmorProfile"],
        ),
        case(
            "apparmor annotation empty",
            vec![(
                "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1debug",
                json!(""),
            )],
            NONE,
            NONE,
        ),
        case(
            "apparmor pod Unconfined",
            vec![(
                "/spec/securityContext/appArmorProfile/type",
                json!("Unconfined"),
            )],
            &["appArmorProfile"],
            &["appArmorProfile"],
        ),
        case(
            "apparmor container Unconfined",
            vec![(c("/appArmorProfile"), json!({"type": "Unconfined"}))],
            &["appArmorProfile"],
            &["appArmorProfile"],
        ),
        case(
            "apparmor pod Localhost",
            vec![(
                "/spec/securityContext/appArmorProfile",
                json!({"type": "Localhost", "localhostProfile": "p"}),
            )],
            NONE,
            NONE,
        ),
        // ---- seLinuxOptions
        case(
            "selinux pod type spc_t",
            vec![("/spec/securityContext/seLinuxOptions/type", json!("spc_t"))],
            &["seLinuxOptions"],
            &["seLinuxOptions"],
        ),
        case(
            "selinux container type spc_t",
            vec![(c("/seLinuxOptions/type"), json!("spc_t"))],
            &["seLinuxOptions"],
            &["seLinuxOptions"],
        ),
        case(
            "selinux user",
            vec![(
                "/spec/securityContext/seLinuxOptions/user",
                json!("system_u"),
            )],
            &["seLinuxOptions"],
            &["seLinuxOptions"],
        ),
        case(
            "selinux role",
            vec![(
                "/spec/initContainers/0/securityContext/seLinuxOptions",
                json!({"role": "system_r"}),
            )],
            &["seLinuxOptions"],
            &["seLinuxOptions"],
        ),
        case(
            "selinux container_init_t",
            vec![(c("/seLinuxOptions/type"), json!("container_init_t"))],
            NONE,
            NONE,
        ),
        case(
            "selinux container_kvm_t",
            vec![(c("/seLinuxOptions/type"), json!("container_kvm_t"))],
            NONE,
            NONE,
        ),
        case(
            "selinux empty strings",
            vec![(
                c("/seLinuxOptions"),
                json!({"type": "", "user": "", "role": "", "level": "s0"}),
            )],
            NONE,
            NONE,
        ),
        // ---- procMount
        case(
            "procMount Unmasked",
            vec![(c("/procMount"), json!("Unmasked"))],
            &["procMount"],
            &["procMount_restricted"],
        ),
        case(
            "procMount Unmasked ephemeral",
            vec![(
                "/spec/ephemeralContainers/0/securityContext/procMount",
                json!("Unmasked"),
            )],
            &["procMount"],
            &["procMount_restricted"],
        ),
        case(
            "procMount Unmasked with hostUsers false",
            vec![
                (c("/procMount"), json!("Unmasked")),
                ("/spec/hostUsers", json!(false)),
            ],
            NONE,
            &["procMount_restricted"],
        ),
        // ---- seccomp
        case(
            "seccomp pod Unconfined",
            vec![(
                "/spec/securityContext/seccompProfile/type",
                json!("Unconfined"),
            )],
            &["seccompProfile_baseline"],
            &["seccompProfile_restricted"],
        ),
        case(
            "seccomp container Unconfined",
            vec![(c("/seccompProfile"), json!({"type": "Unconfined"}))],
            &["seccompProfile_baseline"],
            &["seccompProfile_restricted"],
        ),
        case(
            "seccomp pod unset",
            vec![("/spec/securityContext/seccompProfile", Value::Null)],
            NONE,
            &["seccompProfile_restricted"],
        ),
        case(
            "seccomp pod unset, every container set",
            vec![
                ("/spec/securityContext/seccompProfile", Value::Null),
                (
                    "/spec/initContainers/0/securityContext/seccompProfile",
                    json!({"type": "RuntimeDefault"}),
                ),
                (
                    "/spec/ephemeralContainers/0/securityContext/seccompProfile",
                    json!({"type": "Localhost", "localhostProfile": "p.json"}),
                ),
            ],
            NONE,
            NONE,
        ),
        case(
            "seccomp pod Localhost",
            vec![(
                "/spec/securityContext/seccompProfile",
                json!({"type": "Localhost", "localhostProfile": "p.json"}),
            )],
            NONE,
            NONE,
        ),
        // ---- sysctls
        case(
            "unsafe sysctl",
            vec![(
                "/spec/securityContext/sysctls/-",
                json!({"name": "kernel.msgmax", "value": "1"}),
            )],
            &["sysctls"],
            &["sysctls"],
        ),
        case(
            "unsafe net sysctl",
            vec![(
                "/spec/securityContext/sysctls/-",
                json!({"name": "net.core.somaxconn", "value": "1024"}),
            )],
            &["sysctls"],
            &["sysctls"],
        ),
        case(
            "every safe sysctl",
            vec![(
                "/spec/securityContext/sysctls",
                json!([
                    {"name": "kernel.shm_rmid_forced", "value": "0"},
                    {"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"},
                    {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"},
                    {"name": "net.ipv4.tcp_syncookies", "value": "1"},
                    {"name": "net.ipv4.ping_group_range", "value": "0 0"},
                    {"name": "net.ipv4.ip_local_reserved_ports", "value": "1000"},
                    {"name": "net.ipv4.tcp_keepalive_time", "value": "600"},
                    {"name": "net.ipv4.tcp_fin_timeout", "value": "30"},
                    {"name": "net.ipv4.tcp_keepalive_intvl", "value": "60"},
                    {"name": "net.ipv4.tcp_keepalive_probes", "value": "5"},
                    {"name": "net.ipv4.tcp_rmem", "value": "4096 87380 16777216"},
                    {"name": "net.ipv4.tcp_wmem", "value": "4096 65536 16777216"}
                ]),
            )],
            NONE,
            NONE,
        ),
        // ---- windowsHostProcess
        case(
            "hostProcess pod",
            vec![(
                "/spec/securityContext/windowsOptions",
                json!({"hostProcess": true}),
            )],
            &["windowsHostProcess"],
            &["windowsHostProcess"],
        ),
        case(
            "hostProcess container",
            vec![(c("/windowsOptions/hostProcess"), json!(true))],
            &["windowsHostProcess"],
            &["windowsHostProcess"],
        ),
        // ---- hostProbesAndHostLifecycle
        case(
            "probe httpGet host",
            vec![(
                "/spec/containers/0/livenessProbe/httpGet/host",
                json!("10.0.0.1"),
            )],
            &["hostProbesAndHostLifecycle"],
            &["hostProbesAndHostLifecycle"],
        ),
        case(
            "probe tcpSocket host",
            vec![(
                "/spec/containers/0/readinessProbe/tcpSocket/host",
                json!("example.com"),
            )],
            &["hostProbesAndHostLifecycle"],
            &["hostProbesAndHostLifecycle"],
        ),
        case(
            "lifecycle httpGet host",
            vec![(
                "/spec/containers/0/lifecycle/preStop/httpGet/host",
                json!("127.0.0.1"),
            )],
            &["hostProbesAndHostLifecycle"],
            &["hostProbesAndHostLifecycle"],
        ),
        case(
            "probe empty host",
            vec![("/spec/containers/0/livenessProbe/httpGet/host", json!(""))],
            NONE,
            NONE,
        ),
        // ---- allowPrivilegeEscalation
        case(
            "allowPrivilegeEscalation true",
            vec![(c("/allowPrivilegeEscalation"), json!(true))],
            NONE,
            &["allowPrivilegeEscalation"],
        ),
        case(
            "allowPrivilegeEscalation unset on init",
            vec![(
                "/spec/initContainers/0/securityContext/allowPrivilegeEscalation",
                Value::Null,
            )],
            NONE,
            &["allowPrivilegeEscalation"],
        ),
        // ---- runAsNonRoot
        case(
            "runAsNonRoot pod false",
            vec![("/spec/securityContext/runAsNonRoot", json!(false))],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot pod unset",
            vec![("/spec/securityContext/runAsNonRoot", Value::Null)],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot container false overrides pod true",
            vec![(c("/runAsNonRoot"), json!(false))],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot pod unset, every container true",
            vec![
                ("/spec/securityContext/runAsNonRoot", Value::Null),
                (c("/runAsNonRoot"), json!(true)),
                (
                    "/spec/initContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
                (
                    "/spec/ephemeralContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
            ],
            NONE,
            NONE,
        ),
        case(
            "runAsNonRoot pod false, every container true",
            vec![
                ("/spec/securityContext/runAsNonRoot", json!(false)),
                (c("/runAsNonRoot"), json!(true)),
                (
                    "/spec/initContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
                (
                    "/spec/ephemeralContainers/0/securityContext/runAsNonRoot",
                    json!(true),
                ),
            ],
            NONE,
            &["runAsNonRoot"],
        ),
        case(
            "runAsNonRoot unset with hostUsers false",
            vec![
                ("/spec/securityContext/runAsNonRoot", Value::Null),
                ("/spec/hostUsers", json!(false)),
            ],
            NONE,
            NONE,
        ),
        // ---- runAsUser
        case(
            "runAsUser pod 0",
            vec![("/spec/securityContext/runAsUser", json!(0))],
            NONE,
            &["runAsUser"],
        ),
        case(
            "runAsUser container 0",
            vec![(c("/runAsUser"), json!(0))],
            NONE,
            &["runAsUser"],
        ),
        case(
            "runAsUser ephemeral 0",
            vec![(
                "/spec/ephemeralContainers/0/securityContext/runAsUser",
                json!(0),
            )],
            NONE,
            &["runAsUser"],
        ),
        case(
            "runAsUser unset",
            vec![
                ("/spec/securityContext/runAsUser", Value::Null),
                (c("/runAsUser"), Value::Null),
            ],
            NONE,
            NONE,
        ),
        case(
            "runAsUser 0 with hostUsers false",
            vec![
                ("/spec/securityContext/runAsUser", json!(0)),
                ("/spec/hostUsers", json!(false)),
            ],
            NONE,
            NONE,
        ),
        case(
            "hostUsers true",
            vec![("/spec/hostUsers", json!(true))],
            NONE,
            NONE,
        ),
        // ---- Windows pods skip the Linux-only restricted checks
        case(
            "windows pod without linux-only settings",
            vec![
                ("/spec/os", json!({"name": "windows"})),
                ("/spec/securityContext/seccompProfile", Value::Null),
                (c("/seccompProfile"), Value::Null),
                (c("/capabilities"), Value::Null),
                (c("/allowPrivilegeEscalation"), Value::Null),
                ("/spec/initContainers/0/securityContext", Value::Null),
            ],
            NONE,
            NONE,
        ),
        case(
            "linux pod without linux-only settings",
            vec![
                ("/spec/os", json!({"name": "linux"})),
                ("/spec/securityContext/seccompProfile", Value::Null),
                (c("/seccompProfile"), Value::Null),
            ],
            NONE,
            &["seccompProfile_restricted"],
        ),
        case(
            "windows pod still bound by runAsNonRoot",
            vec![
                ("/spec/os", json!({"name": "windows"})),
                ("/spec/securityContext/runAsNonRoot", json!(false)),
            ],
            NONE,
            &["runAsNonRoot"],
        ),
        // Upstream quirk: seccompProfile_restricted overrides the baseline
        // check and skips Windows pods, so Unconfined passes restricted there.
        case(
            "windows pod with Unconfined seccomp",
            vec![
                ("/spec/os", json!({"name": "windows"})),
                (
                    "/spec/securityContext/seccompProfile/type",
                    json!("Unconfined"),
                ),
            ],
            &["seccompProfile_baseline"],
            NONE,
        ),
    ]
}

#[test]
fn compliant_pod_passes_every_level() {
    let doc = base();
    for level in Level::ALL {
        let vs = run(level, &doc);
        assert!(vs.is_empty(), "{level}: {vs:#?}");
    }
}

#[test]
fn each_case_fails_exactly_the_expected_checks() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut doc = base();
        for (pointer, value) in &case.edits {
            set(&mut doc, pointer, value.clone());
        }
        let privileged = run(Level::Privileged, &doc);
        if !privileged.is_empty() {
            failures.push(format!(
                "{}: privileged level reported {privileged:?}",
                case.name
            ));
        }
        for (level, expected) in [
            (Level::Baseline, case.baseline),
            (Level::Restricted, case.restricted),
        ] {
            let vs = run(level, &doc);
            if ids(&vs) != set_of(expected) {
                failures.push(format!(
                    "{} at {level}: expected {expected:?}, got {vs:#?}",
                    case.name
                ));
            }
            for v in &vs {
                if v.level > level || v.level == Level::Privileged {
                    failures.push(format!(
                        "{}: violation level {} at {level}: {v:?}",
                        case.name, v.level
                    ));
                }
                if !v.message.starts_with(char::is_alphabetic) || !v.message.ends_with(')') {
                    failures.push(format!("{}: odd message {:?}", case.name, v.message));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

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

#[test]
fn level_and_version_parsing() {
    assert_eq!("restricted".parse::<Level>().unwrap(), Level::Restricted);
    let err = "strict".parse::<Level>().unwrap_err().to_string();
    assert!(
        err.contains("\"strict\"") && err.contains("privileged, baseline, restricted"),
        "{err}"
    );
    assert_eq!(
        serde_json::from_str::<Level>("\"baseline\"").unwrap(),
        Level::Baseline
    );
    assert!(serde_json::from_str::<Level>("\"Baseline\"").is_err());
    assert_eq!(Level::Restricted.to_string(), "restricted");
    assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
    assert!(parse_version("latest").is_ok());
    assert!(parse_version("v1.33").is_ok());
    assert!(parse_version("v1.0").is_ok());
    let err = parse_version("1.33").unwrap_err();
    assert!(err.contains("latest") && err.contains("v1.x"), "{err}");
    assert!(parse_version("v2.1").is_err());
    assert!(parse_version("v1.33.1").is_err());
}
