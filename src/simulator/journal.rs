//! The request journal: one record per request the simulator answered, so a test can assert
//! what automation did ("one PATCH per server, each request id used once").
//!
//! Records are kept in memory, the latest
//! [`SimulatorConfig::journal_memory_limit`](super::SimulatorConfig::journal_memory_limit) of
//! them (read them with [`SimulatorHandle::journal`](super::SimulatorHandle::journal)), and,
//! when a file is configured, every one is appended to it as JSON lines as it happens. The journaled handler
//! (`dispatch::journaled`) wraps the request handler; what only the handler knows (a replay, an applied change, a fault) it notes in a
//! task-local slot for the request being answered.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, Uri};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::faults::FaultKind;

/// One request as the simulator saw and answered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When the request arrived (UTC, RFC 3339 with milliseconds).
    pub time: String,
    /// The HTTP method.
    pub method: String,
    /// The path as sent, e.g. `/api/v3/licensing/backupServers/{uid}`.
    pub path: String,
    /// The query string, percent-decoded (`limit=100&offset=0`), if there was one.
    pub query: Option<String>,
    /// The `X-Request-id` header as sent, if there was one.
    pub request_id: Option<String>,
    /// The status sent; `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
    /// The spec's operationId of the route, if the path is one the spec has.
    pub operation_id: Option<String>,
    /// Whether this request changed the simulator's data (a write that ran and succeeded).
    /// A write answered `202` applies later, in its async action, and is not counted here.
    pub applied: bool,
    /// Whether the answer was the stored answer to an earlier request with the same
    /// `X-Request-id` (nothing was applied again).
    pub replayed: bool,
    /// The scripted or random fault that fired on this request, if any (e.g. `dropAfterApply`).
    pub fault: Option<String>,
}

/// What the handler noted about the request being answered.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notes {
    applied: bool,
    replayed: bool,
    fault: Option<String>,
}

tokio::task_local! {
    static NOTES: RefCell<Notes>;
}

fn note(f: impl FnOnce(&mut Notes)) {
    // Outside a journaled request (an async action's background task) there is nothing to note.
    let _ = NOTES.try_with(|notes| f(&mut notes.borrow_mut()));
}

/// The request being answered applied a change.
pub(crate) fn note_applied() {
    note(|n| n.applied = true);
}

/// The request being answered was answered from the replay store.
pub(crate) fn note_replayed() {
    note(|n| n.replayed = true);
}

/// A fault fired on the request being answered; named as in scenario files (`dropAfterApply`).
pub(crate) fn note_fault(kind: &FaultKind) {
    // From the variant's name, so that a new kind needs no entry here.
    let debug = format!("{kind:?}");
    let variant: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut name = variant[..1.min(variant.len())].to_ascii_lowercase();
    name.push_str(variant.get(1..).unwrap_or_default());
    note(|n| n.fault = Some(name));
}

/// The records of a running simulator, and the file they go to. Memory keeps the latest
/// `memory_limit` records; the file gets every one.
pub(crate) struct Journal {
    entries: Mutex<VecDeque<JournalEntry>>,
    memory_limit: usize,
    file: Option<Mutex<File>>,
}

impl Journal {
    /// A journal in memory (the latest `memory_limit` records, at least one), appending to
    /// `file` too when given (the file is created if absent).
    pub(crate) fn open(file: Option<&Path>, memory_limit: usize) -> io::Result<Journal> {
        let file = match file {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )),
            None => None,
        };
        Ok(Journal {
            entries: Mutex::new(VecDeque::new()),
            memory_limit: memory_limit.max(1),
            file,
        })
    }

    /// Keeps the record, and appends it to the file when there is one.
    pub(crate) fn record(&self, entry: JournalEntry) {
        if let Some(file) = &self.file {
            if let Ok(mut line) = serde_json::to_vec(&entry) {
                line.push(b'\n');
                let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
                // One write per line: with O_APPEND, lines of concurrent requests do not mix.
                if let Err(error) = file.write_all(&line) {
                    tracing::warn!("cannot append to the request journal: {error}");
                }
            }
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.memory_limit {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The records kept in memory (the latest ones), in the order the answers were sent.
    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

fn decoded_query(uri: &Uri) -> Option<String> {
    uri.query().map(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| {
                if v.is_empty() {
                    k.into_owned()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// A request as it arrived, before it was answered.
pub(crate) struct Arrival {
    time: DateTime<Utc>,
    method: String,
    path: String,
    query: Option<String>,
    request_id: Option<String>,
    operation_id: Option<String>,
}

impl Arrival {
    /// The request now; `operation_id` is the spec's operation its route names, if any.
    pub(crate) fn now(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        operation_id: Option<String>,
    ) -> Arrival {
        Arrival {
            time: Utc::now(),
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query: decoded_query(uri),
            request_id: headers
                .get("x-request-id")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            operation_id,
        }
    }

    /// Its record, once answered with `status` (`None`: the connection was dropped).
    pub(crate) fn answered(self, status: Option<u16>, notes: Notes) -> JournalEntry {
        JournalEntry {
            time: self.time.to_rfc3339_opts(SecondsFormat::Millis, true),
            method: self.method,
            path: self.path,
            query: self.query,
            request_id: self.request_id,
            status,
            operation_id: self.operation_id,
            applied: notes.applied,
            replayed: notes.replayed,
            fault: notes.fault,
        }
    }
}

/// Runs `answer` with a fresh slot for the notes the handler takes while answering.
pub(crate) async fn noting<T>(answer: impl std::future::Future<Output = T>) -> (T, Notes) {
    NOTES
        .scope(RefCell::new(Notes::default()), async move {
            let answered = answer.await;
            (answered, NOTES.with(|n| n.borrow().clone()))
        })
        .await
}
