//! `pulse ...` as a process against `serve`: the seeded contracts and products and the
//! licenses, in the output formats.

use crate::support::cli::tool;
use crate::support::served::Served;

const KEY: &str = "pulse-cli-key";

fn pulse(url: &str, args: &[&str]) -> (i32, String, String) {
    let output = tool()
        .env("VSPC_URL", url)
        .env("VSPC_API_KEY", KEY)
        .arg("pulse")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn contracts_products_and_licenses_are_listed_in_every_format() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();

    let (code, out, err) = pulse(url, &["contracts", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let contracts: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(contracts.as_array().map(Vec::len), Some(2), "{out}");

    let (code, out, err) = pulse(url, &["products", "-o", "csv"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "product,name,workload,multiplier", "{out}");
    assert_eq!(lines.len(), 1 + 4, "one row per workload: {out}");

    let (code, out, err) = pulse(url, &["products", "-o", "ndjson"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");

    let (code, out, err) = pulse(url, &["licenses", "list", "-o", "table"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("00000000"), "no license issued yet: {out}");

    let nobody = "7d1a2b3c-0000-4000-8000-000000000000";
    let (code, _, err) = pulse(url, &["licenses", "show", nobody]);
    assert_ne!(code, 0);
    assert!(err.contains("404") || err.contains(nobody), "{err}");
    drop(served);
}
