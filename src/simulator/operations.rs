//! The operations themselves, once auth, faults, replays and async actions have been dealt with.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::model::enums::{OrganizationType, SectionForDelete, ServerType};
use crate::types::{
    BackupServerLicense, ConsoleLicense, LicenseReportFinalizationStatus, LicenseSettings,
    OrganizationCurrentLicenseUsage, SingleLicenseReport, SingleLicenseReportSettings, SiteLicense,
    VOneServerLicense, Vb365ServerLicense,
};

use super::app::App;
use super::license_file::SimulatorLicense;
use super::patch;
use super::query::{self, shape_of, Shape};
use super::reports;
use super::response::{code, Reply};
use super::routes::{uid, Op};
use super::state::{renew_console, LicenseResource};
use crate::api::product::{Product, SECTION_PARAMETER};

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
                    // A newer console's null where the spec says a string.
                    if object.contains_key("email") {
                        object.insert("email".into(), Value::Null);
                    }
                }
            }
        }
    }
}

pub(super) fn single<T: serde::Serialize + schemars::JsonSchema + 'static>(
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

pub(super) fn collection<T: serde::Serialize + schemars::JsonSchema + 'static>(
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
        T::PRODUCT.facts().resource_name()
    ))
}

async fn read_license_file(call: &Call, limit: usize) -> Result<SimulatorLicense, Reply> {
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
    SimulatorLicense::parse(&bytes)
        .map_err(|e| Reply::bad_request(code::LICENSE_FILE, e.to_string()))
}

/// The operations on the licenses of one product `T`: its collection and each license.
fn license_reply<T: LicenseResource + schemars::JsonSchema>(
    app: &App,
    call: &Call,
    file: Option<&SimulatorLicense>,
) -> Reply {
    match &call.op {
        Op::List(product) => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            let paged = product.facts().list.is_paged();
            collection(
                &T::store(&state).items,
                &call.params,
                paged,
                app.config.drift,
                true,
            )
        }
        Op::Get(_, uid) => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            match T::store(&state).get(uid) {
                Some(item) => single(item, &call.params, app.config.drift, true),
                None => missing::<T>(uid),
            }
        }
        Op::Patch(_, uid) => patch_license::<T>(app, call, uid),
        Op::Update(_, uid) | Op::Install(_, uid) => change_license::<T>(app, call, uid, file),
        Op::Delete(_, uid) => delete_license::<T>(app, call, uid),
        _ => Reply::not_found("unreachable"),
    }
}

/// What the simulator counts changes of a license under (`backupServers/{uid}`).
fn resource_of<T: LicenseResource>(uid: &Uuid) -> String {
    format!("{}/{uid}", T::PRODUCT.facts().collection_segment())
}

/// A JSON Patch that may only switch `autoUpdateEnabled`.
fn patch_license<T: LicenseResource + schemars::JsonSchema>(
    app: &App,
    call: &Call,
    uid: &Uuid,
) -> Reply {
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let Some(current) = T::store(&state).get(uid) else {
        return missing::<T>(uid);
    };
    match patch::apply(current, &call.body, &["/autoUpdateEnabled"]) {
        Ok(patched) => {
            let reply = single(&patched, &call.params, app.config.drift, true);
            if reply.is_success() {
                *T::store_mut(&mut state).get_mut(uid).expect("present") = patched;
                state.count_change(resource_of::<T>(uid));
            }
            reply
        }
        Err(reply) => reply,
    }
}

/// An install (with the file) or an online renewal (without).
fn change_license<T: LicenseResource + schemars::JsonSchema>(
    app: &App,
    call: &Call,
    uid: &Uuid,
    file: Option<&SimulatorLicense>,
) -> Reply {
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let now = chrono::Utc::now().max(state.now);
    let Some(current) = T::store(&state).get(uid) else {
        return missing::<T>(uid);
    };
    let mut changed = current.clone();
    match file {
        Some(file) => {
            changed.install(file, now);
            // A license file replaces whatever Pulse license the server had.
            state.pulse.installed.remove(uid);
        }
        // A server running a Pulse license follows Pulse (ALK) at its update, and only while
        // its automatic update is on; off, it keeps the copy it has.
        None => match super::pulse::for_update(&state.pulse, uid, T::PRODUCT) {
            Some(_) if !changed.auto_update() => {}
            Some(Some(pulse)) => changed.install(&pulse, now),
            Some(None) => changed.invalidate(),
            None => changed.renew(now),
        },
    }
    let reply = single(&changed, &call.params, app.config.drift, true);
    if reply.is_success() {
        *T::store_mut(&mut state).get_mut(uid).expect("present") = changed;
        state.count_change(resource_of::<T>(uid));
    }
    reply
}

/// The section a delete names; required where the product's delete takes one, as in Veeam's
/// documents for every version.
fn section_to_delete<T: LicenseResource>(call: &Call) -> Result<SectionForDelete, Reply> {
    let named = call
        .params
        .iter()
        .find(|(k, _)| k == SECTION_PARAMETER)
        .map(|(_, v)| v.as_str());
    let listed = || match SectionForDelete::LISTED.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    match named {
        None if T::PRODUCT.facts().deletes_sections => Err(Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("{SECTION_PARAMETER} is required: {}.", listed()),
        )),
        None => Ok(SectionForDelete::All),
        Some(text) => match SectionForDelete::parse(text) {
            SectionForDelete::Unknown(_) => Err(Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("{SECTION_PARAMETER} must be {}.", listed()),
            )),
            known => Ok(known),
        },
    }
}

/// Removes the license, or one section of it where the product has sections.
fn delete_license<T: LicenseResource>(app: &App, call: &Call, uid: &Uuid) -> Reply {
    let section = match section_to_delete::<T>(call) {
        Ok(section) => section,
        Err(reply) => return reply,
    };
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let Some(license) = T::store_mut(&mut state).get_mut(uid) else {
        return missing::<T>(uid);
    };
    let whole = match section {
        SectionForDelete::All => true,
        _ if !T::PRODUCT.facts().deletes_sections => true,
        section => match license.remove_section(&section) {
            Ok(left) => left == 0,
            Err(message) => return Reply::bad_request(code::INVALID_PARAMETER, message),
        },
    };
    if whole {
        T::store_mut(&mut state).remove(uid);
    }
    state.count_change(resource_of::<T>(uid));
    Reply::empty()
}

fn usage_reply(app: &App, call: &Call) -> Reply {
    match usage_filters(call) {
        Ok(filters) => usage_selected(app, call, filters),
        Err(reply) => reply,
    }
}

/// The usage operation's filters: organization, provider and server UIDs, then organization
/// and server types.
type UsageFilters = (
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Option<OrganizationType>,
    Option<ServerType>,
);

fn usage_filters(call: &Call) -> Result<UsageFilters, Reply> {
    let param = |name: &str| {
        call.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let optional_uid = |name: &str| param(name).map(|v| uid(v, name)).transpose();
    let organization = optional_uid("organizationUid")?;
    let provider = optional_uid("providerUid")?;
    let server = optional_uid("serverUid")?;
    // A value the spec does not list is refused (both enums list `Unknown` itself).
    let unlisted = |name: &str, value: &str| {
        Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("{name} `{value}` is not listed."),
        )
    };
    let organization_type = param("organizationType").map(OrganizationType::parse);
    if let Some(kind) = organization_type.as_ref().filter(|kind| !kind.is_listed()) {
        return Err(unlisted("organizationType", kind.as_str()));
    }
    let server_type = param("serverType").map(ServerType::parse);
    if let Some(kind) = server_type.as_ref().filter(|kind| !kind.is_listed()) {
        return Err(unlisted("serverType", kind.as_str()));
    }
    Ok((
        organization,
        provider,
        server,
        organization_type,
        server_type,
    ))
}

fn usage_selected(app: &App, call: &Call, filters: UsageFilters) -> Reply {
    let (organization, provider, server, organization_type, server_type) = filters;
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
        None => collection(
            &reports::served(&state),
            &call.params,
            true,
            app.config.drift,
            false,
        ),
        Some(month) => {
            let chosen: Vec<SingleLicenseReport> = reports::served(&state)
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

/// The license file of an install, read before any lock is taken; `None` for other operations.
async fn file_to_install(app: &App, call: &Call) -> Result<Option<SimulatorLicense>, Reply> {
    let product = match &call.op {
        Op::Install(product, _) => *product,
        Op::InstallConsole => Product::Console,
        _ => return Ok(None),
    };
    let file = read_license_file(call, app.config.max_license_file_bytes).await?;
    if file.product != product {
        return Err(Reply::bad_request(
            code::LICENSE_FILE,
            format!(
                "The license file is for {}, not for {}.",
                file.product_word(),
                product.facts().license_file_product
            ),
        ));
    }
    Ok(Some(file))
}

/// Runs an operation (auth, faults, replays and async have been dealt with).
pub(crate) async fn execute(app: &App, call: &Call) -> Reply {
    let file = match file_to_install(app, call).await {
        Ok(file) => file,
        Err(reply) => return reply,
    };
    let file = file.as_ref();
    let drift = app.config.drift;
    match &call.op {
        Op::Token => {
            // Schemathesis found a malformed `select` answered with a token. The answer is no
            // resource envelope and the spec's `400` here is an OAuth error, so a selection
            // that does not fit the token's properties is refused as OAuth refuses a request.
            let shape: &Shape = shape_of::<crate::types::OAuth2Result>();
            if query::parse(&call.params, shape, false).is_err() {
                return super::auth::oauth_error(
                    "invalid_request",
                    "select is not a SelectParameter of the token's properties.",
                );
            }
            app.auth.token(&call.headers, &call.body)
        }
        Op::About => single(&app.about(), &call.params, drift, false),
        Op::GetAction(id) => app.actions.get(id),
        Op::CancelAction(id) => app.actions.cancel(id),
        Op::ActionResult(id) => app.actions.result(id),
        Op::List(product)
        | Op::Get(product, _)
        | Op::Patch(product, _)
        | Op::Update(product, _)
        | Op::Delete(product, _)
        | Op::Install(product, _) => match product {
            Product::BackupServer => license_reply::<BackupServerLicense>(app, call, file),
            Product::Site => license_reply::<SiteLicense>(app, call, file),
            Product::VOneServer => license_reply::<VOneServerLicense>(app, call, file),
            Product::Vb365Server => license_reply::<Vb365ServerLicense>(app, call, file),
            // The console's operations are routed as their own (`GetConsole`, ...).
            Product::Console => Reply::not_found("The console license has no server UID."),
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
        Op::ReportCsv(id) => report_csv(app, *id),
        Op::Finalize => finalize(app, call),
        Op::GetReportSettings => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            single::<SingleLicenseReportSettings>(
                &state.report_settings,
                &call.params,
                drift,
                false,
            )
        }
        Op::PatchReportSettings => patch_report_settings(app, call),
        Op::GetConsole | Op::InstallConsole | Op::UpdateConsole => console_reply(app, call, file),
        Op::GetConsoleSettings => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            single::<LicenseSettings>(&state.console_settings, &call.params, drift, false)
        }
        Op::Usage => usage_reply(app, call),
        Op::LegacyCloudConnect(uid) => legacy_cloud_connect(app, call, uid),
        Op::Pulse(operation, uid) => super::pulse::execute(app, call, *operation, *uid),
        Op::PulseTenant(operation, tenant) => {
            super::pulse::execute_on_tenant(app, call, *operation, tenant)
        }
    }
}

/// One report as CSV.
fn report_csv(app: &App, id: i32) -> Reply {
    let state = app.state.read().unwrap_or_else(|p| p.into_inner());
    match reports::served(&state)
        .iter()
        .find(|r| r.report_parameters.as_ref().map(|p| p.report_id) == Some(id))
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

/// Finalizes the month's reports.
fn finalize(app: &App, call: &Call) -> Reply {
    // The query is checked before anything changes: a malformed `select` is refused
    // (Schemathesis found it ignored) and does not finalize the reports.
    let shape: &Shape = shape_of::<LicenseReportFinalizationStatus>();
    match query::parse(&call.params, shape, false) {
        Ok(query) => {
            let status =
                reports::finalize(&mut app.state.write().unwrap_or_else(|p| p.into_inner()));
            Reply::data(query::project(status, &query.select, shape))
        }
        Err(reply) => reply,
    }
}

/// A JSON Patch that may only switch `autoApprove`.
fn patch_report_settings(app: &App, call: &Call) -> Reply {
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    match patch::apply(&state.report_settings, &call.body, &["/autoApprove"]) {
        Ok(patched) => {
            let reply = single(&patched, &call.params, app.config.drift, false);
            if reply.is_success() {
                state.report_settings = patched;
                state.count_change("reports/settings".into());
            }
            reply
        }
        Err(reply) => reply,
    }
}

/// The console's license: read, install (with the file) or renew online (without).
fn console_reply(app: &App, call: &Call, file: Option<&SimulatorLicense>) -> Reply {
    let drift = app.config.drift;
    if matches!(call.op, Op::GetConsole) {
        let state = app.state.read().unwrap_or_else(|p| p.into_inner());
        return single::<ConsoleLicense>(&state.console, &call.params, drift, true);
    }
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let now = chrono::Utc::now().max(state.now);
    let mut console = state.console.clone();
    match file {
        Some(file) => install_console(&mut console, file, now),
        None => renew_console(&mut console, now),
    }
    let reply = single(&console, &call.params, drift, true);
    if reply.is_success() {
        state.console = console;
        state.count_change(Product::Console.facts().collection_segment().into());
    }
    reply
}

fn install_console(
    console: &mut ConsoleLicense,
    file: &SimulatorLicense,
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
    console.type_ = Some(crate::model::enums::ConsoleLicenseType::parse(
        file.license_type.as_str(),
    ));
    let (status, message) = super::state::status_for(Some(file.expiration_date), now);
    console.status = Some(crate::model::enums::ConsoleLicenseStatus::parse(
        status.as_str(),
    ));
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
