//! `labels.*` checks: required, empty and unknown-profile labels.

use super::*;

#[test]
fn labels_required_missing_and_empty() {
    let mut f = rendered("app");
    f.label("team", None).label("cost-center", Some(""));
    let r = f.audit();
    let missing = only(&r, "labels.required-missing");
    assert!(missing.message.contains("team"), "{}", missing.message);
    assert_eq!(missing.severity, Severity::Error);
    assert_eq!(missing.object.as_deref(), Some("Namespace/shop-prod"));
    assert!(only(&r, "labels.required-empty")
        .message
        .contains("cost-center"));
    assert_eq!(r.findings.len(), 2, "{:#?}", r.findings);
}

#[test]
fn labels_unknown_profile_is_a_warning() {
    let mut f = rendered("app");
    f.label(crate::PROFILE_LABEL, Some("gold"));
    let r = f.audit();
    let w = only(&r, "labels.unknown-profile");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("gold"));
    assert_eq!(r.profile, "app");
    assert_eq!(ids(&r), ["labels.unknown-profile"]);
}
