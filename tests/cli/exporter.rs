//! `vspc-licensing exporter` as a process against simulators served as processes: every
//! metric's value is what `licenses list`, `usage organizations` and `reports latest` print
//! for the same data; label values arrive escaped and bounded; both exposition formats carry
//! the same samples; a console that fails mid-run shows `vspc_up 0` with its last values and
//! never hides the other.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::cli::{stderr, tool};
use crate::support::exporter::{find, parse, Exporter, Sample, PROMETHEUS_ACCEPT};
use crate::support::served::Served;

const KEY: &str = "exporter-test-key";

fn seeded() -> Served {
    Served::start(&[
        "--api-key",
        KEY,
        "--seed",
        "7",
        "--backup-servers",
        "6",
        "--vone-servers",
        "2",
        "--vb365-servers",
        "2",
        "--sites",
        "2",
        "--organizations",
        "3",
    ])
}

/// A scenario whose companies test the label rules: quotes, a backslash and a newline, and a
/// name far longer than a label may be.
fn odd_names_scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let long = "L".repeat(300);
    let text = format!(
        r#"seed: none
backupServers:
  - backupServerUid: 0b7e2c4a-1d3f-4a5b-8c6d-7e8f9a0b1c2d
    company: "Quote \"Q\" \\ back\nslash"
    expirationDate: "2030-03-31T00:00:00Z"
    autoUpdateEnabled: false
  - backupServerUid: 1c8f3d5b-2e4a-4b6c-9d7e-8f9a0b1c2d3e
    company: "{long}"
    expirationDate: "2031-01-15T00:00:00Z"
    autoUpdateEnabled: true
console:
  expirationDate: "2030-12-31T00:00:00Z"
"#
    );
    let path = dir.join("odd-names.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The tool's JSON output for `args` against `served`.
fn cli_json(served: &Served, args: &[&str]) -> Value {
    let output = tool()
        .env("VSPC_URL", served.root())
        .env("VSPC_API_KEY", KEY)
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn up(console: &str) -> impl Fn(&[Sample]) -> bool + '_ {
    move |samples| {
        find(samples, "vspc_up", "console", console)
            .first()
            .is_some_and(|s| s.value == 1.0)
    }
}

/// The product's short name and the license's UID, from the API's own object.
fn product_and_uid(license: &Value) -> Option<(&'static str, &str)> {
    [
        ("vbr", "backupServerUid"),
        ("vone", "vOneServerUid"),
        ("vb365", "vb365ServerUid"),
        ("site", "siteUid"),
    ]
    .into_iter()
    .find_map(|(product, field)| license[field].as_str().map(|uid| (product, uid)))
}

fn timestamp(value: &Value) -> Option<f64> {
    value.as_str().map(|text| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp() as f64
    })
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("").to_owned()
}

type Series = BTreeMap<(String, Vec<(String, String)>), f64>;

fn series_of(samples: &[Sample], names: &[&str]) -> Series {
    samples
        .iter()
        .filter(|s| names.contains(&s.name.as_str()))
        .map(|s| {
            let labels = s
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            ((s.name.clone(), labels), s.value)
        })
        .collect()
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.sort();
    labels
}

/// What the metrics must say, from the tool's own listings of the same console.
fn expected_from_cli(served: &Served, console: &str) -> Series {
    let mut expected = Series::new();
    let mut put = |name: &str, pairs: &[(&str, &str)], value: Option<f64>| {
        if let Some(value) = value {
            expected.insert((name.to_owned(), labels(pairs)), value);
        }
    };
    for license in cli_json(served, &["licenses", "list"]).as_array().unwrap() {
        let Some((product, uid)) = product_and_uid(license) else {
            continue;
        };
        let company = text(&license["company"]);
        let id = [
            ("console", console),
            ("product", product),
            ("uid", uid),
            ("company", company.as_str()),
        ];
        let (units, used) = if product == "vb365" {
            (&license["licensedUsers"], &license["protectedUsers"])
        } else {
            (&license["units"], &license["usedUnits"])
        };
        put(
            "vspc_license_expiration_timestamp_seconds",
            &id,
            timestamp(&license["expirationDate"]),
        );
        put(
            "vspc_license_support_expiration_timestamp_seconds",
            &id,
            timestamp(&license["supportExpirationDate"]),
        );
        put(
            "vspc_license_auto_update_enabled",
            &id,
            license["autoUpdateEnabled"]
                .as_bool()
                .map(|on| f64::from(u8::from(on))),
        );
        put("vspc_license_units", &id, units.as_f64());
        put("vspc_license_used_units", &id, used.as_f64());
        let (status, kind, edition) = (
            text(&license["status"]),
            text(&license["type"]),
            text(&license["edition"]),
        );
        let mut info = id.to_vec();
        info.extend([
            ("status", &*status),
            ("type", &*kind),
            ("edition", &*edition),
        ]);
        put("vspc_license_info", &info, Some(1.0));
    }
    let console_license = cli_json(served, &["licenses", "show", "--product", "console"]);
    put(
        "vspc_console_license_expiration_timestamp_seconds",
        &[("console", console)],
        timestamp(&console_license["expirationDate"]),
    );
    for organization in cli_json(served, &["usage", "organizations", "--top", "100000"])
        .as_array()
        .unwrap()
    {
        let (uid, name) = (
            text(&organization["organizationUid"]),
            text(&organization["organizationName"]),
        );
        put(
            "vspc_organization_license_points",
            &[
                ("console", console),
                ("organization_uid", &uid),
                ("organization", &name),
            ],
            organization["points"].as_f64(),
        );
    }
    let mut report_points: BTreeMap<(String, String), f64> = BTreeMap::new();
    for report in cli_json(served, &["reports", "latest"]).as_array().unwrap() {
        let parameters = &report["reportParameters"];
        *report_points
            .entry((
                text(&parameters["organizationUid"]),
                text(&parameters["organizationName"]),
            ))
            .or_default() += report["reportSummary"]["totalPoints"].as_f64().unwrap();
    }
    for ((uid, name), points) in report_points {
        put(
            "vspc_report_license_points",
            &[
                ("console", console),
                ("organization_uid", &uid),
                ("organization", &name),
            ],
            Some(points),
        );
    }
    expected
}

const DATA_METRICS: [&str; 10] = [
    "vspc_license_expiration_timestamp_seconds",
    "vspc_license_support_expiration_timestamp_seconds",
    "vspc_license_auto_update_enabled",
    "vspc_license_units",
    "vspc_license_used_units",
    "vspc_license_info",
    "vspc_console_license_expiration_timestamp_seconds",
    "vspc_organization_license_points",
    "vspc_report_license_points",
    "vspc_up",
];

#[test]
fn every_value_is_what_the_listings_print_seeded_data() {
    let served = seeded();
    let exporter = Exporter::start(
        &["--refresh", "1h"],
        &[("VSPC_URL", served.root()), ("VSPC_API_KEY", KEY)],
    );
    let samples = exporter.scrape_until("a good read", up("default"));
    let mut expected = expected_from_cli(&served, "default");
    expected.insert(("vspc_up".into(), labels(&[("console", "default")])), 1.0);
    let actual = series_of(&samples, &DATA_METRICS);
    assert!(
        expected.len() > 60,
        "too little data to compare: {expected:?}"
    );
    assert_eq!(actual, expected);
    assert!(
        expected
            .keys()
            .any(|(name, _)| name == "vspc_report_license_points")
            && expected
                .keys()
                .any(|(name, _)| name == "vspc_organization_license_points"),
        "the seeded console has usage and reports"
    );
}

#[test]
fn label_values_arrive_escaped_and_bounded_and_both_formats_agree() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&[
        "--api-key",
        KEY,
        "--scenario",
        odd_names_scenario(dir.path()).to_str().unwrap(),
    ]);
    let exporter = Exporter::start(
        &["--refresh", "1h"],
        &[("VSPC_URL", served.root()), ("VSPC_API_KEY", KEY)],
    );
    let samples = exporter.scrape_until("a good read", up("default"));
    let mut expected = expected_from_cli(&served, "default");
    // The long company name is cut to 128 bytes; everything else arrives as VSPC sent it.
    let long = "L".repeat(300);
    let cut = format!("{}…", "L".repeat(125));
    expected = expected
        .into_iter()
        .map(|((name, labels), value)| {
            let labels = labels
                .into_iter()
                .map(|(k, v)| (k, if v == long { cut.clone() } else { v }))
                .collect();
            ((name, labels), value)
        })
        .collect();
    expected.insert(("vspc_up".into(), labels(&[("console", "default")])), 1.0);
    assert_eq!(series_of(&samples, &DATA_METRICS), expected);
    let companies: Vec<&str> = find(&samples, "vspc_license_info", "product", "vbr")
        .iter()
        .map(|s| s.label("company"))
        .collect();
    assert!(
        companies.contains(&"Quote \"Q\" \\ back\nslash"),
        "{companies:?}"
    );
    assert!(companies.contains(&cut.as_str()), "{companies:?}");

    let (text_head, text) = exporter.get("/metrics", None);
    let (open_head, open) = exporter.get("/metrics", Some(PROMETHEUS_ACCEPT));
    assert!(
        text_head
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{text_head}"
    );
    assert!(
        open_head
            .to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{open_head}"
    );
    assert!(open.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
    assert!(!text.contains("# EOF"));
    let sorted = |text: &str| {
        let mut samples: Vec<String> = parse(text).iter().map(|s| format!("{s:?}")).collect();
        samples.sort();
        samples
    };
    assert_eq!(sorted(&text), sorted(&open));
    // Asked for gzip (as Prometheus asks), either format arrives as one gzip stream of the
    // same exposition.
    for (accept, plain) in [(None, &text), (Some(PROMETHEUS_ACCEPT), &open)] {
        let (head, body) = exporter.get_gzip("/metrics", accept);
        assert!(
            head.to_ascii_lowercase().contains("content-encoding: gzip"),
            "{head}"
        );
        let mut inflated = String::new();
        // GzDecoder reads one gzip member and fails on anything else.
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut inflated)
            .expect("one valid gzip stream");
        assert!(
            body.len() < inflated.len(),
            "{} bytes for {}",
            body.len(),
            inflated.len()
        );
        assert_eq!(sorted(&inflated), sorted(plain));
        assert_eq!(inflated.ends_with("# EOF\n"), accept.is_some());
    }
    assert!(
        !text_head.to_ascii_lowercase().contains("content-encoding"),
        "{text_head}"
    );
    let (_, page) = exporter.get("/", None);
    assert!(page.contains("href=\"/metrics\""), "{page}");
}

#[test]
fn a_console_failing_mid_run_keeps_its_last_values_and_hides_no_other() {
    let (a, b) = (seeded(), seeded());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.a]\nurl = \"{}\"\napi_key_env = \"KEY_A\"\n\n[profiles.b]\nurl = \"{}\"\napi_key_env = \"KEY_B\"\n",
            a.root(),
            b.root()
        ),
    )
    .unwrap();
    let exporter = Exporter::start(
        &[
            "--all-profiles",
            "--refresh",
            "1s",
            "--config",
            config.to_str().unwrap(),
        ],
        &[("KEY_A", KEY), ("KEY_B", KEY)],
    );
    let before = exporter.scrape_until("both consoles up", |s| up("a")(s) && up("b")(s));
    let licenses_of = |samples: &[Sample], console: &str| -> Series {
        let mine: Vec<Sample> = samples
            .iter()
            .filter(|s| s.label("console") == console)
            .cloned()
            .collect();
        series_of(&mine, &DATA_METRICS[..9])
    };
    let b_before = licenses_of(&before, "b");
    assert!(b_before.len() > 60);
    drop(b);
    let after = exporter.scrape_until("console b failing", |samples| {
        find(samples, "vspc_read_errors_total", "console", "b")
            .first()
            .is_some_and(|s| s.value >= 1.0)
    });
    assert_eq!(find(&after, "vspc_up", "console", "b")[0].value, 0.0);
    assert_eq!(
        licenses_of(&after, "b"),
        b_before,
        "b keeps its last values"
    );
    assert_eq!(
        find(
            &after,
            "vspc_last_success_timestamp_seconds",
            "console",
            "b"
        )[0]
        .value,
        find(
            &before,
            "vspc_last_success_timestamp_seconds",
            "console",
            "b"
        )[0]
        .value,
        "b's last success stays where it was"
    );
    assert_eq!(find(&after, "vspc_up", "console", "a")[0].value, 1.0);
    assert_eq!(
        find(&after, "vspc_read_errors_total", "console", "a")[0].value,
        0.0
    );
    assert_eq!(licenses_of(&after, "a"), licenses_of(&before, "a"));
    let (_, page) = exporter.get("/", None);
    assert!(page.contains("b: down"), "{page}");
}

#[test]
fn several_consoles_need_their_own_profiles() {
    let run = |args: &[&str]| {
        tool()
            .args(["exporter", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.a]\nurl = \"http://127.0.0.1:1\"\n[profiles.b]\nurl = \"http://127.0.0.1:2\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let both = run(&["--config", config, "--profile", "a", "--all-profiles"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("either --profile or --all-profiles"),
        "{}",
        stderr(&both)
    );
    let one_url = run(&[
        "--config",
        config,
        "--all-profiles",
        "--url",
        "http://127.0.0.1:3",
        "--api-key",
        "k",
    ]);
    assert_eq!(one_url.status.code(), Some(2));
    assert!(
        stderr(&one_url).contains("drop --url"),
        "{}",
        stderr(&one_url)
    );
    let twice = run(&["--config", config, "--profile", "a", "--profile", "a"]);
    assert_eq!(twice.status.code(), Some(2));
    let elsewhere = tool()
        .args([
            "licenses",
            "list",
            "--config",
            config,
            "--profile",
            "a",
            "--profile",
            "b",
        ])
        .output()
        .unwrap();
    assert_eq!(elsewhere.status.code(), Some(2));
    assert!(
        stderr(&elsewhere).contains("only `exporter` and `check`"),
        "{}",
        stderr(&elsewhere)
    );
}
