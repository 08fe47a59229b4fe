//! `vspc-licensing check` as a process, as a monitoring scheduler runs it: the exit code
//! (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), the status line with its performance data and
//! the detail lines, against a simulator serving licenses dated relative to today.

use chrono::{Duration, Utc};

use crate::support::cli::tool;
use crate::support::served::Served;

const KEY: &str = "check-test-key";

/// Four backup servers and a Veeam ONE server: Alpha is fine, Beta expires in a month, Gamma
/// in five days with auto-update off, Delta uses more than it is licensed for.
fn scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let in_days =
        |days: i64| (Utc::now() + Duration::days(days) + Duration::hours(12)).to_rfc3339();
    let text = format!(
        r#"seed: none
backupServers:
  - backupServerUid: 0b7e2c4a-1d3f-4a5b-8c6d-7e8f9a0b1c2d
    company: Alpha
    expirationDate: "{far}"
    autoUpdateEnabled: true
    units: 100
    usedUnits: 10
  - backupServerUid: 1c8f3d5b-2e4a-4b6c-9d7e-8f9a0b1c2d3e
    company: Beta
    expirationDate: "{month}"
    autoUpdateEnabled: true
    units: 100
    usedUnits: 10
  - backupServerUid: 3f0a5e7c-4a6b-4c8d-9e0f-a1b2c3d4e5f6
    company: Delta
    expirationDate: "{far}"
    autoUpdateEnabled: true
    units: 100
    usedUnits: 120
voneServers:
  - vOneServerUid: 2d9a4e6c-3f5b-4c7d-8e8f-9a0b1c2d3e4f
    company: Gamma
    expirationDate: "{soon}"
    autoUpdateEnabled: false
    units: 10
    usedUnits: 1
console:
  licenseeCompany: Provider
  expirationDate: "{far}"
"#,
        far = in_days(400),
        month = in_days(30),
        soon = in_days(5),
    );
    let path = dir.join("check.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `check ARGS` against `url`: exit code and standard output.
fn check(url: &str, key: &str, args: &[&str]) -> (i32, String) {
    let output = tool()
        .env("VSPC_URL", url)
        .env("VSPC_API_KEY", key)
        .arg("check")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[test]
fn ok_warning_and_critical_with_their_status_lines_and_details() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&[
        "--api-key",
        KEY,
        "--scenario",
        scenario(dir.path()).to_str().unwrap(),
    ]);
    let url = served.root();

    let (code, out) = check(url, KEY, &["--company", "alpha"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "VSPC LICENSES OK - 1 license, none expires within 60 days | expiring_15d=0;;0;0 expiring_60d=0;0;;0 auto_update_off=0;0;;0 used_over_licensed=0;;;0 licenses=1;;;0\n"
    );

    let (code, out) = check(url, KEY, &["--company", "Beta"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        first_line(&out).starts_with("VSPC LICENSES WARNING - 1 license expires within 60 days | expiring_15d=0;;0;0 expiring_60d=1;0;;0 "),
        "{out}"
    );
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("WARNING: vbr 1c8f3d5b-2e4a-4b6c-9d7e-8f9a0b1c2d3e (Beta) expires on "),
        "{out}"
    );

    let (code, out) = check(url, KEY, &[]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        first_line(&out),
        "VSPC LICENSES CRITICAL - 1 license expires within 15 days, 1 more within 60 days, 1 server without auto-update | expiring_15d=1;;0;0 expiring_60d=2;0;;0 auto_update_off=1;0;;0 used_over_licensed=1;;;0 licenses=5;;;0"
    );
    let details: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(details.len(), 3, "{out}");
    assert!(
        details[0]
            .starts_with("CRITICAL: vone 2d9a4e6c-3f5b-4c7d-8e8f-9a0b1c2d3e4f (Gamma) expires on "),
        "{out}"
    );
    assert!(details[0].ends_with("(in 5 days)"), "{out}");
    assert!(details.iter().any(|l| *l == "WARNING: vone 2d9a4e6c-3f5b-4c7d-8e8f-9a0b1c2d3e4f (Gamma) has automatic license updates off"), "{out}");

    // Thresholds move the verdict: Gamma's five days are only a warning with --critical 3d.
    let (code, out) = check(
        url,
        KEY,
        &[
            "--critical",
            "3d",
            "--auto-update-off",
            "ignore",
            "--product",
            "vone",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        first_line(&out).contains("expiring_3d=0;;0;0 expiring_60d=1;0;;0 auto_update_off=1;;;0"),
        "{out}"
    );
    let (code, out) = check(
        url,
        KEY,
        &[
            "--product",
            "vone",
            "--auto-update-off",
            "critical",
            "--warning",
            "1d",
            "--critical",
            "1d",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        first_line(&out).starts_with("VSPC LICENSES CRITICAL - 1 server without auto-update |"),
        "{out}"
    );

    // Over-use is ignored unless asked for; the flag alone makes it critical.
    let (code, out) = check(url, KEY, &["--product", "vbr", "--company", "delta"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = check(
        url,
        KEY,
        &[
            "--product",
            "vbr",
            "--company",
            "delta",
            "--used-over-licensed",
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        first_line(&out).contains("1 license uses more units than licensed |"),
        "{out}"
    );
    assert_eq!(
        out.lines().nth(1),
        Some("CRITICAL: vbr 3f0a5e7c-4a6b-4c8d-9e0f-a1b2c3d4e5f6 (Delta) uses 120 units of 100")
    );
    let (code, _) = check(
        url,
        KEY,
        &[
            "--product",
            "vbr",
            "--company",
            "delta",
            "--used-over-licensed",
            "warning",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn unknown_when_the_console_cannot_be_read_or_the_command_is_wrong() {
    let served = Served::start(&["--api-key", KEY, "--backup-servers", "2"]);
    let (code, out) = check(served.root(), "not-the-key", &[]);
    assert_eq!(code, 3, "{out}");
    assert!(
        first_line(&out).starts_with("VSPC LICENSES UNKNOWN - console default: "),
        "{out}"
    );
    assert!(
        !first_line(&out).contains('|'),
        "no performance data from a failed read: {out}"
    );
    assert!(first_line(&out).contains("401"), "{out}");
    drop(served);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, out) = check(&url, KEY, &["--timeout", "5s"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        first_line(&out).starts_with("VSPC LICENSES UNKNOWN - console default: "),
        "{out}"
    );

    let (code, out) = check(&url, KEY, &["--warning", "10d", "--critical", "20d"]);
    assert_eq!(code, 3, "{out}");
    assert!(
        first_line(&out).contains("--critical (20d) is longer than --warning (10d)"),
        "{out}"
    );
    let (code, _) = check(&url, KEY, &["--no-such-option"]);
    assert_eq!(code, 3, "a wrong command line is UNKNOWN too");
    let (code, _) = check(&url, KEY, &["--auto-update-off", "sometimes"]);
    assert_eq!(code, 3);
}
