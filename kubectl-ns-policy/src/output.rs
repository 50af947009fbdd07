//! Output helpers: kubectl-like tables, colour, TTY detection.

use std::io::{IsTerminal, Write};

use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

use crate::cli::ColorChoice;

/// Whether to colour stdout.
pub fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// True when prompts can be shown (stdin and stderr are terminals).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// True when progress may be drawn on stderr.
pub fn progress_enabled(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// ANSI styles.
#[derive(Debug, Clone, Copy)]
pub enum Paint {
    /// Red.
    Red,
    /// Yellow.
    Yellow,
    /// Green.
    Green,
    /// Dim.
    Dim,
}

/// Wraps `s` in an ANSI style when `on`.
pub fn paint(s: &str, style: Paint, on: bool) -> String {
    if !on {
        return s.to_string();
    }
    let code = match style {
        Paint::Red => "31",
        Paint::Yellow => "33",
        Paint::Green => "32",
        Paint::Dim => "2",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

/// A borderless table with UPPERCASE headers, columns three spaces apart,
/// like kubectl's.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let headers: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    plain_table(&headers, rows)
}

/// A borderless table with the headers as given (e.g. namespace names).
pub fn plain_table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut b = Builder::default();
    b.push_record(headers.iter().cloned());
    for r in rows {
        b.push_record(r.iter().cloned());
    }
    let mut t = b.build();
    t.with(Style::blank()).with(Padding::new(0, 2, 0, 0));
    let mut out = String::new();
    for line in t.to_string().lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Writes to stdout, turning a closed pipe into an error the caller can
/// recognise (main exits quietly on it).
pub fn print(s: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())?;
    out.flush()
}

/// Pretty JSON plus a newline.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_borderless_with_uppercase_headers() {
        let t = table(&["name", "result"], &[vec!["a".into(), "created".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "NAME   RESULT");
        assert_eq!(lines[1], "a      created");
    }
}
