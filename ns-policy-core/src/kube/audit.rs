//! The live audit: read the covered namespaces and everything in them, ask
//! the API server about Pod Security readiness, run the rules.

use futures::StreamExt;
use kube::Client;

use super::list::{self, Scope, PER_NAMESPACE_LIMIT};
use crate::audit::run::{self as audit_run, PsaDryRun, Selection};
use crate::audit::AuditReport;
use crate::baseline::Baseline;
use crate::error::{Error, Result};
use crate::inventory::Item;

/// Pod Security dry runs in flight at once.
const DRY_RUN_CONCURRENCY: usize = 16;

/// A live audit's report and what could not be looked at (forbidden lists,
/// skipped dry runs), for the caller to show as warnings.
#[derive(Debug)]
pub struct LiveAudit {
    /// The report.
    pub report: AuditReport,
    /// One line per forbidden list or skipped dry run.
    pub warnings: Vec<String>,
}

/// Audits the namespaces `selection` covers. Named namespaces that do not
/// exist are an error (before anything else is read).
pub async fn audit_live(
    client: &Client,
    baseline: &Baseline,
    selection: &Selection,
    opts: &crate::audit::AuditOptions,
) -> Result<LiveAudit> {
    let mut candidates = Vec::new();
    if selection.lists_namespaces() {
        candidates = list::list_namespaces(client, selection.selector_text()).await?;
    }
    let missing: Vec<String> = selection
        .names
        .iter()
        .filter(|n| {
            !candidates
                .iter()
                .any(|c| c.metadata.name.as_deref() == Some(n.as_str()))
        })
        .cloned()
        .collect();
    if !missing.is_empty() {
        let found = list::get_namespaces(client, &missing).await?;
        let absent: Vec<&str> = found
            .iter()
            .filter(|(_, ns)| ns.is_none())
            .map(|(n, _)| n.as_str())
            .collect();
        if !absent.is_empty() {
            return Err(Error::NamespacesNotFound(
                absent.into_iter().map(str::to_string).collect(),
            ));
        }
        candidates.extend(found.into_values().flatten());
    }
    let candidates: Vec<Item<_>> = candidates.into_iter().map(Item::live).collect();
    let targets: Vec<String> = selection
        .select(baseline, &candidates)
        .iter()
        .filter_map(|n| n.object.metadata.name.clone())
        .collect();
    let scope = if selection.lists_namespaces() || targets.len() > PER_NAMESPACE_LIMIT {
        Scope::Cluster
    } else {
        Scope::Namespaces(targets.clone())
    };
    let namespaces = candidates.into_iter().map(|i| i.object).collect();
    let inventory = list::collect(client, &scope, namespaces).await?;
    let mut warnings: Vec<String> = inventory
        .forbidden()
        .into_iter()
        .map(|f| format!("{f}; the checks that need it are reported as unknown"))
        .collect();
    let targets = selection.select(baseline, &inventory.namespaces);
    let answers = dry_runs(
        client,
        audit_run::psa_dry_runs(baseline, &targets, &inventory),
    )
    .await?;
    let (psa, refused) = audit_run::split_psa_answers(answers);
    warnings.extend(refused);
    let report = audit_run::audit(baseline, &inventory, &targets, &psa, opts);
    Ok(LiveAudit { report, warnings })
}

async fn dry_runs(
    client: &Client,
    jobs: Vec<PsaDryRun>,
) -> Result<Vec<(String, crate::inventory::Access<Vec<String>>)>> {
    futures::stream::iter(jobs.into_iter().map(|job| async move {
        let r =
            super::psa::psa_dry_run(client, &job.namespace, &job.level.to_string(), &job.version)
                .await?;
        Ok::<_, Error>((job.namespace, r))
    }))
    .buffer_unordered(DRY_RUN_CONCURRENCY)
    .collect::<Vec<_>>()
    .await
    .into_iter()
    .collect()
}
