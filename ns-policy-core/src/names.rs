//! Validation of namespace names and `key=value` labels as the API server
//! does it.

use std::collections::BTreeMap;

use crate::error::{Error, InvalidValue, Result, ValueKind};

/// Checks that `name` is a DNS-1123 label, the rule the API server applies to
/// namespace names: at most 63 characters of lowercase letters, digits and
/// '-', starting and ending with a letter or digit.
pub fn validate_namespace_name(name: &str) -> Result<()> {
    let reason = if name.is_empty() {
        Some("must not be empty".to_string())
    } else if name.len() > 63 {
        Some(format!("is {} characters long", name.len()))
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        Some(format!("contains {c:?}"))
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("must start and end with a letter or digit".to_string())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Checks a DNS-1123 subdomain (names of most objects: NetworkPolicies,
/// ServiceAccounts, RoleBindings): at most 253 characters of lowercase
/// letters, digits, '-' and '.', each dot-separated part starting and ending
/// with a letter or digit.
pub fn validate_subdomain(name: &str) -> std::result::Result<(), InvalidValue> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(InvalidValue::new(ValueKind::Subdomain, name, format!(
            "{name:?} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters, starting and ending with a letter or digit)"
        )))
    }
}

/// Checks a named container port (an IANA service name): 1 to 15 lowercase
/// letters, digits and '-', with at least one letter, no leading, trailing
/// or double '-'.
pub fn validate_port_name(name: &str) -> std::result::Result<(), InvalidValue> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(InvalidValue::new(ValueKind::PortName, name, format!(
            "{name:?} is not a port name (1-15 lowercase letters, digits and '-', with a letter; e.g. http, tcp-8080)"
        )))
    }
}

/// Checks a label key: an optional DNS-1123 subdomain prefix and '/', then a
/// name of at most 63 characters of alphanumerics, '-', '_' and '.',
/// starting and ending with an alphanumeric.
pub fn validate_label_key(key: &str) -> std::result::Result<(), InvalidValue> {
    label_key(key).map_err(|m| InvalidValue::new(ValueKind::LabelKey, key, m))
}

fn label_key(key: &str) -> std::result::Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() || prefix.len() > 253 {
            return Err(format!(
                "label key {key:?}: the prefix must be a DNS subdomain of 1 to 253 characters"
            ));
        }
        let ok = prefix.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        });
        if !ok {
            return Err(format!(
                "label key {key:?}: the prefix must be a lowercase DNS subdomain"
            ));
        }
    }
    validate_label_value_chars(name, false)
        .map_err(|e| format!("label key {key:?}: the name part {e}"))
}

/// Checks a label value: empty, or at most 63 characters of alphanumerics,
/// '-', '_' and '.', starting and ending with an alphanumeric.
pub fn validate_label_value(value: &str) -> std::result::Result<(), InvalidValue> {
    validate_label_value_chars(value, true).map_err(|e| {
        InvalidValue::new(
            ValueKind::LabelValue,
            value,
            format!("label value {value:?} {e}"),
        )
    })
}

fn validate_label_value_chars(s: &str, allow_empty: bool) -> std::result::Result<(), String> {
    if s.is_empty() {
        return if allow_empty {
            Ok(())
        } else {
            Err("must not be empty".into())
        };
    }
    if s.len() > 63 {
        return Err(format!("is {} characters long (at most 63)", s.len()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains {c:?} (allowed: letters, digits, '-', '_', '.')"
        ));
    }
    let first = s.chars().next().unwrap_or('a');
    let last = s.chars().last().unwrap_or('a');
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// Parses `--label k=v` arguments into a map, validating keys and values.
pub fn parse_labels<S: AsRef<str>>(args: &[S]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for arg in args {
        let arg = arg.as_ref();
        let bad = |why: String| -> Error {
            InvalidValue::new(
                ValueKind::LabelArgument,
                arg,
                format!("invalid label {arg:?}: {why}"),
            )
            .into()
        };
        let (k, v) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=VALUE, e.g. team=payments".into()))?;
        validate_label_key(k).map_err(|e| bad(e.to_string()))?;
        validate_label_value(v).map_err(|e| bad(e.to_string()))?;
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns1123_labels() {
        for ok in [
            "a",
            "staging",
            "pr-123",
            "team-a-pr-9",
            "0abc",
            &"a".repeat(63),
        ] {
            validate_namespace_name(ok).unwrap();
        }
    }

    #[test]
    fn rejects_names_that_are_not_dns1123_labels() {
        for bad in [
            "",
            "Staging",
            "pr_1",
            "-a",
            "a-",
            "a.b",
            "ä",
            &"a".repeat(64),
            "a b",
        ] {
            let err = validate_namespace_name(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
            assert!(err.contains("DNS-1123"), "{err}");
        }
    }

    #[test]
    fn parses_and_validates_labels() {
        let m = parse_labels(&[
            "team=payments",
            "cost-center=cc-42",
            "example.com/tier=gold",
        ])
        .unwrap();
        assert_eq!(m["team"], "payments");
        assert_eq!(m["example.com/tier"], "gold");
        assert!(parse_labels(&["team"])
            .unwrap_err()
            .to_string()
            .contains("KEY=VALUE"));
        assert!(parse_labels(&["team=a b"]).is_err());
        assert!(parse_labels(&["Bad_Prefix/x=1"]).is_err());
        assert!(parse_labels(&["=x"]).is_err());
        assert!(parse_labels(&["env="]).is_ok());
    }
}
