//! Request routing and the operations themselves. Every request goes through one dispatcher so
//! that auth, faults, `X-Request-id` replays and async actions treat all operations alike.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, State as AxumState};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::enums::{OrganizationType, SectionForDelete, ServerType};
use crate::types::{
    BackupServerLicense, ConsoleLicense, LicenseSettings, OrganizationCurrentLicenseUsage,
    SingleLicenseReport, SingleLicenseReportSettings, SiteLicense, VOneServerLicense,
    Vb365ServerLicense,
};

use super::async_actions::AsyncActions;
use super::auth::Auth;
use super::config::SimulatorConfig;
use super::faults::{FaultKind, Faults};
use super::idempotency::Idempotency;
use super::license_file;
use super::patch;
use super::query::{self, shape_of, Shape};
use super::reports;
use super::response::{code, Reply};
use super::state::{renew_console, Kind, LicenseResource, State};

/// Marks a response whose connection must be closed without sending it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AbortConnection;

/// Everything the request handlers share.
pub(crate) struct App {
    pub(crate) state: Arc<RwLock<State>>,
    pub(crate) auth: Auth,
    pub(crate) idempotency: Idempotency,
    pub(crate) actions: AsyncActions,
    pub(crate) faults: Faults,
    pub(crate) config: SimulatorConfig,
    /// `http://host:port`, known once the listener is bound.
    pub(crate) origin: std::sync::OnceLock<String>,
}

/// One operation of the API, with its path parameters.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Token,
    GetAction(Uuid),
    CancelAction(Uuid),
    ActionResult(Uuid),
    List(Kind),
    Get(Kind, Uuid),
    Install(Kind, Uuid),
    Patch(Kind, Uuid),
    Update(Kind, Uuid),
    Delete(Kind, Uuid),
    Reports,
    LatestReports,
    ReportCsv(i32),
    ReportsForDate(String),
    Finalize,
    GetReportSettings,
    PatchReportSettings,
    GetConsole,
    InstallConsole,
    UpdateConsole,
    GetConsoleSettings,
    Usage,
    LegacyCloudConnect(Uuid),
}

impl Op {
    /// The spec's operationId (for the legacy v2 call, a name of our own).
    pub(crate) fn operation_id(&self) -> String {
        match self {
            Op::Token => "OAuth2IssueToken".into(),
            Op::GetAction(_) => "GetAsyncAction".into(),
            Op::CancelAction(_) => "CancelAsyncAction".into(),
            Op::ActionResult(_) => "GetAsyncActionResult".into(),
            Op::List(kind) => kind.list_operation().into(),
            Op::Get(kind, _) => format!("Get{}License", kind.noun()),
            Op::Install(kind, _) => format!("Install{}License", kind.noun()),
            Op::Patch(kind, _) => format!("Patch{}License", kind.noun()),
            Op::Update(kind, _) => format!("Update{}License", kind.noun()),
            Op::Delete(kind, _) => format!("Delete{}License", kind.noun()),
            Op::Reports => "GetLicensingReports".into(),
            Op::LatestReports => "GetLatestLicensingReports".into(),
            Op::ReportCsv(_) => "DownloadLicensingReportCsv".into(),
            Op::ReportsForDate(_) => "GetLicensingReportsForDate".into(),
            Op::Finalize => "FinalizeLicensingReports".into(),
            Op::GetReportSettings => "GetLicensingReportsSettings".into(),
            Op::PatchReportSettings => "PatchLicensingReportsSettings".into(),
            Op::GetConsole => "GetConsoleLicenseInformation".into(),
            Op::InstallConsole => "InstallConsoleLicense".into(),
            Op::UpdateConsole => "UpdateConsoleLicense".into(),
            Op::GetConsoleSettings => "GetConsoleLicenseSettings".into(),
            Op::Usage => "GetOrganizationsLicenseUsage".into(),
            Op::LegacyCloudConnect(_) => "LegacyPatchCloudConnectLicense".into(),
        }
    }

    fn is_write(&self) -> bool {
        matches!(
            self,
            Op::CancelAction(_)
                | Op::Install(..)
                | Op::Patch(..)
                | Op::Update(..)
                | Op::Delete(..)
                | Op::Finalize
                | Op::PatchReportSettings
                | Op::InstallConsole
                | Op::UpdateConsole
                | Op::LegacyCloudConnect(_)
        )
    }

    /// Operations that may not themselves become async actions.
    fn never_async(&self) -> bool {
        matches!(
            self,
            Op::Token
                | Op::GetAction(_)
                | Op::CancelAction(_)
                | Op::ActionResult(_)
                | Op::LegacyCloudConnect(_)
        )
    }
}

fn uid(text: &str, name: &str) -> Result<Uuid, Reply> {
    Uuid::parse_str(text).map_err(|_| {
        Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("{name} must be a UUID, not `{text}`."),
        )
    })
}

fn not_allowed(method: &Method) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "logical",
        code::NOT_ALLOWED,
        format!("{method} is not allowed here."),
    )
}

/// Maps a method and path to an operation.
pub(crate) fn route(method: &Method, path: &str) -> Result<Op, Reply> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let m = method.clone();
    let kind_of = |segment: &str| match segment {
        "backupServers" => Some(Kind::BackupServer),
        "sites" => Some(Kind::Site),
        "voneServers" => Some(Kind::VOne),
        "vb365Servers" => Some(Kind::Vb365),
        _ => None,
    };
    let op = match segments.as_slice() {
        ["v2", "licensing", "cloudconnectLicenses", id]
        | ["api", "v2", "licensing", "cloudconnectLicenses", id] => {
            return match m {
                Method::PATCH => Ok(Op::LegacyCloudConnect(uid(id, "ID")?)),
                _ => Err(not_allowed(method)),
            };
        }
        ["api", "v3", rest @ ..] => match (rest, &m) {
            (["token"], &Method::POST) => Op::Token,
            (["asyncActions", id], &Method::GET) => Op::GetAction(uid(id, "actionId")?),
            (["asyncActions", id], &Method::DELETE) => Op::CancelAction(uid(id, "actionId")?),
            (["asyncActions", id, "result"], &Method::GET) => {
                Op::ActionResult(uid(id, "actionId")?)
            }
            (["licensing", "reports"], &Method::GET) => Op::Reports,
            (["licensing", "reports", "latest"], &Method::GET) => Op::LatestReports,
            (["licensing", "reports", "finalization"], &Method::POST) => Op::Finalize,
            (["licensing", "reports", "settings"], &Method::GET) => Op::GetReportSettings,
            (["licensing", "reports", "settings"], &Method::PATCH) => Op::PatchReportSettings,
            (["licensing", "reports", id, "csv"], &Method::GET) => {
                Op::ReportCsv(id.parse().map_err(|_| {
                    Reply::bad_request(
                        code::INVALID_PARAMETER,
                        format!("id must be an int32 report id, not `{id}`."),
                    )
                })?)
            }
            (["licensing", "reports", date], &Method::GET)
                if !matches!(*date, "latest" | "finalization" | "settings") =>
            {
                Op::ReportsForDate((*date).to_owned())
            }
            (["licensing", "console"], &Method::GET) => Op::GetConsole,
            (["licensing", "console"], &Method::PUT) => Op::InstallConsole,
            (["licensing", "console", "update"], &Method::POST) => Op::UpdateConsole,
            (["licensing", "console", "settings"], &Method::GET) => Op::GetConsoleSettings,
            (["licensing", "usage", "organizations"], &Method::GET) => Op::Usage,
            (["licensing", segment], &Method::GET) if kind_of(segment).is_some() => {
                Op::List(kind_of(segment).expect("checked"))
            }
            (["licensing", segment, id], _) if kind_of(segment).is_some() => {
                let kind = kind_of(segment).expect("checked");
                let name = format!("{}Uid", kind.noun()[..1].to_lowercase() + &kind.noun()[1..]);
                match m {
                    Method::GET => Op::Get(kind, uid(id, &name)?),
                    Method::PUT => Op::Install(kind, uid(id, &name)?),
                    Method::PATCH => Op::Patch(kind, uid(id, &name)?),
                    Method::DELETE if kind.deletable() => Op::Delete(kind, uid(id, &name)?),
                    _ => return Err(not_allowed(method)),
                }
            }
            (["licensing", segment, id, "update"], &Method::POST) if kind_of(segment).is_some() => {
                Op::Update(kind_of(segment).expect("checked"), uid(id, "uid")?)
            }
            (["token"] | ["asyncActions", ..] | ["licensing", ..], _) if known_path(rest) => {
                return Err(not_allowed(method))
            }
            _ => return Err(Reply::not_found(format!("There is no resource at {path}."))),
        },
        _ => return Err(Reply::not_found(format!("There is no resource at {path}."))),
    };
    Ok(op)
}

/// Whether some method is served at this path (so another method is a 405, not a 404).
fn known_path(rest: &[&str]) -> bool {
    matches!(
        rest,
        ["token"]
            | ["asyncActions", _]
            | ["asyncActions", _, "result"]
            | [
                "licensing",
                "backupServers" | "sites" | "voneServers" | "vb365Servers" | "reports" | "console"
            ]
            | [
                "licensing",
                "backupServers" | "sites" | "voneServers" | "vb365Servers",
                _
            ]
            | ["licensing", _, _, "update"]
            | ["licensing", "reports", _]
            | ["licensing", "console", "settings"]
            | ["licensing", "reports", _, "csv"]
            | ["licensing", "usage", "organizations"]
    )
}

/// Everything an operation needs from its request, owned (async actions run it later).
pub(crate) struct Call {
    pub(crate) op: Op,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// The drift applied to resources in drift mode.
fn drift_adjust(drift: bool, license: bool) -> impl Fn(&mut Value) {
    move |value: &mut Value| {
        if drift {
            if let Some(object) = value.as_object_mut() {
                object.insert("simulatorRevision".into(), json!("drift-2"));
                if license {
                    object.insert("type".into(), json!("Metered"));
                }
            }
        }
    }
}

fn single<T: serde::Serialize + schemars::JsonSchema>(
    item: &T,
    params: &[(String, String)],
    drift: bool,
    license: bool,
) -> Reply {
    let shape: &Shape = shape_of::<T>();
    match query::parse(params, shape, false) {
        Ok(query) => {
            let mut value = query::project(
                serde_json::to_value(item).unwrap_or(Value::Null),
                &query.select,
                shape,
            );
            drift_adjust(drift, license)(&mut value);
            Reply::data(value)
        }
        Err(reply) => reply,
    }
}

fn collection<T: serde::Serialize + schemars::JsonSchema>(
    items: &[T],
    params: &[(String, String)],
    paged: bool,
    drift: bool,
    license: bool,
) -> Reply {
    let shape = shape_of::<T>();
    match query::parse(params, shape, paged) {
        Ok(mut query) => {
            if !paged {
                query.limit = usize::MAX;
            }
            if query.select.is_empty() && !drift {
                return Reply::ok(&query::typed_page(items, &query));
            }
            Reply::ok(&query::page(
                items,
                &query,
                shape,
                &drift_adjust(drift, license),
            ))
        }
        Err(reply) => reply,
    }
}

fn missing<T: LicenseResource>(uid: &Uuid) -> Reply {
    Reply::not_found(format!(
        "There is no {} license with UID {uid}.",
        T::KIND.noun()
    ))
}

async fn read_license_file(call: &Call, limit: usize) -> Result<license_file::LicenseFile, Reply> {
    let content_type = call
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static(""));
    let request = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(call.body.clone()))
        .map_err(|e| Reply::bad_request(code::LICENSE_FILE, e.to_string()))?;
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| {
        Reply::bad_request(
            code::LICENSE_FILE,
            format!("The body must be multipart/form-data: {e}"),
        )
    })?;
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() == Some("license") {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| Reply::bad_request(code::LICENSE_FILE, e.to_string()))?;
                    file = Some(bytes);
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Err(Reply::bad_request(
                    code::LICENSE_FILE,
                    format!("The multipart body is not valid: {e}"),
                ))
            }
        }
    }
    let bytes = file.ok_or_else(|| {
        Reply::bad_request(
            code::LICENSE_FILE,
            "The multipart body has no `license` part.",
        )
    })?;
    if bytes.len() > limit {
        return Err(Reply::bad_request(
            code::LICENSE_FILE,
            format!("The license file is larger than {limit} bytes."),
        ));
    }
    license_file::parse(&bytes).map_err(|e| Reply::bad_request(code::LICENSE_FILE, e.to_string()))
}

fn license_op<T: LicenseResource + schemars::JsonSchema>(
    app: &App,
    call: &Call,
    uid: &Uuid,
    file: Option<&license_file::LicenseFile>,
) -> Reply {
    let drift = app.config.drift;
    let resource = format!("{}/{uid}", T::KIND.segment());
    match &call.op {
        Op::Get(..) => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            match T::store(&state).get(uid) {
                Some(item) => single(item, &call.params, drift, true),
                None => missing::<T>(uid),
            }
        }
        Op::Patch(..) => {
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            let Some(current) = T::store(&state).get(uid) else {
                return missing::<T>(uid);
            };
            match patch::apply(current, &call.body, &["/autoUpdateEnabled"]) {
                Ok(patched) => {
                    let reply = single(&patched, &call.params, drift, true);
                    if reply.is_success() {
                        *T::store_mut(&mut state).get_mut(uid).expect("present") = patched;
                        state.count_change(resource);
                    }
                    reply
                }
                Err(reply) => reply,
            }
        }
        Op::Update(..) | Op::Install(..) => {
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            let now = chrono::Utc::now().max(state.now);
            let Some(current) = T::store(&state).get(uid) else {
                return missing::<T>(uid);
            };
            let mut changed = current.clone();
            match file {
                Some(file) => changed.install(file, now),
                None => changed.renew(now),
            }
            let reply = single(&changed, &call.params, drift, true);
            if reply.is_success() {
                *T::store_mut(&mut state).get_mut(uid).expect("present") = changed;
                state.count_change(resource);
            }
            reply
        }
        Op::Delete(..) => {
            let section = call
                .params
                .iter()
                .find(|(k, _)| k == "sectionForDelete")
                .map(|(_, v)| v.as_str());
            let section = match section {
                None => SectionForDelete::All,
                Some(text) => match SectionForDelete::parse(text) {
                    SectionForDelete::Unknown(_) => {
                        return Reply::bad_request(
                            code::INVALID_PARAMETER,
                            "sectionForDelete must be All, Instance or Socket.",
                        )
                    }
                    known => known,
                },
            };
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            if T::store(&state).get(uid).is_none() {
                return missing::<T>(uid);
            }
            match (T::KIND, &section) {
                (Kind::BackupServer, SectionForDelete::Instance | SectionForDelete::Socket) => {
                    let wanted = if section == SectionForDelete::Socket {
                        crate::enums::LicenseSectionType::Socket
                    } else {
                        crate::enums::LicenseSectionType::Instance
                    };
                    let license = state.backup_servers.get_mut(uid).expect("present");
                    if !license.section_types.contains(&wanted) {
                        return Reply::bad_request(
                            code::INVALID_PARAMETER,
                            format!("The license has no {wanted} section."),
                        );
                    }
                    license.section_types.retain(|s| *s != wanted);
                    if wanted == crate::enums::LicenseSectionType::Socket {
                        license.sockets = Some(0.0);
                        license.used_sockets = Some(0.0);
                    } else {
                        license.units = Some(0.0);
                        license.used_units = Some(0.0);
                    }
                    if license.section_types.is_empty() {
                        state.backup_servers.remove(uid);
                    }
                }
                _ => {
                    T::store_mut(&mut state).remove(uid);
                }
            }
            state.count_change(resource);
            Reply::empty()
        }
        _ => Reply::not_found("unreachable"),
    }
}

fn usage_reply(app: &App, call: &Call) -> Reply {
    let param = |name: &str| {
        call.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let optional_uid = |name: &str| param(name).map(|v| uid(v, name)).transpose();
    let organization = match optional_uid("organizationUid") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let provider = match optional_uid("providerUid") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let server = match optional_uid("serverUid") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let organization_type = match param("organizationType").map(OrganizationType::parse) {
        Some(OrganizationType::Unknown(t)) if t != "Unknown" => {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("organizationType `{t}` is not listed."),
            )
        }
        other => other,
    };
    let server_type = match param("serverType").map(ServerType::parse) {
        Some(ServerType::Unknown(t)) if t != "Unknown" => {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("serverType `{t}` is not listed."),
            )
        }
        other => other,
    };
    let state = app.state.read().unwrap_or_else(|p| p.into_inner());
    let by_server = server.is_some() || server_type.is_some();
    let selected: Vec<OrganizationCurrentLicenseUsage> = state
        .usage
        .iter()
        .filter(|u| organization.is_none() || u.organization_uid == organization)
        .filter(|u| provider.is_none() || u.provider_uid == provider)
        .filter(|u| organization_type.is_none() || u.organization_type == organization_type)
        .filter_map(|u| {
            let mut u = u.clone();
            u.servers.retain(|s| {
                (server.is_none() || s.server_uid == server)
                    && (server_type.is_none() || s.server_type == server_type)
            });
            (!by_server || !u.servers.is_empty()).then_some(u)
        })
        .collect();
    collection(&selected, &call.params, true, app.config.drift, false)
}

fn reports_reply(app: &App, call: &Call, month: Option<&str>) -> Reply {
    let state = app.state.read().unwrap_or_else(|p| p.into_inner());
    match month {
        None => collection(&state.reports, &call.params, true, app.config.drift, false),
        Some(month) => {
            let chosen: Vec<SingleLicenseReport> = state
                .reports
                .iter()
                .filter(|r| reports::month_of(r).as_deref() == Some(month))
                .cloned()
                .collect();
            collection(&chosen, &call.params, true, app.config.drift, false)
        }
    }
}

fn valid_month(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 7
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && matches!(text[5..].parse::<u32>(), Ok(1..=12))
        && bytes[5..].iter().all(u8::is_ascii_digit)
}

/// Runs an operation (auth, faults, replays and async have been dealt with).
pub(crate) async fn execute(app: &App, call: &Call) -> Reply {
    let drift = app.config.drift;
    // Installs read their file before taking any lock.
    let file = match &call.op {
        Op::Install(..) | Op::InstallConsole => {
            let product = match &call.op {
                Op::Install(kind, _) => kind.product(),
                _ => "Console",
            };
            match read_license_file(call, app.config.max_license_file_bytes).await {
                Ok(file) if file.product == product => Some(file),
                Ok(file) => {
                    return Reply::bad_request(
                        code::LICENSE_FILE,
                        format!(
                            "The license file is for {}, not for {product}.",
                            file.product
                        ),
                    )
                }
                Err(reply) => return reply,
            }
        }
        _ => None,
    };
    match &call.op {
        Op::Token => app.auth.token(&call.headers, &call.body),
        Op::GetAction(id) => app.actions.get(id),
        Op::CancelAction(id) => app.actions.cancel(id),
        Op::ActionResult(id) => app.actions.result(id),
        Op::List(kind) => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            let params = &call.params;
            match kind {
                Kind::BackupServer => collection::<BackupServerLicense>(
                    &state.backup_servers.items,
                    params,
                    true,
                    drift,
                    true,
                ),
                Kind::Site => {
                    collection::<SiteLicense>(&state.sites.items, params, false, drift, true)
                }
                Kind::VOne => collection::<VOneServerLicense>(
                    &state.vone_servers.items,
                    params,
                    true,
                    drift,
                    true,
                ),
                Kind::Vb365 => collection::<Vb365ServerLicense>(
                    &state.vb365_servers.items,
                    params,
                    true,
                    drift,
                    true,
                ),
            }
        }
        Op::Get(kind, uid)
        | Op::Patch(kind, uid)
        | Op::Update(kind, uid)
        | Op::Delete(kind, uid)
        | Op::Install(kind, uid) => match kind {
            Kind::BackupServer => license_op::<BackupServerLicense>(app, call, uid, file.as_ref()),
            Kind::Site => license_op::<SiteLicense>(app, call, uid, file.as_ref()),
            Kind::VOne => license_op::<VOneServerLicense>(app, call, uid, file.as_ref()),
            Kind::Vb365 => license_op::<Vb365ServerLicense>(app, call, uid, file.as_ref()),
        },
        Op::Reports => reports_reply(app, call, None),
        Op::LatestReports => {
            let latest =
                reports::latest_month(&app.state.read().unwrap_or_else(|p| p.into_inner()));
            reports_reply(app, call, Some(latest.as_deref().unwrap_or("none")))
        }
        Op::ReportsForDate(month) => {
            if !valid_month(month) {
                return Reply::bad_request(
                    code::INVALID_PARAMETER,
                    format!("date must be a month written YYYY-MM, not `{month}`."),
                );
            }
            reports_reply(app, call, Some(month))
        }
        Op::ReportCsv(id) => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            match state
                .reports
                .iter()
                .find(|r| r.report_parameters.as_ref().map(|p| p.report_id) == Some(*id))
            {
                Some(report) => Reply {
                    status: StatusCode::OK,
                    content_type: Some("application/csv"),
                    body: Bytes::from(reports::csv(report)),
                    headers: Vec::new(),
                },
                None => Reply::not_found(format!("There is no report with id {id}.")),
            }
        }
        Op::Finalize => {
            reports::finalize(&mut app.state.write().unwrap_or_else(|p| p.into_inner()))
        }
        Op::GetReportSettings => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            single::<SingleLicenseReportSettings>(
                &state.report_settings,
                &call.params,
                drift,
                false,
            )
        }
        Op::PatchReportSettings => {
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            match patch::apply(&state.report_settings, &call.body, &["/autoApprove"]) {
                Ok(patched) => {
                    let reply = single(&patched, &call.params, drift, false);
                    if reply.is_success() {
                        state.report_settings = patched;
                        state.count_change("reports/settings".into());
                    }
                    reply
                }
                Err(reply) => reply,
            }
        }
        Op::GetConsole => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            single::<ConsoleLicense>(&state.console, &call.params, drift, true)
        }
        Op::InstallConsole | Op::UpdateConsole => {
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            let now = chrono::Utc::now().max(state.now);
            let mut console = state.console.clone();
            match &file {
                Some(file) => install_console(&mut console, file, now),
                None => renew_console(&mut console, now),
            }
            let reply = single(&console, &call.params, drift, true);
            if reply.is_success() {
                state.console = console;
                state.count_change("console".into());
            }
            reply
        }
        Op::GetConsoleSettings => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            single::<LicenseSettings>(&state.console_settings, &call.params, drift, false)
        }
        Op::Usage => usage_reply(app, call),
        Op::LegacyCloudConnect(uid) => legacy_cloud_connect(app, call, uid),
    }
}

fn install_console(
    console: &mut ConsoleLicense,
    file: &license_file::LicenseFile,
    now: chrono::DateTime<chrono::Utc>,
) {
    console.license_id = Some(file.license_id.to_string());
    console.licensee_company = Some(file.company.clone());
    console.licensee_email = file.email.clone();
    console.contact_person = file.contact_person.clone();
    console.edition = file.edition.clone().or(console.edition.take());
    console.expiration_date = Some(file.expiration_date);
    console.support_expiration_date = file.support_expiration_date;
    console.support_id = file.support_id.clone();
    console.instances = Some(file.units);
    console.type_ = Some(crate::enums::ConsoleLicenseType::parse(
        file.license_type.as_str(),
    ));
    let (status, message) = super::state::status_for(Some(file.expiration_date), now);
    console.status = Some(crate::enums::ConsoleLicenseStatus::parse(status.as_str()));
    console.status_message = Some(message);
}

/// The VAC v2 call some automation still makes: `PATCH /v2/licensing/cloudconnectLicenses/{ID}`.
fn legacy_cloud_connect(app: &App, call: &Call, uid: &Uuid) -> Reply {
    let body: Value = match serde_json::from_slice(&call.body) {
        Ok(v) => v,
        Err(e) => {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("The body is not JSON: {e}"),
            )
        }
    };
    // The vendor's own example spells the key `autoupdateEnabled`, so the key is matched loosely.
    let enabled = body
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("autoUpdateEnabled"))
        })
        .and_then(|(_, v)| v.as_bool());
    let Some(enabled) = enabled else {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            "The body must be {\"autoUpdateEnabled\": true|false}.",
        );
    };
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    match state.sites.get_mut(uid) {
        Some(site) => {
            site.auto_update_enabled = enabled;
            state.count_change(format!("sites/{uid}"));
            let word = if enabled { "enabled" } else { "disabled" };
            Reply::ok(&json!(format!(
                "License key auto-update feature has been {word}."
            )))
        }
        None => Reply::not_found(format!("There is no Cloud Connect license with ID {uid}.")),
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
        Err(reply) => return reply.into_response(),
    };
    let params: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let operation_id = op.operation_id();
    let mut after = None;
    match app.faults.pick(&operation_id, method.as_str(), &path) {
        None => {}
        Some(FaultKind::DropBeforeApply) => return aborted(),
        Some(FaultKind::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(kind @ (FaultKind::DropAfterApply | FaultKind::TruncatedBody)) => after = Some(kind),
        Some(FaultKind::RetryableError) => {
            return Reply::error(
                StatusCode::from_u16(520).expect("valid"),
                "retryableLogical",
                code::SERVER,
                "The server is busy; try again.",
            )
            .into_response()
        }
        Some(FaultKind::LogicalError) => {
            return Reply::error(
                StatusCode::from_u16(520).expect("valid"),
                "logical",
                code::SERVER,
                "The operation failed on the server.",
            )
            .into_response()
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            return Reply::error(
                StatusCode::TOO_MANY_REQUESTS,
                "logical",
                code::THROTTLED,
                "Too many requests.",
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
            .into_response()
        }
        Some(FaultKind::ServiceUnavailable) => {
            return Reply::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "transport",
                code::UNAVAILABLE,
                "The service is unavailable.",
            )
            .into_response()
        }
        Some(FaultKind::MalformedJson) => {
            return Reply {
                status: StatusCode::OK,
                content_type: Some("application/json; charset=utf-8"),
                body: Bytes::from_static(b"{\"data\": [{\"oops\": "),
                headers: Vec::new(),
            }
            .into_response()
        }
    }
    let reply = respond(&app, op, params, headers, body).await;
    match after {
        Some(FaultKind::DropAfterApply) => aborted(),
        Some(FaultKind::TruncatedBody) => truncated(reply),
        _ => reply.into_response(),
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
    if let Some(id) = request_id {
        if let Some(reply) = app.idempotency.replay(&id) {
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
        let host = headers_host(app);
        Reply {
            status: StatusCode::ACCEPTED,
            content_type: None,
            body: Bytes::new(),
            headers: Vec::new(),
        }
        .with_header(
            header::LOCATION,
            HeaderValue::from_str(&format!("{host}/api/v3/asyncActions/{id}"))
                .unwrap_or(HeaderValue::from_static("")),
        )
    } else {
        execute(app, &call).await
    };
    if let Some(id) = request_id {
        app.idempotency.record(id, &reply);
    }
    reply
}

/// How long an operation would take on a real server: reads are quick, patches take a moment,
/// and anything that talks to Veeam's license server or rewrites a license takes seconds.
pub(crate) fn simulated_cost(op: &Op) -> Duration {
    match op {
        Op::Patch(..) | Op::PatchReportSettings | Op::LegacyCloudConnect(_) => {
            Duration::from_millis(300)
        }
        Op::Install(..) | Op::InstallConsole | Op::Delete(..) => Duration::from_secs(2),
        Op::Update(..) | Op::UpdateConsole | Op::Finalize => Duration::from_secs(5),
        Op::Reports | Op::LatestReports | Op::ReportsForDate(_) | Op::ReportCsv(_) | Op::Usage => {
            Duration::from_millis(200)
        }
        _ => Duration::from_millis(20),
    }
}

fn headers_host(app: &App) -> String {
    app.origin.get().cloned().unwrap_or_default()
}
