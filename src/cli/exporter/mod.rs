//! `vspc-licensing exporter`: licensing as Prometheus metrics.
//!
//! Each console is read in the background every `--refresh` ([`console`], [`reading`]) and
//! each good read is encoded then, in both formats ([`metrics`], [`cache`]); a scrape is
//! answered with those encodings in the format the scraper asks for ([`negotiation`]), plus
//! the few status lines encoded for it, streamed ([`http`]). Ten scrapers never mean ten walks
//! of a console nor ten encodings of it, and a console that fails keeps its last values with
//! `vspc_up 0`.

mod cache;
mod console;
mod gzip;
mod http;
mod labels;
mod metrics;
mod negotiation;
mod reading;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::args::{parse_duration, Global};
use super::{Failure, Outcome};
use console::WatchedConsole;

/// `exporter`'s options.
#[derive(Debug, Args)]
pub(crate) struct ExporterArgs {
    /// Address to serve /metrics on; 127.0.0.1:0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9876")]
    pub(crate) listen: SocketAddr,
    /// How often each console is read, e.g. 5m; scrapes are answered from the last read
    #[arg(long, value_parser = parse_refresh, default_value = "5m")]
    pub(crate) refresh: Duration,
    /// Watch every profile of the configuration file, each under its own `console` label
    #[arg(long)]
    pub(crate) all_profiles: bool,
}

/// A refresh of at least a second: anything faster is a mistake that would hammer a console.
fn parse_refresh(text: &str) -> Result<Duration, String> {
    let every = parse_duration(text)?;
    if every < Duration::from_secs(1) {
        return Err(format!("{text:?} is too short a refresh; 1s at least"));
    }
    Ok(every)
}

/// Serves the metrics until Ctrl-C or SIGTERM; prints its address first on standard output.
pub(crate) async fn run(global: &Global, args: ExporterArgs) -> Outcome {
    let consoles = super::consoles::resolve(global, args.all_profiles)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::Exit(1, format!("cannot listen on {}: {e}", args.listen)))?;
    let address = listener
        .local_addr()
        .map_err(|e| Failure::Exit(1, format!("cannot listen on {}: {e}", args.listen)))?;
    let mut watched = Vec::new();
    let mut refreshers = tokio::task::JoinSet::new();
    for console in consoles {
        let watching = Arc::new(WatchedConsole::new(&console.name));
        refreshers.spawn(Arc::clone(&watching).keep_fresh(console.client, args.refresh));
        watched.push(watching);
    }
    let names: Vec<&str> = watched.iter().map(|c| &*c.name).collect();
    println!("http://{address}/metrics");
    eprintln!(
        "serving the licensing metrics of {} (read every {:?}) on http://{address}/metrics",
        names.join(", "),
        args.refresh
    );
    axum::serve(listener, http::router(watched))
        .with_graceful_shutdown(stopped())
        .await
        .map_err(|e| Failure::Exit(1, format!("the exporter stopped: {e}")))?;
    refreshers.abort_all();
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM (what systemd sends) where there is one.
async fn stopped() {
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
