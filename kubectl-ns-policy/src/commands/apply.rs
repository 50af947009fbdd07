//! The apply flow `create` and `audit --fix` share: plan every bundle
//! (reads and server-side dry runs only), show and confirm changes to
//! existing namespaces, then apply them all concurrently.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use dialoguer::console::Term;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Namespace;
use ns_policy_core::kube::apply;
use ns_policy_core::plan::{ApplyOptions, NamespacePlan, ObjectResult};
use ns_policy_core::render::Bundle;

use crate::printer::Printer;

/// Namespaces planned or applied at once.
const CONCURRENCY: usize = 16;

/// Plans every bundle, asks for (or requires `yes` for) changes to existing
/// objects, then applies all bundles concurrently. Returns one result per
/// object.
pub(crate) async fn apply_bundles(
    client: &kube::Client,
    bundles: &[Bundle],
    existing: &BTreeMap<String, Option<Namespace>>,
    opts: &ApplyOptions,
    yes: bool,
    p: &Printer,
) -> Result<Vec<ObjectResult>> {
    let plans: Vec<NamespacePlan> = per_namespace(bundles, p, "planning", |b| async move {
        let ns = existing.get(&b.namespace).and_then(Option::as_ref);
        apply::plan(client, b, ns, opts)
            .await
            .with_context(|| format!("planning namespace {}", b.namespace))
    })
    .await?;

    let changing: Vec<&NamespacePlan> = plans.iter().filter(|p| p.needs_confirmation()).collect();
    let mut confirmed: BTreeSet<String> = BTreeSet::new();
    if !changing.is_empty() {
        for plan in &changing {
            p.always(crate::output::create::changes(plan));
        }
        if opts.server_dry_run {
            // Nothing is written; the changes are only shown.
        } else if yes {
            confirmed.extend(changing.iter().map(|p| p.namespace.clone()));
        } else if p.interactive() {
            for plan in &changing {
                if !confirm(&format!(
                    "Apply these changes to namespace {}?",
                    plan.namespace
                ))? {
                    bail!(
                        "aborted: namespace {} was not changed (nothing was applied)",
                        plan.namespace
                    );
                }
                confirmed.insert(plan.namespace.clone());
            }
        } else {
            let list: Vec<&str> = changing.iter().map(|p| p.namespace.as_str()).collect();
            bail!(
                "namespace(s) {} exist with different settings (shown above); nothing was applied: rerun with --yes to apply the changes",
                list.join(", ")
            );
        }
    }

    // Every permission the writes need, asked before the first one.
    let missing = apply::missing_permissions(client, &plans).await?;
    if !missing.is_empty() {
        return Err(ns_policy_core::Error::MissingPermissions {
            missing: missing.iter().map(ToString::to_string).collect(),
        }
        .into());
    }
    let progress = progress_bar(plans.len(), p, "applying");
    let done = |_: &str| {
        if let Some(pb) = &progress {
            pb.inc(1);
        }
    };
    let results = apply::apply_all(client, &plans, opts, &confirmed, CONCURRENCY, &done).await;
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    Ok(results?)
}

/// Asks a yes/no question on the terminal (default no).
pub(crate) fn confirm(prompt: &str) -> Result<bool> {
    dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .interact_on(&Term::stderr())
        .context("reading the confirmation")
}

/// Runs `f` for every item, [`CONCURRENCY`] at a time, keeping the order,
/// with a progress bar on a terminal.
async fn per_namespace<'a, T, R, F, Fut>(
    items: &'a [T],
    p: &Printer,
    what: &str,
    f: F,
) -> Result<Vec<R>>
where
    F: Fn(&'a T) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    let progress = progress_bar(items.len(), p, what);
    let out = futures::stream::iter(items.iter().map(|item| {
        let progress = progress.clone();
        let fut = f(item);
        async move {
            let r = fut.await?;
            if let Some(p) = &progress {
                p.inc(1);
            }
            Ok::<_, anyhow::Error>(r)
        }
    }))
    .buffered(CONCURRENCY)
    .try_collect()
    .await?;
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    Ok(out)
}

fn progress_bar(len: usize, p: &Printer, what: &str) -> Option<indicatif::ProgressBar> {
    if len < 2 || !p.progress_enabled() {
        return None;
    }
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_message(what.to_string());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} {pos}/{len} namespaces {wide_bar}")
    {
        pb.set_style(style);
    }
    Some(pb)
}
