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
//! * Anchors and aliases are expanded (at most [`MAX_ALIAS_BYTES`] copied
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

mod emit;
mod load;
mod resolve;

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

use emit::{emit_root, Node};
use load::{Loader, NoPositions, Positions};

/// Most bytes that aliases may copy in one parse, counted as the copies
/// would take in memory (every node, key and string): an alias bomb is an
/// error, whether it repeats many small nodes or one long string.
pub const MAX_ALIAS_BYTES: usize = 64 << 20;
/// Deepest nesting of sequences and mappings accepted.
pub(crate) const MAX_DEPTH: usize = 256;

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
pub(crate) type Position = (usize, usize);

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
pub(crate) fn document_at(text: &str, line: usize) -> Option<Spanned> {
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
pub(crate) struct TypedError {
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
pub(crate) fn deserialize_in<T: DeserializeOwned>(
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

#[cfg(test)]
/// Re-parses one document's text with positions and tells where the node at
/// `pointer` starts (or its nearest ancestor). For error paths only.
pub(crate) fn locate(text_of_document: &str, pointer: &str) -> Option<Position> {
    locate_in(text_of_document, 1, pointer)
}

#[cfg(test)]
/// Like [`locate`] for the document that starts on 1-based `line` of a
/// whole multi-document `text`; the position is in `text`.
pub(crate) fn locate_in(text: &str, line: usize, pointer: &str) -> Option<Position> {
    document_at(text, line)?.position(pointer)
}

#[cfg(test)]
/// If the scalar at `pointer` of the document was a plain YAML 1.1-only
/// boolean (`yes`, `on`, `N`...), its text. For error paths only.
pub(crate) fn yaml11_boolean_at(text_of_document: &str, pointer: &str) -> Option<String> {
    document_at(text_of_document, 1)?
        .yaml11_boolean(pointer)
        .map(str::to_string)
}

/// The 1-based line of the field at `path` in the document whose content
/// starts on `line` of `text`: `path` is dotted, with `[name=x]` or `[3]`
/// list selectors (`spec.template.spec.containers[name=app].securityContext`);
/// a field that is absent is placed at its nearest ancestor (where it would
/// be added). `None` when the document does not parse.
pub fn field_line(text: &str, line: usize, path: &str) -> Option<usize> {
    let doc = document_at(text, line)?;
    let mut pointer = String::new();
    let mut node = Some(&doc.value);
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (key, selectors) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !key.is_empty() {
            pointer = child_pointer(&pointer, key);
            node = node.and_then(|n| n.get(key));
        }
        for sel in selectors.split('[').filter(|s| !s.is_empty()) {
            let sel = sel.trim_end_matches(']');
            let index = match sel.strip_prefix("name=") {
                Some(name) => node.and_then(Value::as_array).and_then(|items| {
                    items
                        .iter()
                        .position(|i| i.get("name").and_then(Value::as_str) == Some(name))
                }),
                None => sel.parse::<usize>().ok(),
            };
            let Some(index) = index else {
                return doc.position(&pointer).map(|(l, _)| l);
            };
            pointer = format!("{pointer}/{index}");
            node = node.and_then(|n| n.get(index));
        }
    }
    doc.position(&pointer).map(|(l, _)| l)
}

/// The hint for a value kubectl reads as a YAML 1.1 boolean:
/// `unquoted yes is a YAML 1.1 boolean; quote it: "yes"`.
pub(crate) fn yaml11_hint(word: &str) -> String {
    format!("unquoted {word} is a YAML 1.1 boolean; quote it: \"{word}\"")
}

/// Whether a line of a YAML stream is a document separator (`---`,
/// `--- ...`, `...`).
pub(crate) fn is_document_separator(line: &str) -> bool {
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

#[cfg(test)]
mod tests;
