//! `vspc_schema_list.rs`: a macro that hands every schema of the spec, as
//! `(Rust type, "SchemaName")`, to another macro, so that tests and fuzz targets cover every
//! type without a hand-kept list.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::enums::StringEnum;

/// `with_every_schema!`, over the schemas of the adapted `doc` (the hoisted envelopes
/// included); an enum's type lives in `enums`, every other in `types`.
pub fn schema_list(doc: &Value, enums: &BTreeMap<String, StringEnum>) -> TokenStream {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("schemas");
    let entries = schemas.keys().map(|name| {
        let module = format_ident!(
            "{}",
            if enums.contains_key(name) {
                "enums"
            } else {
                "types"
            }
        );
        let ty = format_ident!("{}", name);
        quote!(($crate::#module::#ty, #name),)
    });
    quote! {
        /// Calls `$callback!` with `(type, "SchemaName")` for every schema of the spec.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! with_every_schema {
            ($callback:ident) => {
                $callback! {
                    #(#entries)*
                }
            };
        }
    }
}
