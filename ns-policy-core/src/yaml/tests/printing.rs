//! Printing: quoting, layout, floats, field order.

use super::*;

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
