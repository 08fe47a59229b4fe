//! A console's throttling: limits on simultaneous requests and on requests per period.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::StatusCode;
use serde_json::json;

use super::config::Throttling;
use super::response::Reply;

/// The simulator's throttling state.
pub(crate) struct Throttle {
    limits: Throttling,
    in_flight: Arc<AtomicUsize>,
    /// When the current period started, and how many requests it has seen.
    period: Mutex<(Instant, u32)>,
}

/// Holds a place among the simultaneous requests until dropped.
pub(crate) struct Admitted(Option<Arc<AtomicUsize>>);

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Some(in_flight) = &self.0 {
            in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// VSPC's throttling answer: `429` with the wait (if any) in the body, no `message`, no
/// `Retry-After` header.
pub(crate) fn throttled(retry_after_secs: Option<u64>) -> Reply {
    let mut error = json!({ "type": "transport", "code": 429 });
    if let Some(seconds) = retry_after_secs {
        error["retryAfter"] = json!(seconds);
    }
    Reply::json(StatusCode::TOO_MANY_REQUESTS, &json!({ "errors": [error] }))
}

impl Throttle {
    pub(crate) fn new(limits: Throttling) -> Self {
        Throttle {
            limits,
            in_flight: Arc::new(AtomicUsize::new(0)),
            period: Mutex::new((Instant::now(), 0)),
        }
    }

    /// Lets a request in, or answers it `429`.
    pub(crate) fn admit(&self) -> Result<Admitted, Reply> {
        if let Some((allowed, length)) = self.limits.per_period {
            let mut period = self.period.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            if now.duration_since(period.0) >= length {
                *period = (now, 0);
            }
            if period.1 >= allowed {
                let left = length.saturating_sub(now.duration_since(period.0));
                // Whole seconds, rounded up: a console never asks for zero.
                let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                return Err(throttled(Some(seconds.max(1))));
            }
            period.1 += 1;
        }
        match self.limits.max_concurrent {
            None => Ok(Admitted(None)),
            Some(max) => {
                let before = self.in_flight.fetch_add(1, Ordering::SeqCst);
                let admitted = Admitted(Some(Arc::clone(&self.in_flight)));
                if before >= max {
                    return Err(throttled(None));
                }
                Ok(admitted)
            }
        }
    }
}
