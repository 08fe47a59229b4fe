//! One watched console: its last good reading and how its reads have gone, refreshed on the
//! exporter's own schedule, never by a scrape.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::cache::EncodedReading;
use super::reading::{read, ListingSizes, Reading};
use crate::Client;

/// How the reads of one console have gone, as the metrics show it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConsoleStatus {
    /// The last good reading, encoded: kept when a later read fails.
    pub(crate) encoded: Option<Arc<EncodedReading>>,
    /// Whether the last read succeeded (false until the first one has).
    pub(crate) up: bool,
    /// How long the last finished read took, successful or not.
    pub(crate) read_duration: Option<Duration>,
    /// When the last good read finished, Unix seconds.
    pub(crate) last_success: Option<f64>,
    /// Failed reads since the exporter started.
    pub(crate) read_errors: u64,
}

/// A console under its `console` label, with its status behind a lock that is held only to
/// copy or replace it (a scrape copies an `Arc`, never waits for a read or its encoding).
#[derive(Debug)]
pub(crate) struct WatchedConsole {
    pub(crate) name: Arc<str>,
    status: Mutex<ConsoleStatus>,
}

impl WatchedConsole {
    pub(crate) fn new(name: &str) -> WatchedConsole {
        WatchedConsole {
            name: name.into(),
            status: Mutex::default(),
        }
    }

    /// A copy of the status as it is now.
    pub(crate) fn status(&self) -> ConsoleStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record(&self, outcome: Result<EncodedReading, String>, took: Duration) {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        status.read_duration = Some(took);
        match outcome {
            Ok(encoded) => {
                status.encoded = Some(Arc::new(encoded));
                status.up = true;
                status.last_success = Some(unix_now());
            }
            Err(error) => {
                status.up = false;
                status.read_errors += 1;
                tracing::warn!(console = %self.name, "reading the console failed: {error}");
            }
        }
    }

    /// Reads the console now and then every `every`, measured from the start of one read to
    /// the start of the next; a read that takes longer delays the next one rather than
    /// overlapping it. Each good read is encoded before it replaces the last one, so scrapes
    /// go on being answered from the last encoding meanwhile. Runs until the task is dropped.
    pub(crate) async fn keep_fresh(self: Arc<Self>, client: Client, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sizes = ListingSizes::default();
        loop {
            ticks.tick().await;
            let started = Instant::now();
            let outcome = read(&client, &mut sizes).await;
            let took = started.elapsed();
            let outcome = match outcome {
                Ok(reading) => self.encode(reading, took).await,
                Err(error) => Err(error.to_string()),
            };
            self.record(outcome, took);
        }
    }

    /// Encodes a good read on a blocking thread (CPU work, a second or so for 100,000
    /// licenses), the reading itself dropped afterwards: the encoding is what scrapes need.
    async fn encode(&self, reading: Reading, took: Duration) -> Result<EncodedReading, String> {
        let name = Arc::clone(&self.name);
        let started = Instant::now();
        let encoded = tokio::task::spawn_blocking(move || EncodedReading::of(&name, reading))
            .await
            .map_err(|e| format!("encoding the metrics stopped: {e}"))?
            .map_err(|e| e.to_string())?;
        tracing::info!(
            console = %self.name,
            licenses = encoded.licenses,
            cache_bytes = encoded.held_bytes(),
            text_bytes = encoded.text_bytes(),
            "console read in {took:.1?}, encoded in {:.1?}",
            started.elapsed()
        );
        Ok(encoded)
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}
