//! Every report format of `audit` and `probe`, rendered from the manifests
//! under tests/fixtures/report and compared byte for byte with the files
//! under tests/snapshots. After a reviewed change of the output, rewrite
//! them with `UPDATE_SNAPSHOTS=1 cargo test --test snapshots`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs the plugin in the fixture directory (so SARIF and `source` name
/// the files by relative path) and returns stdout and the exit code.
fn run(args: &[&str]) -> (String, i32) {
    let out = Command::cargo_bin("kubectl-ns_policy")
        .expect("binary")
        .current_dir(dir("tests/fixtures/report"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("runs");
    (
        String::from_utf8(out.stdout).expect("utf-8 output"),
        out.status.code().unwrap_or(-1),
    )
}

fn check(name: &str, actual: &str) {
    let path = dir("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{name} differs from its snapshot at line {}:\n  actual:   {:?}\n  expected: {:?}\n(UPDATE_SNAPSHOTS=1 rewrites it after review)",
            first + 1,
            actual.lines().nth(first),
            expected.lines().nth(first)
        );
    }
}

#[test]
fn audit_reports_match_their_snapshots_in_every_format() {
    for format in ["table", "wide", "json", "yaml", "sarif", "junit"] {
        let (out, code) = run(&["audit", "-f", ".", "--all", "-o", format]);
        assert_eq!(code, 1, "{format}: the fixture has error findings");
        check(&format!("audit.{format}"), &out);
    }
}

#[test]
fn probe_reports_match_their_snapshots_in_every_format() {
    for format in ["table", "wide", "json", "yaml"] {
        let (out, code) = run(&[
            "probe", "shop", "pr-7", "legacy", "-f", ".", "--port", "8080", "-o", format,
        ]);
        assert_eq!(code, 0, "{format}: an offline prediction passes");
        check(&format!("probe.{format}"), &out);
    }
}

#[test]
fn offline_reports_are_byte_identical_from_run_to_run() {
    for args in [
        &["probe", "shop", "pr-7", "legacy", "-f", ".", "-o", "json"][..],
        &["audit", "-f", ".", "--all", "-o", "sarif"][..],
    ] {
        assert_eq!(run(args).0, run(args).0, "{args:?}");
    }
}
