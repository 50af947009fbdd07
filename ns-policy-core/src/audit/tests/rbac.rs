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

fn edit_baseline() -> Baseline {
    let mut b = Baseline::builtin();
    b.spec.rbac.rules.clear();
    b.spec.rbac.team_role = Some(crate::baseline::TeamRoleSpec {
        cluster_role: "edit".into(),
    });
    b
}

#[test]
fn a_team_bound_to_a_built_in_cluster_role_is_checked_by_that_binding() {
    let b = edit_baseline();
    let f = rendered_by(&b, "app");
    // create renders no Role, and binds the team group to ClusterRole edit.
    assert!(f.roles.is_empty(), "{:?}", f.roles);
    let team = f
        .bindings
        .iter()
        .find(|rb| rb.metadata.name.as_deref() == Some("ns-policy-team"))
        .expect("team binding");
    assert_eq!(
        (team.role_ref.kind.as_str(), team.role_ref.name.as_str()),
        ("ClusterRole", "edit")
    );
    let opts = AuditOptions::at(now());
    let r = f.audit_by(&b, &opts, |_| {});
    assert!(r.findings.is_empty(), "{:#?}", r.findings);

    // Bound to view instead: the binding drifted.
    let mut g = f.clone();
    for rb in &mut g.bindings {
        if rb.metadata.name.as_deref() == Some("ns-policy-team") {
            rb.role_ref.name = "view".into();
        }
    }
    let r = g.audit_by(&b, &opts, |_| {});
    assert_eq!(ids(&r), ["rbac.role-binding-drift"]);
    assert!(only(&r, "rbac.role-binding-drift")
        .message
        .contains("ClusterRole edit"));

    // cluster-admin is still an error.
    let mut g = f.clone();
    g.bindings
        .push(binding("admins", "ClusterRole", "cluster-admin"));
    let r = g.audit_by(&b, &opts, |_| {});
    assert!(ids(&r).contains(&"rbac.cluster-admin-binding"));
}

#[test]
fn team_role_validation_refuses_rules_beside_it_and_cluster_admin() {
    let text = crate::baseline::BUILTIN_YAML.replacen(
        "    roleName: ns-policy-team\n",
        "    roleName: ns-policy-team\n    teamRole: {clusterRole: edit}\n",
        1,
    );
    let e = Baseline::parse(&text, "b.yaml").unwrap_err().to_string();
    assert!(e.contains("exclusive"), "{e}");
    let start = text.find("    rules:\n").unwrap();
    let end = text[start..].find("  probe:").map(|i| start + i).unwrap();
    let without_rules = format!("{}{}", &text[..start], &text[end..]);
    let b = Baseline::parse(&without_rules, "b.yaml").unwrap();
    assert_eq!(b.spec.rbac.team_role.unwrap().cluster_role, "edit");
    let admin = without_rules.replace("clusterRole: edit", "clusterRole: cluster-admin");
    let e = Baseline::parse(&admin, "b.yaml").unwrap_err().to_string();
    assert!(
        e.contains("cluster-admin would give the team everything"),
        "{e}"
    );
}
