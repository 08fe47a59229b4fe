//! `pulse licenses download` as a process against `serve`: the file it saves is one the
//! server's own `license install` takes, and the server then runs the Pulse license.

use std::path::Path;

use crate::support::cli::tool;
use crate::support::served::Served;

const KEY: &str = "pulse-download-key";

fn run(url: &str, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = tool()
        .current_dir(dir)
        .env("VSPC_URL", url)
        .env("VSPC_API_KEY", KEY)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn a_downloaded_license_file_installs_on_the_server_with_license_install() {
    let served = Served::start(&["--api-key", KEY]);
    let url = served.root();
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    let expiry = (chrono::Utc::now() + chrono::Duration::days(45))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (code, out, err) = run(
        url,
        here,
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
            "VM=7",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let created = json(&out);
    let uid = created["instanceUid"].as_str().unwrap();
    let license_id = created["licenseId"].as_str().unwrap();

    // Without --to, the file is `<UID>.lic` in the current directory.
    let (code, out, err) = run(url, here, &["pulse", "licenses", "download", uid]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.is_empty(),
        "the file goes to disk, not to standard output: {out}"
    );
    let default = here.join(format!("{uid}.lic"));
    assert!(default.is_file(), "{err}");
    assert!(err.contains(&format!("{uid}.lic")), "{err}");

    let file = here.join("chosen.lic");
    let (code, _, err) = run(
        url,
        here,
        &[
            "pulse",
            "licenses",
            "download",
            uid,
            "--to",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(&default).unwrap(),
        "the same license, the same file"
    );

    let (code, out, err) = run(
        url,
        here,
        &["licenses", "list", "--product", "vbr", "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let server = json(&out)[0]["backupServerUid"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, _, err) = run(
        url,
        here,
        &[
            "license",
            "install",
            "--product",
            "vbr",
            &server,
            "--file",
            file.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(
        url,
        here,
        &[
            "licenses",
            "show",
            "--product",
            "vbr",
            &server,
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let on_server = json(&out);
    assert_eq!(on_server["licenseIds"][0], license_id, "{out}");
    assert_eq!(on_server["units"], 7.0, "{out}");
    assert_eq!(on_server["type"], "Rental", "{out}");
    drop(served);
}
