//! The example baselines of `examples/baselines/` on the real local
//! cluster: each design's namespaces are created, audit clean, report drift
//! when one value is changed by hand, and their allows hold when probed.

use std::path::PathBuf;
use std::time::Duration;

use ns_policy_e2e::{cluster, code, stderr, stdout, unique_name, Cluster, NamespaceGuard};
use serde_json::Value;

fn baseline(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/baselines")
        .join(name)
        .display()
        .to_string()
}

/// The plugin with `--baseline FILE`; asserts the exit code.
fn run(c: &Cluster, file: &str, args: &[&str], want: i32) -> String {
    let mut all = vec!["--baseline", file];
    all.extend_from_slice(args);
    let out = c.plugin(&all);
    assert_eq!(
        code(&out),
        want,
        "kubectl ns-policy {all:?}\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// `audit -o json` of `names`: (exit code, every `namespace/check`).
fn audit(c: &Cluster, file: &str, names: &[&str]) -> (i32, Vec<String>, Value) {
    let mut all = vec!["--baseline", file, "audit", "-o", "json"];
    all.extend_from_slice(names);
    let out = c.plugin(&all);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("audit JSON ({e}): {}{}", stdout(&out), stderr(&out)));
    let checks = report["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .flat_map(|n| {
            let ns = n["name"].as_str().unwrap_or_default().to_string();
            n["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |f| format!("{ns}/{}", f["check"].as_str().unwrap_or_default()))
        })
        .collect();
    (code(&out), checks, report)
}

fn assert_clean(c: &Cluster, file: &str, names: &[&str]) {
    let (rc, checks, report) = audit(c, file, names);
    assert!(checks.is_empty(), "{checks:?}\n{report:#}");
    assert_eq!(rc, 0);
}

/// Audits again after a change by hand: `ns/check` is reported, and the
/// audit exits 1 when some finding is an error (0 with warnings only,
/// `--fail-on error`).
fn assert_drift(c: &Cluster, file: &str, names: &[&str], want: &str) -> Value {
    let (rc, checks, report) = audit(c, file, names);
    assert!(checks.iter().any(|x| x == want), "{want} not in {checks:?}");
    let errors = report["summary"]["errors"].as_u64().unwrap_or(0) > 0;
    assert_eq!(rc, if errors { 1 } else { 0 }, "{checks:?}");
    report
}

/// `probe -o json` (exit 0 expected: everything as predicted).
fn probe(c: &Cluster, file: &str, args: &[&str]) -> Value {
    let mut all = vec!["probe", "-o", "json"];
    all.extend_from_slice(args);
    let text = run(c, file, &all, 0);
    let report: Value = serde_json::from_str(&text).expect("probe JSON");
    assert_eq!(report["summary"]["mismatches"], 0, "{report:#}");
    assert_eq!(report["summary"]["errors"], 0, "{report:#}");
    report
}

/// Observed connectivity of `from -> to` (a namespace or a target address).
fn observed<'a>(report: &'a Value, from: &str, to: &str) -> &'a str {
    let rows = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(report["external"].as_array().into_iter().flatten());
    rows.filter(|r| r["from"] == from && r["to"] == to)
        .map(|r| r["observed"].as_str().unwrap_or("?"))
        .next()
        .unwrap_or_else(|| panic!("no cell {from} -> {to}: {report:#}"))
}

fn kubectl(c: &Cluster, args: &[&str]) {
    c.kubectl_ok(args);
}

/// Creates `name` unless it exists; the guard deletes it only if this test
/// created it (a cluster's own `monitoring` is left alone). One still
/// terminating from an earlier run is waited out first.
fn ensure_namespace(c: &Cluster, name: &str) -> NamespaceGuard {
    let mut created = false;
    let settled = c.wait_for(Duration::from_secs(90), || {
        let out = c.kubectl(&["create", "namespace", name]);
        if out.status.success() {
            created = true;
            return true;
        }
        assert!(stderr(&out).contains("AlreadyExists"), "{}", stderr(&out));
        let phase = c.kubectl(&["get", "namespace", name, "-o", "jsonpath={.status.phase}"]);
        stdout(&phase) != "Terminating"
    });
    assert!(settled, "namespace {name} is still terminating");
    if created {
        c.guard(&[name])
    } else {
        c.guard(&[])
    }
}

const API_SERVER: &str = "10.244.0.1:6443";

#[test]
fn bitvault_platform_app_and_data_namespaces() {
    let Some(c) = cluster() else { return };
    let file = baseline("bitvault.yaml");
    let product = unique_name("bv");
    let (app, data, platform) = (
        format!("{product}-app"),
        format!("{product}-data"),
        format!("{product}-platform"),
    );
    let names = [app.as_str(), data.as_str(), platform.as_str()];
    let _g = c.guard(&names);
    // A team of its own: the team's AppProject lists the team's namespaces.
    let team = unique_name("vault");
    let project = format!("{team}-dev");
    let _p = ProjectGuard(c.clone(), project.clone());
    let mut args = vec!["create"];
    args.extend_from_slice(&names);
    let labels = format!("team={team},cost-center=cc-9,env=dev");
    args.extend(["-L", &labels, "--yes"]);
    let created = run(&c, &file, &args, 0);
    assert!(
        created.contains(&format!("appproject/{project}")),
        "{created}"
    );
    // The team's Argo CD project reaches exactly its app and data
    // namespaces, never the platform one; the team is bound to ClusterRole
    // edit with no Role of ours.
    let destinations = c.kubectl_ok(&[
        "-n",
        "argocd",
        "get",
        "appproject",
        &project,
        "-o",
        "jsonpath={range .spec.destinations[*]}{.namespace}{' '}{end}",
    ]);
    let mut want = [app.clone(), data.clone()];
    want.sort();
    assert_eq!(destinations.trim(), want.join(" "));
    let role_ref = c.kubectl_ok(&[
        "-n",
        &app,
        "get",
        "rolebinding",
        "bitvault-team",
        "-o",
        "jsonpath={.roleRef.kind}/{.roleRef.name}",
    ]);
    assert_eq!(role_ref.trim(), "ClusterRole/edit");
    let roles = c.kubectl_ok(&["-n", &app, "get", "roles", "-o", "name"]);
    assert!(roles.trim().is_empty(), "{roles}");
    // The product label comes from the name rule's capture.
    let labels = c.kubectl_ok(&[
        "get",
        "namespace",
        &data,
        "-o",
        "jsonpath={.metadata.labels}",
    ]);
    assert!(
        labels.contains(&format!("\"bitvault.io/product\":\"{product}\"")),
        "{labels}"
    );
    assert_clean(&c, &file, &names);

    // app -> data on 5432 for database clients only; the API server from
    // data and platform only.
    let report = probe(
        &c,
        &file,
        &[
            &app,
            &data,
            &platform,
            "--port",
            "5432",
            "--client-label",
            "bitvault.io/db-client=true",
            "--server-label",
            "app.kubernetes.io/component=database",
            "--target",
            API_SERVER,
        ],
    );
    assert_eq!(observed(&report, &app, &data), "allow");
    assert_eq!(observed(&report, &data, &app), "deny");
    assert_eq!(observed(&report, &app, &platform), "deny");
    assert_eq!(observed(&report, &app, "10.244.0.1"), "deny");
    assert_eq!(observed(&report, &data, "10.244.0.1"), "allow");
    assert_eq!(observed(&report, &platform, "10.244.0.1"), "allow");
    assert_eq!(report["enforced"], true);

    // Drift: the data quota raised by hand, the allow moved to another port.
    kubectl(
        &c,
        &[
            "-n",
            &data,
            "patch",
            "resourcequota",
            "ns-policy-quota",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"hard":{"pods":"100"}}}"#,
        ],
    );
    assert_drift(
        &c,
        &file,
        &names,
        &format!("{data}/resource-quota.value-drift"),
    );
    kubectl(
        &c,
        &[
            "-n",
            &data,
            "patch",
            "networkpolicy",
            "allow-from-app",
            "--type",
            "json",
            "-p",
            r#"[{"op":"replace","path":"/spec/ingress/0/ports/0/port","value":5433}]"#,
        ],
    );
    assert_drift(
        &c,
        &file,
        &names,
        &format!("{data}/network-policy.allow-missing"),
    );
    // create brings it back (and asks for --yes: the namespace exists).
    run(&c, &file, &["create", &data, "--yes"], 0);
    assert_clean(&c, &file, &names);

    // GitOps drift: someone opens the team's project to every namespace.
    kubectl(
        &c,
        &[
            "-n",
            "argocd",
            "patch",
            "appproject",
            &project,
            "--type",
            "json",
            "-p",
            r#"[{"op":"add","path":"/spec/destinations/-","value":{"server":"*","namespace":"*"}}]"#,
        ],
    );
    assert_drift(
        &c,
        &file,
        &names,
        &format!("{app}/gitops.destination-wildcard"),
    );
    assert_drift(
        &c,
        &file,
        &names,
        &format!("{platform}/gitops.reaches-protected"),
    );
    // The hand edit owns the field now: create refuses before writing
    // anything, and --force-conflicts takes the project back.
    let out = c.plugin(&["--baseline", &file, "create", &app, "--yes"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    run(
        &c,
        &file,
        &["create", &app, "--yes", "--force-conflicts"],
        0,
    );
    assert_clean(&c, &file, &names);

    // Workload reliability, live: a replicated Deployment under a budget
    // that allows no eviction, an autoscaled one with no budget.
    let deployment = |name: &str, replicas: u32| {
        format!(
            r#"{{"apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {{"name": "{name}", "namespace": "{app}"}},
  "spec": {{"replicas": {replicas}, "selector": {{"matchLabels": {{"app": "{name}"}}}},
    "template": {{"metadata": {{"labels": {{"app": "{name}"}}}}, "spec": {{
      "securityContext": {{"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {{"type": "RuntimeDefault"}}}},
      "containers": [{{"name": "app", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
        "args": ["netexec", "--http-port=8080"],
        "ports": [{{"containerPort": 8080, "name": "http"}}],
        "readinessProbe": {{"httpGet": {{"path": "/", "port": "http"}}}},
        "livenessProbe": {{"tcpSocket": {{"port": "http"}}}},
        "lifecycle": {{"preStop": {{"sleep": {{"seconds": 1}}}}}},
        "securityContext": {{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {{"drop": ["ALL"]}}}},
        "resources": {{"requests": {{"cpu": "10m", "memory": "32Mi"}}, "limits": {{"cpu": "100m", "memory": "64Mi"}}}}}}]}}}}}}}}"#
        )
    };
    let objects = format!(
        r#"{{"apiVersion": "v1", "kind": "List", "items": [{}, {},
  {{"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {{"name": "api", "namespace": "{app}"}},
    "spec": {{"maxUnavailable": 0, "selector": {{"matchLabels": {{"app": "api"}}}}}}}},
  {{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {{"name": "worker", "namespace": "{app}"}},
    "spec": {{"scaleTargetRef": {{"apiVersion": "apps/v1", "kind": "Deployment", "name": "worker"}}, "minReplicas": 2, "maxReplicas": 4}}}}]}}"#,
        deployment("api", 2),
        deployment("worker", 1)
    );
    let out = c.kubectl_stdin(&["apply", "-f", "-"], &objects);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, checks, report) = audit(&c, &file, &[&app]);
    let reliability: Vec<&String> = checks
        .iter()
        .filter(|x| x.contains("/workload-reliability."))
        .collect();
    assert_eq!(
        reliability,
        [
            &format!("{app}/workload-reliability.pdb-blocks-eviction"),
            &format!("{app}/workload-reliability.pdb-missing"),
        ],
        "{report:#}"
    );
    let text = report.to_string();
    assert!(
        text.contains("scaled by HorizontalPodAutoscaler/worker"),
        "{text}"
    );
}

/// Deletes an AppProject of namespace argocd when dropped.
struct ProjectGuard(Cluster, String);

impl Drop for ProjectGuard {
    fn drop(&mut self) {
        let _ = self.0.kubectl(&[
            "-n",
            "argocd",
            "delete",
            "appproject",
            &self.1,
            "--ignore-not-found",
            "--wait=false",
        ]);
    }
}

#[test]
fn bitvault_per_environment_profiles() {
    let Some(c) = cluster() else { return };
    let file = baseline("bitvault-envs.yaml");
    let app = unique_name("bve");
    let (dev, prod) = (format!("{app}-dev"), format!("{app}-prod"));
    let names = [dev.as_str(), prod.as_str()];
    let _g = c.guard(&names);
    run(
        &c,
        &file,
        &[
            "create",
            &dev,
            &prod,
            "-L",
            "team=vault,cost-center=cc-9",
            "--yes",
        ],
        0,
    );
    let labels = c.kubectl_ok(&[
        "get",
        "namespace",
        &dev,
        "-o",
        "jsonpath={.metadata.labels}",
    ]);
    assert!(
        labels.contains("\"pod-security.kubernetes.io/enforce\":\"baseline\""),
        "{labels}"
    );
    assert!(
        labels.contains("\"pod-security.kubernetes.io/warn\":\"restricted\""),
        "{labels}"
    );
    assert!(labels.contains("\"env\":\"dev\""), "{labels}");
    assert_clean(&c, &file, &names);

    // Prometheus in monitoring scrapes 9090; nothing else gets in.
    let _monitoring = ensure_namespace(&c, "monitoring");
    let report = probe(
        &c,
        &file,
        &[
            "monitoring",
            &dev,
            "--port",
            "9090",
            "--client-label",
            "app.kubernetes.io/name=prometheus",
        ],
    );
    assert_eq!(observed(&report, "monitoring", &dev), "allow");
    assert_eq!(observed(&report, &dev, "monitoring"), "deny");

    // Drift: prod's warn level lowered, its LimitRange maximum raised.
    kubectl(
        &c,
        &[
            "label",
            "namespace",
            &prod,
            "pod-security.kubernetes.io/warn=baseline",
            "--overwrite",
        ],
    );
    assert_drift(
        &c,
        &file,
        &names,
        &format!("{prod}/pod-security.warn-weaker"),
    );
    kubectl(
        &c,
        &[
            "-n",
            &prod,
            "patch",
            "limitrange",
            "ns-policy-limits",
            "--type",
            "json",
            "-p",
            r#"[{"op":"replace","path":"/spec/limits/0/max/cpu","value":"8"}]"#,
        ],
    );
    let report = assert_drift(
        &c,
        &file,
        &names,
        &format!("{prod}/limit-range.value-drift"),
    );
    assert!(
        report.to_string().contains("max.cpu: 8, profile: 4"),
        "{report:#}"
    );
}

#[test]
fn preview_namespaces_of_another_controller_are_audited_and_reaped() {
    let Some(c) = cluster() else { return };
    let file = baseline("preview.yaml");
    let n = std::process::id() % 100_000 + 100_000;
    let pr = format!("pr-{n}");
    let _g = c.guard(&[&pr]);
    run(
        &c,
        &file,
        &[
            "create",
            &pr,
            "-L",
            "team=web,cost-center=cc-1",
            "--ttl",
            "4s",
            "--yes",
        ],
        0,
    );
    let meta = c.kubectl_ok(&["get", "namespace", &pr, "-o", "jsonpath={.metadata}"]);
    assert!(
        meta.contains(&format!("\"previewd.io/pull-request\":\"{n}\"")),
        "{meta}"
    );
    assert!(
        meta.contains("\"app.kubernetes.io/managed-by\":\"previewd\""),
        "{meta}"
    );
    assert!(meta.contains("preview.previewd.io/expires-at"), "{meta}");
    assert!(
        meta.contains(&format!("https://pr-{n}.preview.example.com")),
        "{meta}"
    );
    assert_clean(&c, &file, &[&pr]);

    // Internet HTTPS only: the private ranges (here the API server) stay shut.
    let report = probe(&c, &file, &[&pr, "--target", API_SERVER]);
    assert_eq!(observed(&report, &pr, &pr), "allow");
    assert_eq!(observed(&report, &pr, "10.244.0.1"), "deny");

    kubectl(
        &c,
        &[
            "label",
            "namespace",
            &pr,
            "previewd.io/pull-request=1",
            "--overwrite",
        ],
    );
    assert_drift(&c, &file, &[&pr], &format!("{pr}/labels.fixed-drift"));

    // Expired: the built-in baseline's gc leaves previewd's namespace
    // alone, this baseline's gc deletes it.
    std::thread::sleep(std::time::Duration::from_secs(5));
    assert_drift(&c, &file, &[&pr], &format!("{pr}/lifecycle.expired"));
    let builtin = c.plugin(&["gc", "--dry-run"]);
    assert!(!stdout(&builtin).contains(&pr), "{}", stdout(&builtin));
    let deleted = run(&c, &file, &["gc", "--yes"], 0);
    assert!(
        deleted.contains(&format!("namespace/{pr} deleted")),
        "{deleted}"
    );
}

#[test]
fn flux_environments_written_as_base_and_overlays_and_applied_with_kustomize() {
    let Some(c) = cluster() else { return };
    let file = baseline("flux.yaml");
    let app = unique_name("fx");
    let (dev, prod) = (format!("{app}-dev"), format!("{app}-prod"));
    let names = [dev.as_str(), prod.as_str()];
    let _g = c.guard(&names);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().display().to_string();
    let common = [
        "-L",
        "team=shop,cost-center=cc-2",
        "--output-dir",
        &out,
        "--layout",
        "base-overlays",
    ];
    let mut args = vec!["create", dev.as_str()];
    args.extend_from_slice(&common);
    run(&c, &file, &args, 0);
    // A second run adds prod (with an override) and keeps dev.
    let mut args = vec!["create", prod.as_str(), "--set", "quota.pods=120"];
    args.extend_from_slice(&common);
    run(&c, &file, &args, 0);
    let top = std::fs::read_to_string(dir.path().join("kustomization.yaml")).unwrap();
    assert!(
        top.contains("overlays/dev") && top.contains("overlays/prod"),
        "{top}"
    );
    let overlay = std::fs::read_to_string(
        dir.path()
            .join(format!("overlays/prod/{prod}/kustomization.yaml")),
    )
    .unwrap();
    assert!(
        overlay.contains("patch-resourcequota-ns-policy-quota.yaml"),
        "{overlay}"
    );
    // Server-side, as Flux applies: a client-side create of the default
    // ServiceAccount races the controller that makes it.
    kubectl(&c, &["apply", "--server-side", "-k", &out]);
    let env = c.kubectl_ok(&[
        "get",
        "namespace",
        &prod,
        "-o",
        "jsonpath={.metadata.labels.environment}",
    ]);
    assert_eq!(env, "prod");
    let pods = c.kubectl_ok(&[
        "-n",
        &prod,
        "get",
        "resourcequota",
        "ns-policy-quota",
        "-o",
        "jsonpath={.spec.hard.pods}",
    ]);
    assert_eq!(pods, "120");
    // The override is recorded, so the audit judges prod with it.
    assert_clean(&c, &file, &names);

    let _flux = ensure_namespace(&c, "flux-system");
    let report = probe(
        &c,
        &file,
        &[
            "flux-system",
            &dev,
            "--port",
            "9292",
            "--client-label",
            "app=notification-controller",
        ],
    );
    assert_eq!(observed(&report, "flux-system", &dev), "allow");
    assert_eq!(observed(&report, &dev, "flux-system"), "deny");

    kubectl(
        &c,
        &[
            "-n",
            &dev,
            "delete",
            "networkpolicy",
            "allow-flux-notifications",
        ],
    );
    assert_drift(
        &c,
        &file,
        &names,
        &format!("{dev}/network-policy.allow-missing"),
    );
}

#[test]
fn cluster_management_namespaces_isolate_ingress_only() {
    let Some(c) = cluster() else { return };
    let file = baseline("clusters.yaml");
    let cl = unique_name("c");
    let ns = format!("{cl}-ns");
    let _g = c.guard(&[&ns]);
    run(
        &c,
        &file,
        &["create", &ns, "-L", "team=fleet,cost-center=cc-3", "--yes"],
        0,
    );
    let sa = c.kubectl_ok(&[
        "-n",
        &ns,
        "get",
        "rolebinding",
        &format!("{cl}-agent-admin"),
        "-o",
        "jsonpath={.roleRef.name} {.subjects[0].name}",
    ]);
    assert_eq!(sa, format!("admin {cl}-agent"));
    // Egress is open by design: no egress-not-isolated finding.
    assert_clean(&c, &file, &[&ns]);

    let _fleet = ensure_namespace(&c, "fleet-system");
    let report = probe(
        &c,
        &file,
        &[
            "fleet-system",
            &ns,
            "--port",
            "8443",
            "--target",
            API_SERVER,
        ],
    );
    assert_eq!(observed(&report, "fleet-system", &ns), "allow");
    assert_eq!(observed(&report, &ns, "fleet-system"), "allow");
    assert_eq!(observed(&report, &ns, "10.244.0.1"), "allow");

    kubectl(
        &c,
        &[
            "-n",
            &ns,
            "delete",
            "rolebinding",
            &format!("{cl}-agent-admin"),
        ],
    );
    assert_drift(
        &c,
        &file,
        &[&ns],
        &format!("{ns}/rbac.role-binding-missing"),
    );
    // A ClusterRoleBinding to the agent reaches beyond its namespace.
    let crb = format!("{cl}-agent-view");
    let _crb = CrbGuard(c.clone(), crb.clone());
    kubectl(
        &c,
        &[
            "create",
            "clusterrolebinding",
            &crb,
            "--clusterrole=view",
            &format!("--serviceaccount={ns}:{cl}-agent"),
        ],
    );
    assert_drift(
        &c,
        &file,
        &[&ns],
        &format!("{ns}/rbac.cluster-role-binding"),
    );
}

/// Deletes a ClusterRoleBinding on drop.
struct CrbGuard(Cluster, String);

impl Drop for CrbGuard {
    fn drop(&mut self) {
        let _ = self.0.kubectl(&[
            "delete",
            "clusterrolebinding",
            &self.1,
            "--ignore-not-found",
        ]);
    }
}
