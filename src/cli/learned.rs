//! What each console taught the last run (issue 29), kept in the cache directory so that the
//! next run need not learn it again: the limit of requests in flight the run ended with (the
//! next starts there instead of climbing from four) and how many resources each listing held
//! (the next walk of it asks for that many pages at once, within the limit, instead of four
//! and then the rest). Only a hint: absent, corrupt or unwritable, it is ignored (a `-v` line
//! says so), and the console's answers decide as ever.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};

use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};

/// The file's name in the cache directory: a map from console address to [`Console`].
const FILE: &str = "in-flight.json";

/// The most listings kept for one console: the commands' own listings are a handful per
/// product, and a filter that changes every run must not grow the file without end.
const LISTINGS_KEPT: usize = 64;

/// What one console taught.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct Console {
    /// The limit of requests in flight the last adaptive run ended with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_flight: Option<usize>,
    /// The resources each listing held at its last complete walk, by [`listing_key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    listings: BTreeMap<String, u64>,
}

/// This run's console and what it learned, set only when the limit adapts and only for the
/// first console a run builds a client for (`--in-flight N` must neither read nor write the
/// file). A command that reads several consoles (`check --all-profiles`) learns of the first;
/// the others' walks are told nothing and teach nothing.
struct Run {
    key: String,
    /// The pool of the client built for this console ([`attach`]): walks on any other
    /// client are not this console's.
    pool: OnceLock<crate::AdaptiveLimit>,
    kept: Console,
    /// The listings walked to their end in this run.
    walked: Mutex<BTreeMap<String, u64>>,
}

static RUN: OnceLock<Run> = OnceLock::new();

/// `VSPC_CACHE_DIR`, else the platform's cache directory for the tool.
fn path() -> Option<PathBuf> {
    let dir = match std::env::var_os("VSPC_CACHE_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => directories::ProjectDirs::from("", "", "vspc-licensing")?
            .cache_dir()
            .to_path_buf(),
    };
    Some(dir.join(FILE))
}

/// The address as a key: without credentials (the cache is no place for them) and without a
/// trailing slash, so that the same console is one entry.
fn key(url: &str) -> String {
    // `without_credentials` masks them (`https://***@host`); the key drops even the mask, so
    // that it is the same console with or without them.
    crate::client::config::without_credentials(url)
        .replacen("://***@", "://", 1)
        .trim_end_matches('/')
        .to_owned()
}

fn read() -> Result<BTreeMap<String, Console>, String> {
    let path = path().ok_or("no cache directory")?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Where this run's adaptive limit starts for the console at `url`, if a run learned it; from
/// now on, what this run learns is kept for it at the end ([`remember`]).
pub(crate) fn start(url: &str) -> Option<usize> {
    let key = key(url);
    let kept = match read() {
        Ok(mut consoles) => consoles.remove(&key).unwrap_or_default(),
        Err(e) => {
            tracing::info!(error = %e, "what earlier runs learned of the console is ignored");
            Console::default()
        }
    };
    let limit = kept.in_flight.filter(|limit| *limit >= 1);
    if let Some(limit) = limit {
        tracing::info!(
            limit,
            "starts at the limit of requests in flight learned last time"
        );
    }
    let _ = RUN.set(Run {
        key,
        pool: OnceLock::new(),
        kept,
        walked: Mutex::new(BTreeMap::new()),
    });
    limit
}

/// Ties the client built for `url` to what [`start`] read for it: only that client's walks
/// expect the sizes kept, and only its limit is kept at the end.
pub(crate) fn attach(url: &str, client: &crate::Client) {
    if let Some(run) = RUN.get().filter(|run| run.key == key(url)) {
        let _ = run.pool.set(client.in_flight_limit());
    }
}

/// The run's state if `pool` is the pool of the client [`attach`] tied to it.
fn run_of(pool: &crate::AdaptiveLimit) -> Option<&'static Run> {
    RUN.get()
        .filter(|run| run.pool.get().is_some_and(|own| own.is_same_pool(pool)))
}

/// The key of a listing: the collection (`what`, such as a product's name) and what the query
/// asks of it.
fn listing_key(what: &str, query: &crate::ListQuery) -> String {
    match query.listing_key() {
        asked if asked.is_empty() => what.to_owned(),
        asked => format!("{what}?{asked}"),
    }
}

/// `query` for a walk of the listing `what` on `client`, with the total its last complete
/// walk found against this console (if one did, and the limit adapts); `walk` then streams
/// it, and the number of resources is kept when the stream ends without an error. The total
/// counts what the walk yielded, so only walks from the first resource count.
pub(crate) fn walk<T, S>(
    client: &crate::Client,
    what: &str,
    query: crate::ListQuery,
    walk: impl FnOnce(crate::ListQuery) -> S,
) -> impl Stream<Item = Result<T, crate::Error>> + Send + 'static
where
    T: Send + 'static,
    S: Stream<Item = Result<T, crate::Error>> + Send + 'static,
{
    let Some(run) = run_of(&client.in_flight_limit()).filter(|_| query.offset == 0) else {
        return walk(query).left_stream();
    };
    let key = listing_key(what, &query);
    let query = match run.kept.listings.get(&key) {
        Some(total) => {
            tracing::debug!(listing = %key, total, "expects the total of the last walk");
            query.expected_total(*total)
        }
        None => query,
    };
    // Counted as the stream passes, kept when it ends: the count is the listing's size
    // unless an error cut the walk short. (Shared, as the two closures each own a handle.)
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (counted, ended) = (seen.clone(), failed.clone());
    walk(query)
        .inspect(move |item| match item {
            Ok(_) => {
                counted.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => failed.store(true, Ordering::Relaxed),
        })
        .chain(futures::stream::poll_fn(move |_| {
            if !ended.swap(true, Ordering::Relaxed) {
                if let Ok(mut walked) = run.walked.lock() {
                    walked.insert(key.clone(), seen.load(Ordering::Relaxed));
                }
            }
            std::task::Poll::Ready(None)
        }))
        .right_stream()
}

/// Keeps the limit `limit` ended with and the listings walked, for the console [`start`] was
/// asked about (nothing when it was not: a fixed number in flight). Written to a temporary
/// file renamed over the old one, so that a run cut off, or two at once, never leave half a
/// file.
pub(crate) fn remember(limit: &crate::AdaptiveLimit) {
    let Some(run) = run_of(limit) else { return };
    if !limit.is_adaptive() {
        return;
    }
    let walked = run.walked.lock().map(|w| w.clone()).unwrap_or_default();
    if let Err(e) = write(run, limit.limit(), walked) {
        tracing::info!(error = %e, "what this run learned of the console is not kept");
    }
}

fn write(run: &Run, limit: usize, walked: BTreeMap<String, u64>) -> Result<(), String> {
    let path = path().ok_or("no cache directory")?;
    // A corrupt file is replaced rather than kept forever; another run's consoles stay.
    let mut consoles = read().unwrap_or_default();
    let console = consoles.entry(run.key.clone()).or_default();
    console.in_flight = Some(limit);
    let walked_now: Vec<String> = walked.keys().cloned().collect();
    for (listing, total) in walked {
        console.listings.insert(listing, total);
    }
    // Bounded: past the most kept, the listings this run did not walk go, the longest keys
    // (the most specific filters) first.
    while console.listings.len() > LISTINGS_KEPT {
        let Some(longest) = console
            .listings
            .keys()
            .filter(|key| !walked_now.contains(*key))
            .max_by_key(|key| key.len())
            .cloned()
        else {
            break;
        };
        console.listings.remove(&longest);
    }
    let dir = path.parent().ok_or("no cache directory")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = serde_json::to_string_pretty(&consoles).map_err(|e| e.to_string())?;
    let temporary = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text).map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, &path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("{}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_is_kept_under_its_address_without_credentials_or_a_trailing_slash() {
        assert_eq!(
            key("https://automation:secret@vspc.example.com:1280/"),
            "https://vspc.example.com:1280"
        );
        assert_eq!(
            key("https://vspc.example.com:1280"),
            "https://vspc.example.com:1280"
        );
    }

    #[test]
    fn a_listing_is_its_collection_and_what_the_query_asks_not_its_paging() {
        let plain = crate::ListQuery::new()
            .page_size(500)
            .offset(0)
            .pages_in_flight(3);
        assert_eq!(listing_key("vbr", &plain), "vbr");
        let sorted = crate::ListQuery::new().sort(crate::Sort::ascending("expirationDate"));
        let keyed = listing_key("vbr", &sorted);
        assert!(keyed.starts_with("vbr?sort="), "{keyed}");
        assert!(keyed.contains("expirationDate"), "{keyed}");
        assert_ne!(keyed, listing_key("vone", &sorted));
    }
}
