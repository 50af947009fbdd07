//! Names of the objects `create` renders into every namespace (the quota,
//! the LimitRange, the built-in NetworkPolicies, the default
//! ServiceAccount). A leaf module: the baseline refuses custom allows and
//! ServiceAccounts that would collide with them, rendering writes them and
//! the audit recognises them.

/// ResourceQuota.
pub const QUOTA: &str = "ns-policy-quota";
/// LimitRange.
pub const LIMIT_RANGE: &str = "ns-policy-limits";
/// Default-deny NetworkPolicy.
pub const DEFAULT_DENY: &str = "default-deny";
/// DNS egress NetworkPolicy.
pub const ALLOW_DNS: &str = "allow-dns";
/// Same-namespace NetworkPolicy.
pub const ALLOW_SAME_NAMESPACE: &str = "allow-same-namespace";
/// Ingress-controller NetworkPolicy.
pub const ALLOW_INGRESS_CONTROLLER: &str = "allow-ingress-controller";
/// API-server egress NetworkPolicy.
pub const ALLOW_API_SERVER: &str = "allow-api-server";
/// The namespace's default ServiceAccount.
pub const SERVICE_ACCOUNT: &str = "default";

/// Label carrying the run id on every probe pod (the audit leaves these
/// short-lived pods of the tool out of the workload-reliability checks).
pub const PROBE_RUN_LABEL: &str = "ns-policy.io/probe-run";
