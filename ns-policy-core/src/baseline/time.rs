//! Durations and times of the lifecycle keys: TTLs (`4h`, `2d`), the expiry
//! they give, and the annotation formats `gc` and `audit` read back.

use std::time::Duration;

/// Parses an expiry or creation annotation: RFC 3339, or a date
/// (`2026-05-01`, midnight UTC) or minutes (`2026-05-01T12:00`, UTC) as
/// kube-janitor writes them.
pub fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return Some(Utc.from_utc_datetime(&t));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

/// The latest expiry an annotation can hold and be read back: RFC 3339
/// has four-digit years.
pub const LATEST_EXPIRY: &str = "9999-12-31T23:59:59Z";

/// `now + ttl`, the expiry a namespace with this TTL gets. A TTL whose
/// expiry overflows, or lands past [`LATEST_EXPIRY`] (an annotation nobody
/// could read back, so `gc` would never reap the namespace), is refused
/// naming the TTL.
pub fn expires_at(
    now: chrono::DateTime<chrono::Utc>,
    ttl: Duration,
) -> std::result::Result<chrono::DateTime<chrono::Utc>, crate::error::InvalidValue> {
    let latest = chrono::DateTime::parse_from_rfc3339(LATEST_EXPIRY)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok();
    let expiry = chrono::Duration::from_std(ttl)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .filter(|t| latest.is_some_and(|l| *t <= l));
    expiry.ok_or_else(|| {
        let text = format_duration(ttl);
        crate::error::InvalidValue::new(
            crate::error::ValueKind::Ttl,
            text.clone(),
            format!(
                "TTL {text} is too long: the expiry would be after {LATEST_EXPIRY}, which an RFC 3339 annotation cannot hold (use a TTL of at most a few years)"
            ),
        )
    })
}

/// A duration as [`parse_duration`] reads it back (`90m` -> `1h30m`, `86400s` -> `1d`).
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400u64), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// Parses a duration like `4h`, `90m`, `1h30m`, `2d`, `1w`, `45s`.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, crate::error::InvalidValue> {
    let err = || {
        crate::error::InvalidValue::new(
            crate::error::ValueKind::Duration,
            s,
            format!("invalid duration {s:?} (expected e.g. 30m, 4h, 1h30m, 2d, 1w)"),
        )
    };
    let s = s.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().map_err(|_| err())?;
        digits.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(err()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(err)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(err());
    }
    Ok(Duration::from_secs(total))
}
