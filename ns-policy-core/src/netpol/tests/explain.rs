//! Verdict explanations, JSON output and the `default` namespace of a
//! policy without one.

use super::*;

#[test]
fn explain_names_policies_and_rules() {
    let e = Evaluator::new(
        vec![ns("pr-1", &[]), ns("pr-2", &[])],
        nps(r#"
metadata: {name: default-deny, namespace: pr-2}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
metadata: {name: allow-same-namespace, namespace: pr-2}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {}}]
"#),
    );
    let client = pod("pr-1", "client", &[]);
    let server = pod("pr-2", "probe-server", &[]);
    let v = check(&e, &client, &server, 80, TCP);
    assert_eq!(
        v.explain(),
        "egress allowed (pr-1/client not isolated for egress); ingress denied: \
         pr-2/default-deny and 1 other(s) isolate pr-2/probe-server and no rule of \
         [pr-2/default-deny, pr-2/allow-same-namespace] allows it"
    );
    let v = check(&e, &pod("pr-2", "c", &[]), &server, 80, TCP);
    assert_eq!(
        v.explain(),
        "egress allowed (pr-2/c not isolated for egress); ingress allowed by pr-2/allow-same-namespace rule #0"
    );
    let v = check(&e, &ext("10.0.0.5"), &pod("pr-1", "x", &[]), 80, TCP);
    assert_eq!(
        v.explain(),
        "egress not evaluated (10.0.0.5 is external); ingress allowed (pr-1/x not isolated for ingress)"
    );
    let e = ev(DOC_DEFAULT_DENY_EGRESS);
    let v = check(&e, &pod("default", "a", &[]), &ext("8.8.8.8"), 53, UDP);
    assert_eq!(
        v.explain(),
        "egress denied: default/default-deny-egress isolates default/a and no rule of \
         [default/default-deny-egress] allows it; ingress not evaluated (8.8.8.8 is external)"
    );
    assert_eq!(
        RuleRef {
            policy: PolicyRef {
                namespace: "a".into(),
                name: "b".into()
            },
            direction: Direction::Ingress,
            rule_index: 2
        }
        .to_string(),
        "a/b ingress rule #2"
    );
}

#[test]
fn verdict_serializes_to_json() {
    let e = ev(DOC_DEFAULT_DENY_INGRESS);
    let v = check(&e, &pod("x", "c", &[]), &pod("default", "a", &[]), 80, TCP);
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(j["allowed"], false);
    assert_eq!(
        j["ingress"]["isolating_policies"][0]["name"],
        "default-deny-ingress"
    );
    assert_eq!(j["ingress"]["direction"], "Ingress");
}

#[test]
fn policy_without_namespace_is_in_default() {
    let e = ev("metadata: {name: nons}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n");
    let v = check(&e, &pod("x", "c", &[]), &pod("default", "a", &[]), 80, TCP);
    assert_eq!(v.ingress.isolating_policies[0].namespace, "default");
    assert_eq!(
        e.isolating_policies(&pod_info("default", "a", &[], None), Direction::Ingress)
            .len(),
        1
    );
}
