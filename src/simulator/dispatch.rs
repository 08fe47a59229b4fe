//! The single request handler. Every request goes through it so that faults, auth,
//! `X-Request-id` replays and async actions treat all operations alike.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

use super::app::{AbortConnection, App};
use super::faults::FaultKind;
use super::journal::{self, Arrival};
use super::operations::{execute, Call};
use super::response::{code, Reply};
use super::routes::{route, simulated_cost, Op};
use super::throttle::throttled;
use super::versions::{answering_version, shape};
use crate::model::spec_facts::{SpecOperation, API_BASE_PATH};

/// The VAC v2 API answers errors with a bare JSON string, not the v3 `ErrorResponse`.
fn legacy_errors(path: &str, reply: Reply) -> Reply {
    let legacy = path.starts_with("/v2/") || path.starts_with("/api/v2/");
    if !legacy || reply.is_success() {
        return reply;
    }
    let message = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|body| body["errors"][0]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "An error has occurred.".to_owned());
    Reply {
        body: Bytes::from(serde_json::to_vec(&Value::String(message)).unwrap_or_default()),
        ..reply
    }
}

fn aborted() -> Response {
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(AbortConnection);
    response
}

fn truncated(reply: Reply) -> Response {
    let promised = reply.body.len() + 64;
    let half = reply.body.slice(..reply.body.len() / 2);
    let mut response = Reply {
        body: Bytes::new(),
        ..reply
    }
    .into_response();
    // A streamed body has no exact size, so hyper keeps the Content-Length we promise. The
    // pause lets hyper flush the headers and the first half before the body fails, which makes
    // hyper close the connection.
    use futures::StreamExt;
    let first = futures::stream::once(async move { Ok::<_, std::io::Error>(half) });
    let then_fail = futures::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Err(std::io::Error::other("truncated by fault injection"))
    });
    *response.body_mut() = Body::from_stream(first.chain(then_fail));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(promised));
    response
}

/// The single axum handler: routes, then applies faults, auth, replays and async actions.
pub(crate) async fn dispatch(
    AxumState(app): AxumState<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let op = match route(&method, &path) {
        Ok(op) => op,
        Err(reply) => return legacy_errors(&path, reply).into_response(),
    };
    let _entered = app.load.enter();
    let _admitted = match app.throttle.admit() {
        Ok(admitted) => admitted,
        Err(reply) => {
            app.load.throttled();
            return reply.into_response();
        }
    };
    // Past the throttling limits, the request waits for a place among those served at once;
    // everything after (a --latency delay included) is its service time.
    let _served = app.load.serve().await;
    let legacy = path.starts_with("/v2/") || path.starts_with("/api/v2/");
    let version = if legacy {
        app.config.api_version
    } else {
        match answering_version(app.config.api_version, &headers) {
            Ok(version) => version,
            Err(reply) => return reply.into_response(),
        }
    };
    let mut params: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if let (
        Op::List(_) | Op::Reports | Op::LatestReports | Op::ReportsForDate(_) | Op::Usage,
        Some(cap),
    ) = (&op, app.config.max_page_size)
    {
        cap_page_size(&mut params, cap);
    }
    let operation_id = op.operation_id();
    let mut after = None;
    let fault = app.faults.pick(&operation_id, method.as_str(), &path);
    if let Some(kind) = &fault {
        journal::note_fault(kind);
    }
    match fault {
        None => {}
        Some(FaultKind::DropBeforeApply) => return aborted(),
        Some(FaultKind::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(kind @ (FaultKind::DropAfterApply | FaultKind::TruncatedBody)) => after = Some(kind),
        Some(kind) => {
            if let Some(reply) = fault_reply(&kind) {
                return reply.into_response();
            }
        }
    }
    let reply = shape(
        legacy_errors(&path, respond(&app, op, params, headers, body).await),
        version,
    );
    match after {
        Some(FaultKind::DropAfterApply) => aborted(),
        Some(FaultKind::TruncatedBody) => truncated(reply),
        _ => reply.into_response(),
    }
}

/// The answer a fault gives in place of the operation's; `None` for the faults that drop,
/// delay or truncate rather than answer.
fn fault_reply(kind: &FaultKind) -> Option<Reply> {
    let server_error = StatusCode::from_u16(520).expect("valid");
    Some(match kind {
        FaultKind::RetryableError => Reply::error(
            server_error,
            "retryableLogical",
            code::SERVER,
            "The server is busy; try again.",
        ),
        FaultKind::LogicalError => Reply::error(
            server_error,
            "logical",
            code::SERVER,
            "The operation failed on the server.",
        ),
        FaultKind::TooManyRequests { retry_after_secs } => Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "logical",
            code::THROTTLED,
            "Too many requests.",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs)),
        FaultKind::Throttled { retry_after_secs } => throttled(*retry_after_secs),
        FaultKind::ServiceUnavailable => Reply::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "transport",
            code::UNAVAILABLE,
            "The service is unavailable.",
        ),
        FaultKind::MalformedJson => Reply {
            status: StatusCode::OK,
            content_type: Some("application/json; charset=utf-8"),
            body: Bytes::from_static(b"{\"data\": [{\"oops\": "),
            headers: Vec::new(),
        },
        FaultKind::DropBeforeApply
        | FaultKind::DropAfterApply
        | FaultKind::TruncatedBody
        | FaultKind::Delay(_) => return None,
    })
}

/// [`dispatch`] with the journal around it (used only when a journal is on, so a simulator
/// without one pays nothing).
pub(crate) async fn journaled(
    AxumState(app): AxumState<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation_id = route(&method, uri.path()).ok().map(|op| op.operation_id());
    let arrival = Arrival::now(&method, &uri, &headers, operation_id);
    let journal = app.journal.clone();
    let (response, notes) =
        journal::noting(dispatch(AxumState(app), method, uri, headers, body)).await;
    if let Some(journal) = journal {
        let dropped = response.extensions().get::<AbortConnection>().is_some();
        journal.record(arrival.answered((!dropped).then(|| response.status().as_u16()), notes));
    }
    response
}

/// A console with a smaller page size serves at most `cap` resources whatever `limit` asks
/// (VSPC's default `limit` is 100).
fn cap_page_size(params: &mut Vec<(String, String)>, cap: usize) {
    match params.iter_mut().find(|(name, _)| name == "limit") {
        Some((_, value)) => {
            if let Ok(asked) = value.parse::<usize>() {
                if asked > cap {
                    *value = cap.to_string();
                }
            }
        }
        None if cap < 100 => params.push(("limit".into(), cap.to_string())),
        None => {}
    }
}

async fn respond(
    app: &Arc<App>,
    op: Op,
    params: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let call = Call {
        op,
        params,
        headers,
        body,
    };
    if matches!(call.op, Op::Token) {
        return execute(app, &call).await;
    }
    let caller = match app.auth.check(&call.headers) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    if call.op.is_write() && caller.read_only {
        return Reply::error(
            StatusCode::FORBIDDEN,
            "security",
            code::FORBIDDEN,
            "This credential may only read.",
        );
    }
    let request_id = match call
        .headers
        .get("x-request-id")
        .map(|v| v.to_str().ok().and_then(|t| Uuid::parse_str(t).ok()))
    {
        None => None,
        Some(Some(id)) => Some(id),
        Some(None) => {
            return Reply::bad_request(code::INVALID_PARAMETER, "X-Request-id must be a UUID.")
        }
    };
    // Held until the answer is recorded, so a simultaneous repeat waits and gets it replayed.
    let _claim = match request_id {
        Some(id) => Some(app.idempotency.claim(id).await),
        None => None,
    };
    let replay_key = request_id.map(|id| (id, fingerprint(&call)));
    let is_write = call.op.is_write();
    if let Some(key) = &replay_key {
        if let Some(reply) = app.idempotency.replay(key) {
            journal::note_replayed();
            return reply;
        }
    }
    let slow = app
        .config
        .async_threshold
        .is_some_and(|threshold| simulated_cost(&call.op) > threshold);
    let reply = if !call.op.never_async()
        && (slow || app.config.async_operations.covers(&call.op.operation_id()))
    {
        let id = request_id.unwrap_or_else(Uuid::new_v4);
        app.actions.start(
            id,
            caller.initiator,
            &call.op.operation_id(),
            &call.params,
            &call.body,
        );
        let app_for_task = Arc::clone(app);
        let delay: Duration = app.config.async_delay;
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if !app_for_task.actions.is_canceled(&id) {
                let reply = execute(&app_for_task, &call).await;
                app_for_task.actions.finish(&id, reply);
            }
        });
        Reply {
            status: StatusCode::ACCEPTED,
            content_type: None,
            body: Bytes::new(),
            headers: Vec::new(),
        }
        .with_header(
            header::LOCATION,
            HeaderValue::from_str(&format!(
                "{}{API_BASE_PATH}{}",
                app.origin(),
                SpecOperation::GetAsyncAction.fill_path(&[&id])
            ))
            .unwrap_or(HeaderValue::from_static("")),
        )
    } else {
        let reply = execute(app, &call).await;
        if is_write && reply.is_success() && reply.status != StatusCode::ACCEPTED {
            journal::note_applied();
        }
        reply
    };
    // A read changes nothing, so answering a repeat afresh is as safe as replaying it; keeping
    // every page read would make the store hold up to `idempotency_capacity` pages of licenses
    // (gigabytes for a large listing). A read answered with 202 is kept: its repeat must find
    // the same async action, not start a second one under the same UID.
    let keep = is_write || reply.status == StatusCode::ACCEPTED;
    if let (Some(key), true) = (replay_key, keep) {
        app.idempotency.record(key, &reply);
    }
    reply
}

/// What makes two requests with the same `X-Request-id` the same request: the operation with
/// its path parameters, the query, and a JSON body. A multipart body is left out because its
/// boundary is random: a client that rebuilds the form for a retry sends the same license
/// under a different boundary.
fn fingerprint(call: &Call) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    format!("{:?}", call.op).hash(&mut hasher);
    call.params.hash(&mut hasher);
    let multipart = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    if !multipart {
        call.body.hash(&mut hasher);
    }
    hasher.finish()
}
