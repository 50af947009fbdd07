//! The probe: prove network isolation between namespaces with real
//! connections and set them beside the NetworkPolicy prediction.
//!
//! The same matrix is filled two ways (as in cyclonus' simulated and live
//! job runners):
//!
//! * **predicted**, purely, by the [`Evaluator`] over the probe pods this
//!   plan would create ([`ProbePlan::predict`], [`ProbeReport::offline`]);
//! * **observed**, by [`crate::kube::probe::run`]: one server pod (one container per port,
//!   Ready only once it listens) and one client pod per namespace, then
//!   `agnhost connect` exec'd in every client towards every server.
//!
//! A cell is one ordered pair of namespaces (client in `from`, server in
//! `to`, same-namespace pairs included) and one port. Cells are numbered
//! `(from * n + to) * ports + port`.

mod pods;
pub mod status;
#[cfg(test)]
mod tests;

pub use pods::{
    client_pod, port_name, server_container_name, server_pod, CLIENT_CONTAINER, CPU_LIMIT,
    CPU_REQUEST, MEMORY_LIMIT, MEMORY_REQUEST, PROBE_UID,
};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inventory::{namespace_of, Inventory};
use crate::names::validate_namespace_name;
use crate::netpol::{Endpoint, Evaluator, NamedPort, NamespaceInfo, PodInfo, Protocol};
use crate::{MANAGED_BY_LABEL, MANAGED_BY_VALUE};

/// Label carrying the run id on every probe pod.
pub const RUN_LABEL: &str = "ns-policy.io/probe-run";
/// Label carrying the role (`server` or `client`) of a probe pod.
pub const ROLE_LABEL: &str = "ns-policy.io/probe-role";
/// `apiVersion` of [`ProbeReport`].
pub const REPORT_API_VERSION: &str = "ns-policy.io/v1alpha1";
/// `kind` of [`ProbeReport`].
pub const REPORT_KIND: &str = "ProbeReport";
/// Prefix of probe pod names: `ns-policy-probe-<role>-<run id>`.
pub const POD_NAME_PREFIX: &str = "ns-policy-probe";

/// Label selector of every probe pod of any run (managed by us, with a run
/// label): what `probe --cleanup` sweeps.
pub fn leftover_selector() -> String {
    format!("{MANAGED_BY_LABEL}={MANAGED_BY_VALUE},{RUN_LABEL}")
}

/// Role of a probe pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Listens on the probed ports.
    Server,
    /// Opens the connections.
    Client,
}

impl Role {
    /// `server` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Client => "client",
        }
    }
}

/// A fresh run id: 10 lowercase base-36 characters from the process's
/// random hasher seed, the time and the pid.
pub fn new_run_id() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(now);
    h.write_u32(std::process::id());
    let mut n = h.finish();
    let mut out = String::new();
    for _ in 0..10 {
        let d = (n % 36) as u32;
        out.push(char::from_digit(d, 36).unwrap_or('0'));
        n /= 36;
    }
    out
}

/// What to probe.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// Namespaces, in the order of the matrix.
    pub namespaces: Vec<String>,
    /// Ports the servers listen on.
    pub ports: Vec<u16>,
    /// TCP or UDP.
    pub protocol: Protocol,
    /// Image of the probe pods (agnhost).
    pub image: String,
    /// Extra labels of the probe pods (`--pod-label`).
    pub pod_labels: BTreeMap<String, String>,
    /// Run id (see [`new_run_id`]).
    pub run_id: String,
    /// Bound of the whole run (also sets the pods' `activeDeadlineSeconds`).
    pub timeout: Duration,
}

/// A validated probe: the pods to create and the cells to test.
#[derive(Clone, Debug)]
pub struct ProbePlan {
    opts: ProbeOptions,
}

/// One cell of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cell {
    /// Index of the client's namespace.
    pub from: usize,
    /// Index of the server's namespace.
    pub to: usize,
    /// Index in [`ProbePlan::ports`].
    pub port: usize,
}

/// Pod IPs of the probe pods, by namespace (empty offline).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeIps {
    /// Server pod IP per namespace.
    pub servers: HashMap<String, IpAddr>,
    /// Client pod IP per namespace.
    pub clients: HashMap<String, IpAddr>,
}

impl ProbePlan {
    /// Validates the options: at least one namespace, DNS-1123 names named
    /// once, ports in 1..=65535 (duplicates dropped), TCP or UDP, an image,
    /// a run id usable as a label value, and `--pod-label`s that do not
    /// override the probe's own labels.
    pub fn new(mut opts: ProbeOptions) -> Result<Self> {
        if opts.namespaces.is_empty() {
            return Err(Error::InvalidInput(
                "name at least one namespace to probe, e.g. `kubectl ns-policy probe pr-1 pr-2`"
                    .into(),
            ));
        }
        let mut seen = HashSet::new();
        for ns in &opts.namespaces {
            validate_namespace_name(ns)?;
            if !seen.insert(ns.as_str()) {
                return Err(Error::InvalidInput(format!(
                    "namespace {ns:?} is named twice"
                )));
            }
        }
        if opts.ports.is_empty() {
            return Err(Error::InvalidInput(
                "no port to probe: pass --port N or set spec.probe.ports in the baseline".into(),
            ));
        }
        if opts.ports.contains(&0) {
            return Err(Error::InvalidInput(
                "invalid port 0: ports are 1-65535".into(),
            ));
        }
        let mut uniq = HashSet::new();
        opts.ports.retain(|p| uniq.insert(*p));
        if opts.protocol == Protocol::Sctp {
            return Err(Error::InvalidInput(
                "SCTP is not supported by the probe (use tcp or udp)".into(),
            ));
        }
        if opts.image.trim().is_empty() {
            return Err(Error::InvalidInput("the probe image is empty".into()));
        }
        let id = &opts.run_id;
        if id.is_empty()
            || id.len() > 20
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(Error::InvalidInput(format!(
                "invalid probe run id {id:?}: 1-20 lowercase letters and digits"
            )));
        }
        for key in [MANAGED_BY_LABEL, RUN_LABEL, ROLE_LABEL] {
            if opts.pod_labels.contains_key(key) {
                return Err(Error::InvalidInput(format!(
                    "--pod-label cannot set {key}: the probe sets it"
                )));
            }
        }
        Ok(ProbePlan { opts })
    }

    /// Namespaces, in matrix order.
    pub fn namespaces(&self) -> &[String] {
        &self.opts.namespaces
    }
    /// Ports (deduplicated).
    pub fn ports(&self) -> &[u16] {
        &self.opts.ports
    }
    /// Protocol.
    pub fn protocol(&self) -> Protocol {
        self.opts.protocol
    }
    /// Image.
    pub fn image(&self) -> &str {
        &self.opts.image
    }
    /// Run id.
    pub fn run_id(&self) -> &str {
        &self.opts.run_id
    }
    /// Run timeout.
    pub fn timeout(&self) -> Duration {
        self.opts.timeout
    }
    /// `--pod-label` labels.
    pub fn pod_labels(&self) -> &BTreeMap<String, String> {
        &self.opts.pod_labels
    }

    /// `ns-policy-probe-<role>-<run id>`.
    pub fn pod_name(&self, role: Role) -> String {
        format!("{POD_NAME_PREFIX}-{}-{}", role.as_str(), self.opts.run_id)
    }

    /// Labels of a probe pod: the user's, then managed-by, run and role.
    pub fn labels(&self, role: Role) -> BTreeMap<String, String> {
        let mut l = self.opts.pod_labels.clone();
        l.insert(MANAGED_BY_LABEL.into(), MANAGED_BY_VALUE.into());
        l.insert(RUN_LABEL.into(), self.opts.run_id.clone());
        l.insert(ROLE_LABEL.into(), role.as_str().into());
        l
    }

    /// Label selector of this run's pods.
    pub fn run_selector(&self) -> String {
        format!("{RUN_LABEL}={}", self.opts.run_id)
    }

    /// What the evaluator knows of the probe pod of `role` in `namespace`.
    pub fn pod_info(&self, namespace: &str, role: Role, ip: Option<IpAddr>) -> PodInfo {
        let ports = match role {
            Role::Server => self
                .ports()
                .iter()
                .map(|&port| NamedPort {
                    name: port_name(self.protocol(), port),
                    port,
                    protocol: self.protocol(),
                })
                .collect(),
            Role::Client => Vec::new(),
        };
        PodInfo {
            namespace: namespace.to_string(),
            name: self.pod_name(role),
            labels: self.labels(role),
            ip,
            ports,
        }
    }

    /// Number of cells: namespaces² × ports.
    pub fn cell_count(&self) -> usize {
        let n = self.namespaces().len();
        n * n * self.ports().len()
    }

    /// The cell with number `i`.
    pub fn cell(&self, i: usize) -> Cell {
        let p = self.ports().len();
        let n = self.namespaces().len();
        Cell {
            from: i / p / n,
            to: (i / p) % n,
            port: i % p,
        }
    }

    fn endpoints(&self, ips: &ProbeIps) -> (Vec<Endpoint>, Vec<Endpoint>) {
        let clients = self
            .namespaces()
            .iter()
            .map(|ns| Endpoint::Pod(self.pod_info(ns, Role::Client, ips.clients.get(ns).copied())))
            .collect();
        let servers = self
            .namespaces()
            .iter()
            .map(|ns| Endpoint::Pod(self.pod_info(ns, Role::Server, ips.servers.get(ns).copied())))
            .collect();
        (clients, servers)
    }

    /// The predicted matrix: for every cell, whether the policies allow it.
    pub fn predict(&self, evaluator: &Evaluator, ips: &ProbeIps) -> Prediction {
        let (clients, servers) = self.endpoints(ips);
        let mut allowed = Vec::with_capacity(self.cell_count());
        for c in &clients {
            for s in &servers {
                for &port in self.ports() {
                    allowed.push(evaluator.is_allowed(c, s, port, self.protocol()));
                }
            }
        }
        Prediction { allowed }
    }

    /// Why cell `cell` is predicted as it is ([`crate::netpol::Verdict::explain`]).
    pub fn explain(&self, evaluator: &Evaluator, ips: &ProbeIps, cell: Cell) -> String {
        let from = &self.namespaces()[cell.from];
        let to = &self.namespaces()[cell.to];
        let c = Endpoint::Pod(self.pod_info(from, Role::Client, ips.clients.get(from).copied()));
        let s = Endpoint::Pod(self.pod_info(to, Role::Server, ips.servers.get(to).copied()));
        evaluator
            .evaluate(&c, &s, self.ports()[cell.port], self.protocol())
            .explain()
    }
}

/// The predicted matrix, in cell order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prediction {
    /// Allowed per cell.
    pub allowed: Vec<bool>,
}

/// Allowed or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Connectivity {
    /// The connection is allowed.
    Allow,
    /// The connection is denied.
    Deny,
}

impl Connectivity {
    /// From a boolean "allowed".
    pub fn from_allowed(allowed: bool) -> Self {
        if allowed {
            Connectivity::Allow
        } else {
            Connectivity::Deny
        }
    }
    /// `allow` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Allow => "allow",
            Connectivity::Deny => "deny",
        }
    }
}

/// What a live connection attempt showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Connected.
    Allow,
    /// Timed out or refused by the network (the server was listening).
    Deny,
    /// Could not be tested (exec failed, DNS, unexpected error).
    Error,
}

impl Outcome {
    /// `allow`, `deny` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Error => "error",
        }
    }

    /// Whether this outcome agrees with `expected` (errors never do).
    pub fn agrees_with(self, expected: Connectivity) -> bool {
        matches!(
            (self, expected),
            (Outcome::Allow, Connectivity::Allow) | (Outcome::Deny, Connectivity::Deny)
        )
    }
}

/// One observed cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The outcome.
    pub outcome: Outcome,
    /// `connected`, `timeout`, `refused`, or the error.
    pub detail: String,
    /// Attempts made (more than one when a mismatch was retried).
    pub attempts: u32,
}

impl Observation {
    /// Classifies one `agnhost connect` run: exit 0 connects; `TIMEOUT` and
    /// `REFUSED` (the server is known to listen, so a refusal is the
    /// network plugin rejecting) are denials; anything else is an error.
    pub fn from_connect(succeeded: bool, stderr: &str) -> Self {
        let text = stderr.trim();
        let (outcome, detail) = if succeeded {
            (Outcome::Allow, "connected".to_string())
        } else if text.starts_with("TIMEOUT") {
            (Outcome::Deny, "timeout".to_string())
        } else if text.starts_with("REFUSED") {
            (Outcome::Deny, "refused".to_string())
        } else if text.contains("no route to host") || text.contains("host is unreachable") {
            // REJECT with icmp-host-prohibited; the server was Ready.
            (Outcome::Deny, "rejected (no route to host)".to_string())
        } else if text.is_empty() {
            (
                Outcome::Error,
                "agnhost connect failed without a message".to_string(),
            )
        } else {
            (
                Outcome::Error,
                text.lines().next().unwrap_or(text).to_string(),
            )
        };
        Observation {
            outcome,
            detail,
            attempts: 1,
        }
    }

    /// An error observation.
    pub fn error(detail: impl Into<String>) -> Self {
        Observation {
            outcome: Outcome::Error,
            detail: detail.into(),
            attempts: 1,
        }
    }
}

/// Whether the report comes from a live run or manifests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Pods and connections.
    Live,
    /// Prediction from manifests only.
    Offline,
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    /// Namespace of the client.
    pub from: String,
    /// Namespace of the server.
    pub to: String,
    /// Port.
    pub port: u16,
    /// Protocol.
    pub protocol: Protocol,
    /// Predicted by the NetworkPolicies.
    pub expected: Connectivity,
    /// Observed (`null` offline).
    pub observed: Option<Outcome>,
    /// Observed equals expected (`null` offline; `false` for errors).
    #[serde(rename = "match")]
    pub matches: Option<bool>,
    /// `connected`, `timeout`, `refused`, an error (`null` offline).
    pub detail: Option<String>,
    /// Which policies decide the prediction.
    pub explanation: String,
}

impl ProbeResult {
    /// A connection between different namespaces that succeeded (live) or
    /// is predicted to be allowed (offline).
    pub fn cross_namespace_allowed(&self) -> bool {
        self.from != self.to
            && match self.observed {
                Some(o) => o == Outcome::Allow,
                None => self.expected == Connectivity::Allow,
            }
    }
}

/// Counts over the results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Cells.
    pub cells: usize,
    /// Predicted allow.
    pub expected_allow: usize,
    /// Predicted deny.
    pub expected_deny: usize,
    /// Observed allow.
    pub observed_allow: usize,
    /// Observed deny.
    pub observed_deny: usize,
    /// Cells that could not be tested.
    pub errors: usize,
    /// Observed allow/deny differing from the prediction.
    pub mismatches: usize,
    /// Connections between different namespaces observed allowed (offline:
    /// predicted allowed).
    pub cross_namespace_allowed: usize,
}

/// The probe report (`-o json|yaml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeReport {
    /// [`REPORT_API_VERSION`].
    pub api_version: String,
    /// [`REPORT_KIND`].
    pub kind: String,
    /// Live or offline.
    pub mode: Mode,
    /// Run id (live).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub run_id: Option<String>,
    /// Namespaces in matrix order.
    pub namespaces: Vec<String>,
    /// Ports.
    pub ports: Vec<u16>,
    /// Protocol.
    pub protocol: Protocol,
    /// One row per cell, in cell order.
    pub results: Vec<ProbeResult>,
    /// Counts.
    pub summary: Summary,
    /// Whether the network plugin enforces NetworkPolicies, as far as the
    /// run can tell (`null` offline or when no predicted-deny cell was
    /// observed).
    pub enforced: Option<bool>,
}

/// Reports with at least this many cells are built on several threads.
const PARALLEL_THRESHOLD: usize = 20_000;

/// What a report means for the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// Everything as predicted (and isolated, if asked).
    Ok,
    /// Some observed cell differs from the prediction.
    Mismatch,
    /// `--expect-isolated` and a connection between different namespaces succeeded.
    NotIsolated,
    /// Some cells could not be tested (and nothing else failed).
    Errors,
    /// Policies deny, yet every predicted-deny cell connected.
    NotEnforced,
}

/// Enforcement as seen on `(expected, observed)` pairs: `None` when no
/// predicted-deny cell has an allow/deny observation, `Some(false)` when
/// every such cell connected, `Some(true)` otherwise.
pub fn enforcement<I>(cells: I) -> Option<bool>
where
    I: IntoIterator<Item = (Connectivity, Option<Outcome>)>,
{
    let mut denied_seen = false;
    let mut any = false;
    for (expected, observed) in cells {
        if expected != Connectivity::Deny {
            continue;
        }
        match observed {
            Some(Outcome::Allow) => any = true,
            Some(Outcome::Deny) => {
                any = true;
                denied_seen = true;
            }
            _ => {}
        }
    }
    any.then_some(denied_seen)
}

impl ProbeReport {
    fn build(
        plan: &ProbePlan,
        evaluator: &Evaluator,
        ips: &ProbeIps,
        prediction: &Prediction,
        observed: Option<&[Observation]>,
    ) -> Self {
        let (clients, servers) = plan.endpoints(ips);
        let result_of = |i: usize| {
            let cell = plan.cell(i);
            let port = plan.ports()[cell.port];
            let explanation = evaluator
                .evaluate(
                    &clients[cell.from],
                    &servers[cell.to],
                    port,
                    plan.protocol(),
                )
                .explain();
            let expected = Connectivity::from_allowed(prediction.allowed[i]);
            let obs = observed.and_then(|o| o.get(i));
            ProbeResult {
                from: plan.namespaces()[cell.from].clone(),
                to: plan.namespaces()[cell.to].clone(),
                port,
                protocol: plan.protocol(),
                expected,
                observed: obs.map(|o| o.outcome),
                matches: obs.map(|o| o.outcome.agrees_with(expected)),
                detail: obs.map(|o| o.detail.clone()),
                explanation,
            }
        };
        let total = prediction.allowed.len();
        // Explanations dominate big offline reports: build them on all cores.
        let threads = if total < PARALLEL_THRESHOLD {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
        };
        let results: Vec<ProbeResult> = if threads == 1 {
            (0..total).map(result_of).collect()
        } else {
            let chunk = total.div_ceil(threads);
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..total)
                    .step_by(chunk)
                    .map(|start| {
                        let result_of = &result_of;
                        scope.spawn(move || {
                            (start..(start + chunk).min(total))
                                .map(result_of)
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                let mut all = Vec::with_capacity(total);
                for h in handles {
                    match h.join() {
                        Ok(mut part) => all.append(&mut part),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
                all
            })
        };
        let mut summary = Summary::default();
        for result in &results {
            summary.cells += 1;
            match result.expected {
                Connectivity::Allow => summary.expected_allow += 1,
                Connectivity::Deny => summary.expected_deny += 1,
            }
            match result.observed {
                Some(Outcome::Allow) => summary.observed_allow += 1,
                Some(Outcome::Deny) => summary.observed_deny += 1,
                Some(Outcome::Error) => summary.errors += 1,
                None => {}
            }
            if result.observed.is_some_and(|o| o != Outcome::Error) && result.matches == Some(false)
            {
                summary.mismatches += 1;
            }
            if result.cross_namespace_allowed() {
                summary.cross_namespace_allowed += 1;
            }
        }
        let enforced =
            observed.and_then(|_| enforcement(results.iter().map(|r| (r.expected, r.observed))));
        ProbeReport {
            api_version: REPORT_API_VERSION.into(),
            kind: REPORT_KIND.into(),
            mode: if observed.is_some() {
                Mode::Live
            } else {
                Mode::Offline
            },
            run_id: observed.map(|_| plan.run_id().to_string()),
            namespaces: plan.namespaces().to_vec(),
            ports: plan.ports().to_vec(),
            protocol: plan.protocol(),
            results,
            summary,
            enforced,
        }
    }

    /// The predicted matrix only (`observed: null`).
    pub fn offline(plan: &ProbePlan, evaluator: &Evaluator, ips: &ProbeIps) -> Self {
        let prediction = plan.predict(evaluator, ips);
        Self::build(plan, evaluator, ips, &prediction, None)
    }

    /// Prediction and observations (`observed[i]` is cell `i`).
    pub fn live(
        plan: &ProbePlan,
        evaluator: &Evaluator,
        ips: &ProbeIps,
        prediction: &Prediction,
        observed: &[Observation],
    ) -> Self {
        Self::build(plan, evaluator, ips, prediction, Some(observed))
    }

    /// Results whose observation differs from the prediction (errors
    /// excluded).
    pub fn mismatches(&self) -> impl Iterator<Item = &ProbeResult> {
        self.results
            .iter()
            .filter(|r| r.observed.is_some_and(|o| o != Outcome::Error) && r.matches == Some(false))
    }

    /// The exit decision: not enforced first, then mismatches, then (with
    /// `expect_isolated`) cross-namespace connections, then untested cells.
    pub fn outcome(&self, expect_isolated: bool) -> ProbeOutcome {
        if self.enforced == Some(false) {
            return ProbeOutcome::NotEnforced;
        }
        if self.summary.mismatches > 0 {
            return ProbeOutcome::Mismatch;
        }
        if expect_isolated && self.summary.cross_namespace_allowed > 0 {
            return ProbeOutcome::NotIsolated;
        }
        if self.summary.errors > 0 {
            return ProbeOutcome::Errors;
        }
        ProbeOutcome::Ok
    }
}

/// The evaluator for an offline probe: every Namespace and NetworkPolicy of
/// the manifests. Each namespace of the plan must have a Namespace object in
/// them.
pub fn offline_evaluator(plan: &ProbePlan, set: &Inventory) -> Result<Evaluator> {
    let known = set.namespace_names();
    let missing: Vec<&str> = plan
        .namespaces()
        .iter()
        .filter(|ns| !known.contains(*ns))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidInput(format!(
            "namespace{} {} not found in the manifests (they define: {})",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            if known.is_empty() {
                "no Namespace".to_string()
            } else {
                known.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        )));
    }
    let namespaces = set
        .namespaces
        .iter()
        .filter_map(|n| {
            let name = n.object.metadata.name.clone()?;
            Some(NamespaceInfo::new(
                name,
                n.object.metadata.labels.clone().unwrap_or_default(),
            ))
        })
        .collect();
    let policies = set
        .network_policies
        .known()
        .into_iter()
        .flatten()
        .map(|p| {
            let mut p = p.object.clone();
            p.metadata.namespace = Some(namespace_of(&p.metadata).to_string());
            p
        })
        .collect();
    Ok(Evaluator::new(namespaces, policies))
}
