//! `create` (and `audit --fix`): the result per object, the summary line,
//! and the field-by-field changes a plan would make to an existing
//! namespace.

use std::collections::BTreeSet;

use ns_policy_core::plan::{Action, NamespacePlan, ObjectResult};

use super::{paint, table, Paint};

/// One row per object: namespace, `kind/name`, what happened.
pub(crate) fn results(results: &[ObjectResult], color: bool) -> String {
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let mut action = r.action.to_string();
            if r.dry_run {
                action.push_str(" (server dry run)");
            }
            let style = match r.action {
                Action::Created => Paint::Green,
                Action::Configured => Paint::Yellow,
                Action::Unchanged => Paint::Dim,
            };
            vec![
                r.namespace.clone(),
                format!("{}/{}", r.kind.to_lowercase(), r.name),
                paint(&action, style, color),
            ]
        })
        .collect();
    table(&["namespace", "object", "result"], &rows)
}

/// `3 namespace(s): 30 created, 0 configured, 0 unchanged`.
pub(crate) fn summary(results: &[ObjectResult]) -> String {
    let count = |a: Action| results.iter().filter(|r| r.action == a).count();
    let namespaces: BTreeSet<&str> = results.iter().map(|r| r.namespace.as_str()).collect();
    format!(
        "{} namespace(s): {} created, {} configured, {} unchanged{}",
        namespaces.len(),
        count(Action::Created),
        count(Action::Configured),
        count(Action::Unchanged),
        if results.iter().any(|r| r.dry_run) {
            " (server dry run, nothing stored)"
        } else {
            ""
        }
    )
}

fn show(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "(absent)".to_string(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// Human description of the changes a plan would make to existing objects.
pub(crate) fn changes(plan: &NamespacePlan) -> String {
    let mut out = format!(
        "namespace {} exists; applying the {} profile would change:\n",
        plan.namespace, plan.profile
    );
    for o in plan
        .objects
        .iter()
        .filter(|o| o.exists && !o.changes.is_empty())
    {
        out.push_str(&format!("  {}/{}\n", o.object.kind(), o.object.name()));
        for c in &o.changes {
            out.push_str(&format!(
                "    {}: {} -> {}\n",
                c.path,
                show(&c.from),
                show(&c.to)
            ));
        }
        if let Some(conflict) = &o.conflict {
            out.push_str(&format!(
                "    (these fields are owned by another field manager: {})\n",
                conflict.replace('\n', " ")
            ));
        }
    }
    let new: Vec<String> = plan
        .objects
        .iter()
        .filter(|o| !o.exists)
        .map(|o| format!("{}/{}", o.object.kind(), o.object.name()))
        .collect();
    if !new.is_empty() {
        out.push_str(&format!("  and create {}\n", new.join(", ")));
    }
    out
}
