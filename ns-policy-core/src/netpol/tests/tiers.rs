//! Cluster policy tiers (ClusterNetworkPolicy v1alpha2/v1beta1,
//! AdminNetworkPolicy and BaselineAdminNetworkPolicy v1alpha1), CNI
//! policies and pods of unknown IP: one test per rule of the API reference
//! (precedence of tiers, priorities, rule order, Pass, same-priority
//! conflicts, peers, protocols and ports, networks, failing closed).

use serde_json::json;

use super::*;

/// A cluster policy from YAML (apiVersion and kind decide the version).
fn cp(yaml: &str) -> ClusterPolicy {
    let v: serde_json::Value = serde_yaml::from_str(yaml).expect("yaml");
    let api = v["apiVersion"].as_str().unwrap().to_string();
    let kind = v["kind"].as_str().unwrap().to_string();
    assert!(
        ClusterPolicy::is_cluster_policy(&api, &kind),
        "{api} {kind}"
    );
    ClusterPolicy::from_value(&api, &kind, &v).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

fn houses() -> Vec<NamespaceInfo> {
    vec![
        ns("gryffindor", &[("house", "gryffindor")]),
        ns("slytherin", &[("house", "slytherin")]),
        ns("ravenclaw", &[("house", "ravenclaw")]),
    ]
}

fn tiered(policies: &str, cluster: &[&str]) -> Evaluator {
    let nps = if policies.trim().is_empty() {
        Vec::new()
    } else {
        nps(policies)
    };
    let cluster: Vec<ClusterPolicy> = cluster.iter().map(|y| cp(y)).collect();
    Evaluator::new(houses(), nps).with_cluster_policies(&cluster)
}

fn decision(e: &Evaluator, from: &Endpoint, to: &Endpoint, port: u16, proto: Protocol) -> Decision {
    check(e, from, to, port, proto).decision
}

fn harry() -> Endpoint {
    pod("gryffindor", "harry", &[("role", "student")])
}
fn draco() -> Endpoint {
    pod("slytherin", "draco", &[("role", "student")])
}
fn luna() -> Endpoint {
    pod("ravenclaw", "luna", &[("role", "student")])
}

const DENY_SLYTHERIN_INTO_GRYFFINDOR: &str = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: pass-example}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {house: gryffindor}}}
  ingress:
  - name: deny-slytherin
    action: Deny
    from: [{namespaces: {matchLabels: {house: slytherin}}}]
"#;

const ALLOW_SLYTHERIN_NP: &str = r#"
metadata: {name: allow-slytherin, namespace: gryffindor}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{namespaceSelector: {matchLabels: {house: slytherin}}}]}]
"#;

const BASELINE_DENY_SLYTHERIN: &str = r#"
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: default}
spec:
  tier: Baseline
  priority: 10
  subject: {namespaces: {matchLabels: {house: gryffindor}}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {house: slytherin}}}]
"#;

#[test]
fn an_admin_deny_beats_a_network_policy_allow() {
    let e = tiered(ALLOW_SLYTHERIN_NP, &[DENY_SLYTHERIN_INTO_GRYFFINDOR]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Deny);
    let rule = v
        .ingress
        .cluster_rule
        .as_ref()
        .expect("decided by the admin rule");
    assert_eq!(rule.policy, "ClusterNetworkPolicy/pass-example");
    assert_eq!(rule.tier, Tier::Admin);
    assert!(v.explain().contains("denied by ClusterNetworkPolicy/pass-example (Admin tier, priority 10) ingress rule #0 \"deny-slytherin\""), "{}", v.explain());
    // Traffic the admin rule does not match is left to the NetworkPolicy.
    assert_eq!(
        decision(&e, &luna(), &harry(), 80, TCP),
        Decision::Deny,
        "isolated by the NP"
    );
}

#[test]
fn pass_hands_the_connection_to_network_policies_then_the_baseline() {
    let pass = DENY_SLYTHERIN_INTO_GRYFFINDOR.replace("action: Deny", "action: Pass");
    // NetworkPolicy allows: allowed.
    let e = tiered(ALLOW_SLYTHERIN_NP, &[&pass, BASELINE_DENY_SLYTHERIN]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Allow, "{}", v.explain());
    assert!(
        v.explain().contains("passed it on") || v.ingress.isolated,
        "{}",
        v.explain()
    );
    // No NetworkPolicy: the baseline deny decides.
    let e = tiered("", &[&pass, BASELINE_DENY_SLYTHERIN]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Deny);
    assert_eq!(v.ingress.passed.len(), 1);
    assert_eq!(
        v.ingress.cluster_rule.as_ref().unwrap().tier,
        Tier::Baseline
    );
}

#[test]
fn the_baseline_tier_applies_only_to_pods_no_network_policy_isolates() {
    let e = tiered("", &[BASELINE_DENY_SLYTHERIN]);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Deny);
    assert_eq!(
        decision(&e, &luna(), &harry(), 80, TCP),
        Decision::Allow,
        "default allow"
    );
    let e = tiered(ALLOW_SLYTHERIN_NP, &[BASELINE_DENY_SLYTHERIN]);
    assert_eq!(
        decision(&e, &draco(), &harry(), 80, TCP),
        Decision::Allow,
        "the NP overrides the baseline"
    );
}

#[test]
fn an_admin_accept_overrides_a_default_deny_of_the_namespace() {
    let deny_all = "metadata: {name: default-deny, namespace: gryffindor}\nspec: {podSelector: {}, policyTypes: [Ingress]}";
    let accept = r#"
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: monitoring}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - action: Allow
    from: [{namespaces: {}}]
"#;
    let e = tiered(deny_all, &[accept]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Allow);
    assert_eq!(
        v.ingress.cluster_rule.as_ref().unwrap().policy,
        "AdminNetworkPolicy/monitoring"
    );
    // Egress at the source is still evaluated: a deny there decides.
    let egress_deny = "metadata: {name: deny-egress, namespace: slytherin}\nspec: {podSelector: {}, policyTypes: [Egress]}";
    let e = tiered(&format!("{deny_all}\n---\n{egress_deny}"), &[accept]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Deny, "the accept has no egress rules");
    assert!(v.ingress.allowed && !v.egress.allowed, "{}", v.explain());
}

#[test]
fn lower_priority_numbers_decide_first_and_rules_go_in_order() {
    let deny10 = DENY_SLYTHERIN_INTO_GRYFFINDOR;
    let accept5 = DENY_SLYTHERIN_INTO_GRYFFINDOR
        .replace("name: pass-example", "name: early")
        .replace("priority: 10", "priority: 5")
        .replace("action: Deny", "action: Accept");
    let e = tiered("", &[deny10, &accept5]);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Allow);
    // Within one policy, the first matching rule wins.
    let ordered = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: ordered}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - {action: Accept, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {role: student}}}}], protocols: [{tcp: {destinationPort: {number: 80}}}]}
  - {action: Deny, from: [{namespaces: {}}]}
"#;
    let e = tiered("", &[ordered]);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Allow);
    assert_eq!(decision(&e, &draco(), &harry(), 81, TCP), Decision::Deny);
    assert_eq!(decision(&e, &draco(), &harry(), 80, UDP), Decision::Deny);
}

#[test]
fn same_priority_policies_apply_together_and_a_conflict_is_unknown() {
    // Disjoint rules at one priority: both apply (conformance:
    // CNPAdminTierSamePriority).
    let a = DENY_SLYTHERIN_INTO_GRYFFINDOR;
    let b = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: other}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {house: slytherin}}}
  ingress:
  - {action: Deny, from: [{namespaces: {matchLabels: {house: gryffindor}}}]}
"#;
    let e = tiered("", &[a, b]);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Deny);
    assert_eq!(decision(&e, &harry(), &draco(), 80, TCP), Decision::Deny);
    assert_eq!(decision(&e, &luna(), &harry(), 80, TCP), Decision::Allow);
    // Two policies at one priority deciding differently: either may apply.
    let c = a
        .replace("name: pass-example", "name: rival")
        .replace("action: Deny", "action: Accept");
    let e = tiered("", &[a, &c]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Unknown);
    assert!(
        v.explain().contains("same priority 10 disagree"),
        "{}",
        v.explain()
    );
}

#[test]
fn protocols_port_ranges_and_named_ports_of_cluster_rules() {
    let ports = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: ports}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {matchLabels: {house: gryffindor}}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
    protocols:
    - tcp: {destinationPort: {range: {start: 8000, end: 8100}}}
    - udp: {}
    - destinationNamedPort: metrics
    - sctp: {destinationPort: {number: 9000}}
"#;
    let e = tiered("", &[ports]);
    assert_eq!(decision(&e, &draco(), &harry(), 8050, TCP), Decision::Deny);
    assert_eq!(decision(&e, &draco(), &harry(), 8101, TCP), Decision::Allow);
    assert_eq!(decision(&e, &draco(), &harry(), 53, UDP), Decision::Deny);
    assert_eq!(
        decision(&e, &draco(), &harry(), 9000, Protocol::Sctp),
        Decision::Deny
    );
    assert_eq!(
        decision(&e, &draco(), &harry(), 9001, Protocol::Sctp),
        Decision::Allow
    );
    let mut named = pod_info("gryffindor", "harry", &[], None);
    named.ports.push(NamedPort {
        name: "metrics".into(),
        port: 9090,
        protocol: TCP,
    });
    assert_eq!(
        decision(&e, &draco(), &Endpoint::Pod(named), 9090, TCP),
        Decision::Deny
    );
    // v1alpha1 ports: portNumber, portRange, protocol defaulting to TCP.
    let anp = r#"
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp-ports}
spec:
  priority: 1
  subject: {namespaces: {matchLabels: {house: gryffindor}}}
  ingress:
  - action: Deny
    from: [{namespaces: {}}]
    ports:
    - portNumber: {port: 80}
    - portRange: {protocol: UDP, start: 5000, end: 5010}
"#;
    let e = tiered("", &[anp]);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Deny);
    assert_eq!(decision(&e, &draco(), &harry(), 80, UDP), Decision::Allow);
    assert_eq!(decision(&e, &draco(), &harry(), 5005, UDP), Decision::Deny);
}

#[test]
fn networks_peers_judge_pods_by_ip_and_external_addresses() {
    let egress = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: no-private}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}
"#;
    let e = tiered("", &[egress]);
    assert_eq!(
        decision(&e, &harry(), &ext("10.1.2.3"), 443, TCP),
        Decision::Deny
    );
    assert_eq!(
        decision(&e, &harry(), &ext("8.8.8.8"), 443, TCP),
        Decision::Allow
    );
    assert_eq!(
        decision(
            &e,
            &harry(),
            &pod_ip("slytherin", "d", &[], "10.244.0.7"),
            80,
            TCP
        ),
        Decision::Deny,
        "cluster-internal traffic is checked against networks too"
    );
    // A pod of unknown IP: unknown, unless the pod ranges tell.
    let v = check(&e, &harry(), &draco(), 80, TCP);
    assert_eq!(v.decision, Decision::Unknown, "{}", v.explain());
    assert!(v.explain().contains("--pod-cidr"), "{}", v.explain());
    let inside = tiered("", &[egress]).with_pod_cidrs(vec![Cidr::parse("10.244.0.0/16").unwrap()]);
    assert_eq!(
        decision(&inside, &harry(), &draco(), 80, TCP),
        Decision::Deny
    );
    let outside =
        tiered("", &[egress]).with_pod_cidrs(vec![Cidr::parse("192.168.0.0/16").unwrap()]);
    assert_eq!(
        decision(&outside, &harry(), &draco(), 80, TCP),
        Decision::Allow
    );
}

#[test]
fn ip_blocks_of_network_policies_over_pods_of_unknown_ip_are_unknown_not_guessed() {
    let allow_private = r#"
metadata: {name: egress-private, namespace: gryffindor}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.96.0.0/12]}}]}]
"#;
    let e = tiered(allow_private, &[]);
    assert_eq!(decision(&e, &harry(), &draco(), 80, TCP), Decision::Unknown);
    assert_eq!(
        decision(
            &e,
            &harry(),
            &pod_ip("slytherin", "d", &[], "10.244.1.1"),
            80,
            TCP
        ),
        Decision::Allow
    );
    let e = tiered(allow_private, &[]).with_pod_cidrs(vec![Cidr::parse("10.244.0.0/16").unwrap()]);
    assert_eq!(decision(&e, &harry(), &draco(), 80, TCP), Decision::Allow);
    let e = tiered(allow_private, &[]).with_pod_cidrs(vec![Cidr::parse("10.100.0.0/16").unwrap()]);
    assert_eq!(
        decision(&e, &harry(), &draco(), 80, TCP),
        Decision::Deny,
        "pods are in the except block"
    );
}

#[test]
fn peers_of_unknown_shape_fail_closed_and_unresolved_peers_are_unknown() {
    let deny_empty = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: future}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{}]}]
"#;
    let e = tiered("", &[deny_empty]);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Deny);
    let accept_empty = deny_empty.replace("action: Deny", "action: Accept");
    let deny_all_np = "metadata: {name: d, namespace: gryffindor}\nspec: {podSelector: {}, policyTypes: [Ingress]}";
    let e = tiered(deny_all_np, &[&accept_empty]);
    assert_eq!(
        decision(&e, &draco(), &harry(), 80, TCP),
        Decision::Deny,
        "an Accept of no known peer accepts nothing"
    );
    let nodes = r#"
apiVersion: policy.networking.k8s.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: nodes}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  egress: [{action: Deny, to: [{nodes: {}}, {domainNames: ["*.example.com"]}]}]
"#;
    let e = tiered("", &[nodes]);
    assert_eq!(decision(&e, &harry(), &draco(), 80, TCP), Decision::Allow);
    assert_eq!(
        decision(&e, &harry(), &ext("192.0.2.1"), 80, TCP),
        Decision::Unknown
    );
}

#[test]
fn a_baseline_admin_network_policy_is_the_last_word_before_the_default() {
    let banp = r#"
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
  - {action: Allow, from: [{namespaces: {matchLabels: {house: ravenclaw}}}]}
  - {action: Deny, from: [{namespaces: {}}]}
"#;
    let e = tiered("", &[banp]);
    assert_eq!(decision(&e, &luna(), &harry(), 80, TCP), Decision::Allow);
    assert_eq!(decision(&e, &draco(), &harry(), 80, TCP), Decision::Deny);
    let policy = cp(banp);
    assert_eq!(
        (policy.tier, policy.priority),
        (Tier::Baseline, cluster::BANP_PRIORITY)
    );
}

#[test]
fn cni_policies_make_the_directions_they_may_select_unknown() {
    let cilium = CniPolicy::from_value(
        "cilium.io/v2",
        "CiliumNetworkPolicy",
        &json!({"metadata": {"name": "l7-rules", "namespace": "gryffindor"}}),
    );
    let e = tiered("", &[]).with_cni_policies(&[cilium]);
    let v = check(&e, &draco(), &harry(), 80, TCP);
    assert_eq!(v.decision, Decision::Unknown);
    assert!(
        v.explain()
            .contains("CiliumNetworkPolicy.cilium.io gryffindor/l7-rules"),
        "{}",
        v.explain()
    );
    assert_eq!(decision(&e, &draco(), &luna(), 80, TCP), Decision::Allow);
}

#[test]
fn invalid_cluster_policies_name_the_field() {
    let v: serde_json::Value = serde_yaml::from_str(
        "apiVersion: policy.networking.k8s.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: x}\nspec: {tier: Middle, priority: 1, subject: {namespaces: {}}}",
    )
    .unwrap();
    let e = ClusterPolicy::from_value(
        "policy.networking.k8s.io/v1beta1",
        "ClusterNetworkPolicy",
        &v,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("spec.tier") && e.contains("Middle"), "{e}");
    let v: serde_json::Value = serde_yaml::from_str(
        "apiVersion: policy.networking.k8s.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: x}\nspec: {tier: Admin, priority: 5000, subject: {namespaces: {}}}",
    )
    .unwrap();
    let e = ClusterPolicy::from_value(
        "policy.networking.k8s.io/v1beta1",
        "ClusterNetworkPolicy",
        &v,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("5000"), "{e}");
}
