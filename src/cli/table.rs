//! Tables laid out while their rows stream in.
//!
//! A table's column widths must be known before its first line is written, but holding every
//! row to measure them would make memory grow with the listing. The widths are measured on the
//! first [`LAYOUT_ROWS`] rows (all of them for a short listing, which therefore looks exactly as
//! a table measured over every row); later rows are written as they come. On a terminal the
//! table fits the window and a longer cell wraps within its column; elsewhere (a file, a pipe)
//! a longer cell is written whole and pushes the rest of its line to the right: data is never
//! cut.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// Rows held to measure the columns before anything is written.
pub(crate) const LAYOUT_ROWS: usize = 500;

/// A column is never narrowed below this to fit a terminal.
const NARROWEST: usize = 6;

/// A table being written: the header and the first rows until the layout is decided, then
/// only the widths.
pub(crate) struct StreamingTable {
    header: Vec<String>,
    pending: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    /// The terminal's width when the table goes to one.
    fit: Option<usize>,
}

impl StreamingTable {
    /// A table with these columns; `fit` is the terminal's width, `None` for a file or pipe.
    pub(crate) fn new(columns: &[&str], fit: Option<usize>) -> Self {
        StreamingTable {
            header: columns.iter().map(|c| (*c).to_owned()).collect(),
            pending: Vec::new(),
            widths: None,
            fit,
        }
    }

    /// Adds one row; written at once if the layout is decided, else held until it is.
    pub(crate) fn row(&mut self, out: &mut impl Write, cells: Vec<String>) -> io::Result<()> {
        if let Some(widths) = &self.widths {
            return write_row(out, widths, &cells, self.fit.is_some());
        }
        self.pending.push(cells);
        if self.pending.len() >= LAYOUT_ROWS {
            self.lay_out(out)?;
        }
        Ok(())
    }

    /// Writes what is held and the closing border.
    pub(crate) fn finish(mut self, out: &mut impl Write) -> io::Result<()> {
        if self.widths.is_none() {
            self.lay_out(out)?;
        }
        let widths = self.widths.as_deref().unwrap_or_default();
        border(out, widths, '└', '─', '┘')
    }

    fn lay_out(&mut self, out: &mut impl Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.width()).collect();
        for row in &self.pending {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        if let Some(fit) = self.fit {
            shrink_to(&mut widths, fit);
        }
        let wrap = self.fit.is_some();
        border(out, &widths, '┌', '─', '┐')?;
        write_row(out, &widths, &self.header, wrap)?;
        border(out, &widths, '╞', '═', '╡')?;
        for row in std::mem::take(&mut self.pending) {
            write_row(out, &widths, &row, wrap)?;
        }
        self.widths = Some(widths);
        Ok(())
    }
}

/// The width of a whole line: borders, one space of padding each side of a cell, and one
/// space between cells.
fn line_width(widths: &[usize]) -> usize {
    2 + widths.iter().map(|w| w + 2).sum::<usize>() + widths.len().saturating_sub(1)
}

/// Narrows the widest column, one character at a time, until the line fits or every column is
/// at its narrowest.
fn shrink_to(widths: &mut [usize], fit: usize) {
    while line_width(widths) > fit {
        let Some(widest) = widths
            .iter_mut()
            .filter(|w| **w > NARROWEST)
            .max_by_key(|w| **w)
        else {
            return;
        };
        *widest -= 1;
    }
}

fn border(
    out: &mut impl Write,
    widths: &[usize],
    left: char,
    fill: char,
    right: char,
) -> io::Result<()> {
    let inner = line_width(widths) - 2;
    let mut line = String::with_capacity((inner + 2) * 3);
    line.push(left);
    line.extend(std::iter::repeat_n(fill, inner));
    line.push(right);
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// Writes one row; with `wrap`, a cell wider than its column continues on the next lines.
fn write_row(
    out: &mut impl Write,
    widths: &[usize],
    cells: &[String],
    wrap: bool,
) -> io::Result<()> {
    let pieces: Vec<Vec<&str>> = widths
        .iter()
        .enumerate()
        .map(|(i, width)| {
            let cell = cells.get(i).map_or("", String::as_str);
            if wrap {
                chunks(cell, *width)
            } else {
                vec![cell]
            }
        })
        .collect();
    let lines = pieces.iter().map(Vec::len).max().unwrap_or(1);
    let mut line = String::with_capacity(line_width(widths) + 16);
    for index in 0..lines {
        line.clear();
        line.push('│');
        for (column, width) in widths.iter().enumerate() {
            if column > 0 {
                line.push(' ');
            }
            let piece = pieces[column].get(index).copied().unwrap_or("");
            line.push(' ');
            line.push_str(piece);
            line.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(piece.width()),
            ));
            line.push(' ');
        }
        line.push_str("│\n");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// `cell` cut into pieces no wider than `width` (one piece when it fits).
fn chunks(cell: &str, width: usize) -> Vec<&str> {
    if cell.width() <= width {
        return vec![cell];
    }
    let mut pieces = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (at, c) in cell.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width && at > start {
            pieces.push(&cell[start..at]);
            (start, used) = (at, 0);
        }
        used += w;
    }
    pieces.push(&cell[start..]);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(rows: &[&[&str]], fit: Option<usize>) -> String {
        let mut table = StreamingTable::new(&["name", "n"], fit);
        let mut out = Vec::new();
        for row in rows {
            table
                .row(&mut out, row.iter().map(|c| (*c).to_owned()).collect())
                .unwrap();
        }
        table.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_short_table_is_measured_over_every_row() {
        assert_eq!(
            render(&[&["alpha", "1"], &["be", "22"]], None),
            "┌────────────┐\n│ name    n  │\n╞════════════╡\n│ alpha   1  │\n│ be      22 │\n└────────────┘\n"
        );
    }

    #[test]
    fn an_empty_table_still_has_its_header() {
        assert_eq!(
            render(&[], None),
            "┌──────────┐\n│ name   n │\n╞══════════╡\n└──────────┘\n"
        );
    }

    #[test]
    fn rows_after_the_layout_are_written_whole_off_a_terminal() {
        let mut rows: Vec<Vec<String>> = (0..LAYOUT_ROWS)
            .map(|i| vec![format!("r{i}"), "1".into()])
            .collect();
        rows.push(vec!["a much longer name".into(), "1".into()]);
        let mut table = StreamingTable::new(&["name", "n"], None);
        let mut out = Vec::new();
        for row in rows {
            table.row(&mut out, row).unwrap();
        }
        assert!(
            !out.is_empty(),
            "the layout is decided after LAYOUT_ROWS rows"
        );
        table.finish(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("│ a much longer name   1 │"), "{text}");
    }

    #[test]
    fn on_a_terminal_a_wide_cell_wraps_within_the_window() {
        let text = render(&[&["abcdefghijklmnopqrstuvwxyz", "1"]], Some(16));
        for line in text.lines() {
            assert!(line.width() <= 16, "{line:?} is wider than 16\n{text}");
        }
        let letters: String = text
            .lines()
            .skip(3)
            .filter_map(|l| l.strip_prefix("│ "))
            .map(|l| l.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(letters, "abcdefghijklmnopqrstuvwxyz", "{text}");
    }
}
