//! `probe` against the real local cluster (kube-router enforces
//! NetworkPolicies): isolation of namespaces made by `create`, an allow
//! policy flipping exactly one cell, open namespaces, quota + PSA restricted
//! admission, and cleanup after normal, interrupted and killed runs.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ns_policy_e2e::{cluster, code, plugin_bin, stderr, stdout, unique_name, Cluster};
use serde_json::Value;

const PROBE_SELECTOR: &str =
    "app.kubernetes.io/managed-by=kubectl-ns-policy,ns-policy.io/probe-run";

/// Namespaces made by the plugin: PSA restricted, quota, LimitRange, default
/// deny both ways, same-namespace, DNS and ingress-controller allows.
fn create(c: &Cluster, names: &[&str]) {
    create_for(c, names, "probe");
}

/// [`create`] with another team label.
fn create_for(c: &Cluster, names: &[&str], team: &str) {
    let team = format!("team={team}");
    let mut args = vec!["create"];
    args.extend_from_slice(names);
    args.extend_from_slice(&[
        "--label",
        &team,
        "--label",
        "cost-center=cc-1",
        "--label",
        "env=dev",
        "--yes",
    ]);
    let out = c.plugin(&args);
    assert_eq!(code(&out), 0, "create failed: {}", stderr(&out));
}

/// A namespace without NetworkPolicies, enforcing PSA restricted, with a
/// compute quota that requires requests and limits.
fn plain_namespace(c: &Cluster, ns: &str, pods: u32) {
    c.kubectl_ok(&["create", "namespace", ns]);
    c.kubectl_ok(&[
        "label",
        "namespace",
        ns,
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/enforce-version=latest",
    ]);
    let quota = format!(
        r#"apiVersion: v1
kind: ResourceQuota
metadata: {{name: compute, namespace: {ns}}}
spec:
  hard:
    pods: "{pods}"
    requests.cpu: "1"
    requests.memory: 1Gi
    limits.cpu: "2"
    limits.memory: 2Gi
"#
    );
    let out = c.kubectl_stdin(&["apply", "-f", "-"], &quota);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn probe_json(c: &Cluster, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["probe"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let start = Instant::now();
    let out = c.plugin(&all);
    eprintln!("probe {args:?} took {:.1}s", start.elapsed().as_secs_f64());
    let text = stdout(&out);
    let report = serde_json::from_str(&text).unwrap_or(Value::Null);
    (
        code(&out),
        report,
        format!("stdout:\n{text}\nstderr:\n{}", stderr(&out)),
    )
}

/// (from, to) -> (expected, observed) for port 8080.
fn cell<'a>(report: &'a Value, from: &str, to: &str) -> (&'a str, &'a str) {
    let r = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["from"] == from && r["to"] == to && r["port"] == 8080)
        .unwrap_or_else(|| panic!("no cell {from} -> {to}: {report}"));
    (
        r["expected"].as_str().unwrap_or("?"),
        r["observed"].as_str().unwrap_or("?"),
    )
}

fn probe_pods(c: &Cluster, namespaces: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for ns in namespaces {
        let names = c.kubectl_ok(&[
            "get",
            "pods",
            "-n",
            ns,
            "-l",
            PROBE_SELECTOR,
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ]);
        out.extend(
            names
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| format!("{ns}/{l}")),
        );
    }
    out
}

#[test]
fn namespaces_made_by_create_are_isolated_from_each_other() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-probe-a");
    let b = unique_name("e2e-probe-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);

    let (rc, report, log) = probe_json(&c, &[&a, &b, "--port", "8080", "--expect-isolated"]);
    assert_eq!(rc, 0, "{log}");
    assert_eq!(cell(&report, &a, &b), ("deny", "deny"), "{log}");
    assert_eq!(cell(&report, &b, &a), ("deny", "deny"), "{log}");
    assert_eq!(cell(&report, &a, &a), ("allow", "allow"), "{log}");
    assert_eq!(cell(&report, &b, &b), ("allow", "allow"), "{log}");
    assert_eq!(report["enforced"], true, "{log}");
    assert_eq!(report["summary"]["mismatches"], 0, "{log}");
    // No probe pod is left after a normal run.
    assert_eq!(probe_pods(&c, &[&a, &b]), Vec::<String>::new());

    // The table names the namespaces and says the matrix was observed.
    let out = c.plugin(&["probe", &a, &b]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("FROM \\ TO"), "{table}");
    assert!(table.contains("Observed from a client pod"), "{table}");
    assert!(table.contains("policy enforcement: confirmed"), "{table}");
}

/// Every cell of `report`, as (from, to, port) -> (expected, observed).
fn cells(report: &Value) -> Vec<(String, String, u64, String, String)> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["from"].as_str().unwrap_or("?").to_string(),
                r["to"].as_str().unwrap_or("?").to_string(),
                r["port"].as_u64().unwrap_or(0),
                r["expected"].as_str().unwrap_or("?").to_string(),
                r["observed"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

#[test]
fn more_targets_than_one_exec_tries_are_all_observed_with_the_right_verdicts() {
    let Some(c) = cluster() else { return };
    let names: Vec<String> = (0..3)
        .map(|i| unique_name(&format!("e2e-batch{i}")))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let _g = c.guard(&refs);
    create(&c, &refs);
    // 3 namespaces × 4 ports: 12 targets per client, two execs each.
    let mut args = refs.clone();
    args.extend_from_slice(&["--port", "8080,8081,8082,8083"]);
    let (rc, report, log) = probe_json(&c, &args);
    assert_eq!(rc, 0, "{log}");
    let all = cells(&report);
    assert_eq!(all.len(), 36, "{log}");
    for (from, to, port, expected, observed) in &all {
        let want = if from == to { "allow" } else { "deny" };
        assert_eq!(
            (expected.as_str(), observed.as_str()),
            (want, want),
            "{from} -> {to}:{port}: {log}"
        );
    }
    assert_eq!(report["summary"]["errors"], 0, "{log}");
}

#[test]
fn an_image_without_a_shell_is_probed_one_exec_per_cell() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-noshell-a");
    let b = unique_name("e2e-noshell-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    let image = "localhost/ns-policy-test/agnhost-noshell:2.53";
    let (rc, report, log) = probe_json(&c, &[&a, &b, "--image", image]);
    assert_eq!(rc, 0, "{log}");
    assert_eq!(cell(&report, &a, &b), ("deny", "deny"), "{log}");
    assert_eq!(cell(&report, &a, &a), ("allow", "allow"), "{log}");
    assert_eq!(cell(&report, &b, &b), ("allow", "allow"), "{log}");
    assert_eq!(report["summary"]["errors"], 0, "{log}");
    assert_eq!(probe_pods(&c, &[&a, &b]), Vec::<String>::new());
}

#[test]
fn an_allow_policy_flips_exactly_the_expected_cell() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-flip-a");
    let b = unique_name("e2e-flip-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    // Ingress into b from a on 8080, and egress from a to b on 8080 (a has
    // default-deny egress).
    let policies = format!(
        r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-from-{a}, namespace: {b}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress]
  ingress:
  - from: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {a}}}}}}}]
    ports: [{{port: 8080, protocol: TCP}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-to-{b}, namespace: {a}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to: [{{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {b}}}}}}}]
    ports: [{{port: 8080, protocol: TCP}}]
"#
    );
    let out = c.kubectl_stdin(&["apply", "-f", "-"], &policies);
    assert!(out.status.success(), "{}", stderr(&out));

    let (rc, report, log) = probe_json(&c, &[&a, &b, "--port", "8080"]);
    assert_eq!(rc, 0, "{log}");
    assert_eq!(cell(&report, &a, &b), ("allow", "allow"), "{log}");
    assert_eq!(cell(&report, &b, &a), ("deny", "deny"), "{log}");
    assert_eq!(cell(&report, &a, &a), ("allow", "allow"), "{log}");
    assert_eq!(cell(&report, &b, &b), ("allow", "allow"), "{log}");
    let explanation = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == a.as_str() && r["to"] == b.as_str())
        .map(|r| r["explanation"].as_str().unwrap_or("").to_string())
        .unwrap();
    assert!(
        explanation.contains(&format!("allow-from-{a}")),
        "{explanation}"
    );

    // --expect-isolated now fails on the open cell.
    let (rc, report, log) = probe_json(&c, &[&a, &b, "--expect-isolated"]);
    assert_eq!(rc, 1, "{log}");
    assert_eq!(report["summary"]["crossNamespaceAllowed"], 1, "{log}");
}

#[test]
fn namespaces_without_network_policies_are_open() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-open-a");
    let b = unique_name("e2e-open-b");
    let _g = c.guard(&[&a, &b]);
    plain_namespace(&c, &a, 10);
    plain_namespace(&c, &b, 10);

    let (rc, report, log) = probe_json(&c, &[&a, &b]);
    assert_eq!(rc, 0, "{log}");
    for (from, to) in [(&a, &b), (&b, &a), (&a, &a), (&b, &b)] {
        assert_eq!(cell(&report, from, to), ("allow", "allow"), "{log}");
    }
    // Nothing is predicted denied: enforcement cannot be told.
    assert!(report["enforced"].is_null(), "{log}");
    let (rc, _, log) = probe_json(&c, &[&a, &b, "--expect-isolated"]);
    assert_eq!(rc, 1, "{log}");
}

#[test]
fn quota_and_psa_restricted_admit_the_probe_pods_and_rejections_are_reported() {
    let Some(c) = cluster() else { return };
    let ok = unique_name("e2e-quota");
    let tight = unique_name("e2e-tight");
    let _g = c.guard(&[&ok, &tight]);
    // Exactly room for the server and the client.
    plain_namespace(&c, &ok, 2);
    let (rc, report, log) = probe_json(&c, &[&ok, "--port", "8080,9090"]);
    assert_eq!(rc, 0, "{log}");
    assert_eq!(report["summary"]["cells"], 2, "{log}");
    assert_eq!(report["summary"]["observedAllow"], 2, "{log}");

    // Room for one pod only: quota rejects the other; the real message is
    // reported and nothing is left behind.
    plain_namespace(&c, &tight, 1);
    let out = c.plugin(&["probe", &tight]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("exceeded quota"), "{err}");
    assert!(err.contains(&tight), "{err}");
    assert_eq!(probe_pods(&c, &[&tight]), Vec::<String>::new());
}

#[test]
fn usage_errors_exit_2_before_creating_anything() {
    let Some(c) = cluster() else { return };
    let missing = unique_name("e2e-missing");
    let out = c.plugin(&["probe", &missing]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(&format!("namespace \"{missing}\" not found")),
        "{}",
        stderr(&out)
    );
    let out = c.plugin(&["probe", "Not_A_Name"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("invalid namespace name"),
        "{}",
        stderr(&out)
    );
    let out = c.plugin(&["probe", "default", "--port", "0"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid port 0"), "{}", stderr(&out));
    let out = c.plugin(&["probe"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("at least one namespace"),
        "{}",
        stderr(&out)
    );
}

/// Starts `probe` in the background and waits until its pods exist.
fn start_probe(c: &Cluster, namespaces: &[&str]) -> std::process::Child {
    let child = Command::new(plugin_bin())
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .arg("probe")
        .args(namespaces)
        .args(["--timeout", "120s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn probe");
    let appeared = c.wait_for(Duration::from_secs(60), || {
        !probe_pods(c, namespaces).is_empty()
    });
    assert!(appeared, "probe pods never appeared");
    child
}

#[test]
fn an_interrupted_run_deletes_its_pods_and_exits_130() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-int-a");
    let b = unique_name("e2e-int-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    let child = start_probe(&c, &[&a, &b]);
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    assert_eq!(
        probe_pods(&c, &[&a, &b]),
        Vec::<String>::new(),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cleanup_sweeps_leftovers_of_a_killed_run() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-sweep");
    let _g = c.guard(&[&a]);
    create(&c, &[&a]);
    let mut child = start_probe(&c, &[&a]);
    // SIGKILL: no chance to clean up.
    child.kill().expect("kill");
    let _ = child.wait();
    // Creation may still be landing; wait for both pods.
    c.wait_for(Duration::from_secs(10), || probe_pods(&c, &[&a]).len() == 2);
    let left = probe_pods(&c, &[&a]);
    assert!(!left.is_empty(), "the killed run should leave pods");

    // Its deadline has not passed: a plain sweep cannot tell it from a run
    // still in progress and keeps its pods, saying so.
    let out = c.plugin(&["probe", "--cleanup", &a]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for pod in &left {
        let name = pod.rsplit('/').next().unwrap();
        assert!(text.contains(&format!("pod/{name} kept")), "{text}");
    }
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    let out = c.plugin(&["probe", "--cleanup", "--force", &a]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for pod in &left {
        let name = pod.rsplit('/').next().unwrap();
        assert!(text.contains(&format!("pod/{name} deleted")), "{text}");
    }
    assert_eq!(probe_pods(&c, &[&a]), Vec::<String>::new());
    // Nothing left: a second sweep says so and succeeds.
    let out = c.plugin(&["probe", "--cleanup", "--force", &a]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).is_empty());
}

/// Starts `probe` with `-v 1` and returns it once a stderr line contains
/// `marker` (its progress), with the stderr read so far.
fn start_probe_until(
    c: &Cluster,
    namespaces: &[&str],
    extra: &[&str],
    marker: &str,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = Command::new(plugin_bin())
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .args(["-v", "1", "probe"])
        .args(namespaces)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn probe");
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = line.contains(marker);
                seen.push(line);
                if hit {
                    break;
                }
            }
            Err(_) => panic!("never printed {marker:?}: {seen:?}"),
        }
    }
    (child, rx)
}

fn signal(child: &std::process::Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn one_signal_during_cleanup_does_not_abandon_it() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-sig-a");
    let _g = c.guard(&[&a]);
    create(&c, &[&a]);
    let (child, rx) = start_probe_until(&c, &[&a], &[], "deleting probe pods");
    // The run is over; its cleanup has begun: one Ctrl-C must not stop it.
    signal(&child, "-INT");
    let out = child.wait_with_output().expect("wait");
    let err: Vec<String> = rx.try_iter().collect();
    assert_eq!(code(&out), 0, "{err:?}");
    assert!(
        !err.iter().any(|l| l.contains("cleanup abandoned")),
        "{err:?}"
    );
    assert_eq!(probe_pods(&c, &[&a]), Vec::<String>::new(), "{err:?}");
}

#[test]
fn a_sweep_leaves_the_pods_of_a_run_in_progress_and_that_run_stays_correct() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-cc-a");
    let b = unique_name("e2e-cc-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    // Another CI job probes while this one sweeps the whole cluster.
    let (child, _rx) = start_probe_until(&c, &[&a, &b], &["-o", "json"], "waiting for probe pods");
    let swept = c.plugin(&["probe", "--cleanup"]);
    assert_eq!(code(&swept), 0, "{}", stderr(&swept));
    let text = stdout(&swept);
    assert!(
        !text.contains(&format!("deleted (namespace {a})")),
        "the sweep deleted a running probe's pods: {text}"
    );
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        code(&out),
        0,
        "the running probe was disturbed: {}",
        stdout(&out)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["enforced"], true, "{report}");
    assert_eq!(report["summary"]["errors"], 0, "{report}");
}

#[test]
fn a_forced_sweep_during_a_run_makes_its_cells_errors_never_a_verdict() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-force-a");
    let b = unique_name("e2e-force-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    let (child, _rx) = start_probe_until(&c, &[&a, &b], &["-o", "json"], "probing");
    let swept = c.plugin(&["probe", "--cleanup", "--force", &a, &b]);
    assert_eq!(code(&swept), 0, "{}", stderr(&swept));
    let started = Instant::now();
    let out = child.wait_with_output().expect("wait");
    let code = code(&out);
    // Never "not enforced" (3) nor a mismatch (1) from pods it lost.
    assert_eq!(code, 2, "{}\n{}", stdout(&out), stderr(&out));
    if let Ok(report) = serde_json::from_slice::<Value>(&out.stdout) {
        assert_ne!(report["enforced"], false, "{report}");
        assert_eq!(report["summary"]["mismatches"], 0, "{report}");
        let errors = report["summary"]["errors"].as_u64().unwrap_or(0);
        assert!(errors > 0, "{report}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the run waited out its timeout"
    );
}

#[test]
fn pods_vanishing_while_the_run_waits_fail_it_fast() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-vanish");
    let _g = c.guard(&[&a]);
    create(&c, &[&a]);
    let (child, _rx) =
        start_probe_until(&c, &[&a], &["--timeout", "300s"], "waiting for probe pods");
    let started = Instant::now();
    c.wait_for(Duration::from_secs(30), || {
        !probe_pods(&c, &[&a]).is_empty()
    });
    c.kubectl_ok(&[
        "delete",
        "pods",
        "-n",
        &a,
        "-l",
        PROBE_SELECTOR,
        "--wait=false",
    ]);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "waited {:?} instead of failing fast: {}",
        started.elapsed(),
        stderr(&out)
    );
}

/// `probe -l`: namespaces of one shape are one class; one pair per pair of
/// classes is observed, every cell predicted, and what each class stands
/// for is in the report.
#[test]
fn probe_by_selector_observes_one_pair_per_class_pair() {
    let Some(c) = cluster() else { return };
    let team = unique_name("cls");
    let names: Vec<String> = (0..4).map(|i| unique_name(&format!("cls{i}"))).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let _g = c.guard(&refs);
    create_for(&c, &refs, &team);
    // The last namespace admits everything on 8080: a class of its own.
    let open = format!(
        r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: open-8080, namespace: {}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress]
  ingress: [{{ports: [{{port: 8080}}]}}]
"#,
        names[3]
    );
    let applied = c.kubectl_stdin(&["apply", "-f", "-"], &open);
    assert!(applied.status.success(), "{}", stderr(&applied));

    let selector = format!("team={team}");
    let out = c.plugin(&["probe", "-l", &selector, "-o", "json"]);
    assert_eq!(code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let coverage = &report["coverage"];
    assert_eq!(coverage["namespaces"], 4, "{report:#}");
    assert_eq!(coverage["classes"], 2);
    assert_eq!(coverage["classPairs"], 4);
    assert_eq!(coverage["predictedCells"], 16);
    let classes = report["classes"].as_array().unwrap();
    let mut sizes: Vec<usize> = classes
        .iter()
        .map(|k| k["members"].as_array().unwrap().len())
        .collect();
    sizes.sort();
    assert_eq!(sizes, [1, 3]);
    // Two representatives of the class of three, one of the other: 3
    // namespaces probed, 9 cells observed, as predicted.
    assert_eq!(report["namespaces"].as_array().unwrap().len(), 3);
    assert_eq!(report["summary"]["cells"], 9);
    assert_eq!(report["summary"]["mismatches"], 0);
    assert_eq!(report["enforced"], true);
    // Into the open namespace from another class: its ingress admits, the
    // client's egress deny blocks; observed as predicted.
    let into_open: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["to"] == names[3].as_str() && r["from"] != names[3].as_str())
        .collect();
    assert_eq!(into_open.len(), 2);
    assert!(
        into_open.iter().all(|r| r["match"] == true
            && r["explanation"]
                .as_str()
                .is_some_and(|e| e.contains("ingress allowed by") && e.contains("open-8080"))),
        "{into_open:?}"
    );
    // Nothing left behind.
    let left = c.kubectl_ok(&["get", "pods", "-A", "-l", PROBE_SELECTOR, "-o", "name"]);
    assert!(!names.iter().any(|n| left.contains(n.as_str())), "{left}");
}
