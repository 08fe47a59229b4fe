//! The null policy of the generated types: a `null` list or map reads as empty.
//!
//! VSPC is a .NET server, and .NET writes a list it never filled as `null`, whatever the
//! schema says; Veeam's own examples do so in every API version (the report lists such as
//! `clonedCloudServers`). The build script (`build/postprocess.rs`, `null_lists_read_as_empty`) puts [`null_as_empty`] on
//! every list and map field of the generated types, so such an answer decodes to an empty
//! list instead of failing. See docs/veeam-documents.md, "Null policy".

use serde::{Deserialize, Deserializer};

/// Reads a value of `T`, or `null` as `T::default()` (an empty list or map).
pub fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}
