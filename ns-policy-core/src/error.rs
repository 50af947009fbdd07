//! Errors of the core library.
//!
//! Every variant carries enough context to be printed as one line that names
//! the bad value and what would be accepted. API errors keep the server's
//! status (code, reason) so callers can tell 403 from 409.

use std::path::PathBuf;

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    /// A profile name the baseline does not define.
    #[error("unknown profile {name:?} (the baseline defines: {known})")]
    UnknownProfile {
        /// The rejected profile name.
        name: String,
        /// Comma-separated list of known profiles.
        known: String,
    },
    /// Any other invalid user input (flags, label values, durations...).
    #[error("{0}")]
    InvalidInput(String),
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
    #[error("{object}: {message}; rerun with --force-conflicts to take ownership of these fields")]
    Conflict {
        /// `NetworkPolicy ns/name`.
        object: String,
        /// The API server's message.
        message: String,
    },
    /// Applying would change an existing object and nobody confirmed it.
    #[error("{object} exists and would change; confirm with --yes")]
    NeedsConfirmation {
        /// `Namespace x` or `ResourceQuota ns/name`.
        object: String,
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
