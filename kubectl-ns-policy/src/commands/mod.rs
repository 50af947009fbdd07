//! One module per subcommand; each parses its arguments and calls the core.

mod apply;
mod audit;
mod create;
mod diff;
mod gc;
mod probe;

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
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "kubectl-ns_policy", &mut buf);
            p.data(&String::from_utf8_lossy(&buf))?;
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
pub(crate) async fn connect(g: &Global, p: &Printer) -> Result<Cluster> {
    let target = Target {
        kubeconfig: g.kubeconfig.clone(),
        context: g.context.clone(),
        cluster: g.cluster.clone(),
        user: g.user.clone(),
        request_timeout: g.request_timeout,
        impersonate: g.impersonate.clone(),
        impersonate_groups: g.impersonate_groups.clone(),
        impersonate_uid: g.impersonate_uid.clone(),
    };
    let cluster = cluster::connect(&target).await?;
    p.verbose(format!(
        "connected to {} (context {})",
        cluster.server, cluster.context
    ));
    Ok(cluster)
}
