//! How values read in a table cell or a CSV field.

/// A number for people (tables and CSV): at most two decimals, no trailing zeros, so the
/// floating-point noise of `98.80000000000001` points shows as `98.8`. JSON keeps the value as
/// the API sent it.
pub(crate) fn number(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let text = format!("{n:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" => "0".to_owned(),
        other => other.to_owned(),
    }
}

/// A JSON value as a table cell; numbers rounded for people.
pub(crate) fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        serde_json::Value::Number(n) if !(n.is_i64() || n.is_u64()) => {
            n.as_f64().map_or_else(|| n.to_string(), number)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_for_people() {
        for (n, expected) in [
            (98.80000000000001, "98.8"),
            (128.0, "128"),
            (0.126, "0.13"),
            (1.005, "1"),
            (-0.001, "0"),
            (1e9, "1000000000"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(number(n), expected, "{n}");
        }
        assert_eq!(plain(&serde_json::json!(98.80000000000001)), "98.8");
        assert_eq!(plain(&serde_json::json!(12)), "12");
    }
}
