//! Pod states while waiting: the real reason a pod is not ready.

use k8s_openapi::api::core::v1::Pod;

use crate::probe::status::{pod_state, PodState};

fn pod_with_status(status: serde_json::Value) -> Pod {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n"},
        "status": status,
    }))
    .unwrap()
}

#[test]
fn pod_states_report_the_real_reason() {
    let ready = pod_with_status(serde_json::json!({
        "phase": "Running", "podIP": "10.1.2.3",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "client", "ready": true, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"running": {}}}]
    }));
    assert_eq!(
        pod_state(&ready),
        PodState::Ready("10.1.2.3".parse().unwrap())
    );

    let pull = pod_with_status(serde_json::json!({
        "phase": "Pending",
        "containerStatuses": [{"name": "client", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"waiting": {"reason": "ErrImagePull", "message": "failed to pull image \"x\": not found"}}}]
    }));
    match pod_state(&pull) {
        PodState::Failed { reason, message } => {
            assert_eq!(reason, "ErrImagePull");
            assert!(message.contains("not found"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    let root = pod_with_status(serde_json::json!({
        "phase": "Pending",
        "containerStatuses": [{"name": "serve-8080", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "container has runAsNonRoot and image will run as root"}}}]
    }));
    assert!(
        matches!(pod_state(&root), PodState::Failed { reason, .. } if reason == "CreateContainerConfigError")
    );

    let unschedulable = pod_with_status(serde_json::json!({
        "phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu."}]
    }));
    match pod_state(&unschedulable) {
        PodState::Pending(why) => assert!(why.contains("Insufficient cpu"), "{why}"),
        other => panic!("{other:?}"),
    }

    let crashed = pod_with_status(serde_json::json!({
        "phase": "Failed",
        "containerStatuses": [{"name": "serve-80", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
            "state": {"terminated": {"exitCode": 1, "reason": "Error", "message": "listen tcp :80: bind: permission denied"}}}]
    }));
    match pod_state(&crashed) {
        PodState::Failed { reason, message } => {
            assert_eq!(reason, "Error");
            assert!(
                message.contains("permission denied") && message.contains("code 1"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }

    let deadline = pod_with_status(serde_json::json!({
        "phase": "Failed", "reason": "DeadlineExceeded", "message": "Pod was active on the node longer than the specified deadline"
    }));
    assert!(
        matches!(pod_state(&deadline), PodState::Failed { reason, .. } if reason == "DeadlineExceeded")
    );
}
