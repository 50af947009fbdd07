//! The YAML printer behind [`super::to_string`]: block layout like
//! serde_yaml's, and quoting so that kubectl (YAML 1.1) and YAML 1.2 readers
//! read every string back as a string.

use std::fmt::{self, Write as _};
use std::sync::LazyLock;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::resolve::{non_finite, resolve_plain, shortest_digits, zeros, Resolved};

/// Data to print, with mapping entries in order.
pub(super) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON data")
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Node, E> {
                Ok(Node::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, i: i64) -> std::result::Result<Node, E> {
                Ok(Node::Int(i))
            }
            fn visit_u64<E: de::Error>(self, u: u64) -> std::result::Result<Node, E> {
                Ok(Node::UInt(u))
            }
            fn visit_f64<E: de::Error>(self, f: f64) -> std::result::Result<Node, E> {
                Ok(Node::Float(f))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Node, E> {
                Ok(Node::Str(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Node, E> {
                Ok(Node::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> std::result::Result<Node, A::Error> {
                let mut items = Vec::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> std::result::Result<Node, A::Error> {
                let mut entries = Vec::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

pub(super) fn emit_root(out: &mut String, node: &Node) {
    match node {
        Node::Map(entries) if !entries.is_empty() => emit_map(out, entries, 0, false),
        Node::Seq(items) if !items.is_empty() => emit_seq(out, items, 0, false),
        scalar => emit_scalar(out, scalar, 2),
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Mapping entries at `indent`; the first one continues the current line
/// when `inline` (after `- `).
fn emit_map(out: &mut String, entries: &[(String, Node)], indent: usize, inline: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        emit_string(out, key, indent, true);
        out.push(':');
        match value {
            Node::Map(m) if !m.is_empty() => {
                out.push('\n');
                emit_map(out, m, indent + 2, false);
            }
            // Sequences in mappings are not indented (like serde_yaml).
            Node::Seq(s) if !s.is_empty() => {
                out.push('\n');
                emit_seq(out, s, indent, false);
            }
            scalar => {
                out.push(' ');
                emit_scalar(out, scalar, indent + 2);
            }
        }
    }
}

/// Sequence items with their `-` at `indent`.
fn emit_seq(out: &mut String, items: &[Node], indent: usize, inline: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Node::Map(m) if !m.is_empty() => emit_map(out, m, indent + 2, true),
            Node::Seq(s) if !s.is_empty() => emit_seq(out, s, indent + 2, true),
            scalar => emit_scalar(out, scalar, indent + 2),
        }
    }
}

/// A scalar (or empty collection) and its line end; block scalar lines are
/// indented by `indent`.
fn emit_scalar(out: &mut String, node: &Node, indent: usize) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => write!(out, "{i}").expect("write to String"),
        Node::UInt(u) => write!(out, "{u}").expect("write to String"),
        Node::Float(f) => out.push_str(&format_float(*f)),
        Node::Str(s) => emit_string(out, s, indent, false),
        Node::Seq(_) => out.push_str("[]"),
        Node::Map(_) => out.push_str("{}"),
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
}

/// A float printed like serde_yaml (ryu) did: `1.0`, `1.5`, `0.001`,
/// `1e-7`, `1e300`; always read back as a float.
fn format_float(f: f64) -> String {
    if let Some(special) = non_finite(f) {
        return special.to_string();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0.0");
    }
    let (digits, exp) = shortest_digits(f.abs());
    let len = digits.len() as i32;
    let point = exp + 1; // digits before the decimal point
    if (0..=16).contains(&point) && point >= len {
        format!("{sign}{digits}{}.0", zeros(point - len))
    } else if (1..=16).contains(&point) {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    } else if (-4..=0).contains(&point) {
        format!("{sign}0.{}{digits}", zeros(-point))
    } else {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{sign}{first}{dot}{rest}e{exp}")
    }
}

/// How a string is printed.
#[derive(Debug, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn needs_escape(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

fn style_of(s: &str, key: bool) -> Style {
    let special = s.chars().any(|c| c != '\n' && needs_escape(c));
    if special {
        Style::Double
    } else if s.contains('\n') {
        // Like serde_yaml: a literal block unless a space ends a line or the
        // text (it would be lost or be ambiguous); keys are quoted.
        if key || s.ends_with(' ') || s.contains(" \n") {
            Style::Double
        } else {
            Style::Literal
        }
    } else if plain_is_safe(s) {
        Style::Plain
    } else {
        Style::Single
    }
}

fn emit_string(out: &mut String, s: &str, indent: usize, key: bool) {
    match style_of(s, key) {
        Style::Plain => out.push_str(s),
        Style::Single => {
            out.push('\'');
            out.push_str(&s.replace('\'', "''"));
            out.push('\'');
        }
        Style::Double => emit_double_quoted(out, s),
        Style::Literal => emit_literal(out, s, indent),
    }
}

fn emit_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\x1b' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) && (c as u32) <= 0xff => {
                write!(out, "\\x{:02X}", c as u32).expect("write to String")
            }
            c if needs_escape(c) => write!(out, "\\u{:04X}", c as u32).expect("write to String"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `|` block: `|-` without a final line break, `|+` with more than one, an
/// indentation indicator when the text starts with a space or line break.
fn emit_literal(out: &mut String, s: &str, indent: usize) {
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let body = match s.strip_suffix('\n') {
        None => {
            out.push('-');
            s
        }
        Some(body) if body.is_empty() || body.ends_with('\n') => {
            out.push('+');
            body
        }
        Some(body) => body,
    };
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// Whether `s` can be printed unquoted: nothing YAML would read as syntax,
/// and read back as this string by YAML 1.1 (go-yaml v2, PyYAML) and 1.2.
fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_whitespace()
        || s.ends_with(char::is_whitespace)
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.starts_with("...")
    {
        return false;
    }
    resolve_plain(s) == Resolved::Str && !YAML11_OR_12_NON_STRING.is_match(s)
}

/// Plain scalars that YAML 1.1 (the spec's types as PyYAML reads them) or
/// YAML 1.2 (core schema) read as something other than a string, beyond what
/// go-yaml v2 resolves: sexagesimal numbers, timestamps, `<<`, `=`...
static YAML11_OR_12_NON_STRING: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?x)^(?:
            [-+]?0b[01_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
          | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
          | [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)? | \.[0-9_]+(?:[eE][-+]?[0-9]+)?
          | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
          | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
          | [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
          | [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
          | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt\ ].*)?
          | << | =
        )$",
    )
    .expect("valid regex")
});
