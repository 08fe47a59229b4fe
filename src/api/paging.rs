//! Walking a collection page by page as one stream of resources.
//!
//! VSPC pages with `limit` and `offset` and reports `meta.pagingInfo` (`total`, `count`,
//! `offset`). The stream asks for the first page and, without waiting for it, for the pages
//! after it (as many as may be in flight then); the first page's total decides which of those
//! are read, and the remaining pages come several requests at a time, in order. Memory stays
//! bounded by the pages in flight, not by the size of the collection.
//!
//! What the stream promises, and what it does when a server breaks the rules:
//!
//! * **No silent loss.** A server may serve fewer resources than `limit` (a console or proxy
//!   that caps the page size). The walk then asks for the rest of that stretch from where the
//!   page ended, and when the first page is short it takes that size as the server's page size
//!   for the rest of the walk; every resource from the start to `total` is yielded.
//! * **Paging information that does not add up stops the walk at once** with
//!   [`Error::Protocol`]: a negative `offset`, `count` or `total`, an `offset` other than the
//!   one asked for (a server that ignores `offset`), a `count` other than the number of
//!   resources sent, more resources than asked for, a page that repeats the previous one, or an
//!   empty page before `total` is reached.
//! * **A collection that changes size during the walk** (a server added or removed: a later
//!   page reports a different `total`) ends the stream with [`Error::CollectionChanged`]: the
//!   resources may have shifted between pages, so some could have been skipped or yielded
//!   twice. Read it again; bulk changes de-duplicate by UID ([`unique_by`]).
//! * **How many pages are in flight** follows the console: the walk takes a place for each
//!   request from the client's shared pool ([`crate::Client::in_flight_limit`]), which grows
//!   while answers keep their latency and shrinks when they slow down or a `429` comes. A
//!   query with [`ListQuery::pages_in_flight`] keeps that number instead (halved after a
//!   `429`, as ever). See [`crate::client::concurrency`].
//!
//! Without paging information the walk goes one page at a time, advancing by what each page
//! held, until an empty page (a short page may be a capped one, so it does not end the walk);
//! a page that repeats any page before it is [`Error::Protocol`]. The stream ends after its first
//! error.

use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use serde::Serialize;

use crate::api::query::ListQuery;
use crate::client::concurrency::AdaptiveLimit;
use crate::client::error::Error;
use crate::model::envelope::Collection;

/// A stream of resources, or the error that ended it.
pub type ResourceStream<T> = BoxStream<'static, Result<T, Error>>;

/// What a server said about where a page sits, as sent (negative values included, so that
/// they can be refused rather than read as absent).
#[derive(Clone, Copy, Debug)]
struct Paging {
    total: i64,
    count: i64,
    offset: i64,
}

/// One page as fetched: the items, and what the server said about where it sits.
pub(crate) struct Page<T> {
    items: Vec<T>,
    paging: Option<Paging>,
}

impl<T> Page<T> {
    pub(crate) fn from_envelope<E: Collection<Item = T>>(envelope: E) -> Self {
        let paging = envelope.paging().map(|p| Paging {
            total: i64::from(p.total),
            count: i64::from(p.count),
            offset: i64::from(p.offset),
        });
        Page {
            items: envelope.into_data(),
            paging,
        }
    }

    /// A collection read whole, without paging information.
    pub(crate) fn whole(items: Vec<T>) -> Self {
        Page {
            items,
            paging: None,
        }
    }

    /// The items, for a collection that is read whole.
    pub(crate) fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The same page with each item converted.
    pub(crate) fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            paging: self.paging,
        }
    }
}

pub(crate) type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;

/// Streams the whole collection that `fetch(offset, limit)` pages through; every request
/// takes a place from `shared` (the client's pool), or from a fixed pool of the query's own
/// [`ListQuery::pages_in_flight`] that halves on the same `429`s.
pub(crate) fn paginate<T, F>(
    shared: AdaptiveLimit,
    operation: &'static str,
    query: &ListQuery,
    fetch: F,
) -> ResourceStream<T>
where
    T: Serialize + Send + 'static,
    F: Fn(u32, u32) -> PageFuture<T> + Clone + Send + Sync + 'static,
{
    if let Err(message) = query.validate() {
        return stream::iter([Err(Error::InvalidInput { operation, message })]).boxed();
    }
    let limit = query.page_size_or_default();
    let start = query.offset;
    // The first wave's pages at most: a fixed number asked for, the pages an expected total
    // needs, or (knowing neither) a fresh client's first limit.
    let wave_cap = match (query.fixed_pages_in_flight(), query.expected_pages()) {
        (Some(fixed), Some(expected)) => fixed.min(expected),
        (Some(fixed), None) => fixed,
        (None, Some(expected)) => expected,
        (None, None) => crate::DEFAULT_PAGES_IN_FLIGHT,
    }
    .max(1);
    let permits = match query.fixed_pages_in_flight() {
        Some(pages) => shared.fixed_alongside(pages),
        None => shared,
    };
    // As many pages under way as the pool may ever allow; the pool decides how many of them
    // are requests at the console. At least one: `buffered(0)` would never poll a page.
    let in_flight = permits.max().max(1);
    let pool = permits.clone();
    let fetch = with_permits(operation, permits, fetch);
    let first_wave = {
        let fetch = fetch.clone();
        async move {
            let first = concurrently(operation, fetch(start, limit), in_flight);
            // The walk's first wave: the first page and, without waiting for its total, the
            // pages after it, as many as the pool allows now but no more than `wave_cap`.
            // A page past the end costs one empty answer; waiting for the total costs a round
            // trip every walk; and a client that learned a high limit on a long walk would
            // otherwise ask a short listing for fifteen empty pages, unless the query says
            // how long the listing is expected to be. A fixed number asked for is the wave,
            // exactly (or the expected pages, when fewer).
            let wave = pool.limit().min(in_flight).min(wave_cap);
            let ahead: Vec<(u64, Ahead<T>)> = (1..wave as u64)
                .map(|i| u64::from(start) + i * u64::from(limit))
                .take_while(|offset| i32::try_from(*offset).is_ok())
                .map(|offset| (offset, Ahead::start(fetch(offset as u32, limit))))
                .collect();
            (first.await, ahead)
        }
    };
    let walk = stream::once(first_wave).flat_map(move |(first, ahead)| -> ResourceStream<Vec<T>> {
        let page = match first.and_then(|page| checked(operation, page, start, limit)) {
            Ok(page) => page,
            Err(error) => return stream::iter([Err(error)]).boxed(),
        };
        match page.paging {
            Some(paging) => {
                let total = u64::try_from(paging.total).unwrap_or(0);
                let received = page.items.len() as u64;
                let next = u64::from(start) + received;
                if page.items.is_empty() && u64::from(start) < total {
                    return stream::iter([Err(no_progress(operation, start, total))]).boxed();
                }
                // The pages asked for ahead are the heads of the stretches that start where
                // they do (all the first ones when the first page was whole); past the total,
                // or where no stretch starts (after a short first page), they are not read:
                // they finish in the background, so that the pool learns from real answers.
                let mut ahead: std::collections::VecDeque<_> = ahead
                    .into_iter()
                    .filter_map(|(offset, page)| {
                        if offset < total {
                            Some((offset, page))
                        } else {
                            page.detach();
                            None
                        }
                    })
                    .collect();
                // The first page's size is the step: `limit`, or the server's own page size
                // when it served less (never more, `checked` saw to that; and not nothing
                // while more remains, refused just above).
                let rest = stretches(next, total, received);
                let walk = Walk {
                    operation,
                    total,
                    page_size: limit,
                    fetch: fetch.clone(),
                };
                let walk = Arc::new(walk);
                let rest = stream::iter(rest)
                    .map(move |(offset, end)| {
                        let walk = Arc::clone(&walk);
                        let head = take_ahead(&mut ahead, offset);
                        let stretch: StretchFuture<T> =
                            Box::pin(async move { walk.stretch(offset, end, head).await });
                        concurrently(operation, stretch, in_flight)
                    })
                    .buffered(in_flight);
                let first = stream::iter([Ok(page.items)]);
                no_repeats(operation, first.chain(rest).boxed())
            }
            None => sequential(operation, page, start, limit, fetch.clone(), ahead.into()),
        }
    });
    Items {
        pages: walk.boxed(),
        current: Vec::new().into_iter(),
        ended: false,
    }
    .boxed()
}

/// The stretches `[offset, end)` of `step` resources from `from` to `total`.
fn stretches(from: u64, total: u64, step: u64) -> impl Iterator<Item = (u64, u64)> + Send {
    let step = step.max(1);
    let mut offset = from;
    std::iter::from_fn(move || {
        (offset < total).then(|| {
            let end = offset.saturating_add(step).min(total);
            let stretch = (offset, end);
            offset = end;
            stretch
        })
    })
}

type StretchFuture<T> = Pin<Box<dyn Future<Output = Result<Vec<T>, Error>> + Send>>;

/// `fetch`, each request holding a place of `permits` while it runs (its answer decoded
/// included): the pool learns the console's latency from exactly one request per place.
fn with_permits<T, F>(
    operation: &'static str,
    permits: AdaptiveLimit,
    fetch: F,
) -> impl Fn(u32, u32) -> PageFuture<T> + Clone + Send + Sync + 'static
where
    T: Send + 'static,
    F: Fn(u32, u32) -> PageFuture<T> + Clone + Send + Sync + 'static,
{
    move |offset, limit| {
        let (permits, fetch) = (permits.clone(), fetch.clone());
        Box::pin(async move {
            let mut permit = permits.acquire_for(operation).await;
            let page = fetch(offset, limit).await;
            if matches!(&page, Ok(page) if page.items.is_empty()) {
                permit.not_a_measure();
            }
            page
        })
    }
}

/// What every stretch of a walk with a known total shares.
struct Walk<F> {
    operation: &'static str,
    total: u64,
    /// The `limit` the first wave asked for.
    page_size: u32,
    fetch: F,
}

impl<F> Walk<F> {
    /// Every resource from `offset` to `end`: one request when the server serves what is
    /// asked, more when it serves short pages. `head`, when there is one, is the page at
    /// `offset` asked for in the first wave (for `page_size` resources, before the total was
    /// known): it stands for the stretch's first request.
    async fn stretch<T>(
        &self,
        offset: u64,
        end: u64,
        mut head: Option<Ahead<T>>,
    ) -> Result<Vec<T>, Error>
    where
        F: Fn(u32, u32) -> PageFuture<T>,
        T: Send + 'static,
    {
        let mut items = Vec::with_capacity((end - offset) as usize);
        let mut at = offset;
        while at < end {
            // Both fit: `end` is at most `total`, which came from an int32.
            let asked_offset = at as u32;
            let (answer, asked_limit) = match head.take() {
                Some(head) => (head.answer().await?, self.page_size),
                None => {
                    let asked_limit = (end - at) as u32;
                    ((self.fetch)(asked_offset, asked_limit).await?, asked_limit)
                }
            };
            let mut page = checked(self.operation, answer, asked_offset, asked_limit)?;
            // A page asked for ahead may reach past this stretch (after a short first page the
            // stretches are shorter than it asked for): the next stretch reads the rest.
            page.items.truncate((end - at) as usize);
            if let Some(paging) = page.paging {
                let now = u64::try_from(paging.total).unwrap_or(0);
                if now != self.total {
                    return Err(Error::CollectionChanged {
                        operation: self.operation,
                        before: self.total,
                        now,
                    });
                }
            }
            if page.items.is_empty() {
                return Err(no_progress(self.operation, asked_offset, self.total));
            }
            at += page.items.len() as u64;
            if items.is_empty() {
                items = page.items;
            } else {
                items.extend(page.items);
            }
        }
        Ok(items)
    }
}

fn no_progress(operation: &'static str, offset: u32, total: u64) -> Error {
    Error::Protocol {
        operation,
        message: format!(
            "the page at offset {offset} is empty although the collection holds {total}: the walk makes no progress"
        ),
    }
}

/// Ends the stream of pages with [`Error::Protocol`] when a page repeats the one before it (a
/// server that answers every offset with the same resources while claiming the right offset).
/// Pages are compared by their size and the JSON of their first and last resources: distinct
/// resources differ in their UIDs, and serialising two resources a page costs next to nothing.
fn no_repeats<T: Serialize + Send + 'static>(
    operation: &'static str,
    pages: ResourceStream<Vec<T>>,
) -> ResourceStream<Vec<T>> {
    let mut previous: Option<(usize, Vec<u8>, Vec<u8>)> = None;
    pages
        .map(move |page| {
            let page = page?;
            let (Some(first), Some(last)) = (page.first(), page.last()) else {
                return Ok(page);
            };
            let fingerprint = (
                page.len(),
                serde_json::to_vec(first).unwrap_or_default(),
                serde_json::to_vec(last).unwrap_or_default(),
            );
            if previous.as_ref() == Some(&fingerprint) {
                return Err(Error::Protocol {
                    operation,
                    message: "the server sent the same page twice: it ignores `offset`; stopping to avoid duplicates".into(),
                });
            }
            previous = Some(fingerprint);
            Ok(page)
        })
        .boxed()
}

/// Keeps the first resource for each key and drops later ones: for bulk changes over a walk
/// that may have seen a resource twice (a collection that changed while it was read, a walk
/// read again after [`Error::CollectionChanged`]), so that each resource is changed once.
///
/// ```
/// # futures::executor::block_on(async {
/// use futures::{stream, StreamExt, TryStreamExt};
/// use vspc_licensing::unique_by;
/// let walked = stream::iter([Ok(1), Ok(2), Ok(1), Ok(3)]).boxed();
/// let once: Vec<i32> = unique_by(walked, |n| *n).try_collect().await.unwrap();
/// assert_eq!(once, [1, 2, 3]);
/// # });
/// ```
pub fn unique_by<T, K, F>(resources: ResourceStream<T>, key: F) -> ResourceStream<T>
where
    T: Send + 'static,
    K: Hash + Eq + Send + 'static,
    F: Fn(&T) -> K + Send + 'static,
{
    let mut seen = HashSet::new();
    resources
        .filter(move |item| {
            let keep = match item {
                Ok(resource) => seen.insert(key(resource)),
                Err(_) => true,
            };
            std::future::ready(keep)
        })
        .boxed()
}

/// The resources of a stream of pages, one by one, ending after the first error.
///
/// Written by hand rather than as `try_flatten` plus `scan`: each of those adapters moves every
/// resource (several hundred bytes for a license) once more, and over a large listing those
/// copies were most of what the stream cost over decoding (measured in the paging bench).
struct Items<T> {
    pages: ResourceStream<Vec<T>>,
    current: std::vec::IntoIter<T>,
    ended: bool,
}

// Nothing in `Items` is ever pinned in place: the page stream is boxed and the resources are
// moved out by value.
impl<T> Unpin for Items<T> {}

impl<T> futures::Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match this.pages.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(page))) => this.current = page.into_iter(),
                Poll::Ready(Some(Err(error))) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(error)));
                }
                Poll::Ready(None) => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

/// Without a total, walks one page at a time until an empty page (or a repeated one: an error).
fn sequential<T, F>(
    operation: &'static str,
    first: Page<T>,
    start: u32,
    limit: u32,
    fetch: F,
    ahead: std::collections::VecDeque<(u64, Ahead<T>)>,
) -> ResourceStream<Vec<T>>
where
    T: Serialize + Send + 'static,
    F: Fn(u32, u32) -> PageFuture<T> + Clone + Send + Sync + 'static,
{
    struct Walk<T> {
        pending: Option<Page<T>>,
        /// The first wave's pages: read when the walk gets to where they start.
        ahead: std::collections::VecDeque<(u64, Ahead<T>)>,
        offset: Option<u32>,
        /// A fingerprint of every page so far: a server that ignores `offset` may answer with
        /// two or more pages in turn, which comparing neighbours alone would walk for ever.
        seen: HashSet<u64>,
    }
    let walk = Walk {
        pending: Some(first),
        ahead,
        offset: Some(start),
        seen: HashSet::new(),
    };
    stream::try_unfold(walk, move |mut walk| {
        let fetch = fetch.clone();
        async move {
            let Some(offset) = walk.offset else { return Ok(None) };
            let page = match walk.pending.take() {
                Some(page) => page,
                None => {
                    let answer = match take_ahead(&mut walk.ahead, u64::from(offset)) {
                        Some(page) => page.answer().await?,
                        None => fetch(offset, limit).await?,
                    };
                    checked(operation, answer, offset, limit)?
                }
            };
            if page.items.is_empty() {
                return Ok(None);
            }
            if !walk.seen.insert(page_fingerprint(&page.items)) {
                return Err(Error::Protocol {
                    operation,
                    message: "the server sent a page it had sent before: it ignores `offset`; stopping to avoid duplicates"
                        .into(),
                });
            }
            // Without a total a short page may be a capped one, not the last: advance by what
            // was received and stop at an empty page (one request more, never a silent loss).
            walk.offset = offset
                .checked_add(page.items.len() as u32)
                .filter(|next| i32::try_from(*next).is_ok());
            Ok(Some((page.items, walk)))
        }
    })
    .boxed()
}

/// A page's resources as a 64-bit hash of their JSON: two pages with the same resources in the
/// same order have the same one (a collision between different pages would end the walk with a
/// false alarm, at odds of about one in 2^64 per pair, never yield a duplicate).
fn page_fingerprint<T: Serialize>(items: &[T]) -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    hasher.write(&serde_json::to_vec(items).unwrap_or_default());
    hasher.finish()
}

/// The page asked for ahead at `offset`, if there is one; those before it are not read.
fn take_ahead<T: Send + 'static>(
    ahead: &mut std::collections::VecDeque<(u64, Ahead<T>)>,
    offset: u64,
) -> Option<Ahead<T>> {
    while let Some((at, _)) = ahead.front() {
        if *at > offset {
            return None;
        }
        let (at, page) = ahead.pop_front()?;
        if at == offset {
            return Some(page);
        }
        page.detach();
    }
    None
}

/// A page asked for ahead of the walk's first answer, already under way on its own task (or,
/// outside a tokio runtime, to be fetched when it is read).
enum Ahead<T> {
    Task(AbortOnDrop<Result<Page<T>, Error>>),
    InPlace(PageFuture<T>),
}

impl<T: Send + 'static> Ahead<T> {
    fn start(page: PageFuture<T>) -> Self {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => Ahead::Task(AbortOnDrop(Some(runtime.spawn(page)))),
            Err(_) => Ahead::InPlace(page),
        }
    }

    async fn answer(self) -> Result<Page<T>, Error> {
        match self {
            Ahead::Task(task) => task.join("page asked for ahead").await,
            Ahead::InPlace(page) => page.await,
        }
    }

    /// Not read: a request under way finishes (its place is given back with a real answer's
    /// latency), one not sent is never sent.
    fn detach(self) {
        if let Ahead::Task(mut task) = self {
            task.0.take();
        }
    }
}

/// A spawned task that is aborted when its handle is dropped (unless taken out first).
struct AbortOnDrop<R>(Option<tokio::task::JoinHandle<R>>);

impl<R> Drop for AbortOnDrop<R> {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

impl<R> AbortOnDrop<Result<R, Error>> {
    async fn join(mut self, what: &str) -> Result<R, Error> {
        let task = self.0.as_mut().expect("a task is joined once");
        match task.await {
            Ok(answer) => answer,
            // A panic while fetching carries on as a panic, as it would have in place.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // The guard only aborts after this future is gone, so this is the runtime shutting
            // down under a consumer that is still polling: say so rather than panic.
            Err(_) => Err(Error::Io {
                path: what.to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "the page's task was cancelled because the tokio runtime is shutting down",
                ),
            }),
        }
    }
}

/// With several pages in flight, runs each page's request and decoding on its own task. Polled
/// inside `buffered`, every page would otherwise be decoded on the consumer's thread, one after
/// the other, and decoding (not the server) becomes the limit once the server is quick. The
/// task is aborted if the stream is dropped before it finishes. Outside a tokio runtime, or
/// with one page at a time, the page runs in place.
fn concurrently<R: Send + 'static>(
    operation: &'static str,
    page: Pin<Box<dyn Future<Output = Result<R, Error>> + Send>>,
    in_flight: usize,
) -> Pin<Box<dyn Future<Output = Result<R, Error>> + Send>> {
    let runtime = match tokio::runtime::Handle::try_current() {
        Ok(runtime) if in_flight > 1 => runtime,
        _ => return page,
    };
    let task = AbortOnDrop(Some(runtime.spawn(page)));
    Box::pin(async move { task.join(&format!("{operation} page task")).await })
}

/// Refuses a page whose paging information does not fit the request for `limit` resources
/// at `asked`, or does not add up by itself.
fn checked<T>(
    operation: &'static str,
    page: Page<T>,
    asked: u32,
    limit: u32,
) -> Result<Page<T>, Error> {
    let protocol = |message: String| Error::Protocol { operation, message };
    if page.items.len() > limit as usize {
        return Err(protocol(format!(
            "asked for at most {limit} resources but the server sent {}",
            page.items.len()
        )));
    }
    let Some(paging) = page.paging else {
        return Ok(page);
    };
    if paging.offset < 0 || paging.count < 0 || paging.total < 0 {
        return Err(protocol(format!(
            "the paging information is impossible (offset {}, count {}, total {}): negative values",
            paging.offset, paging.count, paging.total
        )));
    }
    if paging.offset != i64::from(asked) {
        return Err(protocol(format!(
            "asked for the page at offset {asked} but the server answered with offset {}: it ignores `offset`; stopping to avoid duplicates",
            paging.offset
        )));
    }
    if paging.count != page.items.len() as i64 {
        return Err(protocol(format!(
            "the page says it holds {} resources but carries {}",
            paging.count,
            page.items.len()
        )));
    }
    if paging.offset + paging.count > paging.total {
        return Err(protocol(format!(
            "the page ends at {} but the collection is said to hold {}",
            paging.offset + paging.count,
            paging.total
        )));
    }
    Ok(page)
}

/// Builds the page fetcher for a generated collection operation: the builder gets the query's
/// filter, sort and select, then `limit` and `offset`.
macro_rules! page_fetcher {
    ($client:expr, $query:expr, $operation:expr, |$c:ident| $builder:expr) => {
        page_fetcher!($client, $query, $operation, with (), |$c| $builder)
    };
    ($client:expr, $query:expr, $operation:expr, with ($($extra:ident),*), |$c:ident| $builder:expr) => {{
        let client = $client.clone();
        let query = $query.clone();
        move |offset: u32, limit: u32| -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<$crate::api::paging::Page<_>, $crate::client::error::Error>> + Send>> {
            let $c = client.clone();
            let query = query.clone();
            $(let $extra = $extra.clone();)*
            Box::pin(async move {
                let mut builder = $builder.limit(limit).offset(offset as i32);
                if let Some(filter) = query.filter {
                    builder = builder.filter(String::from(filter));
                }
                if let Some(sort) = query.sort {
                    builder = builder.sort(String::from(sort));
                }
                if let Some(select) = query.select {
                    builder = builder.select(String::from(select));
                }
                match builder.send().await {
                    Ok(page) => Ok($crate::api::paging::Page::from_envelope(page.into_inner())),
                    Err(error) => Err($crate::client::error::Error::from(error).for_operation($operation)),
                }
            })
        }
    }};
}
pub(crate) use page_fetcher;

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: Vec<u32>, paging: Option<(i64, i64, i64)>) -> Page<u32> {
        Page {
            items,
            paging: paging.map(|(offset, count, total)| Paging {
                total,
                count,
                offset,
            }),
        }
    }

    #[test]
    fn stretches_cover_the_rest_exactly_once() {
        let all: Vec<_> = stretches(100, 350, 100).collect();
        assert_eq!(all, [(100, 200), (200, 300), (300, 350)]);
        assert_eq!(stretches(5, 5, 100).count(), 0);
        assert_eq!(
            stretches(0, 3, 0).count(),
            3,
            "a zero step still progresses"
        );
    }

    #[test]
    fn pages_that_do_not_add_up_are_refused() {
        let ok = |p: Page<u32>, asked, limit| checked("Op", p, asked, limit).is_ok();
        assert!(ok(page(vec![1, 2], Some((10, 2, 12))), 10, 5));
        assert!(ok(page(vec![1, 2], None), 10, 5));
        assert!(!ok(page(vec![1, 2], None), 10, 1), "more than asked");
        assert!(!ok(page(vec![1, 2], Some((-1, 2, 12))), 10, 5));
        assert!(!ok(page(vec![1, 2], Some((10, -2, 12))), 10, 5));
        assert!(!ok(page(vec![1, 2], Some((10, 2, -12))), 10, 5));
        // Every negative value is named as such (the later checks would refuse them too, but
        // with a message about something else).
        for (offset, count, total) in [(-1, 2, 12), (10, -2, 12), (10, 2, -12)] {
            let refused = checked("Op", page(vec![1, 2], Some((offset, count, total))), 10, 5);
            assert!(
                matches!(&refused, Err(Error::Protocol { message, .. }) if message.contains("negative values")),
                "{offset}, {count}, {total}: {:?}",
                refused.err()
            );
        }
        assert!(
            !ok(page(vec![1, 2], Some((0, 2, 12))), 10, 5),
            "wrong offset"
        );
        assert!(
            !ok(page(vec![1, 2], Some((10, 3, 12))), 10, 5),
            "wrong count"
        );
        assert!(
            !ok(page(vec![1, 2], Some((10, 2, 11))), 10, 5),
            "past total"
        );
    }

    /// A panic while fetching a page on its own task reaches the consumer as a panic, as it
    /// would in place, not as an error about the runtime shutting down.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panic_in_a_page_task_stays_a_panic() {
        let fetch = |offset: u32, limit: u32| -> PageFuture<u32> {
            Box::pin(async move {
                if offset > 0 {
                    panic!("page {offset} broke");
                }
                let items: Vec<u32> = (0..limit).collect();
                Ok(page(items, Some((0, i64::from(limit), 100))))
            })
        };
        let query = ListQuery::new().page_size(10).pages_in_flight(4);
        let walk = tokio::spawn(async move {
            let stream = paginate(AdaptiveLimit::new(4), "Op", &query, fetch);
            stream.collect::<Vec<_>>().await
        });
        let ended = walk.await.expect_err("the consumer panicked");
        assert!(ended.is_panic(), "{ended:?}");
    }

    /// A fetcher serving a collection of `total` numbers, `limit` per page; pages after the
    /// first wait `later_pages` before answering.
    fn numbers(
        total: u32,
        later_pages: std::time::Duration,
    ) -> impl Fn(u32, u32) -> PageFuture<u32> + Clone {
        move |offset: u32, limit: u32| -> PageFuture<u32> {
            Box::pin(async move {
                if offset > 0 {
                    tokio::time::sleep(later_pages).await;
                }
                let items: Vec<u32> = (offset..total.min(offset + limit)).collect();
                let count = i64::try_from(items.len()).unwrap();
                Ok(page(
                    items,
                    Some((i64::from(offset), count, i64::from(total))),
                ))
            })
        }
    }

    /// A fetcher like [`numbers`] that serves at most `cap` per page, whatever the `limit`,
    /// and records each `(offset, limit)` it was asked for.
    fn capped_numbers(
        total: u32,
        cap: u32,
        asked: Arc<std::sync::Mutex<Vec<(u32, u32)>>>,
    ) -> impl Fn(u32, u32) -> PageFuture<u32> + Clone {
        move |offset: u32, limit: u32| -> PageFuture<u32> {
            asked.lock().unwrap().push((offset, limit));
            Box::pin(async move {
                let items: Vec<u32> = (offset..total.min(offset + limit.min(cap))).collect();
                let count = i64::try_from(items.len()).unwrap();
                Ok(page(
                    items,
                    Some((i64::from(offset), count, i64::from(total))),
                ))
            })
        }
    }

    /// A short first page shows the server's page size: the rest of the walk asks for that
    /// many at a time, one request a page, instead of asking for more and being served less.
    #[tokio::test]
    async fn after_a_short_first_page_the_walk_asks_for_the_servers_page_size() {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let query = ListQuery::new().page_size(500).pages_in_flight(1);
        let stream = paginate(
            AdaptiveLimit::new(4),
            "Op",
            &query,
            capped_numbers(1000, 100, Arc::clone(&asked)),
        );
        let all: Vec<u32> = stream.map(Result::unwrap).collect().await;
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        let expected: Vec<(u32, u32)> = std::iter::once((0, 500))
            .chain((1..10).map(|page| (page * 100, 100)))
            .collect();
        assert_eq!(*asked.lock().unwrap(), expected);
    }

    /// A fetcher of the numbers `0..total`, `total` being what the first page says and
    /// `later` what every later page says (a collection that changed size between them).
    fn changing_numbers(total: u32, later: u32) -> impl Fn(u32, u32) -> PageFuture<u32> + Clone {
        move |offset: u32, limit: u32| -> PageFuture<u32> {
            Box::pin(async move {
                let now = if offset == 0 { total } else { later };
                let items: Vec<u32> = (offset..now.min(offset + limit)).collect();
                let count = i64::try_from(items.len()).unwrap();
                Ok(page(
                    items,
                    Some((i64::from(offset), count, i64::from(now))),
                ))
            })
        }
    }

    /// The first wave's pages were asked for before the total was known; the first answer's
    /// total decides: a page ahead that says otherwise ends the walk (never a duplicate or a
    /// silent miss), and pages past that total are not read at all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_first_answers_total_decides_what_the_first_wave_keeps() {
        let query = ListQuery::new().page_size(10).pages_in_flight(4);
        for (total, later) in [(35, 38), (35, 31), (25, 40)] {
            let stream = paginate(
                AdaptiveLimit::new(4),
                "Op",
                &query,
                changing_numbers(total, later),
            );
            let all: Vec<_> = stream.collect().await;
            let items: Vec<u32> = all
                .iter()
                .filter_map(|r| r.as_ref().ok().copied())
                .collect();
            let mut unique = items.clone();
            unique.dedup();
            assert_eq!(unique, items, "{total} then {later}: no duplicate");
            assert_eq!(items, (0..items.len() as u32).collect::<Vec<_>>());
            assert!(
                matches!(all.last(), Some(Err(Error::CollectionChanged { before, now, .. })) if *before == u64::from(total) && *now == u64::from(later)),
                "{total} then {later}: {all:?}"
            );
        }
        // A page past the end that says something else is not read: nothing changes.
        let stream = paginate(
            AdaptiveLimit::new(4),
            "Op",
            &query,
            move |offset: u32, limit: u32| -> PageFuture<u32> {
                if offset >= 20 {
                    return changing_numbers(20, 99)(offset, limit);
                }
                changing_numbers(20, 20)(offset, limit)
            },
        );
        let all: Vec<u32> = stream.map(Result::unwrap).collect().await;
        assert_eq!(all, (0..20).collect::<Vec<_>>());
    }

    /// A short first page: a page asked for ahead is read where a stretch of the server's page
    /// size starts there (and the one past the end is not); nothing is asked for twice.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn after_a_short_first_page_the_first_waves_pages_serve_where_a_stretch_starts() {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let query = ListQuery::new().page_size(500).pages_in_flight(3);
        let stream = paginate(
            AdaptiveLimit::new(3),
            "Op",
            &query,
            capped_numbers(1000, 100, Arc::clone(&asked)),
        );
        let all: Vec<u32> = stream.map(Result::unwrap).collect().await;
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        let asked = asked.lock().unwrap();
        assert_eq!(asked[..3], [(0, 500), (500, 500), (1000, 500)]);
        let mut offsets: Vec<u32> = asked.iter().map(|(offset, _)| *offset).collect();
        offsets.sort_unstable();
        offsets.dedup();
        assert_eq!(
            offsets.len(),
            asked.len(),
            "none asked for twice: {asked:?}"
        );
        assert_eq!(
            asked.len(),
            3 + 8,
            "then the pages of 100 after the first but the one at 500: {asked:?}"
        );
    }

    /// An empty first page of a collection said to hold more is an error at once: no further
    /// request can make progress (past the first wave, asked for before the first answer).
    #[tokio::test]
    async fn an_empty_first_page_of_a_non_empty_collection_ends_the_walk_at_once() {
        let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
        let query = ListQuery::new().page_size(10);
        let stream = paginate(
            AdaptiveLimit::new(4),
            "Op",
            &query,
            capped_numbers(5, 0, Arc::clone(&asked)),
        );
        let all: Vec<_> = stream.collect().await;
        assert!(
            matches!(all.as_slice(), [Err(Error::Protocol { .. })]),
            "{all:?}"
        );
        assert_eq!(
            *asked.lock().unwrap(),
            [(0, 10), (10, 10), (20, 10), (30, 10)]
        );
    }

    /// No count of pages in flight, however it was set, stops the walk: zero pages at a time
    /// would leave the stream pending forever.
    #[tokio::test]
    async fn zero_pages_in_flight_still_walks_the_collection() {
        let query = ListQuery {
            pages_in_flight: Some(0),
            ..ListQuery::new().page_size(10)
        };
        let stream = paginate(
            AdaptiveLimit::new(4),
            "Op",
            &query,
            numbers(35, std::time::Duration::ZERO),
        );
        let all = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.collect::<Vec<_>>(),
        )
        .await
        .expect("the walk ends");
        let all: Vec<u32> = all.into_iter().map(Result::unwrap).collect();
        assert_eq!(all, (0..35).collect::<Vec<_>>());
    }

    /// A runtime shutting down under a consumer that polls from elsewhere cancels the page
    /// tasks: the consumer gets an error saying so, not a panic.
    #[test]
    fn a_runtime_shutting_down_under_a_walk_ends_it_with_an_error() {
        let first = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let query = ListQuery::new().page_size(10).pages_in_flight(3);
        let mut stream = paginate(
            AdaptiveLimit::new(4),
            "Op",
            &query,
            numbers(100, std::time::Duration::from_secs(60)),
        );
        let mut stream = first.block_on(async move {
            for expected in 0..10 {
                assert_eq!(stream.next().await.unwrap().unwrap(), expected);
            }
            // The 11th resource needs the next pages: their tasks start and wait.
            let waited =
                tokio::time::timeout(std::time::Duration::from_millis(50), stream.next()).await;
            assert!(waited.is_err(), "the later pages take a minute");
            stream
        });
        // Dropping the runtime cancels its tasks and waits for them to go.
        drop(first);
        let second = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let next = second.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(10), stream.next()).await
        });
        match next {
            Ok(Some(Err(Error::Io { path, source }))) => {
                assert_eq!(path, "Op page task");
                assert_eq!(source.kind(), std::io::ErrorKind::Interrupted);
            }
            other => panic!("expected the walk to end with an I/O error: {other:?}"),
        }
    }
}
