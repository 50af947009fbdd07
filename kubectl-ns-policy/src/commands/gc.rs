//! `kubectl ns-policy gc`: delete namespaces past their
//! `ns-policy.io/expires-at` (preview namespaces). Safe for a CI cron: it
//! lists first, only touches namespaces created by kubectl-ns-policy, never
//! system or excluded ones, and needs `--yes` without a terminal.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use dialoguer::console::Term;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams};
use ns_policy_core::baseline::Baseline;
use ns_policy_core::collect;
use ns_policy_core::error::Error;

use crate::cli::{DryRun, GcArgs, Global};
use crate::exit;
use crate::output;

/// An expired namespace.
#[derive(Debug)]
pub struct Expired {
    /// Name.
    pub name: String,
    /// Profile.
    pub profile: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// Namespaces created by us whose expiry has passed (and that are not
/// already being deleted).
pub fn expired(baseline: &Baseline, namespaces: &[Namespace], now: DateTime<Utc>) -> Vec<Expired> {
    let mut out: Vec<Expired> = namespaces
        .iter()
        .filter_map(|ns| {
            let name = ns.metadata.name.as_deref()?;
            if baseline.is_excluded(name)
                || name == "default"
                || ns.metadata.deletion_timestamp.is_some()
            {
                return None;
            }
            let labels = ns.metadata.labels.clone().unwrap_or_default();
            if labels
                .get(ns_policy_core::MANAGED_BY_LABEL)
                .map(String::as_str)
                != Some(ns_policy_core::MANAGED_BY_VALUE)
            {
                return None;
            }
            let raw = ns
                .metadata
                .annotations
                .as_ref()?
                .get(ns_policy_core::EXPIRES_AT_ANNOTATION)?;
            let expires_at = DateTime::parse_from_rfc3339(raw).ok()?.with_timezone(&Utc);
            (expires_at <= now).then(|| Expired {
                name: name.to_string(),
                profile: baseline.profile_of_existing(name, &labels).0.to_string(),
                expires_at,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

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
pub async fn run(g: &Global, args: &GcArgs) -> Result<u8> {
    let baseline = super::load_baseline(g)?;
    if let Some(s) = &args.selector {
        ns_policy_core::selector::parse(s)?;
    }
    let cluster = super::connect(g).await?;
    let namespaces = collect::list_namespaces(&cluster.client, args.selector.as_deref()).await?;
    let now = Utc::now();
    let expired = expired(&baseline, &namespaces, now);
    if expired.is_empty() {
        if !g.quiet {
            eprintln!("No expired namespaces.");
        }
        return Ok(exit::OK);
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
        return Ok(exit::OK);
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
    let api: Api<Namespace> = Api::all(cluster.client.clone());
    let dp = DeleteParams {
        dry_run: args.dry_run == DryRun::Server,
        ..DeleteParams::background()
    };
    let mut out = String::new();
    for e in &expired {
        match api.delete(&e.name, &dp).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => continue,
            Err(err) => return Err(Error::from_kube("delete", "namespaces", None, err).into()),
        }
        out.push_str(&format!(
            "namespace/{} deleted{}\n",
            e.name,
            if dp.dry_run { " (server dry run)" } else { "" }
        ));
    }
    output::print(&out)?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use std::collections::BTreeMap;

    fn ns(name: &str, managed: bool, expires: Option<&str>) -> Namespace {
        let mut labels = BTreeMap::new();
        if managed {
            labels.insert(
                "app.kubernetes.io/managed-by".to_string(),
                "kubectl-ns-policy".to_string(),
            );
        }
        Namespace {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels),
                annotations: expires.map(|e| {
                    BTreeMap::from([("ns-policy.io/expires-at".to_string(), e.to_string())])
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn only_our_namespaces_past_their_expiry_are_collected() {
        let now = DateTime::parse_from_rfc3339("2026-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let all = vec![
            ns("pr-1", true, Some("2026-05-01T11:00:00Z")),
            ns("pr-2", true, Some("2026-05-01T13:00:00Z")),
            ns("pr-3", false, Some("2026-05-01T11:00:00Z")),
            ns("pr-4", true, None),
            ns("pr-5", true, Some("garbage")),
            ns("kube-system", true, Some("2026-05-01T11:00:00Z")),
        ];
        let e = expired(&Baseline::builtin(), &all, now);
        assert_eq!(
            e.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            vec!["pr-1"]
        );
        assert_eq!(e[0].profile, "preview");
        assert_eq!(ago(now - e[0].expires_at), "60m");
    }
}
