//! `kubectl ns-policy gc`: delete namespaces past their
//! `ns-policy.io/expires-at` (preview namespaces). Safe for a CI cron: it
//! lists first, only touches namespaces created by kubectl-ns-policy, never
//! system or excluded ones, and needs `--yes` without a terminal.

use anyhow::{bail, Result};
use chrono::Utc;
use ns_policy_core::gc::expired;
use ns_policy_core::kube::{gc, list};

use crate::cli::{DryRun, GcArgs, Global};
use crate::output;
use crate::printer::Printer;
use crate::ExitStatus;

/// Runs `gc`.
pub(crate) async fn run(g: &Global, args: &GcArgs, p: &Printer) -> Result<ExitStatus> {
    let baseline = super::load_baseline(g)?;
    if let Some(s) = &args.selector {
        ns_policy_core::selector::parse(s)?;
    }
    let cluster = super::connect(g, p).await?;
    let namespaces = list::list_namespaces(&cluster.client, args.selector.as_deref()).await?;
    let now = Utc::now();
    let expired = expired(&baseline, &namespaces, now);
    if expired.is_empty() {
        p.status("No expired namespaces.");
        return Ok(ExitStatus::Ok);
    }
    let table = output::gc::expired(&expired, now);
    if args.dry_run == DryRun::Client {
        p.data(&table)?;
        p.status(format!(
            "{} expired namespace(s) would be deleted (dry run)",
            expired.len()
        ));
        return Ok(ExitStatus::Ok);
    }
    p.always(&table);
    if !args.yes && args.dry_run == DryRun::None {
        if !p.interactive() {
            bail!(
                "{} expired namespace(s) listed above: rerun with --yes to delete them",
                expired.len()
            );
        }
        if !super::apply::confirm(&format!("Delete these {} namespace(s)?", expired.len()))? {
            bail!("aborted: nothing was deleted");
        }
    }
    let dry_run = args.dry_run == DryRun::Server;
    let names: Vec<String> = expired.iter().map(|e| e.name.clone()).collect();
    let deleted = gc::delete_namespaces(&cluster.client, &names, dry_run).await?;
    p.data(&output::gc::deleted(&deleted, dry_run))?;
    Ok(ExitStatus::Ok)
}
