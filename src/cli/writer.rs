//! The one buffered writer behind standard output, and lists written while they are read.
//!
//! Every command writes its results through a [`ListWriter`] (or [`write_object`]) over one
//! `BufWriter` on the locked standard output, flushed at the end: one system call per 64 KiB
//! instead of one per line. A list is written item by item as the pages arrive, so memory stays
//! bounded by the pages in flight whatever the format:
//!
//! * `json`: one JSON array of the API's own objects, opened before the first item and closed
//!   after the last (each object on its own line; indented on a terminal);
//! * `ndjson`: one object per line, nothing around them;
//! * `csv`: a header line, then one line per row, cells that a spreadsheet would run as a
//!   formula neutralised (see [`csv_cell`]);
//! * `table`: see [`super::table`].
//!
//! Rows and headers of tables and CSV pass through [`terminal_text`] (control characters shown
//! escaped, long cells cut); JSON and NDJSON are written exact.
//!
//! A reader that goes away (`| head`) makes the next write fail with `BrokenPipe` (Rust ignores
//! `SIGPIPE`): that becomes [`Failure::Closed`], which ends the command quietly with exit 0.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use serde::Serialize;

use super::args::Format;
use super::table::StreamingTable;
use super::terminal_text;
use super::Failure;

/// Standard output, locked and buffered.
pub(crate) type Stdout = BufWriter<StdoutLock<'static>>;

const BUFFER: usize = 64 * 1024;

/// The buffered, locked standard output every command writes through.
pub(crate) fn stdout() -> Stdout {
    BufWriter::with_capacity(BUFFER, io::stdout().lock())
}

/// Whether standard output is a terminal (a person reading) rather than a file or a pipe.
pub(crate) fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// The failure for a write that did not go through: a closed pipe ends the command quietly.
pub(crate) fn write_failure(error: io::Error) -> Failure {
    if error.kind() == io::ErrorKind::BrokenPipe {
        Failure::Closed
    } else {
        Failure::Exit(1, format!("cannot write the output: {error}"))
    }
}

/// For a command whose exit code is a verdict (`conform`, `alk check`): a reader that went away
/// early must not turn a failed check into exit 0, so a closed pipe is let through here and the
/// verdict decides.
pub(crate) fn reader_may_leave(written: Result<(), Failure>) -> Result<(), Failure> {
    match written {
        Err(Failure::Closed) => Ok(()),
        other => other,
    }
}

fn json_failure(error: serde_json::Error) -> Failure {
    if error.is_io() {
        write_failure(io::Error::from(error))
    } else {
        Failure::Exit(1, format!("cannot render the result: {error}"))
    }
}

/// A list being written in one format, item by item.
pub(crate) struct ListWriter<W: Write> {
    out: W,
    layout: Layout,
    /// Items or rows written so far (before the first, the opening is still to write).
    written: u64,
    /// Indent JSON for a person at a terminal.
    pretty: bool,
}

enum Layout {
    Json,
    Ndjson,
    Csv(Vec<String>),
    Table(StreamingTable),
}

impl ListWriter<Stdout> {
    /// A list on standard output.
    pub(crate) fn stdout(format: Format, columns: &[&str]) -> Self {
        let terminal = stdout_is_terminal().then(terminal_width);
        ListWriter::new(stdout(), format, columns, terminal)
    }
}

/// The terminal's width in columns (80 when it cannot be told).
fn terminal_width() -> usize {
    comfy_table::Table::new()
        .width()
        .map_or(80, |width| usize::from(width).max(20))
}

impl<W: Write> ListWriter<W> {
    /// A list of `columns` (used by tables and CSV) written to `out`; `terminal` is the width of
    /// the terminal `out` is, `None` for a file or a pipe.
    pub(crate) fn new(out: W, format: Format, columns: &[&str], terminal: Option<usize>) -> Self {
        let layout = match format {
            Format::Json => Layout::Json,
            Format::Ndjson => Layout::Ndjson,
            Format::Csv => Layout::Csv(
                columns
                    .iter()
                    .map(|c| terminal_text::cell((*c).to_owned()))
                    .collect(),
            ),
            Format::Table => {
                let columns: Vec<String> = columns
                    .iter()
                    .map(|c| terminal_text::cell((*c).to_owned()))
                    .collect();
                let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                Layout::Table(StreamingTable::new(&columns, terminal))
            }
        };
        ListWriter {
            out,
            layout,
            written: 0,
            pretty: terminal.is_some(),
        }
    }

    /// Whether this list prints objects (JSON, NDJSON) rather than rows (table, CSV).
    pub(crate) fn wants_objects(&self) -> bool {
        matches!(self.layout, Layout::Json | Layout::Ndjson)
    }

    /// Writes one item: `object` as JSON, or the rows `rows` makes of it for a table or CSV.
    pub(crate) fn item<T: Serialize>(
        &mut self,
        object: &T,
        rows: impl FnOnce(&T) -> Vec<Vec<String>>,
    ) -> Result<(), Failure> {
        if self.wants_objects() {
            self.object(object)
        } else {
            rows(object).into_iter().try_for_each(|row| self.row(row))
        }
    }

    /// Writes one object (JSON formats only; a table or CSV ignores it).
    pub(crate) fn object<T: Serialize>(&mut self, object: &T) -> Result<(), Failure> {
        let first = self.written == 0;
        self.written += 1;
        match self.layout {
            Layout::Json => {
                let opening: &[u8] = if first { b"[\n" } else { b",\n" };
                self.out.write_all(opening).map_err(write_failure)?;
                if self.pretty {
                    let text = serde_json::to_string_pretty(object).map_err(json_failure)?;
                    for (i, line) in text.lines().enumerate() {
                        if i > 0 {
                            self.out.write_all(b"\n").map_err(write_failure)?;
                        }
                        self.out.write_all(b"  ").map_err(write_failure)?;
                        self.out.write_all(line.as_bytes()).map_err(write_failure)?;
                    }
                    Ok(())
                } else {
                    serde_json::to_writer(&mut self.out, object).map_err(json_failure)
                }
            }
            Layout::Ndjson => {
                serde_json::to_writer(&mut self.out, object).map_err(json_failure)?;
                self.out.write_all(b"\n").map_err(write_failure)
            }
            Layout::Csv(_) | Layout::Table(_) => Ok(()),
        }
    }

    /// Writes one row (table and CSV only; JSON formats ignore it), each cell made safe for a
    /// terminal (see [`terminal_text`]).
    pub(crate) fn row(&mut self, cells: Vec<String>) -> Result<(), Failure> {
        let first = self.written == 0;
        self.written += 1;
        if self.wants_objects() {
            return Ok(());
        }
        let cells: Vec<String> = cells.into_iter().map(terminal_text::cell).collect();
        match &mut self.layout {
            Layout::Csv(header) => {
                if first {
                    write_csv_line(&mut self.out, header).map_err(write_failure)?;
                }
                write_csv_line(&mut self.out, &cells).map_err(write_failure)
            }
            Layout::Table(table) => table.row(&mut self.out, cells).map_err(write_failure),
            Layout::Json | Layout::Ndjson => Ok(()),
        }
    }

    /// Pushes what is buffered out now (for output a person watches while work goes on).
    pub(crate) fn flush(&mut self) -> Result<(), Failure> {
        self.out.flush().map_err(write_failure)
    }

    /// Closes the list (the JSON array, the table's border) and flushes.
    pub(crate) fn finish(mut self) -> Result<(), Failure> {
        let empty = self.written == 0;
        match self.layout {
            Layout::Json if empty => self.out.write_all(b"[]\n"),
            Layout::Json => self.out.write_all(b"\n]\n"),
            Layout::Ndjson => Ok(()),
            Layout::Csv(header) if empty => write_csv_line(&mut self.out, &header),
            Layout::Csv(_) => Ok(()),
            Layout::Table(table) => table.finish(&mut self.out),
        }
        .map_err(write_failure)?;
        self.out.flush().map_err(write_failure)
    }
}

/// Writes one object on its own: JSON as it is (indented), NDJSON on one line, a table or CSV
/// as `field, value` rows.
pub(crate) fn write_object<T: Serialize>(format: Format, object: &T) -> Result<(), Failure> {
    let mut out = stdout();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, object).map_err(json_failure)?;
            out.write_all(b"\n").map_err(write_failure)?;
            out.flush().map_err(write_failure)
        }
        Format::Ndjson => {
            let mut list = ListWriter::new(out, format, &[], None);
            list.object(object)?;
            list.finish()
        }
        Format::Csv | Format::Table => {
            let value = serde_json::to_value(object).map_err(json_failure)?;
            let terminal = stdout_is_terminal().then(terminal_width);
            let mut list = ListWriter::new(out, format, &["field", "value"], terminal);
            match value {
                serde_json::Value::Object(map) => {
                    for (field, value) in &map {
                        list.row(vec![field.clone(), super::cell::plain(value)])?;
                    }
                }
                other => list.row(vec!["value".into(), super::cell::plain(&other)])?,
            }
            list.finish()
        }
    }
}

fn write_csv_line(out: &mut impl Write, cells: &[String]) -> io::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(csv_cell(cell).as_bytes())?;
    }
    out.write_all(b"\n")
}

/// One CSV cell: quoted when it holds a separator, a quote or a line break; and neutralised,
/// with a leading `'`, when it starts with `=`, `+`, `-`, `@`, a tab or a carriage return, which
/// a spreadsheet would otherwise run as a formula (company names come from license files, so
/// they are not to be trusted). A number (`-5`, `+1.5`) and the lone `-` that marks an empty
/// value cannot be a formula and are left as they are.
pub(crate) fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && cell != "-"
        && !cell.parse::<f64>().is_ok_and(f64::is_finite);
    let cell: Cow<'_, str> = if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    };
    if cell.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", cell.replace('"', "\"\"")))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(format: Format, items: &[serde_json::Value]) -> String {
        let mut out = Vec::new();
        let mut list = ListWriter::new(&mut out, format, &["a", "b"], None);
        for item in items {
            list.item(item, |v| {
                vec![vec![
                    v["a"].to_string(),
                    v["b"].as_str().unwrap_or("").to_owned(),
                ]]
            })
            .unwrap();
        }
        list.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_is_one_array_even_when_empty() {
        let items = [
            serde_json::json!({"a": 1, "b": "x"}),
            serde_json::json!({"a": 2, "b": "y"}),
        ];
        let text = written(Format::Json, &items);
        assert_eq!(
            text,
            "[\n{\"a\":1,\"b\":\"x\"},\n{\"a\":2,\"b\":\"y\"}\n]\n"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            serde_json::Value::Array(items.to_vec())
        );
        assert_eq!(written(Format::Json, &[]), "[]\n");
        assert_eq!(written(Format::Ndjson, &items).lines().count(), 2);
        assert_eq!(written(Format::Ndjson, &[]), "");
    }

    #[test]
    fn csv_has_its_header_even_when_empty() {
        assert_eq!(written(Format::Csv, &[]), "a,b\n");
        assert_eq!(
            written(
                Format::Csv,
                &[serde_json::json!({"a": 1, "b": "with, comma \"quoted\""})]
            ),
            "a,b\n1,\"with, comma \"\"quoted\"\"\"\n"
        );
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        for (cell, expected) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tTabbed", "'\tTabbed"),
            ("\rReturn", "\"'\rReturn\""),
            ("-", "-"),
            ("-5", "-5"),
            ("+1.5", "+1.5"),
            ("Fabrikam", "Fabrikam"),
            ("a=b", "a=b"),
        ] {
            assert_eq!(csv_cell(cell), expected, "{cell:?}");
        }
    }

    /// A reader that goes away after taking a few bytes.
    struct ClosedAfter(usize);
    impl Write for ClosedAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_a_quiet_end_in_every_format() {
        for format in [Format::Json, Format::Ndjson, Format::Csv, Format::Table] {
            let mut list = ListWriter::new(ClosedAfter(10), format, &["a"], None);
            let mut outcome =
                (0..1000).try_for_each(|i| list.item(&i, |i| vec![vec![i.to_string()]]));
            if outcome.is_ok() {
                outcome = list.finish();
            }
            assert!(
                matches!(outcome, Err(Failure::Closed)),
                "{format:?}: {outcome:?}"
            );
        }
    }
}
