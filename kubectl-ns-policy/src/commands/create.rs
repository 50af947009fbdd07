//! `kubectl ns-policy create NAME...`

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use dialoguer::console::Term;
use k8s_openapi::api::core::v1::Namespace;
use ns_policy_core::baseline::overrides;
use ns_policy_core::baseline::Baseline;
use ns_policy_core::kube::list;
use ns_policy_core::names::{parse_labels, validate_label_value, validate_namespace_name};
use ns_policy_core::plan::ApplyOptions;
use ns_policy_core::render::gitops::{self, Layout};
use ns_policy_core::render::{self, Bundle, NamespaceSpec, Request};

use crate::cli::{BundleFormat, CreateArgs, DryRun, Global, OutputLayout};
use crate::output;
use crate::printer::Printer;
use crate::ExitStatus;

/// Runs `create`.
pub(super) async fn run(g: &Global, args: &CreateArgs, p: &Printer) -> Result<ExitStatus> {
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
        Some(super::connect(g, p).await?)
    };
    let existing: BTreeMap<String, Option<Namespace>> = match &cluster {
        Some(c) => list::get_namespaces(&c.client, &names).await?,
        None => BTreeMap::new(),
    };
    let resolved = resolve_all(&baseline, args, &names, &given, &set, &existing, p)?;
    let bundles = resolved
        .iter()
        .map(|spec| Ok(render::render(&baseline, spec)?))
        .collect::<Result<Vec<_>>>()?;

    if offline {
        return print_offline(&baseline, args, &resolved, &bundles, p);
    }
    let Some(cluster) = cluster else {
        unreachable!("connected above when not offline")
    };
    let opts = ApplyOptions {
        field_manager: args.field_manager.clone(),
        server_dry_run: args.dry_run == DryRun::Server,
        force_conflicts: args.force_conflicts,
    };
    let applied =
        super::apply::apply_bundles(&cluster.client, &bundles, &existing, &opts, args.yes, p)
            .await?;
    if args.output.is_some() || args.output_dir.is_some() {
        return print_offline(&baseline, args, &resolved, &bundles, p);
    }
    p.data(&output::create::results(&applied, p.color()))?;
    p.status(output::create::summary(&applied));
    Ok(ExitStatus::Ok)
}

/// Resolves profile, labels (asking on a TTY for missing required ones),
/// overrides and TTL of every namespace; nothing is applied if any fails.
fn resolve_all(
    baseline: &Baseline,
    args: &CreateArgs,
    names: &[String],
    given: &BTreeMap<String, String>,
    set: &[overrides::SetArg],
    existing: &BTreeMap<String, Option<Namespace>>,
    p: &Printer,
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
            if !p.interactive() {
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
    p: &Printer,
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
        p.status(format!(
            "wrote {} namespace bundle(s) to {}",
            bundles.len(),
            dir.display()
        ));
    }
    match args.output {
        Some(BundleFormat::Json) => p.data(&output::json(&render::to_json_list(bundles)))?,
        Some(BundleFormat::Yaml) => p.data(&render::to_yaml_stream(bundles))?,
        None if args.output_dir.is_none() => p.data(&render::to_yaml_stream(bundles))?,
        None => {}
    }
    Ok(ExitStatus::Ok)
}
