//! The machine-readable formats checked by the tools that consume them:
//! SARIF by Microsoft's SARIF Multitool (the official 2.1.0 schema and
//! GitHub code scanning's ingestion rules), JUnit by xmllint against the
//! Jenkins junit/xunit format (tests/schemas/junit-jenkins.xsd). The tools
//! come from package registries: `eval "$(bash tests/tools/install.sh)"`.
//! Without them these tests print SKIPPED (and fail in CI).

mod common;
use common::tool;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The plugin's stdout, run in the report fixtures' directory.
fn plugin(args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::cargo_bin("kubectl-ns_policy").expect("binary");
    cmd.current_dir(dir("tests/fixtures/report"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .args(args);
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    String::from_utf8(cmd.output().expect("runs").stdout).expect("utf-8")
}

/// Runs the Multitool's `validate` over `sarif` and returns the levels and
/// rule IDs of what it reports.
fn multitool(mt: &Path, sarif: &str) -> Vec<(String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.sarif");
    let output = tmp.path().join("out.sarif");
    std::fs::write(&input, sarif).unwrap();
    let out = Process::new(mt)
        .args([
            "validate",
            "--rule-kind",
            "Sarif;Gh",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&output)
        .arg(&input)
        .output()
        .expect("multitool runs");
    assert!(
        output.is_file(),
        "multitool wrote no log: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["level"].as_str().unwrap_or("warning").to_string(),
                format!(
                    "{}: {}",
                    r["ruleId"].as_str().unwrap_or_default(),
                    r["message"]["arguments"]
                ),
            )
        })
        .collect()
}

#[test]
fn sarif_passes_the_official_schema_and_github_ingestion_rules() {
    let Some(mt) = tool(
        "SARIF_MULTITOOL",
        "/var/cache/ns-policy-tools/sarif-multitool-5.7.0/package/Sarif.Multitool",
    ) else {
        return;
    };
    // Findings of every kind, a waived one, and input from stdin.
    let waived = std::fs::read_to_string(dir("tests/fixtures/report/legacy.yaml"))
        .unwrap()
        .replacen(
            "  labels:\n    team: ops",
            "  labels:\n    team: ops\n  annotations:\n    ns-policy.io/waive: '[{\"check\": \"rbac.*\", \"reason\": \"CI account, reviewed\", \"expires\": \"2099-01-01\"}]'",
            1,
        );
    for sarif in [
        plugin(&["audit", "-A", "-f", ".", "-o", "sarif"], None),
        plugin(&["audit", "-A", "-f", "-", "-o", "sarif"], Some(&waived)),
    ] {
        let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
        let problems: Vec<(String, String)> = multitool(&mt, &sarif)
            .into_iter()
            .filter(|(level, _)| level == "error" || level == "warning")
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
    }
    // The validator does look: an absolute URI and a result without a
    // location are rejected.
    let mut bad: serde_json::Value =
        serde_json::from_str(&plugin(&["audit", "-A", "-f", ".", "-o", "sarif"], None)).unwrap();
    let results = bad["runs"][0]["results"].as_array_mut().unwrap();
    results[0].as_object_mut().unwrap().remove("locations");
    results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "file:///abs/legacy.yaml".into();
    let problems = multitool(&mt, &bad.to_string());
    assert!(problems.iter().any(|(l, _)| l == "error"), "{problems:#?}");
}

/// xmllint's verdict on `xml` against the Jenkins JUnit schema.
fn xmllint(xmllint: &Path, xml: &str) -> (bool, String) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("report.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Process::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(dir("../tests/schemas/junit-jenkins.xsd"))
        .arg(&file)
        .output()
        .expect("xmllint runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn junit_is_valid_for_jenkins() {
    let Some(x) = tool("XMLLINT", "/usr/bin/xmllint") else {
        return;
    };
    let junit = plugin(&["audit", "-A", "-f", ".", "-o", "junit"], None);
    assert!(junit.contains("<failure"), "{junit}");
    let (ok, err) = xmllint(&x, &junit);
    assert!(ok, "{err}");
    // What Jenkins' schema refuses is refused here too.
    let bad = junit.replacen("<testsuites ", "<testsuites skipped=\"0\" ", 1);
    assert!(
        !xmllint(&x, &bad).0,
        "skipped on testsuites must not validate"
    );
    let bad = junit.replacen("name=\"labels\" time=\"0\"", "name=\"labels\"", 1);
    assert_ne!(bad, junit);
    assert!(
        !xmllint(&x, &bad).0,
        "a testcase without time must not validate"
    );
}
