//! The simulator answers queries the way a console does, in the places where a naive
//! evaluation over JSON text would differ: `select` through arrays and nested objects, date and
//! time filters written with offsets and 7-digit fractions (as Veeam's own examples are), and
//! UIDs written in upper case.

use chrono::{DateTime, FixedOffset, Utc};
use futures::TryStreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, SimulatorHandle, DEFAULT_API_KEY};
use vspc_licensing::{Client, UsageFilter};
use vspc_licensing::{Filter, ListQuery, Select, Sort};

use crate::support::http_client as http;

async fn start() -> SimulatorHandle {
    Simulator::start(SimulatorConfig::default().backup_servers(120))
        .await
        .expect("simulator starts")
}

fn client(sim: &SimulatorHandle) -> Client {
    Client::builder(sim.root_url())
        .api_key(DEFAULT_API_KEY)
        .build()
        .expect("a client")
}

/// GET with query pairs; the status and the JSON body.
async fn get(sim: &SimulatorHandle, path: &str, pairs: &[(&str, String)]) -> (StatusCode, Value) {
    let mut url = reqwest::Url::parse(&format!("{}{path}", sim.base_url())).unwrap();
    for (name, value) in pairs {
        url.query_pairs_mut().append_pair(name, value);
    }
    let response = http()
        .get(url)
        .bearer_auth(DEFAULT_API_KEY)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The same instant as `instant`, written the way Veeam's examples write times: seven
/// fractional digits and a `-07:00` offset.
fn veeam_style(instant: DateTime<Utc>) -> String {
    let offset = FixedOffset::west_opt(7 * 3600).unwrap();
    let local = instant.with_timezone(&offset);
    // chrono has no 7-digit fraction specifier: 100 ns ticks, as .NET writes them.
    format!(
        "{}.{:07}{}",
        local.format("%Y-%m-%dT%H:%M:%S"),
        local.timestamp_subsec_nanos() / 100,
        local.format("%:z")
    )
}

#[tokio::test]
async fn select_through_an_array_keeps_the_array_and_the_client_decodes_it() {
    let sim = start().await;
    let (status, page) = get(
        &sim,
        "/licensing/usage/organizations",
        &[(
            "select",
            json!([{ "propertyPath": "servers.workloads.usedCount" }]).to_string(),
        )],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let organizations = page["data"].as_array().unwrap();
    assert!(organizations
        .iter()
        .any(|o| !o["servers"].as_array().unwrap().is_empty()));
    for organization in organizations {
        let servers = organization["servers"]
            .as_array()
            .unwrap_or_else(|| panic!("`servers` stays an array: {organization}"));
        for server in servers {
            // Only the selected branch: no serverUid/serverType on the server.
            assert_eq!(
                server.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["workloads"],
                "{server}"
            );
            for workload in server["workloads"].as_array().unwrap() {
                // A workload's required properties come along with the selected one.
                assert!(workload["usedCount"].is_number(), "{workload}");
                assert!(workload["unitType"].is_string(), "{workload}");
            }
        }
    }

    // The crate's own client reads the projected answer.
    let usage: Vec<_> = client(&sim)
        .organization_license_usage(
            UsageFilter::default(),
            ListQuery::new().select(Select::properties(["servers.workloads.usedCount"])),
        )
        .try_collect()
        .await
        .expect("the client decodes a select through an array");
    assert_eq!(usage.len(), organizations.len());
    sim.shutdown().await;
}

#[tokio::test]
async fn select_of_a_nested_property_keeps_its_object_valid() {
    let sim = start().await;
    let reports: Vec<_> = client(&sim)
        .license_reports(ListQuery::new().select(Select::properties(["reportParameters.reportId"])))
        .try_collect()
        .await
        .expect("the client decodes a nested select");
    assert!(!reports.is_empty());
    let ids: Vec<i64> = sim
        .state()
        .reports()
        .iter()
        .map(|r| {
            serde_json::to_value(r).unwrap()["reportParameters"]["reportId"]
                .as_i64()
                .unwrap()
        })
        .collect();
    for report in &reports {
        let parameters = report.report_parameters.as_ref().expect("selected");
        assert!(ids.contains(&i64::from(parameters.report_id)));
        assert!(report.report_summary.is_none(), "not selected, not sent");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn date_filters_compare_instants_not_text() {
    let sim = start().await;
    let licenses: Vec<_> = client(&sim)
        .backup_server_licenses(ListQuery::new().page_size(500))
        .try_collect()
        .await
        .unwrap();
    let mut dates: Vec<DateTime<Utc>> = licenses.iter().filter_map(|l| l.expiration_date).collect();
    dates.sort();
    let pivot = dates[dates.len() / 2];
    let before = licenses
        .iter()
        .filter(|l| l.expiration_date.is_some_and(|d| d < pivot))
        .count();
    let exactly = licenses
        .iter()
        .filter(|l| l.expiration_date == Some(pivot))
        .count();
    assert!(before > 0 && exactly > 0);

    let written = veeam_style(pivot);
    let filter = |operation: &str| {
        json!([{ "property": "expirationDate", "operation": operation, "value": written }])
            .to_string()
    };
    let total = |page: &Value| page["meta"]["pagingInfo"]["total"].as_u64().unwrap() as usize;
    let (status, page) = get(
        &sim,
        "/licensing/backupServers",
        &[("filter", filter("lessThan"))],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(total(&page), before, "lessThan {written}");
    let (_, page) = get(
        &sim,
        "/licensing/backupServers",
        &[("filter", filter("equals"))],
    )
    .await;
    assert_eq!(total(&page), exactly, "equals {written}");
    let (_, page) = get(
        &sim,
        "/licensing/backupServers",
        &[("filter", filter("greaterThanOrEqual"))],
    )
    .await;
    assert_eq!(
        total(&page),
        dates.len() - before,
        "greaterThanOrEqual {written}"
    );

    // Through the typed builder too.
    let typed: Vec<_> = client(&sim)
        .backup_server_licenses(
            ListQuery::new().filter(Filter::less_than("expirationDate", written.clone())),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(typed.len(), before);

    // As a .NET console parses them: a time without an offset, or a date alone, reads as UTC.
    let naive = pivot.format("%Y-%m-%dT%H:%M:%S").to_string();
    let (status, page) = get(
        &sim,
        "/licensing/backupServers",
        &[(
            "filter",
            json!([{ "property": "expirationDate", "operation": "lessThan", "value": naive }])
                .to_string(),
        )],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(total(&page), before, "lessThan {naive}");
    let day = pivot.date_naive();
    let before_day = licenses
        .iter()
        .filter(|l| l.expiration_date.is_some_and(|d| d.date_naive() < day))
        .count();
    let (status, page) = get(
        &sim,
        "/licensing/backupServers",
        &[(
            "filter",
            json!([{ "property": "expirationDate", "operation": "lessThan", "value": day.to_string() }])
                .to_string(),
        )],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(total(&page), before_day, "lessThan {day}");

    // A date that is not one is refused, not compared as text.
    let (status, body) = get(
        &sim,
        "/licensing/backupServers",
        &[(
            "filter",
            json!([{ "property": "expirationDate", "operation": "lessThan", "value": "next week" }])
                .to_string(),
        )],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    sim.shutdown().await;
}

#[tokio::test]
async fn sorting_by_a_time_orders_instants() {
    let sim = start().await;
    let sorted: Vec<_> = client(&sim)
        .backup_server_licenses(
            ListQuery::new()
                .page_size(500)
                .sort(Sort::ascending("expirationDate")),
        )
        .try_collect()
        .await
        .unwrap();
    let dates: Vec<DateTime<Utc>> = sorted.iter().filter_map(|l| l.expiration_date).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn uid_filters_and_uid_paths_ignore_case() {
    let sim = start().await;
    let uids = sim.state().backup_server_uids();
    let upper = |uid: &Uuid| uid.to_string().to_uppercase();

    let (status, page) = get(
        &sim,
        "/licensing/backupServers",
        &[(
            "filter",
            json!([{ "property": "backupServerUid", "operation": "equals", "value": upper(&uids[3]) }])
                .to_string(),
        )],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["meta"]["pagingInfo"]["total"], 1, "{page}");
    assert_eq!(page["data"][0]["backupServerUid"], uids[3].to_string());

    let wanted = [upper(&uids[0]), upper(&uids[1]), uids[2].to_string()];
    let (_, page) = get(
        &sim,
        "/licensing/backupServers",
        &[(
            "filter",
            json!([{ "property": "backupServerUid", "operation": "in", "value": wanted }])
                .to_string(),
        )],
    )
    .await;
    assert_eq!(page["meta"]["pagingInfo"]["total"], 3, "{page}");

    let (_, page) = get(
        &sim,
        "/licensing/backupServers",
        &[(
            "filter",
            json!([{ "property": "backupServerUid", "operation": "notEquals", "value": upper(&uids[3]) }])
                .to_string(),
        )],
    )
    .await;
    assert_eq!(
        page["meta"]["pagingInfo"]["total"].as_u64().unwrap() as usize,
        uids.len() - 1
    );

    // A UID inside an array of objects (usage by server) matches in upper case too.
    let (_, usage) = get(&sim, "/licensing/usage/organizations", &[]).await;
    let server: Uuid = usage["data"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|o| o["servers"][0]["serverUid"].as_str())
        .expect("some organization has a server")
        .parse()
        .unwrap();
    let having = |value: String| {
        json!([{ "property": "servers.serverUid", "operation": "contains", "value": value }])
            .to_string()
    };
    let (_, upper_page) = get(
        &sim,
        "/licensing/usage/organizations",
        &[("filter", having(upper(&server)))],
    )
    .await;
    let (_, lower_page) = get(
        &sim,
        "/licensing/usage/organizations",
        &[("filter", having(server.to_string()))],
    )
    .await;
    assert!(lower_page["meta"]["pagingInfo"]["total"].as_u64().unwrap() >= 1);
    assert_eq!(upper_page["meta"], lower_page["meta"]);

    // Path parameters: the resource is found whatever the case of its UID.
    let (status, body) = get(
        &sim,
        &format!("/licensing/backupServers/{}", upper(&uids[3])),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["backupServerUid"], uids[3].to_string());
    sim.shutdown().await;
}
