//! Load with random faults: 64 tasks share one client and one simulator that injects seeded
//! random faults into a tenth of all requests. Each task owns four backup servers and toggles
//! their auto-update switch, and reads its own and everyone's licenses in between.
//!
//! Checked: every call ends in a value or a typed error (no panic, no hang: the whole run has a
//! deadline); reads always see the owner's last applied value; and no update is lost or doubled:
//! per server, the simulator's `changes_applied` equals the number of calls that the server
//! applied, and the final `autoUpdateEnabled` is the last value applied.
//!
//! A call can fail after the server applied it: a dropped answer whose retry then gets a
//! `520 logical` or a malformed body reports an error although the first attempt's change stands.
//! So after an error the owner reads the server back (it is the only writer) to learn whether
//! its change was applied; the accounting counts those as applied.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::{Dispatch, Event, Metadata, Subscriber};
use uuid::Uuid;
use vspc_licensing::simulator::{
    FaultKind, RandomFaults, Simulator, SimulatorConfig, DEFAULT_API_KEY,
};
use vspc_licensing::ListQuery;
use vspc_licensing::{Client, Error, Product, RetryPolicy};

const TASKS: usize = 64;
const SERVERS_PER_TASK: usize = 4;
const CALLS_PER_TASK: usize = 36;
const FAULT_PROBABILITY: f64 = 0.1;
const DEADLINE: Duration = Duration::from_secs(90);

/// Counts the attempts and retries the client's hooks log.
#[derive(Default)]
struct Counters {
    attempts: AtomicU64,
    retries: AtomicU64,
}

struct CountingSubscriber(Arc<Counters>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for CountingSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("vspc_licensing")
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        match message.0.as_str() {
            "answer" | "no answer" => {
                self.0.attempts.fetch_add(1, Ordering::Relaxed);
            }
            "retrying" => {
                self.0.retries.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// What the tasks saw, summed.
#[derive(Default)]
struct Tally {
    calls: u64,
    successes: u64,
    errors: BTreeMap<String, u64>,
    /// The first error of each kind, for the summary.
    examples: BTreeMap<String, String>,
    applied_despite_error: u64,
}

impl Tally {
    fn error(&mut self, error: &Error) {
        let kind = match error {
            Error::Api { status, errors, .. } => format!(
                "Api {} {}",
                status.as_u16(),
                errors
                    .first()
                    .map(|e| e.type_.to_string())
                    .unwrap_or_default()
            ),
            Error::Decode { .. } => "Decode".into(),
            Error::Transport { .. } => "Transport".into(),
            other => panic!("an error the faults cannot cause: {other:?}"),
        };
        self.examples
            .entry(kind.clone())
            .or_insert_with(|| error.to_string());
        *self.errors.entry(kind).or_default() += 1;
    }
}

/// One task's servers: the last value it knows applied, and how many of its calls applied.
struct Owned {
    uid: Uuid,
    value: bool,
    applied: u64,
}

/// Reads a server's switch, retrying the read itself until it gets an answer (reads change
/// nothing, so repeating them is harmless).
async fn read_back(client: &Client, uid: Uuid, tally: &mut Tally) -> bool {
    for _ in 0..20 {
        tally.calls += 1;
        match client.license(Product::BackupServer, Some(uid)).await {
            Ok(license) => {
                tally.successes += 1;
                return license
                    .auto_update_enabled()
                    .expect("backup servers have the switch");
            }
            Err(error) => tally.error(&error),
        }
    }
    panic!("20 reads of {uid} in a row failed");
}

async fn task(client: Client, mut owned: Vec<Owned>, index: usize) -> (Tally, Vec<Owned>) {
    let mut tally = Tally::default();
    for call in 0..CALLS_PER_TASK {
        let slot = (call + index) % owned.len();
        match call % 4 {
            // Reads: one's own server must show the value last applied.
            0 => {
                tally.calls += 1;
                match client
                    .license(Product::BackupServer, Some(owned[slot].uid))
                    .await
                {
                    Ok(license) => {
                        tally.successes += 1;
                        assert_eq!(license.auto_update_enabled(), Some(owned[slot].value));
                    }
                    Err(error) => tally.error(&error),
                }
            }
            1 if index.is_multiple_of(4) => {
                tally.calls += 1;
                let listed = client
                    .backup_server_licenses(ListQuery::new().page_size(100))
                    .try_collect::<Vec<_>>()
                    .await;
                match listed {
                    Ok(all) => {
                        tally.successes += 1;
                        for mine in &owned {
                            let seen = all
                                .iter()
                                .find(|l| l.backup_server_uid == Some(mine.uid))
                                .expect("every server is listed");
                            assert_eq!(seen.auto_update_enabled, mine.value);
                        }
                    }
                    Err(error) => tally.error(&error),
                }
            }
            // Writes (and the list slot of the tasks that do not list): flip the switch.
            _ => {
                let server = &mut owned[slot];
                let target = !server.value;
                tally.calls += 1;
                match client
                    .set_auto_update(Product::BackupServer, server.uid, target)
                    .await
                {
                    Ok(after) => {
                        tally.successes += 1;
                        assert_eq!(after.auto_update_enabled(), Some(target));
                        server.value = target;
                        server.applied += 1;
                    }
                    Err(error) => {
                        tally.error(&error);
                        if read_back(&client, server.uid, &mut tally).await == target {
                            tally.applied_despite_error += 1;
                            server.value = target;
                            server.applied += 1;
                        }
                    }
                }
            }
        }
    }
    (tally, owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_with_random_faults_lose_and_double_nothing() {
    let counters = Arc::new(Counters::default());
    // Scoped to this test's tasks (not the process's global default): the other tests of the
    // binary run in the same process and neither see this subscriber nor add to its counts.
    let counting = Dispatch::new(CountingSubscriber(Arc::clone(&counters)));
    let started = Instant::now();
    let sim = Simulator::start(
        SimulatorConfig::default()
            .backup_servers(TASKS * SERVERS_PER_TASK)
            .random_faults(RandomFaults {
                probability: FAULT_PROBABILITY,
                seed: 20_261_122,
                kinds: vec![
                    FaultKind::DropBeforeApply,
                    FaultKind::DropAfterApply,
                    FaultKind::RetryableError,
                    FaultKind::LogicalError,
                    FaultKind::TooManyRequests {
                        retry_after_secs: 0,
                    },
                    FaultKind::ServiceUnavailable,
                    // Shorter than the client's timeout: an attempt abandoned by the client
                    // could apply after the owner read the server back, which this test cannot
                    // account for (the fault matrix covers slow answers).
                    FaultKind::Delay(Duration::from_millis(20)),
                    FaultKind::TruncatedBody,
                    FaultKind::MalformedJson,
                ],
            }),
    )
    .await
    .unwrap();
    let client = Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .timeout(Duration::from_secs(10))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(40))
                .deadline(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    let state = sim.state().clone();
    let uids = state.backup_server_uids();
    assert_eq!(uids.len(), TASKS * SERVERS_PER_TASK);

    let handles: Vec<_> = uids
        .chunks(SERVERS_PER_TASK)
        .enumerate()
        .map(|(index, chunk)| {
            let owned = chunk
                .iter()
                .map(|uid| Owned {
                    uid: *uid,
                    value: state
                        .backup_server_license(*uid)
                        .unwrap()
                        .auto_update_enabled,
                    applied: 0,
                })
                .collect();
            tokio::spawn(task(client.clone(), owned, index).with_subscriber(counting.clone()))
        })
        .collect();
    let finished = Arc::new(Mutex::new(Vec::new()));
    let joined = {
        let finished = Arc::clone(&finished);
        tokio::time::timeout(DEADLINE, async move {
            for handle in handles {
                let outcome = handle.await.expect("a task panicked");
                finished.lock().unwrap().push(outcome);
            }
        })
        .await
    };
    assert!(
        joined.is_ok(),
        "hung: only {} of {TASKS} tasks finished within {DEADLINE:?}",
        finished.lock().unwrap().len()
    );
    let elapsed = started.elapsed();

    let mut total = Tally::default();
    let mut lost_or_doubled = Vec::new();
    for (tally, owned) in finished.lock().unwrap().drain(..) {
        total.calls += tally.calls;
        total.successes += tally.successes;
        total.applied_despite_error += tally.applied_despite_error;
        for (kind, count) in tally.errors {
            *total.errors.entry(kind).or_default() += count;
        }
        for (kind, example) in tally.examples {
            total.examples.entry(kind).or_insert(example);
        }
        for server in owned {
            let applied = state.changes_applied(&format!("backupServers/{}", server.uid));
            let value = state
                .backup_server_license(server.uid)
                .unwrap()
                .auto_update_enabled;
            if applied != server.applied || value != server.value {
                lost_or_doubled.push(format!(
                    "{}: applied {applied} times, the owner counted {}; value {value}, expected {}",
                    server.uid, server.applied, server.value
                ));
            }
        }
    }
    let requests = counters.attempts.load(Ordering::Relaxed);
    let retries = counters.retries.load(Ordering::Relaxed);
    println!(
        "{TASKS} tasks, {} calls ({} ok, {} failed) in {elapsed:?}; {requests} HTTP attempts, {retries} retries; {} changes applied, {} of them by calls that reported an error",
        total.calls,
        total.successes,
        total.calls - total.successes,
        state.total_changes_applied(),
        total.applied_despite_error
    );
    for (kind, count) in &total.errors {
        println!("  error {kind}: {count}, e.g. {}", total.examples[kind]);
    }
    sim.shutdown().await;

    assert!(
        lost_or_doubled.is_empty(),
        "lost or doubled updates:\n{}",
        lost_or_doubled.join("\n")
    );
    assert_eq!(
        total.calls,
        total.successes + total.errors.values().sum::<u64>()
    );
    // The faults were really there and really retried.
    assert!(retries > 100, "only {retries} retries");
    assert!(requests > 2_000, "only {requests} requests");
}
