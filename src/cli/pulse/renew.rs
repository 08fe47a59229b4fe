//! `pulse licenses renew`: the bulk renewal that joins Pulse to the servers. Every Pulse
//! license about to expire is extended, then every server running one of them is made to
//! fetch its license again (`Update*License`), so that ALK carries the new expiry there.
//!
//! Both steps stream through [`bulk::run`] and report a row per license and per server as
//! each completes. A second run with the same `--until` changes nothing: a license already
//! extended to that date, and a server already running it until then, are reported as
//! `unchanged`.
//!
//! `--dry-run` reads the same two listings and reports the same rows, with `would change`
//! and `would fail` for `changed` and `failed`, sending no write at all: a license is taken
//! to reach `until`, and a server to follow while its auto-update is on (ALK never reaches it
//! otherwise). It exits 0 even where it foresees a failure; the rows say which and why.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use uuid::Uuid;

use super::super::args::{period_delta, Global, ProductChoice};
use super::super::license::confirmed;
use super::super::licenses::every_license;
use super::super::output::progress;
use super::super::{bulk, Failure, Outcome};
use crate::types::PulseLicense;
use crate::{Client, License, ListQuery, Patch, MAX_PAGE_SIZE};

const COLUMNS: [&str; 4] = ["pulse license", "target", "outcome", "detail"];

/// What happened to one Pulse license or one server running it.
#[derive(Debug, Serialize)]
struct Step {
    pulse_license: Uuid,
    /// `pulse` for the license itself, `<product> <server uid>` for a server.
    target: String,
    outcome: &'static str,
    detail: String,
}

impl bulk::Row for Step {
    fn outcome(&self) -> &str {
        self.outcome
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.pulse_license.to_string(),
            self.target.clone(),
            self.outcome.to_owned(),
            self.detail.clone(),
        ]
    }
}

pub(crate) async fn renew(
    global: &Global,
    client: &Client,
    within: Duration,
    until: DateTime<Utc>,
    yes: bool,
    dry_run: bool,
) -> Outcome {
    let horizon = Utc::now() + period_delta(within);
    if until <= horizon {
        return Err(Failure::Exit(
            2,
            format!(
                "--until {} would leave the licenses expiring within the period: give a later date",
                day(until)
            ),
        ));
    }
    confirmed(
        yes || dry_run,
        &format!(
            "Extend every Pulse license expiring before {} to {} and update the servers running them?",
            day(horizon),
            day(until)
        ),
        "nothing was renewed",
    )?;
    let bar = progress(if dry_run {
        "reading what a renewal would change"
    } else {
        "renewing Pulse licenses"
    });
    let mut report = bulk::Report::new(global.output, bar.clone(), &COLUMNS, "step(s)");
    if dry_run {
        report = report.dry_run();
    }
    let limit = client.in_flight_limit();

    // Pulse licenses in scope: about to expire, or already extended to `until` by an earlier
    // run (whose servers may still need their update).
    let candidates = client
        .pulse()
        .licenses(ListQuery::new().page_size(MAX_PAGE_SIZE))
        .filter(move |license| {
            std::future::ready(match license {
                Ok(l) => l
                    .expiration_date
                    .is_some_and(|e| e <= horizon || same_day(e, until)),
                Err(_) => true,
            })
        });
    // The Pulse licenseId a server's license carries, to the Pulse license and its expiry.
    let mut renewed: HashMap<String, (Uuid, DateTime<Utc>)> = HashMap::new();
    let end = bulk::run(
        candidates,
        |l| l.instance_uid,
        &limit,
        |license| extend(client.clone(), license, until, dry_run),
        |(step, done)| {
            if let Some((license_id, uid, expiry)) = done {
                renewed.insert(license_id, (uid, expiry));
            }
            report.add(step);
        },
    )
    .await;
    if let Some(error) = end.walk_error {
        bar.finish_and_clear();
        return report.finish(
            Some(error),
            "the Pulse listing stopped early: licenses after that point were not renewed, no server was updated",
        );
    }

    // The servers running a renewed license, found as the walk of their licenses yields them.
    let running =
        every_license(client, ProductChoice::All, ListQuery::new()).filter_map(move |license| {
            std::future::ready(match license {
                Ok(l) => l.uid().map(|_| Ok(l)),
                Err(e) => Some(Err(e)),
            })
        });
    let renewed = &renewed;
    let end = bulk::run(
        running,
        |l| (l.product(), l.uid()),
        &limit,
        |license| follow(client.clone(), license, renewed, dry_run),
        |step| {
            if let Some(step) = step {
                report.add(step);
            }
        },
    )
    .await;
    bar.finish_and_clear();
    super::super::licenses::log_in_flight(&limit);
    if renewed.is_empty() {
        super::super::terminal_text::eprint_line(&format!(
            "no Pulse license expires before {}",
            day(horizon)
        ));
    }
    report.finish(
        end.walk_error,
        "the server listing stopped early: servers after that point were not updated",
    )
}

/// Extends one Pulse license to `until` (unless an earlier run did); with it, what a server
/// running it must show afterwards. A dry run takes the extension as done.
async fn extend(
    client: Client,
    mut license: PulseLicense,
    until: DateTime<Utc>,
    dry_run: bool,
) -> (Step, Option<(String, Uuid, DateTime<Utc>)>) {
    let uid = license.instance_uid;
    let step = |outcome, detail: String| Step {
        pulse_license: uid,
        target: "pulse".into(),
        outcome,
        detail,
    };
    // An unassigned license is on no server, and a revoked one is unassigned: updating a
    // server still carrying a revoked license would only make its copy invalid, which is not
    // what a renewal is asked for.
    let carried = |l: &PulseLicense| {
        if super::word(&l.assign_status) == "NotAssigned" {
            return None;
        }
        let id = l.license_id.unwrap_or(l.instance_uid).to_string();
        l.expiration_date.map(|e| (id, uid, e))
    };
    if license.expiration_date.is_some_and(|e| same_day(e, until)) {
        let done = carried(&license);
        return (step("unchanged", format!("expires {}", day(until))), done);
    }
    let was = license.expiration_date.map_or_else(|| "-".into(), day);
    if dry_run {
        license.expiration_date = Some(until);
        let done = carried(&license);
        let detail = format!("{was} -> {}{}", day(until), unassigned_note(&done));
        return (step("would change", detail), done);
    }
    match client
        .pulse()
        .change(uid, Patch::pulse_expiration(until))
        .await
    {
        Ok(changed) if changed.expiration_date.is_some_and(|e| same_day(e, until)) => {
            let done = carried(&changed);
            let detail = format!("{was} -> {}{}", day(until), unassigned_note(&done));
            (step("changed", detail), done)
        }
        Ok(changed) => (
            step(
                "failed",
                format!(
                    "Pulse kept the expiry {}",
                    changed.expiration_date.map_or_else(|| "-".into(), day)
                ),
            ),
            None,
        ),
        Err(e) => (step("failed", e.to_string()), None),
    }
}

/// Makes a server running a renewed Pulse license fetch it again; `None` for a server that
/// runs none of them. A dry run foresees the update from the server's auto-update switch.
async fn follow(
    client: Client,
    license: License,
    renewed: &HashMap<String, (Uuid, DateTime<Utc>)>,
    dry_run: bool,
) -> Option<Step> {
    let (pulse_license, expiry) = *carried_ids(&license)
        .iter()
        .find_map(|id| renewed.get(id))?;
    let product = license.product();
    let server = license.uid()?;
    let step = |outcome, detail: String| Step {
        pulse_license,
        target: format!("{product} {server}"),
        outcome,
        detail,
    };
    if license
        .expiration_date()
        .is_some_and(|e| same_day(e, expiry))
    {
        return Some(step("unchanged", format!("runs it until {}", day(expiry))));
    }
    if dry_run {
        let still = license.expiration_date().map_or_else(|| "-".into(), day);
        return Some(if license.auto_update_enabled() == Some(false) {
            step("would fail", auto_update_off(product, server, &still))
        } else {
            step(
                "would change",
                format!("would run it until {}", day(expiry)),
            )
        });
    }
    Some(match client.renew_license(product, Some(server)).await {
        Ok(updated)
            if updated
                .expiration_date()
                .is_some_and(|e| same_day(e, expiry)) =>
        {
            step("changed", format!("runs it until {}", day(expiry)))
        }
        Ok(updated) => {
            let still = updated.expiration_date().map_or_else(|| "-".into(), day);
            let why = if updated.auto_update_enabled() == Some(false) {
                auto_update_off(product, server, &still)
            } else {
                format!("the server still runs it until {still}")
            };
            step("failed", why)
        }
        Err(e) => step("failed", e.to_string()),
    })
}

/// Why a server with auto-update off cannot follow, and the command that lets it.
fn auto_update_off(product: crate::Product, server: Uuid, still: &str) -> String {
    format!(
        "auto-update is off, the server keeps {still}: vspc-licensing auto-update enable --product {} {server}, then run again",
        product.short_name()
    )
}

/// What a license row adds when no server carries the license (unassigned or revoked), so
/// that no server row follows it.
fn unassigned_note<T>(carried: &Option<T>) -> &'static str {
    if carried.is_some() {
        ""
    } else {
        "; not assigned (or revoked): no server is updated"
    }
}

/// The license ids a server's license carries, as text. Read from the API's own form because
/// each product's schema names them differently (`licenseIds`, `licenseId`).
fn carried_ids(license: &License) -> Vec<String> {
    let Ok(value) = serde_json::to_value(license) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = value
        .get("licenseIds")
        .and_then(serde_json::Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(id) = value.get("licenseId").and_then(serde_json::Value::as_str) {
        ids.push(id.to_owned());
    }
    ids
}

/// Expiry dates compare by day: that is the precision licenses are issued with.
fn same_day(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    a.date_naive() == b.date_naive()
}

fn day(date: DateTime<Utc>) -> String {
    date.format("%Y-%m-%d").to_string()
}
