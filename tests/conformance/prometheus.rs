//! The exporter and the shipped monitoring examples, judged by Prometheus itself (Debian's
//! `prometheus` package, pinned and unpacked by `scripts/prometheus.sh`):
//!
//! * `promtool check metrics` passes the exporter's answer for two consoles, one of them with
//!   label values that need escaping and bounding;
//! * a real Prometheus scrapes the exporter (OpenMetrics, as it asks) and PromQL counts what
//!   `licenses list` and `reports latest` print; every query of the shipped Grafana dashboard
//!   answers, and the shipped alerting rules evaluate without error;
//! * `promtool check rules`, `promtool test rules` and `promtool check config` pass on
//!   `examples/monitoring/`; the systemd unit's command line is one the tool accepts.
//!
//! A failed install fails the test with the script's output: a check that silently did not run
//! would look the same as one that passed.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::support::cli::{stderr, tool};
use crate::support::exporter::{find, get, Exporter, Sample};
use crate::support::served::Served;

const KEY: &str = "prometheus-test-key";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> PathBuf {
    root().join("examples/monitoring")
}

/// The unpacked package's `usr/bin`, installed once per test binary.
fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let output = Command::new("bash")
            .arg(root().join("scripts/prometheus.sh"))
            .output()
            .expect("bash runs scripts/prometheus.sh");
        assert!(
            output.status.success(),
            "scripts/prometheus.sh failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        root().join("scripts/prometheus/usr/bin")
    })
}

fn promtool(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new(bin().join("promtool"))
        .args(args)
        .current_dir(examples())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    let mut input = child.stdin.take().expect("piped");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("promtool reads");
    }
    drop(input);
    let output = child.wait_with_output().expect("promtool ends");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn the_shipped_rules_and_configuration_pass_promtool() {
    for args in [
        ["check", "rules", "vspc-licensing.rules.yml"],
        ["test", "rules", "vspc-licensing.rules.test.yml"],
        ["check", "config", "prometheus.yml"],
    ] {
        let (ok, output) = promtool(&args, None);
        assert!(ok, "promtool {args:?}:\n{output}");
        assert!(output.contains("SUCCESS"), "{output}");
    }
}

#[test]
fn the_systemd_unit_runs_a_command_line_the_tool_accepts() {
    let unit = std::fs::read_to_string(examples().join("vspc-licensing-exporter.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/vspc-licensing"));
    let args: Vec<&str> = words.collect();
    assert_eq!(args.first(), Some(&"exporter"), "{exec}");
    // Everything parses; what stops it here is only the configuration file this machine lacks.
    let output = tool()
        .args(&args)
        .env("VSPC_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("/etc/vspc-licensing/config.toml does not exist"),
        "{}",
        stderr(&output)
    );
}

/// A Prometheus server scraping `target` every second with the shipped rules, killed on drop.
struct Prometheus {
    child: Child,
    address: String,
    _data: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: &str) -> Prometheus {
        let data = tempfile::tempdir().unwrap();
        let config = data.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: vspc-licensing\n    static_configs:\n      - targets: [\"{target}\"]\n",
                examples().join("vspc-licensing.rules.yml").display()
            ),
        )
        .unwrap();
        // A free port: Prometheus does not say which one it got for :0.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = free.local_addr().unwrap().to_string();
        drop(free);
        let log = std::fs::File::create(data.path().join("prometheus.log")).unwrap();
        let child = Command::new(bin().join("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        Prometheus {
            child,
            address,
            _data: data,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._data.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Whether it answers queries: it listens before its storage is open, and says
    /// `503 Service Unavailable` to every query until then.
    fn ready(&self) -> bool {
        std::net::TcpStream::connect(&self.address).is_ok()
            && get(&self.address, "/-/ready", None).0.contains(" 200 ")
    }

    fn api(&self, path: &str) -> Value {
        let (_, body) = get(&self.address, path, None);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    /// An instant query's result vector; panics unless the query succeeded.
    fn query(&self, promql: &str) -> Vec<Value> {
        let encoded: String = url::form_urlencoded::byte_serialize(promql.as_bytes()).collect();
        let answer = self.api(&format!("/api/v1/query?query={encoded}"));
        assert_eq!(answer["status"], "success", "{promql}: {answer}");
        answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// `sum by (console)`-style answers as console → value.
    fn by_console(&self, promql: &str) -> BTreeMap<String, f64> {
        self.query(promql)
            .iter()
            .map(|series| {
                let value: f64 = series["value"][1].as_str().unwrap().parse().unwrap();
                (
                    series["metric"]["console"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    value,
                )
            })
            .collect()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// Per console: server licenses with an expiry, those with auto-update off, report points.
fn expected_counts(served: &Served) -> (f64, f64, f64) {
    let licenses = cli_json(served, &["licenses", "list"]);
    let servers: Vec<&Value> = licenses
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            [
                "backupServerUid",
                "vOneServerUid",
                "vb365ServerUid",
                "siteUid",
            ]
            .iter()
            .any(|f| l[*f].is_string())
        })
        .collect();
    let expiring = servers
        .iter()
        .filter(|l| l["expirationDate"].is_string())
        .count();
    let off = servers
        .iter()
        .filter(|l| l["autoUpdateEnabled"] == false)
        .count();
    let points: f64 = cli_json(served, &["reports", "latest"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reportSummary"]["totalPoints"].as_f64().unwrap())
        .sum();
    (expiring as f64, off as f64, points)
}

fn odd_names(dir: &Path) -> PathBuf {
    let path = dir.join("odd.yaml");
    let long = "N".repeat(400);
    std::fs::write(
        &path,
        format!(
            "seed: none\nbackupServers:\n  - backupServerUid: 0b7e2c4a-1d3f-4a5b-8c6d-7e8f9a0b1c2d\n    company: \"Back\\\\slash \\\"quoted\\\"\\nnext line\"\n    expirationDate: \"2030-03-31T00:00:00Z\"\n    autoUpdateEnabled: false\n  - backupServerUid: 1c8f3d5b-2e4a-4b6c-9d7e-8f9a0b1c2d3e\n    company: \"{long}\"\n    expirationDate: \"2031-01-15T00:00:00Z\"\n    autoUpdateEnabled: true\n"
        ),
    )
    .unwrap();
    path
}

fn metric_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("vspc_"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn prometheus_scrapes_the_exporter_and_promql_counts_what_the_listings_print() {
    let dir = tempfile::tempdir().unwrap();
    let a = Served::start(&[
        "--api-key",
        KEY,
        "--seed",
        "11",
        "--backup-servers",
        "8",
        "--vone-servers",
        "2",
        "--vb365-servers",
        "2",
        "--sites",
        "2",
        "--organizations",
        "3",
    ]);
    let b = Served::start(&[
        "--api-key",
        KEY,
        "--scenario",
        odd_names(dir.path()).to_str().unwrap(),
    ]);
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
            "--profile",
            "a",
            "--profile",
            "b",
            "--refresh",
            "1h",
            "--config",
            config.to_str().unwrap(),
        ],
        &[("KEY_A", KEY), ("KEY_B", KEY)],
    );
    let both_up = |samples: &[Sample]| {
        ["a", "b"].iter().all(|c| {
            find(samples, "vspc_up", "console", c)
                .first()
                .is_some_and(|s| s.value == 1.0)
        })
    };
    exporter.scrape_until("both consoles up", both_up);
    let (_, text) = exporter.get("/metrics", None);

    let (ok, lint) = promtool(&["check", "metrics"], Some(&text));
    assert!(
        ok && lint.trim().is_empty(),
        "promtool check metrics:\n{lint}"
    );

    let exposed = metric_names(&text);
    for file in ["vspc-licensing.rules.yml", "grafana-dashboard.json"] {
        let shipped = std::fs::read_to_string(examples().join(file)).unwrap();
        for name in metric_names(&shipped) {
            assert!(
                exposed.contains(&name),
                "{file} uses {name}, which the exporter does not expose"
            );
        }
    }

    let prometheus = Prometheus::start(&exporter.address);
    let mut expiring = BTreeMap::new();
    for _ in 0..600 {
        // Until Prometheus is ready, there is no one to ask.
        if prometheus.ready() {
            expiring = prometheus
                .by_console("count by (console) (vspc_license_expiration_timestamp_seconds)");
        }
        if expiring.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        expiring.len(),
        2,
        "Prometheus never scraped both consoles:\n{}",
        prometheus.log()
    );
    let (a_expiring, a_off, a_points) = expected_counts(&a);
    let (b_expiring, b_off, b_points) = expected_counts(&b);
    assert_eq!(
        expiring,
        BTreeMap::from([("a".into(), a_expiring), ("b".into(), b_expiring)])
    );
    assert_eq!(
        prometheus.by_console("count by (console) (vspc_license_auto_update_enabled == 0)"),
        BTreeMap::from([("a".into(), a_off), ("b".into(), b_off)])
    );
    let points = prometheus.by_console("sum by (console) (vspc_report_license_points)");
    assert!(
        (points["a"] - a_points).abs() < 1e-6,
        "{points:?} vs {a_points}"
    );
    assert_eq!(b_points, 0.0, "the scenario has no reports");
    assert!(!points.contains_key("b"));
    // The target was scraped as OpenMetrics: Prometheus asks for it first.
    let targets = prometheus.api("/api/v1/targets");
    assert_eq!(
        targets["data"]["activeTargets"][0]["health"], "up",
        "{targets}"
    );
    // A label value with a backslash, quotes and a newline survives the trip.
    let odd = prometheus.query("vspc_license_info{console=\"b\",company=~\"(?s)Back.*\"}");
    assert_eq!(odd.len(), 1);
    assert_eq!(
        odd[0]["metric"]["company"],
        "Back\\slash \"quoted\"\nnext line"
    );

    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(examples().join("grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    let panels = dashboard["panels"].as_array().unwrap();
    assert!(panels.iter().any(|p| p["type"] == "table"));
    for panel in panels {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap().replace("$console", ".*");
            let answer = prometheus.query(&expr);
            assert!(
                !answer.is_empty(),
                "panel {:?}: {expr} answers nothing",
                panel["title"]
            );
        }
    }

    // The rules load and evaluate against real series without error.
    let mut healthy = false;
    let mut rules = Value::Null;
    for _ in 0..100 {
        rules = prometheus.api("/api/v1/rules");
        let all: Vec<&Value> = rules["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().unwrap())
            .collect();
        if all.len() == 5 && all.iter().all(|r| r["health"] == "ok") {
            healthy = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(healthy, "{rules}");
}
