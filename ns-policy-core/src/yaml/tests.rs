use std::fmt::Write as _;

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

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Config {
    spec: ConfigSpec,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct ConfigSpec {
    name: String,
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
    #[serde(default)]
    items: Vec<u32>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Profile {
    ttl: String,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
}

const CONFIG: &str = "\
spec:
  name: x
  profiles:
    app:
      ttl: 4h
      labels:
        team: a
  items: [1, 2, 3]
";

#[test]
fn typed_errors_point_at_the_offending_value() {
    let text = CONFIG.replace("ttl: 4h", "ttl: [4h]");
    let e = from_str::<Config>(&text, "c.yaml").unwrap_err().to_string();
    assert!(
        e.starts_with("c.yaml:5:12: spec.profiles.app.ttl: invalid type: sequence"),
        "{e}"
    );
    let text = CONFIG.replace("[1, 2, 3]", "[1, x, 3]");
    let e = from_str::<Config>(&text, "c.yaml").unwrap_err().to_string();
    assert!(
        e.starts_with("c.yaml:8:14: spec.items[1]: invalid type: string"),
        "{e}"
    );
    assert!(from_str::<Config>(CONFIG, "c.yaml").is_ok());
}

#[test]
fn yaml11_booleans_in_typed_errors_carry_a_hint() {
    let text = CONFIG.replace("team: a", "enabled: yes");
    let e = from_str::<Config>(&text, "c.yaml").unwrap_err().to_string();
    assert!(
        e.starts_with("c.yaml:7:18: spec.profiles.app.labels.enabled: invalid type: boolean `true`, expected a string (unquoted yes is a YAML 1.1 boolean; quote it: \"yes\")"),
        "{e}"
    );
    // `true` needs no hint.
    let text = CONFIG.replace("team: a", "enabled: true");
    let e = from_str::<Config>(&text, "c.yaml").unwrap_err().to_string();
    assert!(!e.contains("YAML 1.1"), "{e}");
}

#[test]
fn unknown_fields_point_at_the_key() {
    let text = CONFIG.replace("      labels:", "      lables:");
    let e = from_str::<Config>(&text, "c.yaml").unwrap_err().to_string();
    assert!(
        e.starts_with("c.yaml:6:7: spec.profiles.app: unknown field `lables`"),
        "{e}"
    );
}

#[test]
fn missing_fields_point_at_the_mapping() {
    let text = CONFIG.replace("      ttl: 4h\n", "");
    let e = from_str::<Config>(&text, "c.yaml").unwrap_err().to_string();
    assert!(
        e.starts_with("c.yaml:5:7: spec.profiles.app: missing field `ttl`"),
        "{e}"
    );
}

#[test]
fn spanned_positions_fall_back_to_the_nearest_ancestor() {
    let s = parse_spanned(
        "a:\n  b: &x {c: 1}\n  d: *x\n  e:\n  - 1\n  - 'yes'\n  - on\n",
        "s.yaml",
    )
    .unwrap();
    assert_eq!(s.position(""), Some((1, 1)));
    assert_eq!(s.position("/a/b"), Some((2, 6)));
    assert_eq!(s.position("/a/b/c"), Some((2, 13)));
    // Aliased content: the alias.
    assert_eq!(s.position("/a/d/c"), Some((3, 6)));
    assert_eq!(s.position("/a/e/1"), Some((6, 5)));
    assert_eq!(s.position("/a/e/9/x"), Some((5, 5)));
    assert_eq!(s.key_position("/a", "e"), Some((4, 3)));
    assert_eq!(s.key_position("/a", "zz"), None);
    assert_eq!(s.yaml11_boolean("/a/e/2"), Some("on"));
    assert_eq!(s.yaml11_boolean("/a/e/1"), None);
    let e = s.error_at("s.yaml", "/a/e/0", "bad");
    assert_eq!(e.to_string(), "s.yaml:5:5: bad");
    assert!(parse_spanned("a: 1\n---\nb: 2\n", "s.yaml")
        .unwrap_err()
        .to_string()
        .starts_with("s.yaml:3:1: "));
}

#[test]
fn locate_finds_a_node_on_the_error_path() {
    let text = "a: 1\n---\n# c\nkind: Pod\nmetadata:\n  labels:\n    x/y: n\n";
    let docs = documents(text, "t.yaml").unwrap();
    assert_eq!(docs[1].line, 4);
    assert_eq!(
        locate_in(text, docs[1].line, "/metadata/labels/x~1y"),
        Some((7, 10))
    );
    assert_eq!(locate_in(text, docs[0].line, "/a"), Some((1, 4)));
    assert_eq!(
        locate("kind: Pod\nspec: {a: [1, 2]}\n", "/spec/a/1"),
        Some((2, 15))
    );
    assert_eq!(locate("[", "/a"), None);
    assert_eq!(
        yaml11_boolean_at("a: [1, N]\n", "/a/1").as_deref(),
        Some("N")
    );
    assert_eq!(yaml11_boolean_at("a: [1, 'N']\n", "/a/1"), None);
    assert_eq!(
        yaml11_hint("yes"),
        "unquoted yes is a YAML 1.1 boolean; quote it: \"yes\""
    );
}

#[test]
fn printing_quotes_strings_kubectl_would_misread() {
    for s in [
        "yes",
        "Yes",
        "YES",
        "y",
        "Y",
        "n",
        "N",
        "no",
        "NO",
        "on",
        "On",
        "off",
        "OFF",
        "true",
        "False",
        "null",
        "~",
        "",
        "2",
        "0.5",
        "1e3",
        "1_000",
        "1:20",
        "12:30:45",
        "0x1F",
        "010",
        "0o17",
        "0b101",
        "08",
        ".inf",
        "-.inf",
        ".nan",
        ".5",
        "+1",
        "2024-01-01",
        "<<",
        "=",
        "- a",
        "-a",
        "?a",
        ":a",
        "#a",
        "@a",
        "`a",
        "!a",
        "&a",
        "*a",
        "|a",
        ">a",
        "'a",
        "\"a",
        "%a",
        "[a",
        "]a",
        "{a",
        "}a",
        ",a",
        "a: b",
        "a #b",
        "a:",
        " a",
        "a ",
        "...",
        "---",
    ] {
        let printed = to_string(&json!({ "k": s }));
        assert!(
            printed.starts_with("k: '") && printed.ends_with("'\n"),
            "{s:?} printed {printed:?}"
        );
        assert_eq!(one(&printed)["k"], json!(s), "{printed}");
    }
    // Quantities: plain unless they would read back as numbers.
    assert_eq!(
        to_string(&json!([
            "500m", "4Gi", "100Mi", "2", "0.5", "1.5Gi", "10.0.0.1", "a:b", "a,b"
        ])),
        "- 500m\n- 4Gi\n- 100Mi\n- '2'\n- '0.5'\n- 1.5Gi\n- 10.0.0.1\n- a:b\n- a,b\n"
    );
    assert_eq!(
        to_string(&json!({"yes": "on", "it's": "a'b"})),
        "it's: a'b\n'yes': 'on'\n"
    );
    assert_eq!(
        to_string(&json!("a\tb\u{7}\u{85}\u{2028}\u{feff}\"\\")),
        "\"a\\tb\\a\\N\\L\\uFEFF\\\"\\\\\"\n"
    );
}

#[test]
fn printing_lays_out_like_serde_yaml() {
    let v = json!({
        "a": [1, {"b": [], "c": {}}, [2, 3], [], null, true, 1.5, -7],
        "k": "a\nb",
        "l": ["a\nb\n", " a\nb", "x\n\n", "\na"],
        "m": {"n": "z\n", "o": {"p": [{"q": 1, "r": [4]}]}},
        "s": "a \nb",
        "x\ny": 1,
    });
    let want = "\
a:
- 1
- b: []
  c: {}
- - 2
  - 3
- []
- null
- true
- 1.5
- -7
k: |-
  a
  b
l:
- |
  a
  b
- |2-
   a
  b
- |+
  x

- |2-

  a
m:
  'n': |
    z
  o:
    p:
    - q: 1
      r:
      - 4
s: \"a \\nb\"
\"x\\ny\": 1
";
    assert_eq!(to_string(&v), want);
    assert_eq!(to_string(&json!({})), "{}\n");
    assert_eq!(to_string(&json!([])), "[]\n");
    assert_eq!(to_string(&json!(null)), "null\n");
    assert_eq!(to_string(&json!("a\nb")), "|-\n  a\n  b\n");
    assert_eq!(to_string(&json!([[[1]]])), "- - - 1\n");
    assert_eq!(
        to_string(&json!([1e300, 1e-7, 100.0])),
        "- 1e300\n- 1e-7\n- 100.0\n"
    );
}

#[test]
fn floats_print_and_read_back_exactly() {
    for f in [
        -5.479456287659101e-248,
        0.1,
        1.5,
        1e-7,
        1e300,
        123456.789,
        5e-324,
        f64::MAX,
    ] {
        let printed = to_string(&json!({ "f": f }));
        assert_eq!(one(&printed)["f"], json!(f), "{printed}");
    }
    assert_eq!(
        to_string(&json!([0.001, 1e16, 12.5, -0.5])),
        "- 0.001\n- 1e16\n- 12.5\n- -0.5\n"
    );
    // As in JSON (kubectl could not read `.nan` either).
    assert_eq!(to_string(&f64::NAN), "null\n");
}

#[test]
fn printing_keeps_struct_field_order() {
    #[derive(Serialize)]
    struct S {
        zeta: u8,
        alpha: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        mid: E,
        unit: U,
    }
    #[derive(Serialize)]
    enum E {
        Pod(u8),
    }
    #[derive(Serialize)]
    enum U {
        Plain,
    }
    let s = S {
        zeta: 1,
        alpha: None,
        skipped: None,
        mid: E::Pod(2),
        unit: U::Plain,
    };
    assert_eq!(
        to_string(&s),
        "zeta: 1\nalpha: null\nmid:\n  Pod: 2\nunit: Plain\n"
    );
}

mod props {
    use super::*;
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
}
