//! The Pod Security dry run of a namespace's enforce label.

use super::*;

#[tokio::test]
async fn psa_dry_run_reads_the_warning_headers() {
    let violation = "existing pods in namespace \"team-a\" violate the new PodSecurity enforce level \"restricted:v1.33\"";
    let pod = "web-1: allowPrivilegeEscalation != false, unrestricted capabilities";
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        ok(serde_json::to_value(existing_namespace()).expect("json"))
            .with_warning(&format!(
                "299 - {}",
                serde_json::to_string(violation).expect("json")
            ))
            .with_warning(&format!("299 - \"{pod}\"")),
    )];
    let (answer, seen) = with_api(steps, |c| async move {
        psa::psa_dry_run(&c, NS, "restricted", "v1.33").await
    })
    .await;
    assert_eq!(
        answer.expect("dry run"),
        Access::Known(vec![violation.to_string(), pod.to_string()])
    );
    let req = &seen[0];
    assert_eq!(req.param("dryRun"), Some("All"));
    assert_eq!(req.param("fieldManager"), Some("kubectl-ns-policy"));
    assert_eq!(
        req.content_type.as_deref(),
        Some("application/merge-patch+json")
    );
    assert_eq!(
        req.body,
        json!({"metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.33",
        }}})
    );
}

#[tokio::test]
async fn forbidden_psa_dry_run_is_unknown_with_a_can_i_hint() {
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        status(
            403,
            "Forbidden",
            "namespaces \"team-a\" is forbidden: User \"dev\" cannot patch resource \"namespaces\"",
        ),
    )];
    let (answer, _) = with_api(steps, |c| async move {
        psa::psa_dry_run(&c, NS, "restricted", "latest").await
    })
    .await;
    let refused = match answer.expect("a refusal is no error") {
        Access::Forbidden(m) => m,
        other => panic!("{other:?}"),
    };
    assert!(
        refused.contains("kubectl auth can-i patch namespaces"),
        "{refused}"
    );
}

#[tokio::test]
async fn psa_dry_run_errors_keep_the_servers_reason_and_message() {
    let steps = vec![step(
        Method::PATCH,
        "/api/v1/namespaces/team-a",
        not_found("namespaces", NS),
    )];
    let (answer, _) = with_api(steps, |c| async move {
        psa::psa_dry_run(&c, NS, "restricted", "latest").await
    })
    .await;
    let err = answer.expect_err("the namespace is gone");
    assert!(
        matches!(&err, Error::Api { code: 404, reason, message, .. }
            if reason == "NotFound" && message == "namespaces \"team-a\" not found"),
        "{err:?}"
    );
    assert!(err.is_not_found());
}
