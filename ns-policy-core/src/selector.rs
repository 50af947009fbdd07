//! Label selectors: matching of Kubernetes [`LabelSelector`] objects and a
//! parser for kubectl-style selector strings (`-l app=web,tier!=db`).
//!
//! Both forms compile to the same [`Selector`] (a conjunction of
//! [`Requirement`]s), which the NetworkPolicy evaluator uses on its hot path.
//!
//! Note that a *missing* selector and an *empty* selector (`{}`) mean
//! different things in NetworkPolicy peers; this module only deals with
//! selectors that are present (an empty one matches everything) and leaves
//! the `None` case to the caller.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::Error;

/// True when `labels` satisfy `selector`: every `matchLabels` pair and every
/// `matchExpressions` requirement (In, NotIn, Exists, DoesNotExist; NotIn
/// matches when the key is absent). An empty selector matches everything; a
/// requirement with an unknown operator matches nothing.
pub fn matches(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    if let Some(ml) = &selector.match_labels {
        for (k, v) in ml {
            if labels.get(k) != Some(v) {
                return false;
            }
        }
    }
    if let Some(exprs) = &selector.match_expressions {
        for e in exprs {
            let values = e.values.as_deref().unwrap_or(&[]);
            let present = labels.get(&e.key);
            let ok = match e.operator.as_str() {
                "In" => present.is_some_and(|v| values.contains(v)),
                "NotIn" => present.is_none_or(|v| !values.contains(v)),
                "Exists" => present.is_some(),
                "DoesNotExist" => present.is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// True when the selector has neither `matchLabels` nor `matchExpressions`
/// entries (it selects everything).
pub fn is_empty(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector
            .match_expressions
            .as_ref()
            .is_none_or(|e| e.is_empty())
}

/// The operator of one [`Requirement`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `key=value`, `key==value`, or `In` with one value.
    Equals,
    /// `key!=value` (matches when the key is absent).
    NotEquals,
    /// `key in (a,b)` / `In`.
    In,
    /// `key notin (a,b)` / `NotIn` (matches when the key is absent).
    NotIn,
    /// `key` / `Exists`.
    Exists,
    /// `!key` / `DoesNotExist`.
    DoesNotExist,
    /// An operator this crate does not know (from a `LabelSelector`); it
    /// never matches.
    Unknown(String),
}

/// One requirement of a [`Selector`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub operator: Operator,
    /// Values (empty for Exists/DoesNotExist).
    pub values: Vec<String>,
}

impl Requirement {
    /// Evaluates the requirement given the value of its key (if present).
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        let contains = |v: &str| self.values.iter().any(|x| x == v);
        match &self.operator {
            Operator::Equals | Operator::In => value.is_some_and(contains),
            Operator::NotEquals | Operator::NotIn => value.is_none_or(|v| !contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::Unknown(_) => false,
        }
    }
}

/// A conjunction of requirements; the empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// All must hold.
    pub requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that matches everything.
    pub fn everything() -> Self {
        Selector::default()
    }

    /// True when the selector has no requirement (matches everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Compiles a Kubernetes [`LabelSelector`]; same semantics as [`matches`].
    pub fn from_label_selector(sel: &LabelSelector) -> Self {
        let mut requirements = Vec::new();
        if let Some(ml) = &sel.match_labels {
            for (k, v) in ml {
                requirements.push(Requirement {
                    key: k.clone(),
                    operator: Operator::Equals,
                    values: vec![v.clone()],
                });
            }
        }
        if let Some(exprs) = &sel.match_expressions {
            for e in exprs {
                let operator = match e.operator.as_str() {
                    "In" => Operator::In,
                    "NotIn" => Operator::NotIn,
                    "Exists" => Operator::Exists,
                    "DoesNotExist" => Operator::DoesNotExist,
                    other => Operator::Unknown(other.to_string()),
                };
                requirements.push(Requirement {
                    key: e.key.clone(),
                    operator,
                    values: e.values.clone().unwrap_or_default(),
                });
            }
        }
        Selector { requirements }
    }

    /// True when `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_with(|k| labels.get(k).map(String::as_str))
    }

    /// Like [`Selector::matches`] with labels given by a lookup function
    /// (lets callers add implicit labels without building a map).
    pub fn matches_with<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements
            .iter()
            .all(|r| r.matches_value(get(&r.key)))
    }
}

impl fmt::Display for Selector {
    /// kubectl syntax; parses back to an equivalent selector (except for
    /// unknown operators, which have no string form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match &r.operator {
                Operator::Equals if r.values.len() == 1 => write!(f, "{}={}", r.key, r.values[0])?,
                Operator::NotEquals if r.values.len() == 1 => {
                    write!(f, "{}!={}", r.key, r.values[0])?
                }
                Operator::Equals | Operator::In => {
                    write!(f, "{} in ({})", r.key, r.values.join(","))?
                }
                Operator::NotEquals | Operator::NotIn => {
                    write!(f, "{} notin ({})", r.key, r.values.join(","))?
                }
                Operator::Exists => f.write_str(&r.key)?,
                Operator::DoesNotExist => write!(f, "!{}", r.key)?,
                Operator::Unknown(op) => write!(f, "{} {op} ({})", r.key, r.values.join(","))?,
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Selector {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse(s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Not,
    NotEq,
    Eq,
    DoubleEq,
    Open,
    Close,
    Comma,
    Cmp(char),
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("{s:?}"),
            Tok::Not => "\"!\"".into(),
            Tok::NotEq => "\"!=\"".into(),
            Tok::Eq => "\"=\"".into(),
            Tok::DoubleEq => "\"==\"".into(),
            Tok::Open => "\"(\"".into(),
            Tok::Close => "\")\"".into(),
            Tok::Comma => "\",\"".into(),
            Tok::Cmp(c) => format!("\"{c}\""),
            Tok::End => "end of input".into(),
        }
    }
}

fn lex(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        match c {
            '!' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    out.push(Tok::NotEq);
                } else {
                    out.push(Tok::Not);
                }
            }
            '=' => {
                chars.next();
                if chars.peek() == Some(&'=') {
                    chars.next();
                    out.push(Tok::DoubleEq);
                } else {
                    out.push(Tok::Eq);
                }
            }
            '(' | ')' | ',' | '<' | '>' => {
                chars.next();
                out.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    ',' => Tok::Comma,
                    other => Tok::Cmp(other),
                });
            }
            _ => {
                let mut id = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "!=(),<>".contains(c) {
                        break;
                    }
                    id.push(c);
                    chars.next();
                }
                out.push(Tok::Ident(id));
            }
        }
    }
    out.push(Tok::End);
    out
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
}

/// Parses a kubectl-style selector: comma-separated requirements, each one of
/// `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`,
/// `key notin (v1,v2)`, `key` (exists) or `!key` (does not exist).
/// Whitespace around tokens is ignored; the empty string selects everything.
///
/// Errors name the selector and the offending part, e.g.
/// `invalid label selector "a in x": expected "(" after "in"`.
pub fn parse(s: &str) -> Result<Selector, Error> {
    parse_inner(s)
        .map_err(|msg| Error::InvalidInput(format!("invalid label selector {s:?}: {msg}")))
}

fn parse_inner(s: &str) -> Result<Selector, String> {
    let mut p = Parser {
        toks: lex(s),
        pos: 0,
    };
    let mut requirements = Vec::new();
    if *p.peek() == Tok::End {
        return Ok(Selector { requirements });
    }
    loop {
        requirements.push(parse_requirement(&mut p)?);
        match p.next() {
            Tok::End => break,
            Tok::Comma => {
                if *p.peek() == Tok::End {
                    return Err("expected a requirement after \",\"".into());
                }
            }
            other => {
                return Err(format!(
                    "expected \",\" or end of input after requirement {:?}, found {}",
                    requirements
                        .last()
                        .map(|r: &Requirement| r.key.as_str())
                        .unwrap_or(""),
                    other.describe()
                ))
            }
        }
    }
    Ok(Selector { requirements })
}

fn parse_requirement(p: &mut Parser) -> Result<Requirement, String> {
    if *p.peek() == Tok::Not {
        p.next();
        let key = match p.next() {
            Tok::Ident(k) => k,
            other => {
                return Err(format!(
                    "expected a label key after \"!\", found {}",
                    other.describe()
                ))
            }
        };
        validate_key(&key)?;
        return Ok(Requirement {
            key,
            operator: Operator::DoesNotExist,
            values: vec![],
        });
    }
    let key = match p.next() {
        Tok::Ident(k) => k,
        other => return Err(format!("expected a label key, found {}", other.describe())),
    };
    validate_key(&key)?;
    let (operator, values) = match p.peek().clone() {
        Tok::Comma | Tok::End => (Operator::Exists, vec![]),
        Tok::Eq | Tok::DoubleEq | Tok::NotEq => {
            let op_tok = p.next();
            let value = match p.peek().clone() {
                Tok::Ident(v) => {
                    p.next();
                    v
                }
                Tok::Comma | Tok::End => String::new(),
                other => {
                    return Err(format!(
                        "expected a value after {} for key {key:?}, found {}",
                        op_tok.describe(),
                        other.describe()
                    ))
                }
            };
            validate_value(&value)?;
            let op = if op_tok == Tok::NotEq {
                Operator::NotEquals
            } else {
                Operator::Equals
            };
            (op, vec![value])
        }
        Tok::Ident(word) if word == "in" || word == "notin" => {
            p.next();
            if p.next() != Tok::Open {
                return Err(format!("expected \"(\" after {word:?}"));
            }
            let values = parse_values(p, &word)?;
            if values.is_empty() {
                return Err(format!("values of {word:?} for key {key:?} must not be empty"));
            }
            let op = if word == "in" {
                Operator::In
            } else {
                Operator::NotIn
            };
            (op, values)
        }
        Tok::Cmp(c) => {
            return Err(format!(
                "operator \"{c}\" after key {key:?} is not supported (use =, ==, !=, in, notin)"
            ))
        }
        other => {
            return Err(format!(
                "expected one of \"=\", \"==\", \"!=\", \"in\", \"notin\", \",\" after key {key:?}, found {}",
                other.describe()
            ))
        }
    };
    Ok(Requirement {
        key,
        operator,
        values,
    })
}

/// After `(`: `v1, v2, ...)`; empty items are empty-string values.
fn parse_values(p: &mut Parser, word: &str) -> Result<Vec<String>, String> {
    let mut values = Vec::new();
    if *p.peek() == Tok::Close {
        p.next();
        return Ok(values);
    }
    loop {
        let v = match p.peek().clone() {
            Tok::Ident(v) => {
                p.next();
                v
            }
            Tok::Comma | Tok::Close => String::new(),
            other => {
                return Err(format!(
                    "expected a value in the list of {word:?}, found {}",
                    other.describe()
                ))
            }
        };
        validate_value(&v)?;
        values.push(v);
        match p.next() {
            Tok::Comma => continue,
            Tok::Close => return Ok(values),
            other => {
                return Err(format!(
                    "expected \",\" or \")\" in the list of {word:?}, found {}",
                    other.describe()
                ))
            }
        }
    }
}

/// A name part of a label key or a label value: at most 63 characters of
/// `[A-Za-z0-9._-]`, starting and ending with an alphanumeric character.
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A DNS-1123 subdomain (key prefix).
fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

fn validate_key(key: &str) -> Result<(), String> {
    let ok = match key.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_label_name(name),
        None => is_label_name(key),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid label key {key:?} (an optional DNS subdomain prefix and \"/\", then at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit)"
        ))
    }
}

fn validate_value(v: &str) -> Result<(), String> {
    if v.is_empty() || is_label_name(v) {
        Ok(())
    } else {
        Err(format!(
            "invalid label value {v:?} (at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit)"
        ))
    }
}

#[cfg(test)]
mod tests {
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
}
