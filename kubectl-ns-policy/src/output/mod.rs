//! Rendering of the core's reports for people and machines: one module per
//! command, shared kubectl-like tables and colour here. Pure: every function
//! returns text; the [`Printer`](crate::printer::Printer) writes it.

pub(crate) mod audit;
pub(crate) mod create;
pub(crate) mod diff;
pub(crate) mod gc;
pub(crate) mod html;
pub(crate) mod probe;

use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

/// ANSI styles.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paint {
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
pub(crate) fn paint(s: &str, style: Paint, on: bool) -> String {
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
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let headers: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    plain_table(&headers, rows)
}

/// The first line of a text (tables show one line per cell).
pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// A borderless table with the headers as given (e.g. namespace names).
pub(crate) fn plain_table(headers: &[String], rows: &[Vec<String>]) -> String {
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

/// Pretty JSON plus a newline.
/// [`json`] written to stdout as it is made, for reports too large to hold
/// as text (a closed pipe comes back as an `io::Error` `main` recognises).
pub(crate) fn stream_json<T: serde::Serialize>(v: &T) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, v).map_err(|e| match e.io_error_kind() {
        Some(kind) => std::io::Error::new(kind, e),
        None => std::io::Error::other(e),
    })?;
    out.write_all(b"\n")?;
    out.flush()
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
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
