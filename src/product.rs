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

use crate::enums::{ConsoleLicenseStatus, ConsoleLicenseType, LicenseStatus, LicenseType};
use crate::types::{
    BackupServerLicense, ConsoleLicense, SiteLicense, VOneServerLicense, Vb365ServerLicense,
};

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

    /// The short name used on the command line.
    pub fn short_name(self) -> &'static str {
        match self {
            Product::BackupServer => "vbr",
            Product::VOneServer => "vone",
            Product::Vb365Server => "vb365",
            Product::Site => "site",
            Product::Console => "console",
        }
    }

    /// The product's name.
    pub fn display_name(self) -> &'static str {
        match self {
            Product::BackupServer => "Veeam Backup & Replication",
            Product::VOneServer => "Veeam ONE",
            Product::Vb365Server => "Veeam Backup for Microsoft 365",
            Product::Site => "Veeam Cloud Connect site",
            Product::Console => "Veeam Service Provider Console",
        }
    }

    /// Whether its licenses carry `autoUpdateEnabled` that a JSON Patch can switch.
    pub fn has_auto_update_switch(self) -> bool {
        !matches!(self, Product::Console)
    }

    /// Whether its licenses are addressed by a server or site UID (all but the console).
    pub fn has_uid(self) -> bool {
        !matches!(self, Product::Console)
    }

    /// Whether VSPC can delete its license.
    pub fn can_delete(self) -> bool {
        matches!(self, Product::BackupServer | Product::VOneServer)
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// A product name that is not one of `vbr`, `vone`, `vb365`, `site`, `console`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown product {0:?}: use one of vbr, vone, vb365, site, console")]
pub struct UnknownProduct(pub String);

impl FromStr for Product {
    type Err = UnknownProduct;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "vbr" | "backup" | "backupserver" | "backupservers" => Ok(Product::BackupServer),
            "vone" | "one" | "voneserver" | "voneservers" => Ok(Product::VOneServer),
            "vb365" | "vbm365" | "vbo" | "vb365server" | "vb365servers" => Ok(Product::Vb365Server),
            "site" | "sites" | "cloudconnect" | "vcc" => Ok(Product::Site),
            "console" | "vspc" => Ok(Product::Console),
            _ => Err(UnknownProduct(text.to_owned())),
        }
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

    /// Whether it renews itself from the Veeam license update server; `None` for the console,
    /// whose switch is in its settings (`GetConsoleLicenseSettings`).
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
}
