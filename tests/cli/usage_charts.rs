//! `reports chart`, `reports diff` and `usage organizations --top` run as processes against the
//! simulator over HTTP. Every number checked comes from the typed aggregation
//! (`vspc_licensing::usage`) or from the reports themselves, never from pixels.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Output;

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, SimulatorHandle, DEFAULT_API_KEY};
use vspc_licensing::usage::{Breakdown, PointsTable, UsageHistory};

use crate::support::cli::{output, tool};
use crate::support::served::Served;
use crate::support::snapshot_settings_in;

/// The day the simulated data is anchored to, so months and numbers are the same on every run.
const TODAY: (i32, u32, u32) = (2026, 11, 15);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).unwrap()
}

async fn simulator(configure: impl FnOnce(SimulatorConfig) -> SimulatorConfig) -> SimulatorHandle {
    Simulator::start(configure(SimulatorConfig::default().seed(7).today(today())))
        .await
        .unwrap()
}

async fn run(sim: &SimulatorHandle, args: &[&str]) -> Output {
    run_at(sim.root_url(), args).await
}

async fn run_at(url: String, args: &[&str]) -> Output {
    let mut command = tool();
    command
        .env("VSPC_URL", url)
        .env("VSPC_API_KEY", DEFAULT_API_KEY)
        .args(args);
    output(command).await
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn failed(output: &Output, code: i32) -> String {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&ok(output)).unwrap()
}

fn snapshot(name: &str, text: &str) {
    snapshot_settings_in("cli_usage_charts").bind(|| insta::assert_snapshot!(name, text));
}

async fn history(sim: &SimulatorHandle) -> UsageHistory {
    vspc_licensing::Client::builder(sim.base_url())
        .api_key(DEFAULT_API_KEY)
        .build()
        .unwrap()
        .license_usage_history()
        .await
        .unwrap()
}

/// The same formatting the pictures use: thousands separators, one decimal.
fn points(value: f64) -> String {
    let text = format!("{:.1}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!(
        "{}{grouped}.{fraction}",
        if value < -0.05 { "-" } else { "" }
    )
}

fn temp_file(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

/// The text of every `<text>` element of an SVG document, which must parse as XML.
fn svg_texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

/// Checks that an SVG names every month and part of `table` and writes its numbers: each
/// month's total above its bar, each part's points in the latest month in the legend.
fn assert_svg_shows(svg: &str, table: &PointsTable) {
    let texts = svg_texts(svg);
    for month in &table.months {
        assert!(
            texts.iter().any(|t| *t == month.to_string()),
            "month {month} not labelled: {texts:?}"
        );
    }
    let totals = table.totals();
    for (i, total) in totals.iter().enumerate() {
        let mark = if table.pending_approval[i] { "*" } else { "" };
        let label = format!("{}{mark}", points(*total));
        assert!(
            texts.contains(&label),
            "total {label} of {} missing: {texts:?}",
            table.months[i]
        );
    }
    let latest = table.months.len() - 1;
    for series in &table.series {
        let entry = format!("{}: {}", series.label, points(series.points[latest]));
        assert!(
            texts.iter().any(|t| t.starts_with(&entry)),
            "legend entry {entry:?} missing: {texts:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_terminal_chart_fits_a_fixed_width_with_a_legend_and_the_numbers() {
    let sim = simulator(|c| c).await;
    let stacked = ok(&run(&sim, &["reports", "chart", "--width", "100"]).await);
    assert!(
        stacked.lines().all(|l| l.chars().count() <= 100),
        "{stacked}"
    );
    snapshot("chart_by_organization_100", &stacked);
    let products = ok(&run(
        &sim,
        &["reports", "chart", "--by", "product", "--width", "72"],
    )
    .await);
    assert!(
        products.lines().all(|l| l.chars().count() <= 72),
        "{products}"
    );
    snapshot("chart_by_product_72", &products);
    let grouped = ok(&run(
        &sim,
        &[
            "reports", "chart", "--layout", "grouped", "--months", "2", "--width", "90",
        ],
    )
    .await);
    snapshot("chart_grouped_two_months_90", &grouped);
    // Piped without --width: the fixed width, no colour codes.
    let piped = ok(&run(&sim, &["reports", "chart"]).await);
    assert_eq!(piped, stacked);
    assert!(!piped.contains('\x1b'));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chart_numbers_are_the_aggregations() {
    let sim = simulator(|c| c).await;
    let history = history(&sim).await;
    let months = history.window(4).unwrap();
    let expected = history
        .points_table(&months, Breakdown::Organization, None)
        .unwrap();
    let drawn = json(&run(&sim, &["reports", "chart", "--months", "4", "-o", "json"]).await);
    assert_eq!(drawn, serde_json::to_value(&expected).unwrap());
    let csv = ok(&run(&sim, &["reports", "chart", "--months", "4", "-o", "csv"]).await);
    let lines: Vec<&str> = csv.lines().collect();
    let mut header = vec!["month".to_owned()];
    header.extend(expected.series.iter().map(|s| s.label.clone()));
    header.push("total".to_owned());
    assert_eq!(lines[0], header.join(","));
    assert_eq!(lines.len(), 1 + months.len());
    for (line, total) in lines[1..].iter().zip(expected.totals()) {
        let last: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        assert!((last - total).abs() < 0.005, "{line}");
    }
    // And the aggregation is the reports': each organization's points are its usedPoints.
    let reports = sim.state().reports();
    for (column, month) in months.iter().enumerate() {
        for series in &expected.series {
            let uid = series.key_uid();
            let want: f64 = reports
                .iter()
                .filter(|r| {
                    r.report_parameters.as_ref().is_some_and(|p| {
                        p.report_interval
                            .start_of_interval
                            .format("%Y-%m")
                            .to_string()
                            == month.to_string()
                    })
                })
                .flat_map(|r| &r.organizations_usage)
                .filter(|o| o.organization_uid == Some(uid))
                .map(|o| o.used_points.unwrap())
                .sum();
            assert!(
                (series.points[column] - want).abs() < 0.005,
                "{month} {}",
                series.label
            );
        }
    }
    sim.shutdown().await;
}

trait KeyUid {
    fn key_uid(&self) -> Uuid;
}
impl KeyUid for vspc_licensing::usage::Series {
    fn key_uid(&self) -> Uuid {
        match &self.key {
            vspc_licensing::usage::SeriesKey::Organization(o) => o.uid.unwrap(),
            other => panic!("not an organization: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn svg_and_html_name_every_organization_and_month_with_the_reports_numbers() {
    let sim = simulator(|c| c.organizations(9)).await;
    let history = history(&sim).await;
    let months = history.window(6).unwrap();
    let (_dir, svg_path) = temp_file("usage.svg");
    let html_path = svg_path.with_extension("html");
    ok(&run(
        &sim,
        &[
            "reports",
            "chart",
            "--svg",
            svg_path.to_str().unwrap(),
            "--html",
            html_path.to_str().unwrap(),
        ],
    )
    .await);
    let table = history
        .points_table(&months, Breakdown::Organization, None)
        .unwrap();
    assert_eq!(table.series.len(), 9, "every organization is a part");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert_svg_shows(&svg, &table);
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == "Points used"),
        "y axis with its unit"
    );
    assert!(texts.iter().any(|t| t == "Month (YYYY-MM)"));
    assert!(texts
        .iter()
        .any(|t| t == "License points per month, by organization"));

    // The page: the same picture inline, and one table row per organization with its numbers.
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(svg.trim()), "the SVG is inline");
    for series in &table.series {
        let row = html
            .lines()
            .find(|l| l.starts_with("<tr>") && l.contains(&format!("</span>{}</th>", series.label)))
            .unwrap_or_else(|| panic!("no row for {}", series.label));
        let cells: String = series
            .points
            .iter()
            .map(|p| format!("<td>{}</td>", points(*p)))
            .collect();
        assert!(row.contains(&cells), "{row} lacks {cells}");
    }

    // By product: every product named, totals the reports' summaries.
    let (_dir2, product_svg) = temp_file("products.svg");
    ok(&run(
        &sim,
        &[
            "reports",
            "chart",
            "--by",
            "product",
            "--svg",
            product_svg.to_str().unwrap(),
        ],
    )
    .await);
    let table = history
        .points_table(&months, Breakdown::Product, None)
        .unwrap();
    assert_svg_shows(&std::fs::read_to_string(&product_svg).unwrap(), &table);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_organization_can_be_charted_alone() {
    let sim = simulator(|c| c).await;
    let history = history(&sim).await;
    let chosen = &history.organizations()[0];
    let uid = chosen.uid.unwrap().to_string();
    for wanted in [chosen.name.as_str(), uid.as_str()] {
        let drawn = json(
            &run(
                &sim,
                &["reports", "chart", "--organization", wanted, "-o", "json"],
            )
            .await,
        );
        let series = drawn["series"].as_array().unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0]["label"], chosen.name.as_str());
    }
    let by_product = json(
        &run(
            &sim,
            &[
                "reports",
                "chart",
                "--organization",
                &uid,
                "--by",
                "product",
                "-o",
                "json",
            ],
        )
        .await,
    );
    let months = history.window(6).unwrap();
    let own = history
        .points_table(&months, Breakdown::Organization, Some(chosen))
        .unwrap();
    let totals: Vec<f64> = (0..6)
        .map(|i| {
            by_product["series"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["points"][i].as_f64().unwrap())
                .sum()
        })
        .collect();
    for (got, want) in totals.iter().zip(own.totals()) {
        assert!(
            (got - want).abs() < 0.005,
            "{totals:?} vs {:?}",
            own.totals()
        );
    }
    let error = failed(
        &run(&sim, &["reports", "chart", "--organization", "Nobody Ltd"]).await,
        1,
    );
    assert!(error.contains("no organization \"Nobody Ltd\""), "{error}");
    assert!(error.contains(&chosen.name), "names what there is: {error}");
    sim.shutdown().await;
}

/// Sums each organization's `usedPoints` in a month straight from the reports.
fn report_points(sim: &SimulatorHandle, month: &str) -> HashMap<Uuid, f64> {
    let mut sums = HashMap::new();
    for r in sim.state().reports() {
        let p = r.report_parameters.as_ref().unwrap();
        if p.report_interval
            .start_of_interval
            .format("%Y-%m")
            .to_string()
            == month
        {
            for o in &r.organizations_usage {
                *sums.entry(o.organization_uid.unwrap()).or_insert(0.0) += o.used_points.unwrap();
            }
        }
    }
    sums
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_matches_the_reports_and_puts_the_biggest_movers_first() {
    let sim = simulator(|c| c).await;
    let diff = json(
        &run(
            &sim,
            &["reports", "diff", "2026-09", "2026-10", "-o", "json"],
        )
        .await,
    );
    let rows = diff.as_array().unwrap();
    let (before, after) = (
        report_points(&sim, "2026-09"),
        report_points(&sim, "2026-10"),
    );
    assert_eq!(rows.len(), after.len());
    let mut last_move = f64::INFINITY;
    for row in rows {
        let uid: Uuid = row["organizationUid"].as_str().unwrap().parse().unwrap();
        let (b, a) = (
            row["pointsBefore"].as_f64().unwrap(),
            row["pointsAfter"].as_f64().unwrap(),
        );
        assert!((b - before[&uid]).abs() <= 0.05, "{row}");
        assert!((a - after[&uid]).abs() <= 0.05, "{row}");
        assert!((row["change"].as_f64().unwrap() - (a - b)).abs() <= 0.05);
        assert!(row["organizationName"]
            .as_str()
            .is_some_and(|n| !n.is_empty()));
        let product_change: f64 = row["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["change"].as_f64().unwrap())
            .sum();
        assert!(
            (product_change - (a - b)).abs() <= 0.05,
            "per-product detail adds up: {row}"
        );
        let moved = row["change"].as_f64().unwrap().abs();
        assert!(moved <= last_move, "sorted by size of change");
        last_move = moved;
    }
    let csv = ok(&run(
        &sim,
        &["reports", "diff", "2026-09", "2026-10", "-o", "csv"],
    )
    .await);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "organization,organization uid,points 2026-09,points 2026-10,change,note,change by product"
    );
    assert_eq!(lines.len(), rows.len() + 1);
    let table = ok(&run(&sim, &["reports", "diff", "2026-09", "2026-10"]).await);
    assert!(table.contains("total"), "{table}");
    snapshot("diff_2026_09_2026_10", &table);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_handles_organizations_present_in_only_one_month() {
    let sim = simulator(|c| c.organizations(4)).await;
    // The first organization leaves after September; the second arrives in October.
    let uids = sim.state().organization_uids();
    let (leaver, joiner) = (uids[0], uids[1]);
    let reports: Vec<_> = sim
        .state()
        .reports()
        .into_iter()
        .filter(|r| {
            let p = r.report_parameters.as_ref().unwrap();
            let month = p
                .report_interval
                .start_of_interval
                .format("%Y-%m")
                .to_string();
            !(p.organization_uid == leaver && month == "2026-10"
                || p.organization_uid == joiner && month == "2026-09")
        })
        .collect();
    sim.state().replace_reports(reports);
    let rows = json(
        &run(
            &sim,
            &["reports", "diff", "2026-09", "2026-10", "-o", "json"],
        )
        .await,
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let find = |uid: Uuid| {
        rows.iter()
            .find(|r| r["organizationUid"] == uid.to_string().as_str())
            .unwrap()
    };
    let gone = find(leaver);
    assert_eq!(gone["pointsAfter"], 0.0);
    assert_eq!(gone["presence"], "beforeOnly");
    assert!(gone["pointsBefore"].as_f64().unwrap() > 0.0);
    assert_eq!(
        gone["change"].as_f64().unwrap(),
        -gone["pointsBefore"].as_f64().unwrap()
    );
    let new = find(joiner);
    assert_eq!(new["pointsBefore"], 0.0);
    assert_eq!(new["presence"], "afterOnly");
    let table = ok(&run(&sim, &["reports", "diff", "2026-09", "2026-10"]).await);
    assert!(
        table.contains("only in 2026-09") && table.contains("only in 2026-10"),
        "{table}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_and_single_month_data_give_a_clear_message() {
    let empty = simulator(|c| c.report_months(0)).await;
    let (_dir, path) = temp_file("empty.svg");
    let error = failed(
        &run(
            &empty,
            &["reports", "chart", "--svg", path.to_str().unwrap()],
        )
        .await,
        1,
    );
    assert!(error.contains("no license usage reports yet"), "{error}");
    assert!(!path.exists(), "no empty picture");
    let error = failed(
        &run(&empty, &["reports", "diff", "2026-09", "2026-10"]).await,
        1,
    );
    assert!(
        error.contains("no license usage reports for 2026-09; months with reports: none"),
        "{error}"
    );
    empty.shutdown().await;

    let single = simulator(|c| c.report_months(1)).await;
    let chart = ok(&run(&single, &["reports", "chart", "--width", "100"]).await);
    assert!(
        chart.contains("only 2026-10 has reports: there is no month-over-month change to show yet"),
        "{chart}"
    );
    assert!(
        chart.contains("no reports for 2026-05, 2026-06, 2026-07, 2026-08, 2026-09"),
        "{chart}"
    );
    let (_dir, path) = temp_file("single.svg");
    ok(&run(
        &single,
        &["reports", "chart", "--svg", path.to_str().unwrap()],
    )
    .await);
    let texts = svg_texts(&std::fs::read_to_string(&path).unwrap());
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("only 2026-10 has reports")),
        "{texts:?}"
    );
    let error = failed(
        &run(&single, &["reports", "diff", "2026-09", "2026-10"]).await,
        1,
    );
    assert!(
        error.contains("no license usage reports for 2026-09; months with reports: 2026-10"),
        "{error}"
    );
    let error = failed(
        &run(&single, &["reports", "diff", "2026-10", "2026-10"]).await,
        2,
    );
    assert!(error.contains("two different months"), "{error}");
    let error = failed(
        &run(&single, &["reports", "diff", "2026-9", "2026-10"]).await,
        2,
    );
    assert!(error.contains("YYYY-MM"), "{error}");
    single.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_organizations_top_ranks_the_heaviest_consumers_by_name() {
    let sim = simulator(|c| c.organizations(8)).await;
    let top = json(
        &run(
            &sim,
            &["usage", "organizations", "--top", "3", "-o", "json"],
        )
        .await,
    );
    let top = top.as_array().unwrap();
    assert_eq!(top.len(), 3);
    let all = json(&run(&sim, &["usage", "organizations", "-o", "json"]).await);
    let mut units: Vec<(String, f64)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let used: f64 = o["servers"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["workloads"].as_array().unwrap())
                .map(|w| w["usedUnits"].as_f64().unwrap())
                .sum();
            (o["organizationUid"].as_str().unwrap().to_owned(), used)
        })
        .collect();
    units.sort_by(|a, b| b.1.total_cmp(&a.1));
    let names: HashMap<String, String> = history(&sim)
        .await
        .organizations()
        .into_iter()
        .map(|o| (o.uid.unwrap().to_string(), o.name))
        .collect();
    for (row, (uid, used)) in top.iter().zip(&units) {
        assert_eq!(row["organizationUid"], uid.as_str());
        let total = row["points"].as_f64().unwrap()
            + row["instances"].as_f64().unwrap()
            + row["otherUnits"].as_f64().unwrap();
        assert!((total - used).abs() < 0.005);
        assert_eq!(
            row["organizationName"],
            names[uid].as_str(),
            "named from the reports"
        );
    }
    let table = ok(&run(&sim, &["usage", "organizations", "--top", "2"]).await);
    assert!(
        !table.contains(&names[&units[2].0]),
        "only the top two: {table}"
    );
    assert!(table.contains(&names[&units[0].0]), "{table}");
    sim.shutdown().await;
}

/// The picture of docs/usage-charts.md is the tool's output for the documented command;
/// regenerate it with `UPDATE_USAGE_CHART=1 cargo test --all-features --test cli the_readme_picture`.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_picture_is_current() {
    let picture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots/usage-chart.svg");
    let served =
        tokio::task::spawn_blocking(|| Served::start(&["--seed", "7", "--today", "2026-11-15"]))
            .await
            .unwrap();
    let (_dir, fresh) = temp_file("usage-chart.svg");
    let output = run_at(
        served.root().to_owned(),
        &["reports", "chart", "--svg", fresh.to_str().unwrap()],
    )
    .await;
    drop(served);
    ok(&output);
    let fresh = std::fs::read_to_string(&fresh).unwrap();
    if std::env::var_os("UPDATE_USAGE_CHART").is_some() {
        std::fs::write(&picture, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&picture).unwrap_or_default();
    assert!(
        committed == fresh,
        "snapshots/usage-chart.svg is not what the tool draws now; regenerate it with \
         UPDATE_USAGE_CHART=1 cargo test --all-features --test cli the_readme_picture"
    );
    svg_texts(&committed);
}
