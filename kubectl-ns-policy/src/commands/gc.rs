//! `kubectl ns-policy gc`: delete namespaces past their
//! `ns-policy.io/expires-at` (preview namespaces). Safe for a CI cron: it
//! lists first, only touches namespaces created by kubectl-ns-policy, never
//! system or excluded ones, and needs `--yes` without a terminal.

use anyhow::{bail, Context, Result};
use chrono::Utc;
use dialoguer::console::Term;
use ns_policy_core::gc::expired;
use ns_policy_core::kube::{gc, list};

use crate::cli::{DryRun, GcArgs, Global};
use crate::output;
use crate::ExitStatus;

fn ago(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Runs `gc`.
pub async fn run(g: &Global, args: &GcArgs) -> Result<ExitStatus> {
    let baseline = super::load_baseline(g)?;
    if let Some(s) = &args.selector {
        ns_policy_core::selector::parse(s)?;
    }
    let cluster = super::connect(g).await?;
    let namespaces = list::list_namespaces(&cluster.client, args.selector.as_deref()).await?;
    let now = Utc::now();
    let expired = expired(&baseline, &namespaces, now);
    if expired.is_empty() {
        if !g.quiet {
            eprintln!("No expired namespaces.");
        }
        return Ok(ExitStatus::Ok);
    }
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
    let table = output::table(&["namespace", "profile", "expires-at", "expired"], &rows);
    if args.dry_run == DryRun::Client {
        output::print(&table)?;
        if !g.quiet {
            eprintln!(
                "{} expired namespace(s) would be deleted (dry run)",
                expired.len()
            );
        }
        return Ok(ExitStatus::Ok);
    }
    eprint!("{table}");
    if !args.yes && args.dry_run == DryRun::None {
        if !output::interactive() {
            bail!(
                "{} expired namespace(s) listed above: rerun with --yes to delete them",
                expired.len()
            );
        }
        let ok = dialoguer::Confirm::new()
            .with_prompt(format!("Delete these {} namespace(s)?", expired.len()))
            .default(false)
            .interact_on(&Term::stderr())
            .context("reading the confirmation")?;
        if !ok {
            bail!("aborted: nothing was deleted");
        }
    }
    let dry_run = args.dry_run == DryRun::Server;
    let names: Vec<String> = expired.iter().map(|e| e.name.clone()).collect();
    let deleted = gc::delete_namespaces(&cluster.client, &names, dry_run).await?;
    let mut out = String::new();
    for name in &deleted {
        out.push_str(&format!(
            "namespace/{name} deleted{}\n",
            if dry_run { " (server dry run)" } else { "" }
        ));
    }
    output::print(&out)?;
    Ok(ExitStatus::Ok)
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
