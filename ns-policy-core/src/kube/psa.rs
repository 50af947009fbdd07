//! Pod Security readiness: the API server's own verdict on existing pods,
//! from a server-side dry run of a namespace's enforce label.

use kube::Client;

use crate::audit::{parse_warning, Access};
use crate::error::{Error, Result};

/// The API server's own answer to "would existing pods pass this level?": a
/// server-side dry run of the namespace's enforce label returns one warning
/// per pod that would be rejected.
pub async fn psa_dry_run(
    client: &Client,
    namespace: &str,
    level: &str,
    version: &str,
) -> Result<Access<Vec<String>>> {
    let body = serde_json::json!({
        "metadata": {"labels": {
            "pod-security.kubernetes.io/enforce": level,
            "pod-security.kubernetes.io/enforce-version": version,
        }}
    });
    let uri = format!(
        "/api/v1/namespaces/{namespace}?dryRun=All&fieldManager={}",
        crate::FIELD_MANAGER
    );
    let request = http::Request::builder()
        .method("PATCH")
        .uri(uri)
        .header("content-type", "application/merge-patch+json")
        .header("accept", "application/json")
        .body(kube::client::Body::from(
            serde_json::to_vec(&body).unwrap_or_default(),
        ))
        .map_err(|e| Error::Request {
            what: format!("PodSecurity dry run of namespace {namespace:?}"),
            message: e.to_string(),
        })?;
    let response = client
        .send(request)
        .await
        .map_err(|e| Error::from_kube("patch", "namespaces", None, e))?;
    let status = response.status().as_u16();
    let warnings: Vec<String> = response
        .headers()
        .get_all("warning")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(parse_warning)
        .collect();
    if status == 403 {
        return Ok(Access::Forbidden(format!(
            "forbidden: cannot patch namespaces (dry run) {namespace:?} (check with: kubectl auth can-i patch namespaces)"
        )));
    }
    if status >= 400 {
        let body = response
            .into_body()
            .collect_bytes()
            .await
            .unwrap_or_default();
        // The server's Status, as kube's own requests read it; a proxy may
        // answer with plain text instead.
        let (reason, message) = match serde_json::from_slice::<kube::core::Status>(&body) {
            Ok(s) => (s.reason, s.message),
            Err(_) => (
                String::new(),
                String::from_utf8_lossy(&body).trim().to_string(),
            ),
        };
        return Err(Error::Api {
            verb: "patch".into(),
            resource: "namespaces".into(),
            scope: format!(" {namespace:?} (dry run)"),
            code: status,
            reason,
            message,
        });
    }
    Ok(Access::Known(warnings))
}
