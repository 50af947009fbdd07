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

#[test]
fn a_namespace_with_unknown_checks_is_never_passed() {
    // The case: an identity that reads Namespaces but nothing else
    // audits a namespace that has none of the baseline's objects.
    let mut f = rendered("app");
    f.policies.clear();
    f.quotas.clear();
    f.limit_ranges.clear();
    f.roles.clear();
    f.bindings.clear();
    fn forbidden<T>(what: &str) -> Access<T> {
        Access::Forbidden(format!("forbidden: cannot list {what}"))
    }
    let r = f.audit_with(|s| {
        s.network_policies = forbidden("networkpolicies");
        s.resource_quotas = forbidden("resourcequotas");
        s.limit_ranges = forbidden("limitranges");
        s.roles = forbidden("roles");
        s.role_bindings = forbidden("rolebindings");
        s.cluster_roles = forbidden("clusterroles");
        s.cluster_role_bindings = forbidden("clusterrolebindings");
        s.service_accounts = forbidden("serviceaccounts");
        s.pods = forbidden("pods");
        s.workloads = forbidden("deployments");
    });
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.verdict(), NamespaceStatus::Unknown);
    let report = AuditReport::new(vec![r, rendered("data").audit()]);
    assert_eq!(report.namespaces[0].status, NamespaceStatus::Unknown);
    assert_eq!(report.namespaces[1].status, NamespaceStatus::Passed);
    let s = &report.summary;
    assert_eq!((s.passed, s.unknown, s.failed), (1, 1, 0), "{s:?}");
    assert!(report.has_unknown());
    assert!(!report.exceeds(Severity::Info));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["namespaces"][0]["status"], "unknown");
    assert_eq!(json["summary"]["unknown"], 1);
    assert_eq!(json["summary"]["passed"], 1);
    // Every category the profile requires is covered by some unknown check.
    let categories: std::collections::BTreeSet<Category> = report.namespaces[0]
        .unknown
        .iter()
        .map(|u| u.category)
        .collect();
    for c in [
        Category::ResourceQuota,
        Category::LimitRange,
        Category::NetworkPolicy,
        Category::NetworkDns,
        Category::Rbac,
        Category::WorkloadSecurity,
        Category::WorkloadResources,
    ] {
        assert!(categories.contains(&c), "{c} missing from {categories:?}");
    }
}

#[test]
fn an_error_outweighs_unknown_checks_and_warnings_alone_are_warned() {
    let mut f = rendered("app");
    f.quotas.clear();
    let r = f.audit_with(|s| s.pods = Access::Forbidden("cannot list pods".into()));
    assert_eq!(r.verdict(), NamespaceStatus::Failed);
    let mut f = rendered("app");
    f.label("pod-security.kubernetes.io/warn", None);
    let r = f.audit();
    assert_eq!(r.worst(), Some(Severity::Warning), "{:#?}", r.findings);
    assert_eq!(r.verdict(), NamespaceStatus::Warned);
}

#[test]
fn forbidden_cluster_roles_leave_the_severity_of_a_cluster_role_binding_unknown() {
    let f = rendered("app");
    let crb = serde_json::from_value(json!({
        "metadata": {"name": "shop-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "shop-reader"},
        "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": f.ns.metadata.name.clone().unwrap()}],
    }))
    .unwrap();
    let r = f.audit_with(|s| {
        s.cluster_roles = Access::Forbidden("cannot list clusterroles".into());
        s.cluster_role_bindings = Access::Known(vec![Item::live(crb)]);
    });
    assert_eq!(
        only(&r, "rbac.cluster-role-binding").severity,
        Severity::Warning
    );
    assert!(r
        .unknown
        .iter()
        .any(|u| u.check == "rbac.cluster-role-binding" && u.reason.contains("shop-reader")));
}
