//! The spec and the simulator, judged by tools this crate did not write:
//!
//! * Spectral (pinned, `scripts/package-lock.json`) lints both OpenAPI documents with the
//!   repository's `.spectral.yaml`; any error fails.
//! * Schemathesis (pinned, `scripts/install-checkers.sh`) generates requests from
//!   `spec/vspc-licensing.yaml`, sends them to a simulator started in this process and checks
//!   every answer with every check it has (`--checks all`: status codes, content types,
//!   schemas, rejection of invalid input, acceptance of valid input, authentication, methods
//!   the spec does not declare, ...). The only allowances are in `scripts/schemathesis.toml`,
//!   each with its reason. The simulator's journal then shows what each VCSP Pulse operation
//!   answered, and an operation that the run's parameters alone should let succeed but never
//!   did fails the test: parameters that name nothing would only test the `404`.
//!
//! The checkers are installed by running `scripts/install-checkers.sh`, which does nothing when
//! the pinned versions are already there. A failed install fails the test with the
//! installer's output: a check that silently did not run would look the same as one that passed.
//!
//! Both checks run in one test function, one after the other, so that two tests never run the
//! installer at the same time; both always run, and the test reports every failure at the end.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use vspc_licensing::simulator::{Scenario, Simulator, SimulatorConfig, SimulatorHandle};

/// The key Schemathesis sends as `Authorization: Bearer ...`.
const API_KEY: &str = "third-party-checks-key";

/// Installing from scratch downloads Schemathesis and Spectral with their dependencies.
const INSTALL_LIMIT: Duration = Duration::from_secs(600);
/// Spectral takes seconds per document; the limit only guards against a hang.
const SPECTRAL_LIMIT: Duration = Duration::from_secs(180);
/// Schemathesis' own budget (`--max-time`): fuzzing repeats until it is spent, so this is
/// also about how long the run takes.
const SCHEMATHESIS_BUDGET_SECS: u64 = 60;
/// Loading the spec, the examples and coverage phases, and the summary come on top of the
/// budget; past this the process is killed.
const SCHEMATHESIS_LIMIT: Duration = Duration::from_secs(SCHEMATHESIS_BUDGET_SECS + 240);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What a finished (or killed) process left behind.
struct Finished {
    status: Option<ExitStatus>,
    output: String,
    took: Duration,
}

impl Finished {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
    fn describe_status(&self) -> String {
        match self.status {
            Some(status) => status.to_string(),
            None => format!("killed after {:.0?} (time limit)", self.took),
        }
    }
}

/// Runs `command` to completion or until `limit`, whichever comes first, with stdout and
/// stderr going to one file in `scratch` (a file, not a pipe, so a chatty process can never
/// block on a full pipe while we wait for it).
fn run(mut command: Command, name: &str, limit: Duration, scratch: &Path) -> Finished {
    let log_path = scratch.join(format!("{name}.log"));
    let log = File::create(&log_path).expect("create a log file in the temp dir");
    let started = Instant::now();
    // A process group of its own, so a time-out ends the installer's pip and npm too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("duplicate the log handle"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    let status = loop {
        match child.try_wait().expect("wait for the child process") {
            Some(status) => break Some(status),
            None if started.elapsed() > limit => {
                // Killed and reaped, so no process outlives the test.
                #[cfg(unix)]
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let output =
        String::from_utf8_lossy(&std::fs::read(&log_path).unwrap_or_default()).into_owned();
    Finished {
        status,
        output,
        took: started.elapsed(),
    }
}

fn bash(script: &str) -> Command {
    let mut command = Command::new("bash");
    command.arg(root().join("scripts").join(script));
    command
}

/// Pulse licenses for the run, laid over the seeded Pulse (which issues none): one for the
/// reading and the other non-destructive operations, and one each for the operations that
/// would spoil it for the others (a patch may change its workloads or expiry, a revoked
/// license can no longer be installed or downloaded, a deleted one is gone). One point each
/// on the roomy contract, so the copies the run makes stay far inside its limit.
const PULSE_SCENARIO: &str = r#"
pulse:
  licenses:
    - {productId: VBR, contractId: C-1001, description: read, workloads: [{workloadId: VM, count: 1}]}
    - {productId: VBR, contractId: C-1001, description: patched, workloads: [{workloadId: VM, count: 1}]}
    - {productId: VBR, contractId: C-1001, description: revoked, workloads: [{workloadId: VM, count: 1}]}
    - {productId: VBR, contractId: C-1001, description: deleted, workloads: [{workloadId: VM, count: 1}]}
"#;

/// The repository's Schemathesis settings plus what only a running simulator knows: the UIDs,
/// report id and month it seeded, and its Pulse licenses and tenants, so that generated
/// requests reach real resources instead of ending in `404` every time.
fn schemathesis_config(sim: &SimulatorHandle) -> String {
    let state = sim.state();
    let first_and_second = |uids: Vec<uuid::Uuid>, what: &str| {
        assert!(
            uids.len() >= 2,
            "the simulator seeded fewer than two {what}"
        );
        (uids[0], uids[1])
    };
    let backups = state.backup_server_uids();
    let (backup, backup_to_delete) = first_and_second(backups.clone(), "backup servers");
    // A server of its own for `InstallPulseLicense`, which replaces the server's license.
    let backup_for_pulse = *backups
        .get(2)
        .expect("the simulator seeded fewer than three backup servers");
    let (vone, vone_to_delete) = first_and_second(state.vone_server_uids(), "Veeam ONE servers");
    let vb365 = state.vb365_server_uids()[0];
    let site = state.site_uids()[0];
    let report = serde_json::to_value(&state.reports()[0]).expect("a report serializes");
    let report_id = report["reportParameters"]["reportId"]
        .as_i64()
        .expect("a seeded report has an id");
    let month = report["reportParameters"]["reportInterval"]["startOfInterval"]
        .as_str()
        .and_then(|day| day.get(..7))
        .expect("a seeded report has an interval")
        .to_owned();

    let licenses: Vec<_> = state
        .pulse_licenses()
        .iter()
        .map(|license| license.instance_uid)
        .collect();
    let [license, license_to_patch, license_to_revoke, license_to_delete] = licenses[..] else {
        panic!("the scenario gave the simulator {licenses:?}, not four Pulse licenses");
    };
    let tenants = state.pulse_tenants();
    let mapped: Vec<_> = tenants
        .iter()
        .filter_map(|t| Some((t.instance_uid.clone()?, t.mapped_master_organization_uid?)))
        .collect();
    let unmapped = tenants
        .iter()
        .find(|t| t.mapped_master_organization_uid.is_none())
        .and_then(|t| t.instance_uid.clone())
        .expect("the simulator seeded an unmapped Pulse tenant");
    assert!(
        mapped.len() >= 2,
        "the simulator seeded fewer than two mapped Pulse tenants"
    );
    // The first mapped tenant is read and patched; the second one's company gets tenants
    // created for it (`409` unless rewritten, which unmaps the second tenant, not the first).
    let tenant = &mapped[0].0;
    let company_with_tenant = mapped[1].1;

    let base = std::fs::read_to_string(root().join("scripts/schemathesis.toml"))
        .expect("read scripts/schemathesis.toml");
    let mut config = base;
    write!(
        config,
        r#"

# Added by tests/conformance/third_party.rs for the simulator it started.
[parameters]
"path.backupServerUid" = "{backup}"
"path.vOneServerUid" = "{vone}"
"path.vb365ServerUid" = "{vb365}"
"path.siteUid" = "{site}"
"path.id" = {report_id}
"path.date" = "{month}"
"path.licenseUid" = "{license}"
"path.tenantUid" = "{tenant}"

# Deletes get a server of their own, so the others keep finding theirs.
[[operations]]
include-operation-id-regex = "^Delete(BackupServer|VOneServer)License$"
parameters = {{ "path.backupServerUid" = "{backup_to_delete}", "path.vOneServerUid" = "{vone_to_delete}" }}

# Pulse licenses that would be spoilt for the other operations get one each of their own.
[[operations]]
include-operation-id-regex = "^PatchPulseLicense$"
parameters = {{ "path.licenseUid" = "{license_to_patch}" }}

[[operations]]
include-operation-id-regex = "^RevokePulseLicense$"
parameters = {{ "path.licenseUid" = "{license_to_revoke}" }}

[[operations]]
include-operation-id-regex = "^DeletePulseLicense$"
parameters = {{ "path.licenseUid" = "{license_to_delete}" }}

# A VBR license goes on a backup server; this one is no other operation's.
[[operations]]
include-operation-id-regex = "^InstallPulseLicense$"
parameters = {{ "query.serverUid" = "{backup_for_pulse}" }}

# Only an unmapped tenant becomes a company (a mapped one is a `409`).
[[operations]]
include-operation-id-regex = "^CreateCompanyByPulseTenant$"
parameters = {{ "path.tenantUid" = "{unmapped}", "query.siteUid" = "{site}" }}

[[operations]]
include-operation-id-regex = "^CreatePulseTenantByCompany$"
parameters = {{ "query.companyUid" = "{company_with_tenant}" }}
"#
    )
    .expect("write to a String");
    config
}

/// Spectral on both documents; returns the failures.
fn spectral(scratch: &Path, failures: &mut Vec<String>) {
    for spec in ["spec/vspc-licensing.yaml", "spec/vac-v2-licensing.yaml"] {
        let mut command = bash("spectral.sh");
        command.arg(root().join(spec)).current_dir(scratch);
        let name = format!("spectral-{}", spec.replace(['/', '.'], "-"));
        let finished = run(command, &name, SPECTRAL_LIMIT, scratch);
        println!(
            "--- Spectral on {spec} ({:.1?}): {}\n{}",
            finished.took,
            finished.describe_status(),
            finished.output.trim_end()
        );
        if !finished.succeeded() {
            failures.push(format!(
                "Spectral found errors in {spec} ({}):\n{}",
                finished.describe_status(),
                finished.output
            ));
        }
    }
}

/// Schemathesis against an in-process simulator; returns the failures.
fn schemathesis(scratch: &Path, failures: &mut Vec<String>) {
    // Kept alive (with its worker threads serving the simulator) while Schemathesis runs
    // in the foreground of this thread.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let sim = runtime
        .block_on(Simulator::start(
            SimulatorConfig::default()
                .scenario(
                    Scenario::from_text(PULSE_SCENARIO, "third-party checks")
                        .expect("the Pulse scenario is valid"),
                )
                // The newest console: it has every operation of the spec (3.7's monthly
                // usages among them, a 404 on older ones), and answers a request that declares
                // an older version in that version's shapes, all of which the spec must take.
                .api_version(vspc_licensing::ApiVersion::NEWEST)
                // What each Pulse operation answered, to show the run reached real resources.
                .journal(true)
                .api_key(API_KEY)
                // The spec's example sign-in, so the examples phase signs in for real.
                .user("msp-automation", "correct-horse-battery-staple"),
        ))
        .expect("the simulator starts on loopback");

    let config_path = scratch.join("schemathesis.toml");
    std::fs::write(&config_path, schemathesis_config(&sim)).expect("write the config");

    let mut command = bash("schemathesis.sh");
    command
        .arg(sim.root_url())
        .arg(API_KEY)
        .args(["--max-examples", "10"])
        .args(["--max-time", &SCHEMATHESIS_BUDGET_SECS.to_string()])
        .env("SCHEMATHESIS_CONFIG", &config_path)
        // Anything Schemathesis writes next to where it runs lands in the temp dir.
        .current_dir(scratch);
    let finished = run(command, "schemathesis", SCHEMATHESIS_LIMIT, scratch);

    let journal = sim.journal().unwrap_or_default();
    runtime.block_on(sim.shutdown());
    runtime.shutdown_timeout(Duration::from_secs(5));
    let pulse = pulse_answers(&journal);

    // Straight to stderr, past the test harness' capture: the summary belongs in every CI log,
    // not only in those of failed runs.
    let _ = writeln!(
        std::io::stderr(),
        "--- Schemathesis against the simulator ({:.1?}): {}\n{}",
        finished.took,
        finished.describe_status(),
        summary(&finished.output)
    );
    let _ = writeln!(
        std::io::stderr(),
        "--- Pulse operations, answers in the run (2xx of all):\n{}",
        pulse
            .iter()
            .map(|(operation, (ok, all))| format!("{operation}: {ok} of {all}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let unreached: Vec<_> = vspc_licensing::contract::Spec::embedded()
        .operations()
        .iter()
        .filter(|op| op.path.starts_with("/pulse"))
        .map(|op| op.operation_id.as_str())
        .filter(|op| !PULSE_NEEDS_DATA.contains(op))
        .filter(|op| pulse.get(*op).is_none_or(|(ok, _)| *ok == 0))
        .collect();
    if !unreached.is_empty() {
        failures.push(format!(
            "Schemathesis never got a success from {unreached:?}: the run's Pulse parameters \
             no longer name resources the simulator has"
        ));
    }
    if !finished.succeeded() {
        failures.push(format!(
            "Schemathesis found failures ({}):\n{}",
            finished.describe_status(),
            finished.output
        ));
    }
}

/// Pulse operations whose success takes data no parameter of the run supplies, so a run may
/// well have none: a new license must name a product, contract and workloads of the
/// simulator's Pulse (generated and example ids name none), a tenant is remapped only to a
/// company no other tenant has (generated UIDs name no company), and a tenant is created for
/// the run's company only when `rewriteExisting=true` is generated (it has a tenant already).
const PULSE_NEEDS_DATA: &[&str] = &[
    "CreatePulseLicense",
    "PatchPulseTenant",
    "CreatePulseTenantByCompany",
];

/// For each Pulse operation the simulator was asked for, how many of its answers were
/// successes (not replays of a stored answer: Schemathesis sends the same `X-Request-id`
/// again) and how many there were, by operation id.
fn pulse_answers(
    journal: &[vspc_licensing::simulator::JournalEntry],
) -> std::collections::BTreeMap<String, (usize, usize)> {
    let mut answers = std::collections::BTreeMap::new();
    for entry in journal {
        let Some(operation) = entry.operation_id.as_deref() else {
            continue;
        };
        if !entry.path.starts_with("/api/v3/pulse") {
            continue;
        }
        let (ok, all) = answers.entry(operation.to_owned()).or_insert((0, 0));
        *all += 1;
        if !entry.replayed && entry.status.is_some_and(|s| (200..300).contains(&s)) {
            *ok += 1;
        }
    }
    answers
}

/// The part of Schemathesis' output after the per-operation progress lines: failures, if
/// any, then the summary.
fn summary(output: &str) -> &str {
    ["=== FAILURES", "=== SUMMARY", "SUMMARY"]
        .iter()
        .find_map(|marker| output.find(marker))
        .map(|at| &output[output[..at].rfind('\n').map_or(0, |n| n + 1)..])
        .unwrap_or(output)
        .trim_end()
}

#[test]
fn spectral_and_schemathesis_find_nothing_wrong() {
    let scratch = tempfile::tempdir().expect("a temp dir");
    let started = Instant::now();

    let install = run(
        bash("install-checkers.sh"),
        "install-checkers",
        INSTALL_LIMIT,
        scratch.path(),
    );
    assert!(
        install.succeeded(),
        "scripts/install-checkers.sh failed ({}); the third-party checks cannot run:\n{}",
        install.describe_status(),
        install.output
    );
    println!(
        "--- scripts/install-checkers.sh ({:.1?})\n{}",
        install.took,
        install.output.trim_end()
    );

    let mut failures = Vec::new();
    spectral(scratch.path(), &mut failures);
    schemathesis(scratch.path(), &mut failures);
    println!("--- third-party checks took {:.1?}", started.elapsed());

    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn summary_starts_at_the_failures_or_the_summary() {
    let output = "GET /a .\nGET /b F\n\n=== FAILURES ===\nboom\n=== SUMMARY ===\n1 failed\n";
    assert_eq!(
        summary(output),
        "=== FAILURES ===\nboom\n=== SUMMARY ===\n1 failed"
    );
    assert_eq!(summary("no markers\n"), "no markers");
}
