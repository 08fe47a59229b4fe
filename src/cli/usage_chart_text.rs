//! `reports chart` on a terminal: bars drawn with block characters, a legend and the numbers.

use std::fmt::Write as _;

use crate::usage::PointsTable;

/// One fill per part; distinct without colour, so a chart survives a pipe, a printout or an e-mail.
const FILLS: [char; 12] = ['█', '▓', '▒', '░', '#', '=', '+', ':', '*', '~', 'o', 'x'];
/// ANSI foreground colours paired with the fills on a colour terminal.
const COLOURS: [u8; 12] = [34, 33, 32, 31, 35, 36, 94, 93, 92, 91, 95, 96];

/// How the text chart looks.
pub(crate) struct TextStyle {
    /// Total width in columns.
    pub(crate) width: usize,
    /// One bar per month with stacked parts (`true`) or one bar per part.
    pub(crate) stacked: bool,
    /// Colour the bars (a colour terminal, `NO_COLOR` unset).
    pub(crate) colour: bool,
}

/// Formats points with a thousands separator and one decimal: `12,345.6`.
pub(crate) fn points(value: f64) -> String {
    let text = format!("{:.1}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && !text.trim_start_matches(['0', '.']).is_empty() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{fraction}")
}

/// A change with its sign: `+1.5`, `-0.5`, `0.0`.
pub(crate) fn signed_points(value: f64) -> String {
    let text = points(value);
    if text.starts_with('-') || text == "0.0" {
        text
    } else {
        format!("+{text}")
    }
}

/// At most `FILLS.len()` parts: beyond that, the smallest are summed into one "others" part.
fn folded(table: &PointsTable) -> Vec<(String, Vec<f64>)> {
    let mut parts: Vec<(String, Vec<f64>)> = table
        .series
        .iter()
        .map(|s| (s.label.clone(), s.points.clone()))
        .collect();
    if parts.len() > FILLS.len() {
        let rest = parts.split_off(FILLS.len() - 1);
        let mut others = vec![0.0; table.months.len()];
        for (_, values) in &rest {
            for (sum, value) in others.iter_mut().zip(values) {
                *sum += value;
            }
        }
        parts.push((format!("{} others", rest.len()), others));
    }
    parts
}

fn paint(text: &str, part: usize, colour: bool) -> String {
    if colour && !text.is_empty() {
        format!("\x1b[{}m{text}\x1b[0m", COLOURS[part % COLOURS.len()])
    } else {
        text.to_owned()
    }
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// The whole chart: title, bars, the legend with each part's numbers, and notes.
pub(crate) fn render(table: &PointsTable, title: &str, style: &TextStyle) -> String {
    let parts = folded(table);
    let totals = table.totals();
    let mut out = String::new();
    let _ = writeln!(out, "{}", clip(title, style.width));
    let _ = writeln!(out);
    let label_width = 9; // "YYYY-MM *"
    let number_width = totals
        .iter()
        .map(|t| points(*t).len())
        .max()
        .unwrap_or(3)
        .max(5);
    let bar_width = style
        .width
        .saturating_sub(label_width + number_width + 3)
        .max(10);
    let month_label = |i: usize| {
        let mark = if table.pending_approval[i] {
            " *"
        } else {
            "  "
        };
        format!("{}{mark}", table.months[i])
    };
    if style.stacked {
        let scale = table.max_total();
        for (i, total) in totals.iter().enumerate() {
            let mut bar = String::new();
            let mut drawn = 0usize;
            let mut running = 0.0;
            for (part, (_, values)) in parts.iter().enumerate() {
                running += values[i];
                // Ends are rounded from the running sum, so the stack's length is the total's.
                let end = cells(running, scale, bar_width);
                let piece: String =
                    std::iter::repeat_n(FILLS[part], end.saturating_sub(drawn)).collect();
                bar.push_str(&paint(&piece, part, style.colour));
                drawn = drawn.max(end);
            }
            let value = if table.has_reports[i] {
                points(*total)
            } else {
                "no report".to_owned()
            };
            let pad = " ".repeat(bar_width - drawn.min(bar_width));
            let _ = writeln!(out, "{} {bar}{pad} {value:>number_width$}", month_label(i));
        }
    } else {
        let scale = parts
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
            .fold(0.0, f64::max);
        for i in 0..table.months.len() {
            if i > 0 {
                let _ = writeln!(out);
            }
            if !table.has_reports[i] {
                let _ = writeln!(
                    out,
                    "{} {:>w$}",
                    month_label(i),
                    "no report",
                    w = bar_width + number_width + 1
                );
                continue;
            }
            for (part, (_, values)) in parts.iter().enumerate() {
                let label = if part == 0 {
                    month_label(i)
                } else {
                    String::new()
                };
                let length = cells(values[i], scale, bar_width);
                let piece: String = std::iter::repeat_n(FILLS[part], length).collect();
                let pad = " ".repeat(bar_width - length.min(bar_width));
                let _ = writeln!(
                    out,
                    "{label:<label_width$} {}{pad} {:>number_width$}",
                    paint(&piece, part, style.colour),
                    points(values[i])
                );
            }
        }
    }
    let _ = writeln!(out);
    out.push_str(&legend(table, &parts, &totals, style));
    let notes = notes(table);
    if !notes.is_empty() {
        let _ = writeln!(out);
        for note in notes {
            let _ = writeln!(out, "{}", clip(&note, style.width));
        }
    }
    out
}

/// The length of a bar of `value` on a scale where `scale` is `width` long: never longer than
/// `width` (a stack with negative parts can run past the month's total) and `0` for a value that
/// is not a positive number.
fn cells(value: f64, scale: f64, width: usize) -> usize {
    if !(scale > 0.0 && value > 0.0) {
        return 0;
    }
    ((value / scale) * width as f64).round().min(width as f64) as usize
}

/// The legend doubles as the table of numbers: one row per part, one column per month (as many
/// recent months as fit), and the change over the last two months shown.
fn legend(
    table: &PointsTable,
    parts: &[(String, Vec<f64>)],
    totals: &[f64],
    style: &TextStyle,
) -> String {
    let column = parts
        .iter()
        .flat_map(|(_, values)| values.iter())
        .chain(totals)
        .map(|v| points(*v).len())
        .max()
        .unwrap_or(0)
        .max(8)
        + 1;
    let change_width = column + 1;
    // Names get room first (up to 28 columns), then as many recent months as fit.
    let name_min = parts
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(5, 28);
    let fitting = (style.width.saturating_sub(2 + name_min + change_width) / column).max(1);
    let shown = table.months.len().min(fitting);
    let first = table.months.len() - shown;
    let with_change = shown >= 2;
    let change_cols = if with_change { change_width } else { 0 };
    let name_width = style
        .width
        .saturating_sub(2 + shown * column + change_cols)
        .max(8);
    let mut out = String::new();
    let mut header = format!("  {:<name_width$}", "");
    for month in &table.months[first..] {
        let _ = write!(header, "{:>column$}", month.to_string());
    }
    if with_change {
        let _ = write!(header, "{:>change_width$}", "change");
    }
    let _ = writeln!(out, "{}", header.trim_end());
    let row = |out: &mut String, marker: String, name: &str, values: &[f64]| {
        let mut line = format!("{marker} {:<name_width$}", clip(name, name_width));
        for (i, value) in values.iter().enumerate().skip(first) {
            let cell = if table.has_reports[i] {
                points(*value)
            } else {
                "-".to_owned()
            };
            let _ = write!(line, "{cell:>column$}");
        }
        if with_change {
            let n = values.len();
            let _ = write!(
                line,
                "{:>change_width$}",
                signed_points(values[n - 1] - values[n - 2])
            );
        }
        let _ = writeln!(out, "{}", line.trim_end());
    };
    for (part, (name, values)) in parts.iter().enumerate() {
        row(
            &mut out,
            paint(&FILLS[part].to_string(), part, style.colour),
            name,
            values,
        );
    }
    row(&mut out, " ".to_owned(), "total", totals);
    if first > 0 {
        let _ = writeln!(
            out,
            "  (earlier months: widen the terminal, --width, or -o csv)"
        );
    }
    out
}

/// What a reader must know to trust the picture: pending months, gaps, a lone month.
pub(crate) fn notes(table: &PointsTable) -> Vec<String> {
    let mut notes = Vec::new();
    if table.pending_approval.iter().any(|p| *p) {
        notes.push("* awaiting approval: these numbers may still change".to_owned());
    }
    let gaps: Vec<String> = table
        .months
        .iter()
        .zip(&table.has_reports)
        .filter(|(_, has)| !**has)
        .map(|(m, _)| m.to_string())
        .collect();
    if !gaps.is_empty() {
        notes.push(format!("no reports for {}", gaps.join(", ")));
    }
    if table.months_with_reports() == 1 {
        let only = table
            .months
            .iter()
            .zip(&table.has_reports)
            .find(|(_, has)| **has)
            .map(|(m, _)| m.to_string())
            .unwrap_or_default();
        notes.push(format!(
            "only {only} has reports: there is no month-over-month change to show yet"
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_grouped_and_signed() {
        assert_eq!(points(1234567.25), "1,234,567.2");
        assert_eq!(points(0.0), "0.0");
        assert_eq!(points(-1500.0), "-1,500.0");
        assert_eq!(points(-0.01), "0.0");
        assert_eq!(signed_points(3.0), "+3.0");
        assert_eq!(signed_points(-3.0), "-3.0");
        assert_eq!(signed_points(0.0), "0.0");
    }
}
