//! Unit tests: `LabelSelector` matching against the compiled [`Selector`],
//! the string parser, its errors and its round trip through `Display`.

use super::*;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
use proptest::prelude::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: key.into(),
        operator: op.into(),
        values: if values.is_empty() {
            None
        } else {
            Some(values.iter().map(|v| v.to_string()).collect())
        },
    }
}

fn sel(ml: &[(&str, &str)], exprs: Vec<LabelSelectorRequirement>) -> LabelSelector {
    LabelSelector {
        match_labels: if ml.is_empty() {
            None
        } else {
            Some(labels(ml))
        },
        match_expressions: if exprs.is_empty() { None } else { Some(exprs) },
    }
}

/// Checks both `matches` and the compiled form agree.
fn both(s: &LabelSelector, l: &BTreeMap<String, String>) -> bool {
    let a = matches(s, l);
    let b = Selector::from_label_selector(s).matches(l);
    assert_eq!(a, b, "matches and Selector disagree for {s:?} on {l:?}");
    a
}

#[test]
fn empty_label_selector_matches_everything() {
    let s = LabelSelector::default();
    assert!(both(&s, &labels(&[])));
    assert!(both(&s, &labels(&[("a", "b")])));
    assert!(is_empty(&s));
    let s2 = LabelSelector {
        match_labels: Some(BTreeMap::new()),
        match_expressions: Some(vec![]),
    };
    assert!(is_empty(&s2));
    assert!(both(&s2, &labels(&[])));
}

#[test]
fn match_labels_all_must_match() {
    let s = sel(&[("app", "web"), ("tier", "fe")], vec![]);
    assert!(both(
        &s,
        &labels(&[("app", "web"), ("tier", "fe"), ("x", "y")])
    ));
    assert!(!both(&s, &labels(&[("app", "web")])));
    assert!(!both(&s, &labels(&[("app", "web"), ("tier", "be")])));
}

#[test]
fn match_expressions_operators() {
    let l = labels(&[("env", "prod"), ("app", "web")]);
    assert!(both(
        &sel(&[], vec![expr("env", "In", &["prod", "stg"])]),
        &l
    ));
    assert!(!both(&sel(&[], vec![expr("env", "In", &["dev"])]), &l));
    assert!(!both(&sel(&[], vec![expr("missing", "In", &["x"])]), &l));
    assert!(!both(&sel(&[], vec![expr("env", "NotIn", &["prod"])]), &l));
    assert!(both(&sel(&[], vec![expr("env", "NotIn", &["dev"])]), &l));
    assert!(
        both(&sel(&[], vec![expr("missing", "NotIn", &["x"])]), &l),
        "NotIn matches an absent key"
    );
    assert!(both(&sel(&[], vec![expr("env", "Exists", &[])]), &l));
    assert!(!both(&sel(&[], vec![expr("missing", "Exists", &[])]), &l));
    assert!(both(
        &sel(&[], vec![expr("missing", "DoesNotExist", &[])]),
        &l
    ));
    assert!(!both(&sel(&[], vec![expr("env", "DoesNotExist", &[])]), &l));
}

#[test]
fn unknown_operator_matches_nothing() {
    let l = labels(&[("env", "prod")]);
    assert!(!both(&sel(&[], vec![expr("env", "Gt", &["1"])]), &l));
    assert!(!both(&sel(&[], vec![expr("env", "in", &["prod"])]), &l));
}

#[test]
fn match_labels_and_expressions_are_anded() {
    let s = sel(&[("app", "web")], vec![expr("env", "In", &["prod"])]);
    assert!(both(&s, &labels(&[("app", "web"), ("env", "prod")])));
    assert!(!both(&s, &labels(&[("app", "web"), ("env", "dev")])));
    assert!(!both(&s, &labels(&[("app", "db"), ("env", "prod")])));
}

#[test]
fn parse_equality_forms() {
    let l = labels(&[("a", "b"), ("c", "d")]);
    assert!(parse("a=b").unwrap().matches(&l));
    assert!(parse("a==b").unwrap().matches(&l));
    assert!(!parse("a=x").unwrap().matches(&l));
    assert!(parse("a!=x").unwrap().matches(&l));
    assert!(!parse("a!=b").unwrap().matches(&l));
    assert!(
        parse("zz!=b").unwrap().matches(&l),
        "!= matches an absent key"
    );
    assert!(parse(" a = b , c == d ").unwrap().matches(&l));
    assert!(!parse("a=b,c=x").unwrap().matches(&l));
}

#[test]
fn parse_set_forms() {
    let l = labels(&[("env", "prod")]);
    assert!(parse("env in (prod,stg)").unwrap().matches(&l));
    assert!(parse("env in ( prod , stg )").unwrap().matches(&l));
    assert!(parse("env in(prod)").unwrap().matches(&l));
    assert!(!parse("env in (dev)").unwrap().matches(&l));
    assert!(parse("env notin (dev)").unwrap().matches(&l));
    assert!(!parse("env notin (dev, prod)").unwrap().matches(&l));
    assert!(parse("other notin (x)").unwrap().matches(&l));
}

#[test]
fn parse_existence_forms() {
    let l = labels(&[("env", "prod")]);
    assert!(parse("env").unwrap().matches(&l));
    assert!(!parse("!env").unwrap().matches(&l));
    assert!(parse("!other").unwrap().matches(&l));
    assert!(parse("! other").unwrap().matches(&l));
    assert!(!parse("other").unwrap().matches(&l));
    assert!(parse("env,!other,env in (prod)").unwrap().matches(&l));
}

#[test]
fn parse_empty_selects_everything() {
    assert!(parse("").unwrap().is_empty());
    assert!(parse("   ").unwrap().matches(&labels(&[("a", "b")])));
}

#[test]
fn parse_prefixed_keys_and_empty_values() {
    let l = labels(&[("app.kubernetes.io/name", "web"), ("e", "")]);
    assert!(parse("app.kubernetes.io/name=web").unwrap().matches(&l));
    assert!(parse("e=").unwrap().matches(&l));
    assert!(parse("e=,app.kubernetes.io/name").unwrap().matches(&l));
}

fn err(s: &str) -> String {
    parse(s).unwrap_err().to_string()
}

#[test]
fn parse_errors_name_the_bad_part() {
    assert_eq!(
        err("a in x"),
        r#"invalid label selector "a in x": expected "(" after "in""#
    );
    assert!(err("a notin x").contains(r#"expected "(" after "notin""#));
    assert!(
        err("a in (x").contains(r#"expected "," or ")""#),
        "{}",
        err("a in (x")
    );
    assert!(err("a in ()").contains("must not be empty"));
    assert!(err("a=b,").contains("after \",\""));
    assert!(err(",a").contains("expected a label key"));
    assert!(err("a b").contains(r#"after key "a""#));
    assert!(err("a>1").contains("not supported"));
    assert!(err("!").contains("after \"!\""));
    assert!(err("a=b=c").contains("expected \",\""));
    assert!(err("-a=b").contains("invalid label key \"-a\""));
    assert!(err("a=b c").contains("found \"c\""));
    assert!(err("a=-b").contains("invalid label value \"-b\""));
    assert!(err(&format!("a={}", "x".repeat(64))).contains("invalid label value"));
    for e in [err("a in x"), err("a=b,"), err("a>1")] {
        assert!(!e.contains('\n'));
    }
}

#[test]
fn display_round_trips() {
    for s in [
        "a=b",
        "a!=b",
        "a in (x,y)",
        "a notin (x)",
        "a",
        "!a",
        "a=b,!c,d in (e)",
    ] {
        let sel = parse(s).unwrap();
        assert_eq!(parse(&sel.to_string()).unwrap(), sel, "{s}");
    }
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_selector_like_input(s in "[a-c !=(),<>inotu/.-]{0,30}") {
        if let Ok(sel) = parse(&s) {
            let _ = sel.matches(&labels(&[("a", "b")]));
            let _ = parse(&sel.to_string());
        }
    }
}
