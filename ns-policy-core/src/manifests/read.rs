//! Reading manifest inputs: files, directories walked in sorted order
//! (hidden entries skipped, symlink loops guarded) and stdin, as UTF-8 text.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub(super) enum FileRef {
    Stdin,
    File(PathBuf),
}

pub(super) struct Input {
    /// Path as shown in sources and errors.
    pub(super) path: String,
    /// Parse as JSON (a `.json` file).
    pub(super) json: bool,
    /// The text (a byte-order mark removed).
    pub(super) text: String,
}

const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

fn has_manifest_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e))
}

pub(super) fn walk(
    dir: &Path,
    out: &mut Vec<FileRef>,
    visited: &mut HashSet<PathBuf>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    // Guard against symlink loops.
    let canonical = std::fs::canonicalize(dir).map_err(io)?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // hidden files and directories (.git, .github...)
        }
        entries.push((name, entry.path()));
    }
    entries.sort();
    for (_, path) in entries {
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, out, visited)?,
            Ok(_) => {
                if has_manifest_extension(&path) {
                    out.push(FileRef::File(path));
                }
            }
            // A dangling symlink: an error only if it looks like a manifest.
            Err(source) => {
                if has_manifest_extension(&path) {
                    return Err(Error::Io { path, source });
                }
            }
        }
    }
    Ok(())
}

pub(super) fn read_input(file: &FileRef, max_bytes: u64) -> Result<Input> {
    let (path, json, bytes) = match file {
        FileRef::Stdin => ("-".to_string(), false, crate::input::read_stdin(max_bytes)?),
        FileRef::File(path) => {
            let bytes = crate::input::read_file(path, max_bytes)?;
            let json = path.extension().is_some_and(|e| e == "json");
            (path.display().to_string(), json, bytes)
        }
    };
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            return Err(Error::Parse {
                path,
                line,
                column,
                message: "invalid UTF-8: manifests must be UTF-8 text".to_string(),
            });
        }
    };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(Input { path, json, text })
}
