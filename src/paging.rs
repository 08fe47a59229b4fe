//! Walking a collection page by page as one stream of resources.
//!
//! VSPC pages with `limit` and `offset` and reports `meta.pagingInfo.total`. The stream asks for
//! the first page, learns the total from it, then fetches the remaining pages with up to
//! `pages_in_flight` requests at a time, in order. Memory stays bounded by the pages in flight,
//! not by the size of the collection.
//!
//! A server that ignores `offset` would hand back the first page again and again: every page's
//! `pagingInfo.offset` is checked against the offset asked for, and without paging information
//! the walk stops at the first short or repeated page, so the stream never loops and never
//! yields a resource twice. The stream ends after its first error.

use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, BoxStream, StreamExt};
use serde::Serialize;

use crate::envelope::Collection;
use crate::error::Error;
use crate::query::ListQuery;

/// A stream of resources, or the error that ended it.
pub type ResourceStream<T> = BoxStream<'static, Result<T, Error>>;

/// One page as fetched: the items, and what the server said about where it sits.
pub(crate) struct Page<T> {
    items: Vec<T>,
    total: Option<u32>,
    offset: Option<u32>,
}

impl<T> Page<T> {
    pub(crate) fn from_envelope<E: Collection<Item = T>>(envelope: E) -> Self {
        let (total, offset) = envelope.paging().map_or((None, None), |p| {
            (u32::try_from(p.total).ok(), u32::try_from(p.offset).ok())
        });
        Page {
            items: envelope.into_data(),
            total,
            offset,
        }
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Page<T>, Error>> + Send>>;

/// Streams the whole collection that `fetch(offset, limit)` pages through.
pub(crate) fn paginate<T, F>(
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
    let in_flight = query.pages_in_flight_or_default();
    let first = fetch(start, limit);
    let walk = stream::once(first).flat_map(move |first| -> ResourceStream<Vec<T>> {
        let page = match first.and_then(|page| checked(operation, page, start)) {
            Ok(page) => page,
            Err(error) => return stream::iter([Err(error)]).boxed(),
        };
        match page.total {
            Some(total) => {
                let fetch = fetch.clone();
                let offsets =
                    (u64::from(start) + u64::from(limit)..u64::from(total)).step_by(limit as usize);
                let rest =
                        stream::iter(offsets)
                            .map(move |offset| {
                                let offset = offset as u32;
                                let page = concurrently(operation, fetch(offset, limit), in_flight);
                                async move {
                                    checked(operation, page.await?, offset).map(|page| page.items)
                                }
                            })
                            .buffered(in_flight);
                stream::iter([Ok(page.items)]).chain(rest).boxed()
            }
            None => sequential(operation, page, start, limit, fetch.clone()),
        }
    });
    Items {
        pages: walk.boxed(),
        current: Vec::new().into_iter(),
        ended: false,
    }
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

/// Without a total, walks one page at a time until a short, empty or repeated page.
fn sequential<T, F>(
    operation: &'static str,
    first: Page<T>,
    start: u32,
    limit: u32,
    fetch: F,
) -> ResourceStream<Vec<T>>
where
    T: Serialize + Send + 'static,
    F: Fn(u32, u32) -> PageFuture<T> + Clone + Send + Sync + 'static,
{
    struct Walk<T> {
        pending: Option<Page<T>>,
        offset: Option<u32>,
        previous: Option<Vec<u8>>,
    }
    let walk = Walk {
        pending: Some(first),
        offset: Some(start),
        previous: None,
    };
    stream::try_unfold(walk, move |mut walk| {
        let fetch = fetch.clone();
        async move {
            let Some(offset) = walk.offset else { return Ok(None) };
            let page = match walk.pending.take() {
                Some(page) => page,
                None => checked(operation, fetch(offset, limit).await?, offset)?,
            };
            if page.items.is_empty() {
                return Ok(None);
            }
            let fingerprint = serde_json::to_vec(&page.items).unwrap_or_default();
            if walk.previous.as_ref() == Some(&fingerprint) {
                return Err(Error::InvalidInput {
                    operation,
                    message: "the server sent the same page twice: it ignores `offset`; stopping to avoid duplicates"
                        .into(),
                });
            }
            walk.offset = (page.items.len() as u32 >= limit).then(|| offset + limit);
            walk.previous = Some(fingerprint);
            Ok(Some((page.items, walk)))
        }
    })
    .boxed()
}

/// With several pages in flight, runs each page's request and decoding on its own task. Polled
/// inside `buffered`, every page would otherwise be decoded on the consumer's thread, one after
/// the other, and decoding (not the server) becomes the limit once the server is quick. The
/// task is aborted if the stream is dropped before it finishes. Outside a tokio runtime, or
/// with one page at a time, the page runs in place.
fn concurrently<T: Send + 'static>(
    operation: &'static str,
    page: PageFuture<T>,
    in_flight: usize,
) -> PageFuture<T> {
    let runtime = match tokio::runtime::Handle::try_current() {
        Ok(runtime) if in_flight > 1 => runtime,
        _ => return page,
    };
    struct AbortOnDrop<R>(tokio::task::JoinHandle<R>);
    impl<R> Drop for AbortOnDrop<R> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(runtime.spawn(page));
    Box::pin(async move {
        match (&mut task.0).await {
            Ok(page) => page,
            // A panic while fetching carries on as a panic, as it would have in place.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // The guard only aborts after this future is gone, so this is the runtime shutting
            // down under a consumer that is still polling: say so rather than panic.
            Err(_) => Err(Error::Io {
                path: format!("{operation} page task"),
                source: std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "the page's task was cancelled because the tokio runtime is shutting down",
                ),
            }),
        }
    })
}

fn checked<T>(operation: &'static str, page: Page<T>, asked: u32) -> Result<Page<T>, Error> {
    match page.offset {
        Some(got) if got != asked => Err(Error::InvalidInput {
            operation,
            message: format!("asked for the page at offset {asked} but the server answered with offset {got}: it ignores `offset`; stopping to avoid duplicates"),
        }),
        _ => Ok(page),
    }
}

/// Builds the page fetcher for a generated collection operation: the builder gets the query's
/// filter, sort and select, then `limit` and `offset`.
macro_rules! page_fetcher {
    ($client:expr, $query:expr, $operation:literal, |$c:ident| $builder:expr) => {
        page_fetcher!($client, $query, $operation, with (), |$c| $builder)
    };
    ($client:expr, $query:expr, $operation:literal, with ($($extra:ident),*), |$c:ident| $builder:expr) => {{
        let client = $client.clone();
        let query = $query.clone();
        move |offset: u32, limit: u32| -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<$crate::paging::Page<_>, $crate::Error>> + Send>> {
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
                    Ok(page) => Ok($crate::paging::Page::from_envelope(page.into_inner())),
                    Err(error) => Err($crate::Error::from_generated($operation, error).await),
                }
            })
        }
    }};
}
pub(crate) use page_fetcher;

/// Default number of pages requested at once.
pub const DEFAULT_PAGES_IN_FLIGHT: usize = 4;
