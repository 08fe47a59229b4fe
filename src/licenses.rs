//! License work on any product: list, read, switch auto-update, renew, install, delete.
//!
//! Each method names the operation it runs in its errors. The generated builders
//! (`client.get_backup_server_license()...`) stay available for full control of the parameters.

use futures::StreamExt;
use uuid::Uuid;

use crate::enums::SectionForDelete;
use crate::error::{call, Error, Result};
use crate::paging::{page_fetcher, paginate, ResourceStream};
use crate::patch::{auto_update, Patch};
use crate::product::{License, Product};
use crate::query::ListQuery;
use crate::types::{BackupServerLicense, SiteLicense, VOneServerLicense, Vb365ServerLicense};
use crate::upload::LicenseFile;
use crate::Client;

impl Client {
    /// Every Veeam Backup & Replication license, page by page (`GetBackupServersLicenses`).
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client) -> vspc_licensing::Result<()> {
    /// use futures::TryStreamExt;
    /// use vspc_licensing::query::{Filter, ListQuery};
    /// let off: Vec<_> = client
    ///     .backup_server_licenses(ListQuery::new().filter(Filter::equals("autoUpdateEnabled", false)).page_size(500))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn backup_server_licenses(&self, query: ListQuery) -> ResourceStream<BackupServerLicense> {
        let fetch = page_fetcher!(self, query, "GetBackupServersLicenses", |c| c
            .get_backup_servers_licenses());
        paginate(
            self.throttle_signal(),
            "GetBackupServersLicenses",
            &query,
            fetch,
        )
    }

    /// Every Veeam ONE license, page by page (`GetVOneServersLicenses`).
    pub fn v_one_server_licenses(&self, query: ListQuery) -> ResourceStream<VOneServerLicense> {
        let fetch = page_fetcher!(self, query, "GetVOneServersLicenses", |c| c
            .get_v_one_servers_licenses());
        paginate(
            self.throttle_signal(),
            "GetVOneServersLicenses",
            &query,
            fetch,
        )
    }

    /// Every Veeam Backup for Microsoft 365 license, page by page (`GetVb365ServersLicenses`).
    pub fn vb365_server_licenses(&self, query: ListQuery) -> ResourceStream<Vb365ServerLicense> {
        let fetch = page_fetcher!(self, query, "GetVb365ServersLicenses", |c| c
            .get_vb365_servers_licenses());
        paginate(
            self.throttle_signal(),
            "GetVb365ServersLicenses",
            &query,
            fetch,
        )
    }

    /// Every Cloud Connect site license (`GetSiteLicenses`; this collection is not paged).
    pub async fn site_licenses(&self) -> Result<Vec<SiteLicense>> {
        Ok(call("GetSiteLicenses", self.get_site_licenses().send())
            .await?
            .data)
    }

    /// Every license of `product` as [`License`]s; for the console, its one license. `query`
    /// applies to the paged collections (backup, ONE and Microsoft 365 servers).
    pub fn licenses(&self, product: Product, query: ListQuery) -> ResourceStream<License> {
        match product {
            Product::BackupServer => self
                .backup_server_licenses(query)
                .map(|r| r.map(License::BackupServer))
                .boxed(),
            Product::VOneServer => self
                .v_one_server_licenses(query)
                .map(|r| r.map(License::VOneServer))
                .boxed(),
            Product::Vb365Server => self
                .vb365_server_licenses(query)
                .map(|r| r.map(License::Vb365Server))
                .boxed(),
            Product::Site => {
                let client = self.clone();
                futures::stream::once(async move { client.site_licenses().await })
                    .map(|page| match page {
                        Ok(sites) => {
                            futures::stream::iter(sites.into_iter().map(|s| Ok(License::Site(s))))
                                .boxed()
                        }
                        Err(e) => futures::stream::iter([Err(e)]).boxed(),
                    })
                    .flatten()
                    .boxed()
            }
            Product::Console => {
                let client = self.clone();
                futures::stream::once(async move { client.license(Product::Console, None).await })
                    .boxed()
            }
        }
    }

    /// The license of one server or site, or the console's (`uid` `None`).
    pub async fn license(&self, product: Product, uid: Option<Uuid>) -> Result<License> {
        Ok(match product {
            Product::BackupServer => {
                let uid = need_uid("GetBackupServerLicense", uid)?;
                License::BackupServer(
                    call(
                        "GetBackupServerLicense",
                        self.get_backup_server_license()
                            .backup_server_uid(uid)
                            .send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::VOneServer => {
                let uid = need_uid("GetVOneServerLicense", uid)?;
                License::VOneServer(
                    call(
                        "GetVOneServerLicense",
                        self.get_v_one_server_license().v_one_server_uid(uid).send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::Vb365Server => {
                let uid = need_uid("GetVb365ServerLicense", uid)?;
                License::Vb365Server(
                    call(
                        "GetVb365ServerLicense",
                        self.get_vb365_server_license().vb365_server_uid(uid).send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::Site => {
                let uid = need_uid("GetSiteLicense", uid)?;
                License::Site(
                    call(
                        "GetSiteLicense",
                        self.get_site_license().site_uid(uid).send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::Console => License::Console(
                call(
                    "GetConsoleLicenseInformation",
                    self.get_console_license_information().send(),
                )
                .await?
                .data,
            ),
        })
    }

    /// Applies a JSON Patch to a product license (`Patch<Product>License`).
    pub async fn patch_license(
        &self,
        product: Product,
        uid: Uuid,
        patch: Patch,
    ) -> Result<License> {
        Ok(match product {
            Product::BackupServer => License::BackupServer(
                call(
                    "PatchBackupServerLicense",
                    self.patch_backup_server_license()
                        .backup_server_uid(uid)
                        .body(patch)
                        .send(),
                )
                .await?
                .data,
            ),
            Product::VOneServer => License::VOneServer(
                call(
                    "PatchVOneServerLicense",
                    self.patch_v_one_server_license()
                        .v_one_server_uid(uid)
                        .body(patch)
                        .send(),
                )
                .await?
                .data,
            ),
            Product::Vb365Server => License::Vb365Server(
                call(
                    "PatchVb365ServerLicense",
                    self.patch_vb365_server_license()
                        .vb365_server_uid(uid)
                        .body(patch)
                        .send(),
                )
                .await?
                .data,
            ),
            Product::Site => License::Site(
                call(
                    "PatchSiteLicense",
                    self.patch_site_license().site_uid(uid).body(patch).send(),
                )
                .await?
                .data,
            ),
            Product::Console => {
                return Err(Error::InvalidInput {
                    operation: "PatchLicense",
                    message: "the console license cannot be patched through the API".into(),
                })
            }
        })
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
        self.patch_license(product, uid, auto_update(enabled)).await
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
    /// it (`Update<Product>License`).
    pub async fn renew_license(&self, product: Product, uid: Option<Uuid>) -> Result<License> {
        Ok(match product {
            Product::BackupServer => {
                let uid = need_uid("UpdateBackupServerLicense", uid)?;
                License::BackupServer(
                    call(
                        "UpdateBackupServerLicense",
                        self.update_backup_server_license()
                            .backup_server_uid(uid)
                            .send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::VOneServer => {
                let uid = need_uid("UpdateVOneServerLicense", uid)?;
                License::VOneServer(
                    call(
                        "UpdateVOneServerLicense",
                        self.update_v_one_server_license()
                            .v_one_server_uid(uid)
                            .send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::Vb365Server => {
                let uid = need_uid("UpdateVb365ServerLicense", uid)?;
                License::Vb365Server(
                    call(
                        "UpdateVb365ServerLicense",
                        self.update_vb365_server_license()
                            .vb365_server_uid(uid)
                            .send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::Site => {
                let uid = need_uid("UpdateSiteLicense", uid)?;
                License::Site(
                    call(
                        "UpdateSiteLicense",
                        self.update_site_license().site_uid(uid).send(),
                    )
                    .await?
                    .data,
                )
            }
            Product::Console => License::Console(
                call("UpdateConsoleLicense", self.update_console_license().send())
                    .await?
                    .data,
            ),
        })
    }

    /// Installs a license file on a server, a site or the console (`Install<Product>License`).
    pub async fn install_license(
        &self,
        product: Product,
        uid: Option<Uuid>,
        file: &LicenseFile,
    ) -> Result<License> {
        Ok(match product {
            Product::BackupServer => License::BackupServer(
                self.install_backup_server_license(
                    need_uid("InstallBackupServerLicense", uid)?,
                    file,
                )
                .await?
                .data,
            ),
            Product::VOneServer => License::VOneServer(
                self.install_v_one_server_license(need_uid("InstallVOneServerLicense", uid)?, file)
                    .await?
                    .data,
            ),
            Product::Vb365Server => License::Vb365Server(
                self.install_vb365_server_license(
                    need_uid("InstallVb365ServerLicense", uid)?,
                    file,
                )
                .await?
                .data,
            ),
            Product::Site => License::Site(
                self.install_site_license(need_uid("InstallSiteLicense", uid)?, file)
                    .await?
                    .data,
            ),
            Product::Console => License::Console(self.install_console_license(file).await?.data),
        })
    }

    /// Removes the license of a backup server (all of it, or one section) or a Veeam ONE server.
    pub async fn delete_license(
        &self,
        product: Product,
        uid: Uuid,
        section: Option<SectionForDelete>,
    ) -> Result<()> {
        match (product, section) {
            (Product::BackupServer, section) => {
                // Sent even when it is the server's default, so the outcome never depends on it.
                let section = section.unwrap_or(SectionForDelete::All);
                call(
                    "DeleteBackupServerLicense",
                    self.delete_backup_server_license()
                        .backup_server_uid(uid)
                        .section_for_delete(section)
                        .send(),
                )
                .await?;
            }
            (Product::VOneServer, None) => {
                call(
                    "DeleteVOneServerLicense",
                    self.delete_v_one_server_license()
                        .v_one_server_uid(uid)
                        .send(),
                )
                .await?;
            }
            (Product::VOneServer, Some(_)) => {
                return Err(Error::InvalidInput {
                    operation: "DeleteVOneServerLicense",
                    message: "Veeam ONE licenses have no sections; delete the whole license".into(),
                })
            }
            (other, _) => {
                return Err(Error::InvalidInput {
                    operation: "DeleteLicense",
                    message: format!(
                        "VSPC cannot delete {} licenses (only vbr and vone)",
                        other.display_name()
                    ),
                })
            }
        }
        Ok(())
    }
}

fn need_uid(operation: &'static str, uid: Option<Uuid>) -> Result<Uuid> {
    uid.ok_or_else(|| Error::InvalidInput {
        operation,
        message: "this product's licenses are addressed by a server or site UID".into(),
    })
}
