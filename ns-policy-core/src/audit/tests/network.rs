//! `network-policy.*` and `network-dns.*` checks: isolation and DNS egress,
//! judged by semantics, not names.

use super::*;

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
