//! `{variable}` templates in profile strings (fixed labels and annotations,
//! allows, RBAC names): `pr-{pr}`, `{cluster}-agent`, `{team}-admins`.
//!
//! Variables: `name` (the namespace), `profile`, the named captures of the
//! name rule that chose the profile (`(?P<pr>[0-9]+)`), and the namespace's
//! labels by key (`{team}`, `{cost-center}`, the environment label). `{{`
//! and `}}` stand for literal braces.

use std::collections::BTreeMap;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Brace(char),
    Var(&'a str),
}

fn pieces(s: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let Some(i) = rest.find(['{', '}']) else {
            out.push(Piece::Text(rest));
            break;
        };
        if i > 0 {
            out.push(Piece::Text(&rest[..i]));
        }
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push(Piece::Brace('{'));
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push(Piece::Brace('}'));
            rest = after;
        } else if tail.starts_with('}') {
            return Err(format!(
                "{s:?}: unmatched '}}' (write '}}}}' for a literal brace)"
            ));
        } else {
            let Some(end) = tail.find('}') else {
                return Err(format!("{s:?}: '{{' without a closing '}}'"));
            };
            let name = &tail[1..end];
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
            {
                return Err(format!(
                    "{s:?}: {{{name}}} is not a variable name (letters, digits, '_', '-', '.', '/')"
                ));
            }
            out.push(Piece::Var(name));
            rest = &tail[end + 1..];
        }
    }
    Ok(out)
}

/// The variables a template uses; an error for malformed braces.
pub(crate) fn variables(s: &str) -> Result<Vec<&str>, String> {
    Ok(pieces(s)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            _ => None,
        })
        .collect())
}

/// Expands a template; an error names a variable without a value.
pub(crate) fn expand(s: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    for p in pieces(s)? {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Brace(c) => out.push(c),
            Piece::Var(v) => match vars.get(v) {
                Some(value) => out.push_str(value),
                None => {
                    return Err(format!(
                        "{s:?} uses {{{v}}}, which has no value here (known: {})",
                        vars.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                }
            },
        }
    }
    Ok(out)
}

/// Expands every string of a JSON value in place.
pub(crate) fn expand_value(
    value: &mut serde_json::Value,
    vars: &BTreeMap<String, String>,
) -> Result<(), String> {
    match value {
        serde_json::Value::String(s) => {
            if s.contains(['{', '}']) {
                *s = expand(s, vars)?;
            }
            Ok(())
        }
        serde_json::Value::Array(a) => a.iter_mut().try_for_each(|v| expand_value(v, vars)),
        serde_json::Value::Object(m) => m.values_mut().try_for_each(|v| expand_value(v, vars)),
        _ => Ok(()),
    }
}

/// Every string of a JSON value with its JSON pointer below `at`.
pub(crate) fn strings<'a>(
    value: &'a serde_json::Value,
    at: &str,
    out: &mut Vec<(String, &'a str)>,
) {
    match value {
        serde_json::Value::String(s) => out.push((at.to_string(), s)),
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                strings(v, &format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                strings(v, &format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("name".to_string(), "pr-42".to_string()),
            ("pr".to_string(), "42".to_string()),
            ("team".to_string(), "web".to_string()),
        ])
    }

    #[test]
    fn variables_expand_and_double_braces_are_literal() {
        assert_eq!(expand("pr-{pr}", &vars()).unwrap(), "pr-42");
        assert_eq!(expand("{team}-admins", &vars()).unwrap(), "web-admins");
        assert_eq!(expand("{{literal}}", &vars()).unwrap(), "{literal}");
        assert_eq!(expand("plain", &vars()).unwrap(), "plain");
        assert_eq!(variables("{a}-{b}x{{c}}").unwrap(), ["a", "b"]);
    }

    #[test]
    fn unknown_variables_and_stray_braces_are_errors() {
        let e = expand("{cluster}-ns", &vars()).unwrap_err();
        assert!(
            e.contains("{cluster}") && e.contains("name, pr, team"),
            "{e}"
        );
        assert!(variables("{oops").unwrap_err().contains("closing"));
        assert!(variables("oops}").unwrap_err().contains("unmatched"));
        assert!(variables("{}").unwrap_err().contains("not a variable"));
        assert!(variables("{a b}").unwrap_err().contains("not a variable"));
    }

    #[test]
    fn json_strings_expand_everywhere() {
        let mut v = serde_json::json!({"a": ["{team}", 5, {"b": "x-{pr}"}]});
        expand_value(&mut v, &vars()).unwrap();
        assert_eq!(v, serde_json::json!({"a": ["web", 5, {"b": "x-42"}]}));
        let mut all = Vec::new();
        let v = serde_json::json!({"k/x": ["s"]});
        strings(&v, "/p", &mut all);
        assert_eq!(all, [("/p/k~1x/0".to_string(), "s")]);
    }
}
