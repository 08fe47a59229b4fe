//! `licenses list | expiring | show`.

use futures::StreamExt;

use super::args::{Global, LicensesCommand, ProductChoice};
use super::output::{license_row, print, print_object, progress, LICENSE_COLUMNS};
use super::{Failure, Outcome};
use crate::query::ListQuery;
use crate::{Client, License};

pub(crate) async fn run(global: &Global, command: LicensesCommand) -> Outcome {
    let client = global.client()?;
    match command {
        LicensesCommand::List { product } => {
            let licenses = collect(&client, product).await?;
            show_list(global, &licenses)
        }
        LicensesCommand::Expiring { within, product } => {
            let now = chrono::Utc::now();
            let within = chrono::Duration::from_std(within)
                .map_err(|_| Failure::Exit(2, "the period is too long".into()))?;
            let mut licenses = collect(&client, product).await?;
            licenses.retain(|l| l.expires_within(now, within));
            licenses.sort_by_key(License::expiration_date);
            show_list(global, &licenses)
        }
        LicensesCommand::Show { product, uid } => {
            let license = client.license(product.single()?, uid).await?;
            print_object(global.output, &license)
        }
    }
}

fn show_list(global: &Global, licenses: &[License]) -> Outcome {
    let rows: Vec<Vec<String>> = licenses.iter().map(license_row).collect();
    print(global.output, &LICENSE_COLUMNS, &rows, licenses)
}

/// Every license of the chosen products, with a progress counter while paging.
pub(crate) async fn collect(
    client: &Client,
    products: ProductChoice,
) -> Result<Vec<License>, Failure> {
    let bar = progress("reading licenses");
    let mut all = Vec::new();
    for product in products.products() {
        let mut stream = client.licenses(
            product,
            ListQuery::new().page_size(crate::query::MAX_PAGE_SIZE),
        );
        while let Some(license) = stream.next().await {
            all.push(license?);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(all)
}
