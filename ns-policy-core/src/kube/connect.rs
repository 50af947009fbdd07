//! Connecting to a cluster the way kubectl does: `--kubeconfig`, `$KUBECONFIG`
//! (several paths merged), `~/.kube/config`, `--context`, and in-cluster
//! configuration as the last resort.

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
    /// `--request-timeout` (per request).
    pub request_timeout: Option<Duration>,
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
    config.read_timeout = Some(target.request_timeout.unwrap_or(Duration::from_secs(60)));
    config.reset_reader_on_write = true;
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
                if let Ok(c) = Config::incluster() {
                    return Ok((c, "in-cluster".to_string()));
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
