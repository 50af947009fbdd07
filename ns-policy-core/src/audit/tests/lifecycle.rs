//! `lifecycle.*` checks: preview expiry, namespaces stuck terminating.

use super::*;

#[test]
fn lifecycle_preview_expiry() {
    let mut f = rendered("preview");
    f.annotate(crate::EXPIRES_AT_ANNOTATION, Some("2025-06-01T11:00:00Z"));
    let r = f.audit();
    let e = only(&r, "lifecycle.expired");
    assert!(e.remediation.contains("kubectl ns-policy gc"));
    assert_eq!(ids(&r).len(), 1);
    f.annotate(crate::EXPIRES_AT_ANNOTATION, None);
    assert_eq!(ids(&f.audit()), ["lifecycle.expiry-missing"]);
    f.annotate(crate::EXPIRES_AT_ANNOTATION, Some("tomorrow"));
    assert_eq!(ids(&f.audit()), ["lifecycle.expiry-invalid"]);
    // Non-preview profiles need no expiry.
    assert_clean(&rendered("app").audit());
}

#[test]
fn lifecycle_stuck_terminating_after_five_minutes() {
    let mut f = rendered("app");
    let at = |minutes: i64| {
        let t = now() - Duration::minutes(minutes);
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            k8s_openapi::jiff::Timestamp::from_second(t.timestamp()).unwrap(),
        )
    };
    f.ns.metadata.deletion_timestamp = Some(at(2));
    assert_clean(&f.audit());
    f.ns.metadata.deletion_timestamp = Some(at(10));
    let r = f.audit();
    let s = only(&r, "lifecycle.stuck-terminating");
    assert!(s.message.contains("10 minutes"), "{}", s.message);
}
