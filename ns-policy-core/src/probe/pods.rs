//! The probe pods: one server (one container per port) and one client per
//! namespace, built to pass Pod Security `restricted` and compute quotas.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvVar, ExecAction, Pod, PodSecurityContext, PodSpec,
    Probe, ResourceRequirements, SeccompProfile, SecurityContext, TCPSocketAction,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{ProbePlan, Role};
use crate::netpol::Protocol;

/// Numeric uid/gid of the probe containers (the agnhost image runs as root
/// unless told otherwise, which `runAsNonRoot` would refuse).
pub(super) const PROBE_UID: i64 = 65532;
/// cpu request of each probe container.
pub(super) const CPU_REQUEST: &str = "10m";
/// memory request of each probe container.
pub(super) const MEMORY_REQUEST: &str = "16Mi";
/// cpu limit of each server container.
pub(super) const CPU_LIMIT: &str = "100m";
/// memory limit of each server container.
pub(super) const MEMORY_LIMIT: &str = "64Mi";
/// cpu limit of the client container: the live runner starts up to eight
/// `agnhost connect` processes in it at once (about 30 ms of cpu each); at
/// 100m they would queue for seconds and eat into their own connect
/// timeout.
pub(super) const CLIENT_CPU_LIMIT: &str = "500m";
/// memory limit of the client container (eight Go processes at once).
pub(super) const CLIENT_MEMORY_LIMIT: &str = "128Mi";
/// Name of the client pod's container.
pub(crate) const CLIENT_CONTAINER: &str = "client";
/// Seconds added to the run timeout for `activeDeadlineSeconds` (a backstop
/// if cleanup never runs).
pub(super) const DEADLINE_MARGIN_SECS: i64 = 120;

/// Name of the server container listening on `port`.
pub(super) fn server_container_name(port: u16) -> String {
    format!("serve-{port}")
}

/// Name of the container port `port` (an IANA service name: at most 15
/// characters, with a letter).
pub(super) fn port_name(protocol: Protocol, port: u16) -> String {
    format!("{}-{port}", protocol.as_str().to_ascii_lowercase())
}

fn resources(cpu_limit: &str, memory_limit: &str) -> ResourceRequirements {
    let map = |cpu: &str, mem: &str| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(cpu.to_string())),
            ("memory".to_string(), Quantity(mem.to_string())),
        ])
    };
    ResourceRequirements {
        requests: Some(map(CPU_REQUEST, MEMORY_REQUEST)),
        limits: Some(map(cpu_limit, memory_limit)),
        ..Default::default()
    }
}

/// The container security context of Pod Security `restricted` (non-root
/// as [`PROBE_UID`], no privilege escalation, no capabilities, read-only
/// root, RuntimeDefault seccomp): the probe pods' and the schedule's.
pub(crate) fn container_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            add: None,
        }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(PROBE_UID),
        run_as_group: Some(PROBE_UID),
        privileged: Some(false),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            localhost_profile: None,
        }),
        ..Default::default()
    }
}

fn container(
    name: String,
    image: &str,
    args: Vec<String>,
    resources: ResourceRequirements,
) -> Container {
    Container {
        name,
        image: Some(image.to_string()),
        image_pull_policy: Some("IfNotPresent".to_string()),
        command: Some(vec!["/agnhost".to_string()]),
        args: Some(args),
        resources: Some(resources),
        security_context: Some(container_security()),
        // A server that cannot listen (SCTP without kernel support) says
        // why in its last log line: make that the termination message.
        termination_message_policy: Some("FallbackToLogsOnError".to_string()),
        ..Default::default()
    }
}

/// The pod security context of Pod Security `restricted`.
pub(crate) fn pod_security() -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(PROBE_UID),
        run_as_group: Some(PROBE_UID),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            localhost_profile: None,
        }),
        ..Default::default()
    }
}

fn pod(plan: &ProbePlan, namespace: &str, role: Role, containers: Vec<Container>) -> Pod {
    let deadline = i64::try_from(plan.timeout().as_secs()).unwrap_or(i64::MAX / 2);
    Pod {
        metadata: ObjectMeta {
            name: Some(plan.pod_name(role)),
            namespace: Some(namespace.to_string()),
            labels: Some(plan.labels(role)),
            ..Default::default()
        },
        spec: Some(PodSpec {
            containers,
            restart_policy: Some("Never".to_string()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            termination_grace_period_seconds: Some(0),
            active_deadline_seconds: Some(deadline.saturating_add(DEADLINE_MARGIN_SECS)),
            security_context: Some(pod_security()),
            ..Default::default()
        }),
        status: None,
    }
}

/// The server pod of `namespace`: one container per port (`agnhost
/// serve-hostname` for TCP and UDP, `agnhost porter` for SCTP, which
/// serve-hostname lacks), each with a named container port and a readiness
/// probe on it, so a Ready server is known to listen.
pub(crate) fn server_pod(plan: &ProbePlan, namespace: &str) -> Pod {
    let protocol = plan.protocol();
    let containers = plan
        .ports()
        .iter()
        .map(|&port| {
            let args = match protocol {
                Protocol::Sctp => vec!["porter".to_string()],
                Protocol::Udp | Protocol::Tcp => vec![
                    "serve-hostname".to_string(),
                    if protocol == Protocol::Udp {
                        "--udp"
                    } else {
                        "--tcp"
                    }
                    .to_string(),
                    "--http=false".to_string(),
                    format!("--port={port}"),
                ],
            };
            let mut c = container(
                server_container_name(port),
                plan.image(),
                args,
                resources(CPU_LIMIT, MEMORY_LIMIT),
            );
            if protocol == Protocol::Sctp {
                c.env = Some(vec![EnvVar {
                    name: format!("SERVE_SCTP_PORT_{port}"),
                    value: Some(plan.pod_name(Role::Server)),
                    value_from: None,
                }]);
            }
            c.ports = Some(vec![ContainerPort {
                name: Some(port_name(protocol, port)),
                container_port: i32::from(port),
                protocol: Some(protocol.as_str().to_string()),
                ..Default::default()
            }]);
            let mut probe = Probe {
                period_seconds: Some(1),
                timeout_seconds: Some(2),
                failure_threshold: Some(3),
                ..Default::default()
            };
            match protocol {
                Protocol::Udp | Protocol::Sctp => {
                    probe.exec = Some(ExecAction {
                        command: Some(vec![
                            "/agnhost".to_string(),
                            "connect".to_string(),
                            format!("127.0.0.1:{port}"),
                            format!("--protocol={}", protocol.as_str().to_ascii_lowercase()),
                            "--timeout=1s".to_string(),
                        ]),
                    });
                }
                Protocol::Tcp => {
                    probe.tcp_socket = Some(TCPSocketAction {
                        port: IntOrString::Int(i32::from(port)),
                        host: None,
                    });
                }
            }
            c.readiness_probe = Some(probe);
            c
        })
        .collect();
    pod(plan, namespace, Role::Server, containers)
}

/// The client pod of `namespace`: `agnhost pause`, used to run
/// `agnhost connect` by exec.
pub(crate) fn client_pod(plan: &ProbePlan, namespace: &str) -> Pod {
    let c = container(
        CLIENT_CONTAINER.to_string(),
        plan.image(),
        vec!["pause".to_string()],
        resources(CLIENT_CPU_LIMIT, CLIENT_MEMORY_LIMIT),
    );
    pod(plan, namespace, Role::Client, vec![c])
}

/// Fits the probe pod's container resources into the namespace's Container
/// LimitRanges: requests raised to `min`, limits kept at or above requests,
/// at or below `max`, and within `maxLimitRequestRatio` (a profile with a
/// minimum would otherwise reject the probe's tiny requests).
pub(crate) fn fit_resources(
    pod: &mut Pod,
    limit_ranges: &[k8s_openapi::api::core::v1::LimitRange],
) {
    use crate::quantity::Quantity as Q;
    let items: Vec<&k8s_openapi::api::core::v1::LimitRangeItem> = limit_ranges
        .iter()
        .filter_map(|lr| lr.spec.as_ref())
        .flat_map(|s| &s.limits)
        .filter(|i| i.type_ == "Container")
        .collect();
    if items.is_empty() {
        return;
    }
    let bound = |pick: fn(
        &k8s_openapi::api::core::v1::LimitRangeItem,
    ) -> Option<&BTreeMap<String, Quantity>>,
                 resource: &str,
                 largest: bool| {
        let all = items
            .iter()
            .filter_map(|i| pick(i)?.get(resource))
            .filter_map(|q| Q::parse(&q.0).ok());
        if largest {
            all.max()
        } else {
            all.min()
        }
    };
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    for c in spec.containers.iter_mut() {
        let Some(res) = c.resources.as_mut() else {
            continue;
        };
        for resource in ["cpu", "memory"] {
            let get = |m: &Option<BTreeMap<String, Quantity>>| {
                m.as_ref()
                    .and_then(|m| m.get(resource))
                    .and_then(|q| Q::parse(&q.0).ok())
            };
            let (Some(mut request), Some(mut limit)) = (get(&res.requests), get(&res.limits))
            else {
                continue;
            };
            if let Some(min) = bound(|i| i.min.as_ref(), resource, true) {
                request = request.max(min);
            }
            if let Some(ratio) = bound(|i| i.max_limit_request_ratio.as_ref(), resource, false) {
                if let Some(most) = scaled(&request, &ratio, resource) {
                    limit = limit.min(most);
                }
            }
            limit = limit.max(request.clone());
            if let Some(max) = bound(|i| i.max.as_ref(), resource, false) {
                limit = limit.min(max.clone());
                request = request.min(max);
            }
            for (map, q) in [(&mut res.requests, request), (&mut res.limits, limit)] {
                if let Some(m) = map.as_mut() {
                    m.insert(resource.to_string(), Quantity(q.text().to_string()));
                }
            }
        }
    }
}

/// `request × ratio`, rounded down to a whole millicore (cpu) or byte
/// (memory), never below the request: the largest limit a LimitRange's
/// `maxLimitRequestRatio` admits. `None` for a ratio below 1 (no limit
/// fits; the API server says so).
fn scaled(
    request: &crate::quantity::Quantity,
    ratio: &crate::quantity::Quantity,
    resource: &str,
) -> Option<crate::quantity::Quantity> {
    let r = ratio.as_f64();
    if r < 1.0 {
        return None;
    }
    let text = if resource == "cpu" {
        format!("{}m", (request.as_f64() * r * 1000.0).floor() as i64)
    } else {
        format!("{}", (request.as_f64() * r).floor() as i64)
    };
    let q = crate::quantity::Quantity::parse(&text).ok()?;
    Some(q.max(request.clone()))
}
