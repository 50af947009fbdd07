//! Waivers: by annotation on the Namespace or an object, centrally in the
//! baseline; the ones that cannot be honoured are findings and waive
//! nothing; `--no-waivers` ignores them all.

use super::*;
use crate::baseline::{BaselineWaiver, WaiverPolicy};

fn no_quota() -> Fixture {
    let mut f = rendered("app");
    f.quotas.clear();
    f
}

fn waive(f: &mut Fixture, value: &str) {
    f.annotate(WAIVE_ANNOTATION, Some(value));
}

#[test]
fn a_namespace_annotation_waives_a_finding_with_its_reason_and_keeps_it_visible() {
    let mut f = no_quota();
    assert_eq!(ids(&f.audit()), ["resource-quota.missing"]);
    waive(
        &mut f,
        r#"[{"check": "resource-quota.missing", "reason": "batch namespace, quota by the scheduler (JIRA-12)", "expires": "2025-09-01"}]"#,
    );
    let r = f.audit();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.status, NamespaceStatus::Passed);
    assert_eq!(r.waived.len(), 1);
    let w = &r.waived[0];
    assert_eq!(w.finding.check, "resource-quota.missing");
    assert_eq!(
        w.waiver.reason,
        "batch namespace, quota by the scheduler (JIRA-12)"
    );
    assert_eq!(w.waiver.kind, WaiverKind::InSource);
    assert!(
        w.waiver.declared_in.contains("Namespace/"),
        "{}",
        w.waiver.declared_in
    );
    let report = AuditReport::new(vec![r]);
    assert_eq!(report.summary.waived, 1);
    assert_eq!(report.summary.errors, 0);
    // JSON carries the waived list; SARIF a suppression; JUnit a skip.
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(
        v["namespaces"][0]["waived"][0]["check"],
        "resource-quota.missing"
    );
    assert_eq!(
        v["namespaces"][0]["waived"][0]["waiver"]["kind"],
        "inSource"
    );
    let sarif = to_sarif(&report, &SarifOptions::default());
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
    assert_eq!(result["suppressions"][0]["status"], "accepted");
    assert!(result["suppressions"][0]["justification"]
        .as_str()
        .unwrap()
        .starts_with("batch namespace"));
    let junit = to_junit(&report, Severity::Error);
    assert!(
        junit.contains("<skipped message=\"resource-quota.missing: waived: batch namespace"),
        "{junit}"
    );
    assert!(!junit.contains("<failure"), "{junit}");
}

#[test]
fn waivers_without_a_reason_or_past_their_expiry_waive_nothing_and_are_findings() {
    let mut f = no_quota();
    waive(
        &mut f,
        r#"[{"check": "resource-quota.missing", "expires": "2025-09-01"}]"#,
    );
    let r = f.audit();
    assert_eq!(
        ids(&r),
        ["resource-quota.missing", "waivers.missing-reason"]
    );
    assert!(r.waived.is_empty());

    let mut f = no_quota();
    waive(
        &mut f,
        r#"{"check": "resource-quota.missing", "reason": "r", "expires": "2025-05-31"}"#,
    );
    let r = f.audit();
    assert_eq!(ids(&r), ["resource-quota.missing", "waivers.expired"]);
    assert!(only(&r, "waivers.expired").message.contains("2025-05-31"));

    let mut f = no_quota();
    waive(&mut f, "not json");
    let r = f.audit();
    assert_eq!(ids(&r), ["resource-quota.missing", "waivers.invalid"]);

    let mut f = no_quota();
    waive(
        &mut f,
        r#"[{"check": "resource-quota.nope", "reason": "r"}]"#,
    );
    assert_eq!(
        ids(&f.audit()),
        ["resource-quota.missing", "waivers.invalid"]
    );

    // A waiver never waives the findings about waivers.
    let mut f = no_quota();
    waive(
        &mut f,
        r#"[{"check": "waivers.*", "reason": "r"}, {"check": "resource-quota.missing"}]"#,
    );
    let r = f.audit();
    assert!(ids(&r).contains(&"waivers.invalid"), "{:?}", ids(&r));
    assert!(ids(&r).contains(&"waivers.missing-reason"), "{:?}", ids(&r));
}

#[test]
fn an_object_annotation_waives_only_that_objects_findings() {
    let binding = |name: &str, annotations: Value| -> RoleBinding {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": annotations},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}]
        }))
        .unwrap()
    };
    let mut f = rendered("app");
    f.bindings.push(binding(
        "break-glass",
        json!({WAIVE_ANNOTATION: r#"[{"check": "rbac.*", "reason": "on-call break-glass, reviewed monthly", "expires": "2025-07-01"}]"#}),
    ));
    f.bindings.push(binding("admins", json!({})));
    let r = f.audit();
    let found: Vec<(&str, Option<&str>)> = r
        .findings
        .iter()
        .map(|f| (f.check.as_str(), f.object.as_deref()))
        .collect();
    assert_eq!(
        found,
        [("rbac.cluster-admin-binding", Some("RoleBinding/admins"))]
    );
    assert_eq!(r.waived.len(), 1);
    assert_eq!(
        r.waived[0].finding.object.as_deref(),
        Some("RoleBinding/break-glass")
    );
}

fn baseline_with(w: BaselineWaiver, max_days: Option<u32>) -> Baseline {
    let mut b = Baseline::builtin();
    b.spec.waivers.push(w);
    b.spec.waiver_policy = WaiverPolicy { max_days };
    b
}

fn central(check: &str, expires: Option<&str>) -> BaselineWaiver {
    BaselineWaiver {
        check: check.into(),
        reason: "legacy team, migration planned (PLAT-9)".into(),
        expires: expires.map(Into::into),
        namespaces: Vec::new(),
        namespace_selector: Some("team=shop".into()),
        object: None,
    }
}

#[test]
fn baseline_waivers_match_namespaces_by_selector_and_obey_max_days() {
    let f = no_quota();
    let opts = AuditOptions::at(now());
    let r = f.audit_by(
        &baseline_with(central("resource-quota.*", Some("2025-07-01")), Some(90)),
        &opts,
        |_| {},
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.waived[0].waiver.kind, WaiverKind::External);
    assert_eq!(r.waived[0].waiver.declared_in, "baseline spec.waivers[0]");

    // Another team's namespaces are not covered.
    let mut w = central("resource-quota.missing", Some("2025-07-01"));
    w.namespace_selector = Some("team=other".into());
    let r = f.audit_by(&baseline_with(w, None), &opts, |_| {});
    assert_eq!(ids(&r), ["resource-quota.missing"]);

    // Longer than maxDays, or never expiring under maxDays: a finding.
    let r = f.audit_by(
        &baseline_with(
            central("resource-quota.missing", Some("2026-06-01")),
            Some(90),
        ),
        &opts,
        |_| {},
    );
    assert_eq!(ids(&r), ["resource-quota.missing", "waivers.too-long"]);
    let r = f.audit_by(
        &baseline_with(central("resource-quota.missing", None), Some(90)),
        &opts,
        |_| {},
    );
    assert_eq!(ids(&r), ["resource-quota.missing", "waivers.too-long"]);
    assert!(only(&r, "waivers.too-long")
        .message
        .contains("never expires"));
}

#[test]
fn no_waivers_reports_every_finding() {
    let mut f = no_quota();
    waive(
        &mut f,
        r#"[{"check": "resource-quota.missing", "reason": "r", "expires": "2025-09-01"}]"#,
    );
    let opts = AuditOptions {
        now: now(),
        ignore_waivers: true,
    };
    let r = f.audit_by(&Baseline::builtin(), &opts, |_| {});
    assert_eq!(ids(&r), ["resource-quota.missing"]);
    assert!(r.waived.is_empty());
}
