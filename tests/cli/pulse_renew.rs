//! `pulse licenses renew` as a process against `serve`: licenses about to expire are extended,
//! the servers running them follow with auto-update on and are reported failed with it off, a
//! license far from expiry is left alone, and a second run changes nothing and says so.

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
    let renew = [
        "pulse",
        "licenses",
        "renew",
        "--expiring-within",
        "30d",
        "--until",
        &until,
        "-o",
        "json",
    ];
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
    let (code, _, err) = run(
        url,
        &[
            "pulse",
            "licenses",
            "renew",
            "--expiring-within",
            "30d",
            "--until",
            &soon,
            "--yes",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--until"), "{err}");
    let (code, _, err) = run(
        url,
        &[
            "pulse",
            "licenses",
            "renew",
            "--expiring-within",
            "30d",
            "--until",
            "tomorrow",
            "--yes",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let issued = issue(url, 300);
    let (code, out, err) = run(
        url,
        &[
            "pulse",
            "licenses",
            "renew",
            "--expiring-within",
            "30d",
            "--until",
            "2099-01-01",
            "--yes",
            "-o",
            "json",
        ],
    );
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
    let (code, out, err) = run(
        url,
        &[
            "pulse",
            "licenses",
            "renew",
            "--expiring-within",
            "30d",
            "--until",
            "2099-01-01",
            "--yes",
            "-o",
            "json",
        ],
    );
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
            &[
                "pulse",
                "licenses",
                "renew",
                "--expiring-within",
                "30d",
                "--until",
                "2030-03-31",
                "--yes",
                "-o",
                "json",
            ],
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
