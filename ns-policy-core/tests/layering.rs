//! The core's modules form layers: each may import only modules of lower
//! layers, so the module graph has no circles (a circle is how a "pure"
//! module ends up depending on the I/O edge, or the baseline schema on the
//! audit rules). This test reads the sources and fails on any import of a
//! module at the same or a higher layer, naming the file and line.
//!
//! ```text
//! 9  kube                                         I/O edge (feature `client`)
//! 8  audit  probe  gc  diff                       the jobs
//! 7  plan                                         objects + live state -> changes
//! 6  render                                       baseline + namespace spec -> objects
//! 5  baseline                                     schema, validation, templates, overrides
//! 4  manifests                                    reading files into an inventory
//! 3  inventory  apivalidation                     what is there, the API server's validation
//! 2  netpol  pss                                  what policies allow, what PSS says
//! 1  checks  reserved  selector  yaml  quantity  names  input   shared vocabularies
//! 0  error
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("checks", 1),
    ("reserved", 1),
    ("selector", 1),
    ("yaml", 1),
    ("quantity", 1),
    ("names", 1),
    ("input", 1),
    ("inventory", 3),
    ("netpol", 2),
    ("pss", 2),
    ("argocd", 2),
    ("manifests", 4),
    ("apivalidation", 3),
    ("baseline", 5),
    ("render", 6),
    ("plan", 7),
    ("audit", 8),
    ("probe", 8),
    ("gc", 8),
    ("diff", 8),
    ("kube", 9),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`audit/rules/mod.rs` ->
/// `audit`, `names.rs` -> `names`), `None` for lib.rs.
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    if first == "lib.rs" {
        return None;
    }
    Some(first.trim_end_matches(".rs").to_string())
}

/// True for files that only build tests (`tests.rs`, anything under a
/// `tests/` directory): tests may reach across layers to build fixtures.
fn is_test_file(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "tests") || path.ends_with("tests.rs")
}

/// Every `crate::<module>` a line of code names (comments ignored), including
/// the lowercase names inside `use crate::{a, b::c, CONST}`.
fn crate_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or_default();
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name.starts_with(|c: char| c.is_ascii_lowercase()) && name != "self" {
                    out.push(name);
                }
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `crate::FIELD_MANAGER` and other constants of lib.rs are fine.
        if name.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.push(name);
        }
    }
    out
}

#[test]
fn every_module_imports_only_lower_layers() {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut unknown = Vec::new();
    for path in &files {
        let Some(module) = module_of(path) else {
            continue;
        };
        let Some(&own) = layers.get(module.as_str()) else {
            unknown.push(module);
            continue;
        };
        if is_test_file(path) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("source is readable");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for dep in crate_modules(line) {
                if dep == module {
                    continue;
                }
                match layers.get(dep.as_str()) {
                    Some(&layer) if layer < own => {}
                    Some(&layer) => violations.push(format!(
                        "{}:{}: {module} (layer {own}) imports {dep} (layer {layer})",
                        path.strip_prefix(src()).unwrap_or(path).display(),
                        n + 1
                    )),
                    None => unknown.push(dep),
                }
            }
        }
    }
    unknown.sort();
    unknown.dedup();
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS in tests/layering.rs (give each a layer): {unknown:?}"
    );
    assert!(
        violations.is_empty(),
        "imports of a module at the same or a higher layer (they make circles):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_layer_check_sees_grouped_and_plain_imports_but_not_comments() {
    assert_eq!(
        crate_modules("use crate::{audit, render::names, FIELD_MANAGER};"),
        ["audit", "render"]
    );
    assert_eq!(
        crate_modules("    let x = crate::netpol::eval(); // crate::kube"),
        ["netpol"]
    );
    assert!(crate_modules("let s = crate::PROFILE_LABEL;").is_empty());
}
