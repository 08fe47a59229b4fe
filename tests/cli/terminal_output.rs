//! Issue 28, finding 2: text from a server reaches the terminal with its control characters
//! shown escaped and cut to a readable length, in tables, CSV, messages, the legacy v2 error
//! body, conform's report and chart legends; JSON keeps it exact.

use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY};

use crate::support::cli::{output, stderr, tool};
use crate::support::recorder::{spec_example_answer, Canned, Recorded, Recorder};

/// Erases the line above: a table row would vanish.
const ERASE_ROW: &str = "\x1b[1A\x1b[2K";
/// Writes "hi" to the clipboard of the terminal that shows it.
const OSC_52: &str = "\x1b]52;c;aGk=\x07";
/// Makes the rest of the line read right to left.
const RIGHT_TO_LEFT: &str = "\u{202e}";

async fn run(url: String, args: &[&str]) -> Output {
    let mut command = tool();
    command
        .env("VSPC_URL", url)
        .env("VSPC_API_KEY", DEFAULT_API_KEY)
        .args(args)
        .timeout(Duration::from_secs(60));
    output(command).await
}

/// Fails when `text` holds anything a terminal would act on.
fn assert_terminal_safe(what: &str, text: &str) {
    let unsafe_chars: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(
        unsafe_chars.is_empty(),
        "{what} holds {unsafe_chars:?}:\n{text}"
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Failed on the old code: the company name's escape sequences went to the terminal as they
/// were, in the table and in CSV.
#[tokio::test]
async fn a_company_name_with_escape_sequences_is_shown_escaped_in_tables_and_csv() {
    let sim = Simulator::start(SimulatorConfig::default()).await.unwrap();
    let uid = sim.state().backup_server_uids()[0].to_string();
    let company = format!("Evil{ERASE_ROW}Corp{RIGHT_TO_LEFT}gpj.exe");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/licenses/backup-server-rental.lic"
    ))
    .unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        sample.replace("Company=Northwind Hosting", &format!("Company={company}")),
    )
    .unwrap();
    let path = file.path().to_str().unwrap();
    let installed = run(
        sim.root_url(),
        &[
            "license",
            "install",
            "--product",
            "vbr",
            &uid,
            "--file",
            path,
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(installed.status.code(), Some(0), "{}", stderr(&installed));

    for format in ["table", "csv"] {
        let listed = run(
            sim.root_url(),
            &["licenses", "list", "--product", "vbr", "-o", format],
        )
        .await;
        assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
        let shown = text(&listed.stdout);
        assert_terminal_safe(format, &shown);
        assert!(
            shown.contains("Evil\\x1b[1A\\x1b[2KCorp\\u{202e}gpj.exe"),
            "{format}: {shown}"
        );
    }
    // The monitoring plugin's findings: one line each, the name escaped.
    let checked = run(
        sim.root_url(),
        &["check", "--product", "vbr", "--warning", "5000d"],
    )
    .await;
    let report = text(&checked.stdout);
    assert_terminal_safe("check", &report);
    assert!(
        report.contains("(Evil\\x1b[1A\\x1b[2KCorp\\u{202e}gpj.exe) expires on"),
        "{report}"
    );
    let json = run(
        sim.root_url(),
        &["licenses", "list", "--product", "vbr", "-o", "json"],
    )
    .await;
    let listed: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["company"] == json!(company)),
        "JSON keeps the name exact"
    );
    sim.shutdown().await;
}

/// Failed on the old code: the server's error message wrote the clipboard (OSC 52).
#[tokio::test]
async fn an_error_message_with_osc_52_is_shown_escaped() {
    let message = format!("no such license{OSC_52}");
    let answering: Arc<dyn Fn(&Recorded) -> Canned + Send + Sync> = Arc::new(move |_| {
        Canned::json(
            404,
            json!({"errors": [{"message": message, "type": "logical", "code": 404}]}),
        )
    });
    let recorder = Recorder::with_fallback(answering).await;
    let output = run(
        recorder.url(),
        &["licenses", "show", "--product", "console"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_terminal_safe("stderr", &stderr(&output));
    assert!(
        stderr(&output).contains("no such license\\x1b]52;c;aGk=\\x07"),
        "{}",
        stderr(&output)
    );
}

/// Failed on the old code: the legacy v2 error body went to the table whole (100 kB on one
/// line) with its escape sequences.
#[tokio::test]
async fn the_legacy_v2_error_body_is_escaped_and_cut() {
    let body = format!("{OSC_52}{}", "A".repeat(100_000));
    let recorder = Recorder::with_fallback(Arc::new(move |_: &Recorded| {
        Canned::raw(500, "text/plain", body.as_bytes())
    }))
    .await;
    let uid = Uuid::from_u128(7).to_string();
    let output = run(
        recorder.url(),
        &[
            "auto-update",
            "enable",
            "--api",
            "v2",
            "--product",
            "site",
            &uid,
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = text(&output.stdout);
    assert_terminal_safe("the report", &table);
    assert_terminal_safe("stderr", &stderr(&output));
    assert!(table.contains("\\x1b]52;c;aGk=\\x07AAA"), "{table}");
    assert!(table.contains("more characters)"), "{table}");
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest < 1_200, "a line of {widest} characters");
}

/// Failed on the old code: a field name in the server's JSON reached the report's `where`
/// column (and the summary) as it was.
#[tokio::test]
async fn conform_shows_pointers_from_the_servers_keys_escaped() {
    let key = format!("x{ERASE_ROW}");
    let drifting: Arc<dyn Fn(&Recorded) -> Canned + Send + Sync> =
        Arc::new(move |request: &Recorded| {
            let mut canned = spec_example_answer(request);
            if let Ok(Value::Object(mut object)) = serde_json::from_slice(&canned.body) {
                object.insert(key.clone(), json!(1));
                canned.body = Value::Object(object).to_string().into_bytes();
            }
            canned
        });
    let recorder = Recorder::with_fallback(drifting).await;
    let output = run(recorder.url(), &["conform", "--max-pages", "1"]).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
    let report = text(&output.stdout);
    assert_terminal_safe("the report", &report);
    assert_terminal_safe("stderr", &stderr(&output));
    assert!(report.contains("/x\\x1b[1A\\x1b[2K"), "{report}");
}

/// Failed on the old code: an organization's name reached the chart's legend (terminal, SVG,
/// HTML) with its escape sequences; an SVG holding ESC is not even well-formed XML.
#[tokio::test]
async fn chart_legends_show_organization_names_escaped() {
    let name = format!("Alpha{OSC_52}");
    let reports: Arc<dyn Fn(&Recorded) -> Canned + Send + Sync> =
        Arc::new(move |request: &Recorded| {
            let mut canned = spec_example_answer(request);
            if request.path.ends_with("/licensing/reports") {
                let mut page: Value = serde_json::from_slice(&canned.body).unwrap();
                page["data"][0]["organizationsUsage"][0]["organizationName"] = json!(name);
                canned.body = page.to_string().into_bytes();
            }
            canned
        });
    let recorder = Recorder::with_fallback(reports).await;
    let chart = run(recorder.url(), &["reports", "chart", "--months", "1"]).await;
    assert_eq!(chart.status.code(), Some(0), "{}", stderr(&chart));
    let shown = text(&chart.stdout);
    assert_terminal_safe("the chart", &shown);
    assert!(shown.contains("Alpha\\x1b]52;c;aGk=\\x07"), "{shown}");

    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("chart.svg");
    let html = dir.path().join("chart.html");
    let pictures = run(
        recorder.url(),
        &[
            "reports",
            "chart",
            "--months",
            "1",
            "--svg",
            svg.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(pictures.status.code(), Some(0), "{}", stderr(&pictures));
    for path in [&svg, &html] {
        let written = std::fs::read_to_string(path).unwrap();
        assert_terminal_safe(&path.display().to_string(), &written);
        assert!(written.contains("Alpha\\x1b]52;c;aGk=\\x07"), "{written}");
    }
    roxmltree::Document::parse(&std::fs::read_to_string(&svg).unwrap())
        .expect("the SVG is well-formed XML");

    let json = run(
        recorder.url(),
        &["reports", "chart", "--months", "1", "-o", "json"],
    )
    .await;
    let table: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(table["series"][0]["label"], json!(format!("Alpha{OSC_52}")));
}
