//! The per-namespace audit: all-pods policies and open rules.

use super::*;

#[test]
fn namespace_isolation_reports_all_pod_policies_and_open_rules() {
    let policies = nps(&format!(
        "{DOC_DEFAULT_DENY_INGRESS}\n---\n{DOC_ALLOW_ALL_EGRESS}\n---\n{DOC_TEST_NETWORK_POLICY}\n---\n{}",
        r#"
metadata: {name: wide-open, namespace: default}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {}}]
  - from: [{namespaceSelector: {}, podSelector: {}}]
  - from: [{namespaceSelector: {}}]
    ports: [{port: 80}]
  - from: [{namespaceSelector: {matchLabels: {a: b}}}]
  - from: [{podSelector: {}}]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
  - to: [{ipBlock: {cidr: "::/0"}}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
---
metadata: {name: elsewhere, namespace: other}
spec:
  podSelector: {}
  ingress: [{}]
---
metadata: {name: types-egress-only, namespace: default}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress: [{}]
"#
    ));
    let iso = namespace_isolation("default", &policies);
    let names = |v: &[PolicyRef]| v.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&iso.ingress_all),
        ["default-deny-ingress", "wide-open"]
    );
    assert_eq!(
        names(&iso.egress_all),
        ["allow-all-egress", "types-egress-only", "wide-open"]
    );
    assert!(iso.ingress_isolated() && iso.egress_isolated());
    let open: Vec<String> = iso.open_rules.iter().map(|o| o.rule.to_string()).collect();
    assert_eq!(
        open,
        [
            "default/allow-all-egress egress rule #0",
            "default/wide-open ingress rule #0",
            "default/wide-open ingress rule #1",
            "default/wide-open egress rule #0",
            "default/wide-open egress rule #1",
        ]
    );
    assert!(
        iso.open_rules[0].reason.contains("no `to`"),
        "{}",
        iso.open_rules[0].reason
    );
    assert!(iso.open_rules[1].reason.contains("namespaceSelector: {}"));
    assert!(iso.open_rules[3].reason.contains("0.0.0.0/0"));
    assert!(iso.open_rules[4].reason.contains("::/0"));

    let other = namespace_isolation("other", &policies);
    assert_eq!(names(&other.ingress_all), ["elsewhere"]);
    assert!(other.egress_all.is_empty() && !other.egress_isolated());
    assert_eq!(other.open_rules.len(), 1);
    let none = namespace_isolation("nothing", &policies);
    assert!(none.ingress_all.is_empty() && none.open_rules.is_empty());
}

#[test]
fn all_pods_selected_by_empty_or_absent_selector() {
    assert!(all_pods_selected_by(&np(DOC_DEFAULT_DENY_ALL)));
    assert!(!all_pods_selected_by(&np(DOC_TEST_NETWORK_POLICY)));
    assert!(all_pods_selected_by(&np("metadata: {name: x}\nspec: {}\n")));
    assert!(all_pods_selected_by(&np("metadata: {name: x}\n")));
}
