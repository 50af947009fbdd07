//! Core of `kubectl ns-policy`: the namespace baseline as data, rendering of the
//! per-namespace bundle, server-side apply, audit rules, the NetworkPolicy
//! evaluator and the probe planner/runner.
//!
//! Everything here returns data; nothing prints or prompts. Every module
//! but [`kube`] is pure: baseline, rendering, plans, audit rules, the
//! NetworkPolicy evaluator, Pod Security checks, the manifest loader and the
//! probe planner never touch the network. The I/O edges (connecting,
//! listing, server-side apply, the live probe runner) live under [`kube`],
//! behind the default `client` feature, and take a `kube::Client` from the
//! caller; `--no-default-features` builds the pure core alone.
//!
//! Modules form layers (`tests/layering.rs` lists them and fails on an
//! import of a same-or-higher layer): shared vocabularies ([`checks`],
//! [`reserved`], [`selector`], [`yaml`], [`quantity`], [`names`], [`error`])
//! at the bottom, then what is there and what it means ([`inventory`],
//! [`netpol`], [`pss`], [`manifests`]), the [`baseline`], [`render`] and
//! [`plan`], the three jobs ([`audit`], [`probe`], [`gc`]), and the I/O edge.
//!
//! Tests: a directory module keeps its unit tests under `x/tests/` (`mod.rs`
//! and one file per topic), a single-file module in an inline `mod tests`
//! at its end; cross-module tests are under `tests/`.

pub mod apivalidation;
pub mod argocd;
pub mod audit;
pub mod baseline;
pub mod checks;
pub mod diff;
pub mod error;
pub mod gc;
pub mod input;
pub mod inventory;
#[cfg(feature = "client")]
pub mod kube;
pub mod manifests;
pub mod names;
pub mod netpol;
pub mod plan;
pub mod probe;
pub mod pss;
pub mod quantity;
pub mod render;
pub mod reserved;
pub mod selector;
pub mod yaml;

pub use error::{Error, Result};

/// Field manager used for server-side apply unless the user overrides it.
pub const FIELD_MANAGER: &str = "kubectl-ns-policy";
/// Label every object we create carries.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY_VALUE: &str = "kubectl-ns-policy";
/// Label recording a namespace's profile.
pub const PROFILE_LABEL: &str = "ns-policy.io/profile";
/// Annotation: when a preview namespace was created (RFC 3339, UTC).
pub const CREATED_AT_ANNOTATION: &str = "ns-policy.io/created-at";
/// Annotation: when a preview namespace expires (RFC 3339, UTC).
pub const EXPIRES_AT_ANNOTATION: &str = "ns-policy.io/expires-at";
/// Annotation recording a namespace's overrides of its profile (`create --set`).
pub const OVERRIDES_ANNOTATION: &str = "ns-policy.io/overrides";
/// Namespaces the baseline is never applied to, and that `audit --all`
/// skips unless asked.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];
/// Label the API server sets on every namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
