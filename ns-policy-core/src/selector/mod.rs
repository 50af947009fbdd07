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
//!
//! This file holds the types and the matching; `parse.rs` holds the string
//! syntax.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::Error;

mod parse;
#[cfg(test)]
mod tests;

pub use parse::parse;

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
