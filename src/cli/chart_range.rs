//! Whether a table of points can be drawn, checked before any chart is: the numbers come from
//! the server, and a value such as `1.7e308` makes an axis infinite (plotters' tick loop never
//! ends on an infinite range) or a bar longer than memory.

use crate::usage::PointsTable;

/// The largest number of points, one part's or a month's total, a chart draws. Far beyond any
/// real console (a million workloads at a thousand points each is 1e9), and small enough that
/// an axis with headroom and every sum of a month's parts stay finite and exact to a point.
pub(crate) const MAX_CHARTED_POINTS: f64 = 1e15;

/// `Ok` when every value and every month's total is finite and within
/// [`MAX_CHARTED_POINTS`]; else what is out of range, where, and what to do instead.
pub(crate) fn check_drawable(table: &PointsTable) -> Result<(), String> {
    // Usage is never negative; a negative value also widens the axis past what plotters'
    // tick arithmetic takes (-1e15 overflowed it, found by the property test below).
    let out_of_range =
        |value: f64| !value.is_finite() || !(0.0..=MAX_CHARTED_POINTS).contains(&value);
    let refuse = |what: String, value: f64| {
        let why = if value < 0.0 {
            "is negative, and usage never is".to_owned()
        } else {
            format!("is beyond what a chart can draw (at most {MAX_CHARTED_POINTS:e})")
        };
        Err(format!(
            "cannot chart {what}: {value:e} points {why}; -o json or -o csv shows the numbers as the reports give them"
        ))
    };
    for (i, month) in table.months.iter().enumerate() {
        for series in &table.series {
            let value = series.points.get(i).copied().unwrap_or(0.0);
            if out_of_range(value) {
                return refuse(format!("{} in {month}", series.label), value);
            }
        }
    }
    for (month, total) in table.months.iter().zip(table.totals()) {
        if out_of_range(total) {
            return refuse(format!("the total of {month}"), total);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::usage_chart_svg::{render_html, render_svg};
    use super::super::usage_chart_text::{render, TextStyle};
    use super::*;
    use crate::usage::{Month, Series, SeriesKey};

    /// Numbers a hostile or broken server could make a table of: the extremes of `f64`, the
    /// edges of the range, subnormals, the infinities and NaN a sum can reach, and ordinary ones.
    fn extreme() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(1.7e308),
            Just(f64::MIN_POSITIVE),
            Just(5e-324),
            Just(-5e-324),
            Just(MAX_CHARTED_POINTS),
            Just(MAX_CHARTED_POINTS * 1.0000001),
            Just(-MAX_CHARTED_POINTS),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
            Just(0.0),
            Just(-0.0),
            -1e6..1e6f64,
            proptest::num::f64::NORMAL,
        ]
    }

    fn table() -> impl Strategy<Value = PointsTable> {
        (1usize..5, 1usize..15).prop_flat_map(|(months, parts)| {
            (
                proptest::collection::vec(proptest::collection::vec(extreme(), months), parts),
                proptest::collection::vec(any::<bool>(), months),
                proptest::collection::vec(any::<bool>(), months),
            )
                .prop_map(move |(values, has_reports, pending_approval)| PointsTable {
                    months: (1..=months)
                        .map(|m| Month::new(2026, m as u32).expect("a month"))
                        .collect(),
                    series: values
                        .into_iter()
                        .enumerate()
                        .map(|(n, points)| Series {
                            key: SeriesKey::UnattributedProduct,
                            label: format!("part {n}"),
                            points,
                        })
                        .collect(),
                    has_reports,
                    pending_approval,
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Every chart path (terminal stacked and grouped, SVG stacked and grouped, HTML) either
        /// refuses the table before drawing, with a message naming what is out of range, or draws
        /// it: finite sizes, every month named, never a hang or a panic.
        #[test]
        fn every_chart_path_draws_or_refuses_extreme_values(table in table(), width in 40usize..200) {
            match check_drawable(&table) {
                Err(message) => prop_assert!(message.starts_with("cannot chart "), "{message}"),
                Ok(()) => {
                    for stacked in [true, false] {
                        let style = TextStyle { width, stacked, colour: false };
                        let text = render(&table, "title", &style);
                        prop_assert!(text.len() < 200 * 1024, "{} bytes of text", text.len());
                        for month in &table.months {
                            prop_assert!(text.contains(&month.to_string()));
                        }
                        let svg = render_svg(&table, "title", stacked).map_err(TestCaseError::fail)?;
                        prop_assert!(roxmltree::Document::parse(&svg).is_ok());
                        let html = render_html(&table, "title", &svg, "organization");
                        prop_assert!(html.contains("</html>"));
                    }
                }
            }
        }
    }

    #[test]
    fn out_of_range_values_are_named() {
        let month = Month::new(2026, 10).expect("a month");
        let table = |points: Vec<f64>| PointsTable {
            months: vec![month],
            series: points
                .into_iter()
                .enumerate()
                .map(|(n, p)| Series {
                    key: SeriesKey::UnattributedProduct,
                    label: format!("Org {n}"),
                    points: vec![p],
                })
                .collect(),
            has_reports: vec![true],
            pending_approval: vec![false],
        };
        assert_eq!(check_drawable(&table(vec![42.0, 1e14])), Ok(()));
        assert_eq!(check_drawable(&table(vec![1e15])), Ok(()));
        let negative = check_drawable(&table(vec![-1e15])).unwrap_err();
        assert!(
            negative.contains("Org 0 in 2026-10: -1e15 points is negative"),
            "{negative}"
        );
        let refused = check_drawable(&table(vec![42.0, 1.7e308])).unwrap_err();
        assert!(
            refused.contains("Org 1 in 2026-10: 1.7e308 points"),
            "{refused}"
        );
        let refused = check_drawable(&table(vec![9e14, 9e14])).unwrap_err();
        assert!(
            refused.contains("the total of 2026-10: 1.8e15"),
            "{refused}"
        );
    }
}
