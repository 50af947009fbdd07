//! Deleting the namespaces `gc` found expired.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams};
use kube::Client;

use crate::error::{Error, Result};

/// Deletes namespaces (background propagation; `dry_run` for a server-side
/// dry run). Returns the names actually deleted (one already gone is
/// skipped).
pub async fn delete_namespaces(
    client: &Client,
    names: &[String],
    dry_run: bool,
) -> Result<Vec<String>> {
    let api: Api<Namespace> = Api::all(client.clone());
    let dp = DeleteParams {
        dry_run,
        ..DeleteParams::background()
    };
    let mut deleted = Vec::new();
    for name in names {
        match api.delete(name, &dp).await {
            Ok(_) => deleted.push(name.clone()),
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(Error::from_kube("delete", "namespaces", None, e)),
        }
    }
    Ok(deleted)
}
