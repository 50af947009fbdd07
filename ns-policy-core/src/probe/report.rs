//! The probe report: expected and observed connectivity per cell, counts,
//! the enforcement verdict and the exit decision.

use serde::{Deserialize, Serialize};

use super::{Explanations, Matrix, ProbeIps, ProbePlan, REPORT_API_VERSION, REPORT_KIND};
use crate::netpol::{Decision, Evaluator, Protocol};

/// The prediction of one cell (why is [`super::Explanations`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Predicted {
    /// Allowed, denied, or unknown (a CNI policy, an address that may or
    /// may not be in a block, cluster policies of one priority disagreeing).
    pub decision: Decision,
    /// When cluster network policies were given and the decision without
    /// them (NetworkPolicies alone) differs: that decision. Cells where it
    /// is set tell whether the network plugin enforces the cluster tiers.
    pub without_cluster_policies: Option<Decision>,
}

impl Predicted {
    /// The decision is [`Decision::Allow`].
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allow
    }
}

/// The predicted matrix.
pub type Prediction = Matrix<Predicted>;

/// Allowed, denied, or not known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Connectivity {
    /// The connection is allowed.
    Allow,
    /// The connection is denied.
    Deny,
    /// The policies that decide it are not all evaluated (CNI policies), or
    /// the answer depends on what is not known (a pod's IP against an
    /// `ipBlock`, same-priority cluster policies that disagree).
    Unknown,
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
    /// From an evaluator decision.
    pub fn from_decision(d: Decision) -> Self {
        match d {
            Decision::Allow => Connectivity::Allow,
            Decision::Deny => Connectivity::Deny,
            Decision::Unknown => Connectivity::Unknown,
        }
    }
    /// `allow`, `deny` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Connectivity::Allow => "allow",
            Connectivity::Deny => "deny",
            Connectivity::Unknown => "unknown",
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

    /// Whether this outcome agrees with `expected` (errors never do, nor
    /// does anything agree with an unknown prediction: there is nothing to
    /// compare with).
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
        } else if text.starts_with("OTHER") && text.contains("connection refused") {
            // SCTP refusals (ABORT) come as OTHER.
            (Outcome::Deny, "refused".to_string())
        } else if text.contains("protocol not supported") {
            (
                Outcome::Error,
                format!(
                    "SCTP unsupported on the client's node ({})",
                    text.lines().next().unwrap_or(text)
                ),
            )
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
    /// Predicted by the policies (`unknown` when it cannot be told).
    pub expected: Connectivity,
    /// NetworkPolicies alone predict otherwise: only set when cluster
    /// network policies change this cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_cluster_policies: Option<Connectivity>,
    /// Observed (`null` offline).
    pub observed: Option<Outcome>,
    /// Observed equals expected (`null` offline or when the prediction is
    /// unknown; `false` for errors).
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

    /// A connection between different namespaces whose isolation is not
    /// known: offline with an unknown prediction, live with an error and a
    /// prediction other than deny.
    pub fn cross_namespace_unknown(&self) -> bool {
        self.from != self.to
            && match self.observed {
                None => self.expected == Connectivity::Unknown,
                Some(Outcome::Error) => self.expected != Connectivity::Deny,
                Some(_) => false,
            }
    }
}

/// Counts over the results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeSummary {
    /// Cells.
    pub cells: usize,
    /// Predicted allow.
    pub expected_allow: usize,
    /// Predicted deny.
    pub expected_deny: usize,
    /// Prediction unknown.
    #[serde(default)]
    pub expected_unknown: usize,
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
    /// Connections between different namespaces neither observed (errors,
    /// offline) nor predicted with certainty: isolation of these is not
    /// proven.
    #[serde(default)]
    pub cross_namespace_unknown: usize,
}

/// The probe report (`-o json|yaml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawReport")]
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
    /// One row per cell (a list in cell order in JSON).
    pub results: Matrix<ProbeResult>,
    /// `--target` addresses (`10.0.0.1:443`), in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// One row per client namespace and target (`to` is the address), by
    /// namespace then target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<ProbeResult>,
    /// Counts (external rows included).
    pub summary: ProbeSummary,
    /// Whether the network plugin enforces NetworkPolicies, as far as the
    /// run can tell (`null` offline or when no predicted-deny cell was
    /// observed).
    pub enforced: Option<bool>,
    /// Cluster network policies given to the prediction (`ClusterNetworkPolicy/x`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_policies: Vec<String>,
    /// Whether the network plugin enforces the cluster network policies, as
    /// far as the run can tell from the cells they change (`null` offline,
    /// without cluster policies, or when no such cell was observed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_policies_enforced: Option<bool>,
    /// `--all`/`-l`: the classes the selected namespaces fall into (the
    /// matrix holds their representatives).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<super::ClassReport>,
    /// `--all`/`-l`: what the representatives stand for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<super::Coverage>,
}

/// A report as read from JSON/YAML, before its results are shaped into a
/// matrix.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReport {
    api_version: String,
    kind: String,
    mode: Mode,
    #[serde(default)]
    run_id: Option<String>,
    namespaces: Vec<String>,
    ports: Vec<u16>,
    protocol: Protocol,
    results: Vec<ProbeResult>,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    external: Vec<ProbeResult>,
    summary: ProbeSummary,
    enforced: Option<bool>,
    #[serde(default)]
    cluster_policies: Vec<String>,
    #[serde(default)]
    cluster_policies_enforced: Option<bool>,
    #[serde(default)]
    classes: Vec<super::ClassReport>,
    #[serde(default)]
    coverage: Option<super::Coverage>,
}

impl TryFrom<RawReport> for ProbeReport {
    type Error = String;
    fn try_from(r: RawReport) -> std::result::Result<Self, String> {
        let (n, p, len) = (r.namespaces.len(), r.ports.len(), r.results.len());
        let results = Matrix::from_cells(n, p, r.results)
            .ok_or_else(|| format!("{len} results do not fill a {n}x{n} matrix of {p} port(s)"))?;
        Ok(ProbeReport {
            api_version: r.api_version,
            kind: r.kind,
            mode: r.mode,
            run_id: r.run_id,
            namespaces: r.namespaces,
            ports: r.ports,
            protocol: r.protocol,
            results,
            targets: r.targets,
            external: r.external,
            summary: r.summary,
            enforced: r.enforced,
            cluster_policies: r.cluster_policies,
            cluster_policies_enforced: r.cluster_policies_enforced,
            classes: r.classes,
            coverage: r.coverage,
        })
    }
}

/// Matrices with at least this many cells are filled on several threads.
pub(crate) const PARALLEL_THRESHOLD: usize = 20_000;

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
    /// Cluster network policies change some cells, yet every such cell
    /// behaved as NetworkPolicies alone predict.
    ClusterPoliciesNotEnforced,
    /// `--expect-isolated`, nothing between namespaces observed or
    /// predicted open, but some cells' isolation is not known.
    Unknown,
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

/// Enforcement of the cluster tiers on `(expected, NetworkPolicies-only
/// expectation, observed)` of the cells they change: `None` when no such
/// cell has an allow/deny observation, `Some(false)` when every such
/// observation follows the NetworkPolicies-only expectation, `Some(true)`
/// otherwise.
pub fn cluster_enforcement<I>(cells: I) -> Option<bool>
where
    I: IntoIterator<Item = (Connectivity, Option<Connectivity>, Option<Outcome>)>,
{
    let mut seen = false;
    for (expected, without, observed) in cells {
        let (Some(without), Some(observed)) = (without, observed) else {
            continue;
        };
        if expected == Connectivity::Unknown || without == Connectivity::Unknown {
            continue;
        }
        if observed == Outcome::Error {
            continue;
        }
        seen = true;
        if !observed.agrees_with(without) {
            return Some(true);
        }
    }
    seen.then_some(false)
}

/// What a live run observed: the matrix, and the `--target` rows.
#[derive(Clone, Debug)]
pub struct Observed {
    /// Namespace pairs.
    pub matrix: Matrix<Observation>,
    /// By client namespace, then target.
    pub external: Vec<Observation>,
}

fn result(
    from: &str,
    to: String,
    port: u16,
    protocol: Protocol,
    (predicted, explanation): (&Predicted, &str),
    obs: Option<&Observation>,
) -> ProbeResult {
    let expected = Connectivity::from_decision(predicted.decision);
    ProbeResult {
        from: from.to_string(),
        to,
        port,
        protocol,
        expected,
        without_cluster_policies: predicted
            .without_cluster_policies
            .map(Connectivity::from_decision),
        observed: obs.map(|o| o.outcome),
        matches: obs
            .filter(|_| expected != Connectivity::Unknown)
            .map(|o| o.outcome.agrees_with(expected)),
        detail: obs.map(|o| o.detail.clone()),
        explanation: explanation.to_string(),
    }
}

/// Adds one result to `summary` (`in_matrix`: a matrix cell, which may be
/// cross-namespace traffic; else a `--target` row).
fn tally(summary: &mut ProbeSummary, result: &ProbeResult, in_matrix: bool) {
    summary.cells += 1;
    match result.expected {
        Connectivity::Allow => summary.expected_allow += 1,
        Connectivity::Deny => summary.expected_deny += 1,
        Connectivity::Unknown => summary.expected_unknown += 1,
    }
    match result.observed {
        Some(Outcome::Allow) => summary.observed_allow += 1,
        Some(Outcome::Deny) => summary.observed_deny += 1,
        Some(Outcome::Error) => summary.errors += 1,
        None => {}
    }
    if result.observed.is_some_and(|o| o != Outcome::Error) && result.matches == Some(false) {
        summary.mismatches += 1;
    }
    if in_matrix {
        summary.cross_namespace_allowed += usize::from(result.cross_namespace_allowed());
        summary.cross_namespace_unknown += usize::from(result.cross_namespace_unknown());
    }
}

/// An offline report that is written cell by cell: the same JSON as
/// [`ProbeReport::offline`] serialized, without ever holding more than one
/// cell's result and explanation (1,000 namespaces are a million cells).
pub struct OfflineStream<'a> {
    /// Everything but the matrix (its `results` are empty).
    head: ProbeReport,
    plan: &'a ProbePlan,
    evaluator: &'a Evaluator,
    prediction: Prediction,
    endpoints: (Vec<crate::netpol::Endpoint>, Vec<crate::netpol::Endpoint>),
}

impl OfflineStream<'_> {
    /// The report without its matrix: counts, `--target` rows, cluster
    /// policies, and [`ProbeReport::outcome`] of the whole.
    pub fn head(&self) -> &ProbeReport {
        &self.head
    }

    /// The result of one cell, explanation included.
    fn result(&self, cell: super::Cell, explain: bool) -> ProbeResult {
        let explanation = if explain {
            self.plan
                .explain_cell(self.evaluator, (&self.endpoints.0, &self.endpoints.1), cell)
        } else {
            String::new()
        };
        result(
            &self.plan.namespaces()[cell.from],
            self.plan.namespaces()[cell.to].clone(),
            self.plan.ports()[cell.port],
            self.plan.protocol(),
            (self.prediction.get(cell), &explanation),
            None,
        )
    }
}

/// The `results` of an [`OfflineStream`], made as they are written.
struct LazyResults<'s, 'a>(&'s OfflineStream<'a>);

impl Serialize for LazyResults<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(
            self.0
                .prediction
                .cells()
                .map(|cell| self.0.result(cell, true)),
        )
    }
}

impl Serialize for OfflineStream<'_> {
    /// Field for field what `#[derive(Serialize)]` of [`ProbeReport`]
    /// writes (a test compares the two byte for byte).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let h = &self.head;
        let mut m = s.serialize_struct("ProbeReport", 16)?;
        m.serialize_field("apiVersion", &h.api_version)?;
        m.serialize_field("kind", &h.kind)?;
        m.serialize_field("mode", &h.mode)?;
        if h.run_id.is_some() {
            m.serialize_field("runId", &h.run_id)?;
        }
        m.serialize_field("namespaces", &h.namespaces)?;
        m.serialize_field("ports", &h.ports)?;
        m.serialize_field("protocol", &h.protocol)?;
        m.serialize_field("results", &LazyResults(self))?;
        if !h.targets.is_empty() {
            m.serialize_field("targets", &h.targets)?;
        }
        if !h.external.is_empty() {
            m.serialize_field("external", &h.external)?;
        }
        m.serialize_field("summary", &h.summary)?;
        m.serialize_field("enforced", &h.enforced)?;
        if !h.cluster_policies.is_empty() {
            m.serialize_field("clusterPolicies", &h.cluster_policies)?;
        }
        if h.cluster_policies_enforced.is_some() {
            m.serialize_field("clusterPoliciesEnforced", &h.cluster_policies_enforced)?;
        }
        if !h.classes.is_empty() {
            m.serialize_field("classes", &h.classes)?;
        }
        if h.coverage.is_some() {
            m.serialize_field("coverage", &h.coverage)?;
        }
        m.end()
    }
}

impl ProbeReport {
    /// [`Self::offline`], to be serialized cell by cell: the prediction is
    /// made now (a few bytes per cell), each cell's result and explanation
    /// only as it is written.
    pub fn offline_stream<'a>(
        plan: &'a ProbePlan,
        evaluator: &'a Evaluator,
        ips: &ProbeIps,
    ) -> OfflineStream<'a> {
        let prediction = plan.predict(evaluator, ips);
        let ports = plan.ports().len();
        // Everything but the matrix; the `--target` rows are few: made whole.
        let head = Self::build(
            plan,
            (
                &Matrix::from_fn(0, ports, |_| Predicted {
                    decision: Decision::Deny,
                    without_cluster_policies: None,
                }),
                &plan.predict_external(evaluator, ips),
            ),
            &Explanations {
                matrix: Matrix::from_fn(0, ports, |_| String::new()),
                external: plan.explain_external(evaluator, ips),
            },
            &evaluator.cluster_policy_names(),
            None,
        );
        let mut stream = OfflineStream {
            head,
            plan,
            evaluator,
            prediction,
            endpoints: plan.endpoints(ips),
        };
        let mut summary = ProbeSummary::default();
        for cell in stream.prediction.cells() {
            tally(&mut summary, &stream.result(cell, false), true);
        }
        for r in &stream.head.external {
            tally(&mut summary, r, false);
        }
        stream.head.summary = summary;
        stream
    }

    fn build(
        plan: &ProbePlan,
        (prediction, external_prediction): (&Prediction, &[Predicted]),
        why: &Explanations,
        cluster_policies: &[String],
        observed: Option<&Observed>,
    ) -> Self {
        let results = prediction.map(|cell, predicted| {
            result(
                &plan.namespaces()[cell.from],
                plan.namespaces()[cell.to].clone(),
                plan.ports()[cell.port],
                plan.protocol(),
                (predicted, why.matrix.get(cell)),
                observed.map(|o| o.matrix.get(cell)),
            )
        });
        let targets = plan.targets();
        let external: Vec<ProbeResult> = external_prediction
            .iter()
            .enumerate()
            .map(|(i, predicted)| {
                let from = &plan.namespaces()[i / targets.len().max(1)];
                let target = targets[i % targets.len().max(1)];
                result(
                    from,
                    target.ip().to_string(),
                    target.port(),
                    plan.protocol(),
                    (
                        predicted,
                        why.external.get(i).map(String::as_str).unwrap_or_default(),
                    ),
                    observed.and_then(|o| o.external.get(i)),
                )
            })
            .collect();
        let mut summary = ProbeSummary::default();
        for r in results.values() {
            tally(&mut summary, r, true);
        }
        for r in &external {
            tally(&mut summary, r, false);
        }
        let cluster_policies_enforced = observed.and_then(|_| {
            cluster_enforcement(
                results
                    .values()
                    .iter()
                    .chain(&external)
                    .map(|r| (r.expected, r.without_cluster_policies, r.observed)),
            )
        });
        let enforced = observed.and_then(|_| {
            enforcement(
                results
                    .values()
                    .iter()
                    .chain(&external)
                    .map(|r| (r.expected, r.observed)),
            )
        });
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
            targets: targets.iter().map(ToString::to_string).collect(),
            external,
            summary,
            enforced,
            cluster_policies: cluster_policies.to_vec(),
            cluster_policies_enforced,
            classes: Vec::new(),
            coverage: None,
        }
    }

    /// The predicted matrix only (`observed: null`).
    pub fn offline(plan: &ProbePlan, evaluator: &Evaluator, ips: &ProbeIps) -> Self {
        Self::build(
            plan,
            (
                &plan.predict(evaluator, ips),
                &plan.predict_external(evaluator, ips),
            ),
            &plan.explain(evaluator, ips),
            &evaluator.cluster_policy_names(),
            None,
        )
    }

    /// Prediction and observations, cell by cell: `prediction` is
    /// [`ProbePlan::predict`] and [`ProbePlan::predict_external`] by
    /// `evaluator` with the pods' `ips`, which also explains them.
    pub fn live(
        plan: &ProbePlan,
        evaluator: &Evaluator,
        ips: &ProbeIps,
        prediction: (&Prediction, &[Predicted]),
        observed: &Observed,
    ) -> Self {
        Self::build(
            plan,
            prediction,
            &plan.explain(evaluator, ips),
            &evaluator.cluster_policy_names(),
            Some(observed),
        )
    }

    /// Results whose observation differs from the prediction (errors
    /// excluded).
    pub fn mismatches(&self) -> impl Iterator<Item = &ProbeResult> {
        self.results
            .values()
            .iter()
            .chain(&self.external)
            .filter(|r| r.observed.is_some_and(|o| o != Outcome::Error) && r.matches == Some(false))
    }

    /// The exit decision: NetworkPolicies not enforced first, then cluster
    /// policies not enforced, then mismatches, then (with
    /// `expect_isolated`) cross-namespace connections, then untested cells,
    /// then (with `expect_isolated`) cross-namespace cells of unknown
    /// isolation.
    pub fn outcome(&self, expect_isolated: bool) -> ProbeOutcome {
        if self.enforced == Some(false) {
            return ProbeOutcome::NotEnforced;
        }
        if self.cluster_policies_enforced == Some(false) {
            return ProbeOutcome::ClusterPoliciesNotEnforced;
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
        if expect_isolated && self.summary.cross_namespace_unknown > 0 {
            return ProbeOutcome::Unknown;
        }
        ProbeOutcome::Ok
    }
}
