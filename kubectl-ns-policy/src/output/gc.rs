//! `gc`: the expired namespaces it would delete, and what it deleted.

use chrono::{DateTime, Utc};
use ns_policy_core::gc::Expired;

use super::table;

/// An age in its largest whole unit (`59s`, `60m`, `5h`, `3d`).
pub(crate) fn ago(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// One row per expired namespace.
pub(crate) fn expired(expired: &[Expired], now: DateTime<Utc>) -> String {
    let rows: Vec<Vec<String>> = expired
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                e.profile.clone(),
                ns_policy_core::render::rfc3339(e.expires_at),
                format!("{} ago", ago(now - e.expires_at)),
            ]
        })
        .collect();
    table(&["namespace", "profile", "expires-at", "expired"], &rows)
}

/// `namespace/x deleted` lines.
pub(crate) fn deleted(names: &[String], dry_run: bool) -> String {
    let mut out = String::new();
    for name in names {
        out.push_str(&format!(
            "namespace/{name} deleted{}\n",
            if dry_run { " (server dry run)" } else { "" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_shown_in_the_largest_whole_unit() {
        assert_eq!(ago(chrono::Duration::seconds(59)), "59s");
        assert_eq!(ago(chrono::Duration::minutes(60)), "60m");
        assert_eq!(ago(chrono::Duration::hours(5)), "5h");
        assert_eq!(ago(chrono::Duration::days(3)), "3d");
    }
}
