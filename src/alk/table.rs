//! The vendor's ALK Update endpoint table, as data.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::api::product::Product;

/// A Veeam product that takes part in Automatic License Key Update.
///
/// The products whose licenses VSPC manages have the same names as in [`Product`]
/// (`AlkProduct::BackupServer` is `Product::BackupServer`, Veeam Backup & Replication), and
/// [`AlkProduct::licensed_product`] and [`AlkProduct::of`] go from one to the other; the others
/// take part in ALK only. Cloud Connect sites ([`Product::Site`]) are not in the vendor's ALK
/// table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "&'static str")]
pub enum AlkProduct {
    /// Veeam Service Provider Console (`vspc`).
    Console,
    /// Veeam Backup & Replication (`vbr`).
    BackupServer,
    /// Veeam Backup Enterprise Manager (`em`); the vendor lists no license update server.
    EnterpriseManager,
    /// Veeam ONE (`vone`).
    VOneServer,
    /// Veeam Backup for Microsoft 365 (`vb365`).
    Vb365Server,
    /// Veeam Recovery Orchestrator (`vro`).
    RecoveryOrchestrator,
    /// Veeam Backup for Salesforce (`vbsf`).
    BackupForSalesforce,
}

impl AlkProduct {
    /// Every product, in the vendor's order.
    pub const ALL: [AlkProduct; 7] = [
        AlkProduct::Console,
        AlkProduct::BackupServer,
        AlkProduct::EnterpriseManager,
        AlkProduct::VOneServer,
        AlkProduct::Vb365Server,
        AlkProduct::RecoveryOrchestrator,
        AlkProduct::BackupForSalesforce,
    ];

    /// The short name used on the command line and in JSON output (`vbr`, `vb365`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            AlkProduct::Console => "vspc",
            AlkProduct::BackupServer => "vbr",
            AlkProduct::EnterpriseManager => "em",
            AlkProduct::VOneServer => "vone",
            AlkProduct::Vb365Server => "vb365",
            AlkProduct::RecoveryOrchestrator => "vro",
            AlkProduct::BackupForSalesforce => "vbsf",
        }
    }

    /// The product's full name.
    pub fn full_name(self) -> &'static str {
        match self {
            AlkProduct::EnterpriseManager => "Veeam Backup Enterprise Manager",
            AlkProduct::RecoveryOrchestrator => "Veeam Recovery Orchestrator",
            AlkProduct::BackupForSalesforce => "Veeam Backup for Salesforce",
            // The products VSPC licenses are named as everywhere else in the crate.
            AlkProduct::Console => Product::Console.display_name(),
            AlkProduct::BackupServer => Product::BackupServer.display_name(),
            AlkProduct::VOneServer => Product::VOneServer.display_name(),
            AlkProduct::Vb365Server => Product::Vb365Server.display_name(),
        }
    }

    /// The ALK product of a product VSPC licenses, when it takes part in ALK (all but
    /// [`Product::Site`]); the inverse of [`AlkProduct::licensed_product`].
    pub fn of(product: Product) -> Option<AlkProduct> {
        AlkProduct::ALL
            .into_iter()
            .find(|alk| alk.licensed_product() == Some(product))
    }

    /// The product whose licenses VSPC manages, when it is one ([`Product`]); the others
    /// (Enterprise Manager, Recovery Orchestrator, Salesforce) take part in ALK only.
    pub fn licensed_product(self) -> Option<Product> {
        match self {
            AlkProduct::Console => Some(Product::Console),
            AlkProduct::BackupServer => Some(Product::BackupServer),
            AlkProduct::VOneServer => Some(Product::VOneServer),
            AlkProduct::Vb365Server => Some(Product::Vb365Server),
            AlkProduct::EnterpriseManager
            | AlkProduct::RecoveryOrchestrator
            | AlkProduct::BackupForSalesforce => None,
        }
    }

    /// A remark to show next to the product, where the table needs one.
    pub fn note(self) -> Option<&'static str> {
        match self {
            // The vendor's table has a row for Enterprise Manager with both cells empty. Saying
            // so beats silently leaving the product out, which reads like an omission here.
            AlkProduct::EnterpriseManager => Some(
                "no license update server is listed for this product; \
                 only the certificate revocation endpoints apply",
            ),
            _ => None,
        }
    }

    /// The product's license update server, if the vendor lists one.
    pub fn license_update_endpoint(self) -> Option<&'static AlkEndpoint> {
        ALK_ENDPOINTS.iter().find(|e| {
            e.purpose == EndpointPurpose::LicenseUpdate && e.applies_to == AppliesTo::Product(self)
        })
    }

    /// Every endpoint this product needs: its license update server (if any), then the
    /// certificate revocation endpoints shared by all products.
    pub fn endpoints(self) -> Vec<&'static AlkEndpoint> {
        ALK_ENDPOINTS
            .iter()
            .filter(|e| e.applies_to.includes(self))
            .collect()
    }
}

impl fmt::Display for AlkProduct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.full_name())
    }
}

impl From<AlkProduct> for &'static str {
    fn from(product: AlkProduct) -> Self {
        product.short_name()
    }
}

/// A product name that is not one of [`AlkProduct`]'s short names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown product {given:?}; valid products: {}",
    AlkProduct::ALL.map(|p| format!("{} ({})", p.short_name(), p.full_name())).join(", ")
)]
pub struct ParseAlkProductError {
    /// What was given.
    pub given: String,
}

impl FromStr for AlkProduct {
    type Err = ParseAlkProductError;

    /// Parses a short name (`vspc`, `vbr`, `vone`, `vb365`, `vro`, `vbsf`, `em`), ignoring
    /// case and surrounding spaces. A few spellings people are likely to type for the same
    /// product are accepted too (`vac`, `vao`, `m365`, `vbem`), since those are the host
    /// prefixes or older product names, and so is every name [`Product`] reads (`console`,
    /// `vbo`, `one`, ...) for the products VSPC licenses.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        let product = match name.as_str() {
            "vspc" | "vac" => Some(AlkProduct::Console),
            "em" | "vbem" => Some(AlkProduct::EnterpriseManager),
            "m365" => Some(AlkProduct::Vb365Server),
            "vro" | "vao" => Some(AlkProduct::RecoveryOrchestrator),
            "vbsf" => Some(AlkProduct::BackupForSalesforce),
            _ => name.parse::<Product>().ok().and_then(AlkProduct::of),
        };
        product.ok_or_else(|| ParseAlkProductError {
            given: s.to_owned(),
        })
    }
}

/// Which products an endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesTo {
    /// One product's license update server.
    Product(AlkProduct),
    /// Needed by every product (certificate revocation).
    EveryProduct,
}

impl AppliesTo {
    /// Whether `product` needs an endpoint with this scope.
    pub fn includes(self, product: AlkProduct) -> bool {
        match self {
            AppliesTo::Product(p) => p == product,
            AppliesTo::EveryProduct => true,
        }
    }
}

impl fmt::Display for AppliesTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppliesTo::Product(p) => f.write_str(p.full_name()),
            AppliesTo::EveryProduct => f.write_str("every product"),
        }
    }
}

/// Why a product talks to an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointPurpose {
    /// The server the product downloads license changes from (HTTPS).
    LicenseUpdate,
    /// An OCSP/CRL server needed to validate the license update server's certificate (HTTP).
    CertificateRevocation,
}

impl fmt::Display for EndpointPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointPurpose::LicenseUpdate => "license update",
            EndpointPurpose::CertificateRevocation => "certificate revocation",
        })
    }
}

/// One host and port that a product needs to reach for ALK Update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct AlkEndpoint {
    /// The product(s) that need it.
    pub applies_to: AppliesTo,
    /// The host name to connect to.
    pub host: &'static str,
    /// The TCP port.
    pub port: u16,
    /// Why it is needed.
    pub purpose: EndpointPurpose,
    /// What to allow in a firewall: the host itself, or the vendor's wildcard for the
    /// certificate revocation servers, of which `host` is one example.
    pub firewall_rule: &'static str,
    /// Whether an unreachable endpoint fails the check. The license update servers are
    /// required. The certificate revocation hosts are the vendor's examples of its wildcards and
    /// may change with the certificate, so an unreachable one is reported but does not fail
    /// the check on its own.
    pub required: bool,
}

impl AlkEndpoint {
    /// Column titles matching [`AlkEndpoint::table_row`].
    pub const TABLE_HEADER: [&'static str; 6] = [
        "Product",
        "Host",
        "Port",
        "Purpose",
        "Firewall rule",
        "Required",
    ];

    /// The endpoint as table cells.
    pub fn table_row(&self) -> [String; 6] {
        [
            self.applies_to.to_string(),
            self.host.to_owned(),
            self.port.to_string(),
            self.purpose.to_string(),
            self.firewall_rule.to_owned(),
            if self.required { "yes" } else { "no" }.to_owned(),
        ]
    }

    /// `host:port`.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl fmt::Display for AlkEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} ({} for {}{})",
            self.host,
            self.port,
            self.purpose,
            self.applies_to,
            if self.required { "" } else { ", optional" }
        )
    }
}

const fn license_server(product: AlkProduct, host: &'static str) -> AlkEndpoint {
    AlkEndpoint {
        applies_to: AppliesTo::Product(product),
        host,
        port: 443,
        purpose: EndpointPurpose::LicenseUpdate,
        firewall_rule: host,
        required: true,
    }
}

const fn revocation_server(host: &'static str, firewall_rule: &'static str) -> AlkEndpoint {
    AlkEndpoint {
        applies_to: AppliesTo::EveryProduct,
        host,
        port: 80,
        purpose: EndpointPurpose::CertificateRevocation,
        firewall_rule,
        required: false,
    }
}

/// Every endpoint of the vendor's ALK Update table. Enterprise Manager has no row here (the
/// vendor lists no server for it; see [`AlkProduct::note`]).
pub const ALK_ENDPOINTS: &[AlkEndpoint] = &[
    license_server(AlkProduct::Console, "vac.butler.veeam.com"),
    license_server(AlkProduct::BackupServer, "vbr.butler.veeam.com"),
    license_server(AlkProduct::VOneServer, "one.butler.veeam.com"),
    license_server(AlkProduct::Vb365Server, "vbo.butler.veeam.com"),
    license_server(AlkProduct::RecoveryOrchestrator, "vao.butler.veeam.com"),
    license_server(AlkProduct::BackupForSalesforce, "vbsf.butler.veeam.com"),
    revocation_server("o.ss2.us", "*.ss2.us"),
    revocation_server("ocsp.sca1b.amazontrust.com", "*.amazontrust.com"),
    revocation_server("ocsp.rootca1.amazontrust.com", "*.amazontrust.com"),
    revocation_server("ocsp.rootg2.amazontrust.com", "*.amazontrust.com"),
];

/// The endpoints the given products need, each once, in table order. No products means all.
pub fn endpoints_for(products: &[AlkProduct]) -> Vec<&'static AlkEndpoint> {
    ALK_ENDPOINTS
        .iter()
        .filter(|e| products.is_empty() || products.iter().any(|p| e.applies_to.includes(*p)))
        .collect()
}

/// One product's row of the vendor's table, for listing: its license update server, or the
/// note saying why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProductEndpoints {
    /// The product (serialised as its short name).
    pub product: AlkProduct,
    /// Its full name.
    pub name: &'static str,
    /// Its license update server, if the vendor lists one.
    pub license_update: Option<&'static AlkEndpoint>,
    /// Why there is none, or another remark.
    pub note: Option<&'static str>,
}

/// Every product with its license update server, in the vendor's order, Enterprise Manager
/// included (with `license_update: None` and a note). The certificate revocation endpoints
/// shared by all products are [`revocation_endpoints`].
pub fn product_table() -> Vec<ProductEndpoints> {
    AlkProduct::ALL
        .iter()
        .map(|&product| ProductEndpoints {
            product,
            name: product.full_name(),
            license_update: product.license_update_endpoint(),
            note: product.note(),
        })
        .collect()
}

/// The certificate revocation endpoints every product needs.
pub fn revocation_endpoints() -> Vec<&'static AlkEndpoint> {
    ALK_ENDPOINTS
        .iter()
        .filter(|e| e.purpose == EndpointPurpose::CertificateRevocation)
        .collect()
}
