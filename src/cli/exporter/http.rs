//! The exporter's HTTP side: `/metrics` in the format the scraper asks for, streamed from the
//! encoding of the last reads ([`super::cache`]), and `/`, a short page that links to it.

use std::convert::Infallible;

use futures::StreamExt;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::cache::answer;
use super::console::WatchedConsole;
use super::gzip::gzip;
use super::negotiation::{accepts_gzip, Exposition};

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
    let statuses = consoles
        .iter()
        .map(|console| (Arc::clone(&console.name), console.status()))
        .collect();
    let pieces = answer(format, statuses);
    let content_type = (CONTENT_TYPE, format.content_type());
    let vary = (VARY, "Accept, Accept-Encoding");
    if accepts_gzip(headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok())) {
        // The cache's own bytes, as they are.
        let chunks = gzip(&pieces);
        return (
            [content_type, (CONTENT_ENCODING, "gzip"), vary],
            Body::from_stream(futures::stream::iter(
                chunks.into_iter().map(Ok::<Bytes, Infallible>),
            )),
        )
            .into_response();
    }
    // Inflated a piece at a time as the connection takes them; a piece that does not inflate
    // ends the answer with an error (the scraper sees a broken body, never a short exposition).
    let text = futures::stream::iter(pieces).map(|piece| {
        piece.inflate().map_err(|error| {
            tracing::error!("{error}");
            std::io::Error::other(error)
        })
    });
    ([content_type, vary], Body::from_stream(text)).into_response()
}

async fn index(State(consoles): State<Arc<Vec<Arc<WatchedConsole>>>>) -> Html<String> {
    let rows: String = consoles
        .iter()
        .map(|console| {
            let status = console.status();
            let state = match (status.up, status.encoded.is_some()) {
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
