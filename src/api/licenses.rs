//! License work on any product: list, read, switch auto-update, renew, install, delete.
//!
//! Each method names the operation it runs in its errors. The generated builders
//! (`client.get_backup_server_license()...`) stay available for full control of the parameters.

use futures::StreamExt;
use uuid::Uuid;

use crate::api::paging::{paginate, Page, PageFuture, ResourceStream};
use crate::api::patch::Patch;
use crate::api::product::{License, Product, SECTION_PARAMETER};
use crate::api::query::ListQuery;
use crate::api::upload::LicenseFile;
use crate::client::direct_call::{json, read_body, RequestBody};
use crate::client::error::{Error, Result};
use crate::model::enums::SectionForDelete;
use crate::model::envelope::Envelope;
use crate::model::generated::types::{
    BackupServerLicense, BackupServerLicenseCollection, EmptyResponse, JsonPatches, SiteLicense,
    SiteLicenseCollection, VOneServerLicense, VOneServerLicenseCollection, Vb365ServerLicense,
    Vb365ServerLicenseCollection,
};
use crate::model::generated::Client;
use crate::model::spec_facts::SpecOperation;

impl Client {
    /// Every Veeam Backup & Replication license, page by page.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client) -> vspc_licensing::Result<()> {
    /// use futures::TryStreamExt;
    /// use vspc_licensing::{Filter, ListQuery};
    /// let off: Vec<_> = client
    ///     .backup_server_licenses(ListQuery::new().filter(Filter::equals("autoUpdateEnabled", false)).page_size(500))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn backup_server_licenses(&self, query: ListQuery) -> ResourceStream<BackupServerLicense> {
        self.paged(Product::BackupServer.facts().list, query, |body| {
            Ok(Page::from_envelope(serde_json::from_slice::<
                BackupServerLicenseCollection,
            >(body)?))
        })
    }

    /// Every Veeam ONE license, page by page.
    pub fn v_one_server_licenses(&self, query: ListQuery) -> ResourceStream<VOneServerLicense> {
        self.paged(Product::VOneServer.facts().list, query, |body| {
            Ok(Page::from_envelope(serde_json::from_slice::<
                VOneServerLicenseCollection,
            >(body)?))
        })
    }

    /// Every Veeam Backup for Microsoft 365 license, page by page.
    pub fn vb365_server_licenses(&self, query: ListQuery) -> ResourceStream<Vb365ServerLicense> {
        self.paged(Product::Vb365Server.facts().list, query, |body| {
            Ok(Page::from_envelope(serde_json::from_slice::<
                Vb365ServerLicenseCollection,
            >(body)?))
        })
    }

    /// Every Cloud Connect site license (this collection is not paged).
    pub async fn site_licenses(&self) -> Result<Vec<SiteLicense>> {
        self.whole(Product::Site.facts().list, |body| {
            Ok(serde_json::from_slice::<SiteLicenseCollection>(body)?.into_data())
        })
        .await
    }

    /// Every license of `product` as [`License`]s; for the console, its one license. `query`
    /// applies to the paged collections (backup, ONE and Microsoft 365 servers).
    pub fn licenses(&self, product: Product, query: ListQuery) -> ResourceStream<License> {
        let facts = product.facts();
        if facts.list.is_paged() {
            return self.paged(facts.list, query, facts.read_list);
        }
        let client = self.clone();
        let read = |body: &[u8]| Ok((facts.read_list)(body)?.into_items());
        futures::stream::once(async move { client.whole(facts.list, read).await })
            .map(|list| match list {
                Ok(licenses) => futures::stream::iter(licenses.into_iter().map(Ok)).boxed(),
                Err(e) => futures::stream::iter([Err(e)]).boxed(),
            })
            .flatten()
            .boxed()
    }

    /// The license of one server or site, or the console's (`uid` `None`).
    pub async fn license(&self, product: Product, uid: Option<Uuid>) -> Result<License> {
        let facts = product.facts();
        self.license_call(product, facts.get, uid, RequestBody::Empty)
            .await
    }

    /// Applies a JSON Patch to a product license (the product's `Patch` operation).
    pub async fn patch_license(
        &self,
        product: Product,
        uid: Uuid,
        patch: Patch,
    ) -> Result<License> {
        let Some(operation) = product.facts().patch else {
            return Err(Error::InvalidInput {
                operation: "PatchLicense",
                message: format!(
                    "the {} license cannot be patched through the API",
                    product.short_name()
                ),
            });
        };
        let body =
            serde_json::to_value(JsonPatches::from(patch)).map_err(|e| Error::InvalidInput {
                operation: operation.id(),
                message: e.to_string(),
            })?;
        self.license_call(product, operation, Some(uid), RequestBody::Json(body))
            .await
    }

    /// Turns automatic license updates (ALK) on or off for one server or site.
    pub async fn set_auto_update(
        &self,
        product: Product,
        uid: Uuid,
        enabled: bool,
    ) -> Result<License> {
        if !product.has_auto_update_switch() {
            return Err(Error::InvalidInput {
                operation: "PatchLicense",
                message: format!(
                    "{} licenses have no auto-update switch in the API",
                    product.display_name()
                ),
            });
        }
        self.patch_license(product, uid, Patch::auto_update(enabled))
            .await
    }

    /// Turns automatic license updates on for one server or site.
    pub async fn enable_auto_update(&self, product: Product, uid: Uuid) -> Result<License> {
        self.set_auto_update(product, uid, true).await
    }

    /// Turns automatic license updates off for one server or site.
    pub async fn disable_auto_update(&self, product: Product, uid: Uuid) -> Result<License> {
        self.set_auto_update(product, uid, false).await
    }

    /// Makes a server, a site or the console fetch its current license from Veeam and install
    /// it (the product's `Update` operation).
    pub async fn renew_license(&self, product: Product, uid: Option<Uuid>) -> Result<License> {
        let facts = product.facts();
        self.license_call(product, facts.renew, uid, RequestBody::Empty)
            .await
    }

    /// Installs a license file on a server, a site or the console (the product's `Install`
    /// operation).
    pub async fn install_license(
        &self,
        product: Product,
        uid: Option<Uuid>,
        file: &LicenseFile,
    ) -> Result<License> {
        let facts = product.facts();
        let uid = address(product, facts.install, uid)?;
        self.upload(product, uid, file, facts.read_license).await
    }

    /// Removes the license of a backup server (all of it, or one section) or a Veeam ONE server.
    pub async fn delete_license(
        &self,
        product: Product,
        uid: Uuid,
        section: Option<SectionForDelete>,
    ) -> Result<()> {
        let facts = product.facts();
        let Some(operation) = facts.delete else {
            return Err(Error::InvalidInput {
                operation: "DeleteLicense",
                message: format!(
                    "VSPC cannot delete {} licenses (only {})",
                    product.display_name(),
                    Product::deletable_names()
                ),
            });
        };
        let query = match (facts.deletes_sections, section) {
            // Sent even when it is the server's default, so the outcome never depends on it.
            (true, section) => vec![(
                SECTION_PARAMETER,
                section.unwrap_or(SectionForDelete::All).to_string(),
            )],
            (false, None) => Vec::new(),
            (false, Some(_)) => {
                return Err(Error::InvalidInput {
                    operation: operation.id(),
                    message: format!(
                        "{} licenses have no sections; delete the whole license",
                        product.display_name()
                    ),
                })
            }
        };
        let body = self
            .send_operation(operation, &[uid], &query, RequestBody::Empty)
            .await?;
        read_body(operation.id(), body, json::<EmptyResponse>)?;
        Ok(())
    }

    /// Runs an operation on one license of `product` and reads the license it answers with.
    async fn license_call(
        &self,
        product: Product,
        operation: SpecOperation,
        uid: Option<Uuid>,
        body: RequestBody,
    ) -> Result<License> {
        let uid = address(product, operation, uid)?;
        let answer = self
            .send_operation(operation, uid.as_slice(), &[], body)
            .await?;
        read_body(operation.id(), answer, product.facts().read_license)
    }

    /// An unpaged collection, read whole: every site, or the console's one license.
    async fn whole<T>(
        &self,
        operation: SpecOperation,
        read: impl FnOnce(&[u8]) -> serde_json::Result<Vec<T>>,
    ) -> Result<Vec<T>> {
        let answer = self
            .send_operation(operation, &[], &[], RequestBody::Empty)
            .await?;
        read_body(operation.id(), answer, read)
    }

    /// A paged collection, each page read by `read`.
    pub(crate) fn paged<T: serde::Serialize + Send + 'static>(
        &self,
        operation: SpecOperation,
        query: ListQuery,
        read: fn(&[u8]) -> serde_json::Result<Page<T>>,
    ) -> ResourceStream<T> {
        self.paged_with(operation, query, Vec::new(), read)
    }

    /// [`paged`](Self::paged) with query parameters of the operation's own sent on every page.
    pub(crate) fn paged_with<T: serde::Serialize + Send + 'static>(
        &self,
        operation: SpecOperation,
        query: ListQuery,
        extra: Vec<(&'static str, String)>,
        read: fn(&[u8]) -> serde_json::Result<Page<T>>,
    ) -> ResourceStream<T> {
        let client = self.clone();
        let pages = query.clone();
        let fetch = move |offset: u32, limit: u32| -> PageFuture<T> {
            let client = client.clone();
            let query = pages.clone();
            let extra = extra.clone();
            Box::pin(async move {
                let mut parameters = page_parameters(&query, offset, limit);
                parameters.extend(extra);
                let answer = client
                    .send_operation(operation, &[], &parameters, RequestBody::Empty)
                    .await?;
                read_body(operation.id(), answer, read)
            })
        };
        paginate(self.in_flight_limit(), operation.id(), &query, fetch)
    }
}

/// The query parameters of one page: the spec's paging `limit` and `offset`, and the query's
/// filter, sort and select as JSON text.
fn page_parameters(query: &ListQuery, offset: u32, limit: u32) -> Vec<(&'static str, String)> {
    let mut parameters = vec![("limit", limit.to_string()), ("offset", offset.to_string())];
    if let Some(filter) = query.filter.clone() {
        parameters.push(("filter", String::from(filter)));
    }
    if let Some(sort) = query.sort.clone() {
        parameters.push(("sort", String::from(sort)));
    }
    if let Some(select) = query.select.clone() {
        parameters.push(("select", String::from(select)));
    }
    parameters
}

/// The server or site UID the product's operations are addressed by: required for all but
/// the console, whose license has no address (a UID given for it is not used).
fn address(product: Product, operation: SpecOperation, uid: Option<Uuid>) -> Result<Option<Uuid>> {
    match (product.has_uid(), uid) {
        (false, _) => Ok(None),
        (true, Some(uid)) => Ok(Some(uid)),
        (true, None) => Err(Error::InvalidInput {
            operation: operation.id(),
            message: "this product's licenses are addressed by a server or site UID".into(),
        }),
    }
}
