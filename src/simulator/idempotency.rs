//! `X-Request-id`: a request repeated within the window gets the first answer again.
//!
//! A repeat is the same id on the same request (operation, resource, query and body), which is
//! what a client's retry sends. The same id on a different request is not a repeat: answering a
//! read with the stored answer of an earlier install would hand the client a response that is
//! not even of the operation it called (Schemathesis found this by sending the spec's example
//! id on every operation).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
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
}

impl Idempotency {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        Idempotency {
            window,
            capacity: capacity.max(1),
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
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
