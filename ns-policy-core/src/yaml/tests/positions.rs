//! Positions: typed errors located in the text, `Spanned`, `locate`.

use super::*;

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
fn field_lines_follow_dotted_paths_with_list_selectors() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: side\n        image: x\n      - name: app\n        image: y\n        securityContext:\n          privileged: true\n";
    let line = |path: &str| crate::yaml::field_line(text, 5, path);
    assert_eq!(
        line("spec.template.spec.containers[name=app].securityContext.privileged"),
        Some(18)
    );
    assert_eq!(line("spec.template.spec.containers[1].image"), Some(16));
    assert_eq!(line("spec.template.spec.containers[name=side]"), Some(13));
    // Absent: the nearest ancestor, where it would be added.
    assert_eq!(
        line("spec.template.spec.containers[name=side].resources"),
        Some(13)
    );
    assert_eq!(
        line("spec.template.spec.containers[name=nope].image"),
        Some(13)
    );
    assert_eq!(crate::yaml::field_line(text, 1, "metadata.name"), Some(3));
}
