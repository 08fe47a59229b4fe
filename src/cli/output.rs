//! Printing results as tables, JSON or CSV, and progress while paging.

use std::io::{IsTerminal, Write};

use comfy_table::{presets, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::args::Format;
use super::Failure;
use crate::License;

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
    let number = |n: Option<f64>| n.map_or_else(|| "-".to_owned(), |n| format!("{n}"));
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

/// Prints rows as a table or CSV, or `objects` as a JSON array.
pub(crate) fn print<T: Serialize>(
    format: Format,
    columns: &[&str],
    rows: &[Vec<String>],
    objects: &[T],
) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Json => serde_json::to_writer_pretty(&mut out, objects)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        Format::Csv => write_csv(&mut out, columns, rows),
        Format::Table => writeln!(out, "{}", table(columns, rows)),
    };
    written.map_err(|e| Failure::Exit(1, format!("cannot write the output: {e}")))
}

/// Prints one object: JSON as is, a table or CSV as `field, value` pairs.
pub(crate) fn print_object<T: Serialize>(format: Format, object: &T) -> Result<(), Failure> {
    let value = serde_json::to_value(object)
        .map_err(|e| Failure::Exit(1, format!("cannot render the result: {e}")))?;
    if format == Format::Json {
        let mut out = std::io::stdout().lock();
        return serde_json::to_writer_pretty(&mut out, &value)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out))
            .map_err(|e| Failure::Exit(1, format!("cannot write the output: {e}")));
    }
    let rows: Vec<Vec<String>> = match &value {
        serde_json::Value::Object(map) => {
            map.iter().map(|(k, v)| vec![k.clone(), plain(v)]).collect()
        }
        other => vec![vec!["value".into(), plain(other)]],
    };
    print::<serde_json::Value>(format, &["field", "value"], &rows, &[])
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}

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
        table.add_row(row.clone());
    }
    table
}

fn write_csv(out: &mut impl Write, columns: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let line =
        |cells: &mut dyn Iterator<Item = &str>| cells.map(csv_cell).collect::<Vec<_>>().join(",");
    writeln!(out, "{}", line(&mut columns.iter().copied()))?;
    for row in rows {
        writeln!(out, "{}", line(&mut row.iter().map(String::as_str)))?;
    }
    Ok(())
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        write_csv(
            &mut out,
            &["a", "b"],
            &[vec!["plain".into(), "with, comma \"quoted\"".into()]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b\nplain,\"with, comma \"\"quoted\"\"\"\n"
        );
    }
}
