//! The connectivity diff on small manifest sets.

use super::*;
use crate::manifests::load_str;

fn set(yaml: &str) -> Inventory {
    load_str(yaml, "test.yaml").expect("valid manifests")
}

const NAMESPACES: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: pay, labels: {team: pay}}
"#;

fn isolated(ns: &str) -> String {
    format!(
        r#"
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}
"#
    )
}

fn both_isolated() -> String {
    format!("{NAMESPACES}{}{}", isolated("shop"), isolated("pay"))
}

const ALLOW_SHOP_TO_PAY: &str = r#"
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-shop, namespace: pay}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}}], ports: [{port: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-pay, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pay}}}], ports: [{port: 8080}]}]
"#;

#[test]
fn the_same_manifests_change_nothing_and_compare_no_pair() {
    let s = set(&both_isolated());
    let d = diff(&s, &s, &DiffOptions::default()).unwrap();
    assert!(d.changes.is_empty());
    assert_eq!(d.summary.pairs_compared, 0);
    assert!(!d.opens());
    assert_eq!(d.namespaces, ["pay", "shop"]);
}

#[test]
fn an_allow_opens_exactly_its_port_and_names_the_policies() {
    let before = set(&both_isolated());
    let after = set(&format!("{}{ALLOW_SHOP_TO_PAY}", both_isolated()));
    let d = diff(&before, &after, &DiffOptions::default()).unwrap();
    assert_eq!(d.changes.len(), 1, "{:#?}", d.changes);
    let c = &d.changes[0];
    assert_eq!((c.from.as_str(), c.to.as_str()), ("shop", "pay"));
    assert_eq!((c.protocol, c.ports()), (Protocol::Tcp, "8080".to_string()));
    assert_eq!((c.before, c.after), (Decision::Deny, Decision::Allow));
    assert_eq!(
        c.changed_by,
        ["NetworkPolicy pay/allow-shop", "NetworkPolicy shop/to-pay"]
    );
    assert!(d.opens());
    assert_eq!(d.summary.opened, 1);
    assert_eq!(
        d.changed_policies,
        ["NetworkPolicy pay/allow-shop", "NetworkPolicy shop/to-pay"]
    );
    // Reversed, it closes.
    let d = diff(&after, &before, &DiffOptions::default()).unwrap();
    assert_eq!(d.summary.closed, 1);
    assert!(!d.opens());
}

#[test]
fn removing_a_default_deny_opens_whole_ranges_per_protocol() {
    let before = set(&both_isolated());
    let after = set(&format!("{NAMESPACES}{}", isolated("shop")));
    let d = diff(&before, &after, &DiffOptions::default()).unwrap();
    // pay -> pay, and shop -> pay? no: shop's egress is still denied. pay's
    // egress opens to everything pay can reach: pay -> pay; pay -> shop is
    // still denied at shop's ingress.
    let pairs: BTreeSet<(&str, &str)> = d
        .changes
        .iter()
        .map(|c| (c.from.as_str(), c.to.as_str()))
        .collect();
    assert_eq!(pairs, BTreeSet::from([("pay", "pay")]));
    for c in &d.changes {
        assert_eq!(c.ports(), "1-65535");
        assert_eq!(c.changed_by, ["NetworkPolicy pay/default-deny"]);
    }
    let protocols: Vec<Protocol> = d.changes.iter().map(|c| c.protocol).collect();
    assert_eq!(protocols, [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]);
}

#[test]
fn port_ranges_and_named_ports_cut_the_range_where_they_end() {
    let before = set(&both_isolated());
    let after = set(&format!(
        r#"{}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: range, namespace: pay}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
  ingress: [{{ports: [{{port: 8000, endPort: 8999}}, {{port: metrics}}]}}]
  egress: [{{}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: pay}}
spec:
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers: [{{name: api, image: x, ports: [{{name: metrics, containerPort: 9090}}]}}]
"#,
        both_isolated()
    ));
    let d = diff(&before, &after, &DiffOptions::default()).unwrap();
    let to_api: Vec<(String, String)> = d
        .changes
        .iter()
        .filter(|c| c.from == "pay" && c.to == "pay" && c.protocol == Protocol::Tcp)
        .map(|c| (c.to_pods.clone(), c.ports()))
        .collect();
    assert_eq!(
        to_api,
        [
            ("app=api".to_string(), "8000-8999".to_string()),
            ("app=api".to_string(), "9090".to_string())
        ]
    );
}

#[test]
fn a_namespace_label_that_an_allow_selects_is_named_as_the_change() {
    let base = format!(
        r#"{NAMESPACES}{}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: from-payers, namespace: pay}}
spec:
  podSelector: {{}}
  ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{payer: "yes"}}}}}}]}}]
"#,
        isolated("pay")
    );
    let after = base.replace(
        "metadata: {name: shop}",
        "metadata: {name: shop, labels: {payer: \"yes\"}}",
    );
    let d = diff(&set(&base), &set(&after), &DiffOptions::default()).unwrap();
    assert!(!d.changes.is_empty());
    for c in &d.changes {
        assert_eq!((c.from.as_str(), c.to.as_str()), ("shop", "pay"));
        assert!(c
            .changed_by
            .contains(&"labels of Namespace shop".to_string()));
    }
}

#[test]
fn a_baseline_cluster_policy_closes_namespaces_without_network_policies() {
    let before = set(NAMESPACES);
    let after = set(&format!(
        r#"{NAMESPACES}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {{name: isolate-pay}}
spec:
  tier: Baseline
  priority: 5
  subject: {{namespaces: {{matchLabels: {{team: pay}}}}}}
  ingress: [{{action: Deny, from: [{{namespaces: {{}}}}]}}]
"#
    ));
    let d = diff(&before, &after, &DiffOptions::default()).unwrap();
    assert!(!d.opens());
    assert!(d.summary.closed >= 3, "{:?}", d.summary);
    assert!(d
        .changes
        .iter()
        .all(|c| c.to == "pay" && c.changed_by == ["ClusterNetworkPolicy/isolate-pay"]));
    assert_eq!(
        d.summary.pairs_compared, 4,
        "a cluster policy touches every pair"
    );
}

#[test]
fn namespaces_on_one_side_only_are_listed_not_compared() {
    let before = set(NAMESPACES);
    let after = set(&format!(
        "{NAMESPACES}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: new}}\n"
    ));
    let d = diff(&before, &after, &DiffOptions::default()).unwrap();
    assert_eq!(d.added_namespaces, ["new"]);
    assert!(d.changes.is_empty());
}
