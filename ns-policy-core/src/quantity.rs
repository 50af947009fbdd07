//! Kubernetes resource quantities (`500m`, `2Gi`, `1e3`, `0.5`), parsed
//! exactly as the API server reads them, so that `2Gi` and `2048Mi` compare
//! equal and `1500m` is more than `1`.
//!
//! Grammar (apimachinery `resource.ParseQuantity`): an optional sign, a
//! decimal number (`1`, `1.5`, `.5`, `1.`), then a binary SI suffix (`Ki`
//! … `Ei`), a decimal SI suffix (`n`, `u`, `m`, none, `k`, `M`, `G`, `T`,
//! `P`, `E`) or a decimal exponent (`e3`, `E-2`). Values are compared in
//! nano units (10⁻⁹), the API server's smallest scale, rounding finer
//! fractions up as it does.

use std::cmp::Ordering;
use std::fmt;

/// A parsed quantity. Equality and order are by value (`1Gi == 1024Mi`);
/// [`Quantity::text`] keeps the text as written.
#[derive(Clone, Debug)]
pub struct Quantity {
    text: String,
    /// The value in nano units (10⁻⁹), saturated at the i128 range.
    nanos: i128,
}

impl Quantity {
    /// Parses a quantity; the error says what is wrong with it.
    pub fn parse(s: &str) -> Result<Quantity, crate::error::InvalidValue> {
        let bad = |why: &str| {
            crate::error::InvalidValue::new(
                crate::error::ValueKind::Quantity,
                s,
                format!("{s:?} is not a Kubernetes quantity ({why}; e.g. 500m, 2, 1.5, 4Gi, 1e3)"),
            )
        };
        if s.is_empty() {
            return Err(bad("empty"));
        }
        if s.trim() != s {
            return Err(bad("surrounding spaces"));
        }
        let (negative, rest) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_len);
        let (int, frac) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(bad("no digits"));
        }
        if frac.contains('.') {
            return Err(bad("two decimal points"));
        }
        // (power of ten, power of two) of the suffix.
        let (exp10, exp2): (i32, u32) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            e if e.starts_with(['e', 'E']) => {
                let digits = &e[1..];
                let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
                if unsigned.is_empty() || !unsigned.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad("bad exponent"));
                }
                let n: i32 = digits.parse().map_err(|_| bad("exponent too large"))?;
                if n.abs() > 60 {
                    return Err(bad("exponent too large"));
                }
                (n, 0)
            }
            _ => return Err(bad(&format!("unknown suffix {suffix:?}"))),
        };
        // digits (int ++ frac) × 10^(exp10 + 9 - frac.len()) × 2^exp2 nanos.
        let digits = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        let mut mantissa: i128 = 0;
        let mut dropped = false;
        let mut scale = exp10 + 9 - frac.len() as i32;
        for (i, d) in digits.bytes().enumerate() {
            match mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(d - b'0')))
            {
                Some(m) => mantissa = m,
                None => {
                    // Too many digits to hold: keep the magnitude.
                    scale += (digits.len() - i) as i32;
                    dropped = true;
                    break;
                }
            }
        }
        let mut nanos = mantissa;
        if scale >= 0 {
            for _ in 0..scale {
                nanos = nanos.saturating_mul(10);
            }
        } else {
            let mut remainder = false;
            for _ in 0..(-scale) {
                remainder |= nanos % 10 != 0;
                nanos /= 10;
            }
            if remainder || (dropped && nanos == 0) {
                nanos += 1; // finer than nano: rounded up, as the API server does
            }
        }
        nanos = nanos.saturating_mul(1i128 << exp2.min(100));
        Ok(Quantity {
            text: s.to_string(),
            nanos: if negative { -nanos } else { nanos },
        })
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True for a zero value (`0`, `0Gi`, `0.0`).
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// True for a negative value.
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// True for a whole number of units (`2`, `3k`, `1Gi`; not `1500m`).
    pub fn is_whole(&self) -> bool {
        self.nanos % 1_000_000_000 == 0
    }

    /// A whole number of units (`1`).
    pub fn from_units(n: i64) -> Quantity {
        Quantity {
            text: n.to_string(),
            nanos: i128::from(n) * 1_000_000_000,
        }
    }

    /// The value as a float (for ratios).
    pub fn as_f64(&self) -> f64 {
        self.nanos as f64 / 1e9
    }

    /// `self / other`, `None` when `other` is zero.
    pub fn ratio_to(&self, other: &Quantity) -> Option<f64> {
        (other.nanos != 0).then(|| self.nanos as f64 / other.nanos as f64)
    }
}

/// True when `s` parses as a quantity.
pub fn is_quantity(s: &str) -> bool {
    Quantity::parse(s).is_ok()
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}
impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn binary_and_decimal_suffixes_compare_by_value() {
        assert_eq!(q("2Gi"), q("2048Mi"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_eq!(q("1k"), q("1000"));
        assert_eq!(q("1500m"), q("1.5"));
        assert_eq!(q("0.5"), q(".5"));
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("1E-3"), q("1m"));
        assert_eq!(q("+2"), q("2"));
        assert_eq!(q("100m"), q("0.1"));
        assert!(q("1500m") > q("1"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("2Ti") > q("2T"));
        assert!(q("-1") < q("0"));
        assert!(q("0Gi").is_zero() && q("0.0").is_zero() && q("0").is_zero());
        assert_eq!(q("2Gi").text(), "2Gi");
    }

    #[test]
    fn fractions_finer_than_nano_round_up() {
        assert_eq!(q("0.0000000001"), q("1n"));
        assert_eq!(q("1.5n"), q("2n"));
        assert!(!q("0.0000000001").is_zero());
    }

    #[test]
    fn big_values_do_not_overflow() {
        assert!(q("8Ei") > q("7Ei"));
        assert!(q("99999999999999999999999999999999999999999999") > q("1E"));
    }

    #[test]
    fn malformed_quantities_are_rejected_with_the_value() {
        for bad in [
            "", "four", "1.2.3", "Gi", "1 Gi", "1GB", " 1", "1e", "1e+", "1ex", ".", "1gi", "--1",
            "1e999",
        ] {
            let err = Quantity::parse(bad).unwrap_err();
            let err = err.to_string();
            assert!(err.contains(&format!("{bad:?}")), "{bad}: {err}");
        }
        for ok in [
            "1", "500m", "4Gi", "0.5", "1e3", "2Ti", "+1", "1.", "-1", "1E+2",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
    }
}
