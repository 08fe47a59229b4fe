//! `auto-update status | enable | disable`: the ALK audit and bulk switch.

use futures::{stream, StreamExt};
use serde::Serialize;
use uuid::Uuid;

use super::args::{ApiGeneration, AutoUpdateCommand, Global, ProductChoice, SwitchArgs};
use super::licenses::collect;
use super::output::{license_row, print, progress, LICENSE_COLUMNS};
use super::{Failure, Outcome};
use crate::{Client, Product};

pub(crate) async fn run(global: &Global, command: AutoUpdateCommand) -> Outcome {
    match command {
        AutoUpdateCommand::Status { product, within } => status(global, product, within).await,
        AutoUpdateCommand::Enable(args) => switch(global, args, true).await,
        AutoUpdateCommand::Disable(args) => switch(global, args, false).await,
    }
}

async fn status(global: &Global, product: ProductChoice, within: std::time::Duration) -> Outcome {
    let client = global.client()?;
    let licenses = collect(&client, product).await?;
    let off: Vec<_> = licenses
        .iter()
        .filter(|l| l.auto_update_enabled() == Some(false))
        .cloned()
        .collect();
    let rows: Vec<Vec<String>> = off.iter().map(license_row).collect();
    print(global.output, &LICENSE_COLUMNS, &rows, &off)?;
    if product.products().contains(&Product::Console) {
        let settings = client.console_license_settings().await?;
        if !settings.is_auto_update_enabled {
            eprintln!(
                "note: the console's own license does not update automatically (console settings)"
            );
        }
    }
    // Auto-update is on but the license still runs out soon: the server most likely cannot
    // reach the Veeam license update servers.
    let now = chrono::Utc::now();
    let within = chrono::Duration::from_std(within).unwrap_or(chrono::Duration::days(30));
    let stuck = licenses
        .iter()
        .filter(|l| l.auto_update_enabled() == Some(true) && l.expires_within(now, within))
        .count();
    if stuck > 0 {
        eprintln!(
            "warning: {stuck} license(s) have auto-update on but expire within {} days; check that those servers reach the license update servers: vspc-licensing alk check",
            within.num_days()
        );
    }
    if global.output == super::args::Format::Table {
        eprintln!(
            "{} of {} licenses have auto-update off",
            off.len(),
            licenses.len()
        );
    }
    Ok(())
}

/// What happened to one server.
#[derive(Debug, Serialize)]
struct Change {
    product: Product,
    uid: Uuid,
    outcome: &'static str,
    detail: String,
}

async fn switch(global: &Global, args: SwitchArgs, enable: bool) -> Outcome {
    if args.api == ApiGeneration::V2 {
        return switch_v2(global, &args, enable).await;
    }
    let client = global.client()?;
    let targets = targets(&client, &args).await?;
    let bar = progress(if enable {
        "enabling auto-update"
    } else {
        "disabling auto-update"
    });
    let changes: Vec<Change> = stream::iter(targets)
        .map(|(product, uid, current)| {
            let client = client.clone();
            let bar = bar.clone();
            async move {
                // Named servers: read the current state first, to report what was already set.
                let current = match current {
                    Some(state) => Ok(Some(state)),
                    None => client
                        .license(product, Some(uid))
                        .await
                        .map(|l| l.auto_update_enabled()),
                };
                let change = match current {
                    Err(e) => Change {
                        product,
                        uid,
                        outcome: "failed",
                        detail: e.to_string(),
                    },
                    Ok(current) => match current {
                        Some(state) if state == enable => Change {
                            product,
                            uid,
                            outcome: "unchanged",
                            detail: "already set".into(),
                        },
                        _ => match client.set_auto_update(product, uid, enable).await {
                            Ok(license) if license.auto_update_enabled() == Some(enable) => {
                                Change {
                                    product,
                                    uid,
                                    outcome: "changed",
                                    detail: String::new(),
                                }
                            }
                            Ok(_) => Change {
                                product,
                                uid,
                                outcome: "failed",
                                detail: "the server did not apply the change".into(),
                            },
                            Err(e) => Change {
                                product,
                                uid,
                                outcome: "failed",
                                detail: e.to_string(),
                            },
                        },
                    },
                };
                bar.inc(1);
                change
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    bar.finish_and_clear();
    let mut changes = changes;
    changes.sort_by_key(|c| (c.product, c.uid));
    report(global, &changes)
}

/// Prints what happened to each server; any failure makes the exit code 1.
fn report(global: &Global, changes: &[Change]) -> Outcome {
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            vec![
                c.product.to_string(),
                c.uid.to_string(),
                c.outcome.to_owned(),
                c.detail.clone(),
            ]
        })
        .collect();
    print(
        global.output,
        &["product", "server uid", "outcome", "detail"],
        &rows,
        changes,
    )?;
    let count = |outcome: &str| changes.iter().filter(|c| c.outcome == outcome).count();
    eprintln!(
        "{} changed, {} already set, {} failed",
        count("changed"),
        count("unchanged"),
        count("failed")
    );
    match count("failed") {
        0 => Ok(()),
        n => Err(Failure::Exit(
            1,
            format!("{n} server(s) could not be changed"),
        )),
    }
}

/// The servers to switch, with their current state where known.
async fn targets(
    client: &Client,
    args: &SwitchArgs,
) -> Result<Vec<(Product, Uuid, Option<bool>)>, Failure> {
    let choice = args.product.unwrap_or(ProductChoice::All);
    if args.all {
        let licenses = collect(client, choice).await?;
        return Ok(licenses
            .iter()
            .filter(|l| l.product().has_auto_update_switch())
            .filter_map(|l| Some((l.product(), l.uid()?, l.auto_update_enabled())))
            .collect());
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
    Ok(args.uids.iter().map(|uid| (product, *uid, None)).collect())
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
    if args.product.is_some_and(|p| p != ProductChoice::Site) {
        return Err(Failure::Exit(
            2,
            "--api v2 covers Cloud Connect licenses only (--product site)".into(),
        ));
    }
    let url = global.url.as_deref().ok_or_else(|| {
        Failure::Exit(
            2,
            "no VAC address: pass --url (e.g. https://vac:1281)".into(),
        )
    })?;
    let token = global
        .api_keys
        .last()
        .ok_or_else(|| Failure::Exit(2, "--api v2 needs a bearer token: pass --api-key".into()))?;
    let mut http = reqwest::Client::builder().timeout(global.timeout);
    if let Some(path) = &global.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| Failure::Exit(2, format!("{}: {e}", path.display())))?;
        let certificate = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| Failure::Exit(2, format!("{}: {e}", path.display())))?;
        http = http.tls_certs_merge([certificate]);
    }
    if global.insecure {
        eprintln!("warning: --insecure: the server's TLS certificate is not checked; credentials can be intercepted");
        http = http.tls_danger_accept_invalid_certs(true);
    }
    let legacy = crate::legacy::LegacyClient::new(url, token, http)
        .map_err(|e| Failure::Exit(2, e.to_string()))?;
    let mut changes = Vec::new();
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
        changes.push(change);
    }
    report(global, &changes)
}
