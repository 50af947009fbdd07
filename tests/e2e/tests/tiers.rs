//! Cluster network policies (ClusterNetworkPolicy, AdminNetworkPolicy CRDs
//! from sigs.k8s.io/network-policy-api) and a CNI plugin's policy
//! (CiliumNetworkPolicy) on the real local cluster, whose network plugin
//! (kube-router) enforces none of them: `audit` judges by them, `probe`
//! predicts with them and says they are not enforced; SCTP, which the
//! kernel lacks, is an error per cell, not a verdict.
//!
//! Every cluster-scoped policy here selects only this test's namespaces, so
//! tests running at the same time are not affected.

use ns_policy_e2e::{cluster, code, stderr, stdout, unique_name, Cluster};
use serde_json::Value;

fn create(c: &Cluster, names: &[&str]) {
    let mut args = vec!["create"];
    args.extend_from_slice(names);
    args.extend_from_slice(&[
        "--label",
        "team=tiers",
        "--label",
        "cost-center=cc-7",
        "--label",
        "env=dev",
        "--yes",
    ]);
    let out = c.plugin(&args);
    assert_eq!(code(&out), 0, "create failed: {}", stderr(&out));
}

/// Applies a cluster-scoped object; deletes it when dropped.
struct ClusterObject {
    cluster: Cluster,
    kind: &'static str,
    name: String,
}

impl ClusterObject {
    fn apply(c: &Cluster, kind: &'static str, name: &str, yaml: &str) -> Self {
        let out = c.kubectl_stdin(&["apply", "-f", "-"], yaml);
        assert!(
            out.status.success(),
            "apply {kind}/{name}: {}",
            stderr(&out)
        );
        ClusterObject {
            cluster: c.clone(),
            kind,
            name: name.to_string(),
        }
    }
}

impl Drop for ClusterObject {
    fn drop(&mut self) {
        let _ = self.cluster.kubectl(&[
            "delete",
            self.kind,
            &self.name,
            "--ignore-not-found",
            "--wait=false",
        ]);
    }
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn namespace<'a>(report: &'a Value, ns: &str) -> &'a Value {
    report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == ns)
        .unwrap_or_else(|| panic!("{ns} not in {report}"))
}

fn findings(report: &Value, ns: &str) -> Vec<(String, String)> {
    namespace(report, ns)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn audit_judges_isolation_by_the_cluster_tiers() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-tier-base");
    let _g = c.guard(&[&ns]);
    create(&c, &[&ns]);
    // Drop the namespace's NetworkPolicies: only the tiers are left.
    c.kubectl_ok(&["delete", "networkpolicy", "--all", "-n", &ns]);
    let out = c.plugin(&["audit", &ns, "-o", "json"]);
    let open: Vec<String> = findings(&json_of(&out), &ns)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(
        open.contains(&"network-policy.ingress-not-isolated".to_string()),
        "{open:?}"
    );

    // A Baseline-tier deny isolates it (ingress from every namespace,
    // egress to every pod and address but DNS).
    let name = format!("{ns}-baseline");
    let _cnp = ClusterObject::apply(
        &c,
        "clusternetworkpolicy",
        &name,
        &format!(
            r#"apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {{name: {name}}}
spec:
  tier: Baseline
  priority: 50
  subject: {{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}}}
  ingress:
  - {{name: deny-all, action: Deny, from: [{{namespaces: {{}}}}]}}
  egress:
  - name: dns
    action: Accept
    to: [{{pods: {{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}, podSelector: {{matchLabels: {{k8s-app: kube-dns}}}}}}}}]
    protocols: [{{udp: {{destinationPort: {{number: 53}}}}}}, {{tcp: {{destinationPort: {{number: 53}}}}}}]
  - {{name: deny-pods, action: Deny, to: [{{namespaces: {{}}}}]}}
  - {{name: deny-world, action: Deny, to: [{{networks: ["0.0.0.0/0", "::/0"]}}]}}
"#
        ),
    );
    let out = c.plugin(&["audit", &ns, "-o", "json"]);
    let report = json_of(&out);
    let checks: Vec<String> = findings(&report, &ns).into_iter().map(|f| f.0).collect();
    for gone in [
        "network-policy.ingress-not-isolated",
        "network-policy.egress-not-isolated",
        "network-policy.pod-not-isolated",
        "network-dns.blocked",
    ] {
        assert!(!checks.contains(&gone.to_string()), "{gone}: {checks:?}");
    }
    assert!(
        namespace(&report, &ns)["unknown"]
            .as_array()
            .is_none_or(|u| u.is_empty()),
        "{report}"
    );
}

#[test]
fn audit_reports_an_admin_accept_from_everywhere_naming_it() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-tier-admin");
    let _g = c.guard(&[&ns]);
    create(&c, &[&ns]);
    let name = format!("{ns}-open");
    let _anp = ClusterObject::apply(
        &c,
        "adminnetworkpolicy",
        &name,
        &format!(
            r#"apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {{name: {name}}}
spec:
  priority: 20
  subject: {{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}}}
  ingress:
  - {{name: everyone, action: Allow, from: [{{namespaces: {{}}}}]}}
"#
        ),
    );
    let out = c.plugin(&["audit", &ns, "-o", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let found = findings(&json_of(&out), &ns);
    let accept: Vec<&(String, String)> = found
        .iter()
        .filter(|f| f.0 == "network-policy.cluster-accept")
        .collect();
    assert_eq!(accept.len(), 1, "{found:?}");
    assert!(
        accept[0].1.contains(&format!("AdminNetworkPolicy/{name}")),
        "{}",
        accept[0].1
    );
}

#[test]
fn a_cilium_policy_makes_audit_and_probe_say_unknown() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-tier-cni-a");
    let b = unique_name("e2e-tier-cni-b");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    let out = c.kubectl_stdin(
        &["apply", "-n", &b, "-f", "-"],
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: l7-only}\nspec:\n  endpointSelector: {}\n  ingress: [{fromEndpoints: [{}]}]\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let out = c.plugin(&["audit", &b, "-o", "json"]);
    assert_eq!(code(&out), 1, "unknown fails the audit: {}", stderr(&out));
    let report = json_of(&out);
    let ns = namespace(&report, &b);
    assert_eq!(ns["status"], "unknown", "{ns}");
    let unknown = ns["unknown"].as_array().unwrap();
    let isolation = unknown
        .iter()
        .find(|u| u["check"] == "network-policy.ingress-not-isolated")
        .unwrap_or_else(|| panic!("{ns}"));
    assert!(
        isolation["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("CiliumNetworkPolicy.cilium.io {b}/l7-only")),
        "{isolation}"
    );

    // Offline prediction from the live objects is not possible here; the
    // live probe marks the cells the Cilium policy may change unknown.
    let out = c.plugin(&["probe", &a, &b, "--port", "8080", "-o", "json"]);
    let report = json_of(&out);
    let cells = report["results"].as_array().unwrap();
    let into_b = cells
        .iter()
        .find(|r| r["from"] == a.as_str() && r["to"] == b.as_str())
        .unwrap();
    assert_eq!(into_b["expected"], "deny", "egress at {a} denies: {into_b}");
    let from_b = cells
        .iter()
        .find(|r| r["from"] == b.as_str() && r["to"] == b.as_str())
        .unwrap();
    assert_eq!(from_b["expected"], "unknown", "{from_b}");
    assert!(from_b["match"].is_null(), "{from_b}");
    assert!(report["summary"]["expectedUnknown"].as_u64().unwrap() >= 1);
}

#[test]
fn probe_says_cluster_policies_are_not_enforced_by_this_plugin() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-tier-pa");
    let b = unique_name("e2e-tier-pb");
    let _g = c.guard(&[&a, &b]);
    create(&c, &[&a, &b]);
    let name = format!("{a}-to-{b}");
    let _cnp = ClusterObject::apply(
        &c,
        "clusternetworkpolicy",
        &name,
        &format!(
            r#"apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {{name: {name}}}
spec:
  tier: Admin
  priority: 30
  subject: {{namespaces: {{matchExpressions: [{{key: kubernetes.io/metadata.name, operator: In, values: [{a}, {b}]}}]}}}}
  ingress:
  - {{name: from-a, action: Accept, from: [{{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {a}}}}}}}]}}
  egress:
  - {{name: to-b, action: Accept, to: [{{namespaces: {{matchLabels: {{kubernetes.io/metadata.name: {b}}}}}}}]}}
"#
        ),
    );
    let out = c.plugin(&["probe", &a, &b, "--port", "8080", "-o", "json"]);
    assert_eq!(code(&out), 3, "not enforced: exit 3\n{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(report["clusterPoliciesEnforced"], false, "{report}");
    assert_eq!(
        report["enforced"], true,
        "NetworkPolicies are enforced: {report}"
    );
    let cell = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == a.as_str() && r["to"] == b.as_str())
        .unwrap();
    assert_eq!(cell["expected"], "allow", "{cell}");
    assert_eq!(cell["withoutClusterPolicies"], "deny", "{cell}");
    assert_eq!(cell["observed"], "deny", "{cell}");
    assert!(
        stderr(&out).contains("cluster network policies are present but NOT ENFORCED"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sctp_on_nodes_without_sctp_is_an_error_per_cell_not_a_verdict() {
    let Some(c) = cluster() else { return };
    let a = unique_name("e2e-sctp");
    let _g = c.guard(&[&a]);
    create(&c, &[&a]);
    let out = c.plugin(&[
        "probe",
        &a,
        "--protocol",
        "sctp",
        "--port",
        "9000",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(report["protocol"], "SCTP");
    let cell = &report["results"][0];
    assert_eq!(cell["expected"], "allow", "{cell}");
    assert_eq!(cell["observed"], "error", "{cell}");
    assert!(
        cell["detail"]
            .as_str()
            .unwrap()
            .starts_with("SCTP unsupported on node"),
        "{cell}"
    );
    assert_eq!(report["summary"]["mismatches"], 0);

    // Offline, SCTP is predicted like any protocol.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ns.yaml");
    std::fs::write(
        &path,
        c.kubectl_ok(&["get", "namespace", &a, "-o", "yaml"])
            + "---\n"
            + &c.kubectl_ok(&["get", "networkpolicy", "-n", &a, "-o", "yaml"]),
    )
    .unwrap();
    let out = c.plugin(&[
        "probe",
        &a,
        "--protocol",
        "sctp",
        "--port",
        "9000",
        "-f",
        path.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json_of(&out);
    assert_eq!(report["results"][0]["expected"], "allow");
}
