//! gc: deleting expired namespaces.

use super::*;

#[tokio::test]
async fn gc_deletes_in_the_background_and_skips_namespaces_already_gone() {
    let steps = vec![
        step(
            Method::DELETE,
            "/api/v1/namespaces/pr-1",
            ok(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "pr-1"}, "status": {"phase": "Terminating"}}),
            ),
        ),
        step(
            Method::DELETE,
            "/api/v1/namespaces/pr-2",
            not_found("namespaces", "pr-2"),
        ),
    ];
    let names = vec!["pr-1".to_string(), "pr-2".to_string()];
    let (deleted, seen) = with_api(steps, |c| async move {
        gc::delete_namespaces(&c, &names, true).await
    })
    .await;
    assert_eq!(deleted.expect("deleted"), ["pr-1"]);
    for d in &seen {
        assert_eq!(d.body["propagationPolicy"], "Background");
        assert_eq!(d.body["dryRun"], json!(["All"]));
    }
}
