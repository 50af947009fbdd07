//! `probe` reports: the matrix (observed, or predicted offline) with notes
//! on every mismatch and error, `-o wide` rows, the verdict lines, and the
//! progress events of a live run.

use ns_policy_core::probe::{
    Connectivity, Mode, Outcome, ProbeEvent, ProbeOutcome, ProbeReport, ProbeResult,
};

use super::{paint, Paint};

/// The progress line of an event of a live run.
pub(crate) fn event(e: &ProbeEvent) -> String {
    match e {
        ProbeEvent::CreatingPods {
            pods,
            namespaces,
            run_id,
        } => format!("creating {pods} probe pods in {namespaces} namespace(s) (run {run_id})"),
        ProbeEvent::WaitingForPods => "waiting for probe pods to be Running and Ready".into(),
        ProbeEvent::Probing {
            cells,
            namespaces,
            ports,
            targets,
        } => format!(
            "probing {cells} cell(s) ({namespaces}\u{d7}{namespaces} namespace pairs \u{d7} {ports} port(s){})",
            if *targets == 0 {
                String::new()
            } else {
                format!(", and {targets} target(s) from each namespace")
            }
        ),
        ProbeEvent::Retrying { cells } => format!(
            "{cells} cell(s) differ from the prediction; retrying (policy programming may lag)"
        ),
        _ => String::new(),
    }
}

/// What `probe --cleanup` deleted and left alone.
pub(crate) fn swept(s: &ns_policy_core::kube::probe::Sweep) -> String {
    let mut out = String::new();
    for p in &s.deleted {
        out.push_str(&format!(
            "pod/{} deleted (namespace {})\n",
            p.name, p.namespace
        ));
    }
    for (p, until) in &s.in_progress {
        out.push_str(&format!(
            "pod/{} kept (namespace {}): its run may be in progress until {}\n",
            p.name,
            p.namespace,
            ns_policy_core::render::rfc3339(*until)
        ));
    }
    out
}

/// The line on stderr that explains a non-zero verdict of `-o json|yaml`.
pub(crate) fn verdict(report: &ProbeReport, outcome: ProbeOutcome) -> Option<String> {
    match outcome {
        ProbeOutcome::NotEnforced => Some(not_enforced_message(report)),
        ProbeOutcome::Mismatch => Some(format!(
            "{} cell(s) differ from the NetworkPolicy prediction",
            report.summary.mismatches
        )),
        ProbeOutcome::NotIsolated => Some(format!(
            "{} connection(s) between different namespaces are allowed",
            report.summary.cross_namespace_allowed
        )),
        ProbeOutcome::Errors => Some(format!(
            "{} cell(s) could not be tested (see \"detail\")",
            report.summary.errors
        )),
        ProbeOutcome::ClusterPoliciesNotEnforced => Some(cluster_not_enforced_message(report)),
        ProbeOutcome::Unknown => Some(unknown_message(report)),
        _ => None,
    }
}

/// Why `--expect-isolated` cannot pass: cells whose isolation is unknown.
pub(crate) fn unknown_message(report: &ProbeReport) -> String {
    format!(
        "isolation UNKNOWN for {} connection(s) between different namespaces: the policies deciding them are not all evaluated (see \"explanation\")",
        report.summary.cross_namespace_unknown
    )
}

/// The verdict when the cluster network policies are not enforced.
pub(crate) fn cluster_not_enforced_message(report: &ProbeReport) -> String {
    let changed = report
        .results
        .values()
        .iter()
        .chain(&report.external)
        .filter(|r| r.without_cluster_policies.is_some() && r.observed.is_some())
        .count();
    format!(
        "cluster network policies are present but NOT ENFORCED: all {changed} tested connection(s) they decide behaved as NetworkPolicies alone predict. \
The network plugin accepts {} without enforcing them; no verdict that depends on them can be trusted.",
        report.cluster_policies.join(", ")
    )
}

/// The report as a table (`wide`: one row per cell too); when the plugin
/// does not enforce policies, only that verdict.
pub(crate) fn table(
    report: &ProbeReport,
    outcome: ProbeOutcome,
    wide: bool,
    expect_isolated: bool,
    color: bool,
) -> String {
    if outcome == ProbeOutcome::NotEnforced {
        return format!("{}\n", not_enforced_message(report));
    }
    let mut table = render_table(report, wide, expect_isolated, color);
    if let Some(c) = &report.coverage {
        table.push_str(&classes(report, c));
    }
    match outcome {
        ProbeOutcome::ClusterPoliciesNotEnforced => format!(
            "{}\n\n{table}",
            paint(&cluster_not_enforced_message(report), Paint::Red, color)
        ),
        ProbeOutcome::Unknown => format!("{table}\n{}\n", unknown_message(report)),
        _ => table,
    }
}

pub(crate) fn not_enforced_message(report: &ProbeReport) -> String {
    format!(
        "NetworkPolicies are present but NOT ENFORCED: all {} connection(s) the policies deny were observed open. \
The cluster's network plugin accepts NetworkPolicy objects without enforcing them \
(e.g. flannel, or a cloud CNI with network policy turned off); no isolation result can be trusted.",
        report.summary.expected_deny
    )
}

/// Text of one cell: the observation (or prediction offline); a mismatch is
/// `EXPECTED≠observed`; an observation without a prediction (unknown) is
/// `observed?`.
fn mark(r: &ProbeResult, color: bool) -> String {
    match (r.observed, r.matches) {
        (None, _) if r.expected == Connectivity::Unknown => paint("unknown", Paint::Yellow, color),
        (None, _) => r.expected.as_str().to_string(),
        (Some(o), None) if o != Outcome::Error => format!("{}?", o.as_str()),
        (Some(Outcome::Error), _) => paint("error", Paint::Yellow, color),
        (Some(o), Some(false)) => paint(
            &format!("{}≠{}", r.expected.as_str().to_uppercase(), o.as_str()),
            Paint::Red,
            color,
        ),
        (Some(o), _) => o.as_str().to_string(),
    }
}

fn render_table(report: &ProbeReport, wide: bool, expect_isolated: bool, color: bool) -> String {
    let mut headers = vec!["FROM \\ TO".to_string()];
    headers.extend(report.namespaces.iter().cloned());
    headers.extend(report.targets.iter().cloned());
    let targets = report.targets.len();
    let mut rows = Vec::new();
    for (fi, from) in report.namespaces.iter().enumerate() {
        let mut row = vec![from.clone()];
        for ti in 0..report.namespaces.len() {
            let cells = report.results.pair(fi, ti);
            let text = if cells.len() == 1 {
                mark(&cells[0], color)
            } else {
                cells
                    .iter()
                    .map(|r| format!("{}:{}", r.port, mark(r, color)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            row.push(text);
        }
        for r in report.external.iter().skip(fi * targets).take(targets) {
            row.push(mark(r, color));
        }
        rows.push(row);
    }
    let mut out = super::plain_table(&headers, &rows);

    out.push('\n');
    let ports: Vec<String> = report.ports.iter().map(u16::to_string).collect();
    match report.mode {
        Mode::Offline => out.push_str(&format!(
            "Predicted from the manifests ({}/{}), from client pods in each row's namespace to server pods in each column's; nothing observed.\n",
            ports.join(","),
            report.protocol
        )),
        Mode::Live => {
            out.push_str(&format!(
                "Observed from a client pod in each row's namespace to a server pod in each column's namespace on {}/{}{}.\n",
                ports.join(","),
                report.protocol,
                if report.targets.is_empty() {
                    String::new()
                } else {
                    format!(", and to each target address ({})", report.targets.join(", "))
                }
            ));
            out.push_str(
                "allow/deny: observed, as the policies predict; EXPECTED≠observed: differs from the prediction; allow?/deny?: observed, prediction unknown; error: could not be tested.\n",
            );
        }
    }

    let mut notes = Vec::new();
    // Unknown predictions, one note per explanation (a CNI policy over a
    // namespace makes every cell of it unknown for the same reason).
    let mut unknown: Vec<(String, Vec<&ProbeResult>)> = Vec::new();
    for r in report
        .results
        .values()
        .iter()
        .chain(&report.external)
        .filter(|r| r.expected == Connectivity::Unknown)
    {
        match unknown.iter_mut().find(|(e, _)| *e == r.explanation) {
            Some((_, cells)) => cells.push(r),
            None => unknown.push((r.explanation.clone(), vec![r])),
        }
    }
    for (why, cells) in &unknown {
        let first = cells[0];
        let more = if cells.len() > 1 {
            format!(" and {} other cell(s)", cells.len() - 1)
        } else {
            String::new()
        };
        notes.push(format!(
            "{}: {} -> {} port {}/{}{more}: {why}",
            paint("UNKNOWN", Paint::Yellow, color),
            first.from,
            first.to,
            first.port,
            first.protocol,
        ));
    }
    for r in report.mismatches() {
        notes.push(format!(
            "{}: {} -> {} port {}/{}: predicted {}, observed {} ({}); {}",
            paint("MISMATCH", Paint::Red, color),
            r.from,
            r.to,
            r.port,
            r.protocol,
            r.expected.as_str(),
            r.observed.map(Outcome::as_str).unwrap_or("-"),
            r.detail.as_deref().unwrap_or(""),
            r.explanation
        ));
    }
    for r in report
        .results
        .values()
        .iter()
        .chain(&report.external)
        .filter(|r| r.observed == Some(Outcome::Error))
    {
        notes.push(format!(
            "{}: {} -> {} port {}/{}: {}",
            paint("ERROR", Paint::Yellow, color),
            r.from,
            r.to,
            r.port,
            r.protocol,
            r.detail.as_deref().unwrap_or("")
        ));
    }
    if expect_isolated {
        for r in report
            .results
            .values()
            .iter()
            .filter(|r| r.cross_namespace_allowed())
        {
            notes.push(format!(
                "{}: {} -> {} port {}/{} is {}; {}",
                paint("NOT ISOLATED", Paint::Red, color),
                r.from,
                r.to,
                r.port,
                r.protocol,
                if r.observed.is_some() {
                    "open"
                } else {
                    "allowed"
                },
                r.explanation
            ));
        }
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            out.push_str(&note);
            out.push('\n');
        }
    }
    let s = &report.summary;
    if report.mode == Mode::Live {
        out.push_str(&format!(
            "\n{} cell(s): {} allow, {} deny, {} error(s), {} mismatch(es){}; policy enforcement: {}\n",
            s.cells,
            s.observed_allow,
            s.observed_deny,
            s.errors,
            s.mismatches,
            if s.expected_unknown > 0 {
                format!(", {} not predicted", s.expected_unknown)
            } else {
                String::new()
            },
            match report.enforced {
                Some(true) => "confirmed (a denied connection was blocked)",
                Some(false) => "NOT enforced",
                None if s.expected_deny == 0 => "unknown (the policies deny no probed connection)",
                None => "unknown (no denied connection could be tested)",
            }
        ));
        if !report.cluster_policies.is_empty() {
            out.push_str(&format!(
                "cluster network policies ({}): {}\n",
                report.cluster_policies.len(),
                match report.cluster_policies_enforced {
                    Some(true) => "enforced (a connection they decide behaved as they say)",
                    Some(false) => "NOT enforced",
                    None => "enforcement unknown (they change no tested connection)",
                }
            ));
        }
    } else if s.expected_unknown > 0 || !report.cluster_policies.is_empty() {
        out.push_str(&format!(
            "\n{} cell(s): {} allow, {} deny, {} unknown{}\n",
            s.cells,
            s.expected_allow,
            s.expected_deny,
            s.expected_unknown,
            if report.cluster_policies.is_empty() {
                String::new()
            } else {
                format!(
                    "; cluster network policies: {}",
                    report.cluster_policies.join(", ")
                )
            }
        ));
    }

    if wide {
        let rows: Vec<Vec<String>> = report
            .results
            .values()
            .iter()
            .chain(&report.external)
            .map(|r| {
                vec![
                    r.from.clone(),
                    r.to.clone(),
                    r.port.to_string(),
                    r.protocol.to_string(),
                    r.expected.as_str().to_string(),
                    r.observed.map(Outcome::as_str).unwrap_or("-").to_string(),
                    r.detail.clone().unwrap_or_else(|| "-".into()),
                    match r.matches {
                        Some(true) => "yes".to_string(),
                        Some(false) => paint("NO", Paint::Red, color),
                        None => "-".to_string(),
                    },
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&super::table(
            &[
                "from", "to", "port", "protocol", "expected", "observed", "detail", "match",
            ],
            &rows,
        ));
    }
    out
}

/// The coverage line and the classes, folded (a class of many shows its
/// representatives and how many more it stands for).
fn classes(report: &ProbeReport, c: &ns_policy_core::probe::Coverage) -> String {
    let mut out = format!("{}.\n", c.line(report.mode == Mode::Live));
    for (i, class) in report.classes.iter().enumerate() {
        let shown: Vec<&str> = class.members.iter().take(3).map(String::as_str).collect();
        let more = class.members.len().saturating_sub(shown.len());
        out.push_str(&format!(
            "  class {}: {} namespace(s) ({}{}), represented by {}\n",
            i + 1,
            class.members.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            },
            class.representatives.join(" and ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ns_policy_core::netpol::Protocol;
    use ns_policy_core::probe::{Connectivity, Matrix, ProbeSummary};

    fn result(
        from: &str,
        to: &str,
        expected: Connectivity,
        observed: Option<Outcome>,
    ) -> ProbeResult {
        ProbeResult {
            from: from.into(),
            to: to.into(),
            port: 8080,
            protocol: Protocol::Tcp,
            expected,
            without_cluster_policies: None,
            observed,
            matches: observed.map(|o| o.agrees_with(expected)),
            detail: observed.map(|o| o.as_str().to_string()),
            explanation: "egress allowed; ingress denied: b/default-deny isolates".into(),
        }
    }

    #[test]
    fn matrix_marks_mismatches_and_explains_them() {
        let results = vec![
            result("a", "a", Connectivity::Allow, Some(Outcome::Allow)),
            result("a", "b", Connectivity::Deny, Some(Outcome::Allow)),
            result("b", "a", Connectivity::Deny, Some(Outcome::Deny)),
            result("b", "b", Connectivity::Allow, Some(Outcome::Allow)),
        ];
        let report = ProbeReport {
            api_version: "ns-policy.io/v1alpha1".into(),
            kind: "ProbeReport".into(),
            mode: Mode::Live,
            run_id: Some("abc".into()),
            namespaces: vec!["a".into(), "b".into()],
            ports: vec![8080],
            protocol: Protocol::Tcp,
            summary: ProbeSummary {
                cells: 4,
                mismatches: 1,
                ..Default::default()
            },
            results: Matrix::from_cells(2, 1, results).expect("2x2 cells"),
            targets: Vec::new(),
            external: Vec::new(),
            enforced: Some(true),
            cluster_policies: Vec::new(),
            cluster_policies_enforced: None,
            classes: Vec::new(),
            coverage: None,
        };
        let text = render_table(&report, true, false, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("FROM \\ TO"), "{text}");
        assert!(
            lines[0].contains(" a ") && lines[0].ends_with('b'),
            "{text}"
        );
        assert!(
            lines[1].starts_with("a") && lines[1].contains("DENY≠allow"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("b") && lines[2].contains("deny"),
            "{text}"
        );
        assert!(
            text.contains("MISMATCH: a -> b port 8080/TCP: predicted deny, observed allow"),
            "{text}"
        );
        assert!(text.contains("b/default-deny isolates"), "{text}");
        assert!(text.contains("FROM   TO   PORT"), "{text}");
    }
}
