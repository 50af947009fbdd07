//! The profile's allows, judged by meaning: every connection an expected
//! allow permits must be permitted by the namespace's policies
//! (`network-policy.allow-missing`), and some policy should say the same as
//! the profile's, whatever its name (`network-policy.allow-drift`). DNS is
//! judged by the network-dns checks instead, which accept its variants.

use super::*;
use crate::netpol::witness;

impl Ctx<'_, '_> {
    pub(super) fn required_allows(
        &mut self,
        live: &[NetworkPolicy],
        ns_labels: &BTreeMap<String, String>,
        pols: &[&Item<NetworkPolicy>],
        cluster: &[crate::netpol::ClusterPolicy],
        isolated: (bool, bool),
    ) {
        let ns = self.ns;
        let Some(bundle) = self.expected() else {
            return;
        };
        let expected: Vec<&NetworkPolicy> = bundle
            .network_policies()
            .filter(|p| {
                !matches!(
                    name_of(&p.metadata),
                    crate::reserved::DEFAULT_DENY | crate::reserved::ALLOW_DNS
                )
            })
            .collect();
        // One evaluator for the samples of every expected allow.
        let mut namespaces = vec![NamespaceInfo::new(ns, ns_labels.clone())];
        let samples: Vec<Vec<witness::Sample>> = expected
            .iter()
            .map(|want| witness::samples(want, ns, ns_labels, &mut namespaces))
            .collect();
        let evaluator = Evaluator::new(namespaces, live.to_vec()).with_cluster_policies(cluster);
        let live_normalized: Vec<serde_json::Value> =
            live.iter().map(witness::normalized).collect();
        for (want, samples) in expected.iter().zip(&samples) {
            let name = name_of(&want.metadata).to_string();
            let same_named = pols.iter().find(|p| name_of(&p.object.metadata) == name);
            let source = same_named.and_then(|p| p.source.as_ref());
            let mut undecided: Option<String> = None;
            let blocked: Vec<(String, String, Option<String>)> = samples
                .iter()
                .filter_map(|s| {
                    let (from, to) = s.ends();
                    let v = evaluator.evaluate(&from, &to, s.port, s.protocol);
                    let d = match s.direction {
                        Direction::Ingress => v.ingress,
                        Direction::Egress => v.egress,
                    };
                    match d.decision {
                        crate::netpol::Decision::Allow => None,
                        crate::netpol::Decision::Unknown => {
                            undecided.get_or_insert_with(|| {
                                format!("{}: {}", s.description, d.explain())
                            });
                            None
                        }
                        crate::netpol::Decision::Deny => Some((
                            s.description.clone(),
                            d.explain(),
                            d.cluster_rule
                                .as_ref()
                                .filter(|r| r.tier == crate::netpol::Tier::Admin)
                                .map(|r| r.policy.clone()),
                        )),
                    }
                })
                .collect();
            if blocked.is_empty() {
                if let Some(why) = undecided {
                    self.unknown("network-policy.allow-missing", &why);
                    continue;
                }
            }
            if let Some((what, why, by_cluster)) = blocked.first() {
                let more = match blocked.len() {
                    1 => String::new(),
                    n => format!(" ({} more blocked)", n - 1),
                };
                // An Admin-tier Deny is decided before NetworkPolicies: no
                // NetworkPolicy of the namespace can fix it (a Baseline-tier
                // one is overridden by the profile's NetworkPolicies).
                let fix = match by_cluster {
                    Some(policy) => {
                        let (kind, pname) = policy.split_once('/').unwrap_or((policy, ""));
                        format!(
                            "{policy} denies it before NetworkPolicies are consulted: the cluster admins must let it through \
                             (a Pass or Accept rule for this traffic; kubectl edit {} {pname})",
                            kind.to_lowercase()
                        )
                    }
                    None => self.fix_with("NetworkPolicy", &name),
                };
                self.push(
                    "network-policy.allow-missing",
                    Severity::Error,
                    format!(
                        "Profile {} allows {what} (NetworkPolicy/{name}), but the policies of namespace {ns} \
                         block it: {why}{more}",
                        self.profile_name
                    ),
                    fix,
                    Some(format!("NetworkPolicy/{name}")),
                    source,
                );
                continue;
            }
            let want_normalized = witness::normalized(want);
            // Without isolation the not-isolated findings say it all.
            let (ingress, egress) = crate::netpol::affects_of(want);
            let moot = (ingress && !isolated.0) || (egress && !isolated.1);
            if moot || live_normalized.contains(&want_normalized) {
                continue;
            }
            let message = match live.iter().find(|p| name_of(&p.metadata) == name) {
                Some(p) => {
                    let changes = crate::plan::diff(&want_normalized, &witness::normalized(p));
                    let paths: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
                    format!(
                        "NetworkPolicy/{name} allows more than profile {} writes (it differs at {}): \
                         the profile's traffic passes, but so may other traffic",
                        self.profile_name,
                        if paths.is_empty() {
                            "its rules".to_string()
                        } else {
                            paths.join(", ")
                        }
                    )
                }
                None => format!(
                    "No NetworkPolicy of namespace {ns} says what the profile's allow {name} says; \
                     its traffic passes through other policies, which may allow more"
                ),
            };
            let fix = self.fix_with("NetworkPolicy", &name);
            self.push(
                "network-policy.allow-drift",
                Severity::Warning,
                message,
                fix,
                Some(format!("NetworkPolicy/{name}")),
                source,
            );
        }
    }
}
