//! `pod-security.*` checks: the PSA labels, their levels and versions, the
//! dry-run warnings, and how warning headers are unwrapped.

use super::*;

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

#[test]
fn pod_security_enforce_missing_weaker_invalid() {
    let mut f = rendered("app");
    f.label(ENFORCE, None);
    assert_eq!(ids(&f.audit()), ["pod-security.enforce-missing"]);
    f.label(ENFORCE, Some("baseline"));
    let r = f.audit();
    assert_eq!(ids(&r), ["pod-security.enforce-weaker"]);
    assert!(r.findings[0].remediation.contains("enforce=restricted"));
    f.label(ENFORCE, Some("strict"));
    assert_eq!(ids(&f.audit()), ["pod-security.enforce-invalid"]);
}

#[test]
fn pod_security_stricter_enforce_passes() {
    let mut f = rendered("platform");
    f.label(ENFORCE, Some("restricted"));
    assert_clean(&f.audit());
}

#[test]
fn pod_security_warn_audit_missing_are_warnings_and_versions_checked() {
    let mut f = rendered("app");
    f.label("pod-security.kubernetes.io/warn", None)
        .label("pod-security.kubernetes.io/audit", None);
    let r = f.audit();
    assert_eq!(
        ids(&r),
        ["pod-security.audit-missing", "pod-security.warn-missing"]
    );
    assert!(r.findings.iter().all(|f| f.severity == Severity::Warning));

    let mut f = rendered("app");
    f.label("pod-security.kubernetes.io/enforce-version", Some("1.33"));
    assert_eq!(ids(&f.audit()), ["pod-security.version-invalid"]);
    // A valid version other than the profile's is drift: pods are judged by
    // older rules.
    f.label("pod-security.kubernetes.io/enforce-version", Some("v1.33"));
    let d = only(&f.audit(), "pod-security.version-drift");
    assert_eq!(d.severity, Severity::Warning);
    assert!(d.message.contains("enforce-version=v1.33"), "{}", d.message);
    f.label("pod-security.kubernetes.io/enforce-version", Some("latest"));
    f.label("pod-security.kubernetes.io/warn", Some("nope"));
    assert_eq!(ids(&f.audit()), ["pod-security.warn-invalid"]);
    // Weaker warn/audit levels are drift too.
    f.label("pod-security.kubernetes.io/warn", Some("baseline"));
    f.label("pod-security.kubernetes.io/audit", Some("privileged"));
    assert_eq!(
        ids(&f.audit()),
        ["pod-security.audit-weaker", "pod-security.warn-weaker"]
    );
}

#[test]
fn pod_security_dry_run_warnings_become_findings_naming_the_pod() {
    let mut f = rendered("app");
    f.dry_run = Some(Access::Known(vec![
        "existing pods in namespace \"shop-prod\" violate the new PodSecurity enforce level \"restricted:latest\"".into(),
        "web-1: allowPrivilegeEscalation != false, unrestricted capabilities".into(),
    ]));
    let r = f.audit();
    let d = only(&r, "pod-security.dry-run-rejected");
    assert_eq!(d.object.as_deref(), Some("Pod/web-1"));
    assert!(d.message.contains("allowPrivilegeEscalation"));
    f.dry_run = Some(Access::Known(Vec::new()));
    assert_clean(&f.audit());
}

#[test]
fn a_refused_pod_security_dry_run_is_unknown_not_dropped() {
    let mut f = rendered("app");
    f.dry_run = Some(Access::Forbidden(
        "forbidden: cannot patch namespaces (dry run)".into(),
    ));
    let r = f.audit();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.unknown.len(), 1, "{:#?}", r.unknown);
    assert_eq!(r.unknown[0].check, "pod-security.dry-run-rejected");
    assert!(r.unknown[0].reason.contains("cannot patch namespaces"));
    assert_eq!(r.verdict(), NamespaceStatus::Unknown);
}

#[test]
fn warning_headers_are_unwrapped() {
    assert_eq!(
        parse_warning(r#"299 - "web-1: privileged""#),
        "web-1: privileged"
    );
    assert_eq!(
        parse_warning(r#"299 - "existing pods in namespace \"x\" violate""#),
        r#"existing pods in namespace "x" violate"#
    );
    assert_eq!(parse_warning("plain"), "plain");
}
