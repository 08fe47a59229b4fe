//! The whole VCSP Pulse lifecycle as the CLI process against `serve --api-version V`, for every
//! API version: issue a license in Pulse, install it on a managed server (backup server, Veeam
//! ONE, Veeam Backup for Microsoft 365), see it there, change
//! it in Pulse, and watch the server follow at `license update` only while its automatic
//! update is on (the ALK behaviour), then revoke it and see the server's copy go invalid at its
//! next update.

use serde_json::Value;
use vspc_licensing::ApiVersion;

use crate::support::cli::tool;
use crate::support::served::Served;

const KEY: &str = "pulse-lifecycle-key";

/// One CLI run against the console at `url` speaking `version`; stdout as JSON on success.
struct Console<'a> {
    url: &'a str,
    version: &'a str,
}

impl Console<'_> {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = tool()
            .env("VSPC_URL", self.url)
            .env("VSPC_API_KEY", KEY)
            .args(["--api-version", self.version])
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code().expect("an exit code"),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    /// Runs `args` with `-o json`, which must succeed, and reads what it printed.
    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        let (code, out, err) = self.run(&args);
        assert_eq!(code, 0, "{} {args:?}: {err}", self.version);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{} {args:?}: {e}: {out}", self.version))
    }

    /// Runs `args`, which must succeed.
    fn ok(&self, args: &[&str]) {
        let (code, _, err) = self.run(args);
        assert_eq!(code, 0, "{} {args:?}: {err}", self.version);
    }

    /// The server's license as `licenses show` prints it.
    fn server_license(&self, kind: &Kind, server: &str) -> Value {
        self.json(&["licenses", "show", "--product", kind.cli, server])
    }
}

/// A kind of managed server a Pulse product's license goes on.
struct Kind {
    /// The CLI's `--product`.
    cli: &'static str,
    /// The Pulse product and the workload it counts.
    product: &'static str,
    workload: &'static str,
    /// Where the server's license names the server, and its licensed units.
    uid_field: &'static str,
    units_field: &'static str,
}

const BACKUP_SERVER: Kind = Kind {
    cli: "vbr",
    product: "VBR",
    workload: "VM",
    uid_field: "backupServerUid",
    units_field: "units",
};
const VONE_SERVER: Kind = Kind {
    cli: "vone",
    product: "VONE",
    workload: "VM",
    uid_field: "vOneServerUid",
    units_field: "units",
};
const VB365_SERVER: Kind = Kind {
    cli: "vb365",
    product: "VB365",
    workload: "USER",
    uid_field: "vb365ServerUid",
    units_field: "licensedUsers",
};

fn units(kind: &Kind, license: &Value) -> Option<f64> {
    license[kind.units_field].as_f64()
}

/// The license id a server's license carries (a list of them on backup servers).
fn named_license(license: &Value) -> Option<&str> {
    license["licenseIds"][0]
        .as_str()
        .or_else(|| license["licenseId"].as_str())
}

fn lifecycle(version: ApiVersion, kind: &Kind) {
    let version = version.as_str();
    let at = format!("{version} {}", kind.cli);
    let served = Served::start(&["--api-key", KEY, "--api-version", version]);
    let console = Console {
        url: served.root(),
        version,
    };
    let servers = console.json(&["licenses", "list", "--product", kind.cli]);
    let server = servers[0][kind.uid_field].as_str().unwrap().to_owned();
    let before = console.server_license(kind, &server);

    // Issue 7 units in Pulse and install them on the server.
    let expiry = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let created = console.json(&[
        "pulse",
        "licenses",
        "create",
        "--product",
        kind.product,
        "--contract",
        "C-1001",
        "--expires",
        &expiry,
        "--workload",
        &format!("{}=7", kind.workload),
    ]);
    let uid = created["instanceUid"].as_str().unwrap().to_owned();
    let license_id = created["licenseId"].as_str().unwrap().to_owned();
    let installed = console.json(&["pulse", "licenses", "install", &uid, "--server", &server]);
    assert_eq!(
        named_license(&installed),
        Some(license_id.as_str()),
        "{at}: {installed}"
    );

    // The server's license is the Pulse license now.
    let on_server = console.server_license(kind, &server);
    assert_eq!(
        named_license(&on_server),
        Some(license_id.as_str()),
        "{at}: {on_server}"
    );
    assert_ne!(named_license(&on_server), named_license(&before), "{at}");
    assert_eq!(units(kind, &on_server), Some(7.0), "{at}: {on_server}");
    assert_eq!(on_server["type"], "Rental", "{at}: {on_server}");
    assert_eq!(
        on_server["expirationDate"].as_str().map(|d| &d[..10]),
        Some(&expiry[..10]),
        "{at}: {on_server}"
    );

    // A change in Pulse does not reach a server whose automatic update is off...
    console.ok(&["auto-update", "disable", "--product", kind.cli, &server]);
    let edited = console.json(&[
        "pulse",
        "licenses",
        "edit",
        &uid,
        "--workload",
        &format!("{}=9", kind.workload),
    ]);
    assert_eq!(edited["workloads"][0]["count"], 9, "{at}: {edited}");
    let updated = console.json(&["license", "update", "--product", kind.cli, &server]);
    assert_eq!(
        units(kind, &updated),
        Some(7.0),
        "{at}: auto-update off keeps the copy: {updated}"
    );
    assert_eq!(
        units(kind, &console.server_license(kind, &server)),
        Some(7.0),
        "{at}"
    );

    // ...and does once it is on, at the next update.
    console.ok(&["auto-update", "enable", "--product", kind.cli, &server]);
    assert_eq!(
        units(kind, &console.server_license(kind, &server)),
        Some(7.0),
        "{at}: nothing changes before the update"
    );
    let updated = console.json(&["license", "update", "--product", kind.cli, &server]);
    assert_eq!(
        units(kind, &updated),
        Some(9.0),
        "{at}: auto-update on follows Pulse: {updated}"
    );
    assert_eq!(named_license(&updated), Some(license_id.as_str()), "{at}");

    // Revoked in Pulse: the server keeps its copy until its next update, then it is invalid.
    console.ok(&["pulse", "licenses", "revoke", &uid, "--yes"]);
    let kept = console.server_license(kind, &server);
    assert_ne!(
        kept["status"], "Error",
        "{at}: not before the update: {kept}"
    );
    let updated = console.json(&["license", "update", "--product", kind.cli, &server]);
    assert_eq!(updated["status"], "Error", "{at}: revoked: {updated}");
    assert_eq!(
        console.server_license(kind, &server)["status"],
        "Error",
        "{at}"
    );
    drop(served);
}

#[test]
fn the_pulse_lifecycle_runs_as_the_cli_in_every_api_version() {
    for version in ApiVersion::ALL {
        lifecycle(version, &BACKUP_SERVER);
    }
}

#[test]
fn veeam_one_and_vb365_servers_follow_pulse_the_same_way_in_every_api_version() {
    for version in ApiVersion::ALL {
        lifecycle(version, &VONE_SERVER);
        lifecycle(version, &VB365_SERVER);
    }
}
