//! License usage you can look at: points per month, organization and product, month-over-month
//! changes and the heaviest consumers, computed from the monthly license usage reports.
//!
//! The reports come from [`Client::license_usage_history`] (or any set of
//! [`SingleLicenseReport`](crate::types::SingleLicenseReport)s through
//! [`UsageHistory::from_reports`]); everything else is plain computation on typed values, so a
//! view of your own (a billing export, a dashboard) starts from the same numbers the CLI draws.
//!
//! ```no_run
//! # async fn run(client: vspc_licensing::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use vspc_licensing::usage::{Breakdown, Month};
//! let history = client.license_usage_history().await?;
//! let months = history.window(6)?;
//! let table = history.points_table(&months, Breakdown::Organization, None)?;
//! for series in &table.series {
//!     println!("{}: {:?}", series.label, series.points);
//! }
//! let change = history.diff("2026-09".parse()?, "2026-10".parse()?)?;
//! for org in change.organizations.iter().take(3) {
//!     println!("{} {:+.1}", org.organization_name, org.change);
//! }
//! # Ok(()) }
//! ```

mod current;
mod diff;
mod history;
mod month;
mod table;

use futures::TryStreamExt;

pub use current::{top_consumers, CurrentConsumer};
pub use diff::{OrganizationChange, Presence, ProductChange, UsageDiff};
pub use history::{MonthUsage, Organization, OrganizationUsage, ProductPoints, UsageHistory};
pub use month::{Month, ParseMonthError};
pub use table::{product_name, Breakdown, PointsTable, Series, SeriesKey};

use crate::api::query::{ListQuery, MAX_PAGE_SIZE};
use crate::Client;

/// Why a view of the usage cannot be made. Each says what data there is instead.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// There are no license usage reports at all.
    #[error("there are no license usage reports yet (VSPC generates them monthly)")]
    NoReports,
    /// A window of zero months was asked for.
    #[error("a window of zero months shows nothing; ask for one month or more")]
    EmptyWindow,
    /// None of the months asked for has reports.
    #[error("no license usage reports from {} to {}; months with reports: {}", show(.first), show(.last), list(.available))]
    NoReportsInWindow {
        /// The first month asked for.
        first: Option<Month>,
        /// The last month asked for.
        last: Option<Month>,
        /// Months that have reports.
        available: Vec<Month>,
    },
    /// One month asked for has no reports.
    #[error("no license usage reports for {month}; months with reports: {}", list(.available))]
    NoReportsForMonth {
        /// The month asked for.
        month: Month,
        /// Months that have reports.
        available: Vec<Month>,
    },
    /// No organization matches.
    #[error("no organization {wanted:?} in the reports; they name: {}", known.join(", "))]
    UnknownOrganization {
        /// What was asked for.
        wanted: String,
        /// Every organization the reports name.
        known: Vec<String>,
    },
    /// Several organizations match a part of a name.
    #[error("{wanted:?} matches several organizations: {}; give the full name or the UID", candidates.join(", "))]
    AmbiguousOrganization {
        /// What was asked for.
        wanted: String,
        /// The organizations it matches.
        candidates: Vec<String>,
    },
}

/// Drops the binary noise sums of decimals pick up (`50.400000000000006` is `50.4`): reports
/// carry a few decimals, so six are exact.
pub(crate) fn tidy(points: f64) -> f64 {
    let tidied = (points * 1e6).round() / 1e6;
    if tidied.is_finite() {
        tidied
    } else {
        points
    }
}

fn show(month: &Option<Month>) -> String {
    month.map_or_else(|| "-".to_owned(), |m| m.to_string())
}

fn list(months: &[Month]) -> String {
    if months.is_empty() {
        return "none".to_owned();
    }
    months
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Client {
    /// Reads every license usage report (`GetLicensingReports`, all pages) and sums them into
    /// a [`UsageHistory`].
    pub async fn license_usage_history(&self) -> crate::Result<UsageHistory> {
        let reports: Vec<_> = self
            .license_reports(ListQuery::new().page_size(MAX_PAGE_SIZE))
            .try_collect()
            .await?;
        Ok(UsageHistory::from_reports(&reports))
    }
}
