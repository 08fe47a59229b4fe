//! `vspc-licensing alk endpoints | check` as a process, over real sockets on loopback only:
//! every endpoint's name is overridden (`--resolve`), so no lookup or connection leaves the
//! machine.

use std::net::TcpListener;

use serde_json::Value;

use crate::support::cli::tool;

const VBR_ENDPOINTS: [(&str, u16); 5] = [
    ("vbr.butler.veeam.com", 443),
    ("o.ss2.us", 80),
    ("ocsp.sca1b.amazontrust.com", 80),
    ("ocsp.rootca1.amazontrust.com", 80),
    ("ocsp.rootg2.amazontrust.com", 80),
];

fn alk_check(vbr_target: &str, others: u16) -> std::process::Output {
    let mut command = tool();
    command.args([
        "alk",
        "check",
        "--product",
        "vbr",
        "-o",
        "json",
        "--connect-timeout",
        "2s",
    ]);
    for (host, port) in VBR_ENDPOINTS {
        let target = if host.starts_with("vbr.") {
            vbr_target.to_owned()
        } else {
            format!("127.0.0.1:{others}")
        };
        command.args(["--resolve", &format!("{host}:{port}:{target}")]);
    }
    command.output().unwrap()
}

fn statuses(output: &std::process::Output) -> Vec<(String, String)> {
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["endpoint"]["host"].as_str().unwrap().to_owned(),
                c["outcome"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn endpoints_are_listed_from_the_one_table() {
    let output = tool()
        .args(["alk", "endpoints", "-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let endpoints: Value = serde_json::from_slice(&output.stdout).unwrap();
    let hosts: Vec<&str> = endpoints
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["host"].as_str().unwrap())
        .collect();
    for host in [
        "vac.butler.veeam.com",
        "vbr.butler.veeam.com",
        "one.butler.veeam.com",
        "vbo.butler.veeam.com",
        "vao.butler.veeam.com",
        "vbsf.butler.veeam.com",
        "o.ss2.us",
    ] {
        assert!(hosts.contains(&host), "{host} missing from {hosts:?}");
    }
    let table = tool()
        .args(["alk", "endpoints", "--product", "em"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&table.stderr).contains("Enterprise Manager"),
        "the product without a server is explained"
    );
}

#[test]
fn all_reachable_passes_and_each_failure_kind_is_named_with_exit_6() {
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = open.local_addr().unwrap().port();

    let output = alk_check(&format!("127.0.0.1:{port}"), port);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        statuses(&output).iter().all(|(_, s)| s == "reachable"),
        "{:?}",
        statuses(&output)
    );

    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = alk_check(&format!("127.0.0.1:{closed}"), port);
    assert_eq!(output.status.code(), Some(6));
    assert!(
        statuses(&output).contains(&("vbr.butler.veeam.com".into(), "refused".into())),
        "{:?}",
        statuses(&output)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("unreachable"));

    let output = alk_check("no-such-host.invalid", port);
    assert_eq!(output.status.code(), Some(6));
    let found = statuses(&output);
    let vbr = found
        .iter()
        .find(|(h, _)| h == "vbr.butler.veeam.com")
        .unwrap();
    assert!(vbr.1.contains("dns"), "{found:?}");
}

#[test]
fn a_malformed_resolve_override_is_exit_2() {
    let output = tool()
        .args(["alk", "check", "--resolve", "vbr.butler.veeam.com"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
}
