//! `kubectl ns-policy create NAME...`

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use dialoguer::console::Term;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Namespace;
use ns_policy_core::baseline::overrides;
use ns_policy_core::baseline::Baseline;
use ns_policy_core::kube::{apply, list};
use ns_policy_core::names::{parse_labels, validate_label_value, validate_namespace_name};
use ns_policy_core::plan::{Action, ApplyOptions, NamespacePlan, ObjectResult};
use ns_policy_core::render::gitops::{self, Layout};
use ns_policy_core::render::{self, Bundle, NamespaceSpec, Request};

use crate::cli::{BundleFormat, CreateArgs, DryRun, Global, OutputLayout};
use crate::output;
use crate::ExitStatus;

/// Namespaces planned or applied at once.
pub const CONCURRENCY: usize = 16;

/// Runs `create`.
pub async fn run(g: &Global, args: &CreateArgs) -> Result<ExitStatus> {
    let baseline = super::load_baseline(g)?;
    let mut seen = BTreeSet::new();
    let names: Vec<String> = args
        .names
        .iter()
        .filter(|n| seen.insert(n.to_string()))
        .cloned()
        .collect();
    for n in &names {
        validate_namespace_name(n)?;
    }
    if let Some(p) = &args.profile {
        baseline.profile(p)?;
    }
    let given = parse_labels(&args.labels)?;
    let set =
        overrides::parse_set_args(&args.set).map_err(|source| ns_policy_core::Error::Override {
            namespace: None,
            source,
        })?;
    let offline = args.dry_run == DryRun::Client
        || ((args.output.is_some() || args.output_dir.is_some()) && args.dry_run == DryRun::None);

    let cluster = if offline {
        None
    } else {
        Some(super::connect(g).await?)
    };
    let existing: BTreeMap<String, Option<Namespace>> = match &cluster {
        Some(c) => list::get_namespaces(&c.client, &names).await?,
        None => BTreeMap::new(),
    };
    let resolved = resolve_all(&baseline, args, &names, &given, &set, &existing)?;
    let bundles = resolved
        .iter()
        .map(|spec| Ok(render::render(&baseline, spec)?))
        .collect::<Result<Vec<_>>>()?;

    if offline {
        return print_offline(&baseline, args, &resolved, &bundles);
    }
    let Some(cluster) = cluster else {
        unreachable!("connected above when not offline")
    };
    let opts = ApplyOptions {
        field_manager: args.field_manager.clone(),
        server_dry_run: args.dry_run == DryRun::Server,
        force_conflicts: args.force_conflicts,
    };
    let applied = apply_bundles(
        &cluster.client,
        &bundles,
        &existing,
        &opts,
        args.yes,
        g.quiet,
    )
    .await?;
    if args.output.is_some() || args.output_dir.is_some() {
        return print_offline(&baseline, args, &resolved, &bundles);
    }
    print_results(&applied, g)?;
    Ok(ExitStatus::Ok)
}

/// Resolves profile, labels (asking on a TTY for missing required ones),
/// overrides and TTL of every namespace; nothing is applied if any fails.
pub fn resolve_all(
    baseline: &Baseline,
    args: &CreateArgs,
    names: &[String],
    given: &BTreeMap<String, String>,
    set: &[overrides::SetArg],
    existing: &BTreeMap<String, Option<Namespace>>,
) -> Result<Vec<NamespaceSpec>> {
    let now = chrono::Utc::now();
    let mut specs = Vec::with_capacity(names.len());
    let mut asked: BTreeMap<String, String> = BTreeMap::new();
    for name in names {
        let req = Request {
            name,
            profile: args.profile.as_deref(),
            labels: given,
            ttl: args.ttl,
            set,
            existing: existing.get(name).and_then(Option::as_ref),
            now,
        };
        let mut resolved = render::resolve(baseline, &req)?;
        if !resolved.missing.is_empty() {
            if !output::interactive() {
                bail!(
                    "namespace {name:?} is missing required label(s) {}: pass {}",
                    resolved.missing.join(", "),
                    resolved
                        .missing
                        .iter()
                        .map(|k| format!("--label {k}=VALUE"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
            for key in &resolved.missing {
                let value = match asked.get(key) {
                    Some(v) if names.len() > 1 => v.clone(),
                    _ => prompt_label(name, key)?,
                };
                asked.insert(key.clone(), value.clone());
                resolved.spec.labels.insert(key.clone(), value);
            }
        }
        specs.push(resolved.spec);
    }
    Ok(specs)
}

fn prompt_label(namespace: &str, key: &str) -> Result<String> {
    let value: String = dialoguer::Input::new()
        .with_prompt(format!("{key} label for namespace {namespace}"))
        .validate_with(|v: &String| -> std::result::Result<(), String> {
            if v.is_empty() {
                return Err("a value is required".into());
            }
            validate_label_value(v).map_err(|e| e.to_string())
        })
        .interact_text_on(&Term::stderr())
        .context("reading the label value")?;
    Ok(value)
}

fn print_offline(
    baseline: &Baseline,
    args: &CreateArgs,
    specs: &[NamespaceSpec],
    bundles: &[Bundle],
) -> Result<ExitStatus> {
    if let Some(dir) = &args.output_dir {
        // Each namespace with the bundle it would have without overrides
        // (the kustomize base it overlays).
        let pairs = specs
            .iter()
            .zip(bundles)
            .map(|(spec, actual)| {
                let plain = NamespaceSpec {
                    overrides: Default::default(),
                    ..spec.clone()
                };
                Ok((actual.clone(), render::render(baseline, &plain)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let layout = match args.layout {
            OutputLayout::Flat => Layout::Flat,
            OutputLayout::BaseOverlays => Layout::BaseOverlays,
        };
        let existing = |rel: &str| std::fs::read_to_string(dir.join(rel)).ok();
        for (rel, content) in gitops::output_files(baseline, &pairs, layout, &existing)? {
            let path = dir.join(&rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&path, content)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        eprintln!(
            "wrote {} namespace bundle(s) to {}",
            bundles.len(),
            dir.display()
        );
    }
    match args.output {
        Some(BundleFormat::Json) => output::print(&output::json(&render::to_json_list(bundles)))?,
        Some(BundleFormat::Yaml) => output::print(&render::to_yaml_stream(bundles))?,
        None if args.output_dir.is_none() => output::print(&render::to_yaml_stream(bundles))?,
        None => {}
    }
    Ok(ExitStatus::Ok)
}

/// Plans every bundle (reads and server-side dry runs only), asks for (or
/// requires `--yes` for) changes to existing objects, then applies all
/// bundles concurrently. Returns one result per object.
pub async fn apply_bundles(
    client: &kube::Client,
    bundles: &[Bundle],
    existing: &BTreeMap<String, Option<Namespace>>,
    opts: &ApplyOptions,
    yes: bool,
    quiet: bool,
) -> Result<Vec<ObjectResult>> {
    let plans: Vec<NamespacePlan> = per_namespace(bundles, quiet, "planning", |b| async move {
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
            eprint!("{}", describe_changes(plan));
        }
        if opts.server_dry_run {
            // Nothing is written; the changes are only shown.
        } else if yes {
            confirmed.extend(changing.iter().map(|p| p.namespace.clone()));
        } else if output::interactive() {
            for plan in &changing {
                let ok = dialoguer::Confirm::new()
                    .with_prompt(format!(
                        "Apply these changes to namespace {}?",
                        plan.namespace
                    ))
                    .default(false)
                    .interact_on(&Term::stderr())
                    .context("reading the confirmation")?;
                if !ok {
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

    let confirmed = &confirmed;
    let results: Vec<Vec<ObjectResult>> =
        per_namespace(&plans, quiet, "applying", |plan| async move {
            apply::execute(client, plan, opts, confirmed.contains(&plan.namespace))
                .await
                .with_context(|| format!("applying namespace {}", plan.namespace))
        })
        .await?;
    Ok(results.into_iter().flatten().collect())
}

/// Runs `f` for every item, [`CONCURRENCY`] at a time, keeping the order,
/// with a progress bar on a terminal.
async fn per_namespace<'a, T, R, F, Fut>(
    items: &'a [T],
    quiet: bool,
    what: &str,
    f: F,
) -> Result<Vec<R>>
where
    F: Fn(&'a T) -> Fut,
    Fut: std::future::Future<Output = Result<R>>,
{
    let progress = progress_bar(items.len(), quiet, what);
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

fn progress_bar(len: usize, quiet: bool, what: &str) -> Option<indicatif::ProgressBar> {
    if len < 2 || !output::progress_enabled(quiet) {
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

fn show(v: &Option<serde_json::Value>) -> String {
    match v {
        None => "(absent)".to_string(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// Human description of the changes a plan would make to existing objects.
pub fn describe_changes(plan: &NamespacePlan) -> String {
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

fn print_results(results: &[ObjectResult], g: &Global) -> Result<()> {
    let color = output::color_enabled(g.color);
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let mut action = r.action.to_string();
            if r.dry_run {
                action.push_str(" (server dry run)");
            }
            let paint = match r.action {
                Action::Created => output::Paint::Green,
                Action::Configured => output::Paint::Yellow,
                Action::Unchanged => output::Paint::Dim,
            };
            vec![
                r.namespace.clone(),
                format!("{}/{}", r.kind.to_lowercase(), r.name),
                output::paint(&action, paint, color),
            ]
        })
        .collect();
    output::print(&output::table(&["namespace", "object", "result"], &rows))?;
    if !g.quiet {
        let count = |a: Action| results.iter().filter(|r| r.action == a).count();
        let namespaces: BTreeSet<&str> = results.iter().map(|r| r.namespace.as_str()).collect();
        eprintln!(
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
        );
    }
    Ok(())
}
