//! Network checks with cluster network policies (Admin and Baseline tiers)
//! and CNI plugin policies.

use super::*;
use crate::netpol::{ClusterPolicy, CniPolicy};

fn cluster(yaml: &str) -> Item<ClusterPolicy> {
    let v: Value = serde_yaml::from_str(yaml).expect("fixture");
    Item::live(
        ClusterPolicy::from_value(
            v["apiVersion"].as_str().unwrap(),
            v["kind"].as_str().unwrap(),
            &v,
        )
        .expect("valid"),
    )
}

/// The cluster admins' default: every namespace but kube-system denies
/// traffic from other namespaces and to anything but cluster DNS, unless
/// NetworkPolicies say otherwise.
const BASELINE_DENY: &str = r#"
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: default-isolation}
spec:
  tier: Baseline
  priority: 100
  subject:
    namespaces:
      matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system]}]
  ingress:
  - {name: deny-all, action: Deny, from: [{namespaces: {}}]}
  egress:
  - name: dns
    action: Accept
    to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}}]
    protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]
  - {name: deny-pods, action: Deny, to: [{namespaces: {}}]}
  - {name: deny-world, action: Deny, to: [{networks: ["0.0.0.0/0", "::/0"]}]}
"#;

#[test]
fn a_namespace_isolated_by_a_baseline_deny_is_isolated() {
    let mut f = rendered("app");
    f.policies.clear();
    let r = f.audit_with(|inv| inv.push_cluster_policy(cluster(BASELINE_DENY)));
    let ids = ids(&r);
    assert!(
        !ids.contains(&"network-policy.ingress-not-isolated")
            && !ids.contains(&"network-policy.egress-not-isolated")
            && !ids.contains(&"network-policy.pod-not-isolated"),
        "{:#?}",
        r.findings
    );
    // DNS passes through the Baseline tier's Accept; the profile's
    // ingress-controller allow is now missing (the Baseline deny blocks it).
    assert!(
        !ids.iter().any(|i| i.starts_with("network-dns")),
        "{:#?}",
        r.findings
    );
    assert!(r.unknown.is_empty(), "{:#?}", r.unknown);

    // Without the cluster policy the same namespace is open.
    let r = f.audit();
    assert!(ids_of(&r).contains(&"network-policy.ingress-not-isolated".to_string()));
}

fn ids_of(r: &NamespaceReport) -> Vec<String> {
    r.findings.iter().map(|f| f.check.clone()).collect()
}

#[test]
fn a_baseline_deny_that_misses_dns_is_a_dns_finding() {
    let mut f = rendered("app");
    f.policies.clear();
    let deny_everything = r#"
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: deny-everything}
spec:
  tier: Baseline
  priority: 100
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
  egress:
  - {action: Deny, to: [{namespaces: {}}]}
  - {action: Deny, to: [{networks: ["0.0.0.0/0"]}]}
"#;
    let r = f.audit_with(|inv| inv.push_cluster_policy(cluster(deny_everything)));
    assert!(
        ids_of(&r).contains(&"network-dns.blocked".to_string()),
        "{:#?}",
        r.findings
    );
}

#[test]
fn an_admin_accept_from_everywhere_is_an_error_naming_it() {
    let f = rendered("app");
    let accept = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: let-everyone-in}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - {name: all, action: Accept, from: [{namespaces: {}}]}
"#;
    let r = f.audit_with(|inv| inv.push_cluster_policy(cluster(accept)));
    let o = only(&r, "network-policy.cluster-accept");
    assert_eq!(o.severity, Severity::Error);
    assert_eq!(
        o.object.as_deref(),
        Some("ClusterNetworkPolicy/let-everyone-in")
    );
    assert!(
        o.message.contains("Admin tier, priority 1"),
        "{}",
        o.message
    );
    assert!(o.message.contains("ingress"), "{}", o.message);
    assert!(o
        .remediation
        .contains("kubectl edit clusternetworkpolicy let-everyone-in"));

    // Accepting only a labelled monitoring namespace is not "everyone".
    let monitoring = r#"
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: monitoring}
spec:
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - {action: Allow, from: [{namespaces: {matchLabels: {team: monitoring}}}], ports: [{portNumber: {protocol: TCP, port: 9090}}]}
"#;
    let r = f.audit_with(|inv| inv.push_cluster_policy(cluster(monitoring)));
    assert_clean(&r);

    // Pass hands the decision to the namespace's NetworkPolicies: fine.
    let pass = accept.replace("action: Accept", "action: Pass");
    let r = f.audit_with(|inv| inv.push_cluster_policy(cluster(&pass)));
    assert_clean(&r);
}

#[test]
fn an_admin_deny_that_blocks_an_allow_of_the_profile_is_missing_traffic() {
    let f = rendered("app");
    let deny = r#"
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: no-ingress-controllers}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - {action: Deny, from: [{namespaces: {}}]}
"#;
    let r = f.audit_with(|inv| inv.push_cluster_policy(cluster(deny)));
    let missing: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.check == "network-policy.allow-missing")
        .collect();
    assert!(!missing.is_empty(), "{:#?}", r.findings);
    for o in missing {
        assert!(
            o.message
                .contains("ClusterNetworkPolicy/no-ingress-controllers (Admin tier"),
            "{}",
            o.message
        );
        // The fix is the cluster policy's, not another NetworkPolicy.
        assert!(
            o.remediation
                .contains("kubectl edit clusternetworkpolicy no-ingress-controllers"),
            "{}",
            o.remediation
        );
    }
}

#[test]
fn a_cilium_policy_makes_the_network_checks_unknown_naming_it() {
    let mut f = rendered("app");
    f.policies.clear();
    let name = f.ns.metadata.name.clone().unwrap();
    let v: Value = serde_yaml::from_str(&format!(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: l7-rules, namespace: {name}}}\nspec: {{endpointSelector: {{}}}}"
    ))
    .unwrap();
    let cni = CniPolicy::from_value("cilium.io/v2", "CiliumNetworkPolicy", &v);
    let r = f.audit_with(|inv| inv.push_cni_policy(Item::live(cni.clone())));
    assert!(
        !r.findings.iter().any(|f| f.check.starts_with("network")),
        "{:#?}",
        r.findings
    );
    let unknown: Vec<&str> = r.unknown.iter().map(|u| u.check.as_str()).collect();
    assert!(
        unknown.contains(&"network-policy.ingress-not-isolated"),
        "{unknown:?}"
    );
    assert!(unknown.contains(&"network-dns.blocked"), "{unknown:?}");
    assert!(r.unknown[0]
        .reason
        .contains(&format!("CiliumNetworkPolicy.cilium.io {name}/l7-rules")));
    assert_eq!(r.status, crate::audit::NamespaceStatus::Unknown);

    // A Cilium policy of another namespace changes nothing here.
    let mut other = cni;
    other.namespace = Some("elsewhere".into());
    other.scope = crate::netpol::cni::CniScope::Named(vec!["elsewhere".into()]);
    let r = f.audit_with(|inv| inv.push_cni_policy(Item::live(other)));
    assert!(r.unknown.is_empty(), "{:#?}", r.unknown);
}

#[test]
fn cluster_policies_that_cannot_be_read_make_the_network_checks_unknown() {
    let f = rendered("app");
    let r = f.audit_with(|inv| {
        inv.cluster_policies =
            Access::Forbidden("clusternetworkpolicies.policy.networking.k8s.io is forbidden".into())
    });
    assert!(r
        .unknown
        .iter()
        .any(|u| u.check == "network-policy.ingress-not-isolated"
            && u.reason
                .contains("cluster network policies could not be read")));
}
