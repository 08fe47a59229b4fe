//! The live check: run against a console (or the simulator), call every read-only licensing
//! operation of the spec, page through the collections, and hold every answer against the spec
//! with [`crate::contract`] (the spec as an offline oracle). The CLI's `conform` runs it.
//!
//! The calls are derived from the spec's inventory: every `GET` under `/licensing`, and
//! `GET /about` (the console's build, which names the API versions it speaks). Operations
//! without path parameters run first; the values their answers carry (a `backupServerUid`, a
//! report's `reportId` and generation month) then address the operations that need them. An
//! operation with nothing to address (no Veeam ONE servers, say) is reported as skipped.
//! Nothing is changed on the server. A read answered with an error status (a refused key, a
//! server failure) is a failed call: the run does not conform, even when the error body matches
//! the spec, because nothing was checked.
//!
//! ```no_run
//! # async fn run() -> vspc_licensing::Result<()> {
//! use vspc_licensing::live_check::{run, LiveCheckOptions};
//! let client = vspc_licensing::Client::builder("https://vspc.example.com:1280").api_key("...").build()?;
//! let outcome = run(&client, &LiveCheckOptions::default()).await?;
//! if !outcome.report.violations.is_empty() {
//!     eprintln!("the server departs from the spec: {:?}", outcome.report.counts());
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use progenitor_client::ClientInfo;
use serde::Serialize;
use serde_json::Value;

use crate::client::error::Error;
use crate::contract::{DriftReport, ParameterLocation, Spec};
use crate::model::api_version::ApiVersion;
use crate::Client;

/// How much of each collection to read.
#[derive(Clone, Debug)]
pub struct LiveCheckOptions {
    /// Resources per page (1 to 500).
    pub page_size: u32,
    /// Stop a collection after this many pages (`None`: read it all).
    pub max_pages: Option<usize>,
}

impl Default for LiveCheckOptions {
    /// 100 per page, at most 20 pages per collection.
    fn default() -> Self {
        LiveCheckOptions {
            page_size: 100,
            max_pages: Some(20),
        }
    }
}

/// One call of the run.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    /// The operationId.
    pub operation: String,
    /// The path and query, relative to the API root.
    pub target: String,
    /// The HTTP status.
    pub status: u16,
    /// How many violations the answer had.
    pub violations: usize,
}

/// Which API versions the server's answers fit.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VersionFindings {
    /// The console's build, as `GET /about` reported it (`None` when it did not answer).
    pub server_version: Option<String>,
    /// The newest API version that build speaks ([`ApiVersion::for_console`]); `None` for a
    /// build older than 8.1 or an unreadable one.
    pub console_api_version: Option<ApiVersion>,
    /// The version the client declared in `X-Client-Version`.
    pub declared: Option<ApiVersion>,
    /// The versions every answer's wire shape is consistent with, no newer than the console
    /// speaks (from the spec's per-version notes). Empty when the answers contradict each
    /// other or the console.
    pub consistent_with: Vec<ApiVersion>,
}

/// What a run found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LiveCheckOutcome {
    /// Every call made, in order.
    pub calls: Vec<Call>,
    /// Operations that could not be called, with the reason.
    pub skipped: BTreeMap<String, String>,
    /// Every departure from the spec.
    pub report: DriftReport,
    /// Which API versions the answers fit.
    pub versions: VersionFindings,
    /// The overlays the spec that judged the answers was built with (empty: as shipped).
    pub spec_overlays: Vec<crate::SpecOverlay>,
    /// What the answers showed of the drift, as facts an overlay can fix
    /// ([`DriftEvidence::to_overlay`](crate::overlay::DriftEvidence::to_overlay)).
    #[serde(skip)]
    pub evidence: crate::overlay::DriftEvidence,
}

impl Call {
    /// Whether the server answered the read with success. An error answer may well match the
    /// spec's error schema, but it is not a read of the data: the run did not check that
    /// operation.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl LiveCheckOutcome {
    /// Whether the server matches the spec on everything that was called, and every read
    /// succeeded (a refused or failed read checks nothing, so it cannot pass).
    pub fn conforms(&self) -> bool {
        self.report.violations.is_empty()
            && self.failed_calls().next().is_none()
            && !self.calls.is_empty()
    }

    /// The reads the server answered with an error status.
    pub fn failed_calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter().filter(|call| !call.succeeded())
    }

    /// Whether the server refused the credentials or their permissions (`401` or `403`).
    pub fn refused(&self) -> bool {
        self.calls
            .iter()
            .any(|call| matches!(call.status, 401 | 403))
    }

    /// Whether at least one read succeeded.
    pub fn any_succeeded(&self) -> bool {
        self.calls.iter().any(Call::succeeded)
    }
}

/// Runs the contract check; see the [module documentation](self).
pub async fn run(client: &Client, options: &LiveCheckOptions) -> Result<LiveCheckOutcome, Error> {
    if !(1..=crate::api::query::MAX_PAGE_SIZE).contains(&options.page_size) {
        return Err(Error::InvalidInput {
            operation: "conform",
            message: "the page size must be 1 to 500".into(),
        });
    }
    let spec = Spec::embedded();
    let mut reads: Vec<_> = spec
        .operations()
        .iter()
        .filter(|op| {
            op.method == "GET" && (op.path.starts_with("/licensing") || op.path == "/about")
        })
        .collect();
    // Operations without path parameters first: their answers address the others.
    reads.sort_by_key(|op| {
        op.parameters
            .iter()
            .any(|p| p.location == ParameterLocation::Path)
    });
    let mut outcome = LiveCheckOutcome {
        spec_overlays: crate::spec_overlays().to_vec(),
        ..LiveCheckOutcome::default()
    };
    outcome.versions.declared = client.declared_api_version();
    let mut consistent = ApiVersion::ALL.to_vec();
    let mut harvested: BTreeMap<String, String> = BTreeMap::new();
    for op in reads {
        let operation: &'static str = leak(&op.operation_id);
        let mut path = op.path.clone();
        let mut missing = None;
        for param in op
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Path)
        {
            match harvested
                .get(&param.name)
                .map(|value| (value, path_segment(value)))
            {
                Some((_, Some(segment))) => {
                    path = path.replace(&format!("{{{}}}", param.name), &segment)
                }
                Some((value, None)) => {
                    missing = Some(format!(
                        "the collections name `{}` as {value:?}, which cannot address a resource",
                        param.name
                    ))
                }
                None => {
                    missing = Some(format!(
                        "no `{}` found in the collections to address it",
                        param.name
                    ))
                }
            }
        }
        if let Some(reason) = missing {
            outcome.skipped.insert(op.operation_id.clone(), reason);
            continue;
        }
        let paged = op.parameter(ParameterLocation::Query, "limit").is_some();
        let mut offset = 0u64;
        let mut pages = 0usize;
        loop {
            let target = if paged {
                format!("{path}?limit={}&offset={offset}", options.page_size)
            } else {
                path.clone()
            };
            let (status, content_type, body) = fetch(client, operation, &target).await?;
            let body = versions_seen(
                op.operation_id.as_str(),
                status,
                body,
                &mut outcome.versions,
                &mut consistent,
            );
            let violations =
                spec.response_drift(&op.operation_id, status, content_type.as_deref(), &body);
            outcome.calls.push(Call {
                operation: op.operation_id.clone(),
                target: target.clone(),
                status,
                violations: violations.len(),
            });
            outcome.report.extend(violations);
            let json: Option<Value> = serde_json::from_slice(&body).ok();
            if let Some(json) = &json {
                harvest(json, &mut harvested);
                if (200..300).contains(&status) {
                    outcome.evidence.observe(
                        spec.raw(),
                        &op.method,
                        &op.path,
                        &op.operation_id,
                        status,
                        json,
                    );
                }
            }
            pages += 1;
            let count = json
                .as_ref()
                .and_then(|j| j["data"].as_array().map(Vec::len))
                .unwrap_or(0) as u64;
            let total = json
                .as_ref()
                .and_then(|j| j.pointer("/meta/pagingInfo/total")?.as_u64());
            offset += count;
            let more = matches!(total, Some(total) if offset < total) && count > 0;
            if !paged || !more || options.max_pages.is_some_and(|max| pages >= max) {
                break;
            }
        }
    }
    if let Some(console) = outcome.versions.console_api_version {
        consistent.retain(|v| *v <= console);
    }
    outcome.versions.consistent_with = consistent;
    // A detecting client has found its version by now.
    outcome.versions.declared = client.declared_api_version();
    Ok(outcome)
}

/// Notes what an answer tells about the API version, and returns its body in the spec's
/// spelling (an older version's spelling of a property, which the spec's version notes
/// document, is not drift).
fn versions_seen(
    operation: &str,
    status: u16,
    body: Vec<u8>,
    findings: &mut VersionFindings,
    consistent: &mut Vec<ApiVersion>,
) -> Vec<u8> {
    if !(200..300).contains(&status) {
        return body;
    }
    let Ok(mut json) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    if operation == crate::client::version_detection::ABOUT_OPERATION {
        if let Some(build) = json.pointer("/data/serverVersion").and_then(Value::as_str) {
            findings.server_version = Some(build.to_owned());
            findings.console_api_version = ApiVersion::for_console(build).ok();
        }
    }
    let fits = crate::model::compat::consistent_versions(&json);
    consistent.retain(|v| fits.contains(v));
    if crate::model::compat::to_spec_spelling(&mut json) {
        serde_json::to_vec(&json).unwrap_or(body)
    } else {
        body
    }
}

/// Sends one GET through the client's hooks (auth, retries, async actions) and returns the
/// raw answer, so that nothing the server sent is lost to typed decoding.
async fn fetch(
    client: &Client,
    operation: &'static str,
    target: &str,
) -> Result<(u16, Option<String>, Vec<u8>), Error> {
    let request = client
        .client()
        .get(format!("{}{target}", client.baseurl()))
        .header(reqwest::header::ACCEPT, "application/json")
        .build()
        .map_err(|source| Error::Transport { operation, source })?;
    let answer = client
        .exchange(request, operation)
        .await
        .map_err(|source| Error::Transport { operation, source })?;
    if crate::client::synthetic::SyntheticAnswer::stopped_by_client(&answer.headers) {
        // The client stopped reading or did not follow: there is no answer to check, and
        // the run's error says why.
        return Err(Error::from_answer(operation, answer));
    }
    let status = answer.status.as_u16();
    let content_type = answer
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = answer.body;
    Ok((status, content_type, body.to_vec()))
}

/// Collects values that address other operations: any property named like a path parameter
/// (`siteUid`, `backupServerUid`, ...), plus a report's id (`id`) and its month (`date`).
fn harvest(json: &Value, found: &mut BTreeMap<String, String>) {
    let Some(items) = json["data"].as_array() else {
        return;
    };
    for item in items {
        if let Some(object) = item.as_object() {
            for (key, value) in object {
                if key.ends_with("Uid") {
                    if let Some(text) = value.as_str() {
                        found.entry(key.clone()).or_insert_with(|| text.to_owned());
                    }
                }
            }
        }
        if let Some(id) = item
            .pointer("/reportParameters/reportId")
            .and_then(Value::as_i64)
        {
            found.entry("id".into()).or_insert_with(|| id.to_string());
        }
        if let Some(date) = item
            .pointer("/reportParameters/generationDate")
            .and_then(Value::as_str)
        {
            found
                .entry("date".into())
                .or_insert_with(|| date.chars().take(7).collect());
        }
    }
}

/// A value from a server's answer as one path segment: every byte but letters, digits and
/// `-._~` percent-encoded, so that a UID such as `../../x` or `a/b?c` cannot climb out of the
/// segment it fills. `None` for a value no segment can carry: empty, or dots only (`.`, `..`),
/// which stay steps up once the URL is parsed, encoded or not (`%2E%2E` counts as `..`).
fn path_segment(value: &str) -> Option<String> {
    if value.bytes().all(|b| b == b'.') {
        return None;
    }
    let mut segment = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            segment.push(char::from(byte));
        } else {
            segment.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(segment)
}

/// Operation ids live as long as the embedded spec (the whole program); the error type wants
/// `&'static str`.
fn leak(operation_id: &str) -> &'static str {
    Spec::embedded()
        .operation(operation_id)
        .map(|op| op.operation_id.as_str())
        .unwrap_or("conform")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_values_fill_one_path_segment_or_none() {
        assert_eq!(
            path_segment("514c45eb-9543-4799-8003-1e59385b774c").as_deref(),
            Some("514c45eb-9543-4799-8003-1e59385b774c")
        );
        assert_eq!(path_segment("2024-05").as_deref(), Some("2024-05"));
        assert_eq!(
            path_segment("../../x?y#z").as_deref(),
            Some("..%2F..%2Fx%3Fy%23z")
        );
        assert_eq!(path_segment("\u{e9} %").as_deref(), Some("%C3%A9%20%25"));
        for unusable in ["", ".", ".."] {
            assert_eq!(path_segment(unusable), None, "{unusable:?}");
        }
    }
}
