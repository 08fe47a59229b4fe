//! Routing: which operation of the spec a method and path name, with its path parameters.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::http::{header, HeaderValue, Method, StatusCode};
use uuid::Uuid;

use super::response::{code, Reply};
use crate::api::product::Product;
use crate::model::spec_facts::{SpecOperation, API_BASE_PATH};

/// One operation of the API, with its path parameters.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Token,
    About,
    GetAction(Uuid),
    CancelAction(Uuid),
    ActionResult(Uuid),
    List(Product),
    Get(Product, Uuid),
    Install(Product, Uuid),
    Patch(Product, Uuid),
    Update(Product, Uuid),
    Delete(Product, Uuid),
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
    /// A VCSP Pulse operation, with the license UID its path names, if any.
    Pulse(SpecOperation, Option<Uuid>),
    /// A VCSP Pulse operation on the tenant its path names (by Pulse's id, not a UUID).
    PulseTenant(SpecOperation, String),
}

/// The name the journal and fault rules give the legacy v2 call, which the spec lacks.
const LEGACY_OPERATION: &str = "LegacyPatchCloudConnectLicense";

impl Op {
    /// The spec's operationId (for the legacy v2 call, a name of our own).
    pub(crate) fn operation_id(&self) -> String {
        self.spec_operation()
            .map_or(LEGACY_OPERATION, SpecOperation::id)
            .to_owned()
    }

    /// The spec's operation; `None` for the legacy v2 call.
    fn spec_operation(&self) -> Option<SpecOperation> {
        use SpecOperation as S;
        let facts = |product: &Product| product.facts();
        Some(match self {
            Op::Token => S::OAuth2IssueToken,
            Op::About => S::GetAboutInformation,
            Op::GetAction(_) => S::GetAsyncAction,
            Op::CancelAction(_) => S::CancelAsyncAction,
            Op::ActionResult(_) => S::GetAsyncActionResult,
            Op::List(product) => facts(product).list,
            Op::Get(product, _) => facts(product).get,
            Op::Install(product, _) => facts(product).install,
            Op::Update(product, _) => facts(product).renew,
            // Routed only for a product that has the operation.
            Op::Patch(product, _) => facts(product).patch?,
            Op::Delete(product, _) => facts(product).delete?,
            Op::Reports => S::GetLicensingReports,
            Op::LatestReports => S::GetLatestLicensingReports,
            Op::ReportCsv(_) => S::DownloadLicensingReportCsv,
            Op::ReportsForDate(_) => S::GetLicensingReportsForDate,
            Op::Finalize => S::FinalizeLicensingReports,
            Op::GetReportSettings => S::GetLicensingReportsSettings,
            Op::PatchReportSettings => S::PatchLicensingReportsSettings,
            Op::GetConsole => S::GetConsoleLicenseInformation,
            Op::InstallConsole => S::InstallConsoleLicense,
            Op::UpdateConsole => S::UpdateConsoleLicense,
            Op::GetConsoleSettings => S::GetConsoleLicenseSettings,
            Op::Usage => S::GetOrganizationsLicenseUsage,
            Op::Pulse(operation, _) | Op::PulseTenant(operation, _) => *operation,
            Op::LegacyCloudConnect(_) => return None,
        })
    }

    /// The operation of the spec's `operation` called with the path parameters `values`.
    fn of(operation: SpecOperation, values: &[(&str, &str)]) -> Result<Op, Reply> {
        use SpecOperation as S;
        let uid_of = || match values.first() {
            Some((name, value)) => uid(value, name),
            None => Err(Reply::not_found("The path has no UID.")),
        };
        let text_of = || values.first().map_or("", |(_, value)| *value);
        Ok(match operation {
            S::OAuth2IssueToken => Op::Token,
            S::GetAboutInformation => Op::About,
            S::GetAsyncAction => Op::GetAction(uid_of()?),
            S::CancelAsyncAction => Op::CancelAction(uid_of()?),
            S::GetAsyncActionResult => Op::ActionResult(uid_of()?),
            S::GetLicensingReports => Op::Reports,
            S::GetLatestLicensingReports => Op::LatestReports,
            S::DownloadLicensingReportCsv => {
                let id = text_of();
                Op::ReportCsv(id.parse().map_err(|_| {
                    Reply::bad_request(
                        code::INVALID_PARAMETER,
                        format!("id must be an int32 report id, not `{id}`."),
                    )
                })?)
            }
            S::GetLicensingReportsForDate => Op::ReportsForDate(text_of().to_owned()),
            S::FinalizeLicensingReports => Op::Finalize,
            S::GetLicensingReportsSettings => Op::GetReportSettings,
            S::PatchLicensingReportsSettings => Op::PatchReportSettings,
            S::GetConsoleLicenseInformation => Op::GetConsole,
            S::InstallConsoleLicense => Op::InstallConsole,
            S::UpdateConsoleLicense => Op::UpdateConsole,
            S::GetConsoleLicenseSettings => Op::GetConsoleSettings,
            S::GetOrganizationsLicenseUsage => Op::Usage,
            tenant if super::pulse::names_tenant(tenant) => {
                Op::PulseTenant(tenant, text_of().to_owned())
            }
            pulse if super::pulse::serves(pulse) => Op::Pulse(
                pulse,
                if values.is_empty() {
                    None
                } else {
                    Some(uid_of()?)
                },
            ),
            other => {
                let Some(facts) =
                    Product::ALL
                        .iter()
                        .map(|product| product.facts())
                        .find(|facts| {
                            [Some(facts.list), Some(facts.get), Some(facts.install)]
                                .into_iter()
                                .chain([Some(facts.renew), facts.patch, facts.delete])
                                .any(|known| known == Some(other))
                        })
                else {
                    return Err(Reply::not_found(format!(
                        "The simulator does not serve {other}."
                    )));
                };
                let product = facts.product;
                match other {
                    _ if other == facts.list => Op::List(product),
                    _ if other == facts.get => Op::Get(product, uid_of()?),
                    _ if other == facts.install => Op::Install(product, uid_of()?),
                    _ if other == facts.renew => Op::Update(product, uid_of()?),
                    _ if Some(other) == facts.patch => Op::Patch(product, uid_of()?),
                    _ => Op::Delete(product, uid_of()?),
                }
            }
        })
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
        ) || matches!(self, Op::Pulse(operation, _) | Op::PulseTenant(operation, _)
            if super::pulse::is_write(*operation))
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

/// The operations whose path template `relative` (a path below the base path) is an instance
/// of, with their path parameters: of the templates that match, those with the fewest
/// parameters, as in OpenAPI path matching (`/licensing/reports/latest` is not
/// `/licensing/reports/{date}`). Empty when the spec has no such path.
fn operations_at(relative: &str) -> Vec<(SpecOperation, Vec<(&'static str, &str)>)> {
    let matching: Vec<_> = SpecOperation::ALL
        .iter()
        .filter_map(|operation| Some((*operation, operation.match_path(relative)?)))
        .collect();
    let Some(fewest) = matching.iter().map(|(_, values)| values.len()).min() else {
        return Vec::new();
    };
    matching
        .into_iter()
        .filter(|(_, values)| values.len() == fewest)
        .collect()
}

/// A method the path does not serve: `405` with `Allow` when the spec has the path, else `404`.
fn unrouted(
    method: &Method,
    path: &str,
    served: &[(SpecOperation, Vec<(&'static str, &str)>)],
) -> Reply {
    let methods: BTreeSet<String> = served
        .iter()
        .map(|(operation, _)| operation.method().to_string())
        .collect();
    if methods.is_empty() {
        Reply::not_found(format!("There is no resource at {path}."))
    } else {
        not_allowed(method, &methods.into_iter().collect::<Vec<_>>().join(", "))
    }
}

/// Maps a method and path to an operation.
pub(crate) fn route(method: &Method, path: &str) -> Result<Op, Reply> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    if let ["v2", "licensing", "cloudconnectLicenses", id]
    | ["api", "v2", "licensing", "cloudconnectLicenses", id] = segments.as_slice()
    {
        return match *method {
            Method::PATCH => Ok(Op::LegacyCloudConnect(uid(id, "ID")?)),
            _ => Err(not_allowed(method, "PATCH")),
        };
    }
    let relative = match path.trim_end_matches('/').strip_prefix(API_BASE_PATH) {
        Some(rest) if rest.starts_with('/') => rest,
        Some("") => "/",
        _ => return Err(Reply::not_found(format!("There is no resource at {path}."))),
    };
    let served = operations_at(relative);
    match served
        .iter()
        .find(|(operation, _)| operation.method() == method)
    {
        Some((operation, values)) => Op::of(*operation, values),
        None => Err(unrouted(method, path, &served)),
    }
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
