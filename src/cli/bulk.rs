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

use std::marker::PhantomData;

use indicatif::ProgressBar;

use super::args::Format;
use super::writer::{stdout_is_terminal, ListWriter, Stdout};
use super::{Failure, Outcome};
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

/// One row of a bulk change's [`Report`].
pub(crate) trait Row: serde::Serialize {
    /// `changed`, `unchanged`, or anything else for a failure.
    fn outcome(&self) -> &str;
    /// The row's cells, in the report's columns.
    fn cells(&self) -> Vec<String>;
}

/// A line for the person at the terminal; a closed standard error is not worth failing for.
fn note(text: &str) {
    super::terminal_text::eprint_line(text);
}

/// The per-target report of a bulk change, written as changes complete, and the summary at the end. If the
/// reader of standard output goes away, the changes still run to the end (stopping half-way
/// would leave a partial change nobody asked for) and the summary still goes to standard error.
pub(crate) struct Report<R> {
    list: Option<ListWriter<Stdout>>,
    write_error: Option<Failure>,
    bar: ProgressBar,
    /// Rows go to the same terminal as the progress bar: hide the bar while writing each one.
    interleave: bool,
    changed: u64,
    unchanged: u64,
    failed: u64,
    /// What a row is about, for the summary ("server(s)").
    what: &'static str,
    /// The rows say what a run would do; nothing was sent.
    dry_run: bool,
    row: PhantomData<R>,
}

impl<R: Row> Report<R> {
    /// A report with `columns`, about `what` ("server(s)").
    pub(crate) fn new(
        format: Format,
        bar: ProgressBar,
        columns: &[&str],
        what: &'static str,
    ) -> Self {
        Report {
            list: Some(ListWriter::stdout(format, columns)),
            write_error: None,
            interleave: !bar.is_hidden() && stdout_is_terminal(),
            bar,
            changed: 0,
            unchanged: 0,
            failed: 0,
            what,
            dry_run: false,
            row: PhantomData,
        }
    }

    /// The report of a dry run: rows are `would change`, `unchanged` or a failure foreseen
    /// (`would fail`); the summary says nothing was sent, and a foreseen failure leaves the
    /// exit code 0, since nothing failed (the rows say what would).
    pub(crate) fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Counts and writes one row.
    pub(crate) fn add(&mut self, change: R) {
        match change.outcome() {
            "changed" | "would change" => self.changed += 1,
            "unchanged" => self.unchanged += 1,
            _ => self.failed += 1,
        }
        self.bar.inc(1);
        let Some(list) = self.list.as_mut() else {
            return;
        };
        let written = if self.interleave {
            self.bar.suspend(|| {
                list.item(&change, |c| vec![c.cells()])
                    .and_then(|()| list.flush())
            })
        } else {
            list.item(&change, |c| vec![c.cells()])
        };
        if let Err(failure) = written {
            self.list = None;
            self.write_error = Some(failure);
        }
    }

    /// Closes the report, prints the summary; any failure (or a broken walk) makes the exit
    /// code non-zero.
    pub(crate) fn finish(mut self, walk_error: Option<Error>, stopped: &str) -> Outcome {
        if let Some(list) = self.list.take() {
            if let Err(failure) = list.finish() {
                self.write_error = Some(failure);
            }
        }
        if self.dry_run {
            note(&format!(
                "dry run, nothing was sent: {} would change, {} already set, {} would fail",
                self.changed, self.unchanged, self.failed
            ));
        } else {
            note(&format!(
                "{} changed, {} already set, {} failed",
                self.changed, self.unchanged, self.failed
            ));
        }
        if let Some(error) = walk_error {
            note(stopped);
            return Err(Failure::Error(error));
        }
        if self.dry_run {
            return match self.write_error {
                None | Some(Failure::Closed) => Ok(()),
                Some(failure) => Err(failure),
            };
        }
        match (self.failed, self.write_error) {
            (0, None | Some(Failure::Closed)) => Ok(()),
            (0, Some(failure)) => Err(failure),
            (n, _) => Err(Failure::Exit(
                1,
                format!("{n} {} could not be changed", self.what),
            )),
        }
    }
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
