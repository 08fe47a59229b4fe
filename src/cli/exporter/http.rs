//! The exporter's HTTP side: `/metrics` in the format the scraper asks for, streamed as it is
//! encoded, and `/`, a short page that links to it.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::mpsc;

use super::console::WatchedConsole;
use super::metrics::Snapshot;
use super::negotiation::Exposition;

/// Bytes the encoder hands the connection at a time: a 100,000-license answer is tens of
/// megabytes, and holding it whole would cost that much memory per scrape.
const CHUNK_BYTES: usize = 64 * 1024;

/// The router over the watched consoles.
pub(crate) fn router(consoles: Vec<Arc<WatchedConsole>>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/", get(index))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "not found; the metrics are at /metrics\n",
            )
        })
        .with_state(Arc::new(consoles))
}

async fn metrics(
    State(consoles): State<Arc<Vec<Arc<WatchedConsole>>>>,
    headers: HeaderMap,
) -> Response {
    let format = Exposition::from_accept(headers.get(ACCEPT).and_then(|v| v.to_str().ok()));
    let snapshot = Snapshot::take(&consoles);
    let (chunks, received) = mpsc::channel::<Bytes>(4);
    // Encoding is CPU work (a second or so for millions of series): off the async workers.
    tokio::task::spawn_blocking(move || {
        let registry = snapshot.into_registry();
        let mut out = ChunkWriter {
            buffer: String::with_capacity(CHUNK_BYTES * 2),
            chunks,
        };
        let encoded = match format {
            Exposition::Text => {
                prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)
            }
            Exposition::OpenMetrics => {
                prometheus_client::encoding::text::encode(&mut out, &registry)
            }
        };
        // An error means the scraper went away; there is no one left to tell.
        if encoded.is_ok() {
            let _ = out.flush();
        }
    });
    let body = futures::stream::unfold(received, |mut received| async move {
        received
            .recv()
            .await
            .map(|chunk| (Ok::<_, Infallible>(chunk), received))
    });
    (
        [(CONTENT_TYPE, format.content_type())],
        Body::from_stream(body),
    )
        .into_response()
}

/// Collects the encoder's output and passes it on in chunks of [`CHUNK_BYTES`]; a scraper
/// that hangs up stops the encoding (the send fails, so the write does).
struct ChunkWriter {
    buffer: String,
    chunks: mpsc::Sender<Bytes>,
}

impl ChunkWriter {
    fn flush(&mut self) -> fmt::Result {
        let chunk = std::mem::replace(&mut self.buffer, String::with_capacity(CHUNK_BYTES * 2));
        self.chunks
            .blocking_send(Bytes::from(chunk))
            .map_err(|_| fmt::Error)
    }
}

impl fmt::Write for ChunkWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.buffer.push_str(s);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(())
    }
}

async fn index(State(consoles): State<Arc<Vec<Arc<WatchedConsole>>>>) -> Html<String> {
    let rows: String = consoles
        .iter()
        .map(|console| {
            let status = console.status();
            let state = match (status.up, status.reading.is_some()) {
                (true, _) => "up",
                (false, true) => "down (serving its last good read)",
                (false, false) => "not read yet",
            };
            format!("<li>{}: {state}</li>", escape_html(&console.name))
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>vspc-licensing exporter</title></head>\
         <body><h1>vspc-licensing exporter</h1><p><a href=\"/metrics\">Metrics</a></p>\
         <p>Consoles:</p><ul>{rows}</ul></body></html>\n"
    ))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
