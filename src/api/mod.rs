//! The licensing API as callers use it: the product table and the per-product license
//! operations, usage reports, license file upload, list queries and the paging streams that walk
//! them, JSON Patch documents, and VCSP Pulse (rental licenses issued and changed by the provider).

pub(crate) mod base64;
pub(crate) mod licenses;
pub(crate) mod paging;
pub(crate) mod patch;
pub(crate) mod product;
pub(crate) mod pulse;
pub(crate) mod query;
pub(crate) mod reports;
pub(crate) mod upload;
