//! `licenses list | expiring | show`.

use futures::{stream, Stream, StreamExt};

use super::args::{Global, LicensesCommand, ProductChoice};
use super::output::{license_row, listing_progress, print_object, LICENSE_COLUMNS};
use super::writer::ListWriter;
use super::Outcome;
use crate::{Client, Error, License, ListQuery, Sort};

pub(crate) async fn run(global: &Global, command: LicensesCommand) -> Outcome {
    let client = global.client()?;
    match command {
        LicensesCommand::List { product } => {
            let licenses = every_license(&client, product, ListQuery::new());
            let written = write_licenses(global, licenses, |_| true).await;
            log_in_flight(&client.in_flight_limit());
            written
        }
        LicensesCommand::Expiring { within, product } => {
            let now = chrono::Utc::now();
            let within = super::args::period_delta(within);
            // Sorted by the server, so that each product's licenses come soonest first without
            // holding them here.
            let query = ListQuery::new().sort(Sort::ascending("expirationDate"));
            let licenses = every_license(&client, product, query);
            let written = write_licenses(global, licenses, |l| l.expires_within(now, within)).await;
            log_in_flight(&client.in_flight_limit());
            written
        }
        LicensesCommand::Show { product, uid } => {
            let license = client.license(product.single()?, uid).await?;
            print_object(global.output, &license)
        }
    }
}

/// Says (with `-v`) where the requests in flight ended, after the log of how they moved.
pub(crate) fn log_in_flight(limit: &crate::AdaptiveLimit) {
    tracing::info!(
        most = limit.most_in_flight(),
        now = limit.limit(),
        max = limit.max(),
        adaptive = limit.is_adaptive(),
        "requests in flight"
    );
    super::learned::remember(limit);
}

/// Writes the licenses `keep` accepts as they arrive, with a progress counter while paging.
async fn write_licenses(
    global: &Global,
    licenses: impl Stream<Item = Result<License, Error>>,
    keep: impl Fn(&License) -> bool,
) -> Outcome {
    let mut list = ListWriter::stdout(global.output, &LICENSE_COLUMNS);
    let bar = listing_progress("reading licenses");
    let mut licenses = std::pin::pin!(licenses);
    while let Some(license) = licenses.next().await {
        let license = license?;
        bar.inc(1);
        if keep(&license) {
            list.item(&license, |l| vec![license_row(l)])?;
        }
    }
    bar.finish_and_clear();
    list.finish()
}

/// Every license of the chosen products, product after product, as one stream: memory holds
/// the pages in flight of one product at a time. `query` applies to the paged collections.
pub(crate) fn every_license(
    client: &Client,
    products: ProductChoice,
    query: ListQuery,
) -> impl Stream<Item = Result<License, Error>> + Send + 'static {
    let client = client.clone();
    let query = query.page_size(crate::MAX_PAGE_SIZE);
    stream::iter(products.products()).flat_map(move |product| {
        // Sites and the console are not paged: sorting is for the paged collections only.
        let query = if !product.lists_in_pages() {
            ListQuery::new()
        } else {
            query.clone()
        };
        // A walk of a product's licenses expects the total its last walk on this console
        // found: its first wave then asks for as many pages as the limit allows.
        let walker = client.clone();
        super::learned::walk(&client, product.short_name(), query, move |query| {
            walker.licenses(product, query)
        })
    })
}
