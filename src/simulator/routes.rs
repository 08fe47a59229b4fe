//! Routing: which operation of the spec a method and path name, with its path parameters.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::http::{header, HeaderValue, Method, StatusCode};
use uuid::Uuid;

use super::response::{code, Reply};
use super::state::Kind;

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

    pub(crate) fn is_write(&self) -> bool {
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
    pub(crate) fn never_async(&self) -> bool {
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

pub(crate) fn uid(text: &str, name: &str) -> Result<Uuid, Reply> {
    Uuid::parse_str(text).map_err(|_| {
        Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("{name} must be a UUID, not `{text}`."),
        )
    })
}

fn not_allowed(method: &Method, allow: &str) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "logical",
        code::NOT_ALLOWED,
        format!("{method} is not allowed here; {allow} is."),
    )
    .with_header(
        header::ALLOW,
        HeaderValue::from_str(allow).unwrap_or(HeaderValue::from_static("")),
    )
}

/// The methods the spec declares on the path (relative to `/api/v3`), as an `Allow` value; a
/// template whose segments are literal wins over one with parameters, as in OpenAPI path
/// matching (`/licensing/reports/latest` is not `/licensing/reports/{date}`). Empty when the
/// spec has no such path.
fn allowed_methods(relative: &str) -> String {
    let operations = crate::contract::Spec::embedded().operations();
    let matching: Vec<_> = operations
        .iter()
        .filter(|operation| operation.match_path(relative).is_some())
        .collect();
    let parameters = |template: &str| template.matches('{').count();
    let Some(fewest) = matching.iter().map(|o| parameters(&o.path)).min() else {
        return String::new();
    };
    let methods: BTreeSet<&str> = matching
        .iter()
        .filter(|o| parameters(&o.path) == fewest)
        .map(|o| o.method.as_str())
        .collect();
    methods.into_iter().collect::<Vec<_>>().join(", ")
}

/// A method the path does not serve: `405` with `Allow` when the spec has the path, else `404`.
fn unrouted(method: &Method, path: &str, relative: &str) -> Reply {
    let allow = allowed_methods(relative);
    if allow.is_empty() {
        Reply::not_found(format!("There is no resource at {path}."))
    } else {
        not_allowed(method, &allow)
    }
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
                _ => Err(not_allowed(method, "PATCH")),
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
                    _ => return Err(unrouted(method, path, &relative(rest))),
                }
            }
            (["licensing", segment, id, "update"], &Method::POST) if kind_of(segment).is_some() => {
                Op::Update(kind_of(segment).expect("checked"), uid(id, "uid")?)
            }
            _ => return Err(unrouted(method, path, &relative(rest))),
        },
        _ => return Err(Reply::not_found(format!("There is no resource at {path}."))),
    };
    Ok(op)
}

/// The path below `/api/v3`, as the spec writes its paths.
fn relative(rest: &[&str]) -> String {
    format!("/{}", rest.join("/"))
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
