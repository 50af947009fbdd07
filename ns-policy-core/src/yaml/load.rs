//! The event loader: saphyr-parser events to serde_json values, with
//! anchors and aliases (and their budget), merge keys, duplicate keys, the
//! nesting limit, and the positions recorded for error messages.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, StrInput, Tag};
use serde_json::{Map, Value};

use super::resolve::{
    core_tag, is_yaml11_only_boolean, key_of, key_of_value, resolve_scalar, value_of, COMPLEX_KEY,
};
use super::{push_segment, Position, MAX_ALIAS_BYTES, MAX_DEPTH};
use crate::error::{Error, Result};

/// What the loader records besides values.
pub(super) trait Recorder {
    /// Whether positions are recorded at all (the fast path records none).
    const ON: bool;
    fn value(&mut self, _pointer: &str, _at: Position) {}
    fn key(&mut self, _pointer: &str, _at: Position) {}
    fn yaml11_boolean(&mut self, _pointer: &str, _text: &str) {}
}

pub(super) struct NoPositions;

impl Recorder for NoPositions {
    const ON: bool = false;
}

#[derive(Default)]
pub(super) struct Positions {
    /// Lines before the parsed text (see [`document_at`](super::document_at)).
    pub(super) line_offset: usize,
    pub(super) values: HashMap<String, Position>,
    pub(super) keys: HashMap<String, Position>,
    pub(super) yaml11_booleans: HashMap<String, String>,
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

pub(super) struct Loader<'t, R: Recorder> {
    parser: Parser<'t, StrInput<'t>>,
    path: &'t str,
    anchors: HashMap<usize, Value>,
    /// Bytes copied by aliases so far (see [`MAX_ALIAS_BYTES`]).
    copied: usize,
    stack: Vec<Frame>,
    /// JSON pointer of the top frame (positions only).
    pointer: String,
    pub(super) rec: R,
}

impl<'t, R: Recorder> Loader<'t, R> {
    pub(super) fn new(text: &'t str, path: &'t str, rec: R) -> Self {
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
    pub(super) fn next_document(&mut self) -> Result<Option<(usize, Value)>> {
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
        let mut budget = MAX_ALIAS_BYTES.saturating_sub(self.copied);
        match copy_within(value, &mut budget) {
            Some(v) => {
                self.copied = MAX_ALIAS_BYTES - budget;
                Ok(v)
            }
            None => Err(self.error(
                at,
                format!(
                    "aliases expand to more than {} MiB (an alias bomb?)",
                    MAX_ALIAS_BYTES >> 20
                ),
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

/// What one node costs in memory besides its strings.
const NODE_COST: usize = std::mem::size_of::<Value>() + 16;

/// A deep copy of `v` if it takes at most `budget` bytes (which it uses up).
fn copy_within(v: &Value, budget: &mut usize) -> Option<Value> {
    let own = match v {
        Value::String(s) => s.len(),
        Value::Object(m) => m.keys().map(|k| k.len() + NODE_COST).sum(),
        _ => 0,
    };
    *budget = budget.checked_sub(NODE_COST + own)?;
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
