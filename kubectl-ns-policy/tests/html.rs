//! `probe -o html` and `audit -o html` rendered by a real headless browser
//! (Chromium from Debian: `eval "$(bash tests/tools/install.sh)"`; without
//! it these tests print SKIPPED, and fail in CI): the cells and findings
//! are on the page, the page logs no console error, and it fetches nothing.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

mod common;

fn chromium() -> Option<PathBuf> {
    common::tool("CHROMIUM", "/usr/bin/chromium")
}

fn plugin(args: &[&str]) -> String {
    let out = Command::cargo_bin("kubectl-ns_policy")
        .unwrap()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report"))
        .env_remove("KUBECONFIG")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The DOM Chromium builds from `html`, and the console messages it logged.
fn render(chromium: &Path, html: &str) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(&page, html).unwrap();
    let out = Process::new(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            // Nothing may be fetched: every host resolves to nothing.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

/// Self-contained: no script, stylesheet, image or frame from anywhere.
fn assert_self_contained(html: &str) {
    for bad in ["<script", "<link", "src=", "url(", "@import", "<iframe"] {
        assert!(!html.contains(bad), "{bad} in the page");
    }
}

#[test]
fn the_console_detector_sees_an_error() {
    let Some(c) = chromium() else { return };
    let (_, console) = render(
        &c,
        "<html><body><script>undefined_fn()</script></body></html>",
    );
    assert!(
        console.iter().any(|l| l.contains("undefined_fn")),
        "{console:?}"
    );
}

#[test]
fn the_probe_heatmap_renders_every_cell_with_its_explanation() {
    let html = plugin(&["probe", "-f", ".", "shop", "pr-7", "legacy", "-o", "html"]);
    assert_self_contained(&html);
    let Some(c) = chromium() else { return };
    let (dom, console) = render(&c, &html);
    assert!(console.is_empty(), "{console:?}");
    assert_eq!(dom.matches("<td class=\"cell ").count(), 9, "{dom}");
    assert_eq!(dom.matches("<td class=\"cell allow\"").count(), 3);
    assert!(dom.contains("3 namespace(s), 9 cell(s)"));
    // Hover text: the direction, the port and why.
    assert!(
        dom.contains("title=\"shop → pr-7 on 8080/TCP\npredicted: deny"),
        "{dom}"
    );
}

#[test]
fn the_audit_scorecard_renders_every_namespace_and_finding() {
    let json = plugin(&["audit", "-f", ".", "--all", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings: usize = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["findings"].as_array().unwrap().len())
        .sum();
    let html = plugin(&["audit", "-f", ".", "--all", "-o", "html"]);
    assert_self_contained(&html);
    let Some(c) = chromium() else { return };
    let (dom, console) = render(&c, &html);
    assert!(console.is_empty(), "{console:?}");
    for ns in ["legacy", "pr-7", "shop"] {
        assert!(
            dom.contains(&format!("<a href=\"#ns-{ns}\">{ns}</a>")),
            "{ns}"
        );
        assert!(dom.contains(&format!("id=\"ns-{ns}\"")), "{ns}");
    }
    // One row per finding, in tables by category.
    let rows = dom.matches("-sev\">").count();
    assert_eq!(rows, findings);
    assert!(dom.contains("data-category=\"rbac\""));
}
