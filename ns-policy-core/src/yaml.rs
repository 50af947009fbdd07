//! All YAML parsing and printing of the project goes through this module, so
//! the YAML crate (serde_yaml today, archived upstream) can be swapped in one
//! place.

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, Result};

/// One YAML document of a multi-document stream, with its position.
#[derive(Debug, Clone)]
pub struct Document {
    /// 1-based line where the document's content starts.
    pub line: usize,
    /// The document as JSON data (YAML is a superset of what Kubernetes
    /// objects need). `Value::Null` for an empty document.
    pub value: serde_json::Value,
}

fn parse_error(path: &str, err: &serde_yaml::Error, line_offset: usize) -> Error {
    let (line, column) = err
        .location()
        .map(|l| (l.line() + line_offset, l.column()))
        .unwrap_or((line_offset + 1, 1));
    // serde_yaml appends " at line X column Y" to some messages; the position
    // is already in our prefix.
    let mut message = err.to_string();
    if let Some(idx) = message.find(" at line ") {
        message.truncate(idx);
    }
    Error::Parse {
        path: path.to_string(),
        line,
        column,
        message,
    }
}

/// Parses one YAML (or JSON) document into `T`, reporting `path:line:column`
/// on failure.
pub fn from_str<T: DeserializeOwned>(text: &str, path: &str) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| parse_error(path, &e, 0))
}

/// Splits a multi-document YAML stream into documents, each with the line it
/// starts on. Empty documents are skipped.
///
/// Documents are split on `---` lines so that a position can be given for
/// every document, and each is parsed on its own: the error of a bad document
/// names its own line and column in the file.
pub fn documents(text: &str, path: &str) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    let mut start_line = 0usize; // 0-based line index where the current chunk starts
    let mut chunk = String::new();
    let flush = |chunk: &str, start_line: usize, docs: &mut Vec<Document>| -> Result<()> {
        if chunk.trim().is_empty() {
            return Ok(());
        }
        let value: serde_json::Value = match serde_yaml::from_str::<serde_yaml::Value>(chunk) {
            Ok(v) => yaml_to_json(v).map_err(|message| Error::Parse {
                path: path.to_string(),
                line: start_line + 1,
                column: 1,
                message,
            })?,
            Err(e) => return Err(parse_error(path, &e, start_line)),
        };
        if value.is_null() {
            return Ok(());
        }
        let first_content = chunk
            .lines()
            .position(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            })
            .unwrap_or(0);
        docs.push(Document {
            line: start_line + first_content + 1,
            value,
        });
        Ok(())
    };
    for (idx, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") || trimmed == "..." {
            flush(&chunk, start_line, &mut docs)?;
            chunk.clear();
            start_line = idx + 1;
            continue;
        }
        chunk.push_str(line);
    }
    flush(&chunk, start_line, &mut docs)?;
    Ok(docs)
}

/// Converts a YAML value to JSON data. YAML features JSON cannot hold
/// (non-string keys other than scalars, tagged values) are rejected or
/// converted the way kubectl does (keys to strings).
fn yaml_to_json(v: serde_yaml::Value) -> std::result::Result<serde_json::Value, String> {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(J::Number)
                    .ok_or_else(|| format!("number {f} cannot be represented"))?
            }
        }
        Y::String(s) => J::String(s),
        Y::Sequence(seq) => J::Array(
            seq.into_iter()
                .map(yaml_to_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_string(),
                    _ => return Err("mapping keys must be scalars".to_string()),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            J::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value)?,
    })
}

/// Prints a value as YAML.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("# cannot render as YAML: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_reports_start_lines_and_skips_empty_ones() {
        let text = "# comment\napiVersion: v1\nkind: Namespace\n---\n---\n\nkind: Pod\n";
        let docs = documents(text, "x.yaml").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].line, 2);
        assert_eq!(docs[1].line, 7);
        assert_eq!(docs[1].value["kind"], "Pod");
    }

    #[test]
    fn parse_errors_name_file_line_and_column() {
        let text = "a: 1\n---\nkind: Pod\nmetadata: [\n";
        let err = documents(text, "bad.yaml").unwrap_err().to_string();
        assert!(err.starts_with("bad.yaml:"), "{err}");
        let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
        assert!(line >= 4, "{err}");
    }

    #[test]
    fn from_str_reports_position() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct S {
            a: u32,
        }
        let err = from_str::<S>("a: x\n", "f.yaml").unwrap_err().to_string();
        assert!(err.starts_with("f.yaml:1:"), "{err}");
    }
}
