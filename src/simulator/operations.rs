//! The operations themselves, once auth, faults, replays and async actions have been dealt with.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::enums::{OrganizationType, SectionForDelete, ServerType};
use crate::types::{
    BackupServerLicense, ConsoleLicense, LicenseReportFinalizationStatus, LicenseSettings,
    OrganizationCurrentLicenseUsage, SingleLicenseReport, SingleLicenseReportSettings, SiteLicense,
    VOneServerLicense, Vb365ServerLicense,
};

use super::dispatch::App;
use super::license_file;
use super::patch;
use super::query::{self, shape_of, Shape};
use super::reports;
use super::response::{code, Reply};
use super::routes::{uid, Op};
use super::state::{renew_console, Kind, LicenseResource};

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

fn single<T: serde::Serialize + schemars::JsonSchema + 'static>(
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

fn collection<T: serde::Serialize + schemars::JsonSchema + 'static>(
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
                return Reply::ok(&query::typed_page(items, &query, shape));
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
                // Required for a backup server, as in Veeam's documents for every version.
                None if matches!(T::KIND, Kind::BackupServer) => {
                    return Reply::bad_request(
                        code::INVALID_PARAMETER,
                        "sectionForDelete is required: All, Instance or Socket.",
                    )
                }
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
            // The query is checked before anything changes: a malformed `select` is refused
            // (Schemathesis found it ignored) and does not finalize the reports.
            let shape: &Shape = shape_of::<LicenseReportFinalizationStatus>();
            match query::parse(&call.params, shape, false) {
                Ok(query) => {
                    let status = reports::finalize(
                        &mut app.state.write().unwrap_or_else(|p| p.into_inner()),
                    );
                    Reply::data(query::project(status, &query.select, shape))
                }
                Err(reply) => reply,
            }
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
