//! Reading a walk's waves of requests from the simulator's journal (issue 29): how many page
//! requests were sent together, before any of them could have been answered.

use std::time::Duration;

use vspc_licensing::simulator::{JournalEntry, SimulatorHandle};

/// Waits until the journal holds every request the simulator counted, and returns it. A
/// request enters the journal when it is answered, and a walk does not read the pages it asked
/// for past the end, so it (or the tool) can be done before those are answered.
pub async fn settled_journal(sim: &SimulatorHandle) -> Vec<JournalEntry> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let journal = sim.journal().expect("the journal is on");
        if journal.len() as u64 >= sim.load().requests {
            return journal;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "requests never answered: {:?}",
            sim.load()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many requests to `path`, from the `skip`th on, arrived before the
/// first of them could have been answered, at a console that takes `latency` for each (less a
/// margin for the machine): the walk's first wave. Anything an answer set off comes later.
pub async fn first_wave(
    sim: &SimulatorHandle,
    path: &str,
    skip: usize,
    latency: Duration,
) -> usize {
    let arrived: Vec<chrono::DateTime<chrono::FixedOffset>> = settled_journal(sim)
        .await
        .into_iter()
        .filter(|entry| entry.path == path)
        .skip(skip)
        .map(|entry| chrono::DateTime::parse_from_rfc3339(&entry.time).unwrap())
        .collect();
    let first = *arrived.iter().min().expect("pages were asked for");
    let window = chrono::TimeDelta::from_std(latency.saturating_sub(Duration::from_millis(20)))
        .expect("a short latency");
    arrived.iter().filter(|at| **at - first < window).count()
}

/// The requests to `path` the simulator answered, once all are answered.
pub async fn requests_to(sim: &SimulatorHandle, path: &str) -> usize {
    settled_journal(sim)
        .await
        .iter()
        .filter(|entry| entry.path == path)
        .count()
}
