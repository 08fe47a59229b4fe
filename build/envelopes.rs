//! The response envelopes: hoisted out of the operations into named schemas, and listed for
//! `src/model/envelope.rs` (`vspc_envelopes.rs`, one `envelope!` invocation each).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{json, Map, Value};

use crate::openapi::{for_each_operation, resolve, schema_reference};

/// What an envelope's `data` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// One resource.
    Single,
    /// A page of resources.
    Collection,
}

/// A response envelope, named after what it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The schema the envelope is hoisted under (`SiteLicenseResponse`).
    pub name: String,
    /// The schema of the resource in `data` (`SiteLicense`).
    pub item: String,
    pub kind: EnvelopeKind,
}

/// The vendor writes every response envelope inline, so a generator names one type per
/// operation (`GetSiteLicenseResponse`, `PatchSiteLicenseResponse`, ...) for what is the same
/// shape. The copy names each envelope after what it carries (`SiteLicenseResponse` for one
/// license, `SiteLicenseCollection` for a list) so that every operation on a resource returns
/// the same type. Returns the envelopes, ordered by name.
pub fn hoist_response_envelopes(doc: &mut Value) -> Vec<Envelope> {
    let responses = doc
        .pointer("/components/responses")
        .cloned()
        .unwrap_or(Value::Null);
    let mut envelopes = BTreeMap::new();
    let mut hoisted = Map::new();
    for_each_operation(doc, |_, _, op| {
        let Some(ok) = op.pointer_mut("/responses/200") else {
            return;
        };
        let resolved = resolve(ok, &responses, "#/components/responses/").clone();
        let Some(schema) = resolved.pointer("/content/application~1json/schema") else {
            return;
        };
        let Some(data) = schema.pointer("/properties/data") else {
            return;
        };
        let Some(reference) = schema_reference(data) else {
            return;
        };
        let (item, collection) = (reference.name.to_owned(), reference.is_list);
        let kind = if collection {
            EnvelopeKind::Collection
        } else {
            EnvelopeKind::Single
        };
        let name = format!(
            "{item}{}",
            if collection { "Collection" } else { "Response" }
        );
        let mut schema = schema.clone();
        schema["description"] = json!(format!(
            "The envelope VSPC wraps around {}.",
            if collection {
                format!("a list of `{item}`")
            } else {
                format!("one `{item}`")
            }
        ));
        hoisted.insert(name.clone(), schema);
        envelopes.insert(
            name.clone(),
            Envelope {
                name: name.clone(),
                item,
                kind,
            },
        );
        let mut response = resolved;
        response["content"]["application/json"]["schema"] =
            json!({ "$ref": format!("#/components/schemas/{name}") });
        *ok = response;
    });
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("schemas");
    schemas.extend(hoisted);
    envelopes.into_values().collect()
}

/// `vspc_envelopes.rs`: `envelope!(single Name => Item);` or `envelope!(collection ...)`.
pub fn envelope_invocations(envelopes: &[Envelope]) -> TokenStream {
    let invocations = envelopes.iter().map(|envelope| {
        let kind = format_ident!(
            "{}",
            match envelope.kind {
                EnvelopeKind::Single => "single",
                EnvelopeKind::Collection => "collection",
            }
        );
        let (name, item) = (
            format_ident!("{}", envelope.name),
            format_ident!("{}", envelope.item),
        );
        quote!(envelope!(#kind #name => #item);)
    });
    quote!(#(#invocations)*)
}
