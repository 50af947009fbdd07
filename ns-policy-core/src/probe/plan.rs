//! A validated probe: the namespaces, ports and pods, and the predicted
//! matrix over them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use super::pods::port_name;
use super::{
    Cell, Matrix, Predicted, Prediction, Role, PARALLEL_THRESHOLD, POD_NAME_PREFIX, ROLE_LABEL,
    RUN_LABEL,
};
use crate::error::{ProbeInputError, Result};
use crate::names::validate_namespace_name;
use crate::netpol::{Endpoint, Evaluator, NamedPort, PodInfo, Protocol};
use crate::{MANAGED_BY_LABEL, MANAGED_BY_VALUE};

/// What to probe.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// Namespaces, in the order of the matrix.
    pub namespaces: Vec<String>,
    /// Ports the servers listen on.
    pub ports: Vec<u16>,
    /// TCP, UDP or SCTP.
    pub protocol: Protocol,
    /// Image of the probe pods (agnhost).
    pub image: String,
    /// Extra labels of the probe pods (`--pod-label`).
    pub pod_labels: BTreeMap<String, String>,
    /// Extra labels of the client pods only (`--client-label`).
    pub client_labels: BTreeMap<String, String>,
    /// Extra labels of the server pods only (`--server-label`).
    pub server_labels: BTreeMap<String, String>,
    /// Addresses outside the probed namespaces the clients also connect to
    /// (`--target 10.0.0.1:443`): the API server, a node, an external
    /// service.
    pub targets: Vec<std::net::SocketAddr>,
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
    /// once, ports in 1..=65535 (duplicates dropped), an image,
    /// a run id usable as a label value, and `--pod-label`s that do not
    /// override the probe's own labels.
    pub fn new(mut opts: ProbeOptions) -> Result<Self> {
        if opts.namespaces.is_empty() {
            return Err(ProbeInputError::NoNamespaces.into());
        }
        let mut seen = HashSet::new();
        for ns in &opts.namespaces {
            validate_namespace_name(ns)?;
            if !seen.insert(ns.as_str()) {
                return Err(ProbeInputError::DuplicateNamespace(ns.clone()).into());
            }
        }
        if opts.ports.is_empty() {
            return Err(ProbeInputError::NoPorts.into());
        }
        if opts.ports.contains(&0) {
            return Err(ProbeInputError::PortZero.into());
        }
        let mut uniq = HashSet::new();
        opts.ports.retain(|p| uniq.insert(*p));
        if opts.image.trim().is_empty() {
            return Err(ProbeInputError::EmptyImage.into());
        }
        let id = &opts.run_id;
        if id.is_empty()
            || id.len() > 20
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(ProbeInputError::RunId(id.clone()).into());
        }
        for key in [MANAGED_BY_LABEL, RUN_LABEL, ROLE_LABEL] {
            for (role, labels) in [
                ("pod", &opts.pod_labels),
                ("client", &opts.client_labels),
                ("server", &opts.server_labels),
            ] {
                if labels.contains_key(key) {
                    return Err(ProbeInputError::ReservedLabel {
                        role,
                        key: key.to_string(),
                    }
                    .into());
                }
            }
        }
        let mut seen_targets = HashSet::new();
        opts.targets.retain(|t| seen_targets.insert(*t));
        if let Some(t) = opts.targets.iter().find(|t| t.port() == 0) {
            return Err(ProbeInputError::TargetPortZero(*t).into());
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
    /// `--target` addresses.
    pub fn targets(&self) -> &[std::net::SocketAddr] {
        &self.opts.targets
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
        l.extend(match role {
            Role::Client => self.opts.client_labels.clone(),
            Role::Server => self.opts.server_labels.clone(),
        });
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

    pub(crate) fn endpoints(&self, ips: &ProbeIps) -> (Vec<Endpoint>, Vec<Endpoint>) {
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

    /// The prediction of every client towards every `--target`, by client
    /// namespace then target (only egress at the client is evaluated: the
    /// target is outside the cluster's policies).
    pub fn predict_external(&self, evaluator: &Evaluator, ips: &ProbeIps) -> Vec<Predicted> {
        let plain = evaluator
            .has_cluster_policies()
            .then(|| evaluator.without_cluster_policies());
        self.external_pairs(ips)
            .iter()
            .map(|(c, (t, port))| {
                predicted(evaluator, plain.as_ref(), c, (t, *port), self.protocol())
            })
            .collect()
    }

    /// Clients and target addresses of the `--target` rows, in row order.
    fn external_pairs(&self, ips: &ProbeIps) -> Vec<(Endpoint, (Endpoint, u16))> {
        let (clients, _) = self.endpoints(ips);
        clients
            .into_iter()
            .flat_map(|c| {
                self.targets()
                    .iter()
                    .map(move |t| (c.clone(), (Endpoint::External(t.ip()), t.port())))
            })
            .collect()
    }

    fn threads(&self) -> usize {
        if self.cell_count() < PARALLEL_THRESHOLD {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(16))
        }
    }

    /// The predicted matrix: for every cell, what the policies decide (and,
    /// with cluster policies, what NetworkPolicies alone would). The
    /// evaluator runs once per cell without building explanations; big
    /// matrices are filled on all cores.
    pub fn predict(&self, evaluator: &Evaluator, ips: &ProbeIps) -> Prediction {
        let (clients, servers) = self.endpoints(ips);
        let plain = evaluator
            .has_cluster_policies()
            .then(|| evaluator.without_cluster_policies());
        Matrix::from_fn_parallel(
            self.namespaces().len(),
            self.ports().len(),
            self.threads(),
            |cell| {
                predicted(
                    evaluator,
                    plain.as_ref(),
                    &clients[cell.from],
                    (&servers[cell.to], self.ports()[cell.port]),
                    self.protocol(),
                )
            },
        )
    }

    /// The explanation of one cell between the `endpoints` of
    /// [`Self::endpoints`].
    pub(crate) fn explain_cell(
        &self,
        evaluator: &Evaluator,
        (clients, servers): (&[Endpoint], &[Endpoint]),
        cell: Cell,
    ) -> String {
        evaluator
            .evaluate(
                &clients[cell.from],
                &servers[cell.to],
                self.ports()[cell.port],
                self.protocol(),
            )
            .explain()
    }

    /// Why each cell and `--target` row is predicted as it is
    /// ([`crate::netpol::Verdict::explain`]), for the report.
    pub fn explain(&self, evaluator: &Evaluator, ips: &ProbeIps) -> Explanations {
        let (clients, servers) = self.endpoints(ips);
        let matrix = Matrix::from_fn_parallel(
            self.namespaces().len(),
            self.ports().len(),
            self.threads(),
            |cell| self.explain_cell(evaluator, (&clients, &servers), cell),
        );
        Explanations {
            matrix,
            external: self.explain_external(evaluator, ips),
        }
    }

    /// The explanation of every `--target` row.
    pub(crate) fn explain_external(&self, evaluator: &Evaluator, ips: &ProbeIps) -> Vec<String> {
        self.external_pairs(ips)
            .iter()
            .map(|(c, (t, port))| evaluator.evaluate(c, t, *port, self.protocol()).explain())
            .collect()
    }
}

/// The explanation of every cell and `--target` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanations {
    /// By cell.
    pub matrix: Matrix<String>,
    /// By `--target` row.
    pub external: Vec<String>,
}

/// One prediction, with what NetworkPolicies alone decide when `plain` (the
/// evaluator without cluster policies) is given and decides otherwise.
fn predicted(
    evaluator: &Evaluator,
    plain: Option<&Evaluator>,
    from: &Endpoint,
    (to, port): (&Endpoint, u16),
    protocol: Protocol,
) -> Predicted {
    let decision = evaluator.decide(from, to, port, protocol);
    let without_cluster_policies = plain
        .map(|e| e.decide(from, to, port, protocol))
        .filter(|d| *d != decision);
    Predicted {
        decision,
        without_cluster_policies,
    }
}
