//! `probe --install-schedule` on the real local cluster: the plugin's image
//! (built by `cluster.sh plugin-image` from the binary under test) runs as
//! a CronJob under Pod Security `restricted` with a least-privilege
//! ServiceAccount, stores its report for `--last`, emits a Warning Event
//! when cluster policies are not enforced, and `--uninstall-schedule`
//! leaves nothing behind.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ns_policy_e2e::{cluster, code, plugin_bin, stderr, stdout, unique_name, Cluster};
use serde_json::Value;

const IMAGE: &str = "localhost/kubectl-ns-policy:dev";
const NAME: &str = "ns-policy-probe-schedule";

/// Builds the plugin's image from the binary under test and imports it.
fn plugin_image() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cluster/cluster.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg("plugin-image")
        .arg(plugin_bin())
        .output()
        .expect("run cluster.sh plugin-image");
    assert!(
        out.status.success(),
        "cluster.sh plugin-image failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), IMAGE);
}

/// Uninstalls the schedule of `ns` whatever happens to the test.
struct ScheduleGuard {
    cluster: Cluster,
    namespace: String,
}

impl ScheduleGuard {
    fn new(c: &Cluster, sched: &str) -> Self {
        ScheduleGuard {
            cluster: c.clone(),
            namespace: sched.to_string(),
        }
    }
}

impl Drop for ScheduleGuard {
    fn drop(&mut self) {
        let _ = on_schedule(&self.cluster, &self.namespace, &["--uninstall-schedule"]);
    }
}

/// `probe ARGS... --schedule-namespace SCHED`.
fn on_schedule(c: &Cluster, sched: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["probe"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--schedule-namespace", sched]);
    c.plugin(&all)
}

fn create(c: &Cluster, names: &[&str]) {
    let mut args = vec!["create"];
    args.extend_from_slice(names);
    args.extend_from_slice(&[
        "--label",
        "team=sched",
        "--label",
        "cost-center=cc-1",
        "--label",
        "env=dev",
        "--yes",
    ]);
    let out = c.plugin(&args);
    assert_eq!(code(&out), 0, "create failed: {}", stderr(&out));
}

/// Everything labelled as part of the schedule of `ns`, cluster-wide.
fn leftovers(c: &Cluster, ns: &str) -> String {
    let sel = format!("ns-policy.io/probe-schedule={ns}");
    let mut out = String::new();
    for kind in [
        "clusterroles",
        "clusterrolebindings",
        "pods",
        "jobs",
        "cronjobs",
        "configmaps",
        "serviceaccounts",
        "roles",
        "rolebindings",
    ] {
        let o = c.kubectl(&[
            "get",
            kind,
            "-A",
            "-l",
            &sel,
            "-o",
            "name",
            "--ignore-not-found",
        ]);
        out.push_str(&stdout(&o));
    }
    let o = c.kubectl(&["get", "namespace", ns, "-o", "name", "--ignore-not-found"]);
    out.push_str(&stdout(&o));
    out
}

/// Installs a yearly schedule probing `what` (the tests start its runs
/// themselves) in `sched`; it must succeed.
fn install_yearly(c: &Cluster, what: &[&str], sched: &str) -> std::process::Output {
    let mut args = what.to_vec();
    args.extend_from_slice(&["--install-schedule", "0 0 1 1 *", "--schedule-image", IMAGE]);
    let out = on_schedule(c, sched, &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    out
}

/// Runs one job from the CronJob now and waits for it to end.
fn run_now(c: &Cluster, ns: &str, job: &str) {
    c.kubectl_ok(&[
        "create",
        "job",
        job,
        "-n",
        ns,
        &format!("--from=cronjob/{NAME}"),
    ]);
    let ended = c.wait_for(Duration::from_secs(150), || {
        let s = c.kubectl_ok(&[
            "get",
            "job",
            job,
            "-n",
            ns,
            "-o",
            "jsonpath={.status.succeeded}/{.status.failed}",
        ]);
        s.starts_with('1') || s.ends_with('1')
    });
    let logs = c.kubectl(&["logs", "-n", ns, &format!("job/{job}"), "--tail=40"]);
    assert!(
        ended,
        "job {job} did not end: {}{}",
        stdout(&logs),
        stderr(&logs)
    );
}

#[test]
fn a_scheduled_probe_stores_its_report_warns_and_uninstalls_without_leftovers() {
    let Some(c) = cluster() else { return };
    plugin_image();
    let a = unique_name("e2e-sched-a");
    let b = unique_name("e2e-sched-b");
    let sched = unique_name("e2e-sched-sys");
    let _g = c.guard(&[&a, &b]);
    let _s = ScheduleGuard::new(&c, &sched);
    create(&c, &[&a, &b]);
    // An Admin-tier Accept from a to b: kube-router does not enforce it, so
    // each run ends "cluster policies not enforced" (exit 3).
    let cnp = format!("{a}-to-{b}");
    let yaml = format!(
        r#"apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {{name: {cnp}}}
spec:
  tier: Admin
  priority: 31
  subject: {{namespaces: {{matchExpressions: [{{key: kubernetes.io/metadata.name, operator: In, values: [{a}, {b}]}}]}}}}
  ingress:
  - {{name: from-a, action: Accept, from: [{{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {a}}}}}}}]}}
  egress:
  - {{name: to-b, action: Accept, to: [{{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {b}}}}}}}]}}
"#
    );
    let out = c.kubectl_stdin(&["apply", "-f", "-"], &yaml);
    assert!(out.status.success(), "{}", stderr(&out));

    // Bad input: exit 2, nothing installed.
    let out = on_schedule(
        &c,
        &sched,
        &[
            &a,
            &b,
            "--install-schedule",
            "61 * * * *",
            "--schedule-image",
            IMAGE,
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("\"61 * * * *\""), "{}", stderr(&out));
    assert_eq!(leftovers(&c, &sched), "");

    // A yearly schedule: the test starts its runs itself.
    let out = install_yearly(&c, &[&a, &b], &sched);
    assert!(
        stdout(&out).contains(&format!("cronjob/{NAME} applied")),
        "{}",
        stdout(&out)
    );
    let psa = c.kubectl_ok(&[
        "get",
        "namespace",
        &sched,
        "-o",
        "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}",
    ]);
    assert_eq!(psa, "restricted");

    // Least privilege: the runs can exec into pods but not read Secrets or
    // write policies.
    let sa = format!("system:serviceaccount:{sched}:{NAME}");
    let can = |verb: &str, what: &str, ns: &str| {
        let o = c.kubectl(&["auth", "can-i", verb, what, "-n", ns, "--as", &sa]);
        stdout(&o).trim() == "yes"
    };
    assert!(can("create", "pods/exec", &a));
    assert!(can("list", "networkpolicies", &b));
    assert!(!can("get", "secrets", &a));
    assert!(!can("create", "networkpolicies", &a));
    assert!(!can("delete", "namespaces", &a));
    assert!(!can("get", "configmaps", &a), "configmaps only in {sched}");

    // Before any run --last says there is nothing yet.
    let out = on_schedule(&c, &sched, &["--last"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no stored probe report"),
        "{}",
        stderr(&out)
    );

    run_now(&c, &sched, "run-1");
    let out = on_schedule(&c, &sched, &["--last", "-o", "json"]);
    assert_eq!(
        code(&out),
        3,
        "the stored run's exit code: {}",
        stderr(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).expect("a report");
    assert_eq!(report["mode"], "live");
    assert_eq!(report["clusterPoliciesEnforced"], false, "{report}");
    assert_eq!(report["summary"]["cells"], 4, "{report}");
    assert!(
        stderr(&out).contains("report of the scheduled run that finished at"),
        "{}",
        stderr(&out)
    );
    let events = c.kubectl_ok(&[
        "get",
        "events",
        "-n",
        &sched,
        "--field-selector",
        "reason=PoliciesNotEnforced",
        "-o",
        "json",
    ]);
    let events: Value = serde_json::from_str(&events).unwrap();
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{events}");
    assert_eq!(items[0]["type"], "Warning");
    assert_eq!(items[0]["involvedObject"]["name"], NAME);
    // The run removed its own probe pods.
    let pods = c.kubectl_ok(&[
        "get",
        "pods",
        "-A",
        "-l",
        &format!("ns-policy.io/probe-schedule={sched},ns-policy.io/probe-run"),
        "-o",
        "name",
    ]);
    assert_eq!(pods.trim(), "");
    let _ = c.kubectl(&["delete", "clusternetworkpolicy", &cnp, "--ignore-not-found"]);

    // Uninstall removes every object, the runs' pods and the namespace the
    // install created.
    let out = on_schedule(&c, &sched, &["--uninstall-schedule"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for what in [
        format!("cronjob/{NAME}"),
        format!("clusterrole/{NAME}-{sched}"),
        format!("namespace/{sched}"),
    ] {
        assert!(stdout(&out).contains(&what), "{what}: {}", stdout(&out));
    }
    assert_eq!(leftovers(&c, &sched), "");
    // Again: nothing to do, still exit 0.
    let out = on_schedule(&c, &sched, &["--uninstall-schedule"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no probe schedule found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn uninstalling_keeps_a_namespace_the_install_did_not_create() {
    let Some(c) = cluster() else { return };
    let sched = unique_name("e2e-sched-own");
    let _g = c.guard(&[&sched]);
    let _s = ScheduleGuard::new(&c, &sched);
    c.kubectl_ok(&["create", "namespace", &sched]);
    let out = on_schedule(
        &c,
        &sched,
        &[
            "--all",
            "--install-schedule",
            "@daily",
            "--schedule-image",
            IMAGE,
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stdout(&out).contains("namespace/"), "{}", stdout(&out));
    let args = c.kubectl_ok(&[
        "get",
        "cronjob",
        NAME,
        "-n",
        &sched,
        "-o",
        "jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].args}",
    ]);
    assert!(
        args.contains("--all") && args.contains("--store-report"),
        "{args}"
    );
    let out = on_schedule(&c, &sched, &["--uninstall-schedule"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stdout(&out).contains("namespace/"), "{}", stdout(&out));
    let ns = c.kubectl_ok(&["get", "namespace", &sched, "-o", "name"]);
    assert_eq!(ns.trim(), format!("namespace/{sched}"));
    let cj = c.kubectl_ok(&["get", "cronjobs", "-n", &sched, "-o", "name"]);
    assert_eq!(cj.trim(), "");
}

#[test]
fn a_scheduled_run_that_cannot_start_stores_why_instead_of_leaving_an_old_report() {
    let Some(c) = cluster() else { return };
    plugin_image();
    let a = unique_name("e2e-sched-gone");
    let sched = unique_name("e2e-sched-err");
    let _g = c.guard(&[&a]);
    let _s = ScheduleGuard::new(&c, &sched);
    create(&c, &[&a]);
    install_yearly(&c, &[&a], &sched);
    run_now(&c, &sched, "run-ok");
    let out = on_schedule(&c, &sched, &["--last"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The namespace goes away (a preview's TTL): the next run fails, and
    // --last says so rather than showing the earlier pass.
    c.kubectl_ok(&["delete", "namespace", &a, "--wait=true", "--timeout=90s"]);
    run_now(&c, &sched, "run-gone");
    let out = on_schedule(&c, &sched, &["--last"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("produced no report") && err.contains("not found"),
        "{err}"
    );
    let events = c.kubectl_ok(&[
        "get",
        "events",
        "-n",
        &sched,
        "--field-selector",
        "reason=ProbeFailed",
        "-o",
        "name",
    ]);
    assert_eq!(events.lines().count(), 1, "{events}");
}
