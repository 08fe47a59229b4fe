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

/// How many licenses each product's listing held at the console's last read: the next read's
/// walk expects as many ([`ListQuery::expected_total`]), so its first wave asks for all its
/// pages the client's limit allows instead of four and then the rest: a round trip or more
/// saved on every read of a console that answers in 100 ms or more.
#[derive(Debug, Default)]
pub(crate) struct ListingSizes(HashMap<Product, u64>);

/// Reads the whole console, one collection after the other (each paged with the client's
/// pages in flight, retries and throttling): a failure anywhere fails the read, so a half
/// read never replaces a whole one. `sizes` is what the last read found, and is updated for
/// each listing read to its end.
pub(crate) async fn read(client: &Client, sizes: &mut ListingSizes) -> Result<Reading, Error> {
    let mut labels = Interner::default();
    let mut licenses = Vec::new();
    let mut seen = HashSet::new();
    for product in SERVER_PRODUCTS {
        let mut query = if product.facts().list.is_paged() {
            ListQuery::new().page_size(MAX_PAGE_SIZE)
        } else {
            ListQuery::new()
        };
        if let Some(total) = sizes.0.get(&product) {
            query = query.expected_total(*total);
        }
        let mut stream = std::pin::pin!(client.licenses(product, query));
        let mut listed = 0u64;
        while let Some(license) = stream.try_next().await? {
            listed += 1;
            // A license without a UID cannot be told apart from the others; a UID seen twice
            // (a page shifted during the walk) would be a duplicate series.
            let Some(uid) = license.uid() else { continue };
            if seen.insert((product, uid)) {
                licenses.push(series(&license, uid, &mut labels));
            }
        }
        sizes.0.insert(product, listed);
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::simulator::{
        FaultKind, FaultRule, Firing, RouteMatch, Simulator, SimulatorConfig, SimulatorHandle,
        DEFAULT_API_KEY,
    };

    /// Long enough to tell the requests sent before the first answer from those after it.
    const LATENCY: Duration = Duration::from_millis(300);
    const PAGES: &str = "/api/v3/licensing/backupServers";

    /// How many backup-server page requests arrived from the `skip`th on within the latency
    /// of the first of them (less a margin), once every request counted is in the journal.
    async fn first_wave(sim: &SimulatorHandle, skip: usize) -> usize {
        while (sim.journal().unwrap().len() as u64) < sim.load().requests {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let arrived: Vec<_> = sim
            .journal()
            .unwrap()
            .into_iter()
            .filter(|entry| entry.path == PAGES)
            .skip(skip)
            .map(|entry| chrono::DateTime::parse_from_rfc3339(&entry.time).unwrap())
            .collect();
        let first = *arrived.iter().min().expect("pages were asked for");
        arrived
            .iter()
            .filter(|at| **at - first < chrono::TimeDelta::milliseconds(280))
            .count()
    }

    /// The exporter reads a console again and again: from the second read on, a listing's
    /// walk asks for as many of its pages at once as the limit allows, not four and then the
    /// rest (the test failed before the exporter kept the sizes: a first wave of 4).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_after_the_first_asks_for_each_listings_pages_at_once() {
        let config = SimulatorConfig::default()
            .backup_servers(5_000)
            .journal(true)
            .fault(FaultRule {
                route: RouteMatch::Any,
                firing: Firing::Always,
                kind: FaultKind::Delay(LATENCY),
            });
        let sim = Simulator::start(config).await.unwrap();
        let client = Client::builder(sim.base_url())
            .api_key(DEFAULT_API_KEY)
            .initial_in_flight(16)
            .build()
            .unwrap();
        let mut sizes = ListingSizes::default();
        let first = read(&client, &mut sizes).await.unwrap();
        assert_eq!(first_wave(&sim, 0).await, 4, "nothing known yet");
        assert_eq!(sizes.0.get(&Product::BackupServer), Some(&5_000));
        let before = sim
            .journal()
            .unwrap()
            .iter()
            .filter(|entry| entry.path == PAGES)
            .count();
        let second = read(&client, &mut sizes).await.unwrap();
        assert_eq!(first.licenses.len(), second.licenses.len());
        assert_eq!(
            first_wave(&sim, before).await,
            10,
            "its ten pages of 500 at once"
        );
        let after = sim
            .journal()
            .unwrap()
            .iter()
            .filter(|entry| entry.path == PAGES)
            .count();
        assert_eq!(after - before, 10, "none past the end");
        sim.shutdown().await;
    }
}
