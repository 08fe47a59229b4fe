//! Rows for people (license rows, rounded numbers), short results printed whole, and progress
//! while paging.

use std::io::IsTerminal;

use comfy_table::{presets, ContentArrangement, Table};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::args::Format;
use super::cell::number;
use super::writer::{stdout_is_terminal, write_object, ListWriter};
use super::{Failure, Outcome};
use crate::License;
use crate::ResourceStream;

/// The columns of a license row.
pub(crate) const LICENSE_COLUMNS: [&str; 9] = [
    "product",
    "server uid",
    "company",
    "edition",
    "type",
    "status",
    "units used/total",
    "expires",
    "auto-update",
];

pub(crate) fn license_row(license: &License) -> Vec<String> {
    let (used, total) = license.units();
    let number = |n: Option<f64>| n.map_or_else(|| "-".to_owned(), number);
    vec![
        license.product().short_name().to_owned(),
        license.uid().map_or_else(|| "-".into(), |u| u.to_string()),
        license.company().unwrap_or("-").to_owned(),
        license.edition().unwrap_or("-").to_owned(),
        license.license_type().unwrap_or_else(|| "-".into()),
        license
            .status()
            .map_or_else(|| "-".into(), |s| s.to_string()),
        format!("{}/{}", number(used), number(total)),
        license
            .expiration_date()
            .map_or_else(|| "never".into(), |d| d.format("%Y-%m-%d").to_string()),
        license.auto_update_enabled().map_or_else(
            || "-".into(),
            |on| if on { "on".into() } else { "off".into() },
        ),
    ]
}

/// Prints rows as a table or CSV, or `objects` as JSON: for results already in memory (short
/// lists); listings stream through [`ListWriter`] instead.
pub(crate) fn print<T: Serialize>(
    format: Format,
    columns: &[&str],
    rows: &[Vec<String>],
    objects: &[T],
) -> Result<(), Failure> {
    let mut list = ListWriter::stdout(format, columns);
    if list.wants_objects() {
        objects.iter().try_for_each(|object| list.object(object))?;
    } else {
        rows.iter().try_for_each(|row| list.row(row.clone()))?;
    }
    list.finish()
}

/// Prints one object: JSON as is, a table or CSV as `field, value` pairs.
pub(crate) fn print_object<T: Serialize>(format: Format, object: &T) -> Result<(), Failure> {
    write_object(format, object)
}

/// A table held whole, sized to the terminal (the demo's short tables).
pub(crate) fn table(columns: &[&str], rows: &[Vec<String>]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(columns.to_vec());
    if !std::io::stdout().is_terminal() {
        // Piped output has no width to fit; keep rows on one line each.
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    for row in rows {
        table.add_row(row.iter().cloned().map(super::terminal_text::cell));
    }
    table
}

/// A progress counter on standard error while a listing is read, hidden unless standard error
/// is a terminal and standard output is not (rows streaming onto the same screen would be
/// overdrawn by it).
pub(crate) fn listing_progress(message: &str) -> ProgressBar {
    if stdout_is_terminal() {
        return ProgressBar::hidden();
    }
    progress(message)
}

/// Writes each item of `items` as it arrives (`rows` makes a table's or CSV's rows of it),
/// with a progress counter saying `reading`.
pub(crate) async fn stream_listing<T: Serialize>(
    format: Format,
    columns: &[&str],
    reading: &str,
    mut items: ResourceStream<T>,
    rows: impl Fn(&T) -> Vec<Vec<String>>,
) -> Outcome {
    let mut list = ListWriter::stdout(format, columns);
    let bar = listing_progress(reading);
    while let Some(item) = items.next().await {
        list.item(&item?, &rows)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    list.finish()
}

/// A progress counter on standard error, hidden unless standard error is a terminal.
pub(crate) fn progress(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}: {pos} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_message(message.to_owned());
    bar
}
