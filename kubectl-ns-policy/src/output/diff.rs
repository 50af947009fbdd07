//! `diff` reports: a table (one row per change), markdown for a pull
//! request comment, the verdict line.

use ns_policy_core::diff::{Change, ConnectivityDiff};
use ns_policy_core::netpol::Decision;

use super::{paint, Paint};

/// `deny -> allow` etc., painted by what it means.
fn arrow(c: &Change, color: bool) -> String {
    let text = format!("{} -> {}", c.before.as_str(), c.after.as_str());
    if c.opens() {
        paint(&text, Paint::Red, color)
    } else if c.may_open() || c.after == Decision::Unknown {
        paint(&text, Paint::Yellow, color)
    } else {
        paint(&text, Paint::Green, color)
    }
}

fn pods(ns: &str, pods: &str) -> String {
    if pods == "*" {
        ns.to_string()
    } else {
        format!("{ns} ({pods})")
    }
}

/// The line that explains exit 1.
pub(crate) fn verdict(d: &ConnectivityDiff) -> String {
    let opened = d.changes.iter().filter(|c| c.opens()).count();
    let may = d.changes.iter().filter(|c| c.may_open()).count();
    match (opened, may) {
        (o, 0) => format!("{o} connection(s) open with this change"),
        (0, m) => {
            format!("{m} connection(s) may open with this change (denied before, unknown after)")
        }
        (o, m) => format!("{o} connection(s) open and {m} may open with this change"),
    }
}

fn header(d: &ConnectivityDiff) -> Vec<String> {
    let mut out = Vec::new();
    if !d.added_namespaces.is_empty() {
        out.push(format!(
            "namespaces added (not compared; audit them): {}",
            d.added_namespaces.join(", ")
        ));
    }
    if !d.removed_namespaces.is_empty() {
        out.push(format!(
            "namespaces removed: {}",
            d.removed_namespaces.join(", ")
        ));
    }
    out
}

/// One row per change, then the counts.
pub(crate) fn table(d: &ConnectivityDiff, color: bool) -> String {
    let mut out = String::new();
    if d.changes.is_empty() {
        out.push_str(&format!(
            "No connectivity change between the {} namespace(s) on both sides ({} policy change(s) considered).\n",
            d.namespaces.len(),
            d.changed_policies.len()
        ));
    } else {
        let rows: Vec<Vec<String>> = d
            .changes
            .iter()
            .map(|c| {
                vec![
                    pods(&c.from, &c.from_pods),
                    pods(&c.to, &c.to_pods),
                    format!("{}/{}", c.protocol, c.ports()),
                    arrow(c, color),
                    c.changed_by.join(", "),
                ]
            })
            .collect();
        out.push_str(&super::table(
            &["from", "to", "port", "change", "changed by"],
            &rows,
        ));
        let s = &d.summary;
        out.push_str(&format!(
            "\n{} change(s): {} opened, {} closed, {} to or from unknown ({} namespace pair(s) compared).\n",
            s.changes, s.opened, s.closed, s.unknown, s.pairs_compared
        ));
        if d.opens() {
            out.push_str(&paint(&verdict(d), Paint::Red, color));
            out.push('\n');
        }
    }
    for line in header(d) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Markdown for a pull-request comment: a summary line and a table.
pub(crate) fn markdown(d: &ConnectivityDiff) -> String {
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from("### Connectivity changes\n\n");
    let s = &d.summary;
    if d.changes.is_empty() {
        out.push_str("No connection between namespaces changes.\n");
    } else {
        out.push_str(&format!(
            "**{} opened**, {} closed, {} to or from unknown.\n\n",
            s.opened, s.closed, s.unknown
        ));
        out.push_str(
            "| From | To | Port | Before | After | Changed by |\n|---|---|---|---|---|---|\n",
        );
        for c in &d.changes {
            let after = if c.opens() {
                format!("**{}**", c.after.as_str())
            } else {
                c.after.as_str().to_string()
            };
            out.push_str(&format!(
                "| `{}` | `{}` | {}/{} | {} | {} | {} |\n",
                esc(&pods(&c.from, &c.from_pods)),
                esc(&pods(&c.to, &c.to_pods)),
                c.protocol,
                c.ports(),
                c.before.as_str(),
                after,
                esc(&c.changed_by.join(", "))
            ));
        }
        out.push_str("\n<details><summary>Why</summary>\n\n");
        for c in &d.changes {
            out.push_str(&format!(
                "- `{}` → `{}` {}/{}: before: {}; after: {}\n",
                esc(&pods(&c.from, &c.from_pods)),
                esc(&pods(&c.to, &c.to_pods)),
                c.protocol,
                c.ports(),
                esc(&c.before_explanation),
                esc(&c.explanation)
            ));
        }
        out.push_str("\n</details>\n");
    }
    for line in header(d) {
        out.push_str(&format!("\n_{}_\n", esc(&line)));
    }
    out
}
