//! The limit of requests in flight each console taught the last run (issue 29): kept in the
//! cache directory, so that the next run starts where this one ended instead of climbing from
//! four again. Only a hint: absent, corrupt or unwritable, it is ignored (a `-v` line says so).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The file's name in the cache directory: a map from console address to limit.
const FILE: &str = "in-flight.json";

/// The console this run learns about, set only when the limit adapts: a process runs one
/// command against one console, and `--in-flight N` must neither read nor write the file.
static CONSOLE: OnceLock<String> = OnceLock::new();

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
    crate::client::config::without_credentials(url)
        .trim_end_matches('/')
        .to_owned()
}

fn read() -> Result<BTreeMap<String, usize>, String> {
    let path = path().ok_or("no cache directory")?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Where this run's adaptive limit starts for the console at `url`, if a run learned it; from
/// now on, this run's limit is remembered for it at the end ([`remember`]).
pub(crate) fn start(url: &str) -> Option<usize> {
    let key = key(url);
    let _ = CONSOLE.set(key.clone());
    match read() {
        Ok(limits) => {
            let limit = limits.get(&key).copied().filter(|limit| *limit >= 1);
            if let Some(limit) = limit {
                tracing::info!(
                    limit,
                    "starts at the limit of requests in flight learned last time"
                );
            }
            limit
        }
        Err(e) => {
            tracing::info!(error = %e, "the learned limits of requests in flight are ignored");
            None
        }
    }
}

/// Keeps `limit` for the console [`start`] was asked about (nothing when it was not: a fixed
/// number in flight). Written to a temporary file renamed over the old one, so that a run cut
/// off, or two at once, never leave half a file.
pub(crate) fn remember(limit: &crate::AdaptiveLimit) {
    let Some(key) = CONSOLE.get() else { return };
    if !limit.is_adaptive() {
        return;
    }
    if let Err(e) = write(key, limit.limit()) {
        tracing::info!(error = %e, "the learned limit of requests in flight is not kept");
    }
}

fn write(key: &str, limit: usize) -> Result<(), String> {
    let path = path().ok_or("no cache directory")?;
    // A corrupt file is replaced rather than kept forever.
    let mut limits = read().unwrap_or_default();
    limits.insert(key.to_owned(), limit);
    let dir = path.parent().ok_or("no cache directory")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = serde_json::to_string_pretty(&limits).map_err(|e| e.to_string())?;
    let temporary = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text).map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, &path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("{}: {e}", path.display())
    })
}
