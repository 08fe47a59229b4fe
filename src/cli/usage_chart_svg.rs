//! `reports chart --svg/--html`: the same chart as a standalone SVG picture or HTML page.
//!
//! Drawn with plotters' SVG backend alone: text is written as SVG `<text>` in a generic
//! `sans-serif` family, so no font is loaded at build or run time and the picture reads the same
//! in a browser, a mail client or on paper.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::usage_chart_text::{notes, points, signed_points};
use crate::usage::PointsTable;

/// Distinct colours that stay apart in print and for the common colour-vision deficiencies
/// (Tableau 10, then two more); further parts take plotters' 99-colour palette.
const PALETTE: [u32; 12] = [
    0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f,
    0xbab0ac, 0x1f77b4, 0x9467bd,
];

const WIDTH: u32 = 1000;
const PLOT_HEIGHT: u32 = 560;
const LEGEND_ROW: u32 = 24;
const FONT: &str = "sans-serif";

/// A font size that plotters writes as `size` pixels (its SVG backend divides by 1.24).
fn font_px(size: u32) -> f64 {
    f64::from(size) * 1.24
}

fn colour(part: usize) -> RGBColor {
    match PALETTE.get(part) {
        Some(rgb) => {
            let [_, r, g, b] = rgb.to_be_bytes();
            RGBColor(r, g, b)
        }
        None => {
            let c = Palette99::pick(part).to_rgba();
            RGBColor(c.0, c.1, c.2)
        }
    }
}

/// The subtitle: the months, how many have reports, and what the marks mean.
fn subtitle(table: &PointsTable) -> String {
    let (first, last) = (table.months[0], table.months[table.months.len() - 1]);
    format!(
        "{first} to {last}, {} of {} months with reports; points as in VSPC's monthly license usage reports",
        table.months_with_reports(),
        table.months.len()
    )
}

/// The chart as a standalone SVG document; a table with points beyond what can be drawn is
/// refused (see [`super::chart_range`]).
pub(crate) fn render_svg(
    table: &PointsTable,
    title: &str,
    stacked: bool,
) -> Result<String, String> {
    super::chart_range::check_drawable(table)?;
    let mut svg = String::new();
    let legend_rows = table.series.len().div_ceil(2) as u32;
    let note_lines = notes(table);
    let height = PLOT_HEIGHT + 50 + legend_rows * LEGEND_ROW + note_lines.len() as u32 * 20 + 20;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        draw(&root, table, title, stacked, &note_lines)
            .map_err(|e| format!("cannot draw the chart: {e}"))?;
        root.present()
            .map_err(|e| format!("cannot draw the chart: {e}"))?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(
    root: &Area<'_>,
    table: &PointsTable,
    title: &str,
    stacked: bool,
    note_lines: &[String],
) -> DrawResult {
    root.fill(&WHITE)?;
    draw_titles(root, table, title)?;
    let (plot, below) = root.split_vertically(PLOT_HEIGHT);
    let mut chart = draw_axes(&plot, table, stacked)?;
    for month in 0..table.months.len() {
        draw_month(root, &mut chart, table, stacked, month)?;
    }
    draw_legend(&below, table)?;
    draw_notes(&below, table, note_lines)
}

fn draw_titles(root: &Area<'_>, table: &PointsTable, title: &str) -> DrawResult {
    let centre = |size: f64| {
        TextStyle::from((FONT, size).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top))
    };
    root.draw(&Text::new(
        title.to_owned(),
        (WIDTH as i32 / 2, 14),
        centre(font_px(22)),
    ))?;
    root.draw(&Text::new(
        subtitle(table),
        (WIDTH as i32 / 2, 48),
        centre(font_px(13)),
    ))?;
    Ok(())
}

/// The highest bar: a month's total when stacked, else the largest part.
fn tallest(table: &PointsTable, stacked: bool) -> f64 {
    if stacked {
        table.max_total()
    } else {
        table
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .fold(0.0, f64::max)
    }
}

/// The chart's frame: one slot a month on x, points on y with room above the highest bar.
fn draw_axes<'a, 'b>(
    plot: &'a Area<'b>,
    table: &PointsTable,
    stacked: bool,
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let months = table.months.len();
    let top = tallest(table, stacked);
    // At least one point high: a range of a few subnormals has no ticks to find.
    let top = if top >= 1.0 { top * 1.12 } else { 1.0 };
    let mut chart = ChartBuilder::on(plot)
        .margin_top(80)
        .margin_left(20)
        .margin_right(30)
        .margin_bottom(10)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..months as f64 - 0.5, 0.0..top)?;
    let axis_label = |v: &f64| points(*v).trim_end_matches(".0").to_owned();
    let no_label = |_: &f64| String::new();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(1)
        .x_label_formatter(&no_label)
        .y_label_formatter(&axis_label)
        .y_desc("Points used")
        .x_desc("Month (YYYY-MM)")
        .axis_desc_style((FONT, font_px(16)))
        .label_style((FONT, font_px(14)))
        .max_light_lines(1)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    Ok(chart)
}

/// One month: its bars (stacked, or side by side), its name below and its total above.
fn draw_month(
    root: &Area<'_>,
    chart: &mut Chart<'_, '_>,
    table: &PointsTable,
    stacked: bool,
    i: usize,
) -> DrawResult {
    let x = i as f64;
    let parts = table.series.len().max(1);
    let slot = 0.8 / parts as f64;
    let mut base = 0.0;
    for (part, series) in table.series.iter().enumerate() {
        let value = series.points[i];
        let corners = if stacked {
            [(x - 0.32, base), (x + 0.32, base + value)]
        } else {
            let left = x - 0.4 + slot * part as f64;
            [(left, 0.0), (left + slot * 0.9, value)]
        };
        if value > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                corners,
                colour(part).filled(),
            )))?;
        }
        base += value;
    }
    // Month names and totals in pixel space, so every month is labelled whatever the count.
    let (px, py) = chart.backend_coord(&(x, 0.0));
    root.draw(&Text::new(
        table.months[i].to_string(),
        (px, py + 8),
        TextStyle::from((FONT, font_px(15)).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let totals = table.totals();
    let label = if table.has_reports[i] {
        let mark = if table.pending_approval[i] { "*" } else { "" };
        // Above side-by-side bars the number is the month's, not the tallest bar's.
        let prefix = if stacked { "" } else { "total " };
        format!("{prefix}{}{mark}", points(totals[i]))
    } else {
        "no report".to_owned()
    };
    let height = if stacked {
        totals[i]
    } else {
        table.series.iter().map(|s| s.points[i]).fold(0.0, f64::max)
    };
    let (tx, ty) = chart.backend_coord(&(x, height));
    root.draw(&Text::new(
        label,
        (tx, ty - 6),
        TextStyle::from((FONT, font_px(14)).into_font().style(FontStyle::Bold))
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
    ))?;
    Ok(())
}

/// The legend: every part named, with its points in the latest month with reports.
fn draw_legend(below: &Area<'_>, table: &PointsTable) -> DrawResult {
    let latest = table.has_reports.iter().rposition(|h| *h);
    let heading = match latest {
        Some(i) => format!(
            "Points used in {} (change from the month before)",
            table.months[i]
        ),
        None => "Points used".to_owned(),
    };
    below.draw(&Text::new(
        heading,
        (40, 16),
        TextStyle::from((FONT, font_px(15)).into_font().style(FontStyle::Bold)),
    ))?;
    for (part, series) in table.series.iter().enumerate() {
        let column = (part % 2) as i32;
        let row = (part / 2) as i32;
        let (x, y) = (40 + column * 480, 44 + row * LEGEND_ROW as i32);
        below.draw(&Rectangle::new(
            [(x, y), (x + 14, y + 14)],
            colour(part).filled(),
        ))?;
        let value = latest.map_or(String::new(), |i| {
            let change = if i > 0 && table.has_reports[i - 1] {
                format!(
                    " ({})",
                    signed_points(series.points[i] - series.points[i - 1])
                )
            } else {
                String::new()
            };
            format!(": {}{change}", points(series.points[i]))
        });
        below.draw(&Text::new(
            format!("{}{value}", series.label),
            (x + 22, y + 1),
            TextStyle::from((FONT, font_px(14)).into_font()),
        ))?;
    }
    Ok(())
}

fn draw_notes(below: &Area<'_>, table: &PointsTable, note_lines: &[String]) -> DrawResult {
    let notes_top = 44 + ((table.series.len().div_ceil(2)) as i32) * LEGEND_ROW as i32 + 8;
    for (n, note) in note_lines.iter().enumerate() {
        below.draw(&Text::new(
            note.clone(),
            (40, notes_top + n as i32 * 20),
            TextStyle::from((FONT, font_px(13)).into_font()).color(&RGBColor(90, 90, 90)),
        ))?;
    }
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A standalone HTML page: the SVG inline and a table of the numbers.
pub(crate) fn render_html(
    table: &PointsTable,
    title: &str,
    svg: &str,
    part_heading: &str,
) -> String {
    let totals = table.totals();
    let mut rows = String::new();
    let change = |values: &[f64]| {
        let n = values.len();
        if n >= 2 && table.has_reports[n - 1] && table.has_reports[n - 2] {
            signed_points(values[n - 1] - values[n - 2])
        } else {
            "-".to_owned()
        }
    };
    let cells = |values: &[f64]| {
        values
            .iter()
            .zip(&table.has_reports)
            .map(|(v, has)| {
                if *has {
                    format!("<td>{}</td>", points(*v))
                } else {
                    "<td>-</td>".to_owned()
                }
            })
            .collect::<String>()
    };
    for (part, series) in table.series.iter().enumerate() {
        let RGBColor(r, g, b) = colour(part);
        rows.push_str(&format!(
            "<tr><th scope=\"row\"><span class=\"key\" style=\"background:#{r:02x}{g:02x}{b:02x}\"></span>{}</th>{}<td>{}</td></tr>\n",
            escape(&series.label),
            cells(&series.points),
            change(&series.points)
        ));
    }
    let head: String = table
        .months
        .iter()
        .zip(&table.pending_approval)
        .map(|(m, pending)| {
            format!(
                "<th scope=\"col\">{m}{}</th>",
                if *pending { "*" } else { "" }
            )
        })
        .collect();
    let notes: String = notes(table)
        .iter()
        .map(|n| format!("<p class=\"note\">{}</p>\n", escape(n)))
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; color: #222; margin: 2em auto; max-width: 1040px; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
th, td {{ padding: 4px 12px; border-bottom: 1px solid #ddd; text-align: right; font-variant-numeric: tabular-nums; }}
th[scope=row] {{ text-align: left; font-weight: normal; }}
tfoot th, tfoot td {{ font-weight: bold; }}
.key {{ display: inline-block; width: 12px; height: 12px; margin-right: 8px; }}
.note {{ color: #555; }}
svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{subtitle}</p>
{svg}
<h2>The numbers</h2>
<table>
<thead><tr><th scope="col">{part_heading}</th>{head}<th scope="col">change</th></tr></thead>
<tbody>
{rows}</tbody>
<tfoot><tr><th scope="row">total</th>{total_cells}<td>{total_change}</td></tr></tfoot>
</table>
{notes}</body>
</html>
"#,
        title = escape(title),
        subtitle = escape(&subtitle(table)),
        total_cells = cells(&totals),
        total_change = change(&totals),
    )
}
