//! Pictures: `probe -o html` (the matrix as a heatmap, observed next to
//! predicted, mismatches highlighted, the explanation on hover),
//! `audit -o html` (a scorecard per namespace, findings grouped by
//! category) and `probe -o dot` (the predicted connectivity between
//! namespaces for Graphviz). Self-contained single files: inline CSS, no
//! script, nothing fetched.

use std::collections::BTreeMap;
use std::fmt::Write;

use ns_policy_core::audit::{AuditReport, NamespaceStatus};
use ns_policy_core::probe::{Connectivity, Mode, Outcome, ProbeReport, ProbeResult};

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem;color:#1b1f24}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;font-size:.85rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.cell{text-align:center;min-width:4.5rem;cursor:help}
.allow{background:#d7f5dd}.deny{background:#e8e8ee}.unknown{background:#fff3c4}
.error{background:#ffe0b2}.mismatch{background:#ffb3b3;font-weight:bold;outline:2px solid #c62828}
.pass{color:#1a7f37}.failed{color:#c62828}.warned{color:#9a6700}.unknown-status{color:#8250df}
.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.4rem;border:1px solid #d0d7de}
.error-sev{color:#c62828;font-weight:bold}.warning-sev{color:#9a6700}.info-sev{color:#57606a}
p.note{color:#57606a;font-size:.85rem}
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"kubectl-ns-policy {}\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    )
}

/// The class and text of one cell.
fn cell(r: &ProbeResult) -> (&'static str, String) {
    let predicted = r.expected.as_str();
    match (r.observed, r.matches) {
        (Some(Outcome::Error), _) => ("error", "error".into()),
        (Some(o), Some(false)) => ("mismatch", format!("{}≠{}", predicted, o.as_str())),
        (Some(o), _) => (
            match o {
                Outcome::Allow => "allow",
                _ => "deny",
            },
            if r.expected == Connectivity::Unknown {
                format!("{}?", o.as_str())
            } else {
                o.as_str().to_string()
            },
        ),
        (None, _) => (
            match r.expected {
                Connectivity::Allow => "allow",
                Connectivity::Deny => "deny",
                Connectivity::Unknown => "unknown",
            },
            predicted.to_string(),
        ),
    }
}

fn tooltip(r: &ProbeResult) -> String {
    let mut t = format!(
        "{} → {} on {}/{}\npredicted: {}",
        r.from,
        r.to,
        r.port,
        r.protocol,
        r.expected.as_str()
    );
    if let Some(o) = r.observed {
        let _ = write!(t, "\nobserved: {}", o.as_str());
    }
    if let Some(d) = &r.detail {
        let _ = write!(t, "\n{d}");
    }
    if !r.explanation.is_empty() {
        let _ = write!(t, "\n\n{}", r.explanation);
    }
    t
}

/// `probe -o html`.
pub(crate) fn probe(report: &ProbeReport) -> String {
    let mut b = String::new();
    let live = report.mode == Mode::Live;
    let _ = writeln!(
        b,
        "<h1>kubectl ns-policy probe: {}</h1>",
        if live {
            "observed connectivity next to the prediction"
        } else {
            "predicted connectivity"
        }
    );
    let s = &report.summary;
    let _ = writeln!(
        b,
        "<p id=\"summary\">{} namespace(s), {} cell(s): predicted {} allow, {} deny, {} unknown{}.</p>",
        report.namespaces.len(),
        s.cells,
        s.expected_allow,
        s.expected_deny,
        s.expected_unknown,
        if live {
            format!(
                "; observed {} allow, {} deny, {} error(s); <strong>{} mismatch(es)</strong>",
                s.observed_allow, s.observed_deny, s.errors, s.mismatches
            )
        } else {
            String::new()
        }
    );
    if report.enforced == Some(false) {
        b.push_str("<p class=\"failed\"><strong>NetworkPolicies are present but NOT ENFORCED</strong>: the network plugin accepts them without enforcing them; no isolation result can be trusted.</p>\n");
    }
    if report.cluster_policies_enforced == Some(false) {
        let _ = writeln!(
            b,
            "<p class=\"failed\"><strong>Cluster network policies are present but NOT ENFORCED</strong> ({}).</p>",
            esc(&report.cluster_policies.join(", "))
        );
    }
    b.push_str("<p class=\"legend\"><span class=\"allow\">allow</span><span class=\"deny\">deny</span><span class=\"unknown\">unknown</span><span class=\"error\">error</span><span class=\"mismatch\">predicted≠observed</span> Hover a cell for its explanation. Rows are clients, columns servers.</p>\n");
    let n = report.namespaces.len();
    for (pi, port) in report.ports.iter().enumerate() {
        let _ = writeln!(b, "<h2>{port}/{}</h2>", report.protocol);
        matrix(&mut b, report, &report.namespaces, |fi| {
            (0..n).map(|ti| &report.results.pair(fi, ti)[pi]).collect()
        });
    }
    if !report.targets.is_empty() {
        b.push_str("<h2>targets</h2>\n");
        let t = report.targets.len();
        matrix(&mut b, report, &report.targets, |fi| {
            report.external.iter().skip(fi * t).take(t).collect()
        });
    }
    page("kubectl ns-policy probe", &b)
}

/// One heatmap: a row per client namespace, a column per server (`columns`).
fn matrix<'a>(
    b: &mut String,
    report: &'a ProbeReport,
    columns: &[String],
    row: impl Fn(usize) -> Vec<&'a ProbeResult>,
) {
    let _ = writeln!(
        b,
        "<table class=\"matrix\">\n<tr><th>from \\ to</th>{}</tr>",
        columns
            .iter()
            .map(|c| format!("<th>{}</th>", esc(c)))
            .collect::<String>()
    );
    for (fi, from) in report.namespaces.iter().enumerate() {
        let _ = write!(b, "<tr><th>{}</th>", esc(from));
        for r in row(fi) {
            let (class, text) = cell(r);
            let _ = write!(
                b,
                "<td class=\"cell {class}\" title=\"{}\">{}</td>",
                esc(&tooltip(r)),
                esc(&text)
            );
        }
        b.push_str("</tr>\n");
    }
    b.push_str("</table>\n");
}

/// `audit -o html`.
pub(crate) fn audit(report: &AuditReport) -> String {
    let mut b = String::new();
    let s = &report.summary;
    let _ = writeln!(
        b,
        "<h1>kubectl ns-policy audit</h1>\n<p id=\"summary\">{} namespace(s): {} failed, {} unknown, {} warned, {} passed; {} error(s), {} warning(s), {} waived.</p>",
        report.namespaces.len(),
        s.failed,
        s.unknown,
        s.warned,
        s.passed,
        s.errors,
        s.warnings,
        s.waived
    );
    b.push_str("<table class=\"scorecard\">\n<tr><th>namespace</th><th>profile</th><th>status</th><th>errors</th><th>warnings</th><th>unknown checks</th><th>waived</th></tr>\n");
    for n in &report.namespaces {
        let count = |sev: &str| {
            n.findings
                .iter()
                .filter(|f| f.severity.as_str() == sev)
                .count()
        };
        let (class, status) = match n.status {
            NamespaceStatus::Passed => ("pass", "passed"),
            NamespaceStatus::Failed => ("failed", "failed"),
            NamespaceStatus::Warned => ("warned", "warned"),
            NamespaceStatus::Unknown => ("unknown-status", "unknown"),
        };
        let _ = writeln!(
            b,
            "<tr><td><a href=\"#ns-{0}\">{0}</a></td><td>{1}</td><td class=\"{class}\">{status}</td><td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td></tr>",
            esc(&n.name),
            esc(&n.profile),
            count("error"),
            count("warning"),
            n.unknown.len(),
            n.waived.len()
        );
    }
    b.push_str("</table>\n");
    for n in &report.namespaces {
        let _ = writeln!(
            b,
            "<h2 id=\"ns-{0}\">{0} <small>({1})</small></h2>",
            esc(&n.name),
            esc(&n.profile)
        );
        if n.findings.is_empty() && n.unknown.is_empty() {
            b.push_str("<p class=\"pass\">Every check passed.</p>\n");
        }
        let mut by_category: BTreeMap<_, Vec<_>> = BTreeMap::new();
        for f in &n.findings {
            by_category.entry(f.category).or_default().push(f);
        }
        for (category, findings) in by_category {
            let _ = writeln!(
                b,
                "<table class=\"findings\" data-category=\"{category}\">\n<tr><th colspan=\"4\">{category}</th></tr>\n<tr><th>severity</th><th>check</th><th>object</th><th>finding and remediation</th></tr>"
            );
            for f in findings {
                let _ = writeln!(
                    b,
                    "<tr><td class=\"{0}-sev\">{0}</td><td>{1}</td><td>{2}</td><td>{3}<br><code>{4}</code></td></tr>",
                    f.severity.as_str(),
                    esc(&f.check),
                    esc(f.object.as_deref().unwrap_or("")),
                    esc(&f.message),
                    esc(&f.remediation)
                );
            }
            b.push_str("</table>\n");
        }
        if !n.unknown.is_empty() {
            b.push_str(
                "<table class=\"unknown\">\n<tr><th colspan=\"2\">unknown: not checked</th></tr>\n",
            );
            for u in &n.unknown {
                let _ = writeln!(
                    b,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(&u.check),
                    esc(&u.reason)
                );
            }
            b.push_str("</table>\n");
        }
    }
    page("kubectl ns-policy audit", &b)
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `probe -o dot`: one node per namespace (and target), one edge per
/// ordered pair of different namespaces some port of which is predicted
/// open (solid) or unknown (dashed), labelled with those ports; observed
/// mismatches in red.
pub(crate) fn dot(report: &ProbeReport) -> String {
    let mut out =
        String::from("digraph connectivity {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    for n in &report.namespaces {
        let _ = writeln!(out, "  {};", dot_id(n));
    }
    for t in &report.targets {
        let _ = writeln!(out, "  {} [shape=ellipse];", dot_id(t));
    }
    let n = report.namespaces.len();
    let mut edge = |from: &str, to: &str, cells: &[&ProbeResult]| {
        let open: Vec<String> = cells
            .iter()
            .filter(|r| r.expected == Connectivity::Allow)
            .map(|r| r.port.to_string())
            .collect();
        let unknown: Vec<String> = cells
            .iter()
            .filter(|r| r.expected == Connectivity::Unknown)
            .map(|r| r.port.to_string())
            .collect();
        let mismatch = cells.iter().any(|r| r.matches == Some(false));
        let color = if mismatch {
            ", color=red, fontcolor=red"
        } else {
            ""
        };
        if !open.is_empty() {
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"{}\"{color}];",
                dot_id(from),
                dot_id(to),
                open.join(",")
            );
        }
        if !unknown.is_empty() {
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"{}?\", style=dashed{color}];",
                dot_id(from),
                dot_id(to),
                unknown.join(",")
            );
        }
        if open.is_empty() && unknown.is_empty() && mismatch {
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"observed open\", style=dotted{color}];",
                dot_id(from),
                dot_id(to)
            );
        }
    };
    for fi in 0..n {
        for ti in 0..n {
            if fi == ti {
                continue;
            }
            let cells: Vec<&ProbeResult> = report.results.pair(fi, ti).iter().collect();
            edge(&report.namespaces[fi], &report.namespaces[ti], &cells);
        }
        let t = report.targets.len();
        for (k, r) in report.external.iter().skip(fi * t).take(t).enumerate() {
            edge(&report.namespaces[fi], &report.targets[k], &[r]);
        }
    }
    let _ = writeln!(
        out,
        "  label=\"kubectl ns-policy probe: predicted connectivity between namespaces ({}/{}); dashed: unknown\";",
        report
            .ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(","),
        report.protocol
    );
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_and_attributes() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn dot_ids_are_quoted() {
        assert_eq!(dot_id("a\"b"), "\"a\\\"b\"");
    }
}
