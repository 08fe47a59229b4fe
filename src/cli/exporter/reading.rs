//! One read of a console: every license, the console's own license, the current usage per
//! organization and the latest monthly reports, kept as the few numbers and labels the metrics
//! need (a 100,000-license console holds megabytes here, not the API's objects).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::TryStreamExt;
use uuid::Uuid;

use super::labels::Interner;
use crate::api::query::{ListQuery, MAX_PAGE_SIZE};
use crate::usage::top_consumers;
use crate::{Client, Error, License, Product};

/// The products whose licenses are `vspc_license_*` series: the managed servers and the
/// Cloud Connect sites (each has a UID); the console's own license has metrics of its own.
pub(crate) const SERVER_PRODUCTS: [Product; 4] = [
    Product::BackupServer,
    Product::VOneServer,
    Product::Vb365Server,
    Product::Site,
];

/// What the metrics show of one server's license.
#[derive(Debug)]
pub(crate) struct LicenseSeries {
    pub(crate) product: Product,
    pub(crate) uid: Uuid,
    pub(crate) company: Arc<str>,
    pub(crate) status: Arc<str>,
    pub(crate) license_type: Arc<str>,
    pub(crate) edition: Arc<str>,
    /// Units licensed (users for Microsoft 365).
    pub(crate) units: Option<f64>,
    /// Units in use (protected users for Microsoft 365).
    pub(crate) used_units: Option<f64>,
    /// Unix seconds.
    pub(crate) expiration: Option<i64>,
    /// Unix seconds.
    pub(crate) support_expiration: Option<i64>,
    pub(crate) auto_update: Option<bool>,
}

/// An organization's points.
#[derive(Debug)]
pub(crate) struct OrganizationPoints {
    /// `None` when VSPC gives no UID (all such entries are summed into one series).
    pub(crate) uid: Option<Uuid>,
    /// Its name where known ("" otherwise: current usage carries no names, the reports do).
    pub(crate) name: Arc<str>,
    pub(crate) points: f64,
}

/// Everything one read of a console found.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    pub(crate) licenses: Vec<LicenseSeries>,
    /// The console license's expiry, Unix seconds.
    pub(crate) console_license_expiration: Option<i64>,
    /// Current usage: points per organization.
    pub(crate) organizations: Vec<OrganizationPoints>,
    /// The latest month's reports: points per organization.
    pub(crate) reports: Vec<OrganizationPoints>,
}

/// Reads the whole console, one collection after the other (each paged with the client's
/// pages in flight, retries and throttling): a failure anywhere fails the read, so a half
/// read never replaces a whole one.
pub(crate) async fn read(client: &Client) -> Result<Reading, Error> {
    let mut labels = Interner::default();
    let mut licenses = Vec::new();
    let mut seen = HashSet::new();
    for product in SERVER_PRODUCTS {
        let query = if product.facts().list.is_paged() {
            ListQuery::new().page_size(MAX_PAGE_SIZE)
        } else {
            ListQuery::new()
        };
        let mut stream = std::pin::pin!(client.licenses(product, query));
        while let Some(license) = stream.try_next().await? {
            // A license without a UID cannot be told apart from the others; a UID seen twice
            // (a page shifted during the walk) would be a duplicate series.
            let Some(uid) = license.uid() else { continue };
            if seen.insert((product, uid)) {
                licenses.push(series(&license, uid, &mut labels));
            }
        }
    }
    let console_license_expiration = client
        .license(Product::Console, None)
        .await?
        .expiration_date()
        .map(|at| at.timestamp());
    let reports: Vec<_> = client
        .latest_license_reports(ListQuery::new().page_size(MAX_PAGE_SIZE))
        .try_collect()
        .await?;
    let mut names = HashMap::new();
    let mut report_points: Vec<OrganizationPoints> = Vec::new();
    let mut report_index: HashMap<Uuid, usize> = HashMap::new();
    for report in &reports {
        let (Some(parameters), Some(summary)) = (&report.report_parameters, &report.report_summary)
        else {
            continue;
        };
        let uid = parameters.organization_uid;
        let name = labels.value(Some(&parameters.organization_name));
        names.insert(uid, parameters.organization_name.clone());
        match report_index.get(&uid) {
            Some(&index) => report_points[index].points += summary.total_points,
            None => {
                report_index.insert(uid, report_points.len());
                report_points.push(OrganizationPoints {
                    uid: Some(uid),
                    name,
                    points: summary.total_points,
                });
            }
        }
    }
    let usage: Vec<_> = client
        .organization_license_usage(
            crate::UsageFilter::default(),
            ListQuery::new().page_size(MAX_PAGE_SIZE),
        )
        .try_collect()
        .await?;
    let mut organizations: Vec<OrganizationPoints> = Vec::new();
    let mut without_uid: Option<usize> = None;
    for consumer in top_consumers(&usage, &names, None) {
        if consumer.organization_uid.is_none() {
            if let Some(index) = without_uid {
                organizations[index].points += consumer.points;
                continue;
            }
            without_uid = Some(organizations.len());
        }
        organizations.push(OrganizationPoints {
            uid: consumer.organization_uid,
            name: labels.value(consumer.organization_name.as_deref()),
            points: consumer.points,
        });
    }
    Ok(Reading {
        licenses,
        console_license_expiration,
        organizations,
        reports: report_points,
    })
}

fn series(license: &License, uid: Uuid, labels: &mut Interner) -> LicenseSeries {
    let (used_units, units) = license.units();
    LicenseSeries {
        product: license.product(),
        uid,
        company: labels.value(license.company()),
        status: labels.value(license.status().map(|s| s.to_string()).as_deref()),
        license_type: labels.value(license.license_type().as_deref()),
        edition: labels.value(license.edition()),
        units,
        used_units,
        expiration: license.expiration_date().map(|at| at.timestamp()),
        support_expiration: license.support_expiration_date().map(|at| at.timestamp()),
        auto_update: license.auto_update_enabled(),
    }
}
