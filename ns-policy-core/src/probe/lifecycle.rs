//! Whether a probe pod's run is over (what `probe --cleanup` may delete
//! without `--force`), and what a run does with the pods it lost while it
//! observed. Pure.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;

use super::pods::DEADLINE_MARGIN_SECS;
use super::{Observation, Observed, ProbePlan, Role};

/// Annotation on every probe pod: when its run is over at the latest (RFC
/// 3339, UTC): the start, the run's timeout and a margin for cleanup.
pub const DEADLINE_ANNOTATION: &str = "ns-policy.io/probe-deadline";

/// The deadline of a run that starts at `start` with `timeout`.
pub fn run_deadline(start: DateTime<Utc>, timeout: Duration) -> DateTime<Utc> {
    let secs = i64::try_from(timeout.as_secs())
        .unwrap_or(i64::MAX / 4)
        .saturating_add(DEADLINE_MARGIN_SECS);
    start
        .checked_add_signed(chrono::Duration::seconds(secs.min(100 * 365 * 86_400)))
        .unwrap_or(start)
}

/// Whether a probe pod may be swept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Its run is over (past its deadline, or the pod ended or is going).
    Over,
    /// Its run may still be observing through it until then.
    InProgress {
        /// Its deadline.
        until: DateTime<Utc>,
    },
}

/// The state of a probe pod's run at `now`: over when the pod has ended or
/// is being deleted, when its deadline annotation has passed, or (pods of
/// older releases, without the annotation) when its creation plus its
/// `activeDeadlineSeconds` and the margin has passed; a pod that tells none
/// of these is over.
pub fn run_state(pod: &Pod, now: DateTime<Utc>) -> RunState {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Succeeded" | "Failed")) || pod.metadata.deletion_timestamp.is_some() {
        return RunState::Over;
    }
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEADLINE_ANNOTATION))
        .and_then(|v| crate::baseline::parse_time(v));
    let until = annotated.or_else(|| {
        let created = pod.metadata.creation_timestamp.as_ref()?;
        let created = DateTime::from_timestamp(created.0.as_second(), 0)?;
        let active = pod.spec.as_ref()?.active_deadline_seconds?;
        created.checked_add_signed(chrono::Duration::seconds(
            active.saturating_add(DEADLINE_MARGIN_SECS),
        ))
    });
    match until {
        Some(until) if now < until => RunState::InProgress { until },
        _ => RunState::Over,
    }
}

impl Observed {
    /// Replaces the observation of every cell whose client or server pod
    /// was lost during the run (`lost`: namespace and role, why) with an
    /// error: a connection to a server that is gone is refused or times
    /// out like a denied one, and must never be read as a deny.
    pub fn discard_lost_pods(&mut self, plan: &ProbePlan, lost: &BTreeMap<(String, Role), String>) {
        if lost.is_empty() {
            return;
        }
        let ns = plan.namespaces();
        let why = |from: &str, to: Option<&str>| {
            lost.get(&(from.to_string(), Role::Client))
                .or_else(|| to.and_then(|to| lost.get(&(to.to_string(), Role::Server))))
        };
        let cells: Vec<_> = self.matrix.cells().collect();
        for cell in cells {
            if let Some(reason) = why(&ns[cell.from], Some(&ns[cell.to])) {
                *self.matrix.get_mut(cell) = Observation::error(reason.clone());
            }
        }
        let targets = plan.targets().len().max(1);
        for (i, obs) in self.external.iter_mut().enumerate() {
            if let Some(reason) = why(&ns[i / targets], None) {
                *obs = Observation::error(reason.clone());
            }
        }
    }
}
