//! Unit tests of the probe planner, prediction, report and decisions (no
//! cluster).

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::status::{pod_state, PodState};
use super::*;
use crate::netpol::{Evaluator, Protocol};
use crate::pss::{check_pod, Level};

fn opts(namespaces: &[&str], ports: &[u16]) -> ProbeOptions {
    ProbeOptions {
        namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
        ports: ports.to_vec(),
        protocol: Protocol::Tcp,
        image: "registry.k8s.io/e2e-test-images/agnhost:2.53".into(),
        pod_labels: BTreeMap::from([("app".to_string(), "web".to_string())]),
        client_labels: BTreeMap::new(),
        server_labels: BTreeMap::new(),
        targets: Vec::new(),
        run_id: "run1".into(),
        timeout: Duration::from_secs(60),
    }
}

fn plan(namespaces: &[&str], ports: &[u16]) -> ProbePlan {
    ProbePlan::new(opts(namespaces, ports)).expect("valid plan")
}

/// What `kubectl ns-policy create` puts in a namespace (network part):
/// default deny both ways, same-namespace traffic allowed both ways.
fn isolated_policies(ns: &str) -> Vec<NetworkPolicy> {
    let yaml = format!(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-same-namespace, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{{podSelector: {{}}}}]
  egress:
  - to: [{{podSelector: {{}}}}]
"#
    );
    yaml.split("\n---\n")
        .map(|d| serde_yaml::from_str(d).expect("fixture"))
        .collect()
}

fn two_isolated() -> (ProbePlan, Evaluator) {
    let p = plan(&["pr-1", "pr-2"], &[8080]);
    let mut policies = isolated_policies("pr-1");
    policies.extend(isolated_policies("pr-2"));
    let ev = Evaluator::new(
        vec![
            NamespaceInfo::new("pr-1", BTreeMap::new()),
            NamespaceInfo::new("pr-2", BTreeMap::new()),
        ],
        policies,
    );
    (p, ev)
}

fn all_pods(p: &ProbePlan) -> Vec<Pod> {
    p.namespaces()
        .iter()
        .flat_map(|ns| [server_pod(p, ns), client_pod(p, ns)])
        .collect()
}

#[test]
fn probe_pods_pass_pod_security_restricted() {
    for protocol in [Protocol::Tcp, Protocol::Udp] {
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
        assert_eq!(psc.run_as_user, Some(PROBE_UID));
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
    let cmd = c
        .readiness_probe
        .as_ref()
        .and_then(|p| p.exec.as_ref())
        .and_then(|e| e.command.clone())
        .unwrap();
    assert_eq!(cmd[..3], ["/agnhost", "connect", "127.0.0.1:5353"]);
    assert!(cmd.contains(&"--protocol=udp".to_string()));
}

#[test]
fn plan_validation_rejects_bad_input_before_anything_is_created() {
    let bad = |o: ProbeOptions, needle: &str| {
        let e = ProbePlan::new(o).expect_err("must be rejected").to_string();
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    };
    bad(opts(&[], &[8080]), "at least one namespace");
    bad(opts(&["Bad_Name"], &[8080]), "invalid namespace name");
    bad(opts(&["a", "a"], &[8080]), "named twice");
    bad(opts(&["a"], &[8080, 0]), "invalid port 0");
    bad(opts(&["a"], &[]), "no port");
    let mut o = opts(&["a"], &[8080]);
    o.protocol = Protocol::Sctp;
    bad(o, "SCTP");
    let mut o = opts(&["a"], &[8080]);
    o.pod_labels.insert(RUN_LABEL.into(), "x".into());
    bad(o, RUN_LABEL);
    let mut o = opts(&["a"], &[8080]);
    o.run_id = "Not valid".into();
    bad(o, "run id");
    let mut o = opts(&["a"], &[8080]);
    o.image = " ".into();
    bad(o, "image");
    // Duplicated ports are dropped, order kept.
    assert_eq!(plan(&["a"], &[9090, 8080, 9090]).ports(), [9090, 8080]);
}

#[test]
fn run_ids_are_label_values_and_differ() {
    let a = new_run_id();
    let b = new_run_id();
    assert_ne!(a, b);
    for id in [&a, &b] {
        assert_eq!(id.len(), 10);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(ProbePlan::new(ProbeOptions {
            run_id: id.clone(),
            ..opts(&["a"], &[8080])
        })
        .is_ok());
    }
}

#[test]
fn cells_enumerate_every_ordered_pair_and_port() {
    let p = plan(&["a", "b", "c"], &[80, 81]);
    assert_eq!(p.cell_count(), 18);
    let pred = p.predict(&Evaluator::default(), &ProbeIps::default());
    assert_eq!(pred.len(), 18);
    let mut seen = std::collections::HashSet::new();
    for c in pred.cells() {
        assert!(seen.insert((c.from, c.to, c.port)));
    }
    assert_eq!(seen.len(), 18);
}

#[test]
fn two_default_deny_namespaces_predict_deny_across_and_allow_within() {
    let (p, ev) = two_isolated();
    let pred = p.predict(&ev, &ProbeIps::default());
    // a->a, a->b, b->a, b->b
    assert_eq!(allowed(&pred), [true, false, false, true]);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert_eq!(report.summary.expected_allow, 2);
    assert_eq!(report.summary.expected_deny, 2);
    assert_eq!(report.summary.cross_namespace_allowed, 0);
    let across = report.results.get(Cell {
        from: 0,
        to: 1,
        port: 0,
    });
    assert_eq!((across.from.as_str(), across.to.as_str()), ("pr-1", "pr-2"));
    assert!(
        across.explanation.contains("egress denied")
            && across.explanation.contains("pr-1/default-deny"),
        "{}",
        across.explanation
    );
    assert_eq!(report.outcome(true), ProbeOutcome::Ok);
}

#[test]
fn an_ingress_allow_from_the_other_namespace_by_name_flips_one_direction_only() {
    let (p, _) = two_isolated();
    let mut policies = isolated_policies("pr-1");
    policies.extend(isolated_policies("pr-2"));
    let extra = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-from-pr-1, namespace: pr-2}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pr-1}}}]
    ports: [{port: tcp-8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-to-pr-2, namespace: pr-1}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pr-2}}}]
    ports: [{port: 8080}]
"#;
    for d in extra.split("\n---\n") {
        policies.push(serde_yaml::from_str(d).unwrap());
    }
    let ev = Evaluator::new(vec![], policies);
    // The named port resolves on the server pod; the --pod-label app=web
    // makes the podSelector match.
    assert_eq!(
        allowed(&p.predict(&ev, &ProbeIps::default())),
        [true, true, false, true]
    );
}

fn allowed(p: &Prediction) -> Vec<bool> {
    p.values().iter().map(|c| c.allowed).collect()
}

/// A 2×2 single-port prediction and observation, in cell order.
fn observed(outcomes: &[(bool, Outcome)]) -> (Prediction, Observed) {
    let n = 2;
    let prediction = Matrix::from_cells(
        n,
        1,
        outcomes
            .iter()
            .map(|(a, _)| Predicted {
                allowed: *a,
                explanation: "test".into(),
            })
            .collect(),
    )
    .expect("2x2 cells");
    let obs = Matrix::from_cells(
        n,
        1,
        outcomes
            .iter()
            .map(|(_, o)| Observation {
                outcome: *o,
                detail: o.as_str().into(),
                attempts: 1,
            })
            .collect(),
    )
    .expect("2x2 cells");
    (
        prediction,
        Observed {
            matrix: obs,
            external: Vec::new(),
        },
    )
}

#[test]
fn report_json_has_the_documented_shape() {
    let (p, ev) = two_isolated();
    let offline =
        serde_json::to_value(ProbeReport::offline(&p, &ev, &ProbeIps::default())).unwrap();
    assert_eq!(offline["apiVersion"], "ns-policy.io/v1alpha1");
    assert_eq!(offline["kind"], "ProbeReport");
    assert_eq!(offline["mode"], "offline");
    assert!(offline["enforced"].is_null());
    let r = &offline["results"][1];
    assert_eq!(r["from"], "pr-1");
    assert_eq!(r["to"], "pr-2");
    assert_eq!(r["port"], 8080);
    assert_eq!(r["protocol"], "TCP");
    assert_eq!(r["expected"], "deny");
    assert!(r["observed"].is_null() && r["match"].is_null() && r["detail"].is_null());
    assert!(r["explanation"].as_str().unwrap().contains("denied"));
    assert_eq!(offline["summary"]["cells"], 4);

    let (pred, obs) = observed(&[
        (true, Outcome::Allow),
        (false, Outcome::Deny),
        (false, Outcome::Allow),
        (true, Outcome::Error),
    ]);
    let live = ProbeReport::live(&p, &pred, &[], &obs);
    let v = serde_json::to_value(&live).unwrap();
    assert_eq!(v["mode"], "live");
    assert_eq!(v["runId"], "run1");
    assert_eq!(v["results"][0]["observed"], "allow");
    assert_eq!(v["results"][0]["match"], true);
    assert_eq!(v["results"][2]["observed"], "allow");
    assert_eq!(v["results"][2]["match"], false);
    assert_eq!(v["results"][3]["observed"], "error");
    assert_eq!(v["results"][3]["match"], false);
    assert_eq!(v["enforced"], true);
    assert_eq!(v["summary"]["mismatches"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["crossNamespaceAllowed"], 1);
    // Round trip.
    let back: ProbeReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, live);
}

#[test]
fn not_enforced_when_every_predicted_deny_connects() {
    use Connectivity::{Allow as A, Deny as D};
    use Outcome::{Allow, Deny, Error};
    // Every deny cell open: not enforced.
    assert_eq!(
        enforcement([(A, Some(Allow)), (D, Some(Allow)), (D, Some(Allow))]),
        Some(false)
    );
    // One deny cell blocked: enforced (the others are mismatches).
    assert_eq!(enforcement([(D, Some(Allow)), (D, Some(Deny))]), Some(true));
    // Nothing predicted deny, or only errors there: cannot tell.
    assert_eq!(enforcement([(A, Some(Allow)), (A, Some(Deny))]), None);
    assert_eq!(enforcement([(D, Some(Error))]), None);
    assert_eq!(enforcement([(D, None)]), None);

    let (p, _) = two_isolated();
    let (pred, obs) = observed(&[
        (true, Outcome::Allow),
        (false, Outcome::Allow),
        (false, Outcome::Allow),
        (true, Outcome::Allow),
    ]);
    let report = ProbeReport::live(&p, &pred, &[], &obs);
    assert_eq!(report.enforced, Some(false));
    assert_eq!(report.outcome(false), ProbeOutcome::NotEnforced);
}

#[test]
fn exit_decision_follows_mismatches_isolation_and_errors() {
    let (p, _) = two_isolated();
    let decide = |cells: &[(bool, Outcome)], expect_isolated: bool| {
        let (pred, obs) = observed(cells);
        ProbeReport::live(&p, &pred, &[], &obs).outcome(expect_isolated)
    };
    use Outcome::{Allow, Deny, Error};
    let as_predicted = [(true, Allow), (false, Deny), (false, Deny), (true, Allow)];
    assert_eq!(decide(&as_predicted, false), ProbeOutcome::Ok);
    assert_eq!(decide(&as_predicted, true), ProbeOutcome::Ok);
    // A predicted allow observed denied.
    let broken_allow = [(true, Deny), (false, Deny), (false, Deny), (true, Allow)];
    assert_eq!(decide(&broken_allow, false), ProbeOutcome::Mismatch);
    // One deny open, another blocked: mismatch, not "not enforced".
    let leak = [(true, Allow), (false, Allow), (false, Deny), (true, Allow)];
    assert_eq!(decide(&leak, false), ProbeOutcome::Mismatch);
    // Open across as predicted: fine unless --expect-isolated.
    let open = [(true, Allow), (true, Allow), (false, Deny), (true, Allow)];
    assert_eq!(decide(&open, false), ProbeOutcome::Ok);
    assert_eq!(decide(&open, true), ProbeOutcome::NotIsolated);
    // Same-namespace traffic never counts against isolation.
    assert_eq!(decide(&as_predicted, true), ProbeOutcome::Ok);
    let untested = [(true, Allow), (false, Deny), (false, Error), (true, Allow)];
    assert_eq!(decide(&untested, false), ProbeOutcome::Errors);

    // Offline with --expect-isolated judges the prediction.
    let open_ev = Evaluator::new(vec![], vec![]);
    let offline = ProbeReport::offline(&p, &open_ev, &ProbeIps::default());
    assert_eq!(offline.outcome(false), ProbeOutcome::Ok);
    assert_eq!(offline.outcome(true), ProbeOutcome::NotIsolated);
}

#[test]
fn agnhost_connect_results_are_classified() {
    let c = |ok, err: &str| Observation::from_connect(ok, err);
    assert_eq!(c(true, "").outcome, Outcome::Allow);
    assert_eq!(c(false, "TIMEOUT\n").outcome, Outcome::Deny);
    assert_eq!(c(false, "TIMEOUT\n").detail, "timeout");
    assert_eq!(c(false, "REFUSED\n").detail, "refused");
    assert_eq!(
        c(
            false,
            "REFUSED: read udp 10.0.0.1:4->10.0.0.2:53: connection refused"
        )
        .outcome,
        Outcome::Deny
    );
    assert_eq!(
        c(
            false,
            "OTHER: dial tcp 10.0.0.2:8080: connect: no route to host"
        )
        .outcome,
        Outcome::Deny
    );
    let dns = c(false, "DNS: lookup x: no such host\n");
    assert_eq!(dns.outcome, Outcome::Error);
    assert!(dns.detail.starts_with("DNS:"));
    assert_eq!(c(false, "").outcome, Outcome::Error);
}

#[test]
fn offline_needs_every_named_namespace_in_the_manifests() {
    let p = plan(&["pr-1", "pr-2"], &[8080]);
    let only_one = crate::manifests::load_str(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: pr-1}\n",
        "ns.yaml",
    )
    .unwrap();
    let e = offline_evaluator(&p, &only_one).unwrap_err().to_string();
    assert!(
        e.contains("pr-2") && e.contains("not found in the manifests"),
        "{e}"
    );

    let mut text = String::from(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: pr-1}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: pr-2}\n",
    );
    for ns in ["pr-1", "pr-2"] {
        for pol in isolated_policies(ns) {
            text.push_str("---\n");
            text.push_str(&serde_yaml::to_string(&pol).unwrap());
        }
    }
    let set = crate::manifests::load_str(&text, "all.yaml").unwrap();
    let ev = offline_evaluator(&p, &set).unwrap();
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    let expected: Vec<Connectivity> = report.results.values().iter().map(|r| r.expected).collect();
    use Connectivity::{Allow, Deny};
    assert_eq!(expected, [Allow, Deny, Deny, Allow]);
}

fn pod_with_status(status: serde_json::Value) -> Pod {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n"},
        "status": status,
    }))
    .unwrap()
}

#[test]
fn pod_states_report_the_real_reason() {
    let ready = pod_with_status(serde_json::json!({
        "phase": "Running", "podIP": "10.1.2.3",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "client", "ready": true, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"running": {}}}]
    }));
    assert_eq!(
        pod_state(&ready),
        PodState::Ready("10.1.2.3".parse().unwrap())
    );

    let pull = pod_with_status(serde_json::json!({
        "phase": "Pending",
        "containerStatuses": [{"name": "client", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"waiting": {"reason": "ErrImagePull", "message": "failed to pull image \"x\": not found"}}}]
    }));
    match pod_state(&pull) {
        PodState::Failed { reason, message } => {
            assert_eq!(reason, "ErrImagePull");
            assert!(message.contains("not found"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    let root = pod_with_status(serde_json::json!({
        "phase": "Pending",
        "containerStatuses": [{"name": "serve-8080", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "container has runAsNonRoot and image will run as root"}}}]
    }));
    assert!(
        matches!(pod_state(&root), PodState::Failed { reason, .. } if reason == "CreateContainerConfigError")
    );

    let unschedulable = pod_with_status(serde_json::json!({
        "phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu."}]
    }));
    match pod_state(&unschedulable) {
        PodState::Pending(why) => assert!(why.contains("Insufficient cpu"), "{why}"),
        other => panic!("{other:?}"),
    }

    let crashed = pod_with_status(serde_json::json!({
        "phase": "Failed",
        "containerStatuses": [{"name": "serve-80", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"terminated": {"exitCode": 1, "reason": "Error", "message": "listen tcp :80: bind: permission denied"}}}]
    }));
    match pod_state(&crashed) {
        PodState::Failed { reason, message } => {
            assert_eq!(reason, "Error");
            assert!(
                message.contains("permission denied") && message.contains("code 1"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }

    let deadline = pod_with_status(serde_json::json!({
        "phase": "Failed", "reason": "DeadlineExceeded", "message": "Pod was active on the node longer than the specified deadline"
    }));
    assert!(
        matches!(pod_state(&deadline), PodState::Failed { reason, .. } if reason == "DeadlineExceeded")
    );
}

#[test]
fn leftover_selector_matches_managed_probe_pods_of_any_run() {
    assert_eq!(
        leftover_selector(),
        "app.kubernetes.io/managed-by=kubectl-ns-policy,ns-policy.io/probe-run"
    );
    assert_eq!(
        plan(&["a"], &[8080]).run_selector(),
        "ns-policy.io/probe-run=run1"
    );
}

#[test]
fn big_reports_built_in_parallel_keep_cell_order() {
    let names: Vec<String> = (0..150).map(|i| format!("ns-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let p = plan(&refs, &[8080]);
    assert!(p.cell_count() >= PARALLEL_THRESHOLD);
    let policies: Vec<NetworkPolicy> = names.iter().flat_map(|n| isolated_policies(n)).collect();
    let ev = Evaluator::new(vec![], policies);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert_eq!(report.results.len(), p.cell_count());
    for (c, r) in report.results.iter() {
        assert_eq!((r.from.as_str(), r.to.as_str()), (refs[c.from], refs[c.to]));
        let same = c.from == c.to;
        assert_eq!(r.expected == Connectivity::Allow, same, "{r:?}");
    }
    assert_eq!(report.summary.expected_allow, 150);
    assert_eq!(report.summary.expected_deny, 150 * 149);
}

#[test]
fn targets_are_predicted_by_egress_at_the_client_only() {
    let mut o = opts(&["ops"], &[8080]);
    o.targets = vec![
        "10.244.0.1:6443".parse().unwrap(),
        "10.244.0.1:10250".parse().unwrap(),
    ];
    let p = ProbePlan::new(o).unwrap();
    let mut policies = isolated_policies("ops");
    policies.push(
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "allow-api-server", "namespace": "ops"},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                "to": [{"ipBlock": {"cidr": "10.244.0.1/32"}}],
                "ports": [{"protocol": "TCP", "port": 6443}]
            }]}
        }))
        .unwrap(),
    );
    let ev = Evaluator::new(vec![], policies);
    let report = ProbeReport::offline(&p, &ev, &ProbeIps::default());
    assert_eq!(report.targets, ["10.244.0.1:6443", "10.244.0.1:10250"]);
    let expected: Vec<(String, u16, Connectivity)> = report
        .external
        .iter()
        .map(|r| (r.to.clone(), r.port, r.expected))
        .collect();
    assert_eq!(
        expected,
        [
            ("10.244.0.1".to_string(), 6443, Connectivity::Allow),
            ("10.244.0.1".to_string(), 10250, Connectivity::Deny)
        ]
    );
    assert!(report.external[0].explanation.contains("allow-api-server"));
    // Counted in the summary, not as cross-namespace traffic.
    assert_eq!(report.summary.cells, 3);
    assert_eq!(report.summary.cross_namespace_allowed, 0);
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["external"][1]["expected"], "deny");
    let back: ProbeReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, report);
    // Without targets the JSON has neither field.
    let plain = serde_json::to_value(ProbeReport::offline(
        &plan(&["a"], &[80]),
        &ev,
        &ProbeIps::default(),
    ))
    .unwrap();
    assert!(plain.get("targets").is_none() && plain.get("external").is_none());
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
    assert!(e.contains("--server-label") && e.contains(RUN_LABEL), "{e}");
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
    assert_eq!(lim["cpu"].0, "50m", "the ratio is kept by limit = request");
    // max below min is not ours to fix: the request is clamped to max.
    assert_eq!(req["memory"].0, "100Mi");
    assert_eq!(lim["memory"].0, "100Mi");
    // Without LimitRanges nothing changes.
    let mut pod = client_pod(&p, "a");
    let before = pod.clone();
    fit_resources(&mut pod, &[]);
    assert_eq!(pod, before);
}
