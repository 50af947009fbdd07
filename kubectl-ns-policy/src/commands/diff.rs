//! `kubectl ns-policy diff -f BEFORE -f AFTER`: what a manifest change opens
//! and closes between namespaces.

use anyhow::{Context, Result};
use ns_policy_core::diff::{diff, DiffOptions};
use ns_policy_core::names::validate_namespace_name;

use crate::cli::{DiffArgs, DiffFormat, Global};
use crate::output;
use crate::printer::Printer;
use crate::ExitStatus;

/// Runs `diff`: 0 when nothing opens, 1 when a connection opens (or may:
/// denied before, unknown after), 2 on bad input.
pub(super) fn run(g: &Global, args: &DiffArgs, p: &Printer) -> Result<ExitStatus> {
    let [before, after] = args.files.as_slice() else {
        anyhow::bail!(
            "diff takes exactly two -f: the manifests before, then after (got {})",
            args.files.len()
        );
    };
    for ns in &args.namespaces {
        validate_namespace_name(ns)?;
    }
    let load = |path: &std::path::PathBuf| {
        super::load_manifests(g, std::slice::from_ref(path), p)
            .with_context(|| format!("reading {}", path.display()))
    };
    let (b, a) = (load(before)?, load(after)?);
    let d = diff(
        &b,
        &a,
        &DiffOptions {
            namespaces: args.namespaces.clone(),
            pod_cidrs: args.pod_cidrs.clone(),
        },
    )?;
    match args.output {
        DiffFormat::Json => p.data(&output::json(&d))?,
        DiffFormat::Yaml => p.data(&ns_policy_core::yaml::to_string(&d))?,
        DiffFormat::Table => p.data(&output::diff::table(&d, p.color()))?,
        DiffFormat::Markdown => p.data(&output::diff::markdown(&d))?,
    }
    if d.opens() && !args.allow_opening {
        if args.output != DiffFormat::Table {
            p.status(output::diff::verdict(&d));
        }
        return Ok(ExitStatus::Policy);
    }
    Ok(ExitStatus::Ok)
}
