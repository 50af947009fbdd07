//! Probe pods: Pod Security, resources, labels and hardening, the UDP
//! readiness probe, LimitRange fitting, client and server labels.

use k8s_openapi::api::core::v1::Pod;

use crate::pss::{check_pod, Level};

use super::*;

fn all_pods(p: &ProbePlan) -> Vec<Pod> {
    p.namespaces()
        .iter()
        .flat_map(|ns| [server_pod(p, ns), client_pod(p, ns)])
        .collect()
}

/// The command of a container's exec readiness probe.
fn exec_readiness(c: &k8s_openapi::api::core::v1::Container) -> Vec<String> {
    c.readiness_probe
        .as_ref()
        .and_then(|p| p.exec.as_ref())
        .and_then(|e| e.command.clone())
        .expect("an exec readiness probe")
}

#[test]
fn probe_pods_pass_pod_security_restricted() {
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        let mut o = opts(&["pr-1"], &[8080, 9090]);
        o.protocol = protocol;
        let p = ProbePlan::new(o).unwrap();
        for pod in all_pods(&p) {
            let v = check_pod(Level::Restricted, &pod.metadata, pod.spec.as_ref().unwrap());
            assert!(v.is_empty(), "{protocol}: violations: {v:?}");
        }
    }
}

#[test]
fn probe_pods_carry_requests_limits_labels_and_hardening() {
    let p = plan(&["pr-1"], &[8080, 9090]);
    for pod in all_pods(&p) {
        let labels = pod.metadata.labels.clone().unwrap();
        assert_eq!(labels[MANAGED_BY_LABEL], MANAGED_BY_VALUE);
        assert_eq!(labels[RUN_LABEL], "run1");
        assert_eq!(labels["app"], "web", "user's --pod-label");
        let spec = pod.spec.unwrap();
        assert_eq!(spec.automount_service_account_token, Some(false));
        assert_eq!(spec.enable_service_links, Some(false));
        assert_eq!(spec.termination_grace_period_seconds, Some(0));
        assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
        assert_eq!(spec.active_deadline_seconds, Some(60 + 120));
        let psc = spec.security_context.unwrap();
        assert_eq!(psc.run_as_user, Some(super::super::pods::PROBE_UID));
        assert_eq!(psc.run_as_non_root, Some(true));
        for c in &spec.containers {
            let r = c.resources.as_ref().unwrap();
            for (what, map) in [("requests", &r.requests), ("limits", &r.limits)] {
                let map = map
                    .as_ref()
                    .unwrap_or_else(|| panic!("{} has no {what}", c.name));
                assert!(map.contains_key("cpu") && map.contains_key("memory"));
            }
            assert_eq!(c.image_pull_policy.as_deref(), Some("IfNotPresent"));
            let sc = c.security_context.as_ref().unwrap();
            assert_eq!(sc.read_only_root_filesystem, Some(true));
            assert_eq!(c.command.as_deref(), Some(&["/agnhost".to_string()][..]));
        }
    }
    let server = server_pod(&p, "pr-1");
    assert_eq!(
        server.metadata.name.as_deref(),
        Some("ns-policy-probe-server-run1")
    );
    assert_eq!(server.metadata.labels.unwrap()[ROLE_LABEL], "server");
    let containers = server.spec.unwrap().containers;
    assert_eq!(containers.len(), 2, "one container per port");
    let c = &containers[1];
    assert_eq!(c.name, "serve-9090");
    assert_eq!(
        c.args.as_deref().unwrap(),
        ["serve-hostname", "--tcp", "--http=false", "--port=9090"]
    );
    let port = &c.ports.as_ref().unwrap()[0];
    assert_eq!(
        (port.name.as_deref(), port.container_port),
        (Some("tcp-9090"), 9090)
    );
    let probe = c.readiness_probe.as_ref().unwrap();
    assert!(
        probe.tcp_socket.is_some(),
        "TCP servers are Ready once listening"
    );
    let client = client_pod(&p, "pr-1");
    assert_eq!(client.metadata.labels.unwrap()[ROLE_LABEL], "client");
    assert_eq!(
        client.spec.unwrap().containers[0].args.as_deref().unwrap(),
        ["pause"]
    );
}

#[test]
fn udp_servers_are_checked_by_an_exec_readiness_probe() {
    let mut o = opts(&["pr-1"], &[5353]);
    o.protocol = Protocol::Udp;
    let p = ProbePlan::new(o).unwrap();
    let c = &server_pod(&p, "pr-1").spec.unwrap().containers[0];
    assert!(c.args.as_ref().unwrap().contains(&"--udp".to_string()));
    let cmd = exec_readiness(c);
    assert_eq!(cmd[..3], ["/agnhost", "connect", "127.0.0.1:5353"]);
    assert!(cmd.contains(&"--protocol=udp".to_string()));
}

#[test]
fn sctp_servers_listen_with_porter_and_say_why_when_they_cannot() {
    let mut o = opts(&["pr-1"], &[9000, 9001]);
    o.protocol = Protocol::Sctp;
    let p = ProbePlan::new(o).unwrap();
    let spec = server_pod(&p, "pr-1").spec.unwrap();
    assert_eq!(spec.containers.len(), 2);
    for (c, port) in spec.containers.iter().zip([9000, 9001]) {
        assert_eq!(c.args.as_deref().unwrap(), ["porter"]);
        let env = c.env.as_ref().unwrap();
        assert_eq!(env[0].name, format!("SERVE_SCTP_PORT_{port}"));
        let cp = &c.ports.as_ref().unwrap()[0];
        assert_eq!(
            (cp.container_port, cp.protocol.as_deref()),
            (port, Some("SCTP"))
        );
        assert_eq!(cp.name.as_deref(), Some(format!("sctp-{port}").as_str()));
        let cmd = exec_readiness(c);
        assert!(cmd.contains(&"--protocol=sctp".to_string()), "{cmd:?}");
        assert_eq!(
            c.termination_message_policy.as_deref(),
            Some("FallbackToLogsOnError")
        );
    }
}

#[test]
fn client_and_server_labels_go_on_their_role_only() {
    let mut o = opts(&["a"], &[80]);
    o.client_labels = BTreeMap::from([("role".to_string(), "api".to_string())]);
    o.server_labels = BTreeMap::from([("app".to_string(), "postgres".to_string())]);
    let p = ProbePlan::new(o).unwrap();
    assert_eq!(
        p.labels(Role::Client).get("role").map(String::as_str),
        Some("api")
    );
    assert!(!p.labels(Role::Client).contains_key("app") || p.labels(Role::Client)["app"] == "web");
    assert_eq!(p.labels(Role::Server)["app"], "postgres");
    assert!(!p.labels(Role::Server).contains_key("role"));
    let mut o = opts(&["a"], &[80]);
    o.server_labels = BTreeMap::from([(RUN_LABEL.to_string(), "x".to_string())]);
    let e = ProbePlan::new(o).unwrap_err().to_string();
    assert!(e.contains("server labels") && e.contains(RUN_LABEL), "{e}");
}

#[test]
fn probe_pods_fit_a_limit_range_minimum_maximum_and_ratio() {
    let p = plan(&["a"], &[80]);
    let lr: k8s_openapi::api::core::v1::LimitRange = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "l", "namespace": "a"},
        "spec": {"limits": [{"type": "Container",
            "min": {"cpu": "50m", "memory": "128Mi"},
            "max": {"memory": "100Mi"},
            "maxLimitRequestRatio": {"cpu": "2"}}]}
    }))
    .unwrap();
    let mut pod = client_pod(&p, "a");
    fit_resources(&mut pod, &[lr]);
    let r = pod.spec.unwrap().containers[0].resources.clone().unwrap();
    let (req, lim) = (r.requests.unwrap(), r.limits.unwrap());
    assert_eq!(req["cpu"].0, "50m");
    assert_eq!(
        lim["cpu"].0, "100m",
        "the limit is cut to request × maxLimitRequestRatio, not to the request"
    );
    // max below min is not ours to fix: the request is clamped to max.
    assert_eq!(req["memory"].0, "100Mi");
    assert_eq!(lim["memory"].0, "100Mi");
    // Without LimitRanges nothing changes.
    let mut pod = client_pod(&p, "a");
    let before = pod.clone();
    fit_resources(&mut pod, &[]);
    assert_eq!(pod, before);
}

#[test]
fn a_fractional_limit_request_ratio_cuts_the_limit_to_the_largest_admitted_value() {
    let p = plan(&["a"], &[80]);
    let lr: k8s_openapi::api::core::v1::LimitRange = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "l", "namespace": "a"},
        "spec": {"limits": [{"type": "Container",
            "maxLimitRequestRatio": {"cpu": "1500m", "memory": "1.5"}}]}
    }))
    .unwrap();
    let mut pod = client_pod(&p, "a");
    fit_resources(&mut pod, &[lr]);
    let r = pod.spec.unwrap().containers[0].resources.clone().unwrap();
    let (req, lim) = (r.requests.unwrap(), r.limits.unwrap());
    assert_eq!(req["cpu"].0, "10m");
    assert_eq!(lim["cpu"].0, "15m");
    assert_eq!(req["memory"].0, "16Mi");
    // 16Mi × 1.5 in bytes.
    assert_eq!(lim["memory"].0, (16 * 1024 * 1024 * 3 / 2).to_string());
}

#[test]
fn the_client_has_room_for_a_batch_of_connects_and_the_server_stays_small() {
    let p = plan(&["a"], &[80]);
    let client = client_pod(&p, "a").spec.unwrap().containers[0]
        .resources
        .clone()
        .unwrap()
        .limits
        .unwrap();
    assert_eq!(client["cpu"].0, "500m");
    assert_eq!(client["memory"].0, "128Mi");
    let server = server_pod(&p, "a").spec.unwrap().containers[0]
        .resources
        .clone()
        .unwrap()
        .limits
        .unwrap();
    assert_eq!(server["cpu"].0, "100m");
    assert_eq!(server["memory"].0, "64Mi");
}
