//! `pulse licenses renew` as a process against `serve`: licenses about to expire are extended,
//! the servers running them follow with auto-update on and are reported failed with it off, a
//! license far from expiry is left alone, and a second run changes nothing and says so; a dry
//! run reports the same rows with no write in the simulator's journal.

use crate::support::cli::run_against;
use crate::support::served::Served;

const KEY: &str = "pulse-renew-key";

fn run(url: &str, args: &[&str]) -> (i32, String, String) {
    run_against(url, KEY, args)
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A VBR license of 5 VMs expiring in `days`, issued through the CLI; its instanceUid.
/// `pulse licenses renew --expiring-within 30d --until UNTIL`, then `extra`.
fn renew_args<'a>(until: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "pulse",
        "licenses",
        "renew",
        "--expiring-within",
        "30d",
        "--until",
        until,
    ];
    args.extend_from_slice(extra);
    args
}

fn issue(url: &str, days: i64) -> String {
    let expiry = (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    let (code, out, err) = run(
        url,
        &[
            "pulse",
            "licenses",
            "create",
            "--product",
            "VBR",
            "--contract",
            "C-1001",
            "--expires",
            &expiry,
            "--workload",
            "VM=5",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    json(&out)["instanceUid"].as_str().unwrap().to_owned()
}

fn backup_servers(url: &str) -> Vec<String> {
    let (code, out, err) = run(url, &["licenses", "list", "--product", "vbr", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["backupServerUid"].as_str().unwrap().to_owned())
        .collect()
}

fn server_expiry(url: &str, server: &str) -> String {
    let (code, out, err) = run(url, &["licenses", "list", "--product", "vbr", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let listed = json(&out);
    let license = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["backupServerUid"] == server)
        .unwrap_or_else(|| panic!("{server} is listed: {out}"));
    license["expirationDate"].as_str().unwrap()[..10].to_owned()
}

/// The rows of a renew run's JSON report, as (license, target, outcome).
fn rows(out: &str) -> Vec<(String, String, String)> {
    let mut rows: Vec<_> = json(out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["pulse_license"].as_str().unwrap().to_owned(),
                r["target"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn renew_extends_what_expires_soon_and_the_servers_follow_only_with_auto_update_on() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let servers = backup_servers(url);
    let (on, off) = (servers[0].clone(), servers[1].clone());
    let (code, _, err) = run(url, &["auto-update", "enable", "--product", "vbr", &on]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(url, &["auto-update", "disable", "--product", "vbr", &off]);
    assert_eq!(code, 0, "{err}");
    let soon_on = issue(url, 10);
    let soon_off = issue(url, 12);
    let later = issue(url, 200);
    for (license, server) in [(&soon_on, &on), (&soon_off, &off)] {
        let (code, _, err) = run(
            url,
            &["pulse", "licenses", "install", license, "--server", server],
        );
        assert_eq!(code, 0, "{err}");
    }
    let until = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%Y-%m-%d")
        .to_string();
    let renew = renew_args(&until, &["-o", "json"]);
    let (code, _, err) = run(url, &renew);
    assert_eq!(code, 2, "without a terminal, renew wants --yes: {err}");
    assert!(
        err.contains("--yes") && !err.contains("delete"),
        "the refusal names what is asked, not a deletion: {err}"
    );

    let mut renew = renew.to_vec();
    renew.push("--yes");
    let (code, out, err) = run(url, &renew);
    assert_eq!(
        code, 1,
        "the server with auto-update off did not follow: {err}"
    );
    let vbr = |server: &str| format!("vbr {server}");
    let mut expected = vec![
        (soon_on.clone(), "pulse".to_owned(), "changed".to_owned()),
        (soon_off.clone(), "pulse".to_owned(), "changed".to_owned()),
        (soon_on.clone(), vbr(&on), "changed".to_owned()),
        (soon_off.clone(), vbr(&off), "failed".to_owned()),
    ];
    expected.sort();
    assert_eq!(rows(&out), expected, "{out}");
    assert!(
        out.contains("auto-update is off"),
        "the failure says why: {out}"
    );
    assert!(
        !out.contains(&later),
        "a license far from expiry is left alone: {out}"
    );
    assert_eq!(server_expiry(url, &on), until);
    assert_ne!(
        server_expiry(url, &off),
        until,
        "ALK never reaches a server with auto-update off"
    );
    let (_, shown, _) = run(url, &["pulse", "licenses", "show", &later, "-o", "json"]);
    assert!(!json(&shown)["expirationDate"]
        .as_str()
        .unwrap()
        .starts_with(&until));

    // The same run again: nothing left to change but the server that still cannot follow.
    let (code, out, err) = run(url, &renew);
    assert_eq!(code, 1, "{err}");
    let mut expected = vec![
        (soon_on.clone(), "pulse".to_owned(), "unchanged".to_owned()),
        (soon_off.clone(), "pulse".to_owned(), "unchanged".to_owned()),
        (soon_on.clone(), vbr(&on), "unchanged".to_owned()),
        (soon_off.clone(), vbr(&off), "failed".to_owned()),
    ];
    expected.sort();
    assert_eq!(rows(&out), expected, "{out}");
    assert!(err.contains("0 changed"), "{err}");

    // With auto-update on, that server follows at the next run, and then nothing is left.
    let (code, _, err) = run(url, &["auto-update", "enable", "--product", "vbr", &off]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(url, &renew);
    assert_eq!(code, 0, "{err}");
    assert!(
        rows(&out).contains(&(soon_off.clone(), vbr(&off), "changed".to_owned())),
        "{out}"
    );
    assert_eq!(server_expiry(url, &off), until);
    let (code, out, err) = run(url, &renew);
    assert_eq!(code, 0, "{err}");
    assert!(
        rows(&out)
            .iter()
            .all(|(_, _, outcome)| outcome == "unchanged"),
        "{out}"
    );
    assert!(err.contains("0 changed, 4 already set, 0 failed"), "{err}");
    drop(served);
}

#[test]
fn renew_refuses_an_until_inside_the_period_and_says_when_nothing_expires() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let soon = (chrono::Utc::now() + chrono::Duration::days(5))
        .format("%Y-%m-%d")
        .to_string();
    let (code, _, err) = run(url, &renew_args(&soon, &["--yes"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--until"), "{err}");
    let (code, _, err) = run(url, &renew_args("tomorrow", &["--yes"]));
    assert_eq!(code, 2, "{err}");
    let issued = issue(url, 300);
    let (code, out, err) = run(url, &renew_args("2099-01-01", &["--yes", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "[]", "{out}");
    assert!(err.contains("no Pulse license expires before"), "{err}");
    assert!(!out.contains(&issued));
    drop(served);
}

#[test]
fn renew_leaves_the_servers_of_a_revoked_license_alone() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let server = backup_servers(url)[0].clone();
    let (code, _, err) = run(url, &["auto-update", "enable", "--product", "vbr", &server]);
    assert_eq!(code, 0, "{err}");
    let license = issue(url, 10);
    let (code, _, err) = run(
        url,
        &[
            "pulse", "licenses", "install", &license, "--server", &server,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(url, &["pulse", "licenses", "revoke", &license, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let before = server_expiry(url, &server);
    let (code, out, err) = run(url, &renew_args("2099-01-01", &["--yes", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        rows(&out),
        [(license.clone(), "pulse".to_owned(), "changed".to_owned())],
        "no server row: {out}"
    );
    assert_eq!(server_expiry(url, &server), before);
    let (_, listed, _) = run(url, &["licenses", "list", "--product", "vbr", "-o", "json"]);
    let copy = json(&listed)
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["backupServerUid"] == server.as_str())
        .cloned()
        .unwrap();
    assert_ne!(copy["status"], "Error", "no update was triggered: {copy}");
    drop(served);
}

/// Runs the CLI speaking `version`; it must succeed; stdout.
fn ok_at(url: &str, version: &str, args: &[&str]) -> String {
    let mut all = vec!["--api-version", version];
    all.extend(args);
    let (code, out, err) = run(url, &all);
    assert_eq!(code, 0, "{version} {args:?}: {err}");
    out
}

#[test]
fn renew_updates_every_kind_of_server_in_every_api_version() {
    // (the CLI's --product, the Pulse product and workload, where the server's UID is)
    let kinds = [
        ("vbr", "VBR", "VM", "backupServerUid"),
        ("vone", "VONE", "VM", "vOneServerUid"),
        ("vb365", "VB365", "USER", "vb365ServerUid"),
    ];
    for version in vspc_licensing::ApiVersion::ALL {
        let version = version.as_str();
        let served = Served::start(&["--api-key", KEY, "--api-version", version]);
        let url = served.root();
        let expiry = (chrono::Utc::now() + chrono::Duration::days(10))
            .format("%Y-%m-%dT00:00:00Z")
            .to_string();
        let mut expected = Vec::new();
        let mut servers = Vec::new();
        for (cli, product, workload, uid_field) in kinds {
            let listed = json(&ok_at(
                url,
                version,
                &["licenses", "list", "--product", cli, "-o", "json"],
            ));
            let server = listed[0][uid_field].as_str().unwrap().to_owned();
            ok_at(
                url,
                version,
                &["auto-update", "enable", "--product", cli, &server],
            );
            let count = format!("{workload}=3");
            let created = json(&ok_at(
                url,
                version,
                &[
                    "pulse",
                    "licenses",
                    "create",
                    "--product",
                    product,
                    "--contract",
                    "C-1001",
                    "--expires",
                    &expiry,
                    "--workload",
                    &count,
                    "-o",
                    "json",
                ],
            ));
            let license = created["instanceUid"].as_str().unwrap().to_owned();
            ok_at(
                url,
                version,
                &[
                    "pulse", "licenses", "install", &license, "--server", &server,
                ],
            );
            expected.push((license.clone(), "pulse".to_owned(), "changed".to_owned()));
            expected.push((license, format!("{cli} {server}"), "changed".to_owned()));
            servers.push((cli, uid_field, server));
        }
        expected.sort();
        let out = ok_at(
            url,
            version,
            &renew_args("2030-03-31", &["--yes", "-o", "json"]),
        );
        assert_eq!(rows(&out), expected, "{version}: {out}");
        for (cli, uid_field, server) in servers {
            let listed = json(&ok_at(
                url,
                version,
                &["licenses", "list", "--product", cli, "-o", "json"],
            ));
            let on_server = listed
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l[uid_field] == server.as_str())
                .cloned()
                .unwrap();
            assert!(
                on_server["expirationDate"]
                    .as_str()
                    .unwrap()
                    .starts_with("2030-03-31"),
                "{version} {cli}: {on_server}"
            );
        }
        drop(served);
    }
}

/// The requests the simulator journaled from line `from` on, as (method, path, applied).
fn journaled(journal: &std::path::Path, from: usize) -> Vec<(String, String, bool)> {
    std::fs::read_to_string(journal)
        .unwrap()
        .lines()
        .skip(from)
        .map(|line| {
            let entry = json(line);
            (
                entry["method"].as_str().unwrap().to_owned(),
                entry["path"].as_str().unwrap().to_owned(),
                entry["applied"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn journal_len(journal: &std::path::Path) -> usize {
    std::fs::read_to_string(journal).unwrap().lines().count()
}

/// What the console holds that a renewal may change: every Pulse license and every server.
fn estate(url: &str) -> (serde_json::Value, serde_json::Value) {
    let (code, pulse, err) = run(url, &["pulse", "licenses", "list", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let (code, servers, err) = run(url, &["licenses", "list", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    (json(&pulse), json(&servers))
}

#[test]
fn renew_dry_run_reports_what_a_run_would_do_sends_no_write_and_the_run_does_just_that() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let served = Served::start(&["--api-key", KEY, "--journal", journal.to_str().unwrap()]);
    let url = served.root();
    let servers = backup_servers(url);
    let (on, off, revoked_on) = (servers[0].clone(), servers[1].clone(), servers[2].clone());
    for (switch, server) in [("enable", &on), ("disable", &off), ("enable", &revoked_on)] {
        let (code, _, err) = run(url, &["auto-update", switch, "--product", "vbr", server]);
        assert_eq!(code, 0, "{err}");
    }
    let soon_on = issue(url, 10);
    let soon_off = issue(url, 12);
    let revoked = issue(url, 8);
    let later = issue(url, 200);
    for (license, server) in [(&soon_on, &on), (&soon_off, &off), (&revoked, &revoked_on)] {
        let (code, _, err) = run(
            url,
            &["pulse", "licenses", "install", license, "--server", server],
        );
        assert_eq!(code, 0, "{err}");
    }
    let (code, _, err) = run(url, &["pulse", "licenses", "revoke", &revoked, "--yes"]);
    assert_eq!(code, 0, "{err}");
    let until = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%Y-%m-%d")
        .to_string();
    let renew = |extra: &[&str]| run(url, &renew_args(&until, extra));
    let before = estate(url);
    let from = journal_len(&journal);

    // No --yes and no terminal: a dry run asks nothing.
    let (code, out, err) = renew(&["--dry-run", "-o", "json"]);
    assert_eq!(code, 0, "a foreseen failure still exits 0: {err}");
    let vbr = |server: &str| format!("vbr {server}");
    let row = |license: &str, target: String, outcome: &str| {
        (license.to_owned(), target, outcome.to_owned())
    };
    let mut foreseen = vec![
        row(&soon_on, "pulse".into(), "would change"),
        row(&soon_off, "pulse".into(), "would change"),
        row(&revoked, "pulse".into(), "would change"),
        row(&soon_on, vbr(&on), "would change"),
        row(&soon_off, vbr(&off), "would fail"),
    ];
    foreseen.sort();
    assert_eq!(
        rows(&out),
        foreseen,
        "no row for the revoked license's server: {out}"
    );
    let report = json(&out);
    let detail = |license: &str, target: &str| {
        report
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["pulse_license"] == license && r["target"] == target)
            .map(|r| r["detail"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert!(
        detail(&soon_on, "pulse").ends_with(&format!("-> {until}")),
        "current and new expiry: {out}"
    );
    assert!(
        detail(&soon_off, &vbr(&off)).contains("auto-update is off")
            && detail(&soon_off, &vbr(&off)).contains("auto-update enable --product vbr"),
        "why it would fail, and the fix: {out}"
    );
    assert!(
        detail(&revoked, "pulse").contains("no server is updated"),
        "{out}"
    );
    assert!(!out.contains(&later), "{out}");
    assert!(
        err.contains("dry run, nothing was sent: 4 would change, 0 already set, 1 would fail"),
        "{err}"
    );
    // The same rows in the command's other formats.
    let (code, csv, err) = renew(&["--dry-run", "-o", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        csv.starts_with("pulse license,target,outcome,detail"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().filter(|l| l.contains("would")).count(),
        5,
        "{csv}"
    );
    let (code, ndjson, err) = renew(&["--dry-run", "-o", "ndjson"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ndjson.lines().count(), 5, "{ndjson}");

    let sent = journaled(&journal, from);
    assert!(
        sent.iter()
            .any(|(method, path, _)| method == "GET" && path.ends_with("/pulse/licenses")),
        "the dry runs read the Pulse licenses: {sent:?}"
    );
    let writes: Vec<_> = sent
        .iter()
        .filter(|(method, _, applied)| method != "GET" || *applied)
        .collect();
    assert!(writes.is_empty(), "a dry run sends no write: {writes:?}");
    assert_eq!(estate(url), before, "nothing changed");

    // The real run does what the dry run said, to the same licenses and servers.
    let from = journal_len(&journal);
    let (code, out, err) = renew(&["--yes", "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let mut done: Vec<_> = foreseen
        .iter()
        .map(|(license, target, outcome)| {
            let outcome = match outcome.as_str() {
                "would change" => "changed",
                "would fail" => "failed",
                other => other,
            };
            row(license, target.clone(), outcome)
        })
        .collect();
    done.sort();
    assert_eq!(rows(&out), done, "{out}");
    assert_eq!(server_expiry(url, &on), until);
    let sent = journaled(&journal, from);
    let patched = sent.iter().filter(|(m, _, a)| m == "PATCH" && *a).count();
    assert_eq!(
        patched, 3,
        "one PATCH per license the dry run named: {sent:?}"
    );
    assert!(
        sent.iter()
            .any(|(m, path, _)| m == "POST" && path.contains(&on)),
        "{sent:?}"
    );

    // A dry run after it foresees nothing but the server that still cannot follow.
    let (code, out, err) = renew(&["--dry-run", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let mut left = vec![
        row(&soon_on, "pulse".into(), "unchanged"),
        row(&soon_off, "pulse".into(), "unchanged"),
        row(&revoked, "pulse".into(), "unchanged"),
        row(&soon_on, vbr(&on), "unchanged"),
        row(&soon_off, vbr(&off), "would fail"),
    ];
    left.sort();
    assert_eq!(rows(&out), left, "{out}");
    drop(served);
}

#[test]
fn renew_dry_run_says_when_nothing_expires() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let issued = issue(url, 300);
    let (code, out, err) = run(url, &renew_args("2099-01-01", &["--dry-run", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "[]", "{out}");
    assert!(err.contains("no Pulse license expires before"), "{err}");
    assert!(
        err.contains("dry run, nothing was sent: 0 would change"),
        "{err}"
    );
    let (_, shown, _) = run(url, &["pulse", "licenses", "show", &issued, "-o", "json"]);
    assert!(!json(&shown)["expirationDate"]
        .as_str()
        .unwrap()
        .starts_with("2099"));
    drop(served);
}
