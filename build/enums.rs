//! The spec's named string enums: each becomes a hand-rolled forward-compatible type (see
//! `src/model/enums.rs`) in place of the closed enum typify would generate, because a closed
//! enum makes one unlisted value lose the whole response. `vspc_enums.rs` holds one
//! `forward_compatible_enum!` invocation per enum.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{json, Value};

use crate::version_notes::AlsoRead;

/// A named `type: string` schema with an `enum`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringEnum {
    /// The values in the spec's spelling and order (the spec's own `Unknown` included).
    pub values: Vec<String>,
    /// The schema's description, or empty.
    pub description: String,
}

/// Every named string enum of `doc`, by schema name.
pub fn string_enums(doc: &Value) -> BTreeMap<String, StringEnum> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("schemas");
    schemas
        .iter()
        .filter(|(_, s)| s.get("type") == Some(&json!("string")) && s.get("enum").is_some())
        .map(|(name, s)| {
            let values = s["enum"]
                .as_array()
                .expect("enum is a list")
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let description = s
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (
                name.clone(),
                StringEnum {
                    values,
                    description,
                },
            )
        })
        .collect()
}

/// `vspc_enums.rs`: one `forward_compatible_enum!` per enum, with the other spellings its
/// `x-vspc-versions` note lets a reader accept.
pub fn enum_invocations(
    enums: &BTreeMap<String, StringEnum>,
    also_read: &BTreeMap<String, Vec<AlsoRead>>,
) -> TokenStream {
    let invocations = enums.iter().map(|(name, declared)| {
        let ident = format_ident!("{}", name);
        let docs = declared.description.lines();
        // The spec's own `Unknown` is the `Unknown(String)` variant the macro always adds.
        let (variants, wires): (Vec<_>, Vec<_>) = declared
            .values
            .iter()
            .filter(|v| v.as_str() != "Unknown")
            .map(|value| (variant(name, value), value))
            .unzip();
        let listed = &declared.values;
        let aliases = also_read.get(name).into_iter().flatten().map(|alias| {
            let (spelling, value) = (&alias.spelling, &alias.value);
            quote!((#spelling, #value))
        });
        quote! {
            forward_compatible_enum! {
                #(#[doc = #docs])*
                #ident {
                    #(#variants = #wires,)*
                }
                listed [#(#listed),*]
                also_read [#(#aliases),*]
            }
        }
    });
    quote!(#(#invocations)*)
}

/// The variant a value becomes; fails the build on a value no Rust name can be made from.
fn variant(enumeration: &str, value: &str) -> proc_macro2::Ident {
    let name = variant_ident(value);
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric()) && !name.is_empty(),
        "{enumeration}: the value {value:?} cannot name a Rust variant ({name:?})"
    );
    format_ident!("{}", name)
}

/// `retryableLogical` -> `RetryableLogical`, `VBR_VM` -> `VbrVm`, `ONE` -> `One`.
pub fn variant_ident(value: &str) -> String {
    let mut out = String::new();
    for word in value.split(['_', '-', ' ']) {
        let all_upper = word.chars().all(|c| !c.is_ascii_lowercase());
        for (i, c) in word.chars().enumerate() {
            match (i, all_upper) {
                (0, _) => out.push(c.to_ascii_uppercase()),
                (_, true) => out.push(c.to_ascii_lowercase()),
                (_, false) => out.push(c),
            }
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}
