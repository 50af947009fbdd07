//! One module per subcommand; each parses its arguments and calls the core.

mod apply;
mod audit;
mod complete;
mod create;
mod diff;
mod gc;
mod probe;
mod probe_schedule;

use anyhow::Result;
use ns_policy_core::baseline::Baseline;
use ns_policy_core::kube::connect::{self as cluster, Cluster, Target};

use crate::cli::{Cli, Command, Global};
use crate::printer::Printer;
use crate::ExitStatus;

/// Runs the command and returns the exit code.
pub(crate) async fn run(mut cli: Cli) -> Result<ExitStatus> {
    // `-n NS` is the same as naming NS (kubectl's habit).
    match &mut cli.command {
        Command::Audit(a) => a.names.append(&mut a.namespace),
        Command::Probe(p) => p.names.append(&mut p.namespace),
        Command::Create(c) => c.names.append(&mut c.namespace),
        _ => {}
    }
    let g = &cli.global;
    let p = &Printer::new(g);
    match &cli.command {
        Command::Create(args) => create::run(g, args, p).await,
        Command::Baseline => {
            match &g.baseline {
                Some(path) => {
                    // Validate first, then print the file as written (comments kept).
                    load_baseline(g)?;
                    let bytes = ns_policy_core::input::read_file(path, g.max_input_size)?;
                    p.data(&String::from_utf8_lossy(&bytes))?;
                }
                None => p.data(ns_policy_core::baseline::BUILTIN_YAML)?,
            }
            Ok(ExitStatus::Ok)
        }
        Command::Completion { shell } => {
            p.data(&complete::script(*shell))?;
            Ok(ExitStatus::Ok)
        }
        Command::Complete { words } => complete::run(g, words, p).await,
        Command::Version { output } => {
            p.data(&version(*output))?;
            Ok(ExitStatus::Ok)
        }
        Command::Probe(args) => probe::run(g, args, p).await,
        Command::Audit(args) => audit::run(g, args, p).await,
        Command::Gc(args) => gc::run(g, args, p).await,
        Command::Diff(args) => diff::run(g, args, p),
    }
}

/// Loads `-f` manifests, warning about objects given twice.
pub(crate) fn load_manifests(
    g: &Global,
    files: &[std::path::PathBuf],
    p: &Printer,
) -> Result<ns_policy_core::inventory::Inventory> {
    let set = ns_policy_core::manifests::load_paths(files, g.max_input_size)?;
    for d in &set.duplicates {
        p.warn(d);
    }
    Ok(set)
}

/// The baseline of `--baseline`, or the built-in one.
pub(crate) fn load_baseline(g: &Global) -> Result<Baseline> {
    match &g.baseline {
        Some(path) => Ok(Baseline::from_file(path, g.max_input_size)?),
        None => Ok(Baseline::builtin()),
    }
}

/// Connects to the cluster named by the global flags.
/// The Kubernetes API version of the client types (k8s-openapi's `v1_33`
/// feature in Cargo.toml; the build fails here if they part ways).
const KUBERNETES_API: &str = k8s_openapi::k8s_if_1_33! { "1.33" };

/// `version`: the plugin's version, the commit it was built from and the
/// Kubernetes API version of its client types.
fn version(format: Option<crate::cli::VersionFormat>) -> String {
    let info = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": env!("NS_POLICY_COMMIT"),
        "kubernetesApi": KUBERNETES_API,
    });
    match format {
        Some(crate::cli::VersionFormat::Json) => crate::output::json(&info),
        Some(crate::cli::VersionFormat::Yaml) => ns_policy_core::yaml::to_string(&info),
        None => format!(
            "kubectl-ns-policy {} (commit {}, Kubernetes API {})\n",
            info["version"].as_str().unwrap_or_default(),
            info["commit"].as_str().unwrap_or_default(),
            info["kubernetesApi"].as_str().unwrap_or_default()
        ),
    }
}

/// The connection target of the global flags.
pub(crate) fn target(g: &Global) -> Target {
    Target {
        kubeconfig: g.kubeconfig.clone(),
        context: g.context.clone(),
        cluster: g.cluster.clone(),
        user: g.user.clone(),
        request_timeout: g.request_timeout,
        impersonate: g.impersonate.clone(),
        impersonate_groups: g.impersonate_groups.clone(),
        impersonate_uid: g.impersonate_uid.clone(),
    }
}

pub(crate) async fn connect(g: &Global, p: &Printer) -> Result<Cluster> {
    let cluster = cluster::connect(&target(g)).await?;
    p.verbose(format!(
        "connected to {} (context {})",
        cluster.server, cluster.context
    ));
    Ok(cluster)
}
