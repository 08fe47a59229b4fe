//! A method the spec does not declare on a path is answered `405 Method Not Allowed` with an
//! `Allow` header naming exactly the methods the spec declares there (RFC 9110), on every path
//! of the spec; a path the spec does not have is a `404`.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use vspc_licensing::contract::Spec;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY};

/// A concrete path for a template: a UID, a report id or a month in place of each parameter.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{id}" => "202610",
            "{date}" => "2026-10",
            s if s.starts_with('{') => "DF997BD3-4AE9-4841-8152-8FF5CC703EAB",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn undeclared_methods_get_405_with_the_spec_s_methods_in_allow() {
    crate::support::install_tls_provider();
    let sim = Simulator::start(SimulatorConfig::default())
        .await
        .expect("simulator starts");
    let http = reqwest::Client::new();
    let mut declared: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for operation in Spec::embedded().operations() {
        declared
            .entry(&operation.path)
            .or_default()
            .insert(&operation.method);
    }
    assert_eq!(declared.values().map(BTreeSet::len).sum::<usize>(), 59);
    let mut failures = Vec::new();
    for (template, methods) in &declared {
        let url = format!("{}{}", sim.base_url(), concrete(template));
        let undeclared = ["TRACE", "GET", "PUT", "POST", "PATCH", "DELETE"]
            .into_iter()
            .filter(|m| !methods.contains(m));
        for method in undeclared {
            let response = http
                .request(Method::from_bytes(method.as_bytes()).unwrap(), &url)
                .bearer_auth(DEFAULT_API_KEY)
                .send()
                .await
                .unwrap();
            let allow: Option<BTreeSet<String>> = response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(',').map(|m| m.trim().to_owned()).collect());
            let wanted: BTreeSet<String> = methods.iter().map(|m| m.to_string()).collect();
            if response.status() != 405 || allow.as_ref() != Some(&wanted) {
                failures.push(format!(
                    "{method} {template}: {} with Allow {allow:?}, wanted 405 with {wanted:?}",
                    response.status()
                ));
            }
        }
    }
    let nowhere = http
        .request(
            Method::from_bytes(b"TRACE").unwrap(),
            format!("{}/licensing/nowhere", sim.base_url()),
        )
        .bearer_auth(DEFAULT_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 404);
    sim.shutdown().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
