//! Offline audit of the fixtures under `tests/fixtures/audit/`: `base.yaml`
//! (a compliant `app` namespace without DNS egress) plus one fixture file,
//! loaded with the manifest loader. Each fixture's first line says what the
//! audit must report: `# expect: pass` (no finding at all) or
//! `# expect: <check-id>` (exactly the findings of that check).

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use ns_policy_core::audit::run::{self, Selection};
use ns_policy_core::audit::{AuditReport, NamespaceReport};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::checks::Severity;
use ns_policy_core::manifests;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

fn audit(files: &[PathBuf]) -> NamespaceReport {
    let set = manifests::load_paths(files, ns_policy_core::input::DEFAULT_MAX_INPUT_BYTES)
        .expect("fixtures load");
    assert!(
        set.namespace("shop-prod").is_some(),
        "fixture has the Namespace"
    );
    let now = Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap();
    let selection = Selection::new(vec!["shop-prod".into()], false, None, false).unwrap();
    let mut report = run::audit_manifests(
        &Baseline::builtin(),
        &set,
        &selection,
        &ns_policy_core::audit::AuditOptions::at(now),
    )
    .unwrap();
    report.namespaces.remove(0)
}

fn expectation(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("# expect: "))
        .unwrap_or_else(|| panic!("{} lacks `# expect:`", path.display()))
        .trim()
        .to_string()
}

#[test]
fn every_fixture_gives_its_expected_findings() {
    let base = dir().join("base.yaml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "base.yaml")
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut passes = 0;
    for file in files {
        let expect = expectation(&file);
        let report = audit(&[base.clone(), file.clone()]);
        assert!(
            report.unknown.is_empty(),
            "{}: {:#?}",
            file.display(),
            report.unknown
        );
        assert_eq!(report.profile, "app");
        if expect == "pass" {
            passes += 1;
            assert!(
                report.findings.is_empty(),
                "{}: {:#?}",
                file.display(),
                report.findings
            );
            continue;
        }
        assert!(
            !report.findings.is_empty() && report.findings.iter().all(|f| f.check == expect),
            "{}: expected only {expect}, got {:#?}",
            file.display(),
            report.findings
        );
    }
    assert!(passes >= 4);
}

#[test]
fn findings_carry_file_and_line_of_the_offending_object() {
    let file = dir().join("workload-fail-privileged.yaml");
    let report = audit(&[dir().join("base.yaml"), file.clone()]);
    let f = &report.findings[0];
    assert_eq!(f.object.as_deref(), Some("DaemonSet/agent"));
    let source = f.source.as_deref().unwrap();
    assert!(source.starts_with(&file.display().to_string()), "{source}");
    assert!(source.ends_with(":2"), "{source}");
    // The Namespace finding points at base.yaml.
    let report = audit(&[dir().join("base.yaml")]);
    let dns = &report.findings[0];
    assert_eq!(dns.check, "network-dns.blocked");
    assert!(
        dns.source.as_deref().unwrap().contains("base.yaml:4"),
        "{dns:?}"
    );
    let sarif = ns_policy_core::audit::to_sarif(
        &AuditReport::new(vec![report]),
        &ns_policy_core::audit::SarifOptions::default(),
    );
    let loc = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["region"]["startLine"], 4);
}

#[test]
fn name_label_dns_remediation_points_to_metadata_name() {
    let report = audit(&[
        dir().join("base.yaml"),
        dir().join("dns-fail-name-label.yaml"),
    ]);
    let f = &report.findings[0];
    assert!(
        f.message.contains("kubernetes.io/metadata.name"),
        "{}",
        f.message
    );
    assert!(f.remediation.contains("kubernetes.io/metadata.name"));
    assert_eq!(f.severity, Severity::Error);
}
