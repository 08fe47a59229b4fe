//! The whole VCSP Pulse lifecycle as the CLI process against `serve --api-version V`, for every
//! API version: issue a license in Pulse, install it on a backup server, see it there, change
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

    /// The backup server's license as `licenses show` prints it.
    fn server_license(&self, server: &str) -> Value {
        self.json(&["licenses", "show", "--product", "vbr", server])
    }
}

fn lifecycle(version: ApiVersion) {
    let version = version.as_str();
    let served = Served::start(&["--api-key", KEY, "--api-version", version]);
    let console = Console {
        url: served.root(),
        version,
    };
    let servers = console.json(&["licenses", "list", "--product", "vbr"]);
    let server = servers[0]["backupServerUid"].as_str().unwrap().to_owned();
    let before = console.server_license(&server);

    // Issue 7 VMs of VBR in Pulse and install them on the server.
    let expiry = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let created = console.json(&[
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
        "VM=7",
    ]);
    let uid = created["instanceUid"].as_str().unwrap().to_owned();
    let license_id = created["licenseId"].as_str().unwrap().to_owned();
    let installed = console.json(&["pulse", "licenses", "install", &uid, "--server", &server]);
    assert_eq!(
        installed["licenseIds"][0],
        license_id.as_str(),
        "{version}: {installed}"
    );

    // The server's license is the Pulse license now.
    let on_server = console.server_license(&server);
    assert_eq!(
        on_server["licenseIds"][0],
        license_id.as_str(),
        "{version}: {on_server}"
    );
    assert_ne!(on_server["licenseIds"], before["licenseIds"], "{version}");
    assert_eq!(on_server["units"], 7.0, "{version}: {on_server}");
    assert_eq!(on_server["type"], "Rental", "{version}: {on_server}");
    assert_eq!(
        on_server["expirationDate"].as_str().map(|d| &d[..10]),
        Some(&expiry[..10]),
        "{version}: {on_server}"
    );

    // A change in Pulse does not reach a server whose automatic update is off...
    console.ok(&["auto-update", "disable", "--product", "vbr", &server]);
    let edited = console.json(&["pulse", "licenses", "edit", &uid, "--workload", "VM=9"]);
    assert_eq!(edited["workloads"][0]["count"], 9, "{version}: {edited}");
    let updated = console.json(&["license", "update", "--product", "vbr", &server]);
    assert_eq!(
        updated["units"], 7.0,
        "{version}: auto-update off keeps the copy: {updated}"
    );
    assert_eq!(console.server_license(&server)["units"], 7.0, "{version}");

    // ...and does once it is on, at the next update.
    console.ok(&["auto-update", "enable", "--product", "vbr", &server]);
    assert_eq!(
        console.server_license(&server)["units"],
        7.0,
        "{version}: nothing changes before the update"
    );
    let updated = console.json(&["license", "update", "--product", "vbr", &server]);
    assert_eq!(
        updated["units"], 9.0,
        "{version}: auto-update on follows Pulse: {updated}"
    );
    assert_eq!(updated["licenseIds"][0], license_id.as_str(), "{version}");

    // Revoked in Pulse: the server keeps its copy until its next update, then it is invalid.
    console.ok(&["pulse", "licenses", "revoke", &uid, "--yes"]);
    let kept = console.server_license(&server);
    assert_ne!(
        kept["status"], "Error",
        "{version}: not before the update: {kept}"
    );
    let updated = console.json(&["license", "update", "--product", "vbr", &server]);
    assert_eq!(updated["status"], "Error", "{version}: revoked: {updated}");
    assert_eq!(
        console.server_license(&server)["status"],
        "Error",
        "{version}"
    );
    drop(served);
}

#[test]
fn the_pulse_lifecycle_runs_as_the_cli_in_every_api_version() {
    for version in ApiVersion::ALL {
        lifecycle(version);
    }
}
