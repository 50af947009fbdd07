//! Our workload-reliability verdicts next to kube-score's on the same
//! manifests (tests/fixtures/reliability). Where both tools check the same
//! thing they must agree, except for the differences listed here with
//! their reason; a new difference (either tool changed) fails the test.
//! kube-score comes from the Go module proxy:
//! `eval "$(bash tests/tools/install.sh)"`; without it this test prints
//! SKIPPED (and fails in CI). Polaris, the other peer with these checks,
//! cannot be built here (its Go module is refused by the proxy).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reliability")
}

fn kube_score() -> Option<PathBuf> {
    common::tool(
        "KUBE_SCORE",
        "/var/cache/ns-policy-tools/kube-score-v1.20.0/kube-score",
    )
}

/// A verdict on one aspect of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Pass,
    Fail,
    /// The tool does not judge it (kube-score's "skipped").
    Unjudged,
}

/// The aspects both tools check, with our check ID and kube-score's.
const ASPECTS: [(&str, &str, &[&str]); 3] = [
    (
        "disruption budget",
        "workload-reliability.pdb-missing",
        &[
            "deployment-has-poddisruptionbudget",
            "statefulset-has-poddisruptionbudget",
        ],
    ),
    (
        "readiness probe",
        "workload-reliability.readiness-probe-missing",
        &["pod-probes"],
    ),
    (
        "read-only root filesystem",
        "workload-reliability.read-only-root-filesystem",
        &["container-security-context-readonlyrootfilesystem"],
    ),
];

/// The differences we keep, and why.
const DIFFERENCES: [(&str, &str, Verdict, Verdict, &str); 1] = [(
    "Deployment/unserved",
    "readiness probe",
    Verdict::Fail,
    Verdict::Unjudged,
    "kube-score asks for probes only of pods a Service in the same files targets; \
     we ask them of every container that declares a port, because Services, \
     Ingresses and Gateway routes often live in other repositories than the workload",
)];

fn ours() -> BTreeMap<(String, &'static str), Verdict> {
    let out = Command::cargo_bin("kubectl-ns_policy")
        .unwrap()
        .current_dir(fixture())
        .env_remove("KUBECONFIG")
        .args([
            "audit",
            "-f",
            "manifests",
            "--baseline",
            "baseline.yaml",
            "--all",
            "--check",
            "workload-reliability.*",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, String)> = report["namespaces"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["object"].as_str().unwrap().to_string(),
                f["check"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let workloads = [
        "Deployment/good",
        "Deployment/no-pdb",
        "Deployment/single",
        "Deployment/no-probes",
        "Deployment/unserved",
        "Deployment/writable",
        "StatefulSet/db",
        "StatefulSet/cache",
    ];
    let mut v = BTreeMap::new();
    for w in workloads {
        for (aspect, check, _) in ASPECTS {
            let failed = findings.iter().any(|(o, c)| o == w && c == check);
            v.insert(
                (w.to_string(), aspect),
                if failed { Verdict::Fail } else { Verdict::Pass },
            );
        }
    }
    v
}

fn theirs(ks: &Path) -> BTreeMap<(String, &'static str), Verdict> {
    let dir = fixture().join("manifests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let out = Process::new(ks)
        .args(["score", "-o", "json"])
        .args(&files)
        .output()
        .unwrap();
    let objects: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("kube-score output: {e}: {out:?}"));
    let mut v = BTreeMap::new();
    for o in objects.as_array().unwrap() {
        let object = format!(
            "{}/{}",
            o["type_meta"]["kind"].as_str().unwrap(),
            o["object_meta"]["name"].as_str().unwrap()
        );
        for c in o["checks"].as_array().unwrap() {
            let id = c["check"]["id"].as_str().unwrap();
            let Some((aspect, _, _)) = ASPECTS.iter().find(|(_, _, ids)| ids.contains(&id)) else {
                continue;
            };
            // kube-score grades: 10 ok, 5 warning, 1 critical; 0 skipped.
            let verdict = if c["skipped"].as_bool() == Some(true) {
                Verdict::Unjudged
            } else if c["grade"].as_i64() == Some(10) {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
            v.insert((object.clone(), *aspect), verdict);
        }
    }
    v
}

#[test]
fn reliability_verdicts_agree_with_kube_score_except_the_documented_differences() {
    let Some(ks) = kube_score() else { return };
    let ours = ours();
    let theirs = theirs(&ks);
    let mut differences = Vec::new();
    let mut compared = 0;
    for (key, mine) in &ours {
        let Some(other) = theirs.get(key) else {
            panic!("kube-score has no verdict on {key:?}: {theirs:#?}");
        };
        compared += 1;
        // Neither requires it: the same answer.
        let same = mine == other || (*mine == Verdict::Pass && *other == Verdict::Unjudged);
        if !same {
            differences.push((key.0.clone(), key.1, *mine, *other));
        }
    }
    assert_eq!(compared, 24);
    let documented: Vec<(String, &str, Verdict, Verdict)> = DIFFERENCES
        .iter()
        .map(|(o, a, m, t, _)| (o.to_string(), *a, *m, *t))
        .collect();
    assert_eq!(differences, documented);
    // And the fixture is not trivially agreed on: both fail some of each.
    for (aspect, _, _) in ASPECTS {
        assert!(
            ours.iter()
                .any(|((_, a), v)| *a == aspect && *v == Verdict::Fail),
            "{aspect}"
        );
        assert!(
            theirs
                .iter()
                .any(|((_, a), v)| *a == aspect && *v == Verdict::Fail),
            "{aspect}"
        );
    }
}
