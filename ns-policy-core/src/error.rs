//! Errors of the core library.
//!
//! Every variant carries enough context to be printed as one line that names
//! the bad value and what would be accepted. API errors keep the server's
//! status (code, reason) so callers can tell 403 from 409.

use std::path::PathBuf;

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kinds of single values the core validates, for [`InvalidValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// A label key (`example.com/tier`).
    LabelKey,
    /// A label value.
    LabelValue,
    /// A `KEY=VALUE` label argument.
    LabelArgument,
    /// A DNS-1123 subdomain (most object names).
    Subdomain,
    /// A named container port (an IANA service name).
    PortName,
    /// A resource quantity (`500m`, `2Gi`).
    Quantity,
    /// A duration (`4h`, `2d`).
    Duration,
    /// A time to live that the expiry it gives cannot hold.
    Ttl,
    /// A Pod Security level.
    PodSecurityLevel,
    /// A Pod Security version (`latest`, `v1.N`).
    PodSecurityVersion,
    /// A network protocol.
    Protocol,
    /// An audit severity.
    Severity,
    /// A label selector.
    Selector,
    /// A boolean (`true`, `false`).
    Boolean,
    /// A `{variable}` template of the baseline.
    Template,
    /// A cron schedule (`*/30 * * * *`).
    Schedule,
    /// A container image reference.
    Image,
}

/// One value that breaks the rule for its kind, and why. Its message names
/// the value and what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// What kind of value it is.
    pub kind: ValueKind,
    /// The value as given.
    pub value: String,
    message: String,
}

impl InvalidValue {
    /// A rejected value with the full message to show.
    pub fn new(kind: ValueKind, value: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidValue {
            kind,
            value: value.into(),
            message: message.into(),
        }
    }
}

/// Why a probe request cannot be run (see `ProbePlan::new`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeInputError {
    /// No namespace to probe.
    #[error("no namespace to probe: name at least one namespace")]
    NoNamespaces,
    /// A namespace given twice.
    #[error("namespace {0:?} is named twice")]
    DuplicateNamespace(String),
    /// No port.
    #[error("no port to probe (give one, or set spec.probe.ports in the baseline)")]
    NoPorts,
    /// Port 0.
    #[error("invalid port 0: ports are 1-65535")]
    PortZero,
    /// An empty image.
    #[error("the probe image is empty")]
    EmptyImage,
    /// A run id that is not a label value of 1-20 lowercase alphanumerics.
    #[error("invalid probe run id {0:?}: 1-20 lowercase letters and digits")]
    RunId(String),
    /// A user label that would override one of the probe's own labels.
    #[error("the {role} labels cannot set {key}: the probe sets it")]
    ReservedLabel {
        /// `pod`, `client` or `server`.
        role: &'static str,
        /// The label key.
        key: String,
    },
    /// A target address with port 0.
    #[error("invalid target {0}: port 0 (ports are 1-65535)")]
    TargetPortZero(std::net::SocketAddr),
}

/// The paths an override may set (`create --set PATH=VALUE`).
pub const OVERRIDE_PATHS: &str = "quota.<resource>, limitRange.{default,defaultRequest,max,min,maxLimitRequestRatio}.<resource>, \
podSecurity.{level,warn,audit,version}, network.{allowSameNamespace,allowDns,allowIngressController,allowApiServer}, \
labels.<key>, annotations.<key>, ttl";

/// Why an override cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OverrideError {
    /// An argument that is neither `PATH=VALUE` nor `PATH-`.
    #[error("invalid override {0:?}: expected PATH=VALUE or PATH- (paths: {OVERRIDE_PATHS})")]
    Malformed(String),
    /// A path no override exists for.
    #[error("invalid override {arg:?}: unknown path {path:?} (paths: {OVERRIDE_PATHS})")]
    UnknownPath {
        /// The argument or `path=value`.
        arg: String,
        /// The path.
        path: String,
    },
    /// A value its path does not accept.
    #[error("invalid override {arg:?}: {source}")]
    Value {
        /// The argument or `path=value`.
        arg: String,
        /// The problem.
        #[source]
        source: InvalidValue,
    },
    /// The overrides annotation is not a JSON object of strings.
    #[error(
        "annotation {}={raw:?} is not a JSON object of strings: {message}",
        crate::OVERRIDES_ANNOTATION
    )]
    Annotation {
        /// Its value.
        raw: String,
        /// The JSON error.
        message: String,
    },
    /// The profile with these overrides is one the API server would refuse
    /// (a LimitRange whose default is above its max, a negative quota).
    #[error("with the overrides {}: {problem}", .overrides.join(", "))]
    Inconsistent {
        /// The overrides involved, `path=value`.
        overrides: Vec<String>,
        /// What the API server would say.
        problem: String,
    },
}

/// What can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A namespace name that is not a DNS-1123 label.
    #[error("invalid namespace name {name:?}: {reason} (a DNS-1123 label: at most 63 characters, lowercase letters, digits and '-', starting and ending with a letter or digit)")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A single value that breaks its rule (label, quantity, duration...).
    #[error(transparent)]
    Value(#[from] InvalidValue),
    /// A value given for a namespace that breaks its rule.
    #[error("namespace {namespace:?}: {what}: {source}")]
    NamespaceValue {
        /// Namespace.
        namespace: String,
        /// Which value (`label team`, `annotation x`, `network.allows`).
        what: String,
        /// The problem.
        #[source]
        source: InvalidValue,
    },
    /// A profile name the baseline does not define.
    #[error("unknown profile {name:?} (the baseline defines: {known})")]
    UnknownProfile {
        /// The rejected profile name.
        name: String,
        /// Comma-separated list of known profiles.
        known: String,
    },
    /// Required labels without a value (the CLI asks for them, or names
    /// the flag to pass).
    #[error("namespace {namespace:?} is missing required label(s) {}", .keys.join(", "))]
    MissingLabels {
        /// Namespace.
        namespace: String,
        /// The label keys.
        keys: Vec<String>,
    },
    /// A label given for a namespace that contradicts a fixed label of its
    /// profile.
    #[error("label {key}={value} contradicts profile {profile}, which sets {key}={fixed} on namespace {namespace:?}")]
    FixedLabel {
        /// Namespace.
        namespace: String,
        /// Profile.
        profile: String,
        /// Label key.
        key: String,
        /// The value given.
        value: String,
        /// The profile's value.
        fixed: String,
    },
    /// The baseline is never applied to a system namespace.
    #[error("refusing to apply the baseline to system namespace {name:?} (system namespaces: {})", crate::SYSTEM_NAMESPACES.join(", "))]
    SystemNamespace {
        /// The namespace.
        name: String,
    },
    /// An override (`--set`, or the namespace's overrides annotation) that
    /// cannot be used.
    #[error("{}{source}", .namespace.as_ref().map(|n| format!("namespace {n:?}: ")).unwrap_or_default())]
    Override {
        /// The namespace whose annotation it is, if any.
        namespace: Option<String>,
        /// The problem.
        #[source]
        source: OverrideError,
    },
    /// An audit or probe request that selects no namespace.
    #[error("no namespace selected: name namespaces, or select all or by label")]
    NothingSelected,
    /// Named namespaces that the given manifests do not define.
    #[error("namespace(s) {} not in the given files ({})", .missing.join(", "), if .known.is_empty() { "they define no namespace".to_string() } else { format!("they define: {}", .known.join(", ")) })]
    NotInManifests {
        /// The namespaces asked for.
        missing: Vec<String>,
        /// The namespaces the manifests define.
        known: Vec<String>,
    },
    /// A probe that cannot be run as asked.
    #[error(transparent)]
    Probe(#[from] ProbeInputError),
    /// An existing kustomization file that cannot be merged into.
    #[error("{path}: {problem}")]
    Kustomization {
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The run needs permissions the caller does not have (asked before
    /// anything was written).
    #[error("forbidden: this run needs permission to {} and nothing was applied (check with: kubectl auth can-i {})", .missing.join(", "), .missing.first().map(String::as_str).unwrap_or_default())]
    MissingPermissions {
        /// `create roles.rbac.authorization.k8s.io -n x`, as `kubectl auth
        /// can-i` takes them.
        missing: Vec<String>,
    },
    /// A write failed; what this run had created was deleted again (or
    /// could not be, and is named).
    #[error("{}{source}{}", if .namespace.is_empty() { String::new() } else { format!("applying namespace {}: ", .namespace) }, rollback_summary(.rolled_back, .left))]
    ApplyFailed {
        /// The namespace whose write failed.
        namespace: String,
        /// The failed write.
        #[source]
        source: Box<Error>,
        /// What this run had created and deleted again.
        rolled_back: Vec<String>,
        /// What it created and could not delete (with why).
        left: Vec<String>,
    },
    /// An object the API server would refuse (its validation, done here
    /// before anything is written or predicted).
    #[error("{object} would be refused by the API server: {}", .problems.join("; "))]
    WouldBeRefused {
        /// `NetworkPolicy ns/name` (and `file:line` offline).
        object: String,
        /// The server's reasons, `field: Invalid value: "v": why`.
        problems: Vec<String>,
    },
    /// An object of the manifests that cannot be read as its kind.
    #[error("{source_location}: {message}")]
    Manifest {
        /// `file:line`.
        source_location: String,
        /// What is wrong.
        message: String,
    },
    /// A file that could not be parsed, with its position.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file (or `<built-in>` / `-`).
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// An input larger than the limit (`--max-input-size`).
    #[error("{path} is larger than {} MiB, the limit of one input", .limit >> 20)]
    InputTooLarge {
        /// The file (`-` for stdin).
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A file or directory that could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Namespaces named on the command line that do not exist.
    #[error("namespace(s) not found: {}", .0.join(", "))]
    NamespacesNotFound(Vec<String>),
    /// Server-side apply hit fields another field manager owns (409).
    #[error("{object}: {message}; these fields are owned by another field manager")]
    Conflict {
        /// `NetworkPolicy ns/name`.
        object: String,
        /// The API server's message.
        message: String,
    },
    /// Applying would change an existing object and nobody confirmed it.
    #[error("{object} exists and would change, and the change was not confirmed")]
    NeedsConfirmation {
        /// `Namespace x` or `ResourceQuota ns/name`.
        object: String,
    },
    /// A request to the API server that could not be built.
    #[error("building the request {what}: {message}")]
    Request {
        /// Which request.
        what: String,
        /// Why.
        message: String,
    },
    /// No kubeconfig was found and this is not a pod of a cluster.
    #[error(
        "no kubeconfig found ($KUBECONFIG, ~/.kube/config) and not running in a cluster: {reason}"
    )]
    NoKubeconfig {
        /// Why the default kubeconfig could not be read.
        reason: String,
    },
    /// Kubeconfig could not be loaded or does not name the context.
    #[error("{0}")]
    Kubeconfig(String),
    /// The cluster could not be reached.
    #[error("cannot reach the cluster {server} (context {context}): {message}")]
    Unreachable {
        /// Context name.
        context: String,
        /// Server URL.
        server: String,
        /// Transport error.
        message: String,
    },
    /// The API server answered 403.
    #[error("forbidden: cannot {verb} {resource}{scope}: {message} (check with: kubectl auth can-i {verb} {resource}{can_i_ns})")]
    Forbidden {
        /// Verb (get, list, patch, create, delete...).
        verb: String,
        /// Resource (plural, with group if any).
        resource: String,
        /// ` in namespace "x"` or empty.
        scope: String,
        /// ` -n x` or empty.
        can_i_ns: String,
        /// The server's message.
        message: String,
    },
    /// Any other error status of the API server.
    #[error("{verb} {resource}{scope}: {message} ({code} {reason})")]
    Api {
        /// Verb.
        verb: String,
        /// Resource.
        resource: String,
        /// ` in namespace "x"` or ` "name"`.
        scope: String,
        /// HTTP code.
        code: u16,
        /// Status reason (Conflict, Invalid, NotFound...).
        reason: String,
        /// Message.
        message: String,
    },
    /// A transport or client error talking to the API.
    #[cfg(feature = "client")]
    #[error("{verb} {resource}{scope}")]
    Client {
        /// Verb.
        verb: String,
        /// Resource.
        resource: String,
        /// Scope.
        scope: String,
        /// The kube client error.
        #[source]
        source: Box<kube::Error>,
    },
}

impl Error {
    #[cfg(feature = "client")]
    /// Wraps a kube error with the verb and resource it concerned.
    ///
    /// 403 becomes [`Error::Forbidden`] (with an `auth can-i` hint); other
    /// statuses keep code and reason; transport errors stay as client errors.
    pub fn from_kube(
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
        err: kube::Error,
    ) -> Self {
        let scope = namespace
            .map(|n| format!(" in namespace {n:?}"))
            .unwrap_or_default();
        match err {
            kube::Error::Api(status) if status.code == 403 => Error::Forbidden {
                verb: verb.to_string(),
                resource: resource.to_string(),
                scope,
                can_i_ns: namespace.map(|n| format!(" -n {n}")).unwrap_or_default(),
                message: status.message.clone(),
            },
            kube::Error::Api(status) => Error::Api {
                verb: verb.to_string(),
                resource: resource.to_string(),
                scope,
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            },
            other => Error::Client {
                verb: verb.to_string(),
                resource: resource.to_string(),
                scope,
                source: Box::new(other),
            },
        }
    }

    /// HTTP status code if this is an API error.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            Error::Forbidden { .. } => Some(403),
            Error::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True for errors of the user's input or configuration (exit code 2
    /// in the CLI) as opposed to transport/server errors.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Error::Forbidden { .. })
    }

    /// True when the error means the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status_code() == Some(404)
    }
}

fn rollback_summary(rolled_back: &[String], left: &[String]) -> String {
    let mut out = String::new();
    if rolled_back.is_empty() && left.is_empty() {
        out.push_str("; nothing had been created, nothing was changed");
    }
    if !rolled_back.is_empty() {
        out.push_str(&format!(
            "; rolled back what this run had created: {}",
            rolled_back.join(", ")
        ));
    }
    if !left.is_empty() {
        out.push_str(&format!(
            "; could NOT delete what this run created: {} (delete it by hand)",
            left.join(", ")
        ));
    }
    out
}

/// Joins an error and its sources into one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
