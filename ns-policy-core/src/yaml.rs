//! All YAML parsing and printing of the project goes through this module.
//!
//! # Reading: like kubectl
//!
//! kubectl reads manifests with sigs.k8s.io/yaml, which parses with go-yaml
//! v2 (YAML 1.1 resolution) and converts the result to JSON. We parse with
//! `saphyr-parser` (events only) and resolve every scalar the way go-yaml v2
//! does, so that a manifest means here what it means to `kubectl apply`:
//!
//! * Plain (unquoted, untagged) scalars: `""`, `~`, `null`, `Null`, `NULL`
//!   are null; `y Y yes Yes YES on On ON true True TRUE` are true and
//!   `n N no No NO off Off OFF false False FALSE` are false (so a label
//!   `enabled: yes` is a boolean and kubectl rejects it); integers as Go's
//!   `strconv.ParseInt(s, 0, 64)` reads them once `_` are removed (`1_000`,
//!   `0x1F`, `0o17`, `017`, `0b101`, signs), then `ParseUint`; floats
//!   (`1.5`, `1e3`, `.5`, `08`). `.inf`/`.nan` cannot be held by JSON and are
//!   an error (kubectl's JSON conversion fails on them too). Everything else,
//!   timestamps included, is a string.
//! * Quoted and block scalars are strings. Explicit tags `!!str`, `!!int`,
//!   `!!bool`, `!!float`, `!!null`, `!!binary` are honoured (a value that
//!   does not fit its tag is an error); like go-yaml v2, a scalar with any
//!   other tag (`!foo`, `!!map`...) is its text, a string.
//! * Floats without a fraction (`2.0`, `1e3`) become integers: kubectl sends
//!   them as JSON `2` / `1000`, so an integer field accepts them.
//! * Anchors and aliases are expanded (at most [`MAX_ALIAS_NODES`] copied
//!   nodes per parse: alias bombs are an error). Merge keys `<<` take a
//!   mapping or a list of mappings (earlier ones win) and apply in order like
//!   go-yaml v2: keys after `<<` override merged ones, a merge overrides the
//!   keys before it. A key given twice in one mapping is an error at the
//!   second one (go-yaml v2 would keep the last silently).
//! * Keys are resolved too and converted to strings like sigs.k8s.io/yaml:
//!   `on:` is the key `"true"`, `010:` is `"8"`, `1.5:` is `"1.5"` (floats
//!   with Go's `%g` of a float32). Null keys (`~:`, `:`) and integer keys
//!   above 2^63-1 are an error, as for kubectl.
//! * Nesting deeper than [`MAX_DEPTH`] is an error (JSON input is limited to
//!   128 levels by serde_json already).
//!
//! [`documents`] is the fast path (no positions kept but the line of each
//! document); [`parse_spanned`] keeps the position of every node for error
//! messages, and [`locate`] re-parses one document with positions on the
//! error path only.
//!
//! # Printing: read back by kubectl as meant
//!
//! [`to_string`] prints block YAML laid out like serde_yaml did (so rendered
//! bundles did not change), with its own quoting: a string is printed plain
//! only if both YAML 1.1 (go-yaml v2, PyYAML) and YAML 1.2 read it back as
//! the same string; `yes`, `on`, `y`, `1_000`, `1:20`, `2024-01-01`, `'2'`
//! are quoted.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::sync::LazyLock;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, StrInput, Tag};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Most nodes that aliases may copy in one parse (alias bombs).
pub const MAX_ALIAS_NODES: usize = 4_000_000;
/// Deepest nesting of sequences and mappings accepted.
pub const MAX_DEPTH: usize = 256;

/// One YAML document of a multi-document stream, with its position.
#[derive(Debug, Clone)]
pub struct Document {
    /// 1-based line where the document's content starts.
    pub line: usize,
    /// The document as JSON data (YAML is a superset of what Kubernetes
    /// objects need). `Value::Null` for an empty document.
    pub value: Value,
}

/// Splits a multi-document YAML stream into documents, each with the line its
/// content starts on. Empty (and null) documents are skipped. Errors name
/// the position in the whole text.
pub fn documents(text: &str, path: &str) -> Result<Vec<Document>> {
    let mut loader = Loader::new(text, path, NoPositions);
    let mut docs = Vec::new();
    while let Some((line, value)) = loader.next_document()? {
        if !value.is_null() {
            docs.push(Document { line, value });
        }
    }
    Ok(docs)
}

/// Parses one YAML (or JSON) document into `T`. Errors name
/// `path:line:column`: of the offending value for a type error, of the key
/// for an unknown field, of the mapping for a missing field.
pub fn from_str<T: DeserializeOwned>(text: &str, path: &str) -> Result<T> {
    parse_spanned(text, path)?.deserialize(path)
}

// ---------------------------------------------------------------------------
// Positions

/// A 1-based line and column.
pub type Position = (usize, usize);

/// One document with the position of every node, for error messages.
#[derive(Debug, Clone, Default)]
pub struct Spanned {
    /// The document (`Null` if the text holds none).
    pub value: Value,
    /// JSON pointer -> where the node starts.
    values: HashMap<String, Position>,
    /// JSON pointer of a mapping entry -> where its key starts.
    keys: HashMap<String, Position>,
    /// JSON pointer -> text of a plain scalar that only YAML 1.1 reads as a
    /// boolean (`yes`, `on`, `n`...).
    yaml11_booleans: HashMap<String, String>,
}

/// Parses one document keeping the position of every node. More than one
/// document is an error.
pub fn parse_spanned(text: &str, path: &str) -> Result<Spanned> {
    let mut loader = Loader::new(text, path, Positions::default());
    let value = loader
        .next_document()?
        .map(|(_, v)| v)
        .unwrap_or(Value::Null);
    if let Some((line, _)) = loader.next_document()? {
        return Err(Error::Parse {
            path: path.to_string(),
            line,
            column: 1,
            message: "expected one YAML document, found another one here".to_string(),
        });
    }
    Ok(Spanned::new(value, loader.rec))
}

/// Re-parses, with positions, the document whose content starts on 1-based
/// `line` of a multi-document `text` (as in [`Document::line`]); positions
/// are in `text`. For error paths only: [`documents`] keeps no positions.
/// `None` if that document does not parse.
pub fn document_at(text: &str, line: usize) -> Option<Spanned> {
    let rec = Positions {
        line_offset: line.saturating_sub(1),
        ..Positions::default()
    };
    let mut loader = Loader::new(document_text_at(text, line), "", rec);
    let value = loader.next_document().ok()??.1;
    Some(Spanned::new(value, loader.rec))
}

impl Spanned {
    fn new(value: Value, positions: Positions) -> Self {
        Spanned {
            value,
            values: positions.values,
            keys: positions.keys,
            yaml11_booleans: positions.yaml11_booleans,
        }
    }

    /// Where the node at `pointer` (`/spec/profiles/app/ttl`) starts, or the
    /// nearest ancestor that has a position (merged or aliased content).
    pub fn position(&self, pointer: &str) -> Option<Position> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return Some(*pos);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// Where the key `key` of the mapping at `mapping` starts.
    pub fn key_position(&self, mapping: &str, key: &str) -> Option<Position> {
        self.keys.get(&child_pointer(mapping, key)).copied()
    }

    /// The text of the plain scalar at `pointer` if it is a boolean only in
    /// YAML 1.1 (`yes`, `on`, `n`...: not `true`/`false`).
    pub fn yaml11_boolean(&self, pointer: &str) -> Option<&str> {
        self.yaml11_booleans.get(pointer).map(String::as_str)
    }

    /// An [`Error::Parse`] at the node at `pointer` (or its nearest ancestor
    /// with a position).
    pub fn error_at(&self, path: &str, pointer: &str, message: impl fmt::Display) -> Error {
        let (line, column) = self.position(pointer).unwrap_or((1, 1));
        Error::Parse {
            path: path.to_string(),
            line,
            column,
            message: message.to_string(),
        }
    }

    /// Deserializes the document into `T`; errors point at the offending
    /// value (the key of an unknown field, the mapping missing a field) and
    /// carry the YAML 1.1 hint when that value was an unquoted `yes`/`on`...
    pub fn deserialize<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        serde_path_to_error::deserialize(&self.value).map_err(|e| {
            let e = explain(&e, Some(self), "");
            let (line, column) = e.position.unwrap_or((1, 1));
            Error::Parse {
                path: path.to_string(),
                line,
                column,
                message: e.to_string(),
            }
        })
    }
}

/// Why a value did not deserialize, located in its YAML text.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedError {
    /// Where the offending value starts (the key of an unknown field, the
    /// mapping that misses a field); `None` if the text could not be
    /// re-parsed.
    pub position: Option<Position>,
    /// The field at fault below the deserialized value (`spec.items[1]`);
    /// empty for the value itself.
    pub field: String,
    /// serde's message, with a hint when the value was an unquoted YAML 1.1
    /// boolean (`yes`, `on`...).
    pub message: String,
}

impl fmt::Display for TypedError {
    /// `field: message`, or `message` for the value itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Deserializes `value`, the node at `pointer` of the document that starts on
/// `line` of `text` (as in [`Document::line`]). Fast when it succeeds; on
/// error only, the document is re-parsed to locate the offending value.
pub fn deserialize_in<T: DeserializeOwned>(
    value: &Value,
    text: &str,
    line: usize,
    pointer: &str,
) -> std::result::Result<T, TypedError> {
    if let Ok(t) = T::deserialize(value) {
        return Ok(t);
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| explain(&e, document_at(text, line).as_ref(), pointer))
}

/// Names and locates a deserialization error; `prefix` is the pointer of the
/// deserialized value in `spanned`.
fn explain(
    e: &serde_path_to_error::Error<serde_json::Error>,
    spanned: Option<&Spanned>,
    prefix: &str,
) -> TypedError {
    use serde_path_to_error::Segment;
    let message = e.inner().to_string();
    let mut segments: Vec<&Segment> = e.path().iter().collect();
    let unknown = field_in_message(&message, "unknown field `");
    if let (Some(field), Some(Segment::Map { key })) = (unknown, segments.last()) {
        if key == field {
            segments.pop(); // the path names the unknown key itself
        }
    }
    let pointer = format!("{prefix}{}", pointer_of(&segments));
    let position = spanned.and_then(|s| {
        unknown
            .and_then(|key| s.key_position(&pointer, key))
            .or_else(|| s.position(&pointer))
    });
    let hint = spanned
        .and_then(|s| s.yaml11_boolean(&pointer))
        .map(|word| format!(" ({})", yaml11_hint(word)))
        .unwrap_or_default();
    TypedError {
        position,
        field: dotted_path(&segments),
        message: format!("{message}{hint}"),
    }
}

/// Re-parses one document's text with positions and tells where the node at
/// `pointer` starts (or its nearest ancestor). For error paths only.
pub fn locate(text_of_document: &str, pointer: &str) -> Option<Position> {
    locate_in(text_of_document, 1, pointer)
}

/// Like [`locate`] for the document that starts on 1-based `line` of a
/// whole multi-document `text`; the position is in `text`.
pub fn locate_in(text: &str, line: usize, pointer: &str) -> Option<Position> {
    document_at(text, line)?.position(pointer)
}

/// If the scalar at `pointer` of the document was a plain YAML 1.1-only
/// boolean (`yes`, `on`, `N`...), its text. For error paths only.
pub fn yaml11_boolean_at(text_of_document: &str, pointer: &str) -> Option<String> {
    document_at(text_of_document, 1)?
        .yaml11_boolean(pointer)
        .map(str::to_string)
}

/// The hint for a value kubectl reads as a YAML 1.1 boolean:
/// `unquoted yes is a YAML 1.1 boolean; quote it: "yes"`.
pub fn yaml11_hint(word: &str) -> String {
    format!("unquoted {word} is a YAML 1.1 boolean; quote it: \"{word}\"")
}

/// Whether a line of a YAML stream is a document separator (`---`,
/// `--- ...`, `...`).
pub fn is_document_separator(line: &str) -> bool {
    let trimmed = line.trim_end();
    trimmed == "---" || trimmed.starts_with("--- ") || trimmed == "..."
}

/// The text of the document whose content starts on 1-based `line`: from that
/// line to the next document separator.
fn document_text_at(text: &str, line: usize) -> &str {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n');
    for l in lines.by_ref().take(line.saturating_sub(1)) {
        offset += l.len();
    }
    let rest = &text[offset..];
    let mut end = 0;
    for (i, l) in rest.split_inclusive('\n').enumerate() {
        if i > 0 && is_document_separator(l) {
            break;
        }
        end += l.len();
    }
    &rest[..end]
}

/// `field` in messages like "unknown field `field`, expected ...".
fn field_in_message<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    rest.find('`').map(|end| &rest[..end])
}

fn pointer_of(segments: &[&serde_path_to_error::Segment]) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => write!(pointer, "/{index}").expect("write to String"),
            Segment::Map { key } => push_segment(&mut pointer, key),
            Segment::Enum { .. } => {}
            Segment::Unknown => break,
        }
    }
    pointer
}

/// `spec.items[1].name`, as serde_yaml named fields.
fn dotted_path(segments: &[&serde_path_to_error::Segment]) -> String {
    use serde_path_to_error::Segment;
    let mut dotted = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => write!(dotted, "[{index}]").expect("write to String"),
            Segment::Map { key } if dotted.is_empty() => dotted.push_str(key),
            Segment::Map { key } => write!(dotted, ".{key}").expect("write to String"),
            Segment::Enum { .. } => {}
            Segment::Unknown => break,
        }
    }
    dotted
}

/// Appends `/key` (escaped as a JSON pointer segment) to `pointer`.
fn push_segment(pointer: &mut String, key: &str) {
    pointer.push('/');
    if key.contains(['~', '/']) {
        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        pointer.push_str(key);
    }
}

fn child_pointer(pointer: &str, key: &str) -> String {
    let mut p = pointer.to_string();
    push_segment(&mut p, key);
    p
}

// ---------------------------------------------------------------------------
// Scalar resolution (go-yaml v2)

/// What a scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// The scalar's text.
    Str,
}

/// go-yaml v2's `resolve("", s)` for a plain scalar.
fn resolve_plain(s: &str) -> Resolved {
    let Some(&first) = s.as_bytes().first() else {
        return Resolved::Null;
    };
    // go-yaml's hint table: only these first bytes can resolve to non-strings.
    if !matches!(first, b'+' | b'-' | b'0'..=b'9' | b'.' | b'~') && !b"yYnNtTfFoO".contains(&first)
    {
        return Resolved::Str;
    }
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Resolved::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match first {
        b'.' => go_parse_dot_float(s).map_or(Resolved::Str, Resolved::Float),
        b'+' | b'-' | b'0'..=b'9' => {
            let plain: Cow<str> = if s.contains('_') {
                Cow::Owned(s.replace('_', ""))
            } else {
                Cow::Borrowed(s)
            };
            if let Some(r) = go_parse_int(&plain) {
                return r;
            }
            if is_yaml_style_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    if f.is_finite() {
                        return Resolved::Float(f);
                    }
                }
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// `strconv.ParseInt(s, 0, 64)`, then `strconv.ParseUint(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<Resolved> {
    let (negative, signed, body) = match s.as_bytes().first()? {
        b'-' => (true, true, &s[1..]),
        b'+' => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let magnitude = go_parse_uint_base0(body.as_bytes())?;
    if negative {
        (magnitude <= 1 << 63).then(|| Resolved::Int((magnitude as i64).wrapping_neg()))
    } else if let Ok(i) = i64::try_from(magnitude) {
        Some(Resolved::Int(i))
    } else {
        // ParseUint takes no sign.
        (!signed).then_some(Resolved::UInt(magnitude))
    }
}

/// `strconv.ParseUint(s, 0, 64)` of Go >= 1.13 (prefixes 0b, 0o, 0x, and a
/// leading 0 for octal), without underscores.
fn go_parse_uint_base0(s: &[u8]) -> Option<u64> {
    let (base, digits) = match s {
        [] => return None,
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &s[2..]),
        [b'0', ..] => (8, &s[1..]),
        _ => (10, s),
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' | b'A'..=b'Z' => c.to_ascii_lowercase() - b'a' + 10,
            _ => return None,
        };
        if u64::from(d) >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` of a scalar starting with `.`: `.5`, `.5e3`,
/// underscores only between digits; out of range is not a float.
fn go_parse_dot_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_'
            && !(i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
    }
    let plain = s.replace('_', "");
    if !is_yaml_style_float(&plain) {
        return None;
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The name of a tag of the YAML core schema (`!!int` -> `int`).
fn core_tag(tag: &Tag) -> Option<&str> {
    const CORE: &str = "tag:yaml.org,2002:";
    if tag.handle == CORE {
        Some(&tag.suffix)
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix(CORE)
    } else {
        None
    }
}

/// A scalar resolved, with the text to use when it is a string.
fn resolve_scalar<'s>(
    text: Cow<'s, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> std::result::Result<(Resolved, Cow<'s, str>), String> {
    let Some(tag) = tag else {
        let r = if style == ScalarStyle::Plain {
            resolve_plain(&text)
        } else {
            Resolved::Str
        };
        return Ok((r, text));
    };
    let want = match core_tag(tag) {
        Some(name @ ("bool" | "int" | "float" | "null")) => name,
        Some("binary") => {
            let decoded = decode_base64(&text).ok_or("!!binary value is not valid base64")?;
            return Ok((Resolved::Str, Cow::Owned(decoded)));
        }
        Some("timestamp") if looks_like_timestamp(&text) => return Ok((Resolved::Str, text)),
        Some("timestamp") => return Err(cannot_decode(resolve_plain(&text), &text, "timestamp")),
        // `!!str`, and like go-yaml v2 any other tag (`!foo`, `!!map` on a
        // scalar...): the text.
        _ => return Ok((Resolved::Str, text)),
    };
    let r = resolve_plain(&text);
    match (want, r) {
        ("bool", Resolved::Bool(_))
        | ("int", Resolved::Int(_) | Resolved::UInt(_))
        | ("float", Resolved::Float(_))
        | ("null", Resolved::Null) => Ok((r, text)),
        ("float", Resolved::Int(i)) => Ok((Resolved::Float(i as f64), text)),
        ("float", Resolved::UInt(u)) => Ok((Resolved::Float(u as f64), text)),
        _ => Err(cannot_decode(r, &text, want)),
    }
}

fn cannot_decode(r: Resolved, text: &str, want: &str) -> String {
    let got = match r {
        Resolved::Null => "null",
        Resolved::Bool(_) => "bool",
        Resolved::Int(_) | Resolved::UInt(_) => "int",
        Resolved::Float(_) => "float",
        Resolved::Str => "str",
    };
    format!("cannot decode !!{got} `{text}` as a !!{want}")
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Standard base64 (line breaks ignored), as go-yaml decodes `!!binary`.
fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut padding = 0;
    let mut count = 0;
    for c in text.bytes().filter(|c| !matches!(c, b'\r' | b'\n')) {
        count += 1;
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if count % 4 != 0 || padding > 2 {
        return None;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Whether a plain scalar is a boolean only in YAML 1.1.
fn is_yaml11_only_boolean(s: &str) -> bool {
    matches!(resolve_plain(s), Resolved::Bool(_))
        && !matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// The JSON value of a resolved scalar.
fn value_of(r: Resolved, text: Cow<'_, str>) -> std::result::Result<Value, String> {
    Ok(match r {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::UInt(u) => Value::from(u),
        Resolved::Float(f) => float_value(f).ok_or_else(|| {
            format!("`{text}` is not a number JSON can hold (kubectl rejects it too); quote it if a string is meant")
        })?,
        Resolved::Str => Value::String(exact(text)),
    })
}

/// The scalar's text as a `String` without the spare capacity the parser's
/// buffers have (workload values are kept whole: memory counts).
fn exact(text: Cow<'_, str>) -> String {
    match text {
        Cow::Owned(s) if s.capacity() > s.len() + s.len() / 4 + 8 => String::from(s.as_str()),
        text => text.into_owned(),
    }
}

/// A float as JSON: whole numbers as integers, like kubectl's JSON sends them.
fn float_value(f: f64) -> Option<Value> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f) {
        Some(Value::from(f as i64))
    } else if f.fract() == 0.0 && (0.0..2.0 * TWO_63).contains(&f) {
        Some(Value::from(f as u64))
    } else {
        serde_json::Number::from_f64(f).map(Value::Number)
    }
}

/// A mapping key as sigs.k8s.io/yaml converts it to a JSON key.
fn key_of(r: Resolved, text: Cow<'_, str>) -> std::result::Result<String, String> {
    Ok(match r {
        Resolved::Str => exact(text),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Float(f) => go_format_g32(f),
        Resolved::UInt(_) => {
            return Err(format!(
                "mapping key {text} is larger than 2^63-1 (kubectl rejects it); quote it"
            ))
        }
        Resolved::Null => {
            return Err(format!(
                "mapping key {:?} is null (kubectl rejects null keys); quote it",
                &*text
            ))
        }
    })
}

/// A key that came from an alias.
fn key_of_value(v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) if n.is_f64() => Ok(go_format_g32(n.as_f64().unwrap_or_default())),
        Value::Number(n) if n.is_i64() => Ok(n.to_string()),
        Value::Number(n) => key_of(
            Resolved::UInt(n.as_u64().unwrap_or_default()),
            n.to_string().into(),
        ),
        Value::Null => key_of(Resolved::Null, "null".into()),
        Value::Array(_) | Value::Object(_) => Err(COMPLEX_KEY.to_string()),
    }
}

const COMPLEX_KEY: &str =
    "a mapping key must be a scalar (kubectl rejects sequence and mapping keys)";

/// The shortest decimal digits that read back as `f` (finite, not zero) and
/// the exponent of the first one: 1234.5 -> ("12345", 3).
fn shortest_digits(f: impl fmt::LowerExp) -> (String, i32) {
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// YAML's `.nan`, `.inf`, `-.inf`.
fn non_finite(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some(".nan")
    } else if f.is_infinite() {
        Some(if f > 0.0 { ".inf" } else { "-.inf" })
    } else {
        None
    }
}

fn zeros(n: i32) -> String {
    "0".repeat(n.max(0) as usize)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` (how sigs.k8s.io/yaml prints
/// float keys).
fn go_format_g32(f: f64) -> String {
    let x = f as f32;
    if let Some(special) = non_finite(f64::from(x)) {
        return special.to_string();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0");
    }
    let (digits, exp) = shortest_digits(x.abs());
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{sign}0.{}{digits}", zeros(-point))
    } else if point as usize >= digits.len() {
        format!("{sign}{digits}{}", zeros(point - digits.len() as i32))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
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

// ---------------------------------------------------------------------------
// Loading

/// What the loader records besides values.
trait Recorder {
    /// Whether positions are recorded at all (the fast path records none).
    const ON: bool;
    fn value(&mut self, _pointer: &str, _at: Position) {}
    fn key(&mut self, _pointer: &str, _at: Position) {}
    fn yaml11_boolean(&mut self, _pointer: &str, _text: &str) {}
}

struct NoPositions;

impl Recorder for NoPositions {
    const ON: bool = false;
}

#[derive(Default)]
struct Positions {
    /// Lines before the parsed text (see [`document_at`]).
    line_offset: usize,
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
    yaml11_booleans: HashMap<String, String>,
}

impl Recorder for Positions {
    const ON: bool = true;
    fn value(&mut self, pointer: &str, (line, column): Position) {
        let at = (line + self.line_offset, column);
        self.values.entry(pointer.to_string()).or_insert(at);
    }
    fn key(&mut self, pointer: &str, (line, column): Position) {
        let at = (line + self.line_offset, column);
        self.keys.entry(pointer.to_string()).or_insert(at);
    }
    fn yaml11_boolean(&mut self, pointer: &str, text: &str) {
        self.yaml11_booleans
            .insert(pointer.to_string(), text.to_string());
    }
}

fn position_of(m: Marker) -> Position {
    (m.line(), m.col() + 1)
}

/// The key a mapping waits a value for.
enum Pending {
    Key(String, Marker),
    Merge,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        at: Marker,
        /// Length of the loader's pointer before this node's segment.
        parent_len: usize,
    },
    Map {
        map: Map<String, Value>,
        key: Option<Pending>,
        anchor: usize,
        at: Marker,
        parent_len: usize,
        /// Keys given explicitly, kept once a merge happened (merged keys
        /// may be overridden, explicit ones may not be repeated).
        explicit: Option<HashSet<String>>,
    },
}

struct Loader<'t, R: Recorder> {
    parser: Parser<'t, StrInput<'t>>,
    path: &'t str,
    anchors: HashMap<usize, Value>,
    /// Nodes copied by aliases so far.
    copied: usize,
    stack: Vec<Frame>,
    /// JSON pointer of the top frame (positions only).
    pointer: String,
    rec: R,
}

impl<'t, R: Recorder> Loader<'t, R> {
    fn new(text: &'t str, path: &'t str, rec: R) -> Self {
        Loader {
            parser: Parser::new_from_str(text),
            path,
            anchors: HashMap::new(),
            copied: 0,
            stack: Vec::new(),
            pointer: String::new(),
            rec,
        }
    }

    fn error(&self, at: Marker, message: impl Into<String>) -> Error {
        let (line, column) = position_of(at);
        Error::Parse {
            path: self.path.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn scan_error(&self, e: &ScanError) -> Error {
        self.error(*e.marker(), e.info())
    }

    /// The next document: the line its content starts on and its value.
    fn next_document(&mut self) -> Result<Option<(usize, Value)>> {
        let mut root = None;
        let mut first: Option<Marker> = None;
        loop {
            let (event, span) = match self.parser.next_event() {
                None => return Ok(None),
                Some(Ok(x)) => x,
                Some(Err(e)) => return Err(self.scan_error(&e)),
            };
            let at = span.start;
            match event {
                Event::Nothing | Event::StreamStart => {}
                Event::StreamEnd => return Ok(None),
                Event::DocumentStart(_) => {
                    self.anchors.clear();
                    self.stack.clear();
                    self.pointer.clear();
                }
                Event::DocumentEnd => {
                    let line = first.map_or(at.line(), |m| m.line());
                    return Ok(Some((line, root.unwrap_or(Value::Null))));
                }
                Event::Scalar(text, style, anchor, tag) => {
                    first.get_or_insert(at);
                    let tag = tag.as_deref();
                    if self.wants_key() {
                        self.scalar_key(text, style, anchor, tag, at)?;
                        continue;
                    }
                    let yaml11 = R::ON && tag.is_none() && style == ScalarStyle::Plain;
                    let yaml11 = yaml11 && is_yaml11_only_boolean(&text);
                    if R::ON {
                        let len = self.enter_child();
                        self.rec.value(&self.pointer, position_of(at));
                        if yaml11 {
                            self.rec.yaml11_boolean(&self.pointer, &text);
                        }
                        self.pointer.truncate(len);
                    }
                    let value = resolve_scalar(text, style, tag)
                        .and_then(|(r, text)| value_of(r, text))
                        .map_err(|m| self.error(at, m))?;
                    root = self.finish(value, anchor, at)?.or(root);
                }
                Event::Alias(id) => {
                    first.get_or_insert(at);
                    let value = self.copy_anchor(id, at)?;
                    if self.wants_key() {
                        let key = key_of_value(&value).map_err(|m| self.error(at, m))?;
                        self.set_key(key, at);
                        continue;
                    }
                    if R::ON {
                        let len = self.enter_child();
                        self.rec.value(&self.pointer, position_of(at));
                        self.pointer.truncate(len);
                    }
                    root = self.attach(value, at, true)?.or(root);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    first.get_or_insert(at);
                    if self.wants_key() {
                        return Err(self.error(at, COMPLEX_KEY));
                    }
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(
                            self.error(at, format!("nesting deeper than {MAX_DEPTH} levels"))
                        );
                    }
                    let parent_len = if R::ON {
                        let len = self.enter_child();
                        self.rec.value(&self.pointer, position_of(at));
                        len
                    } else {
                        0
                    };
                    self.stack
                        .push(if matches!(event, Event::SequenceStart(..)) {
                            Frame::Seq {
                                items: Vec::new(),
                                anchor,
                                at,
                                parent_len,
                            }
                        } else {
                            Frame::Map {
                                map: Map::new(),
                                key: None,
                                anchor,
                                at,
                                parent_len,
                                explicit: None,
                            }
                        });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (value, anchor, start, parent_len) = match self.stack.pop() {
                        Some(Frame::Seq {
                            items,
                            anchor,
                            at,
                            parent_len,
                        }) => (Value::Array(items), anchor, at, parent_len),
                        Some(Frame::Map {
                            map,
                            anchor,
                            at,
                            parent_len,
                            ..
                        }) => (Value::Object(map), anchor, at, parent_len),
                        None => return Err(self.error(at, "unbalanced collection end")),
                    };
                    if R::ON {
                        self.pointer.truncate(parent_len);
                    }
                    root = self.finish(value, anchor, start)?.or(root);
                }
            }
        }
    }

    fn wants_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Appends the segment of the child about to be read to the pointer;
    /// returns the length to truncate back to.
    fn enter_child(&mut self) -> usize {
        let len = self.pointer.len();
        match self.stack.last() {
            Some(Frame::Seq { items, .. }) => {
                write!(self.pointer, "/{}", items.len()).expect("write to String")
            }
            Some(Frame::Map {
                key: Some(Pending::Key(k, _)),
                ..
            }) => push_segment(&mut self.pointer, k),
            Some(Frame::Map { .. }) => self.pointer.push_str("/<<"),
            None => {}
        }
        len
    }

    fn scalar_key(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        at: Marker,
    ) -> Result<()> {
        let merge = match tag {
            None => style == ScalarStyle::Plain && text == "<<",
            Some(t) => core_tag(t) == Some("merge"),
        };
        if merge {
            if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                *key = Some(Pending::Merge);
            }
            return Ok(());
        }
        let (r, text) = resolve_scalar(text, style, tag).map_err(|m| self.error(at, m))?;
        if anchor != 0 {
            let value = value_of(r, text.clone()).map_err(|m| self.error(at, m))?;
            self.anchors.insert(anchor, value);
        }
        let key = key_of(r, text).map_err(|m| self.error(at, m))?;
        self.set_key(key, at);
        Ok(())
    }

    fn set_key(&mut self, key: String, at: Marker) {
        if R::ON {
            let len = self.pointer.len();
            push_segment(&mut self.pointer, &key);
            self.rec.key(&self.pointer, position_of(at));
            self.pointer.truncate(len);
        }
        if let Some(Frame::Map { key: k, .. }) = self.stack.last_mut() {
            *k = Some(Pending::Key(key, at));
        }
    }

    /// Copies the value of an anchor for an alias, within the budget.
    fn copy_anchor(&mut self, id: usize, at: Marker) -> Result<Value> {
        let Some(value) = self.anchors.get(&id) else {
            return Err(self.error(
                at,
                "alias to an anchor whose node is not complete (an alias inside its own anchor)",
            ));
        };
        let mut budget = MAX_ALIAS_NODES.saturating_sub(self.copied);
        match copy_within(value, &mut budget) {
            Some(v) => {
                self.copied = MAX_ALIAS_NODES - budget;
                Ok(v)
            }
            None => Err(self.error(
                at,
                format!("aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"),
            )),
        }
    }

    /// A complete node: stores its anchor and attaches it to its parent.
    fn finish(&mut self, value: Value, anchor: usize, at: Marker) -> Result<Option<Value>> {
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        self.attach(value, at, false)
    }

    /// Adds a complete node to its parent; returns it if it is the root.
    fn attach(&mut self, value: Value, at: Marker, from_alias: bool) -> Result<Option<Value>> {
        let path = self.path;
        let error = |at: Marker, message: String| {
            let (line, column) = position_of(at);
            Error::Parse {
                path: path.to_string(),
                line,
                column,
                message,
            }
        };
        match self.stack.last_mut() {
            None => Ok(Some(value)),
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(None)
            }
            Some(Frame::Map {
                map, key, explicit, ..
            }) => {
                match key.take() {
                    Some(Pending::Key(k, key_at)) => {
                        let repeated = match explicit {
                            Some(explicit) => !explicit.insert(k.clone()),
                            None => map.contains_key(&k),
                        };
                        if repeated {
                            return Err(error(key_at, format!("duplicate mapping key {k:?}")));
                        }
                        map.insert(k, value);
                    }
                    Some(Pending::Merge) => {
                        // From now on, explicit keys are told apart from merged ones.
                        explicit.get_or_insert_with(|| map.keys().cloned().collect());
                        merge_into(map, value, from_alias).map_err(|m| error(at, m.to_string()))?;
                    }
                    None => return Err(error(at, COMPLEX_KEY.to_string())),
                }
                Ok(None)
            }
        }
    }
}

/// go-yaml v2's merge of the value of a `<<` key into `map`.
fn merge_into(
    map: &mut Map<String, Value>,
    value: Value,
    from_alias: bool,
) -> std::result::Result<(), &'static str> {
    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
    match value {
        Value::Object(m) => map.extend(m),
        Value::Array(items) if !from_alias => {
            // Earlier mappings take precedence: apply them last.
            for item in items.into_iter().rev() {
                let Value::Object(m) = item else {
                    return Err(WANT_MAP);
                };
                map.extend(m);
            }
        }
        _ => return Err(WANT_MAP),
    }
    Ok(())
}

/// A deep copy of `v` if it has at most `budget` nodes (which it uses up).
fn copy_within(v: &Value, budget: &mut usize) -> Option<Value> {
    *budget = budget.checked_sub(1)?;
    Some(match v {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| copy_within(i, budget))
                .collect::<Option<_>>()?,
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| Some((k.clone(), copy_within(v, budget)?)))
                .collect::<Option<_>>()?,
        ),
        scalar => scalar.clone(),
    })
}

// ---------------------------------------------------------------------------
// Printing

/// Prints a value as block YAML that kubectl (YAML 1.1) and YAML 1.2 readers
/// read back as the same data. Keys keep the order `value` serializes them
/// in (struct field order).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    // Through JSON text, which keeps struct field order (serde_json::Value
    // would sort keys).
    let node = serde_json::to_vec(value).and_then(|json| serde_json::from_slice::<Node>(&json));
    match node {
        Ok(node) => {
            let mut out = String::new();
            emit_root(&mut out, &node);
            out
        }
        Err(e) => format!("# cannot render as YAML: {e}\n"),
    }
}

/// Data to print, with mapping entries in order.
enum Node {
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

fn emit_root(out: &mut String, node: &Node) {
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

#[cfg(test)]
mod tests;
