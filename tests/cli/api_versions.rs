//! One typed model for five API versions, over loopback HTTP against the simulator of each:
//! the wire shapes each version sends, how a console honours `X-Client-Version`, decoding of
//! every version through the public API, detection, and the CLI's `--api-version`.

use std::process::Output;

use futures::TryStreamExt;
use serde_json::Value;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, SimulatorHandle};
use vspc_licensing::ListQuery;
use vspc_licensing::{ApiVersion, Client};

use crate::support::cli::{output, tool};
use crate::support::served::Served;

const KEY: &str = "versions-key";

async fn console(version: ApiVersion) -> SimulatorHandle {
    Simulator::start(
        SimulatorConfig::default()
            .seed(3)
            .backup_servers(4)
            .organizations(3)
            .api_key(KEY)
            .api_version(version),
    )
    .await
    .unwrap()
}

/// A raw GET as any tool sends it; `declared` goes in `X-Client-Version`.
async fn get(sim: &SimulatorHandle, path: &str, declared: Option<&str>) -> (u16, Value) {
    crate::support::install_tls_provider();
    let mut request = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .bearer_auth(KEY);
    if let Some(version) = declared {
        request = request.header("X-Client-Version", version);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn each_console_reports_its_release_and_answers_in_its_versions_shape() {
    for version in ApiVersion::ALL {
        let sim = console(version).await;
        let (status, about) = get(&sim, "/about", None).await;
        assert_eq!(status, 200);
        let build = about["data"]["serverVersion"].as_str().unwrap();
        assert!(
            build.starts_with(&format!("{}.", version.console_release())),
            "{version}: {build}"
        );
        assert_eq!(ApiVersion::for_console(build).unwrap(), version);

        let (status, reports) = get(&sim, "/licensing/reports", None).await;
        assert_eq!(status, 200);
        let report = &reports["data"][0];
        let usage = &report["organizationsUsage"][0];
        if version == ApiVersion::V3_5_1 {
            assert!(
                report.get("reportParemeters").is_some(),
                "{:?}",
                keys(report)
            );
            assert!(report.get("reportParameters").is_none());
            assert!(usage["tenantUid"].is_string(), "{usage}");
        } else {
            assert!(
                report.get("reportParameters").is_some(),
                "{version}: {:?}",
                keys(report)
            );
            assert!(report.get("reportParemeters").is_none());
            assert!(usage.get("tenantUid").is_none(), "{version}: {usage}");
        }
        // Every version sends cloudConnect as the text the documents name.
        let (_, sites) = get(&sim, "/licensing/sites", None).await;
        for site in sites["data"].as_array().unwrap() {
            assert!(site["cloudConnect"].is_string(), "{version}: {site}");
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_newer_console_answers_an_older_declared_version_in_the_older_shape() {
    let sim = console(ApiVersion::V3_7).await;
    let (_, old) = get(&sim, "/licensing/reports", Some("3.5.1")).await;
    assert!(old["data"][0].get("reportParemeters").is_some());
    let (_, same) = get(&sim, "/licensing/reports", Some("3.7")).await;
    assert!(same["data"][0].get("reportParameters").is_some());
    let (_, undeclared) = get(&sim, "/licensing/reports", None).await;
    assert!(undeclared["data"][0].get("reportParameters").is_some());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_client_declaring_a_version_newer_than_the_console_is_refused_clearly() {
    let sim = console(ApiVersion::V3_6).await;
    for declared in ["3.6.1", "3.6.2", "3.7"] {
        let (status, body) = get(&sim, "/licensing/backupServers", Some(declared)).await;
        assert_eq!(status, 400, "{declared}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("newer than this console") && message.contains("serves 3.5.1, 3.6."),
            "{declared}: {message}"
        );
    }
    // A text that names no known version is free text to the spec: the console's own version.
    for declared in ["3.4", "banana", ""] {
        let (status, body) = get(&sim, "/licensing/reports", Some(declared)).await;
        assert_eq!(status, 200, "{declared:?}: {body}");
        assert!(
            body["data"][0].get("reportParameters").is_some(),
            "{declared:?}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn the_typed_model_reads_every_versions_answers() {
    for version in ApiVersion::ALL {
        let sim = console(version).await;
        let client = Client::builder(sim.root_url())
            .api_key(KEY)
            .api_version(version)
            .build()
            .unwrap();
        let reports: Vec<_> = client
            .license_reports(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
        assert!(!reports.is_empty());
        for report in &reports {
            assert!(report.report_parameters.is_some(), "{version}");
            let tenant = report.organizations_usage[0].tenant_uid;
            assert_eq!(tenant.is_some(), version == ApiVersion::V3_5_1, "{version}");
        }
        let licenses: Vec<_> = client
            .backup_server_licenses(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(licenses.len(), 4, "{version}");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn detection_against_each_console_picks_its_version_and_reads_its_answers() {
    for version in ApiVersion::ALL {
        let sim = console(version).await;
        let client = Client::builder(sim.root_url())
            .api_key(KEY)
            .detect_api_version()
            .build()
            .unwrap();
        let reports: Vec<_> = client
            .license_reports(ListQuery::new())
            .try_collect()
            .await
            .unwrap();
        assert!(reports.iter().all(|r| r.report_parameters.is_some()));
        assert_eq!(client.declared_api_version(), Some(version));
        sim.shutdown().await;
    }
}

/// Runs the tool with `env`, with no VSPC variable inherited from the test's environment.
async fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tool();
    command.envs(env.iter().copied()).args(args);
    output(command).await
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_speaks_the_version_it_is_told_by_flag_or_environment() {
    let sim = console(ApiVersion::V3_5_1).await;
    let url = sim.root_url();
    let base = [("VSPC_URL", url.as_str()), ("VSPC_API_KEY", KEY)];

    // The default (3.6.1) is newer than an 8.1 console speaks: the console says so.
    let refused = cli(&["reports", "list", "-o", "json"], &base).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("newer than this console"),
        "{}",
        text(&refused)
    );

    for (args, env) in [
        (
            vec!["reports", "list", "-o", "json", "--api-version", "3.5.1"],
            vec![],
        ),
        (
            vec!["--api-version", "auto", "reports", "list", "-o", "json"],
            vec![],
        ),
        (
            vec!["reports", "list", "-o", "json"],
            vec![("VSPC_API_VERSION", "3.5.1")],
        ),
        (
            vec!["reports", "list", "-o", "json"],
            vec![("VSPC_API_VERSION", "auto")],
        ),
    ] {
        let mut env_all = base.to_vec();
        env_all.extend(env.iter().copied());
        let output = cli(&args, &env_all).await;
        assert!(
            output.status.success(),
            "{args:?} {env:?}: {}",
            text(&output)
        );
        let reports: Value = serde_json::from_slice(&output.stdout).unwrap();
        // Read as 3.5.1 sends it, printed in the spec's spelling.
        assert!(
            reports[0]["reportParameters"]["reportId"].is_i64(),
            "{args:?}: {reports}"
        );
        assert!(reports[0]["organizationsUsage"][0]["tenantUid"].is_string());
    }

    let wrong = cli(&["licenses", "list", "--api-version", "3.4"], &base).await;
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    assert!(
        text(&wrong).contains("3.5.1, 3.6, 3.6.1, 3.6.2, 3.7"),
        "{}",
        text(&wrong)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_needs_a_version_not_auto() {
    let output = cli(
        &["serve", "--api-version", "auto", "--addr", "127.0.0.1:0"],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("name the version"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conform_reports_the_versions_the_answers_fit() {
    for (version, declared, fits) in [
        (ApiVersion::V3_5_1, "auto", vec!["3.5.1"]),
        (ApiVersion::V3_6_1, "3.6.1", vec!["3.6", "3.6.1"]),
        (ApiVersion::V3_7, "3.5.1", vec!["3.5.1"]),
        (
            ApiVersion::V3_7,
            "auto",
            vec!["3.6", "3.6.1", "3.6.2", "3.7"],
        ),
    ] {
        let sim = console(version).await;
        let url = sim.root_url();
        let env = [("VSPC_URL", url.as_str()), ("VSPC_API_KEY", KEY)];
        let output = cli(&["conform", "-o", "json", "--api-version", declared], &env).await;
        assert!(
            output.status.success(),
            "{version}/{declared}: {}",
            text(&output)
        );
        let outcome: Value = serde_json::from_slice(&output.stdout).unwrap();
        let found = &outcome["versions"];
        assert_eq!(
            found["consistent_with"],
            serde_json::json!(fits),
            "{version}/{declared}: {found}"
        );
        assert_eq!(found["console_api_version"], version.as_str());
        let table = cli(&["conform", "--api-version", declared], &env).await;
        assert!(
            text(&table).contains(&format!("consistent with API {}", fits.join(", "))),
            "{}",
            text(&table)
        );
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_simulates_the_version_it_is_given() {
    let served = tokio::task::spawn_blocking(|| {
        Served::start(&["--api-key", KEY, "--api-version", "3.6.2"])
    })
    .await
    .unwrap();
    let base = served.url.clone();
    let about: Value = crate::support::http_client()
        .get(format!("{base}/about"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = reqwest::Client::new()
        .get(format!("{base}/licensing/sites"))
        .bearer_auth(KEY)
        .header("X-Client-Version", "3.7")
        .send()
        .await
        .unwrap()
        .status();
    drop(served);
    assert!(
        about["data"]["serverVersion"]
            .as_str()
            .unwrap()
            .starts_with("9.2."),
        "{about}"
    );
    assert_eq!(refused.as_u16(), 400);
}
