//! Cases of the baseline checks (and of the restricted checks that override
//! them on the same fields).

use serde_json::{json, Value};

use super::{c, case, Case, NONE};

pub(super) fn cases() -> Vec<Case> {
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
    ]
}
