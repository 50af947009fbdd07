//! SIGINT and SIGTERM, counted (kubert's model): the first stops the work
//! and starts cleanup; only a second one abandons the cleanup.

use tokio::sync::watch;

/// The signals received so far.
#[derive(Clone, Debug)]
pub(crate) struct Shutdown {
    count: watch::Receiver<u32>,
    kinds: watch::Receiver<&'static str>,
}

impl Shutdown {
    /// Starts listening for SIGINT (Ctrl-C) and SIGTERM.
    pub(crate) fn listen() -> Self {
        let (count_tx, count) = watch::channel(0u32);
        let (kind_tx, kinds) = watch::channel("");
        tokio::spawn(async move {
            loop {
                let kind = tokio::select! {
                    r = tokio::signal::ctrl_c() => match r {
                        Ok(()) => "interrupted",
                        // No signal handling here: never fires.
                        Err(_) => std::future::pending().await,
                    },
                    _ = terminate() => "terminated",
                };
                let _ = kind_tx.send(kind);
                count_tx.send_modify(|c| *c += 1);
            }
        });
        Shutdown { count, kinds }
    }

    /// Signals received so far.
    pub(crate) fn received(&self) -> u32 {
        *self.count.borrow()
    }

    /// `interrupted` (SIGINT) or `terminated` (SIGTERM): the last signal.
    pub(crate) fn last_kind(&self) -> &'static str {
        *self.kinds.borrow()
    }

    /// Resolves once `n` signals in all have been received.
    pub(crate) async fn signals(&self, n: u32) {
        let mut rx = self.count.clone();
        let _ = rx.wait_for(|c| *c >= n).await;
    }
}

#[cfg(unix)]
async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await
}
