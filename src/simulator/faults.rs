//! Deterministic fault injection: a script of rules per route, plus a seeded random mode.

use std::sync::Mutex;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Close the TCP connection without answering, before the change is applied.
    DropBeforeApply,
    /// Apply the change (and remember the response for its `X-Request-id`), then close the
    /// connection without answering.
    DropAfterApply,
    /// Answer `520` with a `retryableLogical` error; nothing is applied.
    RetryableError,
    /// Answer `520` with a `logical` error; nothing is applied.
    LogicalError,
    /// Answer `429` with a `Retry-After: N` header, as a proxy in front of VSPC may; nothing is
    /// applied. For VSPC's own form see [`FaultKind::Throttled`].
    TooManyRequests {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answer `429` as a throttling VSPC does: the wait in the error body
    /// (`{"errors":[{"type":"transport","code":429,"retryAfter":N}]}`), no `message`, no
    /// `Retry-After` header; without `retry_after_secs` the body carries no wait either (the
    /// console's answer to too many simultaneous requests). Nothing is applied.
    Throttled {
        /// The `retryAfter` value in the body, in seconds.
        retry_after_secs: Option<u64>,
    },
    /// Answer `503`; nothing is applied.
    ServiceUnavailable,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Apply the change, then send a body shorter than its `Content-Length` and close.
    TruncatedBody,
    /// Answer `200` with a body that is not JSON; nothing is applied.
    MalformedJson,
}

/// Which requests a rule looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteMatch {
    /// Every request.
    Any,
    /// Requests of the operation with this operationId (e.g. `GetBackupServersLicenses`).
    Operation(String),
    /// Requests with this method and a path matching the pattern. The pattern is the path as
    /// sent (e.g. `/api/v3/licensing/backupServers/*`), where `*` stands for one path segment
    /// and a trailing `**` for any rest.
    MethodPath {
        /// HTTP method, upper case.
        method: String,
        /// Path pattern.
        pattern: String,
    },
}

/// On which matching attempts a rule fires (attempts are counted per rule, from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Firing {
    /// The first `n` matching attempts.
    Times(u32),
    /// Only the n-th matching attempt.
    Attempt(u32),
    /// Every matching attempt.
    Always,
}

/// One scripted fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Which requests it looks at.
    pub route: RouteMatch,
    /// When it fires.
    pub firing: Firing,
    /// What happens.
    pub kind: FaultKind,
}

impl FaultRule {
    /// A rule firing on the first matching attempt of the operation with this operationId.
    pub fn once(operation_id: impl Into<String>, kind: FaultKind) -> Self {
        FaultRule {
            route: RouteMatch::Operation(operation_id.into()),
            firing: Firing::Times(1),
            kind,
        }
    }
    /// A rule for an operationId with explicit firing.
    pub fn operation(operation_id: impl Into<String>, firing: Firing, kind: FaultKind) -> Self {
        FaultRule {
            route: RouteMatch::Operation(operation_id.into()),
            firing,
            kind,
        }
    }
    /// A rule for a method and path pattern (see [`RouteMatch::MethodPath`]).
    pub fn method_path(
        method: &str,
        pattern: impl Into<String>,
        firing: Firing,
        kind: FaultKind,
    ) -> Self {
        FaultRule {
            route: RouteMatch::MethodPath {
                method: method.to_ascii_uppercase(),
                pattern: pattern.into(),
            },
            firing,
            kind,
        }
    }
}

/// Faults drawn at random with a seeded generator (reproducible for a given request order).
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFaults {
    /// Chance that a request gets a fault, 0.0 to 1.0.
    pub probability: f64,
    /// Seed of the generator.
    pub seed: u64,
    /// The faults to draw from, uniformly.
    pub kinds: Vec<FaultKind>,
}

/// The fault machinery of a running simulator.
pub(crate) struct Faults {
    rules: Vec<(FaultRule, Mutex<u32>)>,
    random: Option<(RandomFaults, Mutex<ChaCha8Rng>)>,
}

impl Faults {
    pub(crate) fn new(rules: Vec<FaultRule>, random: Option<RandomFaults>) -> Self {
        Faults {
            rules: rules
                .into_iter()
                .map(|rule| (rule, Mutex::new(0)))
                .collect(),
            random: random.map(|random| {
                let rng = ChaCha8Rng::seed_from_u64(random.seed);
                (random, Mutex::new(rng))
            }),
        }
    }

    /// The fault for this request, if any. Counts the attempt for every matching rule.
    pub(crate) fn pick(&self, operation_id: &str, method: &str, path: &str) -> Option<FaultKind> {
        let mut chosen = None;
        for (rule, attempts) in &self.rules {
            let matches = match &rule.route {
                RouteMatch::Any => true,
                RouteMatch::Operation(id) => id == operation_id,
                RouteMatch::MethodPath { method: m, pattern } => {
                    m == method && path_matches(pattern, path)
                }
            };
            if !matches {
                continue;
            }
            let mut attempts = attempts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *attempts += 1;
            let fires = match rule.firing {
                Firing::Times(n) => *attempts <= n,
                Firing::Attempt(n) => *attempts == n,
                Firing::Always => true,
            };
            if fires && chosen.is_none() {
                chosen = Some(rule.kind.clone());
            }
        }
        if chosen.is_some() {
            return chosen;
        }
        let (random, rng) = self.random.as_ref()?;
        if random.kinds.is_empty() {
            return None;
        }
        let mut rng = rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if rng.random_bool(random.probability.clamp(0.0, 1.0)) {
            let index = rng.random_range(0..random.kinds.len());
            Some(random.kinds[index].clone())
        } else {
            None
        }
    }
}

/// Whether a path matches a pattern where `*` is one segment and a final `**` any rest.
fn path_matches(pattern: &str, path: &str) -> bool {
    let mut pattern_segments = pattern.trim_end_matches('/').split('/');
    let mut path_segments = path.trim_end_matches('/').split('/');
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (Some("**"), _) => return true,
            (Some(p), Some(s)) if p == "*" || p == s => continue,
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments() {
        assert!(path_matches(
            "/api/v3/licensing/backupServers/*",
            "/api/v3/licensing/backupServers/abc"
        ));
        assert!(!path_matches(
            "/api/v3/licensing/backupServers/*",
            "/api/v3/licensing/backupServers/abc/update"
        ));
        assert!(path_matches(
            "/api/v3/**",
            "/api/v3/licensing/backupServers/abc/update"
        ));
        assert!(!path_matches(
            "/api/v3/licensing/sites",
            "/api/v3/licensing/backupServers"
        ));
    }

    #[test]
    fn attempt_rules_fire_on_their_attempt_only() {
        let faults = Faults::new(
            vec![FaultRule::operation(
                "X",
                Firing::Attempt(2),
                FaultKind::ServiceUnavailable,
            )],
            None,
        );
        assert_eq!(faults.pick("X", "GET", "/"), None);
        assert_eq!(
            faults.pick("X", "GET", "/"),
            Some(FaultKind::ServiceUnavailable)
        );
        assert_eq!(faults.pick("X", "GET", "/"), None);
    }
}
