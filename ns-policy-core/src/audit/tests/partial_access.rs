//! Partial access: forbidden lists make checks unknown, never passing.

use super::*;

#[test]
fn forbidden_lists_give_unknown_never_pass() {
    let mut f = rendered("app");
    f.policies.clear();
    f.quotas.clear();
    let r = f.audit_with(|s| {
        s.network_policies = Access::Forbidden("cannot list networkpolicies".into());
        s.resource_quotas = Access::Forbidden("cannot list resourcequotas".into());
        s.pods = Access::Forbidden("cannot list pods".into());
        s.role_bindings = Access::Forbidden("cannot list rolebindings".into());
    });
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    let unknown: Vec<&str> = r.unknown.iter().map(|u| u.check.as_str()).collect();
    for id in [
        "network-policy.ingress-not-isolated",
        "network-policy.egress-not-isolated",
        "network-dns.blocked",
        "resource-quota.missing",
        "rbac.cluster-admin-binding",
        "workload-security.pods",
        "workload-resources.pods",
    ] {
        assert!(unknown.contains(&id), "{id} not in {unknown:?}");
    }
    assert!(r.unknown.iter().any(
        |u| u.reason == "cannot list networkpolicies" && u.category == Category::NetworkPolicy
    ));
    let report = AuditReport::new(vec![r]);
    assert!(report.summary.unknown_checks >= 7);
    assert!(!report.exceeds(Severity::Info));
}

#[test]
fn forbidden_role_list_makes_wildcard_check_unknown_for_role_bindings() {
    let f = rendered("app");
    let r = f.audit_with(|s| s.roles = Access::Forbidden("cannot list roles".into()));
    assert!(r.findings.is_empty());
    let unknown: Vec<&str> = r.unknown.iter().map(|u| u.check.as_str()).collect();
    assert_eq!(unknown, ["rbac.role-missing", "rbac.wildcard-role-binding"]);
}
