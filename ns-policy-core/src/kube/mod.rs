//! The I/O edges of the core: everything that talks to the API server.
//! Each function takes a [`::kube::Client`] (or the connection flags) from
//! the caller and returns the core's plain data types; the decisions are made
//! by the pure modules.

pub mod apply;
pub mod argocd;
pub mod audit;
pub mod connect;
pub mod gc;
pub mod list;
pub mod netpol;
pub mod probe;
pub mod psa;
pub(crate) mod retry;
pub mod schedule;

use ::kube::core::ApiResource;

use crate::inventory::Kind;

/// The dynamic API resource of a kind of the kinds table.
pub(crate) fn api_resource(kind: Kind) -> ApiResource {
    let i = kind.info();
    ApiResource {
        group: i.group.to_string(),
        version: i.version.to_string(),
        api_version: i.api_version.to_string(),
        kind: i.name.to_string(),
        plural: i.plural.to_string(),
    }
}
