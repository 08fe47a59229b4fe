//! `X-Request-id`: a request repeated within the window gets the first answer again.
//!
//! A repeat is the same id on the same request (operation, resource, query and body), which is
//! what a client's retry sends. The same id on a different request is not a repeat: answering a
//! read with the stored answer of an earlier install would hand the client a response that is
//! not even of the operation it called (Schemathesis found this by sending the spec's example
//! id on every operation).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use super::response::Reply;

/// An `X-Request-id` and a fingerprint of the request that carried it.
pub(crate) type Key = (Uuid, u64);

/// Stored answers by key, and the keys in the order they were stored (for expiry and eviction).
type Stored = (HashMap<Key, (Instant, Reply)>, VecDeque<(Instant, Key)>);

pub(crate) struct Idempotency {
    window: Duration,
    capacity: usize,
    inner: Mutex<Stored>,
    /// One lock per request id being answered. Two attempts of one request can be in the server
    /// at once (a client gave up on a slow attempt and retried); without it both would miss the
    /// stored answer and both would apply the change.
    in_flight: Arc<Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>>,
}

/// Held while a request id is answered: checked against the stored answers, run, recorded.
pub(crate) struct Claim {
    id: Uuid,
    lock: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    in_flight: Arc<Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        self.guard.take();
        // The map and this claim hold the only references: nobody waits, so forget the id.
        if Arc::strong_count(&self.lock) == 2 {
            in_flight.remove(&self.id);
        }
    }
}

impl Idempotency {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        Idempotency {
            window,
            capacity: capacity.max(1),
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
            in_flight: Arc::default(),
        }
    }

    /// Waits until no other attempt of this request id is being answered, then claims it.
    pub(crate) async fn claim(&self, id: Uuid) -> Claim {
        let lock = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(in_flight.entry(id).or_default())
        };
        let guard = Arc::clone(&lock).lock_owned().await;
        Claim {
            id,
            lock,
            guard: Some(guard),
            in_flight: Arc::clone(&self.in_flight),
        }
    }

    /// The stored answer for this request, if it is still in the window.
    pub(crate) fn replay(&self, id: &Key) -> Option<Reply> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        self.expire(&mut inner);
        inner.0.get(id).map(|(_, reply)| reply.clone())
    }

    /// Remembers the answer for this request (the first answer wins).
    pub(crate) fn record(&self, id: Key, reply: &Reply) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        self.expire(&mut inner);
        let now = Instant::now();
        if inner.0.contains_key(&id) {
            return;
        }
        inner.0.insert(id, (now, reply.clone()));
        inner.1.push_back((now, id));
        while inner.0.len() > self.capacity {
            match inner.1.pop_front() {
                Some((_, oldest)) => {
                    inner.0.remove(&oldest);
                }
                None => break,
            }
        }
    }

    fn expire(&self, inner: &mut Stored) {
        while let Some(&(at, id)) = inner.1.front() {
            if at.elapsed() < self.window {
                break;
            }
            inner.1.pop_front();
            inner.0.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_claim_waits_for_the_one_before_and_is_forgotten_after() {
        let idempotency = Idempotency::new(Duration::from_secs(60), 10);
        let id = Uuid::new_v4();
        let first = idempotency.claim(id).await;
        let second = tokio::time::timeout(Duration::from_millis(50), idempotency.claim(id)).await;
        assert!(second.is_err(), "a second claim of the same id waits");
        let other =
            tokio::time::timeout(Duration::from_millis(50), idempotency.claim(Uuid::new_v4()))
                .await;
        assert!(other.is_ok(), "other ids do not wait");
        drop(other);
        drop(first);
        drop(idempotency.claim(id).await);
        assert!(idempotency.in_flight.lock().unwrap().is_empty());
    }
}
