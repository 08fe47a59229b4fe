//! Following calls that VSPC runs asynchronously.
//!
//! VSPC may answer any licensing call with `202 Accepted` and a `Location` naming an async
//! action. By default the client follows it: it polls `GET /asyncActions/{id}` with backoff until
//! the action succeeds, fails or is canceled, then reads `GET /asyncActions/{id}/result` and
//! returns that as the call's own typed result. The polling lives in the client's hooks
//! ([`crate::hooks`]), so every operation gets it without code of its own.
//!
//! Dropping the call's future stops polling. To stop the action itself, call
//! [`Client::cancel_async_action`](crate::Client::cancel_async_action) with its id (an
//! [`Error::Accepted`](crate::Error::Accepted) or [`Error::AsyncAction`](crate::Error::AsyncAction)
//! carries it). When the wait exceeds [`AsyncActionPolicy::timeout`], the client asks the server
//! to cancel the action (so that it cannot apply later, unseen) and reports the timeout.

use std::time::Duration;

/// How the client treats `202 Accepted`.
///
/// ```
/// use std::time::Duration;
/// use vspc_licensing::AsyncActionPolicy;
/// let policy = AsyncActionPolicy::default().timeout(Duration::from_secs(30));
/// assert!(policy.follows());
/// assert!(!AsyncActionPolicy::manual().follows());
/// ```
#[derive(Clone, Debug)]
pub struct AsyncActionPolicy {
    pub(crate) follow: bool,
    pub(crate) first_poll: Duration,
    pub(crate) max_poll: Duration,
    pub(crate) timeout: Duration,
}

impl Default for AsyncActionPolicy {
    /// Follow; poll after 100 ms, then 1.5 times longer each time up to 5 s; give up after 10
    /// minutes.
    fn default() -> Self {
        AsyncActionPolicy {
            follow: true,
            first_poll: Duration::from_millis(100),
            max_poll: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

impl AsyncActionPolicy {
    /// Do not follow: a `202` ends the call with [`Error::Accepted`](crate::Error::Accepted).
    pub fn manual() -> Self {
        AsyncActionPolicy {
            follow: false,
            ..AsyncActionPolicy::default()
        }
    }

    /// The longest wait for an action to finish; `Duration::MAX` waits as long as it takes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The first and the longest pause between two polls.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// Whether `202` answers are followed.
    pub fn follows(&self) -> bool {
        self.follow
    }

    pub(crate) fn pause(&self, poll: u32) -> Duration {
        // Checked: a caller's huge first pause times 1.5^n must cap at the maximum, not panic.
        let factor = 1.5f64.powi(poll.min(30) as i32);
        Duration::try_from_secs_f64(self.first_poll.as_secs_f64() * factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_poll)
    }
}

/// The action id in a `Location` such as `https://vspc:1280/api/v3/asyncActions/97431954-...`.
pub(crate) fn action_id_from_location(location: &str) -> Option<uuid::Uuid> {
    let path = location.split(['?', '#']).next()?;
    let (_, id) = path.trim_end_matches('/').rsplit_once("/asyncActions/")?;
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_ids_are_read_from_absolute_and_relative_locations() {
        let id = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7";
        for location in [
            format!("https://vspc:1280/api/v3/asyncActions/{id}"),
            format!("/api/v3/asyncActions/{id}/"),
            format!("http://127.0.0.1:9/api/v3/asyncActions/{id}?x=1"),
        ] {
            assert_eq!(
                action_id_from_location(&location).unwrap().to_string(),
                id,
                "{location}"
            );
        }
        assert!(action_id_from_location("https://vspc/api/v3/asyncActions/not-a-uuid").is_none());
        assert!(action_id_from_location("https://vspc/api/v3/licensing/console").is_none());
    }

    #[test]
    fn polling_slows_down_to_the_maximum() {
        let policy = AsyncActionPolicy::default()
            .poll_interval(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(policy.pause(0), Duration::from_millis(100));
        assert!(policy.pause(1) > policy.pause(0));
        assert_eq!(policy.pause(50), Duration::from_secs(1));
        let huge = AsyncActionPolicy::default().poll_interval(Duration::MAX, Duration::MAX);
        assert_eq!(huge.pause(30), Duration::MAX, "capped, not a panic");
    }
}
