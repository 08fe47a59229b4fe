//! `reports chart`, `reports diff` and `usage organizations --top`: the usage views.
//!
//! All numbers come from [`crate::usage`]; this file only chooses and renders.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use futures::TryStreamExt;

use super::args::{ChartArgs, ChartBy, ChartLayout, Format, Global};
use super::output::{print, print_object, progress};
use super::terminal_text;
use super::usage_chart_svg::{render_html, render_svg};
use super::usage_chart_text::{points, render, signed_points, TextStyle};
use super::{Failure, Outcome};
use crate::usage::{
    top_consumers, Breakdown, Month, Presence, ProductChange, UsageError, UsageHistory,
};
use crate::{Client, ListQuery, UsageFilter, MAX_PAGE_SIZE};

/// Width of the chart when standard output is not a terminal, so piped output is reproducible.
const PIPED_WIDTH: usize = 100;

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Self {
        Failure::Exit(1, error.to_string())
    }
}

async fn history(client: &Client) -> Result<UsageHistory, Failure> {
    let bar = progress("reading reports");
    let history = client.license_usage_history().await;
    bar.finish_and_clear();
    let history = history?;
    if history.unplaced_reports() > 0 {
        eprintln!(
            "warning: {} report(s) without reportParameters could not be placed in a month and are left out",
            history.unplaced_reports()
        );
    }
    Ok(history)
}

fn write_file(path: &Path, contents: &str) -> Outcome {
    std::fs::write(path, contents)
        .map_err(|e| Failure::Exit(2, format!("cannot write {}: {e}", path.display())))?;
    eprintln!("wrote {} ({} bytes)", path.display(), contents.len());
    Ok(())
}

fn out_error(e: std::io::Error) -> Failure {
    Failure::Exit(1, format!("cannot write the output: {e}"))
}

pub(crate) async fn chart(global: &Global, client: &Client, args: ChartArgs) -> Outcome {
    let history = history(client).await?;
    let months = history.window(args.months)?;
    let organization = args
        .organization
        .as_deref()
        .map(|wanted| history.find_organization(wanted))
        .transpose()?;
    let breakdown = match args.by {
        ChartBy::Organization => Breakdown::Organization,
        ChartBy::Product => Breakdown::Product,
    };
    let table = history.points_table(&months, breakdown, organization.as_ref())?;
    if table.series.is_empty() {
        return Err(Failure::Exit(
            1,
            format!(
                "the reports from {} to {} record no points{}",
                months[0],
                months[months.len() - 1],
                organization
                    .as_ref()
                    .map_or(String::new(), |o| format!(" for {}", o.name))
            ),
        ));
    }
    let subject = match &organization {
        Some(o) => format!(" of {}", terminal_text::label(&o.name)),
        None => String::new(),
    };
    let by = match args.by {
        ChartBy::Organization => "organization",
        ChartBy::Product => "product",
    };
    let title = format!("License points per month{subject}, by {by}");
    let stacked = args.layout == ChartLayout::Stacked;
    // JSON keeps the names exact; every picture and the CSV show them made safe.
    let exact = table;
    let mut table = exact.clone();
    for series in &mut table.series {
        series.label = terminal_text::label(&series.label);
    }
    let drawn = args.svg.is_some() || args.html.is_some() || global.output == Format::Table;
    if drawn {
        super::chart_range::check_drawable(&table).map_err(|e| Failure::Exit(1, e))?;
    }
    if args.svg.is_some() || args.html.is_some() {
        let svg = render_svg(&table, &title, stacked).map_err(|e| Failure::Exit(1, e))?;
        if let Some(path) = &args.svg {
            write_file(path, &svg)?;
        }
        if let Some(path) = &args.html {
            write_file(path, &render_html(&table, &title, &svg, by))?;
        }
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match global.output {
        Format::Json | Format::Ndjson => {
            drop(out);
            print_object(global.output, &exact)
        }
        Format::Csv => {
            let mut columns = vec!["month".to_owned()];
            columns.extend(table.series.iter().map(|s| s.label.clone()));
            columns.push("total".to_owned());
            let totals = table.totals();
            let rows: Vec<Vec<String>> = table
                .months
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut row = vec![m.to_string()];
                    row.extend(table.series.iter().map(|s| s.points[i].to_string()));
                    row.push(totals[i].to_string());
                    row
                })
                .collect();
            drop(out);
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            print::<()>(Format::Csv, &columns, &rows, &[])
        }
        Format::Table => {
            let terminal = std::io::stdout().is_terminal();
            let width = match args.width {
                Some(width) => usize::from(width),
                None if terminal => terminal_size::terminal_size()
                    .map_or(PIPED_WIDTH, |(w, _)| usize::from(w.0))
                    .max(40),
                None => PIPED_WIDTH,
            };
            let style = TextStyle {
                width,
                stacked,
                colour: terminal && std::env::var_os("NO_COLOR").is_none(),
            };
            write!(out, "{}", render(&table, &title, &style)).map_err(out_error)
        }
    }
}

fn presence_note(presence: Presence, from: Month, to: Month) -> String {
    match presence {
        Presence::Both => String::new(),
        Presence::BeforeOnly => format!("only in {from}"),
        Presence::AfterOnly => format!("only in {to}"),
    }
}

fn product_summary(products: &[ProductChange]) -> String {
    products
        .iter()
        .filter(|p| p.change != 0.0)
        .map(|p| {
            let name = p
                .product_type
                .as_ref()
                .map_or_else(|| "unsplit".to_owned(), ToString::to_string);
            format!("{name} {}", signed_points(p.change))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) async fn diff(global: &Global, client: &Client, from: Month, to: Month) -> Outcome {
    if from == to {
        return Err(Failure::Exit(
            2,
            format!("FROM and TO are both {from}; give two different months"),
        ));
    }
    let history = history(client).await?;
    let diff = history.diff(from, to)?;
    let table = global.output == Format::Table;
    let number = |v: f64| if table { points(v) } else { v.to_string() };
    let change = |v: f64| {
        if table {
            signed_points(v)
        } else {
            v.to_string()
        }
    };
    let before = format!("points {from}");
    let after = format!("points {to}");
    let columns = [
        "organization",
        "organization uid",
        before.as_str(),
        after.as_str(),
        "change",
        "note",
        "change by product",
    ];
    let mut rows: Vec<Vec<String>> = diff
        .organizations
        .iter()
        .map(|o| {
            vec![
                o.organization_name.clone(),
                o.organization_uid
                    .map_or_else(|| "-".to_owned(), |u| u.to_string()),
                number(o.points_before),
                number(o.points_after),
                change(o.change),
                presence_note(o.presence, from, to),
                product_summary(&o.products),
            ]
        })
        .collect();
    if table {
        rows.push(vec![
            "total".to_owned(),
            String::new(),
            number(diff.total_before),
            number(diff.total_after),
            change(diff.total_after - diff.total_before),
            String::new(),
            String::new(),
        ]);
    }
    print(global.output, &columns, &rows, &diff.organizations)
}

/// Organization names by UID from the latest reports: current usage carries none.
async fn organization_names(client: &Client) -> HashMap<uuid::Uuid, String> {
    let reports: Result<Vec<_>, _> = client
        .latest_license_reports(ListQuery::new().page_size(MAX_PAGE_SIZE))
        .try_collect()
        .await;
    match reports {
        Ok(reports) => {
            let history = UsageHistory::from_reports(&reports);
            history
                .organizations()
                .into_iter()
                .filter_map(|o| o.uid.map(|uid| (uid, o.name)))
                .collect()
        }
        Err(e) => {
            terminal_text::eprint_line(&format!("warning: organization names unavailable (the latest reports could not be read: {e}); showing UIDs"));
            HashMap::new()
        }
    }
}

pub(crate) async fn top(global: &Global, filter: UsageFilter, top: usize) -> Outcome {
    let client = global.client()?;
    let bar = progress("reading usage");
    let usage: Result<Vec<_>, _> = client
        .organization_license_usage(filter, ListQuery::new().page_size(MAX_PAGE_SIZE))
        .try_collect()
        .await;
    bar.finish_and_clear();
    let usage = usage?;
    let names = organization_names(&client).await;
    let consumers = top_consumers(&usage, &names, Some(top));
    let table = global.output == Format::Table;
    let terminal = table && std::io::stdout().is_terminal();
    let scale = consumers.first().map_or(0.0, |c| c.total_units());
    let mut columns = vec![
        "#",
        "organization",
        "organization uid",
        "type",
        "points",
        "instances",
        "all units",
    ];
    if terminal {
        columns.push("");
    }
    let number = |v: f64| if table { points(v) } else { v.to_string() };
    let rows: Vec<Vec<String>> = consumers
        .iter()
        .enumerate()
        .map(|(rank, c)| {
            let mut row = vec![
                (rank + 1).to_string(),
                c.organization_name
                    .clone()
                    .unwrap_or_else(|| "-".to_owned()),
                c.organization_uid
                    .map_or_else(|| "-".to_owned(), |u| u.to_string()),
                c.organization_type
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), ToString::to_string),
                number(c.points),
                number(c.instances + c.other_units),
                number(c.total_units()),
            ];
            if terminal {
                let cells = if scale > 0.0 {
                    ((c.total_units() / scale) * 30.0).round() as usize
                } else {
                    0
                };
                row.push("█".repeat(cells));
            }
            row
        })
        .collect();
    if consumers.is_empty() {
        eprintln!("no current license usage to rank");
    }
    print(global.output, &columns, &rows, &consumers)
}
