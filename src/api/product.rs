//! The licensed products, and one view over their different license types.
//!
//! VSPC has a license type per product (`BackupServerLicense`, `VOneServerLicense`, ...). For
//! work across products (audits, the CLI's tables) [`License`] wraps any of them and reads the
//! fields they share; it serialises as the API's own object.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::api::paging::Page;
use crate::model::enums::{ConsoleLicenseStatus, ConsoleLicenseType, LicenseStatus, LicenseType};
use crate::model::envelope::{Collection, Envelope};
use crate::model::generated::types::{
    BackupServerLicense, BackupServerLicenseCollection, BackupServerLicenseResponse,
    ConsoleLicense, ConsoleLicenseResponse, SiteLicense, SiteLicenseCollection,
    SiteLicenseResponse, VOneServerLicense, VOneServerLicenseCollection, VOneServerLicenseResponse,
    Vb365ServerLicense, Vb365ServerLicenseCollection, Vb365ServerLicenseResponse,
};
use crate::model::spec_facts::SpecOperation;

/// A product whose licenses VSPC manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// Veeam Backup & Replication servers (`vbr`).
    BackupServer,
    /// Veeam ONE servers (`vone`).
    VOneServer,
    /// Veeam Backup for Microsoft 365 servers (`vb365`).
    Vb365Server,
    /// Veeam Cloud Connect sites (`site`).
    Site,
    /// The Veeam Service Provider Console itself (`console`).
    Console,
}

impl Product {
    /// Every product, in the order the CLI lists them.
    pub const ALL: [Product; 5] = [
        Product::BackupServer,
        Product::VOneServer,
        Product::Vb365Server,
        Product::Site,
        Product::Console,
    ];

    /// What the crate knows of this product: the one table every part reads.
    pub(crate) fn facts(self) -> &'static ProductFacts {
        match self {
            Product::BackupServer => &BACKUP_SERVER,
            Product::VOneServer => &V_ONE_SERVER,
            Product::Vb365Server => &VB365_SERVER,
            Product::Site => &SITE,
            Product::Console => &CONSOLE,
        }
    }

    /// The short name used on the command line.
    pub fn short_name(self) -> &'static str {
        self.facts().short_name
    }

    /// The product's name.
    pub fn display_name(self) -> &'static str {
        self.facts().display_name
    }

    /// Whether its licenses carry `autoUpdateEnabled` that a JSON Patch can switch.
    pub fn has_auto_update_switch(self) -> bool {
        self.facts().patch.is_some()
    }

    /// Whether its licenses are addressed by a server or site UID (all but the console).
    pub fn has_uid(self) -> bool {
        self.facts().uid_parameter().is_some()
    }

    /// Whether VSPC can delete its license.
    pub fn can_delete(self) -> bool {
        self.facts().delete.is_some()
    }

    /// Whether VSPC deletes its license one section at a time (instance or socket), not only
    /// as a whole.
    pub fn deletes_sections(self) -> bool {
        self.facts().deletes_sections
    }

    /// Whether its licenses are listed in pages (sites and the console answer with one list).
    pub fn lists_in_pages(self) -> bool {
        self.facts().list.is_paged()
    }

    /// What the product is, in a few words (`Cloud Connect sites`).
    pub fn description(self) -> &'static str {
        self.facts().choice_help
    }

    /// The products whose licenses VSPC can delete, by short name: `vbr and vone`.
    pub fn deletable_names() -> String {
        let names: Vec<&str> = Product::ALL
            .iter()
            .filter(|p| p.can_delete())
            .map(|p| p.short_name())
            .collect();
        names.join(" and ")
    }
}

/// The query parameter of a delete that names the section to remove (`SectionForDelete`).
pub(crate) const SECTION_PARAMETER: &str = "sectionForDelete";

/// The facts of one product: its names, the spec's operations on its licenses, and how its
/// answers read. Client, simulator and CLI all take them from here, so a new product or a
/// renamed operation is one row to change (and a renamed operation fails the build, see
/// `crate::model::spec_facts`).
#[derive(Debug)]
pub(crate) struct ProductFacts {
    /// Which product.
    #[cfg_attr(not(feature = "simulator"), allow(dead_code))]
    pub(crate) product: Product,
    /// The name on the command line (`vbr`).
    pub(crate) short_name: &'static str,
    /// Other names the command line accepts for it, lower case.
    pub(crate) aliases: &'static [&'static str],
    /// The product's name.
    pub(crate) display_name: &'static str,
    /// How the CLI's `--product` values describe it.
    pub(crate) choice_help: &'static str,
    /// Reads every license (the console's one license for the console).
    pub(crate) list: SpecOperation,
    /// Reads one license.
    pub(crate) get: SpecOperation,
    /// Installs a license file.
    pub(crate) install: SpecOperation,
    /// Makes the server fetch its current license from Veeam.
    pub(crate) renew: SpecOperation,
    /// Applies a JSON Patch (the auto-update switch); `None` when the API has none.
    pub(crate) patch: Option<SpecOperation>,
    /// Removes the license; `None` when the API cannot.
    pub(crate) delete: Option<SpecOperation>,
    /// Whether `delete` removes one section of the license at a time (named by
    /// [`SECTION_PARAMETER`]); otherwise only the whole license goes.
    pub(crate) deletes_sections: bool,
    /// The product a license file names (the simulator's license files).
    #[cfg_attr(not(feature = "simulator"), allow(dead_code))]
    pub(crate) license_file_product: &'static str,
    /// Reads the answer of `get`, `install`, `renew` and `patch`.
    pub(crate) read_license: fn(&[u8]) -> serde_json::Result<License>,
    /// Reads the answer of `list` (one page of it for a paged collection).
    pub(crate) read_list: fn(&[u8]) -> serde_json::Result<Page<License>>,
}

impl ProductFacts {
    /// The path parameter that names the server or site (`backupServerUid`); also the name of
    /// the license's field that holds it. `None` for the console.
    pub(crate) fn uid_parameter(&self) -> Option<&'static str> {
        self.get.path_parameters().next()
    }

    #[cfg_attr(not(feature = "simulator"), allow(dead_code))]
    /// The collection's path segment (`backupServers` in `/licensing/backupServers`).
    pub(crate) fn collection_segment(&self) -> &'static str {
        let path = self.list.path();
        path.rsplit_once('/').map_or(path, |(_, last)| last)
    }

    #[cfg_attr(not(feature = "simulator"), allow(dead_code))]
    /// The spec's name of the licensed resource: the install operation's id without `Install`
    /// and `License` (`BackupServer`).
    pub(crate) fn resource_name(&self) -> &'static str {
        let id = self.install.id();
        let id = id.strip_prefix("Install").unwrap_or(id);
        id.strip_suffix("License").unwrap_or(id)
    }
}

fn page_of<E>(body: &[u8], wrap: fn(E::Item) -> License) -> serde_json::Result<Page<License>>
where
    E: Collection + serde::de::DeserializeOwned,
{
    Ok(Page::from_envelope(serde_json::from_slice::<E>(body)?).map(wrap))
}

fn one<E>(body: &[u8], wrap: fn(E::Data) -> License) -> serde_json::Result<License>
where
    E: Envelope + serde::de::DeserializeOwned,
{
    Ok(wrap(serde_json::from_slice::<E>(body)?.into_data()))
}

static BACKUP_SERVER: ProductFacts = ProductFacts {
    product: Product::BackupServer,
    short_name: "vbr",
    aliases: &["backup", "backupserver", "backupservers"],
    display_name: "Veeam Backup & Replication",
    choice_help: "Veeam Backup & Replication",
    list: SpecOperation::GetBackupServersLicenses,
    get: SpecOperation::GetBackupServerLicense,
    install: SpecOperation::InstallBackupServerLicense,
    renew: SpecOperation::UpdateBackupServerLicense,
    patch: Some(SpecOperation::PatchBackupServerLicense),
    delete: Some(SpecOperation::DeleteBackupServerLicense),
    deletes_sections: true,
    license_file_product: "BackupServer",
    read_license: |body| one::<BackupServerLicenseResponse>(body, License::BackupServer),
    read_list: |body| page_of::<BackupServerLicenseCollection>(body, License::BackupServer),
};

static V_ONE_SERVER: ProductFacts = ProductFacts {
    product: Product::VOneServer,
    short_name: "vone",
    aliases: &["one", "voneserver", "voneservers"],
    display_name: "Veeam ONE",
    choice_help: "Veeam ONE",
    list: SpecOperation::GetVOneServersLicenses,
    get: SpecOperation::GetVOneServerLicense,
    install: SpecOperation::InstallVOneServerLicense,
    renew: SpecOperation::UpdateVOneServerLicense,
    patch: Some(SpecOperation::PatchVOneServerLicense),
    delete: Some(SpecOperation::DeleteVOneServerLicense),
    deletes_sections: false,
    license_file_product: "VeeamOne",
    read_license: |body| one::<VOneServerLicenseResponse>(body, License::VOneServer),
    read_list: |body| page_of::<VOneServerLicenseCollection>(body, License::VOneServer),
};

static VB365_SERVER: ProductFacts = ProductFacts {
    product: Product::Vb365Server,
    short_name: "vb365",
    aliases: &["vbm365", "vbo", "vb365server", "vb365servers"],
    display_name: "Veeam Backup for Microsoft 365",
    choice_help: "Veeam Backup for Microsoft 365",
    list: SpecOperation::GetVb365ServersLicenses,
    get: SpecOperation::GetVb365ServerLicense,
    install: SpecOperation::InstallVb365ServerLicense,
    renew: SpecOperation::UpdateVb365ServerLicense,
    patch: Some(SpecOperation::PatchVb365ServerLicense),
    delete: None,
    deletes_sections: false,
    license_file_product: "Vb365",
    read_license: |body| one::<Vb365ServerLicenseResponse>(body, License::Vb365Server),
    read_list: |body| page_of::<Vb365ServerLicenseCollection>(body, License::Vb365Server),
};

static SITE: ProductFacts = ProductFacts {
    product: Product::Site,
    short_name: "site",
    aliases: &["sites", "cloudconnect", "vcc"],
    display_name: "Veeam Cloud Connect site",
    choice_help: "Cloud Connect sites",
    list: SpecOperation::GetSiteLicenses,
    get: SpecOperation::GetSiteLicense,
    install: SpecOperation::InstallSiteLicense,
    renew: SpecOperation::UpdateSiteLicense,
    patch: Some(SpecOperation::PatchSiteLicense),
    delete: None,
    deletes_sections: false,
    license_file_product: "CloudConnectSite",
    read_license: |body| one::<SiteLicenseResponse>(body, License::Site),
    read_list: |body| page_of::<SiteLicenseCollection>(body, License::Site),
};

static CONSOLE: ProductFacts = ProductFacts {
    product: Product::Console,
    short_name: "console",
    aliases: &["vspc"],
    display_name: "Veeam Service Provider Console",
    choice_help: "The console itself",
    list: SpecOperation::GetConsoleLicenseInformation,
    get: SpecOperation::GetConsoleLicenseInformation,
    install: SpecOperation::InstallConsoleLicense,
    renew: SpecOperation::UpdateConsoleLicense,
    patch: None,
    delete: None,
    deletes_sections: false,
    license_file_product: "Console",
    read_license: |body| one::<ConsoleLicenseResponse>(body, License::Console),
    read_list: |body| {
        Ok(Page::whole(vec![one::<ConsoleLicenseResponse>(
            body,
            License::Console,
        )?]))
    },
};

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// A product name that is not one of `vbr`, `vone`, `vb365`, `site`, `console`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown product {0:?}: use one of vbr, vone, vb365, site, console")]
pub struct ParseProductError(pub String);

impl FromStr for Product {
    type Err = ParseProductError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim().to_ascii_lowercase();
        Product::ALL
            .into_iter()
            .find(|p| p.short_name() == name || p.facts().aliases.contains(&name.as_str()))
            .ok_or_else(|| ParseProductError(text.to_owned()))
    }
}

/// The license of any product.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum License {
    /// A Veeam Backup & Replication license.
    BackupServer(BackupServerLicense),
    /// A Veeam ONE license.
    VOneServer(VOneServerLicense),
    /// A Veeam Backup for Microsoft 365 license.
    Vb365Server(Vb365ServerLicense),
    /// A Cloud Connect site license.
    Site(SiteLicense),
    /// The console license.
    Console(ConsoleLicense),
}

/// The status of a license of any product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyStatus {
    /// A product license status.
    Product(LicenseStatus),
    /// The console license status.
    Console(ConsoleLicenseStatus),
}

impl fmt::Display for AnyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyStatus::Product(s) => s.fmt(f),
            AnyStatus::Console(s) => s.fmt(f),
        }
    }
}

impl License {
    /// Which product it licenses.
    pub fn product(&self) -> Product {
        match self {
            License::BackupServer(_) => Product::BackupServer,
            License::VOneServer(_) => Product::VOneServer,
            License::Vb365Server(_) => Product::Vb365Server,
            License::Site(_) => Product::Site,
            License::Console(_) => Product::Console,
        }
    }

    /// The server or site it is installed on (none for the console).
    pub fn uid(&self) -> Option<Uuid> {
        match self {
            License::BackupServer(l) => l.backup_server_uid,
            License::VOneServer(l) => l.v_one_server_uid,
            License::Vb365Server(l) => l.vb365_server_uid,
            License::Site(l) => l.site_uid,
            License::Console(_) => None,
        }
    }

    /// The licensee.
    pub fn company(&self) -> Option<&str> {
        match self {
            License::BackupServer(l) => l.company.as_deref(),
            License::VOneServer(l) => l.company.as_deref(),
            License::Vb365Server(l) => l.company.as_deref(),
            License::Site(l) => l.company.as_deref(),
            License::Console(l) => l.licensee_company.as_deref(),
        }
    }

    /// The edition, where the product reports one.
    pub fn edition(&self) -> Option<&str> {
        match self {
            License::BackupServer(l) => l.edition.as_deref(),
            License::Site(l) => l.edition.as_deref(),
            License::Console(l) => l.edition.as_deref(),
            License::VOneServer(_) | License::Vb365Server(_) => None,
        }
    }

    /// The license type (`Rental`, `Subscription`, ...), as text.
    pub fn license_type(&self) -> Option<String> {
        let product = |t: &Option<LicenseType>| t.as_ref().map(ToString::to_string);
        match self {
            License::BackupServer(l) => product(&l.type_),
            License::VOneServer(l) => product(&l.type_),
            License::Vb365Server(l) => product(&l.type_),
            License::Site(l) => product(&l.type_),
            License::Console(l) => l.type_.as_ref().map(ConsoleLicenseType::to_string),
        }
    }

    /// The status.
    pub fn status(&self) -> Option<AnyStatus> {
        match self {
            License::BackupServer(l) => l.status.clone().map(AnyStatus::Product),
            License::VOneServer(l) => l.status.clone().map(AnyStatus::Product),
            License::Vb365Server(l) => l.status.clone().map(AnyStatus::Product),
            License::Site(l) => l.status.clone().map(AnyStatus::Product),
            License::Console(l) => l.status.clone().map(AnyStatus::Console),
        }
    }

    /// Units in use and licensed (users for Microsoft 365, instances for the console).
    pub fn units(&self) -> (Option<f64>, Option<f64>) {
        match self {
            License::BackupServer(l) => (l.used_units, l.units),
            License::VOneServer(l) => (l.used_units, l.units),
            License::Vb365Server(l) => (
                l.protected_users.map(f64::from),
                l.licensed_users.map(f64::from),
            ),
            License::Site(l) => (l.used_units, l.units),
            License::Console(l) => (None, l.instances),
        }
    }

    /// When it expires.
    pub fn expiration_date(&self) -> Option<DateTime<Utc>> {
        match self {
            License::BackupServer(l) => l.expiration_date,
            License::VOneServer(l) => l.expiration_date,
            License::Vb365Server(l) => l.expiration_date,
            License::Site(l) => l.expiration_date,
            License::Console(l) => l.expiration_date,
        }
    }

    /// When its support (the right to updates and to Veeam Support) ends.
    pub fn support_expiration_date(&self) -> Option<DateTime<Utc>> {
        match self {
            License::BackupServer(l) => l.support_expiration_date,
            License::VOneServer(l) => l.support_expiration_date,
            License::Vb365Server(l) => l.support_expiration_date,
            License::Site(l) => l.support_expiration_date,
            License::Console(l) => l.support_expiration_date,
        }
    }

    /// Whether it renews itself from the Veeam license update server; `None` for the console,
    /// whose switch is in its settings ([`Client::console_license_settings`](crate::Client::console_license_settings)).
    pub fn auto_update_enabled(&self) -> Option<bool> {
        match self {
            License::BackupServer(l) => Some(l.auto_update_enabled),
            License::VOneServer(l) => Some(l.auto_update_enabled),
            License::Vb365Server(l) => Some(l.auto_update_enabled),
            License::Site(l) => Some(l.auto_update_enabled),
            License::Console(_) => None,
        }
    }

    /// Whether it expires before `now + within` (already expired ones included).
    pub fn expires_within(&self, now: DateTime<Utc>, within: chrono::Duration) -> bool {
        // A period reaching past the last representable date covers every expiry.
        self.expiration_date().is_some_and(|at| {
            now.checked_add_signed(within)
                .is_none_or(|limit| at <= limit)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_parse_from_their_short_names_and_reject_others() {
        for product in Product::ALL {
            assert_eq!(product.short_name().parse::<Product>().unwrap(), product);
        }
        assert_eq!("VBR".parse::<Product>().unwrap(), Product::BackupServer);
        let err = "vcsp".parse::<Product>().unwrap_err().to_string();
        assert!(err.contains("vbr, vone, vb365, site, console"), "{err}");
    }

    #[test]
    fn each_row_describes_its_own_product() {
        for product in Product::ALL {
            let facts = product.facts();
            assert_eq!(facts.product, product);
            // Every operation on one license is addressed the same way; the collection is not.
            let single = [Some(facts.get), Some(facts.install), Some(facts.renew)]
                .into_iter()
                .chain([facts.patch, facts.delete])
                .flatten();
            for operation in single {
                assert_eq!(
                    operation.path_parameters().collect::<Vec<_>>(),
                    facts.uid_parameter().into_iter().collect::<Vec<_>>(),
                    "{operation}"
                );
                assert!(
                    operation.id().contains(facts.resource_name()),
                    "{operation}"
                );
            }
            assert!(facts.install.is_multipart(), "{}", facts.install);
            assert_eq!(facts.list.path_parameters().count(), 0);
        }
    }

    #[cfg(feature = "contract")]
    #[test]
    fn sections_are_deleted_where_the_spec_takes_a_section() {
        let spec = crate::contract::Spec::embedded();
        for product in Product::ALL {
            let facts = product.facts();
            let takes_section = facts.delete.is_some_and(|delete| {
                spec.operation(delete.id())
                    .expect("the spec has the operation")
                    .parameters
                    .iter()
                    .any(|parameter| parameter.name == SECTION_PARAMETER)
            });
            assert_eq!(takes_section, facts.deletes_sections, "{product}");
        }
    }
}
