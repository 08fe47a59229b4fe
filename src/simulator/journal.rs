//! The request journal: one record per request the simulator answered, so a test can assert
//! what automation did ("one PATCH per server, each request id used once").
//!
//! Records are kept in memory (read them with
//! [`SimulatorHandle::journal`](super::SimulatorHandle::journal)) and, when a file is
//! configured, appended to it as JSON lines as they happen. The journal wraps the request
//! handler; what only the handler knows (a replay, an applied change, a fault) it notes in a
//! task-local slot for the request being answered.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::dispatch::{dispatch, AbortConnection, App};
use super::faults::FaultKind;
use super::routes::route;

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
struct Notes {
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

/// The records of a running simulator, and the file they go to.
pub(crate) struct Journal {
    entries: Mutex<Vec<JournalEntry>>,
    file: Option<Mutex<File>>,
}

impl Journal {
    /// A journal in memory, appending to `file` too when given (the file is created if absent).
    pub(crate) fn open(file: Option<&Path>) -> io::Result<Journal> {
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
            entries: Mutex::new(Vec::new()),
            file,
        })
    }

    fn record(&self, entry: JournalEntry) {
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
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }

    /// Every record so far, in the order the answers were sent.
    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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

/// The request handler with the journal around it (used only when a journal is on, so a
/// simulator without one pays nothing).
pub(crate) async fn journaled(
    AxumState(app): AxumState<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let time: DateTime<Utc> = Utc::now();
    let operation_id = route(&method, uri.path()).ok().map(|op| op.operation_id());
    let request_id = headers
        .get("x-request-id")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let (method_name, path, query) = (
        method.as_str().to_owned(),
        uri.path().to_owned(),
        decoded_query(&uri),
    );
    let journal = app.journal.clone();
    let (response, notes) = NOTES
        .scope(RefCell::new(Notes::default()), async move {
            let response = dispatch(AxumState(app), method, uri, headers, body).await;
            (response, NOTES.with(|n| n.borrow().clone()))
        })
        .await;
    if let Some(journal) = journal {
        let dropped = response.extensions().get::<AbortConnection>().is_some();
        journal.record(JournalEntry {
            time: time.to_rfc3339_opts(SecondsFormat::Millis, true),
            method: method_name,
            path,
            query,
            request_id,
            status: (!dropped).then(|| response.status().as_u16()),
            operation_id,
            applied: notes.applied,
            replayed: notes.replayed,
            fault: notes.fault,
        });
    }
    response
}
