//! Connecting to a cluster the way kubectl does: `--kubeconfig`, `$KUBECONFIG`
//! (several paths merged), `~/.kube/config`, `--context`, `--cluster`,
//! `--user`, impersonation (`--as`, `--as-group`, `--as-uid`), and in-cluster
//! configuration as the last resort — only when nothing named a kubeconfig
//! or a part of one (kubectl's rule).
//!
//! Every request goes through kube's retry layer (429, 503 and 504 are
//! retried with exponential backoff, honouring `Retry-After`).

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// Which cluster to talk to.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `--request-timeout` (per request; `Some(0)`: none, kubectl's `0`).
    pub request_timeout: Option<Duration>,
    /// `--as`: the user to impersonate.
    pub impersonate: Option<String>,
    /// `--as-group` (repeatable): groups to impersonate.
    pub impersonate_groups: Vec<String>,
    /// `--as-uid`: the UID to impersonate.
    pub impersonate_uid: Option<String>,
}

impl Target {
    /// Whether a flag or `$KUBECONFIG` names a kubeconfig or a part of one:
    /// then a missing kubeconfig is an error, never in-cluster config.
    fn names_a_kubeconfig(&self, env_kubeconfig: Option<&std::ffi::OsStr>) -> bool {
        self.kubeconfig.is_some()
            || self.context.is_some()
            || self.cluster.is_some()
            || self.user.is_some()
            || env_kubeconfig.is_some_and(|v| !v.is_empty())
    }
}

/// A connected client with the names used in error messages.
#[derive(Clone)]
pub struct Cluster {
    /// The client.
    pub client: Client,
    /// Context name (or `in-cluster`).
    pub context: String,
    /// API server URL.
    pub server: String,
    /// Default namespace of the context.
    pub default_namespace: String,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("context", &self.context)
            .field("server", &self.server)
            .finish()
    }
}

/// Builds a client for the target and checks that the API server answers
/// (one `GET /version`), so an unreachable cluster is reported before any
/// work starts, naming the context and the server.
pub async fn connect(target: &Target) -> Result<Cluster> {
    let (mut config, context) = load_config(target).await?;
    config.connect_timeout = Some(Duration::from_secs(10));
    config.read_timeout = read_timeout(target.request_timeout);
    config.reset_reader_on_write = true;
    config.default_retry = true;
    if let Some(user) = &target.impersonate {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !target.impersonate_groups.is_empty() {
        if target.impersonate.is_none() {
            return Err(Error::Kubeconfig(
                "--as-group requires --as (kubectl's rule: groups are impersonated with a user)"
                    .into(),
            ));
        }
        config.auth_info.impersonate_groups = Some(target.impersonate_groups.clone());
    }
    if let Some(uid) = &target.impersonate_uid {
        if target.impersonate.is_none() {
            return Err(Error::Kubeconfig(
                "--as-uid requires --as (kubectl's rule: a UID is impersonated with a user)".into(),
            ));
        }
        config.auth_info.impersonate_uid = Some(uid.clone());
    }
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|e| Error::Unreachable {
        context: context.clone(),
        server: server.clone(),
        message: e.to_string(),
    })?;
    if let Err(e) = client.apiserver_version().await {
        let message = match &e {
            kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
            other => crate::error::chain(other),
        };
        return Err(Error::Unreachable {
            context,
            server,
            message,
        });
    }
    Ok(Cluster {
        client,
        context,
        server,
        default_namespace,
    })
}

/// The per-request timeout: `--request-timeout` (`0`: none, as kubectl),
/// else 60 s.
fn read_timeout(flag: Option<Duration>) -> Option<Duration> {
    match flag {
        Some(d) if d.is_zero() => None,
        Some(d) => Some(d),
        None => Some(Duration::from_secs(60)),
    }
}

async fn load_config(target: &Target) -> Result<(Config, String)> {
    let options = KubeConfigOptions {
        context: target.context.clone(),
        cluster: target.cluster.clone(),
        user: target.user.clone(),
    };
    let kubeconfig = match &target.kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| {
            Error::Kubeconfig(format!(
                "cannot load kubeconfig {}: {}",
                path.display(),
                crate::error::chain(&e)
            ))
        })?),
        None => match Kubeconfig::read() {
            Ok(k) => Some(k),
            Err(e) => {
                // In-cluster only when nothing named a kubeconfig: a broken
                // $KUBECONFIG or a --context must not silently talk to the
                // cluster the pod runs in.
                if !target.names_a_kubeconfig(std::env::var_os("KUBECONFIG").as_deref()) {
                    if let Ok(c) = Config::incluster() {
                        return Ok((c, "in-cluster".to_string()));
                    }
                }
                return Err(Error::NoKubeconfig {
                    reason: crate::error::chain(&e),
                });
            }
        },
    };
    let kubeconfig = kubeconfig.unwrap_or_default();
    let context = target
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if let Some(ctx) = &target.context {
        if !kubeconfig.contexts.iter().any(|c| &c.name == ctx) {
            let known: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            return Err(Error::Kubeconfig(format!(
                "context {ctx:?} not found in kubeconfig (contexts: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| {
            Error::Kubeconfig(format!(
                "invalid kubeconfig for context {context:?}: {}",
                crate::error::chain(&e)
            ))
        })?;
    Ok((config, context))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_request_timeout_means_none_and_the_default_is_a_minute() {
        assert_eq!(read_timeout(Some(Duration::ZERO)), None);
        assert_eq!(
            read_timeout(Some(Duration::from_secs(5))),
            Some(Duration::from_secs(5))
        );
        assert_eq!(read_timeout(None), Some(Duration::from_secs(60)));
    }

    #[test]
    fn in_cluster_config_is_only_a_fallback_when_nothing_names_a_kubeconfig() {
        let t = Target::default();
        assert!(!t.names_a_kubeconfig(None));
        assert!(!t.names_a_kubeconfig(Some(std::ffi::OsStr::new(""))));
        assert!(t.names_a_kubeconfig(Some(std::ffi::OsStr::new("/x/config"))));
        for t in [
            Target {
                kubeconfig: Some("/x".into()),
                ..Default::default()
            },
            Target {
                context: Some("prod".into()),
                ..Default::default()
            },
            Target {
                cluster: Some("c".into()),
                ..Default::default()
            },
            Target {
                user: Some("u".into()),
                ..Default::default()
            },
        ] {
            assert!(t.names_a_kubeconfig(None), "{t:?}");
        }
    }
}
