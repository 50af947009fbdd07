//! Unit tests of the probe planner, prediction, report and decisions (no
//! cluster).
//!
//! This file holds the plan and NetworkPolicy fixtures the tests share.

mod classes;
mod lifecycle;
mod plan;
mod pods;
mod prediction;
mod report;
mod status;
mod targets;
mod tiers;

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::*;
use crate::netpol::{Evaluator, NamespaceInfo, Protocol};

fn opts(namespaces: &[&str], ports: &[u16]) -> ProbeOptions {
    ProbeOptions {
        namespaces: namespaces.iter().map(|s| s.to_string()).collect(),
        ports: ports.to_vec(),
        protocol: Protocol::Tcp,
        image: "registry.k8s.io/e2e-test-images/agnhost:2.53".into(),
        pod_labels: BTreeMap::from([("app".to_string(), "web".to_string())]),
        client_labels: BTreeMap::new(),
        server_labels: BTreeMap::new(),
        targets: Vec::new(),
        run_id: "run1".into(),
        timeout: Duration::from_secs(60),
    }
}

fn plan(namespaces: &[&str], ports: &[u16]) -> ProbePlan {
    ProbePlan::new(opts(namespaces, ports)).expect("valid plan")
}

/// What `kubectl ns-policy create` puts in a namespace (network part):
/// default deny both ways, same-namespace traffic allowed both ways.
fn isolated_policies(ns: &str) -> Vec<NetworkPolicy> {
    let yaml = format!(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-same-namespace, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{{podSelector: {{}}}}]
  egress:
  - to: [{{podSelector: {{}}}}]
"#
    );
    yaml.split("\n---\n")
        .map(|d| serde_yaml::from_str(d).expect("fixture"))
        .collect()
}

fn two_isolated() -> (ProbePlan, Evaluator) {
    let p = plan(&["pr-1", "pr-2"], &[8080]);
    let mut policies = isolated_policies("pr-1");
    policies.extend(isolated_policies("pr-2"));
    let ev = Evaluator::new(
        vec![
            NamespaceInfo::new("pr-1", BTreeMap::new()),
            NamespaceInfo::new("pr-2", BTreeMap::new()),
        ],
        policies,
    );
    (p, ev)
}
