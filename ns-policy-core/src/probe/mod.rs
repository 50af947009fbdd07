//! The probe: prove network isolation between namespaces with real
//! connections and set them beside the NetworkPolicy prediction.
//!
//! The same [`Matrix`] is filled two ways (as in cyclonus' simulated and
//! live job runners):
//!
//! * **predicted**, purely, by the [`Evaluator`] over the probe pods this
//!   plan would create ([`ProbePlan::predict`], [`ProbeReport::offline`]),
//!   once per cell;
//! * **observed**, by [`crate::kube::probe::run`]: one server pod (one
//!   container per port, Ready only once it listens) and one client pod per
//!   namespace, then `agnhost connect` exec'd in every client towards every
//!   server.
//!
//! A [`Cell`] is one ordered pair of namespaces (client in `from`, server in
//! `to`, same-namespace pairs included) and one port.

mod classes;
mod lifecycle;
mod matrix;
mod plan;
mod pods;
mod report;
pub mod schedule;
pub(crate) mod status;
#[cfg(test)]
mod tests;

pub use classes::{classify, ClassReport, Classes, Coverage};
pub use lifecycle::{run_deadline, run_state, RunState, DEADLINE_ANNOTATION};
pub use matrix::{Cell, Matrix};
pub use plan::{Explanations, ProbeIps, ProbeOptions, ProbePlan};
pub(crate) use pods::{client_pod, fit_resources, server_pod, CLIENT_CONTAINER};
pub(crate) use report::PARALLEL_THRESHOLD;
pub use report::{
    cluster_enforcement, enforcement, Connectivity, Mode, Observation, Observed, OfflineStream,
    Outcome, Predicted, Prediction, ProbeOutcome, ProbeReport, ProbeResult, ProbeSummary,
};

use std::hash::{BuildHasher, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::netpol::Evaluator;
use crate::{MANAGED_BY_LABEL, MANAGED_BY_VALUE};

/// Label carrying the run id on every probe pod.
pub const RUN_LABEL: &str = crate::reserved::PROBE_RUN_LABEL;
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

/// What a live probe is doing, for the caller to show as progress.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProbeEvent {
    /// Creating the server and client pods.
    CreatingPods {
        /// Pods created.
        pods: usize,
        /// Namespaces they go in.
        namespaces: usize,
        /// The run id on their labels.
        run_id: String,
    },
    /// Waiting for every pod to be Running and Ready.
    WaitingForPods,
    /// Connecting.
    Probing {
        /// Connections to test (matrix cells and target rows).
        cells: usize,
        /// Namespaces of the matrix.
        namespaces: usize,
        /// Ports per pair.
        ports: usize,
        /// `--target` addresses tested from each namespace.
        targets: usize,
    },
    /// Cells that disagree with the prediction are tried again (policy
    /// programming lags).
    Retrying {
        /// How many.
        cells: usize,
    },
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

/// The evaluator for an offline probe: every Namespace, NetworkPolicy,
/// cluster network policy and CNI policy of the manifests. Each namespace of the plan must have a Namespace object in
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
        return Err(Error::NotInManifests {
            missing: missing.into_iter().map(str::to_string).collect(),
            known: known.into_iter().collect(),
        });
    }
    crate::manifests::refuse_invalid_network_policies(set)?;
    Ok(set.evaluator())
}
