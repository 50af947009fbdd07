//! Unit tests of the level and version parsing.

use super::*;

#[test]
fn level_order_parse_display() {
    assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
    for l in Level::ALL {
        assert_eq!(l.to_string().parse::<Level>().unwrap(), l);
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            format!("\"{}\"", l.as_str())
        );
    }
    let err = "Baseline".parse::<Level>().unwrap_err().to_string();
    assert!(err.contains("privileged, baseline, restricted"), "{err}");
}

#[test]
fn versions() {
    for ok in ["latest", "v1.0", "v1.33", "v1.100"] {
        assert!(parse_version(ok).is_ok(), "{ok}");
    }
    for bad in [
        "", "v1", "v1.", "v2.0", "1.33", "v1.033", "v1.3a", "Latest", "v1.33.0",
    ] {
        assert!(parse_version(bad).is_err(), "{bad}");
    }
}
