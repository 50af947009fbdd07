//! Properties: printed YAML reads back as the same data, matches
//! serde_yaml's layout where quoting agrees, and no text panics the readers.

use super::*;
use crate::yaml::resolve::float_value;
use proptest::prelude::*;

/// Strings that read as other types somewhere, syntax, and anything.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "N",
            "true",
            "null",
            "~",
            "",
            " ",
            "2",
            "-0",
            "0.5",
            "1e3",
            "1_000",
            "1:20",
            "0x1F",
            "010",
            "0o7",
            ".inf",
            ".nan",
            "500m",
            "4Gi",
            "2024-01-01",
            "<<",
            "=",
            "a: b",
            "#x",
            "- x",
            "...",
            "---",
            "'",
            "\"",
            "a\nb",
            "a\nb\n",
            "a\n\n",
            "\n",
            " a\nb",
            "a \nb",
            "\t",
            "\r\n",
            "\u{85}",
            "\u{2028}",
            "\u{feff}x",
            "\u{a0}",
            "x\u{a0}",
            "é",
            "\\",
            "%TAG",
            "@",
            "`",
            "|",
            ">",
        ])
        .prop_map(str::to_string),
        "[a-z0-9 .:_#'\"\\-]{0,12}",
        "[\\s\\S&&[^\u{0}]]{0,8}",
        any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        tricky_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(tricky_string(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Whole floats read back as integers (like kubectl's JSON).
fn normalized(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => float_value(n.as_f64().unwrap()).unwrap(),
        Value::Array(a) => Value::Array(a.iter().map(normalized).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalized(v))).collect())
        }
        v => v.clone(),
    }
}

/// Strings on which today's quoting and serde_yaml's agree.
fn plain_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-m]{1,6}( [a-m]{1,6})?",
        "[0-9]{1,3}",
        "[0-9]\\.[0-9]",
        "[a-m]{1,4}\n[a-m]{1,4}\n?",
        " [a-m]\n[a-m]",
        prop::sample::select(vec!["500m", "4Gi", "", " x", "a: b", "a'b", "x\ty", "#x"])
            .prop_map(str::to_string),
    ]
}

fn plain_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        plain_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-m]{1,5}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// What we print reads back as the same data.
    #[test]
    fn printed_yaml_reads_back_as_the_same_value(v in json_value()) {
        let text = to_string(&v);
        let back = documents(&text, "p.yaml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let back = back.into_iter().next().map_or(Value::Null, |d| d.value);
        prop_assert_eq!(back, normalized(&v), "{}", text);
    }

    /// Where quoting does not have to change, the layout is serde_yaml's.
    #[test]
    fn printing_matches_serde_yaml_where_quoting_agrees(v in plain_value()) {
        prop_assert_eq!(to_string(&v), serde_yaml::to_string(&v).unwrap());
    }

    /// Arbitrary text never panics the readers.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}|[-:&*!|>'\"%@`{}\\[\\],#?<~ \nab01.]{0,60}") {
        if let Err(e) = documents(&text, "f.yaml") {
            prop_assert!(e.to_string().starts_with("f.yaml:"), "{}", e);
        }
        let _ = from_str::<Value>(&text, "f.yaml");
        let _ = locate(&text, "/a/0");
    }
}
