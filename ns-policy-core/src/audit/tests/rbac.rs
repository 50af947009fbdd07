//! `rbac.*` checks: cluster-admin bindings, wildcards, the default service
//! account's token automount.

use super::*;

fn binding(name: &str, kind: &str, role: &str) -> RoleBinding {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}]
    }))
    .unwrap()
}

#[test]
fn rbac_cluster_admin_and_wildcards() {
    let mut f = rendered("app");
    f.bindings
        .push(binding("admins", "ClusterRole", "cluster-admin"));
    let r = f.audit();
    let c = only(&r, "rbac.cluster-admin-binding");
    assert_eq!(c.object.as_deref(), Some("RoleBinding/admins"));
    assert_eq!(c.severity, Severity::Error);

    let mut f = rendered("app");
    f.cluster_roles.push(
        serde_json::from_value(json!({"metadata": {"name": "everything"}, "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
            {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]}
        ]}))
        .unwrap(),
    );
    f.roles.push(
        serde_json::from_value(json!({"metadata": {"name": "ops"}, "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}
        ]}))
        .unwrap(),
    );
    f.bindings.push(binding("b1", "ClusterRole", "everything"));
    f.bindings.push(binding("b2", "Role", "ops"));
    f.bindings
        .push(binding("b3", "ClusterRole", "not-in-snapshot"));
    let r = f.audit();
    assert_eq!(
        ids(&r),
        ["rbac.wildcard-role-binding", "rbac.wildcard-role-binding"]
    );
    assert!(r.findings.iter().all(|f| f.severity == Severity::Warning));
    assert!(r.findings[0].message.contains("ClusterRole/everything"));
    assert!(r.findings[0].message.contains("rules[1].resources"));
    assert!(r.findings[1].message.contains("Role/ops"));
}

#[test]
fn rbac_default_service_account_automount_is_info() {
    let mut f = rendered("app");
    f.service_accounts[0].automount_service_account_token = None;
    let r = f.audit();
    let i = only(&r, "rbac.default-sa-automount");
    assert_eq!(i.severity, Severity::Info);
    assert_eq!(ids(&r).len(), 1);
    f.service_accounts.clear();
    assert_eq!(ids(&f.audit()), ["rbac.default-sa-automount"]);
}
