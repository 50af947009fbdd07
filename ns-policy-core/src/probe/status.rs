//! Reading a probe pod's status: Ready with an IP, still coming up (and
//! why), or never going to start (and the kubelet's reason). Pure.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::Pod;

/// Waiting reasons that will not resolve by themselves.
const FATAL_WAITING: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "CrashLoopBackOff",
];

/// The state of one probe pod while waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PodState {
    /// Running, Ready, with an IP.
    Ready(IpAddr),
    /// Still coming up; what it waits for.
    Pending(String),
    /// Will not start.
    Failed {
        /// Reason.
        reason: String,
        /// Message.
        message: String,
    },
}

/// Reads a pod's status (pure).
pub(crate) fn pod_state(pod: &Pod) -> PodState {
    let Some(status) = &pod.status else {
        return PodState::Pending("no status yet".into());
    };
    let phase = status.phase.as_deref().unwrap_or("Pending");
    for cs in status.container_statuses.iter().flatten() {
        let Some(state) = &cs.state else { continue };
        if let Some(w) = &state.waiting {
            let reason = w.reason.clone().unwrap_or_default();
            if FATAL_WAITING.contains(&reason.as_str()) {
                return PodState::Failed {
                    message: format!(
                        "container {}: {}",
                        cs.name,
                        w.message.clone().unwrap_or_default()
                    ),
                    reason,
                };
            }
        }
        if let Some(t) = &state.terminated {
            return PodState::Failed {
                reason: t.reason.clone().unwrap_or_else(|| "Terminated".into()),
                message: format!(
                    "container {} exited with code {}{}",
                    cs.name,
                    t.exit_code,
                    t.message
                        .as_deref()
                        .map(|m| format!(": {}", m.trim()))
                        .unwrap_or_default()
                ),
            };
        }
    }
    if phase == "Failed" || phase == "Succeeded" {
        return PodState::Failed {
            reason: status.reason.clone().unwrap_or_else(|| phase.to_string()),
            message: status.message.clone().unwrap_or_default(),
        };
    }
    let conditions = status.conditions.as_deref().unwrap_or(&[]);
    let ready = conditions
        .iter()
        .any(|c| c.type_ == "Ready" && c.status == "True");
    if phase == "Running" && ready {
        if let Some(ip) = status.pod_ip.as_deref().and_then(|s| s.parse().ok()) {
            return PodState::Ready(ip);
        }
    }
    if let Some(c) = conditions
        .iter()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
    {
        return PodState::Pending(format!(
            "{}: {}",
            c.reason.as_deref().unwrap_or("not scheduled"),
            c.message.as_deref().unwrap_or("")
        ));
    }
    for cs in status.container_statuses.iter().flatten() {
        if let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            return PodState::Pending(format!(
                "container {}: {}",
                cs.name,
                w.reason.as_deref().unwrap_or("waiting")
            ));
        }
        if !cs.ready {
            return PodState::Pending(format!("container {} not ready", cs.name));
        }
    }
    PodState::Pending(phase.to_string())
}
