//! The connectivity diff of two manifest sets (a GitOps pull request's
//! before and after): every ordered pair of namespaces, pods, protocol and
//! port range whose verdict changes, with the policies that changed it.
//!
//! * Namespaces present on both sides are compared; namespaces added or
//!   removed are listed (their isolation is `audit`'s job).
//! * The pods of a namespace are the distinct label sets (and named ports)
//!   of its workloads' pod templates and bare pods, on either side; a
//!   namespace without any has one pod with no labels (`*`).
//! * Ports are not sampled: for each protocol the range 1-65535 is cut at
//!   every port, `endPort` and cluster policy port range either side
//!   mentions (named ports resolved against the pods' container ports), so
//!   one evaluation per piece decides the whole piece. Adjacent pieces that
//!   change the same way are reported as one range.
//! * Only pairs where something could change are evaluated: one of the two
//!   namespaces has other labels or policies, or the cluster or CNI
//!   policies differ (then every pair).
//! * Verdicts are the [`Evaluator`]'s, cluster tiers included: `unknown`
//!   where CNI policies select pods or an address cannot be placed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::inventory::{namespace_of, Inventory};
use crate::netpol::cluster::ClusterPort;
use crate::netpol::{
    Cidr, Decision, DirectionVerdict, Endpoint, Evaluator, NamedPort, PodInfo, Protocol, Verdict,
};

/// `apiVersion` of a [`ConnectivityDiff`].
pub const DIFF_API_VERSION: &str = "ns-policy.io/v1alpha1";
/// `kind` of a [`ConnectivityDiff`].
pub const DIFF_KIND: &str = "ConnectivityDiff";

/// Options of [`diff`].
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// Only these namespaces (all common ones when empty).
    pub namespaces: Vec<String>,
    /// The cluster's pod ranges (see [`Evaluator::with_pod_cidrs`]).
    pub pod_cidrs: Vec<Cidr>,
}

/// One changed connection: a pair of pods, a protocol and a port range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// Namespace of the client.
    pub from: String,
    /// The client pods' labels (`app=web,tier=api`), `*` for any pod.
    pub from_pods: String,
    /// Namespace of the server.
    pub to: String,
    /// The server pods' labels, `*` for any pod.
    pub to_pods: String,
    /// Protocol.
    pub protocol: Protocol,
    /// First port of the range.
    pub port: u16,
    /// Last port of the range (equal to `port` for one port).
    pub end_port: u16,
    /// Verdict before.
    pub before: Decision,
    /// Verdict after.
    pub after: Decision,
    /// The policies (or namespace labels) whose change made the difference.
    pub changed_by: Vec<String>,
    /// Why, after ([`Verdict::explain`]).
    pub explanation: String,
    /// Why, before.
    pub before_explanation: String,
}

impl Change {
    /// `8080` or `8000-8999`.
    pub fn ports(&self) -> String {
        if self.port == self.end_port {
            self.port.to_string()
        } else {
            format!("{}-{}", self.port, self.end_port)
        }
    }

    /// Allowed after and not before.
    pub fn opens(&self) -> bool {
        self.after == Decision::Allow && self.before != Decision::Allow
    }

    /// Denied before, unknown after: it may have opened.
    pub fn may_open(&self) -> bool {
        self.after == Decision::Unknown && self.before == Decision::Deny
    }
}

/// Counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffSummary {
    /// Ordered namespace pairs compared (those where something could
    /// change).
    pub pairs_compared: usize,
    /// Changes.
    pub changes: usize,
    /// Changes that open a connection.
    pub opened: usize,
    /// Changes that close one.
    pub closed: usize,
    /// Changes to or from unknown.
    pub unknown: usize,
}

/// The diff (`-o json|yaml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectivityDiff {
    /// [`DIFF_API_VERSION`].
    pub api_version: String,
    /// [`DIFF_KIND`].
    pub kind: String,
    /// Namespaces on both sides, compared.
    pub namespaces: Vec<String>,
    /// Namespaces only after.
    pub added_namespaces: Vec<String>,
    /// Namespaces only before.
    pub removed_namespaces: Vec<String>,
    /// Policies added, removed or changed (`NetworkPolicy ns/name`,
    /// `ClusterNetworkPolicy/name`...).
    pub changed_policies: Vec<String>,
    /// Every change, by from, to, pods, protocol, port.
    pub changes: Vec<Change>,
    /// Counts.
    pub summary: DiffSummary,
}

impl ConnectivityDiff {
    /// Some connection opens (or may open: denied before, unknown after).
    pub fn opens(&self) -> bool {
        self.changes.iter().any(|c| c.opens() || c.may_open())
    }
}

/// One side, ready to evaluate.
struct Side {
    evaluator: Evaluator,
    /// Namespace -> labels (name label added).
    labels: HashMap<String, BTreeMap<String, String>>,
    /// Fingerprints of the policies, by reference.
    policies: BTreeMap<String, Value>,
    /// Namespace -> its NetworkPolicies' fingerprints.
    ns_policies: HashMap<String, Vec<Value>>,
    /// Cluster and CNI policies' fingerprints (any change touches every pair).
    cluster: Vec<Value>,
}

fn np_ref(ns: &str, name: &str) -> String {
    format!("NetworkPolicy {ns}/{name}")
}

impl Side {
    fn new(set: &Inventory, pod_cidrs: &[Cidr]) -> Result<Side> {
        crate::manifests::refuse_invalid_network_policies(set)?;
        let mut policies = BTreeMap::new();
        let mut ns_policies: HashMap<String, Vec<Value>> = HashMap::new();
        for p in set.network_policies.known().into_iter().flatten() {
            let ns = namespace_of(&p.object.metadata).to_string();
            let name = p.object.metadata.name.clone().unwrap_or_default();
            let fp = crate::netpol::witness::normalized(&p.object);
            policies.insert(np_ref(&ns, &name), fp.clone());
            ns_policies.entry(ns).or_default().push(fp);
        }
        for list in ns_policies.values_mut() {
            list.sort_by_key(ToString::to_string);
        }
        let mut cluster = Vec::new();
        for c in set.cluster_policies.known().into_iter().flatten() {
            let fp = serde_json::to_value(&c.object).unwrap_or(Value::Null);
            policies.insert(c.object.reference(), fp.clone());
            cluster.push(fp);
        }
        for c in set.cni_policies.known().into_iter().flatten() {
            let fp = serde_json::to_value(&c.object).unwrap_or(Value::Null);
            policies.insert(c.object.reference(), fp.clone());
            cluster.push(fp);
        }
        cluster.sort_by_key(ToString::to_string);
        let labels = set
            .namespaces
            .iter()
            .filter_map(|n| {
                let name = n.object.metadata.name.clone()?;
                let mut l = n.object.metadata.labels.clone().unwrap_or_default();
                l.insert(crate::NAMESPACE_NAME_LABEL.to_string(), name.clone());
                Some((name, l))
            })
            .collect();
        Ok(Side {
            evaluator: set.evaluator().with_pod_cidrs(pod_cidrs.to_vec()),
            labels,
            policies,
            ns_policies,
            cluster,
        })
    }

    fn namespace_fingerprint(&self, ns: &str) -> (Option<&BTreeMap<String, String>>, &[Value]) {
        (
            self.labels.get(ns),
            self.ns_policies.get(ns).map(Vec::as_slice).unwrap_or(&[]),
        )
    }
}

/// A pod shape of a namespace: labels and named ports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    labels: BTreeMap<String, String>,
    ports: Vec<(String, u16, Protocol)>,
}

impl Shape {
    fn id(&self) -> String {
        if self.labels.is_empty() {
            return "*".into();
        }
        self.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn endpoint(&self, ns: &str) -> Endpoint {
        Endpoint::Pod(PodInfo {
            namespace: ns.to_string(),
            name: self.id(),
            labels: self.labels.clone(),
            ip: None,
            ports: self
                .ports
                .iter()
                .map(|(name, port, protocol)| NamedPort {
                    name: name.clone(),
                    port: *port,
                    protocol: *protocol,
                })
                .collect(),
        })
    }
}

fn shape_of(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: &k8s_openapi::api::core::v1::PodSpec,
) -> Shape {
    let mut ports: Vec<(String, u16, Protocol)> = spec
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            let name = p.name.clone()?;
            let port = u16::try_from(p.container_port).ok()?;
            let protocol = p
                .protocol
                .as_deref()
                .unwrap_or("TCP")
                .parse()
                .unwrap_or_default();
            Some((name, port, protocol))
        })
        .collect();
    ports.sort();
    ports.dedup();
    Shape {
        labels: meta.labels.clone().unwrap_or_default(),
        ports,
    }
}

/// The pod shapes of every namespace, from both sides.
fn shapes(sets: [&Inventory; 2]) -> HashMap<String, Vec<Shape>> {
    let mut out: HashMap<String, BTreeSet<Shape>> = HashMap::new();
    for set in sets {
        for w in set.workloads.known().into_iter().flatten() {
            if let Some(t) = w.object.pod_template() {
                out.entry(namespace_of(w.object.meta()).to_string())
                    .or_default()
                    .insert(shape_of(t.metadata, t.spec));
            }
        }
        for p in set.pods.known().into_iter().flatten() {
            let owned = p
                .object
                .metadata
                .owner_references
                .as_ref()
                .is_some_and(|o| !o.is_empty());
            if let (false, Some(spec)) = (owned, &p.object.spec) {
                out.entry(namespace_of(&p.object.metadata).to_string())
                    .or_default()
                    .insert(shape_of(&p.object.metadata, spec));
            }
        }
    }
    out.into_iter()
        .map(|(ns, s)| (ns, s.into_iter().collect()))
        .collect()
}

/// Where the verdict may change along 1-65535, per protocol: the first
/// port of every piece.
fn cuts(
    sets: [&Inventory; 2],
    shapes: &HashMap<String, Vec<Shape>>,
) -> BTreeMap<Protocol, Vec<u16>> {
    let mut at: BTreeMap<Protocol, BTreeSet<u32>> = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]
        .into_iter()
        .map(|p| (p, BTreeSet::from([1u32])))
        .collect();
    let named = |name: &str, protocol: Option<Protocol>| -> Vec<(Protocol, u16)> {
        shapes
            .values()
            .flatten()
            .flat_map(|s| &s.ports)
            .filter(|(n, _, p)| n == name && protocol.is_none_or(|want| want == *p))
            .map(|(_, port, p)| (*p, *port))
            .collect()
    };
    let mut range = |p: Protocol, start: u32, end: u32| {
        if let Some(set) = at.get_mut(&p) {
            set.insert(start.max(1));
            set.insert(end.saturating_add(1));
        }
    };
    for set in sets {
        for np in set.network_policies.known().into_iter().flatten() {
            let Some(spec) = &np.object.spec else {
                continue;
            };
            let rules = spec
                .ingress
                .iter()
                .flatten()
                .flat_map(|r| r.ports.iter().flatten())
                .chain(
                    spec.egress
                        .iter()
                        .flatten()
                        .flat_map(|r| r.ports.iter().flatten()),
                );
            for port in rules {
                let protocol: Protocol = port
                    .protocol
                    .as_deref()
                    .unwrap_or("TCP")
                    .parse()
                    .unwrap_or_default();
                match &port.port {
                    Some(IntOrString::Int(n)) => {
                        let start = u32::try_from(*n).unwrap_or(0);
                        let end = port
                            .end_port
                            .and_then(|e| u32::try_from(e).ok())
                            .unwrap_or(start);
                        range(protocol, start, end.max(start));
                    }
                    Some(IntOrString::String(name)) => {
                        for (p, n) in named(name, Some(protocol)) {
                            range(p, u32::from(n), u32::from(n));
                        }
                    }
                    None => {}
                }
            }
        }
        for c in set.cluster_policies.known().into_iter().flatten() {
            let rules = c.object.ingress.iter().chain(&c.object.egress);
            for port in rules.flat_map(|r| r.ports.iter().flatten()) {
                match port {
                    ClusterPort::Range(p, s, e) => range(*p, u32::from(*s), u32::from(*e)),
                    ClusterPort::Named(name) => {
                        for (p, n) in named(name, None) {
                            range(p, u32::from(n), u32::from(n));
                        }
                    }
                    ClusterPort::Any(_) => {}
                }
            }
        }
    }
    at.into_iter()
        .map(|(p, set)| {
            (
                p,
                set.into_iter()
                    .filter(|n| *n <= 65535)
                    .map(|n| n as u16)
                    .collect(),
            )
        })
        .collect()
}

/// The policies a verdict names (deciding rules, isolating policies,
/// cluster rules and passes).
fn named_policies(v: &Verdict) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |d: &DirectionVerdict| {
        for p in &d.isolating_policies {
            out.insert(np_ref(&p.namespace, &p.name));
        }
        for r in &d.allowed_by {
            out.insert(np_ref(&r.policy.namespace, &r.policy.name));
        }
        if let Some(r) = &d.cluster_rule {
            out.insert(r.policy.clone());
        }
        for r in &d.passed {
            out.insert(r.policy.clone());
        }
    };
    add(&v.egress);
    add(&v.ingress);
    out
}

/// Compares the connectivity of `before` and `after`.
pub fn diff(before: &Inventory, after: &Inventory, opts: &DiffOptions) -> Result<ConnectivityDiff> {
    let b = Side::new(before, &opts.pod_cidrs)?;
    let a = Side::new(after, &opts.pod_cidrs)?;
    let names_b = before.namespace_names();
    let names_a = after.namespace_names();
    let wanted = |n: &String| opts.namespaces.is_empty() || opts.namespaces.contains(n);
    let common: Vec<String> = names_b
        .intersection(&names_a)
        .filter(|n| wanted(n))
        .cloned()
        .collect();
    let added: Vec<String> = names_a
        .difference(&names_b)
        .filter(|n| wanted(n))
        .cloned()
        .collect();
    let removed: Vec<String> = names_b
        .difference(&names_a)
        .filter(|n| wanted(n))
        .cloned()
        .collect();

    let mut changed_policies: BTreeSet<String> = BTreeSet::new();
    for (r, fp) in &a.policies {
        if b.policies.get(r) != Some(fp) {
            changed_policies.insert(r.clone());
        }
    }
    for r in b.policies.keys() {
        if !a.policies.contains_key(r) {
            changed_policies.insert(r.clone());
        }
    }
    let everything = a.cluster != b.cluster;
    let touched: Vec<bool> = common
        .iter()
        .map(|ns| everything || a.namespace_fingerprint(ns) != b.namespace_fingerprint(ns))
        .collect();
    let shapes = shapes([before, after]);
    let any_pod = vec![Shape {
        labels: BTreeMap::new(),
        ports: Vec::new(),
    }];
    let shapes_of = |ns: &str| shapes.get(ns).unwrap_or(&any_pod);
    let cuts = cuts([before, after], &shapes);

    let pairs: Vec<(usize, usize)> = (0..common.len())
        .flat_map(|f| (0..common.len()).map(move |t| (f, t)))
        .filter(|(f, t)| touched[*f] || touched[*t])
        .collect();

    let compare = |(f, t): (usize, usize)| -> Vec<Change> {
        let (from, to) = (&common[f], &common[t]);
        let mut out = Vec::new();
        for fs in shapes_of(from) {
            let src = fs.endpoint(from);
            for ts in shapes_of(to) {
                let dst = ts.endpoint(to);
                for (protocol, starts) in &cuts {
                    let mut open: Option<Change> = None;
                    for (i, &port) in starts.iter().enumerate() {
                        let end = starts.get(i + 1).map_or(65535, |n| n - 1);
                        let db = b.evaluator.decide(&src, &dst, port, *protocol);
                        let da = a.evaluator.decide(&src, &dst, port, *protocol);
                        if db == da {
                            out.extend(open.take());
                            continue;
                        }
                        if let Some(c) = open.as_mut() {
                            if c.before == db
                                && c.after == da
                                && c.end_port.checked_add(1) == Some(port)
                            {
                                c.end_port = end;
                                continue;
                            }
                        }
                        out.extend(open.take());
                        let vb = b.evaluator.evaluate(&src, &dst, port, *protocol);
                        let va = a.evaluator.evaluate(&src, &dst, port, *protocol);
                        let mut by: Vec<String> = named_policies(&vb)
                            .union(&named_policies(&va))
                            .filter(|r| changed_policies.contains(*r))
                            .cloned()
                            .collect();
                        for ns in [from, to] {
                            if a.labels.get(ns.as_str()) != b.labels.get(ns.as_str()) {
                                by.push(format!("labels of Namespace {ns}"));
                            }
                        }
                        if by.is_empty() {
                            by = changed_policies
                                .iter()
                                .filter(|r| {
                                    !r.starts_with("NetworkPolicy ")
                                        || r.starts_with(&format!("NetworkPolicy {from}/"))
                                        || r.starts_with(&format!("NetworkPolicy {to}/"))
                                })
                                .cloned()
                                .collect();
                        }
                        by.dedup();
                        open = Some(Change {
                            from: from.clone(),
                            from_pods: fs.id(),
                            to: to.clone(),
                            to_pods: ts.id(),
                            protocol: *protocol,
                            port,
                            end_port: end,
                            before: db,
                            after: da,
                            changed_by: by,
                            explanation: va.explain(),
                            before_explanation: vb.explain(),
                        });
                    }
                    out.extend(open.take());
                }
            }
        }
        out
    };

    let threads = if pairs.len() < 512 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
    };
    let changes: Vec<Change> = if threads == 1 {
        pairs.iter().flat_map(|p| compare(*p)).collect()
    } else {
        let chunk = pairs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| {
                    let compare = &compare;
                    scope.spawn(move || part.iter().flat_map(|p| compare(*p)).collect::<Vec<_>>())
                })
                .collect();
            let mut all = Vec::new();
            for h in handles {
                match h.join() {
                    Ok(mut part) => all.append(&mut part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            all
        })
    };

    let mut summary = DiffSummary {
        pairs_compared: pairs.len(),
        changes: changes.len(),
        ..Default::default()
    };
    for c in &changes {
        if c.before == Decision::Unknown || c.after == Decision::Unknown {
            summary.unknown += 1;
        } else if c.opens() {
            summary.opened += 1;
        } else {
            summary.closed += 1;
        }
    }
    Ok(ConnectivityDiff {
        api_version: DIFF_API_VERSION.into(),
        kind: DIFF_KIND.into(),
        namespaces: common,
        added_namespaces: added,
        removed_namespaces: removed,
        changed_policies: changed_policies.into_iter().collect(),
        changes,
        summary,
    })
}

#[cfg(test)]
mod tests;
