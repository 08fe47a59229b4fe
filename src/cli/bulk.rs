//! Bulk changes that stream: each target is changed as soon as the walk that finds it yields
//! it, with a bounded number of changes at a time, while later pages are still being read.
//!
//! Memory is bounded by the pages in flight and the changes in flight, plus one key per
//! target seen (to change each exactly once even when a server moves between pages during the
//! walk): that set grows with the number of servers, a few dozen bytes each.

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

use futures::stream::FuturesUnordered;
use futures::{Stream, StreamExt};

use crate::Error;

/// How many changes may run at once. It is read again before each change starts, so a limit
/// that adapts while the walk goes on (fewer changes after the server throttles) can drive it.
pub(crate) trait ChangeLimit {
    /// Changes allowed at once now (at least one is always allowed).
    fn current(&self) -> usize;
}

/// A fixed limit.
impl ChangeLimit for usize {
    fn current(&self) -> usize {
        *self
    }
}

/// The client's limit that halves whenever the console answers `429`.
impl ChangeLimit for crate::AdaptiveLimit {
    fn current(&self) -> usize {
        self.limit()
    }
}

/// How a bulk run ended.
#[derive(Debug, Default)]
pub(crate) struct BulkEnd {
    /// Targets the walk yielded more than once, changed only the first time.
    pub(crate) duplicates: u64,
    /// The error that stopped the walk early; the changes already started were finished.
    pub(crate) walk_error: Option<Error>,
}

/// Applies `apply` to every target of `targets` once (by `key`), at most `limit` at a time,
/// starting each as soon as it arrives; `done` receives each result as it completes.
pub(crate) async fn run<T, K, R, F>(
    targets: impl Stream<Item = Result<T, Error>>,
    key: impl Fn(&T) -> K,
    limit: &impl ChangeLimit,
    apply: impl Fn(T) -> F,
    mut done: impl FnMut(R),
) -> BulkEnd
where
    K: Eq + Hash,
    F: Future<Output = R>,
{
    let mut targets = std::pin::pin!(targets);
    let mut running = FuturesUnordered::new();
    let mut seen = HashSet::new();
    let mut end = BulkEnd::default();
    let mut walking = true;
    loop {
        if walking && running.len() < limit.current().max(1) {
            tokio::select! {
                // Finishing changes first keeps their results (and memory) from piling up.
                biased;
                Some(result) = running.next(), if !running.is_empty() => done(result),
                next = targets.next() => match next {
                    Some(Ok(target)) => {
                        if seen.insert(key(&target)) {
                            running.push(apply(target));
                        } else {
                            end.duplicates += 1;
                        }
                    }
                    Some(Err(error)) => {
                        end.walk_error = Some(error);
                        walking = false;
                    }
                    None => walking = false,
                },
            }
        } else {
            match running.next().await {
                Some(result) => done(result),
                None => break,
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn every_target_once_at_most_limit_at_a_time_starting_before_the_walk_ends() {
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let walked = Arc::new(AtomicUsize::new(0));
        let started_during_walk = Arc::new(AtomicUsize::new(0));
        // 100 targets, each yielded twice, slowly, as pages would be.
        let targets = {
            let walked = walked.clone();
            futures::stream::iter((0..200u32).map(|i| i % 100)).then(move |i| {
                let walked = walked.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    walked.fetch_add(1, Ordering::SeqCst);
                    Ok(i)
                }
            })
        };
        let mut results = Vec::new();
        let end = run(
            targets,
            |i| *i,
            &4usize,
            |i| {
                let (running, most) = (running.clone(), most.clone());
                if walked.load(Ordering::SeqCst) < 200 {
                    started_during_walk.fetch_add(1, Ordering::SeqCst);
                }
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                }
            },
            |i| results.push(i),
        )
        .await;
        results.sort_unstable();
        assert_eq!(results, (0..100).collect::<Vec<_>>());
        assert_eq!(end.duplicates, 100);
        assert!(end.walk_error.is_none());
        assert!(most.load(Ordering::SeqCst) <= 4, "{most:?}");
        assert!(started_during_walk.load(Ordering::SeqCst) >= 90);
    }

    #[tokio::test]
    async fn a_walk_error_stops_new_changes_but_finishes_started_ones() {
        let targets = futures::stream::iter(vec![
            Ok(1),
            Ok(2),
            Err(Error::Config("the walk broke".into())),
            Ok(3),
        ]);
        let mut results = Vec::new();
        let end = run(
            targets,
            |i| *i,
            &8usize,
            |i| async move { i },
            |i| results.push(i),
        )
        .await;
        results.sort_unstable();
        assert_eq!(results, [1, 2]);
        assert!(matches!(end.walk_error, Some(Error::Config(_))));
    }
}
