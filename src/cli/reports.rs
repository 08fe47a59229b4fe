//! `reports ...` and `usage organizations`.

use super::args::{Global, ReportsCommand, UsageCommand};
use super::cell::number;
use super::output::{print_object, stream_listing};
use super::Outcome;
use crate::types::SingleLicenseReport;
use crate::ResourceStream;
use crate::{ListQuery, MAX_PAGE_SIZE};

const REPORT_COLUMNS: [&str; 6] = [
    "report id",
    "organization",
    "status",
    "from",
    "to",
    "points",
];

pub(crate) async fn run_reports(global: &Global, command: ReportsCommand) -> Outcome {
    let client = global.client()?;
    let query = ListQuery::new().page_size(MAX_PAGE_SIZE);
    match command {
        ReportsCommand::List => list(global, client.license_reports(query)).await,
        ReportsCommand::Latest => list(global, client.latest_license_reports(query)).await,
        ReportsCommand::Month { month } => {
            list(
                global,
                client.license_reports_for_month(&month.to_string(), query),
            )
            .await
        }
        ReportsCommand::Download { id, out } => {
            match out {
                Some(path) => {
                    let bytes = client.save_license_report_csv(id, &path).await?;
                    eprintln!("wrote report {id} to {} ({bytes} bytes)", path.display());
                }
                None => {
                    use std::io::Write;
                    let csv = client.download_license_report_csv(id).await?;
                    std::io::stdout().write_all(&csv).map_err(|e| {
                        super::Failure::Exit(1, format!("cannot write the report: {e}"))
                    })?;
                }
            }
            Ok(())
        }
        ReportsCommand::Finalize => {
            print_object(global.output, &client.finalize_license_reports().await?)
        }
        ReportsCommand::Settings {
            auto_approve: Some(on),
        } => print_object(global.output, &client.set_report_auto_approve(on).await?),
        ReportsCommand::Settings { auto_approve: None } => {
            print_object(global.output, &client.license_report_settings().await?)
        }
        ReportsCommand::Chart(args) => super::usage_views::chart(global, &client, args).await,
        ReportsCommand::Diff { from, to } => {
            super::usage_views::diff(global, &client, from, to).await
        }
    }
}

async fn list(global: &Global, reports: ResourceStream<SingleLicenseReport>) -> Outcome {
    stream_listing(
        global.output,
        &REPORT_COLUMNS,
        "reading reports",
        reports,
        report_row,
    )
    .await
}

fn report_row(r: &SingleLicenseReport) -> Vec<Vec<String>> {
    let p = r.report_parameters.as_ref();
    vec![vec![
        p.map_or("-".into(), |p| p.report_id.to_string()),
        p.map_or("-".into(), |p| p.organization_name.clone()),
        r.report_status
            .as_ref()
            .map_or("-".into(), ToString::to_string),
        p.map_or("-".into(), |p| {
            p.report_interval.start_of_interval.date_naive().to_string()
        }),
        p.map_or("-".into(), |p| {
            p.report_interval.end_of_interval.date_naive().to_string()
        }),
        r.report_summary
            .as_ref()
            .map_or("-".into(), |s| number(s.total_points)),
    ]]
}

pub(crate) async fn run_usage(global: &Global, command: UsageCommand) -> Outcome {
    let filter = command.filter();
    let UsageCommand::Organizations { top, .. } = command;
    if let Some(top) = top {
        return super::usage_views::top(global, filter, top).await;
    }
    let client = global.client()?;
    let usage =
        client.organization_license_usage(filter, ListQuery::new().page_size(MAX_PAGE_SIZE));
    stream_listing(
        global.output,
        &[
            "organization",
            "type",
            "server",
            "product",
            "workload",
            "used units",
            "used count",
        ],
        "reading usage",
        usage,
        usage_rows,
    )
    .await
}

/// One row per workload of each server of an organization.
fn usage_rows(org: &crate::types::OrganizationCurrentLicenseUsage) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for server in &org.servers {
        for workload in &server.workloads {
            rows.push(vec![
                org.organization_uid.map_or("-".into(), |u| u.to_string()),
                org.organization_type
                    .as_ref()
                    .map_or("-".into(), ToString::to_string),
                server.server_uid.map_or("-".into(), |u| u.to_string()),
                server
                    .server_type
                    .as_ref()
                    .map_or("-".into(), ToString::to_string),
                workload.description.clone(),
                number(workload.used_units),
                workload.used_count.to_string(),
            ]);
        }
    }
    rows
}
