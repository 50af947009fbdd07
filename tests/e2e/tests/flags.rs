//! kubectl's flags against the real cluster: impersonation, request
//! tracing, no request timeout.

use ns_policy_e2e::{cluster, code, plugin_bin, stderr, unique_name};

#[test]
fn impersonation_makes_the_api_server_judge_another_identity() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-as");
    let _g = c.guard(&[&ns]);
    c.kubectl_ok(&["create", "namespace", &ns]);
    // As admin: everything listed.
    let out = c.plugin(&["audit", &ns, "-o", "json", "--request-timeout", "0"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = &v["namespaces"][0];
    assert!(n["unknown"].as_array().unwrap().is_empty(), "{n}");
    // As a ServiceAccount with no rights: the LISTs are forbidden for that
    // identity, so the checks are unknown, never passed.
    let who = format!("system:serviceaccount:{ns}:nobody");
    let out = c.plugin(&[
        "audit",
        &ns,
        "-o",
        "json",
        "--as",
        &who,
        "--as-group",
        "system:serviceaccounts",
    ]);
    let err = stderr(&out);
    // Reading the namespace itself is refused to that identity: the API
    // server answered as it.
    assert_eq!(code(&out), 2, "{err}");
    assert!(
        err.contains(&format!(
            "User \"{who}\" cannot get resource \"namespaces\""
        )),
        "{err}"
    );
}

#[test]
fn v6_traces_every_api_request_on_stderr_and_keeps_stdout_data_only() {
    let Some(c) = cluster() else { return };
    let out = c.plugin(&["audit", "default", "-o", "json", "-v", "6"]);
    let err = stderr(&out);
    assert!(err.contains("http.method=GET"), "{err}");
    assert!(err.contains("/api/v1/namespaces/default"), "{err}");
    assert!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).is_ok(),
        "stdout is the report only"
    );
    let out = c.plugin(&["audit", "default", "-o", "json"]);
    assert!(!stderr(&out).contains("http.method"), "{}", stderr(&out));
}

#[test]
fn kubectl_plugin_completion_lists_the_clusters_namespaces() {
    let Some(c) = cluster() else { return };
    let ns = unique_name("e2e-complete");
    let _g = c.guard(&[&ns]);
    c.kubectl_ok(&["create", "namespace", &ns]);
    // kubectl 1.26+ runs kubectl_complete-ns_policy from PATH.
    let bin = tempfile::tempdir().unwrap();
    std::fs::copy(plugin_bin(), bin.path().join("kubectl-ns_policy")).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../kubectl-ns-policy/kubectl_complete-ns_policy");
    let dest = bin.path().join("kubectl_complete-ns_policy");
    std::fs::copy(script, &dest).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("kubectl")
        .args(["__complete", "ns-policy", "audit", "e2e-complete"])
        .env("PATH", path)
        .env("KUBECONFIG", &c.kubeconfig)
        .output()
        .expect("kubectl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l == ns),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.lines().any(|l| l == ":4"), "{text}");
}
