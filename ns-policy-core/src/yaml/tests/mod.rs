//! Tests of the YAML layer, by topic; the reading helpers they share.

mod positions;
mod printing;
mod props;
mod reading;

use super::*;
use serde_json::json;

fn one(text: &str) -> Value {
    let mut docs = documents(text, "t.yaml").unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(docs.len(), 1, "{text:?}");
    docs.remove(0).value
}

/// The value of `v: <scalar>`.
fn scalar(s: &str) -> Value {
    one(&format!("v: {s}\n"))["v"].clone()
}

fn err(text: &str) -> String {
    documents(text, "t.yaml").unwrap_err().to_string()
}
