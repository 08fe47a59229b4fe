//! The spec's own `filter`, `sort` and `select` examples fit the operation they are declared
//! on: sent to the simulator, each is accepted. (A shared example naming a property of one
//! resource, sent to every operation, was refused by all the others; Schemathesis sends every
//! example it finds.) And the spec refuses an empty property path, which no resource has.

use serde_json::{json, Value};
use vspc_licensing::contract::{ParameterLocation, Spec};
use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY};

const JSON_PARAMETERS: [&str; 3] = ["filter", "sort", "select"];

#[tokio::test]
async fn every_filter_sort_and_select_example_is_accepted_where_it_is_declared() {
    crate::support::install_tls_provider();
    // The newest console, which has every operation (3.7 adds one).
    let sim =
        Simulator::start(SimulatorConfig::default().api_version(vspc_licensing::ApiVersion::V3_7))
            .await
            .expect("simulator starts");
    let state = sim.state();
    let report = serde_json::to_value(&state.reports()[0]).unwrap();
    let report_id = report["reportParameters"]["reportId"].to_string();
    let month = report["reportParameters"]["reportInterval"]["startOfInterval"]
        .as_str()
        .unwrap()[..7]
        .to_owned();
    let value_of = |name: &str| -> Option<String> {
        Some(match name {
            "backupServerUid" => state.backup_server_uids()[0].to_string(),
            "siteUid" => state.site_uids()[0].to_string(),
            "vOneServerUid" => state.vone_server_uids()[0].to_string(),
            "vb365ServerUid" => state.vb365_server_uids()[0].to_string(),
            "id" => report_id.clone(),
            "date" => month.clone(),
            _ => return None,
        })
    };
    let http = reqwest::Client::new();
    let mut tried = 0;
    let mut failures = Vec::new();
    for operation in Spec::embedded().operations() {
        let reads =
            operation.method == "GET" || operation.operation_id == "FinalizeLicensingReports";
        let examples: Vec<(&str, &Value)> = operation
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Query)
            .filter(|p| JSON_PARAMETERS.contains(&p.name.as_str()))
            .map(|p| {
                let example = p.example.as_ref().unwrap_or_else(|| {
                    panic!("{}: `{}` has no example", operation.operation_id, p.name)
                });
                (p.name.as_str(), example)
            })
            .collect();
        if !reads
            || examples.is_empty()
            || !crate::support::simulator_serves(&operation.operation_id, &operation.path)
        {
            continue;
        }
        // Path parameters from the simulator's seed; an async action has none to offer.
        let mut path = operation.path.clone();
        let mut resolvable = true;
        for parameter in operation
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Path)
        {
            match value_of(&parameter.name) {
                Some(value) => path = path.replace(&format!("{{{}}}", parameter.name), &value),
                None => resolvable = false,
            }
        }
        if !resolvable {
            continue;
        }
        let mut url = reqwest::Url::parse(&format!("{}{path}", sim.base_url())).unwrap();
        for (name, example) in &examples {
            url.query_pairs_mut()
                .append_pair(name, &example.to_string());
        }
        let method = reqwest::Method::from_bytes(operation.method.as_bytes()).unwrap();
        let response = http
            .request(method, url.clone())
            .bearer_auth(DEFAULT_API_KEY)
            .send()
            .await
            .unwrap();
        tried += 1;
        if !response.status().is_success() {
            failures.push(format!(
                "{} {url}: {} {}",
                operation.operation_id,
                response.status(),
                response.text().await.unwrap_or_default()
            ));
        }
    }
    sim.shutdown().await;
    assert!(tried >= 16, "only {tried} operations tried");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_spec_refuses_an_empty_or_malformed_property_path() {
    let spec = Spec::embedded();
    let check = |filter: Value| {
        let target = format!(
            "/licensing/backupServers?filter={}",
            url::form_urlencoded::byte_serialize(filter.to_string().as_bytes()).collect::<String>()
        );
        spec.validate_request(
            "GetBackupServersLicenses",
            "GET",
            &target,
            std::iter::empty::<(String, Vec<u8>)>(),
            &[],
        )
    };
    assert!(
        check(json!([{ "property": "status", "operation": "equals", "value": "Expired" }]))
            .is_empty()
    );
    assert!(check(
        json!([{ "property": "reportParameters.reportId", "operation": "equals", "value": 1 }])
    )
    .is_empty());
    for bad in ["", ".status", "status.", "a..b", "status name"] {
        let violations = check(json!([{ "property": bad, "operation": "equals", "value": 1 }]));
        assert!(!violations.is_empty(), "`{bad}` passed the spec");
    }
}
