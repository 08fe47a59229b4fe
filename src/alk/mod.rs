//! Automatic License Key Update (ALK Update): which servers a Veeam product must reach to pick
//! up license changes, and a reachability check for them.
//!
//! With ALK Update on, a Veeam server fetches changes made to its license in VCSP Pulse (new
//! expiry date, new counters) straight from a per-product license update server under
//! `butler.veeam.com`, over HTTPS. The TLS handshake in turn needs the certificate
//! revocation (OCSP/CRL) servers of the certificate's issuer, over plain HTTP. A firewall that
//! blocks either leaves the license to run out or hit its capacity.
//!
//! - [`ALK_ENDPOINTS`] is the vendor's table as data, the only place the host names live;
//!   [`AlkProduct`] names the products and parses the short names the CLI uses.
//! - [`check`] resolves and TCP-connects to a set of endpoints concurrently, each bounded by a
//!   timeout, and [`CheckSummary`] turns the outcomes into pass or fail.
//! - [`ResolveOverrides`] redirects names like curl's `--resolve`/`--connect-to`, so that the
//!   check can be pointed at a proxy, a test listener, or a name that must fail.

mod check;
mod overrides;
mod table;

pub use check::{
    check, check_with, CheckOptions, CheckOutcome, CheckSummary, Connector, EndpointCheck,
    TcpConnector,
};
pub use overrides::{OverrideTarget, ParseResolveError, ResolveOverride, ResolveOverrides};
pub use table::{
    endpoints_for, product_table, revocation_endpoints, AlkEndpoint, AlkProduct, AppliesTo,
    EndpointPurpose, ParseAlkProductError, ProductEndpoints, ALK_ENDPOINTS,
};
