//! `audit` and `gc` against the real local cluster: a namespace made by
//! `create` passes; breaking it one way per category shows that finding.

use std::time::Duration;

use ns_policy_e2e::{cluster, code, stderr, stdout, unique_name, Cluster};
use serde_json::Value;

fn create(c: &Cluster, ns: &str, extra: &[&str]) {
    let mut args = vec![
        "create",
        ns,
        "--label",
        "team=payments",
        "--label",
        "cost-center=cc-42",
        "--label",
        "env=dev",
        "--yes",
    ];
    args.extend_from_slice(extra);
    let out = c.plugin(&args);
    assert_eq!(code(&out), 0, "create {ns}: {}", stderr(&out));
}

fn audit_json(c: &Cluster, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["audit", "-o", "json"];
    all.extend_from_slice(args);
    let out = c.plugin(&all);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "audit -o json is JSON ({e}): {}\n{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (code(&out), report, stderr(&out))
}

fn checks(report: &Value, ns: &str) -> Vec<String> {
    report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == ns)
        .unwrap_or_else(|| panic!("{ns} not in report: {report}"))["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect()
}

/// Creates a compliant namespace, breaks it with kubectl, and returns the
/// audit's check IDs for it (the audit must exit 1 when an error is found).
fn broken(
    c: &Cluster,
    prefix: &str,
    kubectl_steps: &[&[&str]],
    stdin_manifest: Option<&str>,
) -> (i32, Vec<String>) {
    let ns = unique_name(prefix);
    let _g = c.guard(&[&ns]);
    create(c, &ns, &[]);
    for step in kubectl_steps {
        let args: Vec<String> = step.iter().map(|a| a.replace("{ns}", &ns)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        c.kubectl_ok(&args);
    }
    if let Some(m) = stdin_manifest {
        let out = c.kubectl_stdin(&["apply", "-n", &ns, "-f", "-"], &m.replace("{ns}", &ns));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let (exit, report, err) = audit_json(c, &[&ns]);
    let found = checks(&report, &ns);
    assert!(exit == 0 || exit == 1, "{err}");
    (exit, found)
}

#[test]
fn namespace_made_by_create_passes_the_audit() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-audit-ok");
    let pr = format!("{}-pr-3", unique_name("e2e"));
    let _g = c.guard(&[&ns, &pr]);
    create(&c, &ns, &[]);
    create(&c, &pr, &[]);
    let (exit, report, err) = audit_json(&c, &[&ns, &pr]);
    assert_eq!(exit, 0, "{report}\n{err}");
    assert!(checks(&report, &ns).is_empty(), "{report}");
    assert!(checks(&report, &pr).is_empty(), "{report}");
    // The documented JSON shape.
    assert_eq!(report["kind"], "AuditReport");
    let first = &report["namespaces"][0];
    assert!(
        first["name"].is_string() && first["profile"].is_string() && first["findings"].is_array()
    );
    assert_eq!(report["summary"]["namespaces"], 2);
    let profiles: Vec<&str> = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["profile"].as_str().unwrap())
        .collect();
    assert!(
        profiles.contains(&"preview") && profiles.contains(&"app"),
        "{profiles:?}"
    );
}

#[test]
fn missing_required_label_is_found() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-labels",
        &[&["label", "namespace", "{ns}", "cost-center-"]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"labels.required-missing".to_string()),
        "{found:?}"
    );
}

#[test]
fn weaker_pod_security_is_found() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-psa",
        &[&[
            "label",
            "namespace",
            "{ns}",
            "pod-security.kubernetes.io/enforce=baseline",
            "--overwrite",
        ]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"pod-security.enforce-weaker".to_string()),
        "{found:?}"
    );
}

#[test]
fn missing_quota_is_found() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-quota",
        &[&["delete", "resourcequota", "ns-policy-quota", "-n", "{ns}"]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"resource-quota.missing".to_string()),
        "{found:?}"
    );
}

#[test]
fn missing_limit_range_is_found() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-limits",
        &[&["delete", "limitrange", "ns-policy-limits", "-n", "{ns}"]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"limit-range.missing".to_string()),
        "{found:?}"
    );
}

#[test]
fn allow_all_egress_rule_is_found() {
    let Some(c) = cluster() else { return };
    let manifest = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: harmless-looking}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - {}\n";
    let (exit, found) = broken(&c, "e2e-a-open", &[], Some(manifest));
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"network-policy.open-rule".to_string()),
        "{found:?}"
    );
}

#[test]
fn namespace_without_policies_is_not_isolated() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-netpol",
        &[&["delete", "networkpolicies", "--all", "-n", "{ns}"]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"network-policy.ingress-not-isolated".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"network-policy.egress-not-isolated".to_string()),
        "{found:?}"
    );
}

#[test]
fn blocked_dns_is_found() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-dns",
        &[&["delete", "networkpolicy", "allow-dns", "-n", "{ns}"]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.iter().any(|f| f.starts_with("network-dns.")),
        "{found:?}"
    );
}

#[test]
fn cluster_admin_binding_is_found() {
    let Some(c) = cluster() else { return };
    let (exit, found) = broken(
        &c,
        "e2e-a-rbac",
        &[&[
            "create",
            "rolebinding",
            "too-much",
            "--clusterrole=cluster-admin",
            "--group=payments",
            "-n",
            "{ns}",
        ]],
        None,
    );
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"rbac.cluster-admin-binding".to_string()),
        "{found:?}"
    );
}

#[test]
fn privileged_workload_template_and_missing_resources_are_found() {
    let Some(c) = cluster() else { return };
    // PodSecurity admission lets the Deployment in (only its pods are
    // rejected), so the template is what the audit must catch.
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: legacy}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: legacy}}\n  template:\n    metadata: {labels: {app: legacy}}\n    spec:\n      containers:\n      - name: app\n        image: docker.io/library/busybox:stable\n        securityContext: {privileged: true}\n";
    let (exit, found) = broken(&c, "e2e-a-wl", &[], Some(manifest));
    assert_eq!(exit, 1);
    assert!(
        found.contains(&"workload-security.privileged".to_string()),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.starts_with("workload-resources.")),
        "{found:?}"
    );
}

#[test]
fn expired_preview_namespace_is_found_and_gc_deletes_it() {
    let Some(c) = cluster() else { return };
    let pr = format!("{}-pr-1", unique_name("e2e"));
    let _g = c.guard(&[&pr]);
    create(&c, &pr, &["--ttl", "1s"]);
    std::thread::sleep(Duration::from_secs(2));
    let (exit, report, _) = audit_json(&c, &[&pr]);
    assert_eq!(exit, 1);
    assert!(
        checks(&report, &pr).contains(&"lifecycle.expired".to_string()),
        "{report}"
    );

    let listed = c.plugin(&["gc", "--dry-run"]);
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    assert!(stdout(&listed).contains(&pr), "{}", stdout(&listed));
    assert!(
        c.kubectl(&["get", "namespace", &pr]).status.success(),
        "dry run deleted it"
    );

    let refused = c.plugin(&["gc"]);
    assert_eq!(
        code(&refused),
        2,
        "gc without --yes and without a TTY must refuse"
    );

    let deleted = c.plugin(&["gc", "--yes"]);
    assert_eq!(code(&deleted), 0, "{}", stderr(&deleted));
    assert!(
        stdout(&deleted).contains(&format!("namespace/{pr} deleted")),
        "{}",
        stdout(&deleted)
    );
    let gone = c.wait_for(Duration::from_secs(5), || {
        let out = c.kubectl(&[
            "get",
            "namespace",
            &pr,
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ]);
        !out.status.success() || !stdout(&out).is_empty()
    });
    assert!(gone, "namespace not deleted");
}

#[test]
fn existing_pods_that_restricted_would_reject_are_reported_by_the_api_server_dry_run() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-a-ready");
    let _g = c.guard(&[&ns]);
    c.kubectl_ok(&["create", "namespace", &ns]);
    c.kubectl_ok(&[
        "label",
        "namespace",
        &ns,
        "team=t",
        "cost-center=c",
        "env=dev",
    ]);
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: rooty}\nspec:\n  containers:\n  - name: app\n    image: docker.io/library/busybox:stable\n    command: [sleep, '3600']\n";
    let out = c.kubectl_stdin(&["apply", "-n", &ns, "-f", "-"], pod);
    assert!(out.status.success(), "{}", stderr(&out));
    let (exit, report, _) = audit_json(&c, &[&ns]);
    assert_eq!(exit, 1);
    let ns_report = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == ns.as_str())
        .unwrap();
    let dry: Vec<&Value> = ns_report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "pod-security.dry-run-rejected")
        .collect();
    assert!(!dry.is_empty(), "{report}");
    assert!(
        dry[0]["message"].as_str().unwrap().contains("rooty"),
        "{report}"
    );
    // The label itself was not changed by the dry run.
    let labels = c.kubectl_ok(&["get", "namespace", &ns, "-o", "jsonpath={.metadata.labels}"]);
    assert!(
        !labels.contains("pod-security.kubernetes.io/enforce"),
        "{labels}"
    );
}

#[test]
fn all_skips_system_namespaces_and_selector_filters() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-a-all");
    let _g = c.guard(&[&ns]);
    create(&c, &ns, &["--label", &format!("suite={ns}")]);
    let (_, report, _) = audit_json(&c, &["--all"]);
    let names: Vec<&str> = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&ns.as_str()), "{names:?}");
    assert!(
        !names.contains(&"kube-system") && !names.contains(&"kube-node-lease"),
        "{names:?}"
    );
    let (_, report, _) = audit_json(&c, &["--all", "--include-system"]);
    let names: Vec<&str> = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"kube-system"), "{names:?}");
    let (exit, report, _) = audit_json(&c, &["-l", &format!("suite={ns}")]);
    assert_eq!(exit, 0, "{report}");
    assert_eq!(
        report["namespaces"].as_array().unwrap().len(),
        1,
        "{report}"
    );
}

#[test]
fn fix_creates_what_is_missing_then_audits_clean() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-a-fix");
    let _g = c.guard(&[&ns]);
    create(&c, &ns, &[]);
    c.kubectl_ok(&["delete", "resourcequota", "ns-policy-quota", "-n", &ns]);
    c.kubectl_ok(&["delete", "networkpolicy", "allow-dns", "-n", &ns]);
    let refused = c.plugin(&["audit", &ns, "--fix"]);
    assert_eq!(
        code(&refused),
        2,
        "--fix without a TTY needs --yes: {}",
        stderr(&refused)
    );
    let (exit, report, err) = audit_json(&c, &[&ns, "--fix", "--yes"]);
    assert_eq!(exit, 0, "{report}\n{err}");
    assert!(checks(&report, &ns).is_empty(), "{report}");
    c.kubectl_ok(&["get", "resourcequota", "ns-policy-quota", "-n", &ns]);
}

#[test]
fn forbidden_lists_make_checks_unknown_not_passing() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-a-partial");
    let home = unique_name("e2e-a-home");
    let _g = c.guard(&[&ns, &home]);
    create(&c, &ns, &[]);
    c.kubectl_ok(&["create", "namespace", &home]);
    c.kubectl_ok(&["create", "serviceaccount", "auditor", "-n", &home]);
    let role = unique_name("e2e-partial-reader");
    c.kubectl_ok(&[
        "create", "clusterrole", &role,
        "--verb=get,list",
        "--resource=namespaces,resourcequotas,limitranges,serviceaccounts,pods,rolebindings.rbac.authorization.k8s.io,roles.rbac.authorization.k8s.io,clusterroles.rbac.authorization.k8s.io,deployments.apps,statefulsets.apps,daemonsets.apps,replicasets.apps,jobs.batch,cronjobs.batch,replicationcontrollers",
    ]);
    c.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        &role,
        &format!("--clusterrole={role}"),
        &format!("--serviceaccount={home}:auditor"),
    ]);
    let kc = c.service_account_kubeconfig(&home, "auditor");
    let out = c.plugin_as(&kc, &["audit", &ns, "-o", "json"]);
    let _ = c.kubectl(&["delete", "clusterrolebinding,clusterrole", &role]);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let unknown = report["namespaces"][0]["unknown"].as_array().unwrap();
    assert!(
        unknown.iter().any(|u| u["category"] == "network-policy"),
        "{report}"
    );
    assert!(
        !checks(&report, &ns)
            .iter()
            .any(|f| f.starts_with("network-policy.")),
        "{report}"
    );
    let err = stderr(&out);
    assert_eq!(
        err.matches("cannot list networkpolicies").count(),
        1,
        "reported once: {err}"
    );
}

#[test]
fn an_identity_that_reads_only_namespaces_gets_unknown_and_a_failing_exit() {
    // The issue's case: namespaces readable, nothing else; the namespace has
    // none of the baseline's objects. Nothing may say it passed.
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-a-blind");
    let home = unique_name("e2e-a-blind-home");
    let _g = c.guard(&[&ns, &home]);
    // A namespace with the baseline's labels but none of its objects.
    create(&c, &ns, &[]);
    c.kubectl_ok(&[
        "delete",
        "resourcequota,limitrange,networkpolicy,role,rolebinding",
        "--all",
        "-n",
        &ns,
    ]);
    c.kubectl_ok(&["create", "namespace", &home]);
    c.kubectl_ok(&["create", "serviceaccount", "viewer", "-n", &home]);
    let role = unique_name("e2e-ns-reader");
    c.kubectl_ok(&[
        "create",
        "clusterrole",
        &role,
        "--verb=get,list",
        "--resource=namespaces",
    ]);
    c.kubectl_ok(&[
        "create",
        "clusterrolebinding",
        &role,
        &format!("--clusterrole={role}"),
        &format!("--serviceaccount={home}:viewer"),
    ]);
    let kc = c.service_account_kubeconfig(&home, "viewer");
    let run = |args: &[&str]| {
        let mut all = vec!["audit", ns.as_str()];
        all.extend_from_slice(args);
        c.plugin_as(&kc, &all)
    };
    let json = run(&["-o", "json"]);
    let sarif = run(&["-o", "sarif"]);
    let junit = run(&["-o", "junit"]);
    let table = run(&[]);
    let relaxed = run(&["-o", "json", "--allow-unknown"]);
    let never = run(&["-o", "json", "--fail-on", "never"]);
    let _ = c.kubectl(&["delete", "clusterrolebinding,clusterrole", &role]);

    assert_eq!(code(&json), 1, "unknown fails the gate: {}", stderr(&json));
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let entry = &report["namespaces"][0];
    assert_eq!(entry["status"], "unknown", "{report}");
    assert!(entry["findings"].as_array().unwrap().is_empty(), "{report}");
    let unknown = entry["unknown"].as_array().unwrap();
    for category in ["resource-quota", "limit-range", "network-policy", "rbac"] {
        assert!(
            unknown.iter().any(|u| u["category"] == category),
            "{category} not unknown: {report}"
        );
    }
    assert_eq!(report["summary"]["passed"], 0, "{report}");
    assert_eq!(report["summary"]["unknown"], 1, "{report}");

    assert_eq!(code(&sarif), 1);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap_or_else(|| panic!("no notification: {sarif}"));
    assert!(notes.len() >= 4, "{sarif}");
    assert!(notes
        .iter()
        .any(|n| n["message"]["text"].as_str().unwrap().contains(&ns)));

    assert_eq!(code(&junit), 1);
    let junit = stdout(&junit);
    assert!(junit.contains("<skipped message="), "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");

    assert_eq!(code(&table), 1);
    let row = stdout(&table);
    assert!(
        row.lines()
            .any(|l| l.starts_with(&ns) && l.contains("unknown")),
        "{row}"
    );
    assert!(stderr(&table).contains("0 passed"), "{}", stderr(&table));

    assert_eq!(code(&relaxed), 0, "{}", stderr(&relaxed));
    assert_eq!(code(&never), 0, "{}", stderr(&never));
}

#[test]
fn a_waiver_annotation_accepts_a_finding_until_it_expires_and_no_waivers_ignores_it() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-waive");
    let _g = c.guard(&[&ns]);
    create(&c, &ns, &[]);
    c.kubectl_ok(&["delete", "resourcequota", "--all", "-n", &ns]);
    let (exit, report, err) = audit_json(&c, &[&ns]);
    assert_eq!(exit, 1, "{err}");
    assert!(checks(&report, &ns).contains(&"resource-quota.missing".to_string()));

    c.kubectl_ok(&[
        "annotate",
        "namespace",
        &ns,
        r#"ns-policy.io/waive=[{"check": "resource-quota.missing", "reason": "batch quota set by the scheduler (PLAT-7)", "expires": "2099-01-01"}]"#,
    ]);
    let (exit, report, err) = audit_json(&c, &[&ns]);
    assert_eq!(exit, 0, "{err}\n{report}");
    let entry = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == ns.as_str())
        .unwrap();
    assert_eq!(
        entry["waived"][0]["check"], "resource-quota.missing",
        "{entry}"
    );
    assert_eq!(report["summary"]["waived"], 1);

    let (exit, report, _) = audit_json(&c, &[&ns, "--no-waivers"]);
    assert_eq!(exit, 1);
    assert!(checks(&report, &ns).contains(&"resource-quota.missing".to_string()));

    // Expired: the finding is back, with one about the waiver.
    c.kubectl_ok(&[
        "annotate",
        "--overwrite",
        "namespace",
        &ns,
        r#"ns-policy.io/waive=[{"check": "resource-quota.missing", "reason": "r", "expires": "2020-01-01"}]"#,
    ]);
    let (exit, report, _) = audit_json(&c, &[&ns]);
    assert_eq!(exit, 1);
    let found = checks(&report, &ns);
    assert!(
        found.contains(&"resource-quota.missing".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"waivers.expired".to_string()), "{found:?}");
}
