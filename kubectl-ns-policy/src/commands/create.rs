//! `kubectl ns-policy create NAME...`

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use dialoguer::console::Term;
use k8s_openapi::api::core::v1::Namespace;
use ns_policy_core::argocd::AppProject;
use ns_policy_core::baseline::overrides;
use ns_policy_core::baseline::Baseline;
use ns_policy_core::kube::argocd as kube_argocd;
use ns_policy_core::kube::list;
use ns_policy_core::names::{parse_labels, validate_label_value, validate_namespace_name};
use ns_policy_core::plan::ApplyOptions;
use ns_policy_core::render::argocd;
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
        let projects = offline_projects(&baseline, &bundles)?;
        return print_offline(&baseline, args, &resolved, &bundles, &projects, p);
    }
    let Some(cluster) = cluster else {
        unreachable!("connected above when not offline")
    };
    let opts = ApplyOptions {
        field_manager: args.field_manager.clone(),
        server_dry_run: args.dry_run == DryRun::Server,
        force_conflicts: args.force_conflicts,
    };
    // AppProjects: planned and dry-run before the first write, so a refusal
    // (permissions, validation, a conflict) leaves the cluster untouched.
    let projects = if argocd::argocd_spec(&baseline).is_none() {
        Vec::new()
    } else if kube_argocd::served(&cluster.client).await? {
        let members: Vec<(String, BTreeMap<String, String>)> =
            bundles.iter().filter_map(namespace_of_bundle).collect();
        let projects = kube_argocd::projects_for(&cluster.client, &baseline, &members)
            .await
            .context("planning the Argo CD AppProjects of spec.gitops.argocd")?;
        kube_argocd::apply(&cluster.client, &projects, &opts, true)
            .await
            .context("dry run of the Argo CD AppProjects (nothing was written)")?;
        projects
    } else {
        let names: Vec<String> = offline_projects(&baseline, &bundles)?
            .iter()
            .map(|p| p.name().to_string())
            .collect();
        if !names.is_empty() {
            p.warn(format!(
                "the cluster serves no {} AppProject API (Argo CD is not installed): AppProject(s) {} not applied \
                 (write them with --output-dir)",
                ns_policy_core::argocd::API_VERSION,
                names.join(", ")
            ));
        }
        Vec::new()
    };
    let applied =
        super::apply::apply_bundles(&cluster.client, &bundles, &existing, &opts, args.yes, p)
            .await?;
    let project_results = kube_argocd::apply(&cluster.client, &projects, &opts, false)
        .await
        .context("applying the Argo CD AppProjects (the namespaces were applied)")?;
    if args.output.is_some() || args.output_dir.is_some() {
        return print_offline(&baseline, args, &resolved, &bundles, &projects, p);
    }
    let mut rows = applied.clone();
    rows.extend(project_results);
    p.data(&output::create::results(&rows, p.color()))?;
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

/// The namespace name and labels of a bundle.
fn namespace_of_bundle(b: &Bundle) -> Option<(String, BTreeMap<String, String>)> {
    b.objects.iter().find_map(|o| match o {
        render::BundleObject::Namespace(n) => Some((
            n.metadata.name.clone()?,
            n.metadata.labels.clone().unwrap_or_default(),
        )),
        _ => None,
    })
}

/// The AppProjects of the namespaces of this run alone (offline there is
/// no cluster to find the team's other namespaces in).
fn offline_projects(baseline: &Baseline, bundles: &[Bundle]) -> Result<Vec<AppProject>> {
    let members: Vec<(String, BTreeMap<String, String>)> =
        bundles.iter().filter_map(namespace_of_bundle).collect();
    let members: Vec<argocd::Member<'_>> = members
        .iter()
        .map(|(namespace, labels)| argocd::Member { namespace, labels })
        .collect();
    Ok(argocd::app_projects(baseline, &members)?)
}

fn print_offline(
    baseline: &Baseline,
    args: &CreateArgs,
    specs: &[NamespaceSpec],
    bundles: &[Bundle],
    projects: &[AppProject],
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
        let mut files = gitops::output_files(baseline, &pairs, layout, &existing)?;
        files.extend(argocd_files(projects));
        for (rel, content) in files {
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
    let yaml = || {
        let mut out = render::to_yaml_stream(bundles);
        for project in projects {
            out.push_str("---\n");
            out.push_str(&ns_policy_core::yaml::to_string(&argocd::to_value(project)));
        }
        out
    };
    match args.output {
        Some(BundleFormat::Json) => {
            let mut list = render::to_json_list(bundles);
            if let Some(items) = list["items"].as_array_mut() {
                items.extend(projects.iter().map(argocd::to_value));
            }
            p.data(&output::json(&list))?
        }
        Some(BundleFormat::Yaml) => p.data(&yaml())?,
        None if args.output_dir.is_none() => p.data(&yaml())?,
        None => {}
    }
    Ok(ExitStatus::Ok)
}

/// `argocd/appproject-<name>.yaml` per project and `argocd/kustomization.yaml`
/// listing them (apply it to Argo CD's namespace).
fn argocd_files(projects: &[AppProject]) -> Vec<(String, String)> {
    if projects.is_empty() {
        return Vec::new();
    }
    let mut files = Vec::new();
    let mut resources = Vec::new();
    for project in projects {
        let file = format!("appproject-{}.yaml", project.name());
        files.push((
            format!("argocd/{file}"),
            ns_policy_core::yaml::to_string(&argocd::to_value(project)),
        ));
        resources.push(file);
    }
    let kustomization = serde_json::json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    files.push((
        "argocd/kustomization.yaml".into(),
        ns_policy_core::yaml::to_string(&kustomization),
    ));
    files
}
