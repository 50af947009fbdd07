//! Scalar resolution as go-yaml v2 does it (plain scalars to null, bool,
//! int, float or string; explicit tags), and resolved scalars as JSON values
//! and keys the way sigs.k8s.io/yaml converts them.

use std::borrow::Cow;
use std::fmt;

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::Value;

/// What a scalar resolves to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// The scalar's text.
    Str,
}

/// go-yaml v2's `resolve("", s)` for a plain scalar.
pub(super) fn resolve_plain(s: &str) -> Resolved {
    let Some(&first) = s.as_bytes().first() else {
        return Resolved::Null;
    };
    // go-yaml's hint table: only these first bytes can resolve to non-strings.
    if !matches!(first, b'+' | b'-' | b'0'..=b'9' | b'.' | b'~') && !b"yYnNtTfFoO".contains(&first)
    {
        return Resolved::Str;
    }
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Resolved::Bool(false)
        }
        "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match first {
        b'.' => go_parse_dot_float(s).map_or(Resolved::Str, Resolved::Float),
        b'+' | b'-' | b'0'..=b'9' => {
            let plain: Cow<str> = if s.contains('_') {
                Cow::Owned(s.replace('_', ""))
            } else {
                Cow::Borrowed(s)
            };
            if let Some(r) = go_parse_int(&plain) {
                return r;
            }
            if is_yaml_style_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    if f.is_finite() {
                        return Resolved::Float(f);
                    }
                }
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// `strconv.ParseInt(s, 0, 64)`, then `strconv.ParseUint(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<Resolved> {
    let (negative, signed, body) = match s.as_bytes().first()? {
        b'-' => (true, true, &s[1..]),
        b'+' => (false, true, &s[1..]),
        _ => (false, false, s),
    };
    let magnitude = go_parse_uint_base0(body.as_bytes())?;
    if negative {
        (magnitude <= 1 << 63).then(|| Resolved::Int((magnitude as i64).wrapping_neg()))
    } else if let Ok(i) = i64::try_from(magnitude) {
        Some(Resolved::Int(i))
    } else {
        // ParseUint takes no sign.
        (!signed).then_some(Resolved::UInt(magnitude))
    }
}

/// `strconv.ParseUint(s, 0, 64)` of Go >= 1.13 (prefixes 0b, 0o, 0x, and a
/// leading 0 for octal), without underscores.
fn go_parse_uint_base0(s: &[u8]) -> Option<u64> {
    let (base, digits) = match s {
        [] => return None,
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'b') => (2, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'o') => (8, &s[2..]),
        [b'0', p, _, ..] if p.eq_ignore_ascii_case(&b'x') => (16, &s[2..]),
        [b'0', ..] => (8, &s[1..]),
        _ => (10, s),
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' | b'A'..=b'Z' => c.to_ascii_lowercase() - b'a' + 10,
            _ => return None,
        };
        if u64::from(d) >= base {
            return None;
        }
        n = n.checked_mul(base)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` of a scalar starting with `.`: `.5`, `.5e3`,
/// underscores only between digits; out of range is not a float.
fn go_parse_dot_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_'
            && !(i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
    }
    let plain = s.replace('_', "");
    if !is_yaml_style_float(&plain) {
        return None;
    }
    plain.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// The name of a tag of the YAML core schema (`!!int` -> `int`).
pub(super) fn core_tag(tag: &Tag) -> Option<&str> {
    const CORE: &str = "tag:yaml.org,2002:";
    if tag.handle == CORE {
        Some(&tag.suffix)
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix(CORE)
    } else {
        None
    }
}

/// A scalar resolved, with the text to use when it is a string.
pub(super) fn resolve_scalar<'s>(
    text: Cow<'s, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> std::result::Result<(Resolved, Cow<'s, str>), String> {
    let Some(tag) = tag else {
        let r = if style == ScalarStyle::Plain {
            resolve_plain(&text)
        } else {
            Resolved::Str
        };
        return Ok((r, text));
    };
    let want = match core_tag(tag) {
        Some(name @ ("bool" | "int" | "float" | "null")) => name,
        Some("binary") => {
            let decoded = decode_base64(&text).ok_or("!!binary value is not valid base64")?;
            return Ok((Resolved::Str, Cow::Owned(decoded)));
        }
        Some("timestamp") if looks_like_timestamp(&text) => return Ok((Resolved::Str, text)),
        Some("timestamp") => return Err(cannot_decode(resolve_plain(&text), &text, "timestamp")),
        // `!!str`, and like go-yaml v2 any other tag (`!foo`, `!!map` on a
        // scalar...): the text.
        _ => return Ok((Resolved::Str, text)),
    };
    let r = resolve_plain(&text);
    match (want, r) {
        ("bool", Resolved::Bool(_))
        | ("int", Resolved::Int(_) | Resolved::UInt(_))
        | ("float", Resolved::Float(_))
        | ("null", Resolved::Null) => Ok((r, text)),
        ("float", Resolved::Int(i)) => Ok((Resolved::Float(i as f64), text)),
        ("float", Resolved::UInt(u)) => Ok((Resolved::Float(u as f64), text)),
        _ => Err(cannot_decode(r, &text, want)),
    }
}

fn cannot_decode(r: Resolved, text: &str, want: &str) -> String {
    let got = match r {
        Resolved::Null => "null",
        Resolved::Bool(_) => "bool",
        Resolved::Int(_) | Resolved::UInt(_) => "int",
        Resolved::Float(_) => "float",
        Resolved::Str => "str",
    };
    format!("cannot decode !!{got} `{text}` as a !!{want}")
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Standard base64 (line breaks ignored), as go-yaml decodes `!!binary`.
fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut padding = 0;
    let mut count = 0;
    for c in text.bytes().filter(|c| !matches!(c, b'\r' | b'\n')) {
        count += 1;
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if count % 4 != 0 || padding > 2 {
        return None;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Whether a plain scalar is a boolean only in YAML 1.1.
pub(super) fn is_yaml11_only_boolean(s: &str) -> bool {
    matches!(resolve_plain(s), Resolved::Bool(_))
        && !matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// The JSON value of a resolved scalar.
pub(super) fn value_of(r: Resolved, text: Cow<'_, str>) -> std::result::Result<Value, String> {
    Ok(match r {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::UInt(u) => Value::from(u),
        Resolved::Float(f) => float_value(f).ok_or_else(|| {
            format!("`{text}` is not a number JSON can hold (kubectl rejects it too); quote it if a string is meant")
        })?,
        Resolved::Str => Value::String(exact(text)),
    })
}

/// The scalar's text as a `String` without the spare capacity the parser's
/// buffers have (workload values are kept whole: memory counts).
fn exact(text: Cow<'_, str>) -> String {
    match text {
        Cow::Owned(s) if s.capacity() > s.len() + s.len() / 4 + 8 => String::from(s.as_str()),
        text => text.into_owned(),
    }
}

/// A float as JSON: whole numbers as integers, like kubectl's JSON sends them.
pub(super) fn float_value(f: f64) -> Option<Value> {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f) {
        Some(Value::from(f as i64))
    } else if f.fract() == 0.0 && (0.0..2.0 * TWO_63).contains(&f) {
        Some(Value::from(f as u64))
    } else {
        serde_json::Number::from_f64(f).map(Value::Number)
    }
}

/// A mapping key as sigs.k8s.io/yaml converts it to a JSON key.
pub(super) fn key_of(r: Resolved, text: Cow<'_, str>) -> std::result::Result<String, String> {
    Ok(match r {
        Resolved::Str => exact(text),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Float(f) => go_format_g32(f),
        Resolved::UInt(_) => {
            return Err(format!(
                "mapping key {text} is larger than 2^63-1 (kubectl rejects it); quote it"
            ))
        }
        Resolved::Null => {
            return Err(format!(
                "mapping key {:?} is null (kubectl rejects null keys); quote it",
                &*text
            ))
        }
    })
}

/// A key that came from an alias.
pub(super) fn key_of_value(v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) if n.is_f64() => Ok(go_format_g32(n.as_f64().unwrap_or_default())),
        Value::Number(n) if n.is_i64() => Ok(n.to_string()),
        Value::Number(n) => key_of(
            Resolved::UInt(n.as_u64().unwrap_or_default()),
            n.to_string().into(),
        ),
        Value::Null => key_of(Resolved::Null, "null".into()),
        Value::Array(_) | Value::Object(_) => Err(COMPLEX_KEY.to_string()),
    }
}

pub(super) const COMPLEX_KEY: &str =
    "a mapping key must be a scalar (kubectl rejects sequence and mapping keys)";

/// The shortest decimal digits that read back as `f` (finite, not zero) and
/// the exponent of the first one: 1234.5 -> ("12345", 3).
pub(super) fn shortest_digits(f: impl fmt::LowerExp) -> (String, i32) {
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// YAML's `.nan`, `.inf`, `-.inf`.
pub(super) fn non_finite(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some(".nan")
    } else if f.is_infinite() {
        Some(if f > 0.0 { ".inf" } else { "-.inf" })
    } else {
        None
    }
}

pub(super) fn zeros(n: i32) -> String {
    "0".repeat(n.max(0) as usize)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` (how sigs.k8s.io/yaml prints
/// float keys).
pub(super) fn go_format_g32(f: f64) -> String {
    let x = f as f32;
    if let Some(special) = non_finite(f64::from(x)) {
        return special.to_string();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0");
    }
    let (digits, exp) = shortest_digits(x.abs());
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{sign}0.{}{digits}", zeros(-point))
    } else if point as usize >= digits.len() {
        format!("{sign}{digits}{}", zeros(point - digits.len() as i32))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    }
}
