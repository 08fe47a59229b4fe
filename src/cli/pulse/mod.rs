//! `pulse ...`: VCSP Pulse's contracts, products and licenses, in every output format.

mod connection;
mod edit;
mod renew;

use super::args::{Global, PulseCommand, PulseLicensesCommand};
use super::cell::number;
use super::license::confirmed;
use super::output::{print_object, stream_listing};
use super::{Failure, Outcome};
use crate::types::{PulseLicense, PulseLicenseContract, PulseLicenseProduct};
use crate::{ListQuery, MAX_PAGE_SIZE};
use crate::{NewPulseLicense, Product};

const CONTRACT_COLUMNS: [&str; 3] = ["contract", "points limit", "expires"];
const PRODUCT_COLUMNS: [&str; 4] = ["product", "name", "workload", "multiplier"];
const LICENSE_COLUMNS: [&str; 7] = [
    "uid",
    "product",
    "contract",
    "points",
    "workloads",
    "assign status",
    "expires",
];

pub(crate) async fn run_pulse(global: &Global, command: PulseCommand) -> Outcome {
    let client = global.client()?;
    let pulse = client.pulse();
    let query = ListQuery::new().page_size(MAX_PAGE_SIZE);
    match command {
        PulseCommand::Contracts => {
            stream_listing(
                global.output,
                &CONTRACT_COLUMNS,
                "reading Pulse contracts",
                pulse.contracts(query),
                contract_row,
            )
            .await
        }
        PulseCommand::Products => {
            stream_listing(
                global.output,
                &PRODUCT_COLUMNS,
                "reading Pulse products",
                pulse.products(query),
                product_rows,
            )
            .await
        }
        PulseCommand::Licenses(PulseLicensesCommand::List) => {
            stream_listing(
                global.output,
                &LICENSE_COLUMNS,
                "reading Pulse licenses",
                pulse.licenses(query),
                |license| vec![license_row(license)],
            )
            .await
        }
        PulseCommand::Licenses(PulseLicensesCommand::Show { uid }) => {
            print_object(global.output, &pulse.license(uid).await?)
        }
        PulseCommand::Licenses(PulseLicensesCommand::Create {
            product,
            contract,
            expires,
            workloads,
            description,
            dry_run,
        }) => {
            let mut license = NewPulseLicense::new(product, contract, expires);
            for workload in &workloads {
                let (id, count) = parse_workload(workload)?;
                license = license.workload(id, count);
            }
            if let Some(description) = description {
                license = license.description(description);
            }
            if dry_run {
                let input = license.into_input()?;
                eprintln!("would send: POST /pulse/licenses");
                return print_object(global.output, &input);
            }
            print_object(global.output, &pulse.create(license).await?)
        }
        PulseCommand::Licenses(PulseLicensesCommand::Edit {
            uid,
            workloads,
            expires,
            description,
            no_description,
            automatic_extension,
            dry_run,
        }) => {
            let asked = edit::Edit {
                uid,
                workloads,
                expires,
                description,
                no_description,
                automatic_extension,
                dry_run,
            };
            edit::edit(global, pulse, asked).await
        }
        PulseCommand::Tenants { command } => connection::tenants(global, &client, command).await,
        PulseCommand::Sync => connection::sync(&client).await,
        PulseCommand::Config { command } => connection::config(global, &client, command).await,
        PulseCommand::Licenses(PulseLicensesCommand::Download { uid, to }) => {
            connection::download(&client, uid, to).await
        }
        PulseCommand::Licenses(PulseLicensesCommand::Renew {
            expiring_within,
            until,
            yes,
            dry_run,
        }) => renew::renew(global, &client, expiring_within, until, yes, dry_run).await,
        PulseCommand::Licenses(PulseLicensesCommand::Copy { uid }) => {
            print_object(global.output, &pulse.copy(uid).await?)
        }
        PulseCommand::Licenses(PulseLicensesCommand::Install { uid, server }) => {
            pulse.install(uid, server).await?;
            // The server is whichever kind of managed server has that UID.
            for product in [
                Product::BackupServer,
                Product::VOneServer,
                Product::Vb365Server,
            ] {
                if let Ok(license) = client.license(product, Some(server)).await {
                    return print_object(global.output, &license);
                }
            }
            eprintln!("installed Pulse license {uid} on {server}");
            Ok(())
        }
        PulseCommand::Licenses(PulseLicensesCommand::Revoke { uid, yes }) => {
            confirmed(
                yes,
                &format!("Revoke Pulse license {uid}?"),
                "nothing was revoked",
            )?;
            pulse.revoke(uid).await?;
            eprintln!("revoked Pulse license {uid}");
            Ok(())
        }
        PulseCommand::Licenses(PulseLicensesCommand::Delete { uid, yes }) => {
            confirmed(
                yes,
                &format!("Delete Pulse license {uid}?"),
                "nothing was deleted",
            )?;
            pulse.delete(uid).await?;
            eprintln!("deleted Pulse license {uid}");
            Ok(())
        }
    }
}

/// `WORKLOAD=COUNT` of `--workload`.
fn parse_workload(text: &str) -> Result<(String, u32), Failure> {
    text.split_once('=')
        .and_then(|(id, count)| Some((id.trim().to_owned(), count.trim().parse::<u32>().ok()?)))
        .filter(|(id, _)| !id.is_empty())
        .ok_or_else(|| Failure::Exit(2, format!("--workload wants WORKLOAD=COUNT, not `{text}`")))
}

fn text(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

fn day(date: Option<chrono::DateTime<chrono::Utc>>) -> String {
    date.map_or_else(|| "-".into(), |d| d.format("%Y-%m-%d").to_string())
}

/// An enum value as the API writes it.
fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "-".into())
}

fn contract_row(contract: &PulseLicenseContract) -> Vec<Vec<String>> {
    vec![vec![
        text(contract.contract_id.as_deref()),
        contract
            .points_limit
            .map_or_else(|| "-".into(), |p| number(f64::from(p))),
        day(contract.expiration_date),
    ]]
}

/// One row per workload, so that CSV stays flat.
fn product_rows(product: &PulseLicenseProduct) -> Vec<Vec<String>> {
    product
        .workloads
        .iter()
        .map(|workload| {
            vec![
                text(product.product_id.as_deref()),
                text(product.name.as_deref()),
                text(workload.workload_id.as_deref()),
                workload.multiplier.map_or_else(|| "-".into(), number),
            ]
        })
        .collect()
}

fn license_row(license: &PulseLicense) -> Vec<String> {
    let workloads: Vec<String> = license
        .workloads
        .iter()
        .map(|w| format!("{}={}", w.workload_id, w.count))
        .collect();
    vec![
        license.instance_uid.to_string(),
        license.product_id.clone(),
        text(license.contract_id.as_deref()),
        number(license.points),
        workloads.join(" "),
        word(&license.assign_status),
        day(license.expiration_date),
    ]
}
