//! Reading like kubectl: documents, scalar resolution, tags, merges,
//! aliases, keys and limits.

use std::fmt::Write as _;

use super::*;
use crate::yaml::resolve::go_format_g32;

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
fn documents_on_the_separator_line_are_read() {
    let docs = documents("a: 1\n--- {b: 2}\n--- |\n  text\n...\n", "x.yaml").unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!((docs[1].line, &docs[1].value), (2, &json!({"b": 2})));
    assert_eq!(docs[2].value, json!("text\n"));
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

#[test]
fn unquoted_yaml11_booleans_are_booleans_like_kubectl() {
    for t in [
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
    ] {
        assert_eq!(scalar(t), json!(true), "{t}");
    }
    for f in [
        "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
    ] {
        assert_eq!(scalar(f), json!(false), "{f}");
    }
    // Other spellings are strings, as in go-yaml v2.
    for s in ["yES", "tRUE", "oN", "nO", "Ye", "yess"] {
        assert_eq!(scalar(s), json!(s), "{s}");
    }
    let pod = one("metadata:\n  labels:\n    enabled: yes\nspec:\n  hostNetwork: on\n");
    assert_eq!(pod["metadata"]["labels"]["enabled"], json!(true));
    assert_eq!(pod["spec"]["hostNetwork"], json!(true));
}

#[test]
fn quoted_yes_stays_a_string() {
    let v = one("a: 'yes'\nb: \"on\"\nc: |\n  yes\nd: >-\n  no\ne: !!str off\nf: [\"y\", n]\n");
    assert_eq!(
        v,
        json!({"a": "yes", "b": "on", "c": "yes\n", "d": "no", "e": "off", "f": ["y", false]})
    );
}

#[test]
fn nulls_resolve_like_go_yaml_v2() {
    for n in ["", "~", "null", "Null", "NULL"] {
        assert_eq!(scalar(n), Value::Null, "{n:?}");
    }
    assert_eq!(scalar("nULL"), json!("nULL"));
    assert_eq!(scalar("'~'"), json!("~"));
}

#[test]
fn numbers_resolve_like_go_yaml_v2() {
    let cases: &[(&str, Value)] = &[
        ("0", json!(0)),
        ("-0", json!(0)),
        ("+12", json!(12)),
        ("1_000", json!(1000)),
        ("1__0_", json!(10)),
        ("010", json!(8)),
        ("0o17", json!(15)),
        ("0x1F", json!(31)),
        ("0X1f", json!(31)),
        ("-0x1F", json!(-31)),
        ("0x_1F", json!(31)),
        ("0b101", json!(5)),
        ("-0b101", json!(-5)),
        ("9223372036854775807", json!(i64::MAX)),
        ("-9223372036854775808", json!(i64::MIN)),
        ("9223372036854775808", json!(9_223_372_036_854_775_808u64)),
        ("18446744073709551615", json!(u64::MAX)),
        // Too big for an integer: a float (go-yaml's fallback).
        ("99999999999999999999.5", json!(1e20)),
        ("1.5", json!(1.5)),
        ("-1.5e-3", json!(-0.0015)),
        (".5", json!(0.5)),
        ("-.5", json!(-0.5)),
        ("+.5", json!(0.5)),
        (".5_5", json!(0.55)),
        // Whole floats are integers, as kubectl's JSON sends them.
        ("1e3", json!(1000)),
        ("2.0", json!(2)),
        ("1.", json!(1)),
        ("08", json!(8)),
        ("1_0.5", json!(10.5)),
    ];
    for (text, want) in cases {
        assert_eq!(&scalar(text), want, "{text}");
    }
    for s in [
        "0x",
        "0xG",
        "0b2",
        "09x",
        "1e",
        "1.5e",
        "._5",
        ".",
        "+",
        "_1",
        "1:20",
        "12:30:45",
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "1.2.3",
        "10.0.0.1",
        "500m",
        "4Gi",
        "0.5Gi",
        "1e400",
        ".5e999",
        "0x1FFFFFFFFFFFFFFFF",
        "1_",
        "--1",
        "+-1",
        "1 000",
    ] {
        let want = if s == "1_" { json!(1) } else { json!(s) };
        assert_eq!(scalar(s), want, "{s}");
    }
}

#[test]
fn infinity_and_nan_are_errors_at_their_position() {
    for s in [".inf", "-.Inf", "+.INF", ".nan", ".NaN", "!!float .inf"] {
        let e = err(&format!("a: 1\nb: {s}\n"));
        assert!(e.starts_with("t.yaml:2:4: "), "{s}: {e}");
        assert!(e.contains("JSON"), "{e}");
    }
    // Quoted, it is a string.
    assert_eq!(scalar("'.inf'"), json!(".inf"));
}

#[test]
fn explicit_tags_are_honoured() {
    let v = one(concat!(
        "a: !!str 123\nb: !!int \"12\"\nc: !!bool yes\nd: !!float 1.5\ne: !!float 2\n",
        "f: !!null ''\ng: !foo 12\nh: !!binary aGVsbG8=\ni: !!map x\nj: !<tag:yaml.org,2002:int> '7'\n",
        "k: !!timestamp 2024-01-01\nl: !!map {x: 1}\nm: !custom [1, yes]\n",
    ));
    assert_eq!(
        v,
        json!({"a": "123", "b": 12, "c": true, "d": 1.5, "e": 2, "f": null, "g": "12",
               "h": "hello", "i": "x", "j": 7, "k": "2024-01-01", "l": {"x": 1}, "m": [1, true]})
    );
    for (bad, at) in [
        ("!!int abc", "cannot decode !!str `abc` as a !!int"),
        ("!!int 1.5", "cannot decode !!float `1.5` as a !!int"),
        ("!!bool 1", "cannot decode !!int `1` as a !!bool"),
        ("!!null x", "cannot decode !!str `x` as a !!null"),
        ("!!binary '*'", "not valid base64"),
    ] {
        let e = err(&format!("v: {bad}\n"));
        assert!(
            e.starts_with("t.yaml:1:4: ") && e.contains(at),
            "{bad}: {e}"
        );
    }
}

#[test]
fn merge_keys_and_aliases_expand() {
    let v = one(concat!(
        "base: &base {a: 1, b: 2}\n",
        "more: &more {b: 3, c: 4}\n",
        "list: &list [x, *base]\n",
        "one:\n  <<: *base\n  b: 20\n",
        "many:\n  <<: [*more, *base]\n  d: 5\n",
        "inline:\n  <<: {z: 26}\n",
        "copy: *list\n",
        "quoted:\n  '<<': not a merge\n",
        "tagged:\n  !!merge <<: *base\n",
    ));
    assert_eq!(v["one"], json!({"a": 1, "b": 20}));
    // Earlier mappings of a merge list win.
    assert_eq!(v["many"], json!({"a": 1, "b": 3, "c": 4, "d": 5}));
    assert_eq!(v["inline"], json!({"z": 26}));
    assert_eq!(v["copy"], json!(["x", {"a": 1, "b": 2}]));
    assert_eq!(v["quoted"], json!({"<<": "not a merge"}));
    assert_eq!(v["tagged"], json!({"a": 1, "b": 2}));
    // Aliased keys and scalars.
    assert_eq!(one("- &k on\n- {*k : x}\n"), json!([true, {"true": "x"}]));
}

#[test]
fn merges_apply_in_order_like_go_yaml_v2() {
    // go-yaml v2 (what kubectl reads with) writes merged keys over the
    // explicit keys before `<<`; keys after it win.
    let v = one("base: &b {a: 1, b: 2}\nm:\n  a: 10\n  <<: *b\n  b: 20\n");
    assert_eq!(v["m"], json!({"a": 1, "b": 20}));
    for (bad, line) in [
        ("s: &s [1]\nm:\n  <<: *s\n", 3),
        ("m:\n  <<: [1]\n", 2),
        ("m:\n  <<: x\n", 2),
        ("s: &s [{a: 1}]\nm:\n  <<: *s\n", 3),
    ] {
        let e = err(bad);
        assert!(e.starts_with(&format!("t.yaml:{line}:")), "{bad}: {e}");
        assert!(
            e.contains("map merge requires map or sequence of maps"),
            "{e}"
        );
    }
}

#[test]
fn duplicate_keys_are_an_error_at_the_second_key() {
    let e = err("metadata:\n  name: a\n  labels: {}\n  name: b\n");
    assert!(
        e.starts_with("t.yaml:4:3: duplicate mapping key \"name\""),
        "{e}"
    );
    // Keys equal once converted to JSON are duplicates too (`on` is "true").
    let e = err("a:\n  true: 1\n  on: 2\n");
    assert!(e.starts_with("t.yaml:3:3: "), "{e}");
    // An explicit key repeated after a merge is still a duplicate.
    let e = err("b: &b {x: 1}\nm:\n  y: 1\n  <<: *b\n  y: 2\n");
    assert!(e.starts_with("t.yaml:5:3: "), "{e}");
}

#[test]
fn keys_are_resolved_and_converted_like_sigs_k8s_yaml() {
    let v = one("on: a\nno: b\n010: c\n0x10: d\n1.5: e\n1e6: f\n0.0001: g\n-2: h\n'on': i\n");
    assert_eq!(
        v,
        json!({"true": "a", "false": "b", "8": "c", "16": "d", "1.5": "e", "1e+06": "f",
               "0.0001": "g", "-2": "h", "on": "i"})
    );
    for (bad, want) in [
        ("~: x\n", "null"),
        (": x\n", "null"),
        ("18446744073709551615: x\n", "larger than 2^63-1"),
        ("[a]: x\n", "must be a scalar"),
        ("? {a: 1}\n: x\n", "must be a scalar"),
        ("a: &a [1]\n*a : x\n", "must be a scalar"),
    ] {
        let e = err(bad);
        assert!(e.starts_with("t.yaml:") && e.contains(want), "{bad:?}: {e}");
    }
}

#[test]
fn go_float_keys_print_like_go() {
    for (f, want) in [
        (1.5, "1.5"),
        (1000.0, "1000"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (1e6, "1e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (0.0, "0"),
        (1e21, "1e+21"),
    ] {
        assert_eq!(go_format_g32(f), want, "{f}");
    }
}

#[test]
fn alias_bombs_are_an_error() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        writeln!(text, "a{i}: &a{i} [{}]", [prev.as_str(); 10].join(", ")).unwrap();
    }
    let e = err(&text);
    assert!(e.contains("alias bomb"), "{e}");
    // A few aliases are fine.
    assert_eq!(one("a: &a [1]\nb: [*a, *a]\n")["b"], json!([[1], [1]]));
    // Few nodes, long strings: a 1 MiB string repeated 4,000 times would be
    // 4 GiB; the budget counts bytes, not nodes.
    let long = "x".repeat(1 << 20);
    let mut text = format!("s: &s {long}\nl: [");
    text.push_str(&vec!["*s"; 4000].join(", "));
    text.push_str("]\n");
    let e = err(&text);
    assert!(e.contains("alias bomb") && e.contains("MiB"), "{e}");
    // An alias inside its own anchor.
    assert!(documents("a: &a [*a]\n", "t.yaml").is_err());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for text in [
        "[".repeat(100_000),
        "- ".repeat(100_000),
        "a:\n".repeat(50_000),
    ] {
        assert!(err(&text).starts_with("t.yaml:"));
    }
    let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert!(documents(&ok, "t.yaml").is_ok());
}
