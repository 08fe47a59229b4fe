//! Serving connections. The simulator drives hyper itself (rather than `axum::serve`) so that a
//! fault can close a connection without any response: when the router marks a response with
//! [`AbortConnection`], the service returns an error and hyper drops the connection.
//!
//! It also keeps a simulator reachable by others from being held down by connections that do
//! nothing (issue 28): hyper's header-read timeout closes a connection that does not send a
//! request head in time (a fresh socket as well as a kept-alive one between requests), an idle
//! timeout closes one on which no byte moves (a stalled body, an answer nobody reads), at most
//! [`ConnectionLimits::max_connections`] are served at once
//! (the rest wait in the OS's backlog, so the process never runs out of file descriptors), and
//! an `accept` error backs off instead of being retried at once.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

use super::app::AbortConnection;

#[derive(Debug)]
struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Aborted {}

/// How long connections may wait and how many are served at once (from the configuration).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnectionLimits {
    /// Time a client has to send a request head, from when the server starts waiting for it.
    pub(crate) header_read_timeout: Duration,
    /// Time a connection may pass with no byte read or written.
    pub(crate) idle_timeout: Duration,
    /// Connections served at once.
    pub(crate) max_connections: usize,
}

/// Resolves once the stop flag is set (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// How long to wait after an `accept` error: doubling from 5 ms up to 1 s, reset by a success.
/// Errors such as running out of file descriptors repeat at once; retrying without a pause
/// would spin a core.
#[derive(Debug, Default)]
pub(crate) struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MOST: Duration = Duration::from_secs(1);

    /// The pause after one more failure.
    pub(crate) fn failed(&mut self) -> Duration {
        let pause = Self::FIRST
            .saturating_mul(2u32.saturating_pow(self.failures))
            .min(Self::MOST);
        self.failures = self.failures.saturating_add(1);
        pause
    }

    /// An `accept` succeeded.
    pub(crate) fn succeeded(&mut self) {
        self.failures = 0;
    }
}

/// When a connection last moved a byte.
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last byte read or written.
    last_millis: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            last_millis: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let millis = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(millis, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `limit`. This counts the time a request is being
    /// answered too: a stalled request body looks the same from here as a slow handler, and
    /// only the simulator's own delays (faults, queues) make a handler slow.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last =
                self.opened + Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
            let deadline = last + limit;
            if deadline <= Instant::now() {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A stream that records when it last read or wrote a byte.
struct Watched<S> {
    stream: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Counts a connection as open while it lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Open(Arc::clone(open))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts connections until `stop` turns true, at most `limits.max_connections` of them open
/// at once; `open` counts those being served.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut stop: watch::Receiver<bool>,
    limits: ConnectionLimits,
    open: Arc<AtomicUsize>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    loop {
        // A free slot first: beyond the cap, new connections wait in the OS's backlog.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stopped(&mut stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff.succeeded();
                stream
            }
            Err(error) => {
                let pause = backoff.failed();
                tracing::warn!("cannot accept a connection ({error}); waiting {pause:?}");
                tokio::select! {
                    _ = tokio::time::sleep(pause) => continue,
                    _ = stopped(&mut stop) => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stop = stop.clone();
        let counted = Open::new(&open);
        connections.spawn(async move {
            // Released when the connection ends, whichever way.
            let _slot = slot;
            let _counted = counted;
            let activity = Arc::new(Activity::new());
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let router = router.clone();
                async move {
                    let response = router
                        .oneshot(request.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|never| match never {});
                    if response.extensions().get::<AbortConnection>().is_some() {
                        Err(Aborted)
                    } else {
                        Ok(response)
                    }
                }
            });
            let io = TokioIo::new(Watched {
                stream,
                activity: Arc::clone(&activity),
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(io, service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                // Dropping the connection closes its socket.
                _ = activity.idle_for(limits.idle_timeout) => {}
                _ = stopped(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(2), connection).await;
                }
            }
        });
        // Reap finished connections so the set does not grow with every client.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Keeps the router type in one place.
pub(crate) fn router(app: Arc<super::app::App>) -> Router {
    let router = if app.journal.is_some() {
        Router::new().fallback(super::dispatch::journaled)
    } else {
        Router::new().fallback(super::dispatch::dispatch)
    };
    router.with_state(app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_back_off_doubling_up_to_a_second_and_a_success_starts_again() {
        let mut backoff = AcceptBackoff::default();
        let pauses: Vec<u128> = (0..12).map(|_| backoff.failed().as_millis()).collect();
        assert_eq!(
            pauses,
            [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]
        );
        backoff.succeeded();
        assert_eq!(backoff.failed(), Duration::from_millis(5));
    }
}
