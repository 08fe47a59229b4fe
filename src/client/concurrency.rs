//! How many requests to keep in flight when the console throttles.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Counts the `429` answers a client received; [`AdaptiveLimit`]s watch it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ThrottleSignal(Arc<AtomicU64>);

impl ThrottleSignal {
    /// Records one `429` answer.
    pub(crate) fn throttled(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// How many `429` answers so far.
    pub(crate) fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A pool of permits whose size shrinks when the console throttles. Clones share the pool.
///
/// A VSPC limits simultaneous requests and requests per period for each user or address, and
/// answers `429` over a limit. Retrying that one call (which the client does, after the
/// wait the console asks for) is not enough when many calls run at once: the same concurrency
/// soon runs into the same limit again. [`AdaptiveLimit`] is the shared answer: a permit pool
/// whose size halves (down to one) every time the client it watches has been answered `429`,
/// and never grows back during its life. Paged walks use one per walk for their pages in
/// flight; bulk changes use one for their changes in flight:
///
/// ```no_run
/// # async fn run(client: vspc_licensing::Client, uids: Vec<uuid::Uuid>) {
/// use futures::StreamExt;
/// use vspc_licensing::Product;
/// let limit = client.adaptive_limit(8);
/// let results: Vec<_> = futures::stream::iter(uids)
///     .map(|uid| {
///         let (client, limit) = (client.clone(), limit.clone());
///         async move {
///             let _permit = limit.acquire().await;
///             client.enable_auto_update(Product::BackupServer, uid).await
///         }
///     })
///     .buffer_unordered(8)
///     .collect()
///     .await;
/// # let _ = results;
/// # }
/// ```
///
/// Get one from [`Client::adaptive_limit`](crate::Client::adaptive_limit) (which watches that
/// client's `429` answers) or [`AdaptiveLimit::new`] (which only shrinks when told with
/// [`AdaptiveLimit::reduce`]).
#[derive(Clone, Debug)]
pub struct AdaptiveLimit {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    released: Notify,
    signal: Option<ThrottleSignal>,
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_use: usize,
    /// The signal's count when this pool last looked at it.
    seen: u64,
}

/// Permission to have one request in flight; dropping it gives the place back.
#[derive(Debug)]
#[must_use = "the permit is given back when dropped"]
pub struct Permit {
    inner: Arc<Inner>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.inner.lock();
        state.in_use = state.in_use.saturating_sub(1);
        drop(state);
        self.inner.released.notify_waiters();
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl AdaptiveLimit {
    /// A pool of `max` permits (at least one) that shrinks only through [`reduce`](Self::reduce).
    pub fn new(max: usize) -> Self {
        Self::build(max, None)
    }

    pub(crate) fn watching(max: usize, signal: ThrottleSignal) -> Self {
        Self::build(max, Some(signal))
    }

    fn build(max: usize, signal: Option<ThrottleSignal>) -> Self {
        let seen = signal.as_ref().map_or(0, ThrottleSignal::count);
        AdaptiveLimit {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    limit: max.max(1),
                    in_use: 0,
                    seen,
                }),
                released: Notify::new(),
                signal,
            }),
        }
    }

    /// The number of permits now.
    pub fn limit(&self) -> usize {
        let mut state = self.inner.lock();
        self.observe(&mut state);
        state.limit
    }

    /// Halves the number of permits (never below one). Permits already out stay out; no new
    /// one is handed out until fewer than the new limit are in use.
    pub fn reduce(&self) {
        let mut state = self.inner.lock();
        Self::halve(&mut state);
    }

    fn halve(state: &mut State) {
        let before = state.limit;
        state.limit = (state.limit / 2).max(1);
        if state.limit != before {
            tracing::info!(
                from = before,
                to = state.limit,
                "the console throttles: fewer requests in flight"
            );
        }
    }

    /// Shrinks once per batch of `429`s the watched client received since the last look: the
    /// answers to requests that were in flight together count as one signal.
    fn observe(&self, state: &mut State) {
        if let Some(signal) = &self.inner.signal {
            let now = signal.count();
            if now > state.seen {
                state.seen = now;
                Self::halve(state);
            }
        }
    }

    /// Waits for a free place, then holds it until the permit is dropped.
    pub async fn acquire(&self) -> Permit {
        loop {
            let released = self.inner.released.notified();
            tokio::pin!(released);
            // Registered before looking, so a release between the look and the wait is not missed.
            released.as_mut().enable();
            {
                let mut state = self.inner.lock();
                self.observe(&mut state);
                if state.in_use < state.limit {
                    state.in_use += 1;
                    return Permit {
                        inner: Arc::clone(&self.inner),
                    };
                }
            }
            released.await;
        }
    }
}

impl crate::model::generated::Client {
    /// A permit pool of `max` places that halves whenever this client (or a clone of it) is
    /// answered `429`: the shared way to bound bulk changes so that a throttling console gets
    /// fewer requests at once; see [`AdaptiveLimit`].
    pub fn adaptive_limit(&self, max: usize) -> AdaptiveLimit {
        AdaptiveLimit::watching(max, self.throttle_signal())
    }

    /// How many `429` answers this client (and its clones) has received so far.
    pub fn throttled_answers(&self) -> u64 {
        self.throttle_signal().count()
    }

    pub(crate) fn throttle_signal(&self) -> ThrottleSignal {
        use progenitor_client::ClientInfo;
        self.inner().0.throttle.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn permits_are_bounded_and_given_back() {
        let limit = AdaptiveLimit::new(2);
        let a = limit.acquire().await;
        let _b = limit.acquire().await;
        let third = tokio::time::timeout(Duration::from_millis(50), limit.acquire()).await;
        assert!(third.is_err(), "a third permit waits while two are out");
        drop(a);
        let third = tokio::time::timeout(Duration::from_secs(5), limit.acquire()).await;
        assert!(third.is_ok(), "a returned permit is handed out again");
    }

    #[tokio::test]
    async fn each_batch_of_429s_halves_the_limit_down_to_one() {
        let signal = ThrottleSignal::default();
        let limit = AdaptiveLimit::watching(8, signal.clone());
        assert_eq!(limit.limit(), 8);
        signal.throttled();
        signal.throttled();
        assert_eq!(limit.limit(), 4, "two 429s seen at one look count once");
        signal.throttled();
        assert_eq!(limit.limit(), 2);
        signal.throttled();
        assert_eq!(limit.limit(), 1);
        signal.throttled();
        assert_eq!(limit.limit(), 1, "never below one");
        let _one = limit.acquire().await;
        assert!(
            tokio::time::timeout(Duration::from_millis(50), limit.acquire())
                .await
                .is_err(),
            "one in flight after throttling"
        );
    }

    #[test]
    fn a_new_pool_ignores_429s_from_before_it_existed_and_reduce_halves() {
        let signal = ThrottleSignal::default();
        signal.throttled();
        let limit = AdaptiveLimit::watching(6, signal);
        assert_eq!(limit.limit(), 6);
        limit.reduce();
        assert_eq!(limit.limit(), 3);
        assert_eq!(AdaptiveLimit::new(0).limit(), 1);
    }
}
