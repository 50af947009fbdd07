//! Unit tests of the audit rules: a namespace rendered by `render::render`
//! passes for every profile; each test breaks it one way and asserts the
//! exact check ID.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use k8s_openapi::api::core::v1::{LimitRange, Namespace, Pod, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{ClusterRole, Role, RoleBinding};
use serde_json::{json, Value};

use super::*;
use crate::inventory::{Inventory, Kind, Object as InvObject};
use crate::render::{self, NamespaceSpec, Object};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

#[derive(Clone, Default)]
struct Fixture {
    ns: Namespace,
    quotas: Vec<ResourceQuota>,
    limit_ranges: Vec<LimitRange>,
    policies: Vec<NetworkPolicy>,
    bindings: Vec<RoleBinding>,
    roles: Vec<Role>,
    cluster_roles: Vec<ClusterRole>,
    service_accounts: Vec<ServiceAccount>,
    pods: Vec<Pod>,
    workloads: Vec<(String, Value)>,
    dry_run: Option<Vec<String>>,
}

fn restricted_pod_spec() -> Value {
    json!({
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app",
            "image": "registry.example/app:1",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
            "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"},
                "limits": {"cpu": "200m", "memory": "128Mi"}
            }
        }]
    })
}

fn deployment(name: &str, pod_spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}
        }
    })
}

fn pod(name: &str, labels: Value, spec: Value, owner: Option<(&str, &str)>) -> Pod {
    let mut meta = json!({"name": name, "labels": labels});
    if let Some((kind, owner_name)) = owner {
        meta["ownerReferences"] = json!([{
            "apiVersion": "apps/v1", "kind": kind, "name": owner_name, "uid": "u", "controller": true
        }]);
    }
    serde_json::from_value(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}),
    )
    .unwrap()
}

fn ns_name(profile: &str) -> &'static str {
    match profile {
        "preview" => "shop-pr-1",
        "platform" => "ops-platform",
        "data" => "pg-data",
        _ => "shop-prod",
    }
}

/// The compliant namespace of `profile`, as `create` renders it, plus a
/// compliant Deployment and its pod.
fn rendered(profile: &str) -> Fixture {
    let b = Baseline::builtin();
    let name = ns_name(profile);
    let labels = BTreeMap::from([
        ("env".to_string(), "prod".to_string()),
        ("team".to_string(), "shop".to_string()),
        ("cost-center".to_string(), "cc-1".to_string()),
    ]);
    let preview = profile == "preview";
    let spec = NamespaceSpec {
        name: name.into(),
        profile: profile.into(),
        labels,
        created_at: preview.then(|| now() - Duration::hours(1)),
        expires_at: preview.then(|| now() + Duration::hours(3)),
        ..Default::default()
    };
    let bundle = render::render(&b, &spec).unwrap();
    let mut f = Fixture::default();
    for o in bundle.objects {
        match o {
            Object::Namespace(mut n) => {
                n.metadata
                    .labels
                    .get_or_insert_with(BTreeMap::new)
                    .insert(crate::NAMESPACE_NAME_LABEL.into(), name.into());
                f.ns = n;
            }
            Object::ServiceAccount(x) => f.service_accounts.push(x),
            Object::LimitRange(x) => f.limit_ranges.push(x),
            Object::ResourceQuota(x) => f.quotas.push(x),
            Object::Role(x) => f.roles.push(x),
            Object::RoleBinding(x) => f.bindings.push(x),
            Object::NetworkPolicy(x) => f.policies.push(x),
        }
    }
    f.workloads.push((
        "Deployment".into(),
        deployment("web", restricted_pod_spec()),
    ));
    f.pods.push(pod(
        "web-1",
        json!({"app": "web"}),
        restricted_pod_spec(),
        Some(("Deployment", "web")),
    ));
    f
}

impl Fixture {
    fn label(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        let labels = self.ns.metadata.labels.get_or_insert_with(BTreeMap::new);
        match value {
            Some(v) => labels.insert(key.into(), v.into()),
            None => labels.remove(key),
        };
        self
    }

    fn annotate(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        let a = self
            .ns
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new);
        match value {
            Some(v) => a.insert(key.into(), v.into()),
            None => a.remove(key),
        };
        self
    }

    fn policy(&mut self, v: Value) -> &mut Self {
        self.policies.push(serde_json::from_value(v).unwrap());
        self
    }

    fn drop_policy(&mut self, name: &str) -> &mut Self {
        self.policies
            .retain(|p| p.metadata.name.as_deref() != Some(name));
        self
    }

    fn audit(&self) -> NamespaceReport {
        self.audit_with(|_| {})
    }

    /// Audits the fixture through the same path as live and offline
    /// audits: an inventory, grouped into one view per namespace.
    /// `tweak` may mark lists forbidden.
    fn audit_with(&self, tweak: impl FnOnce(&mut Inventory)) -> NamespaceReport {
        let name = self.ns.metadata.name.clone().unwrap_or_default();
        let mut inv = Inventory::default();
        inv.push(InvObject::Namespace(self.ns.clone()), None);
        fn put<T: k8s_openapi::Metadata<Ty = ObjectMeta> + Clone>(
            inv: &mut Inventory,
            ns: &str,
            items: &[T],
            wrap: fn(T) -> InvObject,
        ) {
            for i in items {
                let mut i = i.clone();
                i.metadata_mut()
                    .namespace
                    .get_or_insert_with(|| ns.to_string());
                inv.push(wrap(i), None);
            }
        }
        put(&mut inv, &name, &self.quotas, InvObject::ResourceQuota);
        put(&mut inv, &name, &self.limit_ranges, InvObject::LimitRange);
        put(&mut inv, &name, &self.policies, InvObject::NetworkPolicy);
        put(&mut inv, &name, &self.bindings, InvObject::RoleBinding);
        put(&mut inv, &name, &self.roles, InvObject::Role);
        put(
            &mut inv,
            &name,
            &self.service_accounts,
            InvObject::ServiceAccount,
        );
        put(&mut inv, &name, &self.pods, InvObject::Pod);
        for r in &self.cluster_roles {
            inv.push(InvObject::ClusterRole(r.clone()), None);
        }
        for (kind, value) in &self.workloads {
            let mut value = value.clone();
            value["metadata"]["namespace"] = json!(name);
            let kind = Kind::named(kind).expect("a known kind");
            inv.push(InvObject::from_value(kind, &value).unwrap(), None);
        }
        tweak(&mut inv);
        let index = inv.cluster_role_index();
        let targets = [&inv.namespaces[0]];
        let mut views = inv.views(&targets, &index);
        views[0].psa_dry_run_warnings = self.dry_run.clone();
        audit_namespace(&Baseline::builtin(), &views[0], now())
    }
}

fn ids(r: &NamespaceReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.check.as_str()).collect()
}

fn only(r: &NamespaceReport, id: &str) -> Finding {
    let found: Vec<&Finding> = r.findings.iter().filter(|f| f.check == id).collect();
    assert_eq!(found.len(), 1, "expected one {id} in {:#?}", r.findings);
    found[0].clone()
}

fn assert_clean(r: &NamespaceReport) {
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.unknown.is_empty(), "{:#?}", r.unknown);
}

// ---- the compliant bundle -------------------------------------------------

#[test]
fn rendered_bundle_of_every_profile_passes() {
    for profile in ["app", "preview", "platform", "data"] {
        let r = rendered(profile).audit();
        assert_eq!(r.profile, profile);
        assert_clean(&r);
    }
}

#[test]
fn every_reported_check_id_is_registered_with_its_category() {
    for c in CHECKS {
        assert_eq!(rules::category_of(c.id), c.category, "{}", c.id);
    }
}

// ---- labels -------------------------------------------------------------------

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

// ---- pod-security -------------------------------------------------------------

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
    f.dry_run = Some(vec![
        "existing pods in namespace \"shop-prod\" violate the new PodSecurity enforce level \"restricted:latest\"".into(),
        "web-1: allowPrivilegeEscalation != false, unrestricted capabilities".into(),
    ]);
    let r = f.audit();
    let d = only(&r, "pod-security.dry-run-rejected");
    assert_eq!(d.object.as_deref(), Some("Pod/web-1"));
    assert!(d.message.contains("allowPrivilegeEscalation"));
    f.dry_run = Some(Vec::new());
    assert_clean(&f.audit());
}

// ---- resource-quota -----------------------------------------------------------

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

// ---- limit-range --------------------------------------------------------------

#[test]
fn limit_range_missing_or_without_container_defaults() {
    let mut f = rendered("app");
    f.limit_ranges.clear();
    assert_eq!(ids(&f.audit()), ["limit-range.missing"]);
    f.limit_ranges.push(
        serde_json::from_value(
            json!({"metadata": {"name": "max-only"}, "spec": {"limits": [
                {"type": "Container", "max": {"cpu": "2"}},
                {"type": "Pod", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "1"}}
            ]}}),
        )
        .unwrap(),
    );
    let r = f.audit();
    assert_eq!(ids(&r), ["limit-range.no-container-defaults"]);
    assert_eq!(r.findings[0].object.as_deref(), Some("LimitRange/max-only"));
}

// ---- network-policy -------------------------------------------------------------

#[test]
fn network_policy_semantics_not_names() {
    // Any name works: rename every policy.
    let mut f = rendered("app");
    for (i, p) in f.policies.iter_mut().enumerate() {
        p.metadata.name = Some(format!("whatever-{i}"));
    }
    assert_clean(&f.audit());
    // The allow policies select every pod for both directions: without the
    // default-deny the namespace is still isolated (semantics, not names).
    let mut f = rendered("app");
    f.drop_policy("default-deny");
    assert_clean(&f.audit());
}

#[test]
fn network_policy_not_isolated() {
    let mut f = rendered("app");
    f.policies.clear();
    let r = f.audit();
    assert_eq!(
        ids(&r),
        [
            "network-policy.egress-not-isolated",
            "network-policy.ingress-not-isolated",
            "network-policy.pod-not-isolated"
        ]
    );
    assert!(r.findings[0].remediation.contains("default-deny"));
    // Only Ingress isolation (policyTypes defaulting: no egress rules); the
    // lone deny also blocks what the profile's allows permit.
    let mut f = rendered("app");
    f.policies.clear();
    f.policy(json!({"metadata": {"name": "deny"}, "spec": {"podSelector": {}}}));
    let r = f.audit();
    assert_eq!(
        ids(&r),
        [
            "network-policy.allow-missing",
            "network-policy.allow-missing",
            "network-policy.egress-not-isolated",
            "network-policy.pod-not-isolated"
        ]
    );
    assert!(only(&r, "network-policy.pod-not-isolated")
        .message
        .contains("egress"));
}

#[test]
fn network_policy_egress_all_open_rule_is_an_error() {
    let mut f = rendered("app");
    f.policy(json!({"metadata": {"name": "allow-all-egress"}, "spec": {
        "podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]
    }}));
    let r = f.audit();
    let o = only(&r, "network-policy.open-rule");
    assert_eq!(o.severity, Severity::Error);
    assert_eq!(o.object.as_deref(), Some("NetworkPolicy/allow-all-egress"));
    assert!(o.message.contains("spec.egress[0]"), "{}", o.message);
    assert_eq!(ids(&r), ["network-policy.open-rule"]);
    // The same rule over some pods only is not an all-pods reopen.
    let mut f = rendered("app");
    f.policy(json!({"metadata": {"name": "web-out"}, "spec": {
        "podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"], "egress": [{}]
    }}));
    assert_clean(&f.audit());
}

// ---- network-dns --------------------------------------------------------------

fn dns_policy(egress: Value) -> Value {
    json!({"metadata": {"name": "allow-dns"}, "spec": {
        "podSelector": {}, "policyTypes": ["Egress"], "egress": egress
    }})
}

#[test]
fn network_dns_blocked_when_missing() {
    let mut f = rendered("app");
    f.drop_policy("allow-dns");
    let r = f.audit();
    let d = only(&r, "network-dns.blocked");
    assert!(d.message.contains("UDP and TCP"), "{}", d.message);
    assert!(d.remediation.contains("kubernetes.io/metadata.name"));
    assert!(d.message.contains("web-1"), "{}", d.message);
    assert_eq!(ids(&r), ["network-dns.blocked"]);
    // Platform profile too (it allows DNS).
    let mut f = rendered("platform");
    f.drop_policy("allow-dns");
    assert_eq!(ids(&f.audit()), ["network-dns.blocked"]);
}

#[test]
fn network_dns_udp_only_or_tcp_only_says_which() {
    let mut f = rendered("app");
    f.drop_policy("allow-dns").policy(dns_policy(json!([{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}]
    }])));
    let r = f.audit();
    assert_eq!(ids(&r), ["network-dns.tcp-blocked"]);
    assert!(r.findings[0].message.contains("DNS over TCP"));

    let mut f = rendered("app");
    f.drop_policy("allow-dns").policy(dns_policy(json!([{
        "ports": [{"protocol": "TCP", "port": 53}]
    }])));
    assert_eq!(ids(&f.audit()), ["network-dns.udp-blocked"]);
}

#[test]
fn network_dns_accepts_real_variants() {
    let variants = [
        // Ports only, no `to`.
        json!([{"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]),
        // NodeLocal DNSCache.
        json!([{"to": [{"ipBlock": {"cidr": "169.254.20.10/32"}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]),
        // OpenShift DNS pods on 5353.
        json!([{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openshift-dns"}},
                        "podSelector": {"matchLabels": {"dns.operator.openshift.io/daemonset-dns": "default"}}}],
                "ports": [{"protocol": "UDP", "port": 5353}, {"protocol": "TCP", "port": 5353}]}]),
        // kube-system by name, any pod, named ports.
        json!([{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                "ports": [{"protocol": "UDP", "port": "dns"}, {"protocol": "TCP", "port": "dns-tcp"}]}]),
    ];
    for v in variants {
        let mut f = rendered("app");
        f.drop_policy("allow-dns").policy(dns_policy(v.clone()));
        let r = f.audit();
        assert!(r.findings.is_empty(), "{v}: {:#?}", r.findings);
    }
}

#[test]
fn network_dns_hand_made_name_label_does_not_match() {
    let mut f = rendered("app");
    f.drop_policy("allow-dns").policy(dns_policy(json!([{
        "to": [{"namespaceSelector": {"matchLabels": {"name": "kube-system"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    }])));
    let r = f.audit();
    let d = only(&r, "network-dns.blocked");
    assert!(d.message.contains("label `name`"), "{}", d.message);
    assert!(d.remediation.contains("kubernetes.io/metadata.name"));
}

#[test]
fn network_dns_checked_per_pod_when_only_some_pods_are_isolated() {
    let mut f = rendered("app");
    f.policies.clear();
    f.policy(json!({"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}}}));
    f.policy(json!({"metadata": {"name": "web-egress"}, "spec": {
        "podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"podSelector": {}}]}]
    }}));
    let r = f.audit();
    let d = only(&r, "network-dns.blocked");
    assert_eq!(d.object.as_deref(), Some("Pod/web-1"));
}

// ---- rbac -----------------------------------------------------------------------

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

// ---- workload-security -----------------------------------------------------------

fn privileged_spec() -> Value {
    let mut s = restricted_pod_spec();
    s["containers"][0]["securityContext"]["privileged"] = json!(true);
    s
}

#[test]
fn workload_security_template_violation_names_object_and_field() {
    let mut f = rendered("app");
    f.workloads = vec![("Deployment".into(), deployment("web", privileged_spec()))];
    let r = f.audit();
    let p = only(&r, "workload-security.privileged");
    assert_eq!(p.object.as_deref(), Some("Deployment/web"));
    assert!(
        p.message
            .contains("spec.template.spec.containers[name=app].securityContext.privileged"),
        "{}",
        p.message
    );
    assert_eq!(p.severity, Severity::Error);
    assert_eq!(ids(&r), ["workload-security.privileged"]);
    // Privileged profile: nothing to report.
    let mut f = rendered("platform");
    f.workloads = vec![("Deployment".into(), deployment("web", privileged_spec()))];
    assert_clean(&f.audit());
}

#[test]
fn workload_security_owned_pods_do_not_repeat_the_template_but_stale_pods_are_reported() {
    let mut f = rendered("app");
    let mut rs = deployment("web-abc", privileged_spec());
    rs["kind"] = json!("ReplicaSet");
    rs["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u"}]);
    f.workloads = vec![
        ("Deployment".into(), deployment("web", privileged_spec())),
        ("ReplicaSet".into(), rs),
    ];
    f.pods = vec![pod(
        "web-abc-1",
        json!({"app": "web"}),
        privileged_spec(),
        Some(("ReplicaSet", "web-abc")),
    )];
    let r = f.audit();
    assert_eq!(ids(&r), ["workload-security.privileged"]);
    assert_eq!(r.findings[0].object.as_deref(), Some("Deployment/web"));

    // A pod admitted before the template was fixed.
    let mut stale = privileged_spec();
    stale["hostNetwork"] = json!(true);
    f.pods = vec![pod(
        "web-abc-2",
        json!({"app": "web"}),
        stale,
        Some(("ReplicaSet", "web-abc")),
    )];
    let r = f.audit();
    let h = only(&r, "workload-security.host-namespaces");
    assert_eq!(h.object.as_deref(), Some("Pod/web-abc-2"));
    // An unowned bad pod is reported.
    f.workloads.clear();
    f.pods = vec![pod("bare", json!({}), privileged_spec(), None)];
    assert_eq!(
        only(&f.audit(), "workload-security.privileged")
            .object
            .as_deref(),
        Some("Pod/bare")
    );
}

#[test]
fn workload_security_cronjob_template_is_checked() {
    let mut f = rendered("app");
    let mut spec = restricted_pod_spec();
    spec["securityContext"] = json!({});
    f.workloads = vec![(
        "CronJob".into(),
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
               "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": spec}}}}}),
    )];
    let r = f.audit();
    assert_eq!(
        ids(&r),
        [
            "workload-security.run-as-non-root",
            "workload-security.seccomp-profile-restricted"
        ]
    );
    assert!(r
        .findings
        .iter()
        .all(|f| f.object.as_deref() == Some("CronJob/nightly")));
}

// ---- workload-resources ----------------------------------------------------------

#[test]
fn workload_resources_missing_warning_and_limit_range_default_info() {
    let mut spec = restricted_pod_spec();
    spec["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("resources");
    let mut f = rendered("app");
    f.workloads = vec![("Deployment".into(), deployment("web", spec.clone()))];
    f.pods.clear();
    let r = f.audit();
    let i = only(&r, "workload-resources.defaulted-by-limit-range");
    assert_eq!(i.severity, Severity::Info);
    assert_eq!(ids(&r).len(), 1);

    f.limit_ranges.clear();
    let r = f.audit();
    let w = only(&r, "workload-resources.missing");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.message.contains("\"app\""), "{}", w.message);
    assert!(w
        .message
        .contains("requests.cpu, requests.memory, limits.cpu, limits.memory"));
    assert!(w.remediation.contains("resources"));

    // A live pod admitted without resources is a warning even with a LimitRange.
    let mut f = rendered("app");
    f.pods = vec![pod("bare", json!({}), spec, None)];
    assert_eq!(ids(&f.audit()), ["workload-resources.missing"]);
}

// ---- lifecycle ------------------------------------------------------------------

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

// ---- partial access -------------------------------------------------------------

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

// ---- report shapes --------------------------------------------------------------

fn sample_report() -> AuditReport {
    let good = rendered("app").audit();
    let mut f = rendered("preview");
    f.policies.clear();
    f.label("team", None);
    let mut bad = f.audit();
    bad.findings[0].source = Some("repo/ns <&>.yaml:12".into());
    let forbidden = rendered("data")
        .audit_with(|s| s.pods = Access::Forbidden("cannot list pods \"<all>\"".into()));
    AuditReport::new(vec![good, bad, forbidden])
}

#[test]
fn json_shape() {
    let report = sample_report();
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["apiVersion"], "ns-policy.io/v1alpha1");
    assert_eq!(v["kind"], "AuditReport");
    let ns = &v["namespaces"][1];
    assert_eq!(ns["name"], "shop-pr-1");
    assert_eq!(ns["profile"], "preview");
    let f = &ns["findings"][0];
    for key in ["check", "category", "severity", "message", "remediation"] {
        assert!(f[key].is_string(), "{key}: {f}");
    }
    assert_eq!(f["category"], "labels");
    assert_eq!(f["severity"], "error");
    assert!(ns["unknown"].is_array());
    assert!(v["namespaces"][0]["findings"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(v["namespaces"][0].get("object").is_none());
    let s = &v["summary"];
    assert_eq!(s["namespaces"], 3);
    assert_eq!(s["failed"], 1);
    assert_eq!(s["unknownChecks"], 2);
    for key in ["errors", "warnings", "infos", "passed"] {
        assert!(s[key].is_u64(), "{key}: {s}");
    }
    assert_eq!(
        s["errors"].as_u64().unwrap() as usize,
        report.namespaces[1].count(Severity::Error)
    );
    assert_eq!(report.max_severity(), Some(Severity::Error));
    assert!(report.exceeds(Severity::Error));
    assert!(report.exceeds(Severity::Warning));
    let clean = AuditReport::new(vec![rendered("app").audit()]);
    assert!(!clean.exceeds(Severity::Info));
    assert_eq!(clean.summary.passed, 1);
    // Round trip.
    let back: AuditReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, report);
    // Categories serialize kebab-case.
    let cats: Vec<Value> = Category::ALL
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    assert_eq!(
        cats,
        [
            "labels",
            "pod-security",
            "resource-quota",
            "limit-range",
            "network-policy",
            "network-dns",
            "rbac",
            "workload-security",
            "workload-resources",
            "lifecycle"
        ]
    );
    assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    assert_eq!("warn".parse::<Severity>().unwrap(), Severity::Warning);
}

#[test]
fn sarif_is_well_formed() {
    let report = sample_report();
    let s = to_sarif(&report, "1.2.3");
    assert_eq!(s["version"], "2.1.0");
    assert!(s["$schema"].as_str().unwrap().contains("sarif"));
    let driver = &s["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "kubectl-ns-policy");
    assert_eq!(driver["version"], "1.2.3");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        report
            .namespaces
            .iter()
            .map(|n| n.findings.len())
            .sum::<usize>()
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        assert!(!r["locations"].as_array().unwrap().is_empty());
    }
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string());
        assert!(rule["properties"]["category"].is_string());
    }
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(ids.len(), dedup.len());
    let with_file = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(with_file["artifactLocation"]["uri"], "repo/ns <&>.yaml");
    assert_eq!(with_file["region"]["startLine"], 12);
    let logical = &results[1]["locations"][0];
    assert!(logical.get("physicalLocation").is_none());
    assert!(logical["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap()
        .starts_with("shop-pr-1"));
}

#[test]
fn junit_is_well_formed_and_escaped() {
    let report = sample_report();
    let x = to_junit(&report, Severity::Error);
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(x.matches("<testsuite ").count(), 1);
    assert!(x.contains("<testsuite name=\"kubectl-ns-policy audit\" tests=\"30\""));
    assert_eq!(x.matches("<testcase ").count(), 30);
    assert!(x.contains("<testcase classname=\"shop-pr-1\" name=\"labels\">"));
    assert!(x.contains("<testcase classname=\"shop-prod\" name=\"rbac\"/>"));
    let failures = x.matches("<failure ").count();
    assert_eq!(failures, x.matches("</failure>").count());
    assert_eq!(failures, 2, "{x}");
    assert!(x.contains("failures=\"2\""), "{x}");
    assert!(x.contains("<skipped message=\"workload-"));
    assert!(x.contains("&lt;all&gt;") && x.contains("&quot;"));
    assert!(x.contains("repo/ns &lt;&amp;&gt;.yaml:12"));
    assert!(!x.contains("<all>") && !x.contains("<&>"));
    // Balanced tags.
    assert_eq!(
        x.matches("<testcase ").count(),
        x.matches("</testcase>").count() + x.matches("\"/>\n").count()
            - x.matches("<skipped ").count()
    );
    assert!(x.trim_end().ends_with("</testsuites>"));
    // Warnings fail at a warning threshold.
    let mut f = rendered("app");
    f.label("pod-security.kubernetes.io/warn", None);
    let report = AuditReport::new(vec![f.audit()]);
    assert!(!to_junit(&report, Severity::Error).contains("<failure"));
    assert!(to_junit(&report, Severity::Error).contains("<system-out>"));
    assert!(to_junit(&report, Severity::Warning).contains("<failure"));
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
