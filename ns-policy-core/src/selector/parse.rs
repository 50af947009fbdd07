//! The kubectl-style selector string syntax: lexer, recursive-descent parser
//! and validation of label keys and values.

use super::{Operator, Requirement, Selector};
use crate::Error;

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
    parse_inner(s).map_err(|msg| {
        crate::error::InvalidValue::new(
            crate::error::ValueKind::Selector,
            s,
            format!("invalid label selector {s:?}: {msg}"),
        )
        .into()
    })
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
