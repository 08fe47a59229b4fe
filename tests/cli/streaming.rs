//! The tool at scale, as a process against the simulator: listings streamed as JSON, NDJSON,
//! CSV and tables (valid documents, right counts), a reader that closes the pipe early, bulk
//! changes that start while the walk is still reading, and output hygiene (CSV cells a
//! spreadsheet would run, rounded numbers in tables, no colour codes in logs off a terminal).

use std::io::Read;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use vspc_licensing::simulator::{
    FaultKind, FaultRule, Firing, Simulator, SimulatorConfig, SimulatorHandle,
};

use crate::support::cli::{output, tool_process, without_tool_settings, TOOL};

const KEY: &str = "cli-streaming-key";

/// More backup servers than fit in two pages of 500, and a few of every other product.
const BACKUP_SERVERS: usize = 1_234;
const OTHERS: usize = 3 + 2 + 2 + 1;

async fn simulator_with(backup_servers: usize, faults: Vec<FaultRule>) -> SimulatorHandle {
    let mut config = SimulatorConfig::default()
        .seed(11)
        .backup_servers(backup_servers)
        .vone_servers(3)
        .vb365_servers(2)
        .sites(2)
        .organizations(3)
        .api_key(KEY);
    for rule in faults {
        config = config.fault(rule);
    }
    Simulator::start(config).await.unwrap()
}

fn command(sim: &SimulatorHandle, args: &[&str]) -> Command {
    let mut command = tool_process();
    command
        .env("VSPC_URL", sim.root_url())
        .env("VSPC_API_KEY", KEY)
        .args(args);
    command
}

async fn run(sim: &SimulatorHandle, args: &[&str]) -> Output {
    output(assert_cmd::Command::from_std(command(sim, args))).await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[tokio::test(flavor = "multi_thread")]
async fn streamed_json_is_one_document_with_every_license_of_every_product() {
    let sim = simulator_with(BACKUP_SERVERS, vec![]).await;
    let output = succeeded(&run(&sim, &["licenses", "list", "-o", "json"]).await);
    let all: Value = serde_json::from_str(&output).expect("one JSON document");
    let all = all.as_array().expect("an array");
    assert_eq!(all.len(), BACKUP_SERVERS + OTHERS);
    let uids: std::collections::HashSet<&str> = all
        .iter()
        .filter_map(|l| l["backupServerUid"].as_str())
        .collect();
    assert_eq!(uids.len(), BACKUP_SERVERS, "each backup server once");

    let vbr: Value = serde_json::from_str(&succeeded(
        &run(
            &sim,
            &["licenses", "list", "--product", "vbr", "-o", "json"],
        )
        .await,
    ))
    .unwrap();
    assert_eq!(vbr.as_array().unwrap().len(), BACKUP_SERVERS);
}

#[tokio::test(flavor = "multi_thread")]
async fn ndjson_is_one_valid_object_per_line() {
    let sim = simulator_with(BACKUP_SERVERS, vec![]).await;
    let output = succeeded(&run(&sim, &["licenses", "list", "-o", "ndjson"]).await);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), BACKUP_SERVERS + OTHERS);
    for line in &lines {
        let object: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(object.is_object(), "{line}");
    }
    // The audit filters while streaming: exactly the licenses that are off.
    let off = succeeded(&run(&sim, &["auto-update", "status", "-o", "ndjson"]).await);
    let expected = lines
        .iter()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["autoUpdateEnabled"] == false)
        .count();
    assert!(expected > 0, "the seed has licenses with auto-update off");
    assert_eq!(off.lines().count(), expected);
    assert!(off
        .lines()
        .all(|l| serde_json::from_str::<Value>(l).unwrap()["autoUpdateEnabled"] == false));
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_a_header_and_a_row_per_license_and_tables_a_line_per_license() {
    let sim = simulator_with(BACKUP_SERVERS, vec![]).await;
    let csv = succeeded(&run(&sim, &["licenses", "list", "-o", "csv"]).await);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "product,server uid,company,edition,type,status,units used/total,expires,auto-update"
    );
    assert_eq!(lines.len(), 1 + BACKUP_SERVERS + OTHERS);
    assert!(
        lines[1..].iter().all(|l| l.split(',').count() >= 9),
        "{csv}"
    );

    let table = succeeded(&run(&sim, &["licenses", "list", "--product", "vbr"]).await);
    let rows = table.lines().filter(|l| l.starts_with("│ vbr ")).count();
    assert_eq!(rows, BACKUP_SERVERS, "{table}");
    assert!(table.starts_with('┌') && table.trim_end().ends_with('┘'));
}

/// Company names come from license files: a file can carry a formula.
#[tokio::test(flavor = "multi_thread")]
async fn csv_neutralises_formulas_and_tables_round_points_while_json_keeps_them() {
    let sim = simulator_with(10, vec![]).await;
    let uid = sim.state().backup_server_uids()[0].to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("formula.lic");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/licenses/vbr-rental-1000.lic"
    ))
    .unwrap();
    let crafted = sample
        .replace(
            "Company=Northwind Hosting",
            "Company==HYPERLINK(\"http://evil.example\",\"x\")",
        )
        .replace("Units=1000", "Units=98.80000000000001");
    std::fs::write(&file, crafted).unwrap();
    succeeded(
        &run(
            &sim,
            &[
                "license",
                "install",
                "--product",
                "vbr",
                &uid,
                "--file",
                file.to_str().unwrap(),
                "-o",
                "json",
            ],
        )
        .await,
    );

    let csv = succeeded(&run(&sim, &["licenses", "list", "--product", "vbr", "-o", "csv"]).await);
    let line = csv.lines().find(|l| l.contains(&uid)).unwrap();
    assert!(
        line.contains(r#""'=HYPERLINK(""http://evil.example"",""x"")""#),
        "{line}"
    );
    assert!(
        !csv.lines()
            .any(|l| l.split(',').any(|cell| cell.starts_with('='))),
        "{csv}"
    );

    let table = succeeded(&run(&sim, &["licenses", "list", "--product", "vbr"]).await);
    let row = table.lines().find(|l| l.contains(&uid)).unwrap();
    assert!(row.contains("/98.8 "), "{row}");
    assert!(!table.contains("98.80000000000001"), "{table}");

    let json = succeeded(
        &run(
            &sim,
            &["licenses", "show", "--product", "vbr", &uid, "-o", "json"],
        )
        .await,
    );
    let license: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(license["units"].as_f64(), Some(98.80000000000001), "{json}");
}

/// `vspc-licensing ... | head`: the reader goes away after a few lines.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_the_command_quietly_with_exit_0() {
    let sim = simulator_with(5_000, vec![]).await;
    for format in ["json", "ndjson", "csv", "table"] {
        let mut command = command(&sim, &["licenses", "list", "-o", format]);
        let (code, stderr) = tokio::task::spawn_blocking(move || {
            let mut child = command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let mut first = [0u8; 4096];
            stdout.read_exact(&mut first).unwrap();
            drop(stdout);
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            (child.wait().unwrap().code(), stderr)
        })
        .await
        .unwrap();
        assert_eq!(code, Some(0), "-o {format}: {stderr}");
        assert!(stderr.is_empty(), "-o {format}: quiet, got {stderr:?}");
    }
}

fn backup_servers_off(sim: &SimulatorHandle) -> Vec<uuid::Uuid> {
    let state = sim.state();
    state
        .backup_server_uids()
        .into_iter()
        .filter(|u| !state.backup_server_license(*u).unwrap().auto_update_enabled)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_enable_streams_and_changes_every_license_exactly_once() {
    let sim = simulator_with(BACKUP_SERVERS, vec![]).await;
    let off = backup_servers_off(&sim);
    assert!(
        off.len() > 100,
        "the seed has many servers with auto-update off"
    );
    let output = run(
        &sim,
        &[
            "auto-update",
            "enable",
            "--all",
            "--product",
            "vbr",
            "-o",
            "ndjson",
        ],
    )
    .await;
    let report = succeeded(&output);
    let lines: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), BACKUP_SERVERS, "one report line per server");
    let changed = lines.iter().filter(|c| c["outcome"] == "changed").count();
    assert_eq!(changed, off.len());
    let state = sim.state();
    for uid in &off {
        assert_eq!(state.changes_applied(&format!("backupServers/{uid}")), 1);
        assert!(
            state
                .backup_server_license(*uid)
                .unwrap()
                .auto_update_enabled
        );
    }
    assert_eq!(state.total_changes_applied(), off.len() as u64);
    assert!(
        text(&output.stderr).contains(&format!(
            "{} changed, {} already set, 0 failed",
            off.len(),
            BACKUP_SERVERS - off.len()
        )),
        "{}",
        text(&output.stderr)
    );
}

/// The walk breaks at its sixth page request, after the first wave (four pages asked for
/// together, whose break would end the walk within its first round trip): the changes for the
/// servers already read were made (they began before the walk ended), each once, and the
/// command fails with the error.
/// A tool that reads everything before changing anything would change nothing here.
#[tokio::test(flavor = "multi_thread")]
async fn bulk_changes_begin_before_the_walk_ends() {
    let sim = simulator_with(
        3_000,
        vec![FaultRule::operation(
            "GetBackupServersLicenses",
            Firing::Attempt(6),
            FaultKind::LogicalError,
        )],
    )
    .await;
    let off = backup_servers_off(&sim);
    let output = run(
        &sim,
        &[
            "auto-update",
            "enable",
            "--all",
            "--product",
            "vbr",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("the listing stopped early"),
        "{}",
        text(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("the report is complete");
    let changed = report
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["outcome"] == "changed")
        .count();
    let state = sim.state();
    assert!(
        changed > 0,
        "changes began while the walk was still reading"
    );
    assert!(
        changed < off.len(),
        "the servers after the break were not reached"
    );
    assert_eq!(state.total_changes_applied(), changed as u64);
    for uid in &off {
        assert!(state.changes_applied(&format!("backupServers/{uid}")) <= 1);
    }
}

/// Whether `text` holds an SGR colour sequence (`ESC [ digits ; ... m`); a progress spinner's
/// line clearing (`ESC [ 2 K`) is not colour.
fn has_colour_codes(text: &str) -> bool {
    text.split('\u{1b}').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|rest| {
            let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'));
            end.is_some_and(|at| rest[at..].starts_with('m'))
        })
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_carry_no_colour_codes_off_a_terminal_or_with_no_color() {
    let sim = simulator_with(10, vec![]).await;
    let output = run(
        &sim,
        &["-vv", "licenses", "list", "--product", "vbr", "-o", "json"],
    )
    .await;
    succeeded(&output);
    let logs = text(&output.stderr);
    assert!(!logs.is_empty(), "-vv logs something");
    assert!(!has_colour_codes(&logs), "{logs:?}");

    // On a terminal (`script` gives the tool a pseudo-terminal), colour is on unless NO_COLOR
    // says otherwise.
    let url = sim.root_url();
    let on_a_terminal = move |no_color: bool| {
        let inner = format!("{TOOL} -vv licenses list --product vbr -o json >/dev/null");
        let mut script = Command::new("script");
        without_tool_settings(&mut script)
            .args(["-qec", &inner, "/dev/null"])
            .env("VSPC_URL", &url)
            .env("VSPC_API_KEY", KEY);
        if no_color {
            script.env("NO_COLOR", "1");
        }
        script.output()
    };
    let (coloured, plain) =
        tokio::task::spawn_blocking(move || (on_a_terminal(false), on_a_terminal(true)))
            .await
            .unwrap();
    let (Ok(coloured), Ok(plain)) = (coloured, plain) else {
        panic!("`script` (util-linux) is needed to give the tool a terminal");
    };
    assert!(
        has_colour_codes(&text(&coloured.stdout)),
        "colour on a terminal: {:?}",
        text(&coloured.stdout)
    );
    assert!(
        !has_colour_codes(&text(&plain.stdout)),
        "NO_COLOR: {:?}",
        text(&plain.stdout)
    );
}

/// `conform | head` in a CI job: the reader leaving early must not turn drift into exit 0.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_does_not_hide_a_failed_check() {
    let config = SimulatorConfig::default()
        .seed(11)
        .backup_servers(20)
        .api_key(KEY)
        .drift(true);
    let sim = Simulator::start(config).await.unwrap();
    let mut command = command(&sim, &["conform"]);
    let code = tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        child.wait().unwrap().code()
    })
    .await
    .unwrap();
    assert_eq!(code, Some(5), "drift is exit 5 whoever reads the report");
}
