//! The console's load: how many requests it is answering at once, its capacity (beyond which
//! requests wait their turn, as on a database-bound console), and counters that tests and
//! benchmarks read to see what a client did to it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What the simulator's load counters say (see
/// [`SimulatorHandle::load`](super::SimulatorHandle::load)): every request counts, `POST
/// /token` included, from routing to the answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// Requests received.
    pub requests: u64,
    /// The most requests being answered at once (queued ones and refused ones included).
    pub most_in_flight: usize,
    /// Requests answered `429` because they were over a throttling limit
    /// ([`SimulatorConfig::max_concurrent_requests`](super::SimulatorConfig::max_concurrent_requests)
    /// or [`max_requests_per_period`](super::SimulatorConfig::max_requests_per_period)).
    pub throttled: u64,
    /// Requests that had to wait for a place because the capacity was taken
    /// ([`SimulatorConfig::capacity`](super::SimulatorConfig::capacity)).
    pub queued: u64,
}

/// The load state shared by every request.
pub(crate) struct LoadModel {
    /// `None`: every request is served at once.
    capacity: Mutex<Option<Arc<Semaphore>>>,
    in_flight: AtomicUsize,
    most: AtomicUsize,
    requests: AtomicU64,
    throttled: AtomicU64,
    queued: AtomicU64,
}

/// One request being answered; counted out when dropped.
pub(crate) struct Entered<'a>(&'a LoadModel);

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A place among the requests served at once; given back when dropped.
pub(crate) struct Served {
    _place: Option<OwnedSemaphorePermit>,
}

impl LoadModel {
    pub(crate) fn new(capacity: Option<usize>) -> Self {
        LoadModel {
            capacity: Mutex::new(capacity.map(places)),
            in_flight: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            queued: AtomicU64::new(0),
        }
    }

    /// Counts a request in (until the guard drops).
    pub(crate) fn enter(&self) -> Entered<'_> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Entered(self)
    }

    /// Counts a `429` from a throttling limit.
    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::SeqCst);
    }

    /// Waits for a place among the requests served at once (in order of arrival), then holds
    /// it until the guard drops.
    pub(crate) async fn serve(&self) -> Served {
        let capacity = self
            .capacity
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(capacity) = capacity else {
            return Served { _place: None };
        };
        let permit = match Arc::clone(&capacity).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.queued.fetch_add(1, Ordering::SeqCst);
                capacity
                    .acquire_owned()
                    .await
                    .expect("the capacity semaphore is never closed")
            }
        };
        Served {
            _place: Some(permit),
        }
    }

    /// A new capacity for the requests that arrive from now on (those served or waiting keep
    /// the places of the old one).
    pub(crate) fn set_capacity(&self, capacity: Option<usize>) {
        *self.capacity.lock().unwrap_or_else(|p| p.into_inner()) = capacity.map(places);
    }

    pub(crate) fn counters(&self) -> Load {
        Load {
            requests: self.requests.load(Ordering::SeqCst),
            most_in_flight: self.most.load(Ordering::SeqCst),
            throttled: self.throttled.load(Ordering::SeqCst),
            queued: self.queued.load(Ordering::SeqCst),
        }
    }

    /// Starts the counters again; the most in flight starts from the requests in flight now.
    pub(crate) fn reset(&self) {
        self.requests.store(0, Ordering::SeqCst);
        self.throttled.store(0, Ordering::SeqCst);
        self.queued.store(0, Ordering::SeqCst);
        self.most
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

fn places(capacity: usize) -> Arc<Semaphore> {
    Arc::new(Semaphore::new(capacity.max(1)))
}
