//! `auto-update status | enable | disable`: the ALK audit and bulk switch.

use futures::{stream, Stream, StreamExt};
use serde::Serialize;
use uuid::Uuid;

use super::args::{
    ApiGeneration, AutoUpdateCommand, Format, Global, InFlightChoice, ProductChoice, SwitchArgs,
};
use super::licenses::every_license;
use super::output::{license_row, listing_progress, progress, LICENSE_COLUMNS};
use super::writer::ListWriter;
use super::{bulk, Failure, Outcome};
use crate::ListQuery;
use crate::{AdaptiveLimit, Client, Error, Product};

pub(crate) async fn run(global: &Global, command: AutoUpdateCommand) -> Outcome {
    match command {
        AutoUpdateCommand::Status { product, within } => status(global, product, within).await,
        AutoUpdateCommand::Enable(args) => switch(global, args, true).await,
        AutoUpdateCommand::Disable(args) => switch(global, args, false).await,
    }
}

/// The audit: licenses with auto-update off are written as they are read; the rest are only
/// counted.
async fn status(global: &Global, product: ProductChoice, within: std::time::Duration) -> Outcome {
    let client = global.client()?;
    let now = chrono::Utc::now();
    let within = super::args::period_delta(within);
    let mut list = ListWriter::stdout(global.output, &LICENSE_COLUMNS);
    let bar = listing_progress("reading licenses");
    let (mut read, mut off, mut stuck) = (0u64, 0u64, 0u64);
    let mut licenses = std::pin::pin!(every_license(&client, product, ListQuery::new()));
    while let Some(license) = licenses.next().await {
        let license = license?;
        read += 1;
        bar.inc(1);
        match license.auto_update_enabled() {
            Some(false) => {
                off += 1;
                list.item(&license, |l| vec![license_row(l)])?;
            }
            // Auto-update is on but the license still runs out soon: the server most likely
            // cannot reach the Veeam license update servers.
            Some(true) if license.expires_within(now, within) => stuck += 1,
            _ => {}
        }
    }
    bar.finish_and_clear();
    list.finish()?;
    if product.products().contains(&Product::Console) {
        let settings = client.console_license_settings().await?;
        if !settings.is_auto_update_enabled {
            note(
                "note: the console's own license does not update automatically (console settings)",
            );
        }
    }
    if stuck > 0 {
        note(&format!(
            "warning: {stuck} license(s) have auto-update on but expire within {} days; check that those servers reach the license update servers: vspc-licensing alk check",
            within.num_days()
        ));
    }
    if global.output == Format::Table {
        note(&format!("{off} of {read} licenses have auto-update off"));
    }
    Ok(())
}

/// A line for the person at the terminal; a closed standard error is not worth failing for.
fn note(text: &str) {
    super::terminal_text::eprint_line(text);
}

/// The columns of the per-server report.
const SERVER_COLUMNS: [&str; 4] = ["product", "server uid", "outcome", "detail"];

/// What happened to one server.
#[derive(Debug, Serialize)]
struct Change {
    product: Product,
    uid: Uuid,
    outcome: &'static str,
    detail: String,
}

impl bulk::Row for Change {
    fn outcome(&self) -> &str {
        self.outcome
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.product.to_string(),
            self.uid.to_string(),
            self.outcome.to_owned(),
            self.detail.clone(),
        ]
    }
}

/// One server to switch, with its current state when the walk told it.
struct Target {
    product: Product,
    uid: Uuid,
    current: Option<bool>,
}

async fn switch(global: &Global, args: SwitchArgs, enable: bool) -> Outcome {
    if args.api == ApiGeneration::V2 {
        return switch_v2(global, &args, enable).await;
    }
    let in_flight = match args.concurrency {
        Some(requests) => InFlightChoice::Fixed(requests.into()),
        None => global.in_flight,
    };
    let client = global.client_in_flight(in_flight)?;
    let targets = targets(&client, &args)?;
    let bar = progress(if enable {
        "enabling auto-update"
    } else {
        "disabling auto-update"
    });
    let mut report = bulk::Report::new(global.output, bar.clone(), &SERVER_COLUMNS, "server(s)");
    // The walk's pages and the changes take their places from the same pool, so that together
    // they stay within what the console takes.
    let limit = client.in_flight_limit();
    let end = bulk::run(
        targets,
        |t| (t.product, t.uid),
        &limit,
        |target| apply(client.clone(), limit.clone(), target, enable),
        |change| report.add(change),
    )
    .await;
    bar.finish_and_clear();
    super::licenses::log_in_flight(&limit);
    if end.duplicates > 0 {
        note(&format!(
            "note: {} server(s) came up more than once (named twice, or moved in the listing during the walk); each was changed once",
            end.duplicates
        ));
    }
    report.finish(
        end.walk_error,
        "the listing stopped early: servers after that point were not switched",
    )
}

/// Switches one server; a named server (no state from a walk) is read first, to report what
/// was already set.
async fn apply(client: Client, limit: AdaptiveLimit, target: Target, enable: bool) -> Change {
    let Target {
        product,
        uid,
        current,
    } = target;
    let change = |outcome, detail: String| Change {
        product,
        uid,
        outcome,
        detail,
    };
    let current = match current {
        Some(state) => Ok(Some(state)),
        None => {
            let _place = limit.acquire_for(READ_ONE).await;
            client
                .license(product, Some(uid))
                .await
                .map(|l| l.auto_update_enabled())
        }
    };
    match current {
        Err(e) => change("failed", e.to_string()),
        Ok(Some(state)) if state == enable => change("unchanged", "already set".into()),
        Ok(_) => match switched(&client, &limit, product, uid, enable).await {
            Ok(license) if license.auto_update_enabled() == Some(enable) => {
                change("changed", String::new())
            }
            Ok(_) => change("failed", "the server did not apply the change".into()),
            Err(e) => change("failed", e.to_string()),
        },
    }
}

/// The kinds of request a bulk change sends, each with its own latency (see
/// [`AdaptiveLimit::acquire_for`]).
const READ_ONE: &str = "read one license";
const SWITCH: &str = "switch auto-update";

/// Switches one server's auto-update, holding a place of `limit` for the request.
async fn switched(
    client: &Client,
    limit: &AdaptiveLimit,
    product: Product,
    uid: Uuid,
    enable: bool,
) -> Result<crate::License, Error> {
    let _place = limit.acquire_for(SWITCH).await;
    client.set_auto_update(product, uid, enable).await
}

/// The servers to switch: every license of the chosen products as the walk yields it, or the
/// named servers.
fn targets(
    client: &Client,
    args: &SwitchArgs,
) -> Result<impl Stream<Item = Result<Target, Error>> + use<>, Failure> {
    let choice = args.product.unwrap_or(ProductChoice::All);
    if args.all {
        let walk = every_license(client, choice, ListQuery::new()).filter_map(|license| {
            std::future::ready(match license {
                Ok(l) if l.product().has_auto_update_switch() => l.uid().map(|uid| {
                    Ok(Target {
                        product: l.product(),
                        uid,
                        current: l.auto_update_enabled(),
                    })
                }),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
        });
        return Ok(walk.left_stream());
    }
    if args.uids.is_empty() {
        return Err(Failure::Exit(
            2,
            "name the servers (--product P UID...) or pass --all".into(),
        ));
    }
    let product = args
        .product
        .ok_or_else(|| Failure::Exit(2, "--product is required with UIDs".into()))?
        .single()?;
    if !product.has_auto_update_switch() {
        return Err(Failure::Exit(
            2,
            format!(
                "{} licenses have no auto-update switch",
                product.display_name()
            ),
        ));
    }
    let named: Vec<_> = args
        .uids
        .iter()
        .map(|uid| {
            Ok(Target {
                product,
                uid: *uid,
                current: None,
            })
        })
        .collect();
    Ok(stream::iter(named).right_stream())
}

/// The former Veeam Availability Console API v2 (port 1281): Cloud Connect licenses only, one
/// PATCH per license, the server's message reported as it is.
async fn switch_v2(global: &Global, args: &SwitchArgs, enable: bool) -> Outcome {
    if args.all || args.uids.is_empty() {
        return Err(Failure::Exit(
            2,
            "--api v2 switches named Cloud Connect licenses: pass their UIDs (no --all)".into(),
        ));
    }
    if args
        .product
        .is_some_and(|p| p != ProductChoice::One(Product::Site))
    {
        return Err(Failure::Exit(
            2,
            "--api v2 covers Cloud Connect licenses only (--product site)".into(),
        ));
    }
    // Flags, environment and profile, as for every other command.
    let settings = super::profile::Settings::resolve(global)?;
    let url = settings.url.as_deref().ok_or_else(|| {
        Failure::Exit(
            2,
            "no VAC address: pass --url (e.g. https://vac:1281) or choose a profile with a url"
                .into(),
        )
    })?;
    let token = settings.api_key.as_deref().ok_or_else(|| {
        Failure::Exit(
            2,
            "--api v2 needs a bearer token: pass --api-key or choose a profile with an api_key_env"
                .into(),
        )
    })?;
    global.warn_about_transport(url);
    let mut http = reqwest::Client::builder().timeout(global.timeout);
    if let Some(path) = &settings.ca_cert {
        let roots = crate::read_pem_certificates(path).map_err(|e| match e {
            crate::Error::Config(message) => Failure::Exit(2, message),
            other => Failure::Error(other),
        })?;
        http = http.tls_certs_merge(roots);
    }
    if global.insecure {
        http = http.tls_danger_accept_invalid_certs(true);
    }
    let legacy = crate::legacy::LegacyClient::new(url, token, http)
        .map_err(|e| Failure::Exit(2, e.to_string()))?;
    let mut report = bulk::Report::new(
        global.output,
        indicatif::ProgressBar::hidden(),
        &SERVER_COLUMNS,
        "server(s)",
    );
    for uid in &args.uids {
        let change = match legacy.set_cloud_connect_auto_update(*uid, enable).await {
            Ok(message) => Change {
                product: Product::Site,
                uid: *uid,
                outcome: "changed",
                detail: message,
            },
            Err(e) => Change {
                product: Product::Site,
                uid: *uid,
                outcome: "failed",
                detail: e.to_string(),
            },
        };
        report.add(change);
    }
    report.finish(None, "")
}
