//! `demo`: a narrated tour of the crate against the embedded simulator.

use futures::TryStreamExt;

use super::args::{DemoArgs, Global};
use super::output::{license_row, table, LICENSE_COLUMNS};
use super::{Failure, Outcome};
use crate::simulator::{Simulator, SimulatorConfig};
use crate::{Client, Filter, License, LicenseFile, ListQuery, Product, MAX_PAGE_SIZE};
use crate::{NewPulseLicense, Patch};

const DEMO_USER: &str = "demo-admin";
const DEMO_PASSWORD: &str = "demo-password";

/// A sample license the simulator accepts, shipped with the crate.
const SAMPLE_LICENSE: &[u8] = include_bytes!("../../spec/licenses/vbr-rental-1000.lic");

pub(crate) async fn run(_global: &Global, args: DemoArgs) -> Outcome {
    let config = SimulatorConfig::default()
        .seed(args.seed)
        .user(DEMO_USER, DEMO_PASSWORD);
    let simulator = Simulator::start(config)
        .await
        .map_err(|e| Failure::Exit(1, format!("cannot start the simulator: {e}")))?;
    let url = simulator.base_url();
    step(
        0,
        &format!(
            "Started the VSPC licensing simulator (seed {}) at {url}",
            args.seed
        ),
    );

    let client = Client::builder(&url)
        .credentials(DEMO_USER, DEMO_PASSWORD)
        .build()?;
    step(1, &format!("Signing in as {DEMO_USER} with a password (POST /token); the client renews the token itself"));

    let all = list_every_product(&client).await?;
    show_expiring(&all);
    enable_auto_update_where_off(&client, &all).await?;
    install_sample_license(&client, &all).await?;
    pulse_lifecycle(&client, &all).await?;
    show_latest_reports(&client).await?;
    show_usage_chart(&client).await?;
    finalize_reports(&client).await?;
    let still_off = audit_again(&client).await?;
    simulator.shutdown().await;
    println!("\nDone. Point the same commands at your VSPC with --url and --api-key; see `vspc-licensing --help`.");
    if still_off == 0 {
        Ok(())
    } else {
        Err(Failure::Exit(
            1,
            "the demo's audit still finds licenses with auto-update off".into(),
        ))
    }
}

/// Step 2: every product's licenses, walked page by page.
async fn list_every_product(client: &Client) -> Result<Vec<License>, Failure> {
    let mut all: Vec<License> = Vec::new();
    for product in Product::ALL {
        let licenses: Vec<License> = client
            .licenses(product, ListQuery::new().page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await?;
        println!(
            "   {:<32} {:>4} license(s)",
            product.display_name(),
            licenses.len()
        );
        all.extend(licenses);
    }
    step(
        2,
        &format!("Listed every product's licenses: {} in all", all.len()),
    );
    print_table(&all);
    Ok(all)
}

/// Step 3: the licenses that expire within 30 days, found on the client's side.
fn show_expiring(all: &[License]) {
    let now = chrono::Utc::now();
    let soon: Vec<License> = all
        .iter()
        .filter(|l| l.expires_within(now, chrono::Duration::days(30)))
        .cloned()
        .collect();
    step(
        3,
        &format!(
            "{} license(s) expire within 30 days (or have expired)",
            soon.len()
        ),
    );
    print_table(&soon);
}

/// The backup servers' licenses with auto-update off, asked of the server: a filter travels as
/// JSON in the query string.
async fn backup_servers_with_auto_update_off(client: &Client) -> Result<usize, Failure> {
    let off: Vec<_> = client
        .backup_server_licenses(ListQuery::new().filter(Filter::equals("autoUpdateEnabled", false)))
        .try_collect()
        .await?;
    Ok(off.len())
}

/// Steps 4 and 5: the ALK audit, then auto-update switched on wherever it is off.
async fn enable_auto_update_where_off(client: &Client, all: &[License]) -> Outcome {
    let off = backup_servers_with_auto_update_off(client).await?;
    let switch_off: Vec<License> = all
        .iter()
        .filter(|l| l.auto_update_enabled() == Some(false))
        .cloned()
        .collect();
    step(
        4,
        &format!(
            "{} license(s) have automatic updates (ALK) off; the server-side filter finds {off} backup server(s) among them",
            switch_off.len(),
        ),
    );
    print_table(&switch_off);

    for license in &switch_off {
        if let Some(uid) = license.uid() {
            let after = client.enable_auto_update(license.product(), uid).await?;
            println!(
                "   {} {uid}: auto-update {}",
                license.product(),
                if after.auto_update_enabled() == Some(true) {
                    "on"
                } else {
                    "still off!"
                }
            );
        }
    }
    step(
        5,
        &format!(
            "Enabled auto-update on {} license(s) with JSON Patch (one X-Request-id per change)",
            switch_off.len()
        ),
    );
    Ok(())
}

/// Step 6: the sample license file installed on the first backup server.
async fn install_sample_license(client: &Client, all: &[License]) -> Outcome {
    let target = all
        .iter()
        .find(|l| l.product() == Product::BackupServer)
        .and_then(License::uid);
    if let Some(uid) = target {
        let file = LicenseFile::from_bytes("vbr-rental-1000.lic", SAMPLE_LICENSE);
        let installed = client
            .install_license(Product::BackupServer, Some(uid), &file)
            .await?;
        step(
            6,
            &format!(
                "Installed a license file on backup server {uid} (multipart upload): now {} {}, expires {}",
                installed.edition().unwrap_or("-"),
                installed.license_type().unwrap_or_default(),
                installed.expiration_date().map_or_else(|| "never".into(), |d| d.format("%Y-%m-%d").to_string())
            ),
        );
    }
    Ok(())
}

/// Step 7: the VCSP Pulse lifecycle on the second backup server (auto-update is on since step
/// 5): a license issued in Pulse, installed, changed in Pulse and followed at the server's
/// update, then revoked.
async fn pulse_lifecycle(client: &Client, all: &[License]) -> Outcome {
    let Some(server) = all
        .iter()
        .filter(|l| l.product() == Product::BackupServer)
        .filter_map(License::uid)
        .nth(1)
    else {
        return Ok(());
    };
    let pulse = client.pulse();
    let expires = chrono::Utc::now() + chrono::Duration::days(180);
    let license = pulse
        .create(NewPulseLicense::new("VBR", "C-1001", expires).workload("VM", 50))
        .await?;
    pulse.install(license.instance_uid, server).await?;
    let units = |l: &License| l.units().1.unwrap_or_default();
    let installed = client.license(Product::BackupServer, Some(server)).await?;
    step(
        7,
        &format!(
            "VCSP Pulse: issued license {} (50 VMs), installed it on backup server {server}: now {} units, {}",
            license.instance_uid,
            units(&installed),
            installed.license_type().unwrap_or_default()
        ),
    );
    let more = Patch::pulse_workload_counts(&license, [("VM", 60)])?;
    pulse.change(license.instance_uid, more).await?;
    let followed = client
        .renew_license(Product::BackupServer, Some(server))
        .await?;
    println!(
        "   changed to 60 VMs in Pulse; the server's next license update (auto-update on) brings {} units",
        units(&followed)
    );
    pulse.revoke(license.instance_uid).await?;
    let revoked = client
        .renew_license(Product::BackupServer, Some(server))
        .await?;
    println!(
        "   revoked in Pulse; at its next update the server's copy is {}",
        revoked
            .status()
            .map_or_else(|| "-".into(), |s| s.to_string())
    );
    Ok(())
}

/// Step 8: the latest usage reports, and the head of one as CSV.
async fn show_latest_reports(client: &Client) -> Outcome {
    let reports: Vec<_> = client
        .latest_license_reports(ListQuery::new())
        .try_collect()
        .await?;
    step(
        8,
        &format!("Read the latest license usage reports: {}", reports.len()),
    );
    if let Some(id) = reports
        .iter()
        .find_map(|r| r.report_parameters.as_ref().map(|p| p.report_id))
    {
        let csv = client.download_license_report_csv(id).await?;
        let text = String::from_utf8_lossy(&csv);
        println!("   report {id} as CSV ({} bytes):", csv.len());
        for line in text.lines().take(4) {
            println!("   | {line}");
        }
    }
    Ok(())
}

/// Step 9: the month's reports finalized.
async fn finalize_reports(client: &Client) -> Outcome {
    let finalized = client.finalize_license_reports().await?;
    step(
        9,
        &format!(
            "Finalized the usage reports: {} ({})",
            finalized.report_approval_status, finalized.message
        ),
    );
    Ok(())
}

/// Step 10: the server-side audit once more; how many are still off.
async fn audit_again(client: &Client) -> Result<usize, Failure> {
    let still_off = backup_servers_with_auto_update_off(client).await?;
    step(
        10,
        &format!("Audit again: {still_off} backup server license(s) with auto-update off"),
    );
    Ok(still_off)
}

/// What `reports chart` draws: the months before finalization, so an odd month stands out.
async fn show_usage_chart(client: &Client) -> Outcome {
    let history = client.license_usage_history().await?;
    let months = history.window(6)?;
    let table = history.points_table(&months, crate::usage::Breakdown::Organization, None)?;
    let style = super::usage_chart_text::TextStyle {
        width: 96,
        stacked: true,
        colour: false,
    };
    println!(
        "   points per month by organization (`reports chart`; `--svg`/`--html` for a picture):"
    );
    let chart = super::usage_chart_text::render(&table, "", &style);
    for line in chart.lines().skip(2) {
        if line.is_empty() {
            println!();
        } else {
            println!("   {line}");
        }
    }
    Ok(())
}

fn step(number: u32, text: &str) {
    println!("\n[{number}] {text}");
}

fn print_table(licenses: &[License]) {
    if licenses.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = licenses.iter().map(license_row).collect();
    println!("{}", table(&LICENSE_COLUMNS, &rows));
}
