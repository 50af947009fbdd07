//! `resource-quota.*` checks: presence, values against the profile, scoped
//! and incomplete quotas, and what a preview profile forbids.

use super::*;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

fn quota(name: &str, hard: Value, scopes: Option<Value>) -> ResourceQuota {
    let mut spec = json!({"hard": hard});
    if let Some(s) = scopes {
        spec["scopes"] = s;
    }
    serde_json::from_value(json!({"metadata": {"name": name}, "spec": spec})).unwrap()
}

#[test]
fn resource_quota_missing_and_any_name_counts() {
    let mut f = rendered("app");
    f.quotas.clear();
    let r = f.audit();
    assert_eq!(ids(&r), ["resource-quota.missing"]);
    assert!(r.findings[0].remediation.contains("kind: ResourceQuota"));

    // A quota named anything, with the short cpu/memory forms and the
    // profile's object counts, values written differently (8192Mi = 8Gi).
    let counts = json!({"pods": "50", "services": "20", "configmaps": "50", "secrets": "50",
        "persistentvolumeclaims": "10"});
    let mut hard =
        json!({"cpu": "4", "memory": "8192Mi", "limits.cpu": "8000m", "limits.memory": "16Gi"});
    hard.as_object_mut()
        .unwrap()
        .extend(counts.as_object().unwrap().clone());
    f.quotas.push(quota("team-budget", hard, None));
    assert_clean(&f.audit());
    // Split over several quotas also covers everything.
    f.quotas = vec![
        quota("a", json!({"requests.cpu": "4", "limits.cpu": "8"}), None),
        quota(
            "b",
            json!({"requests.memory": "8Gi", "limits.memory": "16Gi"}),
            None,
        ),
        quota("counts", counts, None),
    ];
    assert_clean(&f.audit());
}

#[test]
fn resource_quota_values_are_compared_with_the_profile() {
    // Object counts the profile sets but no quota limits: drift, one error.
    let mut f = rendered("app");
    f.quotas = vec![quota(
        "cpu-only",
        json!({"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi"}),
        None,
    )];
    let d = only(&f.audit(), "resource-quota.value-drift");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("pods (profile: 50)"), "{}", d.message);
    // A looser value is an error, a stricter one a warning; the tightest of
    // several quotas is what applies.
    let mut f = rendered("app");
    let hard = f.quotas[0].spec.as_mut().unwrap().hard.as_mut().unwrap();
    hard.insert("requests.cpu".into(), Quantity("10".into()));
    hard.insert("pods".into(), Quantity("10".into()));
    let r = f.audit();
    let mut drift: Vec<(Severity, &str)> = r
        .findings
        .iter()
        .filter(|f| f.check == "resource-quota.value-drift")
        .map(|f| (f.severity, f.message.as_str()))
        .collect();
    drift.sort();
    assert_eq!(drift.len(), 2, "{:#?}", r.findings);
    assert!(drift[0].1.contains("pods: 10, profile: 50"), "{drift:?}");
    assert!(
        drift[1].1.contains("requests.cpu: 10, profile: 4"),
        "{drift:?}"
    );
    assert_eq!(drift[1].0, Severity::Error);
    f.quotas
        .push(quota("tighter", json!({"requests.cpu": "4"}), None));
    assert_eq!(ids(&f.audit()), ["resource-quota.value-drift"]);
}

#[test]
fn resource_quota_incomplete_and_scoped_quotas_do_not_count() {
    let mut f = rendered("app");
    f.quotas = vec![quota(
        "q",
        json!({"requests.cpu": "4", "requests.memory": "4Gi"}),
        None,
    )];
    let r = f.audit();
    let i = only(&r, "resource-quota.incomplete");
    assert!(
        i.message.contains("limits.cpu, limits.memory"),
        "{}",
        i.message
    );
    assert_eq!(i.object.as_deref(), Some("ResourceQuota/q"));

    f.quotas = vec![quota(
        "best-effort",
        json!({"requests.cpu": "4", "requests.memory": "4Gi", "limits.cpu": "8", "limits.memory": "8Gi"}),
        Some(json!(["NotBestEffort"])),
    )];
    let r = f.audit();
    let i = only(&r, "resource-quota.incomplete");
    assert!(
        i.message.contains("ResourceQuota/best-effort"),
        "{}",
        i.message
    );
}

#[test]
fn resource_quota_preview_forbids_pvcs_load_balancers_and_node_ports() {
    let mut f = rendered("preview");
    let hard = f.quotas[0].spec.as_mut().unwrap().hard.as_mut().unwrap();
    hard.insert(
        "persistentvolumeclaims".into(),
        k8s_openapi::apimachinery::pkg::api::resource::Quantity("5".into()),
    );
    hard.remove("services.nodeports");
    let r = f.audit();
    let found: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.check == "resource-quota.not-zero")
        .collect();
    assert_eq!(found.len(), 2, "{:#?}", r.findings);
    assert!(found
        .iter()
        .any(|f| f.message.contains("persistentvolumeclaims")));
    assert!(found
        .iter()
        .any(|f| f.message.contains("services.nodeports")));

    // "0m" is zero as well.
    let hard = f.quotas[0].spec.as_mut().unwrap().hard.as_mut().unwrap();
    hard.insert(
        "persistentvolumeclaims".into(),
        k8s_openapi::apimachinery::pkg::api::resource::Quantity("0m".into()),
    );
    hard.insert(
        "services.nodeports".into(),
        k8s_openapi::apimachinery::pkg::api::resource::Quantity("0".into()),
    );
    assert_clean(&f.audit());
    // The app profile allows PVCs (5 instead of 10 is only stricter).
    let mut f = rendered("app");
    let hard = f.quotas[0].spec.as_mut().unwrap().hard.as_mut().unwrap();
    hard.insert(
        "persistentvolumeclaims".into(),
        k8s_openapi::apimachinery::pkg::api::resource::Quantity("5".into()),
    );
    let r = f.audit();
    assert_eq!(ids(&r), ["resource-quota.value-drift"]);
    assert_eq!(r.findings[0].severity, Severity::Warning);
}
