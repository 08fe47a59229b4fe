//! How many requests to keep in flight: a permit pool whose size follows the console.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

mod vegas;

use vegas::{Move, Sample, Vegas};

/// The most requests walks and bulk changes keep in flight unless the builder says otherwise
/// ([`ClientBuilder::max_in_flight`](crate::ClientBuilder::max_in_flight)): a VSPC is the
/// provider's production console, and no listing is worth flooding it.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

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

/// A pool of permits, one per request in flight, whose size follows the console. Clones share
/// the pool.
///
/// Two kinds:
///
/// * **Adaptive** ([`AdaptiveLimit::adaptive`], and the one every client shares for its walks
///   and bulk changes, [`Client::in_flight_limit`](crate::Client::in_flight_limit)): it starts
///   at [`DEFAULT_PAGES_IN_FLIGHT`](crate::DEFAULT_PAGES_IN_FLIGHT), grows while answers keep
///   their latency, shrinks when they slow down (the console queues) and halves on a `429`;
///   never beyond its maximum. The rule is TCP Vegas with slow start and AIMD's halving, as
///   `docs/concurrency.md` explains; it learns from the time each permit is held, so hold one
///   for exactly one request.
/// * **Fixed** ([`AdaptiveLimit::new`], [`Client::adaptive_limit`](crate::Client::adaptive_limit),
///   a walk with [`ListQuery::pages_in_flight`](crate::ListQuery::pages_in_flight)): the number
///   asked for, halved (down to one) after each batch of `429`s, never grown back.
///
/// A VSPC limits simultaneous requests and requests per period for each user or address, and
/// answers `429` over a limit. Retrying that one call (which the client does, after the wait
/// the console asks for) is not enough when many calls run at once: the same concurrency soon
/// runs into the same limit again; hence the halving of both kinds.
///
/// ```no_run
/// # async fn run(client: vspc_licensing::Client, uids: Vec<uuid::Uuid>) {
/// use futures::StreamExt;
/// use vspc_licensing::Product;
/// let limit = client.in_flight_limit();
/// let results: Vec<_> = futures::stream::iter(uids)
///     .map(|uid| {
///         let (client, limit) = (client.clone(), limit.clone());
///         async move {
///             let _permit = limit.acquire_for("PatchBackupServerLicense").await;
///             client.enable_auto_update(Product::BackupServer, uid).await
///         }
///     })
///     .buffer_unordered(limit.max())
///     .collect()
///     .await;
/// # let _ = results;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct AdaptiveLimit {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Fair (first come, first served), so that the pages of a walk get their places in order.
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    signal: Option<ThrottleSignal>,
    max: usize,
}

#[derive(Debug)]
struct State {
    rule: Rule,
    /// The pool size the semaphore stands for: permits available + out = `size` + `debt`.
    size: usize,
    /// Permits to drop instead of giving back, because the pool shrank while they were out.
    debt: usize,
    in_use: usize,
    most_in_use: usize,
    /// The signal's count when this pool last looked at it.
    seen: u64,
}

#[derive(Debug)]
enum Rule {
    /// Halves on `429`s, nothing else.
    Fixed {
        limit: usize,
    },
    Adaptive(Vegas),
}

impl Rule {
    fn limit(&self) -> usize {
        match self {
            Rule::Fixed { limit } => *limit,
            Rule::Adaptive(vegas) => vegas.limit(),
        }
    }

    fn throttled(&mut self, in_flight: usize) -> Move {
        match self {
            Rule::Fixed { limit } => {
                let before = *limit;
                *limit = (*limit / 2).max(1);
                if *limit < before {
                    Move::Throttled
                } else {
                    Move::Kept
                }
            }
            Rule::Adaptive(vegas) => vegas.throttled(in_flight),
        }
    }
}

/// Permission to have one request in flight; dropping it gives the place back (and, for an
/// adaptive pool, reports how long it was held).
#[derive(Debug)]
#[must_use = "the permit is given back when dropped"]
pub struct Permit {
    inner: Arc<Inner>,
    permit: Option<OwnedSemaphorePermit>,
    kind: &'static str,
    taken: Instant,
    in_flight: usize,
    /// The signal's count when the permit was taken: a `429` while it was held makes its time
    /// no measure of the console's latency (it includes a retry's wait).
    throttles: u64,
    /// Whether its time is a measure of the console's latency for its kind.
    measures: bool,
}

impl Permit {
    /// Its time says nothing about the latency of its kind (an empty page past a collection's
    /// end may be answered faster than a full one): the pool does not learn from it.
    pub(crate) fn not_a_measure(&mut self) {
        self.measures = false;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.inner.lock();
        // A `429` that came while this permit was out was drawn by the requests in flight
        // then, this one among them: look at it before counting this one out. Counted after,
        // the number that drew it reads one low, and on a console that takes two at once the
        // limit then stays at one (below that number) until a probe, 32 round trips later.
        self.inner.observe(&mut state);
        state.in_use = state.in_use.saturating_sub(1);
        let throttles = self.inner.signal.as_ref().map_or(0, ThrottleSignal::count);
        if throttles == self.throttles && self.measures {
            if let Rule::Adaptive(vegas) = &mut state.rule {
                let before = vegas.limit();
                let moved = vegas.answered(Sample {
                    kind: self.kind,
                    rtt: self.taken.elapsed(),
                    in_flight: self.in_flight,
                    at: Instant::now(),
                });
                log(moved, before, vegas.limit());
            }
        }
        if let Some(permit) = self.permit.take() {
            if state.debt > 0 {
                state.debt -= 1;
                permit.forget();
            } else {
                drop(permit);
            }
        }
        self.inner.resize(&mut state);
    }
}

fn log(moved: Move, from: usize, to: usize) {
    match moved {
        Move::Kept => {}
        Move::Grew { queued } => tracing::info!(
            from,
            to,
            queued = format!("{queued:.1}"),
            "answers keep their latency: more requests in flight"
        ),
        Move::Queueing { queued } => tracing::info!(
            from,
            to,
            queued = format!("{queued:.1}"),
            "answers slow down, the console queues: fewer requests in flight"
        ),
        Move::Throttled => {
            tracing::info!(from, to, "the console throttles: fewer requests in flight")
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Shrinks once per batch of `429`s the watched client received since the last look: the
    /// answers to requests that were in flight together count as one signal.
    fn observe(&self, state: &mut State) {
        if let Some(signal) = &self.signal {
            let now = signal.count();
            if now > state.seen {
                state.seen = now;
                let before = state.rule.limit();
                // The refused request still holds its place (it waits to be retried).
                let moved = state.rule.throttled(state.in_use.max(1));
                log(moved, before, state.rule.limit());
            }
        }
        self.resize(state);
    }

    /// Makes the semaphore stand for the rule's limit.
    fn resize(&self, state: &mut State) {
        let wanted = state.rule.limit().clamp(1, self.max);
        if wanted > state.size {
            let grow = wanted - state.size;
            let repaid = grow.min(state.debt);
            state.debt -= repaid;
            self.semaphore.add_permits(grow - repaid);
        } else if wanted < state.size {
            let shrink = state.size - wanted;
            let taken = self.semaphore.forget_permits(shrink);
            state.debt += shrink - taken;
        }
        state.size = wanted;
    }
}

impl AdaptiveLimit {
    /// A fixed pool of `max` permits (at least one) that shrinks only through
    /// [`reduce`](Self::reduce).
    pub fn new(max: usize) -> Self {
        Self::build(Rule::Fixed { limit: max.max(1) }, max, None)
    }

    /// An adaptive pool that starts at
    /// [`DEFAULT_PAGES_IN_FLIGHT`](crate::DEFAULT_PAGES_IN_FLIGHT) (or `max`, if lower) and
    /// finds the console's capacity up to `max`; it sees `429`s only through
    /// [`reduce`](Self::reduce). Prefer the client's own,
    /// [`Client::in_flight_limit`](crate::Client::in_flight_limit), which sees them itself.
    pub fn adaptive(max: usize) -> Self {
        let initial = crate::DEFAULT_PAGES_IN_FLIGHT;
        Self::build(Rule::Adaptive(Vegas::new(initial, max)), max, None)
    }

    /// A fixed pool that halves after the `429`s `signal` counts.
    pub(crate) fn watching(max: usize, signal: ThrottleSignal) -> Self {
        Self::build(Rule::Fixed { limit: max.max(1) }, max, Some(signal))
    }

    /// An adaptive pool that starts at `initial` (within one and `max`) and halves after the
    /// `429`s `signal` counts.
    pub(crate) fn adaptive_watching(max: usize, initial: usize, signal: ThrottleSignal) -> Self {
        Self::build(Rule::Adaptive(Vegas::new(initial, max)), max, Some(signal))
    }

    fn build(rule: Rule, max: usize, signal: Option<ThrottleSignal>) -> Self {
        let max = max.max(1);
        let seen = signal.as_ref().map_or(0, ThrottleSignal::count);
        let size = rule.limit().clamp(1, max);
        AdaptiveLimit {
            inner: Arc::new(Inner {
                semaphore: Arc::new(Semaphore::new(size)),
                state: Mutex::new(State {
                    rule,
                    size,
                    debt: 0,
                    in_use: 0,
                    most_in_use: 0,
                    seen,
                }),
                signal,
                max,
            }),
        }
    }

    /// A fixed pool of `max` that halves on the same `429`s as this one: for a walk that asks
    /// for its own number of pages in flight.
    pub(crate) fn fixed_alongside(&self, max: usize) -> AdaptiveLimit {
        Self::build(
            Rule::Fixed { limit: max.max(1) },
            max,
            self.inner.signal.clone(),
        )
    }

    /// Whether `other` is this same pool (a clone of it), not merely one like it.
    pub(crate) fn is_same_pool(&self, other: &AdaptiveLimit) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The number of permits now. For the client's adaptive pool at the end of a run, what it
    /// learned of the console: start the next client there with
    /// [`ClientBuilder::initial_in_flight`](crate::ClientBuilder::initial_in_flight).
    ///
    /// ```
    /// let limit = vspc_licensing::AdaptiveLimit::new(3);
    /// assert_eq!(limit.limit(), 3);
    /// limit.reduce();
    /// assert_eq!(limit.limit(), 1);
    /// ```
    pub fn limit(&self) -> usize {
        let mut state = self.inner.lock();
        self.inner.observe(&mut state);
        state.size
    }

    /// The most permits this pool ever hands out.
    pub fn max(&self) -> usize {
        self.inner.max
    }

    /// Whether the pool adapts to the console's latency (rather than keeping a fixed number).
    pub fn is_adaptive(&self) -> bool {
        matches!(self.inner.lock().rule, Rule::Adaptive(_))
    }

    /// The most permits that were out at once so far.
    pub fn most_in_flight(&self) -> usize {
        self.inner.lock().most_in_use
    }

    /// Shrinks as for a `429`: halves the number of permits (never below one). Permits already
    /// out stay out; no new one is handed out until fewer than the new limit are in use.
    pub fn reduce(&self) {
        let mut state = self.inner.lock();
        let before = state.rule.limit();
        let in_flight = state.in_use.max(1);
        let moved = state.rule.throttled(in_flight);
        log(moved, before, state.rule.limit());
        self.inner.resize(&mut state);
    }

    /// Waits for a free place, then holds it until the permit is dropped.
    pub async fn acquire(&self) -> Permit {
        self.acquire_for("").await
    }

    /// [`acquire`](Self::acquire) for a request of this kind (an operation id, say): an
    /// adaptive pool compares each answer's latency with the fastest of its own kind, since a
    /// page of 500 licenses and a single change take different times even on an idle console.
    pub async fn acquire_for(&self, kind: &'static str) -> Permit {
        {
            let mut state = self.inner.lock();
            self.inner.observe(&mut state);
        }
        let permit = Arc::clone(&self.inner.semaphore)
            .acquire_owned()
            .await
            .expect("the pool's semaphore is never closed");
        let mut state = self.inner.lock();
        state.in_use += 1;
        state.most_in_use = state.most_in_use.max(state.in_use);
        let in_flight = state.in_use;
        drop(state);
        Permit {
            inner: Arc::clone(&self.inner),
            permit: Some(permit),
            kind,
            taken: Instant::now(),
            in_flight,
            throttles: self.inner.signal.as_ref().map_or(0, ThrottleSignal::count),
            measures: true,
        }
    }
}

impl crate::model::generated::Client {
    /// A fixed permit pool of `max` places that halves whenever this client (or a clone of it)
    /// is answered `429`; see [`AdaptiveLimit`]. For most uses the client's own adaptive pool,
    /// [`in_flight_limit`](Self::in_flight_limit), is the better choice.
    pub fn adaptive_limit(&self, max: usize) -> AdaptiveLimit {
        AdaptiveLimit::watching(max, self.throttle_signal())
    }

    /// The pool this client's walks take their pages' places from (unless a walk asks for a
    /// fixed number with [`ListQuery::pages_in_flight`](crate::ListQuery::pages_in_flight)),
    /// shared by all its clones: adaptive up to
    /// [`ClientBuilder::max_in_flight`](crate::ClientBuilder::max_in_flight) (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]), or fixed with
    /// [`ClientBuilder::fixed_in_flight`](crate::ClientBuilder::fixed_in_flight). Take bulk
    /// changes' places from it too, so that walks and changes together stay within what the
    /// console takes.
    pub fn in_flight_limit(&self) -> AdaptiveLimit {
        use progenitor_client::ClientInfo;
        self.inner().0.in_flight.clone()
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

    #[tokio::test]
    async fn a_pool_that_shrinks_while_permits_are_out_keeps_them_back_when_returned() {
        let limit = AdaptiveLimit::new(4);
        let out: Vec<Permit> = futures::future::join_all((0..4).map(|_| limit.acquire())).await;
        limit.reduce();
        assert_eq!(limit.limit(), 2);
        let mut out = out.into_iter();
        drop(out.next());
        drop(out.next());
        let waiting = tokio::time::timeout(Duration::from_millis(50), limit.acquire()).await;
        assert!(waiting.is_err(), "two still out fill the halved pool");
        drop(out.next());
        let next = tokio::time::timeout(Duration::from_secs(5), limit.acquire()).await;
        assert!(next.is_ok(), "one out of two: a place is free");
        assert_eq!(limit.most_in_flight(), 4);
    }
}
