//! Veeam's own examples, from its API documents for 3.5.1 to 3.7, decode through the crate.
//!
//! Each response example of the licensing subset is served over loopback HTTP with its status
//! and media type, and read
//! * through the generated operation (and, for collections, the paging stream as well), whose
//!   typed value, encoded again, must keep every key and value of the example that the spec
//!   knows (a failure names the JSON pointers lost);
//! * through the CLI's read commands, run as a process against the same server; the JSON a
//!   listing (licensing and VCSP Pulse), `pulse licenses show|create|copy|edit`,
//!   `pulse tenants show` or `pulse config show` prints must keep the example (3.5.1 to
//!   3.6.2's numeric Pulse statuses included, which must print as the enum value the spec's
//!   `also-read` table gives).
//!
//! The component schema examples go through the generated type of the same name. The VCSP
//! Pulse request examples (a new license, JSON Patches) must fit the spec's request schema and
//! decode through its generated type; the licensing JSON Patch examples are covered by
//! `tests/veeam/simulator.rs`.
//!
//! Two named lists say what is expected not to decode, and why; nothing else may fail, and
//! everything listed must still fail (so the lists shrink as the crate learns).

use crate::support;

use crate::support::recorder;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::TryStreamExt;
use recorder::{Canned, Recorded, Recorder};
use serde_json::{json, Value};
use support::cli::{output, tool};
use support::veeam::documents::{self, VeeamDocument};
use support::veeam::examples::{self, Place, VeeamExample};
use uuid::Uuid;
use vspc_licensing::contract::Spec;
use vspc_licensing::LicenseFile;
use vspc_licensing::ListQuery;
use vspc_licensing::{types, Client, Error};

const KEY: &str = "veeam-examples-key";

// The 3.5.1 report examples spell `reportParameters` as `reportParemeters`; the typed model reads
// it through a serde alias (build/postprocess.rs `accept_older_wire_names`), and tests/api_versions_*.rs check
// that it arrives. The lost-key check here compares only keys the spec names, so it passes over
// that spelling.

/// Examples that contradict Veeam's own schema for the same answer: no faithful reader takes
/// them, in any version. Matched on the example name without its version.
const VEEAM_ARTEFACTS: &[(&str, &str)] = &[
    (
        "DownloadLicensingReportCsv 520 application/json",
        "a `blob:` link of Veeam's documentation viewer, not the error body its schema declares",
    ),
    (
        "GetAsyncActionResult 200 application/json",
        "a list of SharePoint sites (another API's result), where its schema says an object",
    ),
    (
        "CreatePulseTenantByCompany 200 application/json",
        "`mappedMasterOrganizationUid` is `bb06d15-...`, seven hex digits where a UUID has \
         eight (a hand edit: a .NET console cannot write such a Guid), where its schema says \
         `format: uuid`",
    ),
];

/// The operations of Veeam's subset that the spec does not carry (see spec/deviations.yaml);
/// their examples have no typed reader here. `GetAboutInformation` is added by issue 13 item 5.
const OPERATIONS_NOT_IN_THE_SPEC: &[&str] = &[
    "GetAboutInformation",
    "GetAsyncActionsInfo",
    "GetAsyncActionsConfig",
    "AttachRequestDataToAsyncAction",
    "ClearAsyncActionResult",
];

/// Component schemas of Veeam's subset that only operations outside the spec use.
const SCHEMAS_NOT_IN_THE_SPEC: &[&str] = &["AsyncActionRequestData"];

fn spec() -> &'static Spec {
    support::spec()
}

/// The schema of our spec for a Veeam response example, found by method, path template and
/// status (a status the spec does not list falls to `default`).
fn our_response_schema(
    method: &str,
    path: &str,
    status: &str,
    media: &str,
) -> Option<(String, Value)> {
    let op = spec()
        .operations()
        .iter()
        .find(|op| op.method.eq_ignore_ascii_case(method) && op.path == path)?;
    let response = op
        .responses
        .iter()
        .find(|r| r.status.to_string() == status)
        .or_else(|| {
            op.responses
                .iter()
                .find(|r| r.status.to_string() == "default")
        })?;
    let schema = response.content.get(media)?.as_ref()?.clone();
    Some((op.operation_id.clone(), schema))
}

fn artefact(example: &VeeamExample) -> Option<&'static str> {
    let name = example.name();
    let without_version = name.split_once(' ').map_or("", |(_, rest)| rest);
    VEEAM_ARTEFACTS
        .iter()
        .find(|(n, _)| *n == without_version)
        .map(|(_, why)| *why)
}

fn not_in_the_spec(example: &VeeamExample) -> bool {
    match &example.place {
        Place::Response { operation_id, .. } | Place::Request { operation_id, .. } => {
            OPERATIONS_NOT_IN_THE_SPEC.contains(&operation_id.as_str())
        }
        Place::Schema { name } => SCHEMAS_NOT_IN_THE_SPEC.contains(&name.as_str()),
    }
}

/// Pointers of `expected` (an example, normalised to the typed encoding) whose key the spec
/// declares but whose value `actual` (the typed value encoded again) lost or changed. `null`,
/// absent and empty lists are the same (the null policy).
fn lost(schema: &Value, expected: &Value, actual: &Value, pointer: &str, out: &mut Vec<String>) {
    let schema = resolved(schema);
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (key, value) in e {
                let declared = properties.and_then(|p| p.get(key)).or(additional);
                let Some(declared) = declared else { continue };
                let at = format!("{pointer}/{key}");
                match a.get(key) {
                    Some(got) => lost(declared, value, got, &at, out),
                    None if is_empty(value) => {}
                    None => out.push(at),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
            if e.len() != a.len() {
                out.push(format!("{pointer} (length {} became {})", e.len(), a.len()));
                return;
            }
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                lost(&items, x, y, &format!("{pointer}/{i}"), out);
            }
        }
        (e, a) if is_empty(e) && is_empty(a) => {}
        (e, a) if e == a => {}
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (e, a) => out.push(format!("{pointer} ({e} became {a})")),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// A schema with `$ref` followed and a single-member `allOf` (a nullable reference) unwrapped.
fn resolved(schema: &Value) -> Value {
    let mut schema = spec().resolve(schema).cloned().unwrap_or(Value::Bool(true));
    if let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        schema = resolved(only);
    }
    schema
}

/// What the example lost on the way through a typed value, or `Ok` when nothing was lost.
fn kept(schema: &Value, example: &Value, typed: &Value) -> Result<(), String> {
    let expected = support::normalise::normalise(spec(), schema, example);
    let mut missing = Vec::new();
    lost(schema, &expected, typed, "", &mut missing);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("lost {missing:?}"))
    }
}

/// Calls the generated operation for `operation` with placeholder parameters and returns its
/// typed answer encoded as JSON, or why it failed.
async fn call(client: &Client, operation: &str) -> Result<Value, String> {
    if operation == "OAuth2IssueToken" {
        // The token endpoint answers errors in OAuth's own shape, not VSPC's envelope.
        let body: types::OAuth2IssueTokenBody = serde_json::from_value(
            json!({"grant_type": "password", "username": "u", "password": "p"}),
        )
        .expect("a token request");
        return match client.o_auth2_issue_token().body(body).send().await {
            Ok(value) => Ok(erased::Encode::encode(&value.into_inner())),
            Err(error) => Err(error.to_string()),
        };
    }
    call_with_envelope_errors(client, operation)
        .await
        .map_err(|e| e.to_string())
}

/// [`call`] for the operations whose errors are VSPC's envelope: `?` makes them the crate's
/// `Error`.
async fn call_with_envelope_errors(client: &Client, operation: &str) -> Result<Value, Error> {
    let uid = Uuid::nil();
    let file = || LicenseFile::from_bytes("license.lic", b"license".to_vec());
    let patches: types::JsonPatches = serde_json::from_value(
        json!([{"op": "replace", "path": "/autoUpdateEnabled", "value": "true"}]),
    )
    .expect("a JSON Patch");
    let encode = |v: &dyn erased::Encode| v.encode();
    macro_rules! generated {
        ($builder:expr) => {
            match $builder.send().await {
                Ok(value) => Ok(encode(&value.into_inner())),
                Err(error) => Err(Error::from(error)),
            }
        };
    }
    match operation {
        "GetSiteLicenses" => generated!(client.get_site_licenses()),
        "GetSiteLicense" => generated!(client.get_site_license().site_uid(uid)),
        "PatchSiteLicense" => generated!(client.patch_site_license().site_uid(uid).body(patches)),
        "UpdateSiteLicense" => generated!(client.update_site_license().site_uid(uid)),
        "InstallSiteLicense" => client
            .install_site_license(uid, &file())
            .await
            .map(|v| encode(&v)),
        "GetBackupServersLicenses" => generated!(client.get_backup_servers_licenses()),
        "GetBackupServerLicense" => {
            generated!(client.get_backup_server_license().backup_server_uid(uid))
        }
        "PatchBackupServerLicense" => generated!(client
            .patch_backup_server_license()
            .backup_server_uid(uid)
            .body(patches)),
        "UpdateBackupServerLicense" => {
            generated!(client.update_backup_server_license().backup_server_uid(uid))
        }
        "InstallBackupServerLicense" => client
            .install_backup_server_license(uid, &file())
            .await
            .map(|v| encode(&v)),
        "DeleteBackupServerLicense" => generated!(client
            .delete_backup_server_license()
            .backup_server_uid(uid)
            .section_for_delete(vspc_licensing::enums::SectionForDelete::All)),
        "GetVOneServersLicenses" => generated!(client.get_v_one_servers_licenses()),
        "GetVOneServerLicense" => {
            generated!(client.get_v_one_server_license().v_one_server_uid(uid))
        }
        "PatchVOneServerLicense" => generated!(client
            .patch_v_one_server_license()
            .v_one_server_uid(uid)
            .body(patches)),
        "UpdateVOneServerLicense" => {
            generated!(client.update_v_one_server_license().v_one_server_uid(uid))
        }
        "InstallVOneServerLicense" => client
            .install_v_one_server_license(uid, &file())
            .await
            .map(|v| encode(&v)),
        "DeleteVOneServerLicense" => {
            generated!(client.delete_v_one_server_license().v_one_server_uid(uid))
        }
        "GetVb365ServersLicenses" => generated!(client.get_vb365_servers_licenses()),
        "GetVb365ServerLicense" => {
            generated!(client.get_vb365_server_license().vb365_server_uid(uid))
        }
        "PatchVb365ServerLicense" => generated!(client
            .patch_vb365_server_license()
            .vb365_server_uid(uid)
            .body(patches)),
        "UpdateVb365ServerLicense" => {
            generated!(client.update_vb365_server_license().vb365_server_uid(uid))
        }
        "InstallVb365ServerLicense" => client
            .install_vb365_server_license(uid, &file())
            .await
            .map(|v| encode(&v)),
        "GetConsoleLicenseInformation" => generated!(client.get_console_license_information()),
        "UpdateConsoleLicense" => {
            generated!(client.update_console_license())
        }
        "InstallConsoleLicense" => client
            .install_console_license(&file())
            .await
            .map(|v| encode(&v)),
        "GetConsoleLicenseSettings" => generated!(client.get_console_license_settings()),
        "GetLicensingReports" => {
            generated!(client.get_licensing_reports())
        }
        "GetLatestLicensingReports" => generated!(client.get_latest_licensing_reports()),
        "GetLicensingReportsForDate" => {
            generated!(client.get_licensing_reports_for_date().date("2025-07"))
        }
        "FinalizeLicensingReports" => generated!(client.finalize_licensing_reports()),
        "GetLicensingReportsSettings" => generated!(client.get_licensing_reports_settings()),
        "PatchLicensingReportsSettings" => {
            generated!(client.patch_licensing_reports_settings().body(patches))
        }
        "GetOrganizationsLicenseUsage" => generated!(client.get_organizations_license_usage()),
        "GetAsyncAction" => generated!(client.get_async_action().action_id(uid)),
        "CancelAsyncAction" => generated!(client.cancel_async_action().action_id(uid)),
        "GetAsyncActionResult" => generated!(client.get_async_action_result().action_id(uid)),
        "GetPulseConfiguration" => generated!(client.get_pulse_configuration()),
        "PatchPulseConfiguration" => generated!(client.patch_pulse_configuration().body(patches)),
        "SyncPulseData" => generated!(client.sync_pulse_data()),
        "GetPulseLicenseContracts" => generated!(client.get_pulse_license_contracts()),
        "GetPulseLicenseProducts" => generated!(client.get_pulse_license_products()),
        "GetPulseLicenses" => generated!(client.get_pulse_licenses()),
        "CreatePulseLicense" => {
            let input: types::PulseLicenseInput = serde_json::from_value(json!({
                "productId": "P", "contractId": "C", "expirationDate": "2027-01-01T00:00:00Z",
                "workloads": [{"workloadId": "W", "count": 1}]
            }))
            .expect("a new license");
            generated!(client.create_pulse_license().body(input))
        }
        "GetPulseLicense" => generated!(client.get_pulse_license().license_uid(uid)),
        "PatchPulseLicense" => {
            generated!(client.patch_pulse_license().license_uid(uid).body(patches))
        }
        "DeletePulseLicense" => generated!(client.delete_pulse_license().license_uid(uid)),
        "CopyPulseLicense" => generated!(client.copy_pulse_license().license_uid(uid)),
        "RevokePulseLicense" => generated!(client.revoke_pulse_license().license_uid(uid)),
        "InstallPulseLicense" => generated!(client
            .install_pulse_license()
            .license_uid(uid)
            .server_uid(uid)),
        "DownloadPulseLicense" => generated!(client.download_pulse_license().license_uid(uid)),
        "GetPulseTenants" => generated!(client.get_pulse_tenants()),
        "CreatePulseTenantByCompany" => {
            generated!(client.create_pulse_tenant_by_company().company_uid(uid))
        }
        "GetPulseTenant" => generated!(client.get_pulse_tenant().tenant_uid("a-tenant")),
        "PatchPulseTenant" => generated!(client
            .patch_pulse_tenant()
            .tenant_uid("a-tenant")
            .body(patches)),
        "CreateCompanyByPulseTenant" => generated!(client
            .create_company_by_pulse_tenant()
            .tenant_uid("a-tenant")
            .site_uid(uid)),
        "GetPulseVdcMonthlyUsages" => generated!(client.get_pulse_vdc_monthly_usages()),
        "DownloadLicensingReportCsv" => client
            .download_license_report_csv(1)
            .await
            .map(|csv| Value::String(String::from_utf8_lossy(&csv).into_owned())),
        other => panic!("no call for {other}: add it here"),
    }
}

/// Object-safe encoding of the typed answers.
mod erased {
    pub trait Encode {
        fn encode(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Encode for T {
        fn encode(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("typed values encode")
        }
    }
}

/// The collection helpers' streams (paging included), by operation.
async fn stream(client: &Client, operation: &str) -> Option<Result<Value, Error>> {
    fn encode<T: serde::Serialize>(items: Result<Vec<T>, Error>) -> Result<Value, Error> {
        items.map(|items| serde_json::to_value(items).expect("typed values encode"))
    }
    let query = ListQuery::new;
    Some(match operation {
        "GetBackupServersLicenses" => {
            encode(client.backup_server_licenses(query()).try_collect().await)
        }
        "GetVOneServersLicenses" => {
            encode(client.v_one_server_licenses(query()).try_collect().await)
        }
        "GetVb365ServersLicenses" => {
            encode(client.vb365_server_licenses(query()).try_collect().await)
        }
        "GetSiteLicenses" => encode(client.site_licenses().await),
        "GetLicensingReports" => encode(client.license_reports(query()).try_collect().await),
        "GetLatestLicensingReports" => {
            encode(client.latest_license_reports(query()).try_collect().await)
        }
        "GetLicensingReportsForDate" => encode(
            client
                .license_reports_for_month("2025-07", query())
                .try_collect()
                .await,
        ),
        "GetOrganizationsLicenseUsage" => encode(
            client
                .organization_license_usage(Default::default(), query())
                .try_collect()
                .await,
        ),
        "GetPulseLicenses" => encode(client.pulse().licenses(query()).try_collect().await),
        "GetPulseLicenseContracts" => encode(client.pulse().contracts(query()).try_collect().await),
        "GetPulseLicenseProducts" => encode(client.pulse().products(query()).try_collect().await),
        "GetPulseTenants" => encode(client.pulse().tenants(query()).try_collect().await),
        _ => return None,
    })
}

fn canned(example: &VeeamExample) -> Canned {
    let Place::Response { status, media, .. } = &example.place else {
        unreachable!("only responses are served")
    };
    let status = status.parse().unwrap_or(520);
    let body = match &example.value {
        Value::String(text) if media != "application/json" => text.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    Canned::raw(status, media, &body)
}

/// Runs every response and schema example of one document; returns one line per example
/// that did not come through.
async fn failures_of(document: &VeeamDocument) -> BTreeMap<String, String> {
    let recorder = Recorder::start().await;
    let client = Client::builder(recorder.url())
        .api_key(KEY)
        .build()
        .expect("a client");
    let mut failures = BTreeMap::new();
    for example in examples::collect(document) {
        if not_in_the_spec(&example) {
            continue;
        }
        let name = example.name();
        let outcome = match &example.place {
            Place::Request { .. } => continue,
            Place::Schema { name: schema } => {
                let reference = json!({ "$ref": format!("#/components/schemas/{schema}") });
                match support::typed::round_trip(schema, &example.value) {
                    None => Err(format!("the spec has no schema {schema}")),
                    Some(Err(e)) => Err(format!("does not decode: {e}")),
                    Some(Ok(typed)) => kept(&reference, &example.value, &typed),
                }
            }
            Place::Response {
                method,
                path,
                status,
                media,
                ..
            } => match our_response_schema(method, path, status, media) {
                None => Err(format!("the spec has no {media} answer {status} here")),
                Some((operation, schema)) => {
                    recorder.push([canned(&example)]);
                    let mut outcome = match call(&client, &operation).await {
                        Ok(typed) => kept(&schema, &example.value, &typed),
                        Err(e) => Err(format!("{operation}: {e}")),
                    };
                    recorder.take();
                    if outcome.is_ok() {
                        let canned = canned(&example);
                        let data = example.value.get("data").cloned().unwrap_or(Value::Null);
                        let item_schema = schema.pointer("/properties/data").cloned();
                        let responder = Arc::new(move |_: &Recorded| canned.clone());
                        let paging = Recorder::with_fallback(responder).await;
                        let paged = Client::builder(paging.url())
                            .api_key(KEY)
                            .build()
                            .expect("a client");
                        if let Some(items) = stream(&paged, &operation).await {
                            outcome = match items {
                                Ok(items) => {
                                    kept(&item_schema.unwrap_or(Value::Bool(true)), &data, &items)
                                        .map_err(|e| format!("through the paging stream: {e}"))
                                }
                                Err(e) => Err(format!("through the paging stream: {e}")),
                            };
                        }
                    }
                    outcome
                }
            },
        };
        if let Err(why) = outcome {
            failures.insert(name, why);
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn veeams_response_and_schema_examples_decode_through_the_typed_api() {
    let mut report = String::new();
    let mut still_failing = Vec::new();
    let mut counted = 0;
    for document in documents::documents() {
        let failures = failures_of(document).await;
        counted += examples::collect(document).len();
        for example in examples::collect(document) {
            let name = example.name();
            let expected_to_fail = artefact(&example).is_some();
            match (failures.get(&name), expected_to_fail) {
                (Some(why), false) => report.push_str(&format!("{name}: {why}\n")),
                (None, true) if !matches!(example.place, Place::Request { .. }) => {
                    report.push_str(&format!(
                        "{name}: listed as failing but now comes through; remove it from the list\n"
                    ))
                }
                (Some(_), true) => still_failing.push(name),
                _ => {}
            }
        }
    }
    eprintln!(
        "{counted} examples read; expected failures still failing: {}",
        still_failing.len()
    );
    assert!(counted > 200, "only {counted} examples found");
    assert!(
        report.is_empty(),
        "Veeam's examples through the crate:\n{report}"
    );
}

#[test]
fn the_check_names_what_a_typed_value_lost() {
    let schema = json!({ "$ref": "#/components/schemas/BackupServerLicense" });
    let example = json!({
        "backupServerUid": "DF997BD3-4AE9-4841-8152-8FF5CC703EAB",
        "company": "Alpha",
        "licenseIds": [],
        "supportIds": ["1"],
        "notInTheSpec": 1
    });
    let mut typed = support::normalise::normalise(spec(), &schema, &example);
    assert_eq!(kept(&schema, &example, &typed), Ok(()));
    typed.as_object_mut().unwrap().remove("company");
    typed["supportIds"] = json!([]);
    assert_eq!(
        kept(&schema, &example, &typed),
        Err(r#"lost ["/company", "/supportIds (length 1 became 0)"]"#.to_owned())
    );
}

/// The CLI's read commands, run as a process against a server that answers every route with
/// the version's own example; `{uid}` stands for a placeholder UID.
const CLI_READ_COMMANDS: &[&str] = &[
    "licenses list",
    "licenses show --product vbr {uid}",
    "licenses show --product vone {uid}",
    "licenses show --product vb365 {uid}",
    "licenses show --product site {uid}",
    "licenses show --product console",
    "auto-update status",
    "reports list",
    "reports latest",
    "reports month 2025-07",
    "reports settings",
    "usage organizations",
    "pulse contracts",
    "pulse products",
    "pulse licenses list",
    "pulse licenses show {uid}",
    "pulse tenants list",
    "pulse tenants show a-tenant",
    "pulse config show",
];

/// The CLI's VCSP Pulse changes that print an answer, run the same way: the server answers
/// with the version's own example, so what the CLI prints is read from Veeam's example. (Install,
/// revoke and delete answer with no body, of which Veeam's documents give no example.)
const CLI_PULSE_CHANGES: &[&str] = &[
    "pulse licenses create --product VBR --contract C-1 --expires 2099-01-01T00:00:00Z --workload VM=1",
    "pulse licenses copy {uid}",
    "pulse licenses edit {uid} --description changed",
];

/// Answers each route with the 200 example the document gives for it (404 where it has none).
fn example_server(document: &VeeamDocument) -> impl Fn(&Recorded) -> Canned + Send + Sync {
    let mut answers: BTreeMap<(String, String), Canned> = BTreeMap::new();
    for example in examples::collect(document) {
        if let Place::Response {
            method,
            path,
            status,
            ..
        } = &example.place
        {
            if status == "200" {
                answers.insert((method.clone(), path.clone()), canned(&example));
            }
        }
    }
    move |request: &Recorded| {
        let relative = request
            .path
            .strip_prefix("/api/v3")
            .unwrap_or(&request.path);
        let template = spec()
            .operations()
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(request.method.as_str()))
            .find(|op| op.match_path(relative).is_some())
            .map(|op| op.path.clone());
        template
            .and_then(|path| answers.get(&(request.method.to_string(), path)).cloned())
            .unwrap_or_else(|| {
                Canned::json(
                    404,
                    json!({"errors": [{"message": "no example for this route", "type": "logical", "code": 404}]}),
                )
            })
    }
}

/// For a listing command: the `data` of the example its one route answers with, and the item
/// schema.
fn listing_example(document: &VeeamDocument, command: &str) -> Option<(Value, Value)> {
    let path = listing_path(command)?;
    let example = examples::collect(document).into_iter().find(|e| {
        matches!(&e.place, Place::Response { method, path: p, status, .. }
            if method == "GET" && p == path && status == "200")
    })?;
    let (_, schema) = our_response_schema("GET", path, "200", "application/json")?;
    Some((
        example.value.get("data")?.clone(),
        schema.pointer("/properties/data/items")?.clone(),
    ))
}

/// For a command showing one object: the `data` of the example its route answers with, and its
/// schema.
fn shown_example(document: &VeeamDocument, command: &str) -> Option<(Value, Value)> {
    let (verb, path) = shown_route(command)?;
    let example = examples::collect(document).into_iter().find(|e| {
        matches!(&e.place, Place::Response { method, path: p, status, .. }
            if method == verb && p == path && status == "200")
    })?;
    let (_, schema) = our_response_schema(verb, path, "200", "application/json")?;
    Some((
        example.value.get("data")?.clone(),
        schema.pointer("/properties/data")?.clone(),
    ))
}

/// The route whose one object a command prints.
fn shown_route(command: &str) -> Option<(&'static str, &'static str)> {
    if command.starts_with("pulse licenses show") {
        Some(("GET", "/pulse/licenses/{licenseUid}"))
    } else if command.starts_with("pulse licenses create") {
        Some(("POST", "/pulse/licenses"))
    } else if command.starts_with("pulse licenses copy") {
        Some(("POST", "/pulse/licenses/{licenseUid}/copy"))
    } else if command.starts_with("pulse licenses edit") {
        Some(("PATCH", "/pulse/licenses/{licenseUid}"))
    } else if command.starts_with("pulse tenants show") {
        Some(("GET", "/pulse/tenants/{tenantUid}"))
    } else if command == "pulse config show" {
        Some(("GET", "/pulse"))
    } else {
        None
    }
}

/// The one route a listing command reads, for the commands whose JSON output is that route's
/// objects.
fn listing_path(command: &str) -> Option<&'static str> {
    Some(match command {
        "reports list" => "/licensing/reports",
        "reports latest" => "/licensing/reports/latest",
        "reports month 2025-07" => "/licensing/reports/{date}",
        "usage organizations" => "/licensing/usage/organizations",
        "pulse contracts" => "/pulse/contracts",
        "pulse products" => "/pulse/products",
        "pulse licenses list" => "/pulse/licenses",
        "pulse tenants list" => "/pulse/tenants",
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_read_commands_read_veeams_examples() {
    let mut report = String::new();
    for document in documents::documents() {
        let server = Recorder::with_fallback(Arc::new(example_server(document))).await;
        for command in CLI_READ_COMMANDS.iter().chain(CLI_PULSE_CHANGES) {
            let name = format!("{} {command}", document.version);
            let args: Vec<String> = command
                .replace("{uid}", &Uuid::nil().to_string())
                .split(' ')
                .map(str::to_owned)
                .chain(["--output".to_owned(), "json".to_owned()])
                .collect();
            let url = server.url();
            let mut cli = tool();
            cli.env("VSPC_API_KEY", KEY)
                .args(["--url", &url])
                .args(&args);
            let output = output(cli).await;
            let parsed: Result<Value, _> = serde_json::from_slice(&output.stdout);
            let worked = output.status.success() && parsed.is_ok();
            if std::env::var_os("SHOW_CLI").is_some() {
                eprintln!(
                    "{name}: {}",
                    String::from_utf8_lossy(&output.stdout)
                        .chars()
                        .take(300)
                        .collect::<String>()
                );
            }
            // The JSON output of a listing is the API's own objects: it keeps the example too.
            // A listing with no example (or an empty one) to compare would pass unchecked.
            let example = listing_example(document, command);
            let nothing_to_compare = example
                .as_ref()
                .is_none_or(|(data, _)| data.as_array().is_none_or(Vec::is_empty));
            if listing_path(command).is_some() && nothing_to_compare {
                report.push_str(&format!("{name}: no non-empty Veeam example to compare\n"));
            }
            if let (Ok(printed), Some(example)) = (&parsed, example) {
                let schema = json!({"type": "array", "items": example.1});
                if let Err(why) = kept(&schema, &example.0, printed) {
                    report.push_str(&format!("{name}: the printed JSON {why}\n"));
                }
            }
            if shown_route(command).is_some() {
                match (&parsed, shown_example(document, command)) {
                    (Ok(printed), Some((example, schema))) => {
                        if let Err(why) = kept(&schema, &example, printed) {
                            report.push_str(&format!("{name}: the printed JSON {why}\n"));
                        }
                    }
                    (_, None) => report.push_str(&format!("{name}: no Veeam example to compare\n")),
                    (Err(_), _) => {}
                }
            }
            if !worked {
                report.push_str(&format!(
                    "{name}: exit {:?}: {}\n",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
        }
    }
    assert!(report.is_empty(), "the CLI on Veeam's examples:\n{report}");
}

/// Veeam's VCSP Pulse request examples (a new license, JSON Patches of a license, the
/// configuration, a tenant): each must be a body the spec's request schema for that operation
/// accepts, and decode through the generated type of that schema keeping every key the spec
/// knows. So what Veeam shows a client sending, the crate's own types can carry.
#[test]
fn veeams_pulse_request_examples_decode_through_the_request_types() {
    let mut report = String::new();
    let mut checked = BTreeMap::<&str, usize>::new();
    for document in documents::documents() {
        for example in examples::collect(document) {
            let Place::Request {
                method,
                path,
                media,
                ..
            } = &example.place
            else {
                continue;
            };
            if !(path == "/pulse" || path.starts_with("/pulse/")) || media != "application/json" {
                continue;
            }
            let name = example.name();
            let Some(schema) = spec()
                .operations()
                .iter()
                .find(|op| op.method.eq_ignore_ascii_case(method) && op.path == *path)
                .and_then(|op| op.request_body.as_ref())
                .and_then(|body| body.content.get(media.as_str()).cloned())
            else {
                report.push_str(&format!("{name}: the spec takes no {media} body here\n"));
                continue;
            };
            let found = spec().validate_value(&schema, &example.value);
            if !found.is_empty() {
                report.push_str(&format!("{name}: the spec refuses it: {found:?}\n"));
                continue;
            }
            let Some(type_name) = support::typed::type_name(&schema) else {
                report.push_str(&format!("{name}: no generated type for {schema}\n"));
                continue;
            };
            let outcome = match support::typed::round_trip(&type_name, &example.value) {
                None => Err(format!("no generated type {type_name}")),
                Some(Err(e)) => Err(format!("does not decode as {type_name}: {e}")),
                Some(Ok(typed)) => kept(&schema, &example.value, &typed),
            };
            match outcome {
                Ok(()) => *checked.entry(document.version).or_default() += 1,
                Err(why) => report.push_str(&format!("{name}: {why}\n")),
            }
        }
    }
    eprintln!("Pulse request examples checked, by version: {checked:?}");
    assert!(
        report.is_empty(),
        "Veeam's Pulse request examples:\n{report}"
    );
    // 3.7 (Swagger 2.0) carries no request body examples; every other version has Pulse ones.
    for version in ["3.5.1", "3.6", "3.6.1", "3.6.2"] {
        assert!(
            checked.get(version).copied().unwrap_or(0) > 0,
            "{version}: no Pulse request example was checked: {checked:?}"
        );
    }
}
