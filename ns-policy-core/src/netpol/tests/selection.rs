//! Which pods a policy selects: its own namespace, `podSelector` empty,
//! absent or not.

use super::*;

#[test]
fn policy_selects_pods_only_in_its_own_namespace() {
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    let client = pod("other", "c", &[]);
    assert!(!allowed(&e, &client, &pod("default", "web", &[]), 80, TCP));
    assert!(
        allowed(&e, &client, &pod("other", "web", &[]), 80, TCP),
        "other namespace not selected"
    );
}

#[test]
fn pod_selector_limits_the_selected_pods() {
    let e = ev(DOC_TEST_NETWORK_POLICY);
    let client = pod("other", "c", &[]);
    assert!(!allowed(
        &e,
        &client,
        &pod("default", "db", &[("role", "db")]),
        6379,
        TCP
    ));
    assert!(allowed(
        &e,
        &client,
        &pod("default", "web", &[("role", "web")]),
        6379,
        TCP
    ));
}

#[test]
fn empty_pod_selector_selects_all_pods_of_the_namespace() {
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    for l in [vec![], vec![("app", "x")], vec![("role", "db")]] {
        let v = check(
            &e,
            &pod("default", "c", &[]),
            &pod("default", "p", &l),
            80,
            TCP,
        );
        assert!(v.ingress.isolated && !v.allowed);
    }
}

#[test]
fn absent_pod_selector_selects_all_pods() {
    let e = ev(r#"
metadata: {name: no-selector, namespace: default}
spec:
  policyTypes: [Ingress]
"#);
    assert!(!allowed(
        &e,
        &pod("x", "c", &[]),
        &pod("default", "p", &[("a", "b")]),
        80,
        TCP
    ));
}
