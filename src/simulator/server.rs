//! Serving connections. The simulator drives hyper itself (rather than `axum::serve`) so that a
//! fault can close a connection without any response: when the router marks a response with
//! [`AbortConnection`], the service returns an error and hyper drops the connection.

use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::app::AbortConnection;

#[derive(Debug)]
struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Aborted {}

/// Resolves once the stop flag is set (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Accepts connections until `stop` turns true.
pub(crate) async fn serve(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                let mut stop = stop.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = router.oneshot(request.map(axum::body::Body::new)).await.unwrap_or_else(|never| match never {});
                            if response.extensions().get::<AbortConnection>().is_some() {
                                Err(Aborted)
                            } else {
                                Ok(response)
                            }
                        }
                    });
                    let connection = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    let mut connection = std::pin::pin!(connection);
                    tokio::select! {
                        _ = connection.as_mut() => {}
                        _ = stopped(&mut stop) => {
                            connection.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), connection).await;
                        }
                    }
                });
                // Reap finished connections so the set does not grow with every client.
                while connections.try_join_next().is_some() {}
            }
            _ = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Keeps the router type in one place.
pub(crate) fn router(app: Arc<super::app::App>) -> Router {
    let router = if app.journal.is_some() {
        Router::new().fallback(super::dispatch::journaled)
    } else {
        Router::new().fallback(super::dispatch::dispatch)
    };
    router.with_state(app)
}
