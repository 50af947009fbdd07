//! NetworkPolicy isolation, open rules and DNS egress, judged by the
//! evaluator, with the cluster network policy tiers; CNI plugin policies
//! make these checks unknown.

use super::tiers::{self, TierIsolation};
use super::*;
use crate::netpol::{witness, Decision};

/// The checks the network policies of a namespace decide (all unknown when
/// they cannot be decided).
const NETWORK_CHECKS: [&str; 8] = [
    "network-policy.ingress-not-isolated",
    "network-policy.egress-not-isolated",
    "network-policy.pod-not-isolated",
    "network-policy.open-rule",
    "network-policy.allow-missing",
    "network-policy.allow-drift",
    "network-policy.cluster-accept",
    "network-dns.blocked",
];

impl Ctx<'_, '_> {
    pub(super) fn network(&mut self) {
        let pols = match &self.snap.network_policies {
            Access::Known(p) => p,
            Access::Forbidden(m) => {
                for id in NETWORK_CHECKS {
                    self.unknown(id, m);
                }
                return;
            }
        };
        let ns = self.ns;
        // A policy the API server would refuse (manifests on disk) never
        // takes effect: reported, and left out of every evaluation.
        let mut valid = Vec::with_capacity(pols.len());
        for p in pols.iter() {
            let problems = crate::apivalidation::network_policy(&p.object);
            if problems.is_empty() {
                valid.push(*p);
                continue;
            }
            let name = name_of(&p.object.metadata);
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            self.push(
                "network-policy.invalid",
                Severity::Error,
                format!(
                    "NetworkPolicy/{name} would be refused by the API server: {}",
                    problems.join("; ")
                ),
                format!(
                    "fix the fields named (the server refuses the whole object: it is neither applied nor evaluated here); check with kubectl apply --dry-run=server -f {}",
                    p.source.as_ref().map_or("<file>".to_string(), |s| s.path.to_string())
                ),
                Some(format!("NetworkPolicy/{name}")),
                p.source.as_ref(),
            );
        }
        if let Some(why) = self.undecidable_network() {
            for id in NETWORK_CHECKS {
                self.unknown(id, &why);
            }
            return;
        }
        let cluster = self.cluster_policies();
        let pols = &valid;
        let owned: Vec<NetworkPolicy> = pols
            .iter()
            .map(|p| {
                let mut p = p.object.clone();
                if p.metadata.namespace.as_deref().is_none_or(str::is_empty) {
                    p.metadata.namespace = Some(ns.to_string());
                }
                p
            })
            .collect();
        let source_of = |name: &str| {
            pols.iter()
                .find(|p| name_of(&p.object.metadata) == name)
                .and_then(|p| p.source.as_ref())
        };
        let iso = netpol::namespace_isolation(ns, &owned);
        let wants = |d: Direction| {
            self.profile.network.isolates(match d {
                Direction::Ingress => crate::baseline::PolicyType::Ingress,
                Direction::Egress => crate::baseline::PolicyType::Egress,
            })
        };
        let mut ns_labels = self.labels.clone();
        ns_labels.insert(NAMESPACE_NAME_LABEL.to_string(), ns.to_string());
        let tier_eval =
            (!cluster.is_empty()).then(|| tiers::evaluator(ns, &ns_labels, &owned, &cluster));
        // Isolated per direction: by a NetworkPolicy selecting every pod, or
        // by the cluster tiers (a Baseline deny isolates a namespace
        // without NetworkPolicies).
        let mut isolated = [iso.ingress_isolated(), iso.egress_isolated()];
        for (i, dir) in [Direction::Ingress, Direction::Egress]
            .into_iter()
            .enumerate()
        {
            if !wants(dir) {
                continue;
            }
            if isolated[i] {
                if let Some(e) = &tier_eval {
                    self.cluster_accepts(e, dir);
                }
                continue;
            }
            let check = format!("network-policy.{dir}-not-isolated");
            let by_tiers = tier_eval.as_ref().map(|e| tiers::isolation(e, ns, dir));
            match by_tiers {
                Some(TierIsolation::Isolated) => {
                    isolated[i] = true;
                    continue;
                }
                Some(TierIsolation::Unknown(why)) => {
                    self.unknown(&check, &why);
                    continue;
                }
                Some(TierIsolation::Open) | None => {}
            }
            let fix = self.fix_with("NetworkPolicy", crate::reserved::DEFAULT_DENY);
            self.push_ns(
                &check,
                Severity::Error,
                format!(
                    "No NetworkPolicy of namespace {ns} selects every pod (podSelector: {{}}) for {dir} \
                     (spec.policyTypes){}: pods accept/open any {dir} connection",
                    if cluster.is_empty() {
                        ""
                    } else {
                        ", nor do the cluster network policies deny it"
                    }
                ),
                fix,
            );
        }
        // Policies the profile itself asks for are never "open rules".
        let required: Vec<serde_json::Value> = self
            .expected()
            .map(|b| b.network_policies().map(witness::normalized).collect())
            .unwrap_or_default();
        for open in &iso.open_rules {
            let name = open.rule.policy.name.clone();
            let is_required = owned
                .iter()
                .filter(|p| name_of(&p.metadata) == name)
                .any(|p| required.contains(&witness::normalized(p)));
            if is_required {
                continue;
            }
            let field = match open.rule.direction {
                Direction::Ingress => "ingress",
                Direction::Egress => "egress",
            };
            let source = source_of(&name);
            self.push(
                "network-policy.open-rule",
                Severity::Error,
                format!(
                    "NetworkPolicy/{name} spec.{field}[{}] selects every pod and {}: it undoes the default deny",
                    open.rule.rule_index, open.reason
                ),
                format!(
                    "remove spec.{field}[{}] from NetworkPolicy/{name}, or restrict it with peers and ports \
                     (kubectl -n {ns} edit networkpolicy {name})",
                    open.rule.rule_index
                ),
                Some(format!("NetworkPolicy/{name}")),
                source,
            );
            self.at_field(format!("spec.{field}[{}]", open.rule.rule_index));
        }

        self.required_allows(
            &owned,
            &ns_labels,
            pols,
            &cluster,
            (isolated[0], isolated[1]),
        );
        let dns = &self.baseline.spec.network.dns;
        let evaluator = Evaluator::new(
            vec![
                NamespaceInfo::new(ns, ns_labels),
                NamespaceInfo::new(dns.namespace.clone(), BTreeMap::new()),
                NamespaceInfo::new(OPENSHIFT_DNS_NAMESPACE, BTreeMap::new()),
            ],
            owned,
        )
        .with_cluster_policies(&cluster);
        let pods: Vec<(&Item<k8s_openapi::api::core::v1::Pod>, PodInfo)> = self
            .snap
            .pods
            .known()
            .map(|pods| {
                pods.iter()
                    .map(|p| {
                        let info = PodInfo {
                            namespace: ns.to_string(),
                            name: name_of(&p.object.metadata).to_string(),
                            labels: p.object.metadata.labels.clone().unwrap_or_default(),
                            ip: None,
                            ports: Vec::new(),
                        };
                        (*p, info)
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (pod, info) in &pods {
            let open: Vec<String> = [
                (Direction::Ingress, iso.ingress_isolated()),
                (Direction::Egress, iso.egress_isolated()),
            ]
            .into_iter()
            .filter(|(d, all)| {
                let by_tiers = match d {
                    Direction::Ingress => isolated[0],
                    Direction::Egress => isolated[1],
                };
                !all && !by_tiers && wants(*d) && evaluator.isolating_policies(info, *d).is_empty()
            })
            .map(|(d, _)| d.to_string())
            .collect();
            if open.is_empty() {
                continue;
            }
            let fix = self.fix_with("NetworkPolicy", crate::reserved::DEFAULT_DENY);
            self.push(
                "network-policy.pod-not-isolated",
                Severity::Warning,
                format!(
                    "Pod/{} (labels {:?}) is selected by no NetworkPolicy for {}",
                    info.name,
                    info.labels,
                    open.join(" and ")
                ),
                fix,
                Some(format!("Pod/{}", info.name)),
                pod.source.as_ref(),
            );
        }
        if self.profile.network.allow_dns {
            self.dns(&evaluator, isolated[1], &pods, pols);
        }
    }

    fn dns(
        &mut self,
        evaluator: &Evaluator,
        egress_all: bool,
        pods: &[(&Item<k8s_openapi::api::core::v1::Pod>, PodInfo)],
        pols: &[&Item<NetworkPolicy>],
    ) {
        let ns = self.ns;
        let dns = &self.baseline.spec.network.dns;
        let named = |port: u16| {
            vec![
                NamedPort {
                    name: "dns".into(),
                    port,
                    protocol: Protocol::Udp,
                },
                NamedPort {
                    name: "dns-tcp".into(),
                    port,
                    protocol: Protocol::Tcp,
                },
            ]
        };
        let mut targets: Vec<(Endpoint, u16)> = Vec::new();
        for port in &dns.ports {
            targets.push((
                Endpoint::Pod(PodInfo {
                    namespace: dns.namespace.clone(),
                    name: "cluster-dns".into(),
                    labels: dns.pod_selector.clone(),
                    ip: None,
                    ports: named(*port),
                }),
                *port,
            ));
        }
        targets.push((Endpoint::External(NODELOCAL_DNS.into()), 53));
        let openshift = Endpoint::Pod(PodInfo {
            namespace: OPENSHIFT_DNS_NAMESPACE.into(),
            name: "dns-default".into(),
            labels: BTreeMap::from([(
                OPENSHIFT_DNS_LABEL.0.to_string(),
                OPENSHIFT_DNS_LABEL.1.to_string(),
            )]),
            ip: None,
            ports: named(OPENSHIFT_DNS_PORT),
        });
        targets.push((openshift.clone(), OPENSHIFT_DNS_PORT));
        targets.push((openshift, 53));
        // A protocol is blocked when no target is allowed and none is
        // unknown; unknown when none is allowed and one is unknown.
        let unknown_dns: std::cell::RefCell<Option<String>> = std::cell::RefCell::new(None);
        let blocked = |src: &Endpoint| -> Vec<Protocol> {
            [Protocol::Udp, Protocol::Tcp]
                .into_iter()
                .filter(|proto| {
                    let decisions: Vec<(Decision, &Endpoint, u16)> = targets
                        .iter()
                        .map(|(dst, port)| (evaluator.decide(src, dst, *port, *proto), dst, *port))
                        .collect();
                    if decisions.iter().any(|(d, _, _)| *d == Decision::Allow) {
                        return false;
                    }
                    if let Some((_, dst, port)) =
                        decisions.iter().find(|(d, _, _)| *d == Decision::Unknown)
                    {
                        unknown_dns.borrow_mut().get_or_insert_with(|| {
                            format!(
                                "DNS over {proto}: {}",
                                evaluator.evaluate(src, dst, *port, *proto).explain()
                            )
                        });
                        return false;
                    }
                    true
                })
                .collect()
        };
        let id_of = |b: &[Protocol]| match b {
            [Protocol::Udp] => "network-dns.udp-blocked",
            [Protocol::Tcp] => "network-dns.tcp-blocked",
            _ => "network-dns.blocked",
        };
        let what = |b: &[Protocol]| match b {
            [Protocol::Udp] => "DNS over UDP",
            [Protocol::Tcp] => "DNS over TCP",
            _ => "DNS over UDP and TCP",
        };
        // Hand-made `name: <ns>` namespace labels: the API server never sets them.
        let mut hint = String::new();
        for p in pols {
            let egress = p
                .object
                .spec
                .as_ref()
                .and_then(|s| s.egress.as_ref())
                .into_iter()
                .flatten();
            let uses_name = egress
                .flat_map(|r| r.to.iter().flatten())
                .filter_map(|peer| peer.namespace_selector.as_ref())
                .any(|sel| {
                    sel.match_labels
                        .as_ref()
                        .is_some_and(|m| m.contains_key("name"))
                        || sel
                            .match_expressions
                            .iter()
                            .flatten()
                            .any(|e| e.key == "name")
                });
            if uses_name {
                hint = format!(
                    "; NetworkPolicy/{} selects namespaces by the label `name`, which the API server does not set: \
                     select {} by {NAMESPACE_NAME_LABEL} instead",
                    name_of(&p.object.metadata),
                    dns.namespace
                );
                break;
            }
        }
        let remediation = |this: &Self| {
            let yaml = this.rendered("NetworkPolicy", crate::reserved::ALLOW_DNS);
            let mut r = format!(
                "allow egress to {}/{} ({}) on port(s) {:?} over UDP and TCP, selecting the namespace by \
                 {NAMESPACE_NAME_LABEL}: {}",
                dns.namespace,
                "pods",
                dns.pod_selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
                dns.ports,
                this.fix_command()
            );
            if let Some(y) = yaml {
                r.push_str(", or apply:\n");
                r.push_str(&y);
            }
            r
        };
        let synthetic_blocked = if egress_all {
            let src = Endpoint::Pod(PodInfo {
                namespace: ns.to_string(),
                name: "any-pod".into(),
                labels: BTreeMap::new(),
                ip: None,
                ports: Vec::new(),
            });
            blocked(&src)
        } else {
            Vec::new()
        };
        let mut failing_pods: Vec<(String, Vec<Protocol>, Option<&Source>)> = Vec::new();
        for (pod, info) in pods {
            if !egress_all
                && evaluator
                    .isolating_policies(info, Direction::Egress)
                    .is_empty()
            {
                continue;
            }
            let b = blocked(&Endpoint::Pod(info.clone()));
            if !b.is_empty() {
                failing_pods.push((info.name.clone(), b, pod.source.as_ref()));
            }
        }
        if let Some(why) = unknown_dns.borrow_mut().take() {
            if synthetic_blocked.is_empty() && failing_pods.is_empty() {
                self.unknown("network-dns.blocked", &why);
                return;
            }
        }
        if !synthetic_blocked.is_empty() {
            let b = &synthetic_blocked;
            let mut msg = format!(
                "The egress NetworkPolicies of namespace {ns} block {} to cluster DNS ({}/{} port(s) {:?}; \
                 NodeLocal DNSCache and OpenShift DNS also checked): pods cannot resolve names",
                what(b),
                dns.namespace,
                dns.pod_selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
                dns.ports
            );
            if !failing_pods.is_empty() {
                let names: Vec<&str> = failing_pods.iter().map(|(n, _, _)| n.as_str()).collect();
                let shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
                msg.push_str(&format!(
                    "; affected pods: {shown}{}",
                    if names.len() > 5 { ", ..." } else { "" }
                ));
            }
            msg.push_str(&hint);
            let rem = remediation(self);
            self.push_ns(id_of(b), Severity::Error, msg, rem);
        } else {
            for (name, b, source) in failing_pods {
                let msg = format!(
                    "The egress NetworkPolicies selecting Pod/{name} block {} to cluster DNS ({}){hint}",
                    what(&b),
                    dns.namespace
                );
                let rem = remediation(self);
                self.push(
                    id_of(&b),
                    Severity::Error,
                    msg,
                    rem,
                    Some(format!("Pod/{name}")),
                    source,
                );
            }
        }
    }
}
