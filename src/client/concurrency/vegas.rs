//! The rule that moves an adaptive limit: TCP Vegas's estimate of the requests queued at the
//! console, as Netflix's concurrency-limits applies it to requests (`VegasLimit`), with TCP's
//! slow start at the beginning and the multiplicative decrease of AIMD when the console
//! answers `429`.
//!
//! Why this one (docs/concurrency.md has the whole comparison):
//!
//! * A console that can take more keeps its latency: more in flight costs nothing, so the
//!   limit grows, by one for each answer (it doubles every round trip, as TCP's slow start
//!   does) until something pushes back, and by one every round trip after that.
//! * A console that queues (a database-bound VSPC) answers later the more it is given. Vegas
//!   reads that directly: with `base` the fastest answer seen and `rtt` this one, about
//!   `limit × (1 − base / rtt)` requests are waiting at the console rather than being served.
//!   Fewer than [`ALPHA`] waiting: room to grow; more than [`BETA`]: one fewer. The limit
//!   settles a few requests above what the console serves at once, which keeps it busy
//!   without burying it. A loss-only rule (AIMD) would never see this console: it never
//!   refuses, it only gets slower.
//! * A console that refuses (`429` over its simultaneous-request limit) gives the loss signal
//!   AIMD is made for: the limit halves (from the number that drew the refusal, when that is
//!   smaller), and grows back by one a round trip, as TCP congestion avoidance does after a
//!   loss. Vegas alone lowers a limit by one per answer, too slowly for a limit the console
//!   enforces.
//! * Netflix's gradient limits need long-running averages over thousands of samples; a walk
//!   of a hundred pages gives a hundred. Vegas decides from each answer and the fastest one.
//!
//! The fastest answer is kept per kind of request (a page of 500 licenses and a single
//! change differ), and forgotten after [`BASELINE_LIFETIME`], so that a console that became
//! slower for everyone is not read as one this client is queueing on forever.

use std::time::Duration;

use tokio::time::Instant;

/// Fewer requests than this estimated waiting at the console: the limit may grow.
pub(crate) const ALPHA: f64 = 3.0;
/// More requests than this estimated waiting at the console: the limit shrinks.
pub(crate) const BETA: f64 = 6.0;
/// How long the fastest answer of a kind stands as that kind's no-load latency.
pub(crate) const BASELINE_LIFETIME: Duration = Duration::from_secs(30);
/// Round trips without a `429` before the limit tries one more than the number that last drew
/// one.
pub(crate) const PROBE_AFTER_ROUND_TRIPS: f64 = 32.0;

/// One answer, as the limit sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// What kind of request it was (an operation id), so that it is compared with its own kind.
    pub(crate) kind: &'static str,
    /// From taking the place to giving it back.
    pub(crate) rtt: Duration,
    /// Places in use when it took its own, itself included.
    pub(crate) in_flight: usize,
    /// When it ended.
    pub(crate) at: Instant,
}

/// What an update did, for the log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Move {
    /// Nothing visible changed.
    Kept,
    /// The whole-number limit went up: answers keep their latency.
    Grew { queued: f64 },
    /// The whole-number limit went down: answers got slower, the console queues.
    Queueing { queued: f64 },
    /// The whole-number limit went down: the console answered `429`.
    Throttled,
}

/// The limit's state: a real number, of which the pool hands out the whole part.
#[derive(Debug)]
pub(crate) struct Vegas {
    limit: f64,
    max: f64,
    /// Growing by one an answer until the first `429` or the first queueing seen.
    slow_start: bool,
    /// The fewest in flight that drew a `429`: the limit stays below it, except for a probe
    /// of one more after [`PROBE_AFTER_ROUND_TRIPS`] quiet round trips.
    ceiling: Option<f64>,
    /// Answers since the last `429` or probe.
    quiet: f64,
    baselines: Vec<Baseline>,
}

#[derive(Debug)]
struct Baseline {
    kind: &'static str,
    fastest: Duration,
    seen: Instant,
}

impl Vegas {
    /// Starts at `initial` (at least one), never beyond `max`.
    pub(crate) fn new(initial: usize, max: usize) -> Self {
        let max = max.max(1) as f64;
        Vegas {
            limit: (initial.max(1) as f64).min(max),
            max,
            slow_start: true,
            ceiling: None,
            quiet: 0.0,
            baselines: Vec::new(),
        }
    }

    /// Places to hand out now.
    pub(crate) fn limit(&self) -> usize {
        // Thirds and the like added up fall a hair short of the whole number they make.
        (self.limit + 1e-9) as usize
    }

    /// Learns from one answer that was not a `429`.
    pub(crate) fn answered(&mut self, sample: Sample) -> Move {
        let before = self.limit();
        let Some(base) = self.baseline(sample) else {
            return Move::Kept;
        };
        let rtt = sample.rtt.as_secs_f64().max(f64::EPSILON);
        let queued = self.limit * (1.0 - base.as_secs_f64() / rtt).max(0.0);
        if queued > BETA {
            self.slow_start = false;
            self.limit = (self.limit - 1.0).max(1.0);
        } else if (sample.in_flight as f64) * 2.0 < self.limit {
            // Far fewer in flight than allowed (the end of a walk, a slow consumer): these
            // answers say nothing about a higher limit, so it does not drift up on them.
        } else if queued < ALPHA {
            self.quiet += 1.0;
            self.limit = (self.limit + self.step()).min(self.cap()).min(self.max);
        } else {
            // Between ALPHA and BETA waiting: the console is busy and kept busy; hold.
            self.slow_start = false;
        }
        match self.limit().cmp(&before) {
            std::cmp::Ordering::Greater => Move::Grew { queued },
            std::cmp::Ordering::Less => Move::Queueing { queued },
            std::cmp::Ordering::Equal => Move::Kept,
        }
    }

    /// How much one answer that leaves room adds: one in slow start and below a known
    /// ceiling (the console took that many a moment ago), one a round trip otherwise.
    fn step(&self) -> f64 {
        match self.ceiling {
            Some(ceiling) if self.limit + 1.0 < ceiling => 1.0,
            _ if self.slow_start => 1.0,
            _ => 1.0 / self.limit,
        }
    }

    /// How high answers may take the limit now: just below the ceiling, or up to it (a probe
    /// of one more than was last refused) after enough quiet round trips there.
    fn cap(&mut self) -> f64 {
        let Some(ceiling) = self.ceiling else {
            return f64::INFINITY;
        };
        if self.quiet >= PROBE_AFTER_ROUND_TRIPS * self.limit {
            self.quiet = 0.0;
            self.ceiling = Some(ceiling + 1.0);
            return ceiling;
        }
        ceiling - 1.0
    }

    /// The console answered `429` while `in_flight` places were in use: halve, and remember
    /// the number that drew it.
    pub(crate) fn throttled(&mut self, in_flight: usize) -> Move {
        let before = self.limit();
        self.slow_start = false;
        self.quiet = 0.0;
        let in_flight = in_flight.max(1) as f64;
        self.ceiling = Some(
            self.ceiling
                .map_or(in_flight, |c| c.min(in_flight))
                .max(2.0),
        );
        let from = self.limit.min(in_flight);
        self.limit = (from / 2.0).floor().max(1.0);
        if self.limit() < before {
            Move::Throttled
        } else {
            Move::Kept
        }
    }

    /// The no-load latency of this sample's kind, updated by it: `None` when the sample is
    /// the first of its kind (or its kind's fastest had expired), which sets it.
    fn baseline(&mut self, sample: Sample) -> Option<Duration> {
        let index = self.baselines.iter().position(|b| b.kind == sample.kind);
        let Some(index) = index else {
            self.baselines.push(Baseline {
                kind: sample.kind,
                fastest: sample.rtt,
                seen: sample.at,
            });
            return None;
        };
        let baseline = &mut self.baselines[index];
        let expired = sample.at.saturating_duration_since(baseline.seen) > BASELINE_LIFETIME;
        if expired || sample.rtt <= baseline.fastest {
            baseline.fastest = sample.rtt;
            baseline.seen = sample.at;
        }
        Some(baseline.fastest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rtt_ms: u64, in_flight: usize, at: Instant) -> Sample {
        Sample {
            kind: "Page",
            rtt: Duration::from_millis(rtt_ms),
            in_flight,
            at,
        }
    }

    #[test]
    fn answers_that_keep_their_latency_grow_the_limit_by_one_each_up_to_the_maximum() {
        let now = Instant::now();
        let mut vegas = Vegas::new(4, 16);
        assert_eq!(
            vegas.answered(sample(100, 1, now)),
            Move::Kept,
            "the first sets the base"
        );
        for expected in 5..=16 {
            let moved = vegas.answered(sample(100, vegas.limit(), now));
            assert!(matches!(moved, Move::Grew { .. }), "{moved:?}");
            assert_eq!(vegas.limit(), expected);
        }
        vegas.answered(sample(100, 16, now));
        assert_eq!(vegas.limit(), 16, "never beyond the maximum");
    }

    #[test]
    fn answers_slowed_by_queueing_lower_the_limit_and_end_the_fast_growth() {
        let now = Instant::now();
        let mut vegas = Vegas::new(12, 16);
        vegas.answered(sample(100, 1, now));
        // 12 in flight answered at 4 times the base: 9 of them are waiting (> BETA).
        assert!(matches!(
            vegas.answered(sample(400, 12, now)),
            Move::Queueing { .. }
        ));
        assert_eq!(vegas.limit(), 11);
        // 11 answered at 1.25 times the base: about 2 waiting, room again, but now one a round
        // trip, not one an answer.
        vegas.answered(sample(125, 11, now));
        assert_eq!(vegas.limit(), 11);
    }

    #[test]
    fn a_429_halves_from_what_was_in_flight_and_growth_is_one_a_round_trip_after() {
        let now = Instant::now();
        let mut vegas = Vegas::new(10, 16);
        assert_eq!(vegas.throttled(6), Move::Throttled);
        assert_eq!(vegas.limit(), 3, "half of the 6 that drew the 429");
        vegas.answered(sample(100, 3, now));
        vegas.answered(sample(100, 3, now));
        vegas.answered(sample(100, 3, now));
        assert_eq!(
            vegas.limit(),
            5,
            "quickly back to just below the 6 that drew the 429"
        );
        for _ in 0..100 {
            vegas.answered(sample(100, 5, now));
        }
        assert_eq!(vegas.limit(), 5, "and there it stays");
        let mut one = Vegas::new(1, 16);
        assert_eq!(one.throttled(1), Move::Kept, "never below one");
        assert_eq!(one.limit(), 1);
    }

    #[test]
    fn few_in_flight_do_not_raise_the_limit() {
        let now = Instant::now();
        let mut vegas = Vegas::new(8, 16);
        vegas.answered(sample(100, 1, now));
        vegas.answered(sample(100, 3, now));
        assert_eq!(vegas.limit(), 8);
    }

    #[test]
    fn each_kind_is_compared_with_its_own_fastest_which_expires() {
        let now = Instant::now();
        let mut vegas = Vegas::new(10, 16);
        vegas.answered(sample(100, 1, now));
        let change = Sample {
            kind: "Change",
            rtt: Duration::from_millis(20),
            in_flight: 10,
            at: now,
        };
        vegas.answered(change);
        // A page at 110 ms is no queueing, although changes take 20 ms.
        vegas.answered(sample(110, 10, now));
        assert_eq!(vegas.limit(), 11);
        // Long after, a console slower for everyone sets a new base instead of looking full.
        let later = now + BASELINE_LIFETIME + Duration::from_secs(1);
        vegas.answered(sample(300, 11, later));
        vegas.answered(sample(300, 12, later));
        assert_eq!(vegas.limit(), 13, "two answers in slow start: two more");
    }

    /// A console in virtual time, driven event by event: `capacity` requests served at once,
    /// each for `latency`; beyond that it queues them (first come, first served) or refuses
    /// them with `429` (and the client retries after `backoff`, holding its place, as the
    /// client's retry loop does). The walk sends its first request alone, as a paged walk does.
    #[derive(Clone, Copy, Debug)]
    struct Console {
        capacity: usize,
        refuses: bool,
        latency: f64,
        backoff: f64,
    }

    /// What a model walk did.
    #[derive(Debug)]
    struct Walked {
        /// Elapsed virtual time over the floor (requests × latency / min(capacity, max)).
        ratio: f64,
        refused: usize,
        most_in_flight: usize,
        final_limit: usize,
    }

    fn walk(console: Console, requests: usize, vegas: &mut Vegas, max: usize) -> Walked {
        struct Request {
            taken: f64,
            in_flight: usize,
            throttles: usize,
        }
        let epoch = Instant::now();
        let at = |t: f64| epoch + Duration::from_secs_f64(t);
        let mut now = 0.0f64;
        // (time, request, is a retry) of what happens next; few enough for a sorted Vec.
        let mut events: Vec<(f64, usize, bool)> = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        let mut serving = 0usize;
        let mut taken: Vec<Request> = Vec::new();
        let (mut in_use, mut most, mut done, mut refused, mut throttles) = (0, 0, 0, 0, 0);
        let send = |id: usize,
                    now: f64,
                    serving: &mut usize,
                    queue: &mut std::collections::VecDeque<usize>,
                    events: &mut Vec<(f64, usize, bool)>|
         -> bool {
            if *serving < console.capacity {
                *serving += 1;
                events.push((now + console.latency, id, false));
                true
            } else if console.refuses {
                events.push((now + console.backoff, id, true));
                false
            } else {
                queue.push_back(id);
                true
            }
        };
        while done < requests {
            let allowed = if done == 0 { 1 } else { vegas.limit() };
            while in_use < allowed && taken.len() < requests {
                in_use += 1;
                most = most.max(in_use);
                let id = taken.len();
                taken.push(Request {
                    taken: now,
                    in_flight: in_use,
                    throttles,
                });
                if !send(id, now, &mut serving, &mut queue, &mut events) {
                    refused += 1;
                    throttles += 1;
                    vegas.throttled(in_use);
                }
            }
            events.sort_by(|a, b| b.0.total_cmp(&a.0));
            let (time, id, retry) = events.pop().expect("something is under way");
            now = time;
            if retry {
                if !send(id, now, &mut serving, &mut queue, &mut events) {
                    refused += 1;
                    throttles += 1;
                    vegas.throttled(in_use);
                }
                continue;
            }
            serving -= 1;
            if let Some(next) = queue.pop_front() {
                serving += 1;
                events.push((now + console.latency, next, false));
            }
            in_use -= 1;
            done += 1;
            let request = &taken[id];
            if request.throttles == throttles {
                vegas.answered(Sample {
                    kind: "Page",
                    rtt: Duration::from_secs_f64(now - request.taken),
                    in_flight: request.in_flight,
                    at: at(now),
                });
            }
        }
        let floor = requests as f64 * console.latency / console.capacity.min(max) as f64;
        Walked {
            ratio: now / floor,
            refused,
            most_in_flight: most,
            final_limit: vegas.limit(),
        }
    }

    fn console(capacity: usize, refuses: bool) -> Console {
        Console {
            capacity,
            refuses,
            latency: 0.1,
            backoff: 0.15,
        }
    }

    /// The figures the benchmark aims at (within 1.5× the floor, no storm of 429s, never past
    /// the maximum), in the model, where nothing but the rule decides them.
    #[test]
    fn in_the_model_every_console_is_walked_near_its_floor_without_a_storm_of_429s() {
        for refuses in [false, true] {
            for capacity in [1, 2, 4, 16, 64] {
                let mut vegas = Vegas::new(4, 16);
                let walked = walk(console(capacity, refuses), 200, &mut vegas, 16);
                let case = format!("capacity {capacity}, refuses {refuses}: {walked:?}");
                assert!(walked.ratio < 1.5, "{case}");
                assert!(walked.most_in_flight <= 16, "{case}");
                assert!(walked.refused <= 200 / 10, "{case}");
                if !refuses || capacity >= 16 {
                    assert_eq!(walked.refused, 0, "{case}");
                }
                if capacity >= 16 {
                    assert_eq!(walked.final_limit, 16, "{case}");
                }
            }
        }
    }

    #[test]
    fn in_the_model_the_limit_falls_on_a_console_that_queues_and_stays_above_its_capacity() {
        for capacity in [1, 2, 4] {
            let mut vegas = Vegas::new(16, 16);
            let walked = walk(console(capacity, false), 200, &mut vegas, 16);
            let case = format!("capacity {capacity}: {walked:?}");
            assert!(walked.final_limit < 16, "{case}");
            assert!(walked.final_limit > capacity, "{case}");
            assert!(
                walked.ratio < 1.1,
                "{case}: a queueing console is kept busy"
            );
        }
    }

    #[test]
    fn in_the_model_a_refusing_console_is_probed_rarely() {
        let mut vegas = Vegas::new(4, 16);
        let walked = walk(console(3, true), 1000, &mut vegas, 16);
        assert_eq!(walked.final_limit, 3, "{walked:?}");
        // One probe every 32 round trips of 3: about 1000 / 96 refusals, plus the first.
        assert!(walked.refused <= 15, "{walked:?}");
    }
}
