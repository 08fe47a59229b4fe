//! Veeam's own API documents as the oracle of the wire format: loading them (`documents`),
//! reading the Swagger 2.0 one (`swagger2`), and the structural facts compared with the spec
//! (`facts`).

pub mod deviations;
pub mod documents;
pub mod examples;
pub mod facts;
pub mod swagger2;
