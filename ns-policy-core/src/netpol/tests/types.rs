//! The value types: protocol parsing and display, namespace labels.

use super::*;

#[test]
fn protocol_parses_case_insensitively_and_displays_uppercase() {
    assert_eq!("tcp".parse::<Protocol>().unwrap(), Protocol::Tcp);
    assert_eq!("Udp".parse::<Protocol>().unwrap(), Protocol::Udp);
    assert_eq!("SCTP".parse::<Protocol>().unwrap(), Protocol::Sctp);
    assert!("icmp"
        .parse::<Protocol>()
        .unwrap_err()
        .to_string()
        .contains("\"icmp\""));
    assert_eq!(Protocol::Udp.to_string(), "UDP");
    assert_eq!(serde_json::to_string(&Protocol::Sctp).unwrap(), "\"SCTP\"");
    assert_eq!(
        serde_json::from_str::<Protocol>("\"TCP\"").unwrap(),
        Protocol::Tcp
    );
    assert_eq!(Protocol::default(), Protocol::Tcp);
}

#[test]
fn namespace_info_new_adds_metadata_name_label() {
    let n = NamespaceInfo::new("pr-1", labels(&[("team", "a")]));
    assert_eq!(
        n.labels.get(NAMESPACE_NAME_LABEL).map(String::as_str),
        Some("pr-1")
    );
    assert_eq!(n.labels.get("team").map(String::as_str), Some("a"));
}
