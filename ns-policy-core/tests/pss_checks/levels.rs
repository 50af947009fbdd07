//! Level and version label parsing.

use ns_policy_core::pss::{parse_version, Level};

#[test]
fn level_and_version_parsing() {
    assert_eq!("restricted".parse::<Level>().unwrap(), Level::Restricted);
    let err = "strict".parse::<Level>().unwrap_err().to_string();
    assert!(
        err.contains("\"strict\"") && err.contains("privileged, baseline, restricted"),
        "{err}"
    );
    assert_eq!(
        serde_json::from_str::<Level>("\"baseline\"").unwrap(),
        Level::Baseline
    );
    assert!(serde_json::from_str::<Level>("\"Baseline\"").is_err());
    assert_eq!(Level::Restricted.to_string(), "restricted");
    assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
    assert!(parse_version("latest").is_ok());
    assert!(parse_version("v1.33").is_ok());
    assert!(parse_version("v1.0").is_ok());
    let err = parse_version("1.33").unwrap_err();
    let err = err.to_string();
    assert!(err.contains("latest") && err.contains("v1.x"), "{err}");
    assert!(parse_version("v2.1").is_err());
    assert!(parse_version("v1.33.1").is_err());
}
