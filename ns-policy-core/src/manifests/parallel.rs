//! Order-keeping parallel map over all CPUs (scoped threads), used to read
//! and parse manifests.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::Result;

/// Maps `f` over `items` on all CPUs, keeping order. Returns the error of the
/// first failing item in order; items after a known failure are not started.
pub(super) fn parallel_map<T, R, F>(items: &[T], f: F) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<R> + Sync,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let first_error = AtomicUsize::new(usize::MAX);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let idx = next.fetch_add(1, Ordering::Relaxed);
            if idx >= items.len() || idx > first_error.load(Ordering::Relaxed) {
                break;
            }
            let result = f(&items[idx]);
            if result.is_err() {
                first_error.fetch_min(idx, Ordering::Relaxed);
            }
            done.push((idx, result));
        }
        done
    };
    let mut slots: Vec<Option<Result<R>>> = Vec::with_capacity(items.len());
    slots.resize_with(items.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(16 << 20) // deep YAML nesting recurses
                    .spawn_scoped(scope, worker)
            })
            .collect();
        for handle in handles.into_iter().flatten() {
            // A thread that could not be started leaves its share to the
            // others (or to the loop below).
            match handle.join() {
                Ok(done) => {
                    for (idx, result) in done {
                        slots[idx] = Some(result);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    let mut out = Vec::with_capacity(items.len());
    for (idx, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(result) => out.push(result?),
            // Not run: no thread could be started, or it comes after an
            // error (which was returned above).
            None => out.push(f(&items[idx])?),
        }
    }
    Ok(out)
}
