//! `audit` reports: the table (one row per namespace), `-o wide` (and one
//! row per finding), JSON, YAML, SARIF and JUnit.

use ns_policy_core::audit::{self, AuditReport, Finding, NamespaceStatus};
use ns_policy_core::checks::Severity;

use super::{first_line, paint, table, Paint};
use crate::cli::AuditFormat;
use crate::escape_controls as clean;

fn severity_paint(s: Severity) -> Paint {
    match s {
        Severity::Error => Paint::Red,
        Severity::Warning => Paint::Yellow,
        Severity::Info => Paint::Dim,
    }
}

/// The report in `format` (what goes to stdout). `junit_threshold` is the
/// severity from which a JUnit test case fails.
pub(crate) fn render(
    report: &AuditReport,
    format: AuditFormat,
    junit_threshold: Severity,
    sarif: &audit::SarifOptions,
    color: bool,
) -> String {
    match format {
        AuditFormat::Json => super::json(report),
        AuditFormat::Yaml => ns_policy_core::yaml::to_string(report),
        AuditFormat::Sarif => super::json(&audit::to_sarif(report, sarif)),
        AuditFormat::Junit => audit::to_junit(report, junit_threshold),
        AuditFormat::Html => super::html::audit(report),
        AuditFormat::Table => namespaces_table(report, color),
        AuditFormat::Wide => {
            let mut text = namespaces_table(report, color);
            let findings = findings_table(report, color);
            if !findings.is_empty() {
                text.push('\n');
                text.push_str(&findings);
            }
            text
        }
    }
}

fn worst_cell(f: &Finding, color: bool) -> String {
    paint(
        &clean(&format!("{}: {}", f.check, first_line(&f.message))),
        severity_paint(f.severity),
        color,
    )
}

/// One row per namespace.
fn namespaces_table(report: &AuditReport, color: bool) -> String {
    if report.namespaces.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = report
        .namespaces
        .iter()
        .map(|r| {
            let worst = match (r.worst_finding(), r.unknown.first()) {
                (Some(f), _) if f.severity == Severity::Error => worst_cell(f, color),
                (_, Some(u)) => paint(
                    &clean(&format!("{} unknown: {}", u.check, first_line(&u.reason))),
                    Paint::Yellow,
                    color,
                ),
                (Some(f), None) => worst_cell(f, color),
                (None, None) => paint("ok", Paint::Green, color),
            };
            let status = r.status.as_str();
            let status = match r.status {
                NamespaceStatus::Failed => paint(status, Paint::Red, color),
                NamespaceStatus::Unknown | NamespaceStatus::Warned => {
                    paint(status, Paint::Yellow, color)
                }
                NamespaceStatus::Passed => paint(status, Paint::Green, color),
            };
            vec![
                r.name.clone(),
                clean(&r.profile),
                status,
                r.count(Severity::Error).to_string(),
                r.count(Severity::Warning).to_string(),
                r.unknown.len().to_string(),
                r.waived.len().to_string(),
                worst,
            ]
        })
        .collect();
    table(
        &[
            "namespace",
            "profile",
            "status",
            "errors",
            "warnings",
            "unknown",
            "waived",
            "worst finding",
        ],
        &rows,
    )
}

/// One row per finding and per unknown check (`-o wide`); empty without any.
fn findings_table(report: &AuditReport, color: bool) -> String {
    let rows: Vec<Vec<String>> = report
        .namespaces
        .iter()
        .flat_map(|r| {
            let findings = r.findings.iter().map(move |f| {
                vec![
                    r.name.clone(),
                    paint(f.severity.as_str(), severity_paint(f.severity), color),
                    f.check.clone(),
                    clean(
                        &f.object
                            .clone()
                            .or_else(|| f.source.clone())
                            .unwrap_or_else(|| "-".into()),
                    ),
                    clean(first_line(&f.message)),
                    clean(first_line(&f.remediation)),
                ]
            });
            let unknown = r.unknown.iter().map(move |u| {
                vec![
                    r.name.clone(),
                    "unknown".to_string(),
                    u.check.clone(),
                    "-".to_string(),
                    clean(first_line(&u.reason)),
                    "grant the list permission and audit again".to_string(),
                ]
            });
            let waived = r.waived.iter().map(move |w| {
                vec![
                    r.name.clone(),
                    "waived".to_string(),
                    w.finding.check.clone(),
                    clean(
                        &w.finding
                            .object
                            .clone()
                            .or_else(|| w.finding.source.clone())
                            .unwrap_or_else(|| "-".into()),
                    ),
                    clean(first_line(&w.finding.message)),
                    clean(first_line(&format!("waived: {}", w.waiver.describe()))),
                ]
            });
            findings.chain(unknown).chain(waived)
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    table(
        &[
            "namespace",
            "severity",
            "check",
            "object",
            "message",
            "remediation",
        ],
        &rows,
    )
}

/// The one-line summary shown on stderr after a table.
pub(crate) fn summary(report: &AuditReport) -> String {
    let s = &report.summary;
    let mut line = format!(
        "{} namespace(s) audited: {} failed, {} unknown, {} warned, {} passed; {} error(s), {} warning(s), {} info, {} unknown check(s), {} waived",
        s.namespaces, s.failed, s.unknown, s.warned, s.passed, s.errors, s.warnings, s.infos, s.unknown_checks, s.waived
    );
    if s.unknown_checks > 0 {
        line.push_str(" (checks that could not run: -o wide lists them and why)");
    }
    line
}
