//! Shared by the tests that run third-party tools.

use std::path::PathBuf;

/// A tool of tests/tools/install.sh: `$var`, else `default`. `None` (after
/// saying SKIPPED) when it is not installed; in CI that is a failure.
pub(crate) fn tool(var: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| default.into());
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "{var} not installed ({}): run eval \"$(bash tests/tools/install.sh)\"",
        path.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
    println!("SKIPPED: {msg}");
    None
}
