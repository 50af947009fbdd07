//! Retrying idempotent requests (LIST, GET, DELETE) across transient
//! failures: a reset connection, a timeout, 429 Too Many Requests and 5xx
//! answers. Cleanup and rollback go through it, so one dropped connection
//! does not leave probe pods or half a namespace behind.

use std::future::Future;
use std::time::Duration;

/// Attempts of a retried request.
const ATTEMPTS: u32 = 5;
/// First pause; doubled after each failure (200ms, 400ms, 800ms, 1.6s).
const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// True for failures a later attempt may not see: transport errors (reset,
/// refused, timed out), 429, and 5xx but 501.
pub(crate) fn is_transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => s.code == 429 || (s.code >= 500 && s.code != 501),
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => true,
        _ => false,
    }
}

/// Runs `f` until it succeeds, fails for good, or [`ATTEMPTS`] are used,
/// pausing with exponential backoff between transient failures.
pub(crate) async fn with_backoff<T, F, Fut>(mut f: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
