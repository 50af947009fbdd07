//! Offline loading of Kubernetes manifests for `audit -f` and `probe -f`.
//!
//! [`load_paths`] reads files and directories (a GitOps repository,
//! `kustomize build` output, `kubectl get ... -A -o yaml|json`, or `-` for
//! stdin) into an [`Inventory`] of typed objects, each carrying the file and
//! line it came from.
//!
//! * Directories are walked recursively; files ending `.yaml`, `.yml` or
//!   `.json` are read in sorted order; hidden files and directories (`.git`...)
//!   are skipped. Paths given explicitly are always read.
//! * Multi-document YAML streams, JSON (one object or a stream of objects) and
//!   `List` kinds (`kind: List`, `NamespaceList`, `PodList`...) are accepted;
//!   list items are flattened and keep the position of their list. Items of a
//!   typed list (`PodList`) that lack `kind`/`apiVersion` get them from the
//!   list.
//! * Kustomization files are skipped. Objects of kinds the auditor does not
//!   look at (CRDs, ConfigMaps, other API versions...) are counted in
//!   [`Inventory::ignored`].
//! * `metadata.managedFields` is dropped (server bookkeeping, large, unused
//!   offline).
//! * An object given twice (same kind, namespace and name) is kept once, the
//!   last one given, as applying the files in order would leave it; each is
//!   recorded in [`Inventory::duplicates`] for the caller to warn about.
//! * The first error stops the load: nothing is half-loaded. Errors name
//!   `file:line[:column]`.
//!
//! Files are parsed in parallel (YAML streams are cut into batches of
//! documents), and results are merged in input order, so the outcome — objects
//! and the error reported — is deterministic.

mod dedupe;
mod parallel;
mod parse;
mod read;

use std::collections::HashSet;
use std::path::PathBuf;

use crate::error::{Error, Result};
pub use crate::inventory::{namespace_of, Inventory, Source};
use parallel::parallel_map;
use parse::load_inputs;
use read::{read_input, walk, FileRef, Input};

/// Loads manifests from files and directories (`-` is stdin).
///
/// See the [module documentation](self) for what is accepted. The first error
/// (in input order) is returned and nothing is loaded. Each input may hold at
/// most `max_bytes` ([`crate::input::DEFAULT_MAX_INPUT_BYTES`] unless the
/// caller says otherwise).
pub fn load_paths(paths: &[PathBuf], max_bytes: u64) -> Result<Inventory> {
    let mut files = Vec::new();
    let mut visited = HashSet::new();
    let mut stdin_seen = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if !stdin_seen {
                files.push(FileRef::Stdin);
                stdin_seen = true;
            }
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, &mut files, &mut visited)?;
        } else {
            files.push(FileRef::File(path.clone()));
        }
    }
    let inputs = parallel_map(&files, |f| read_input(f, max_bytes))?;
    load_inputs(&inputs)
}

/// Loads manifests from text already in memory; `path` names it in sources
/// and errors. A `.json` path is parsed as JSON; other text is sniffed (JSON
/// if it starts with `{`, YAML otherwise).
pub fn load_str(text: &str, path: &str) -> Result<Inventory> {
    let input = Input {
        path: path.to_string(),
        json: path.ends_with(".json"),
        text: text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
    };
    load_inputs(std::slice::from_ref(&input))
}

/// Fails with [`Error::WouldBeRefused`] on the first NetworkPolicy of `set`
/// the API server would refuse: it would never be applied, so predicting
/// with it (or silently without it) would pretend.
pub fn refuse_invalid_network_policies(set: &Inventory) -> Result<()> {
    for p in set.network_policies.known().into_iter().flatten() {
        let problems = crate::apivalidation::network_policy(&p.object);
        if !problems.is_empty() {
            let meta = &p.object.metadata;
            return Err(Error::WouldBeRefused {
                object: format!(
                    "NetworkPolicy {}/{}{}",
                    namespace_of(meta),
                    meta.name.as_deref().unwrap_or_default(),
                    p.source
                        .as_ref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                ),
                problems: problems.iter().map(ToString::to_string).collect(),
            });
        }
    }
    Ok(())
}
