//! Secrets out of `Debug`: the generated structs with a property the spec marks
//! `format: password` print it redacted.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::openapi::properties_of;
use crate::postprocess::serde_rename;

/// The properties the spec marks `format: password` (tokens, the password, one-time codes):
/// `(schema, property)` pairs.
pub fn secret_properties(doc: &Value) -> Vec<(String, String)> {
    let mut secrets = Vec::new();
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return secrets;
    };
    for (schema, body) in schemas {
        for (property, definition) in properties_of(body) {
            if definition.get("format").and_then(Value::as_str) == Some("password") {
                secrets.push((schema.clone(), property.clone()));
            }
        }
    }
    secrets
}

/// Secrets stay out of `Debug` output (docs/security.md, "Secrets"): a generated struct with a
/// property the spec marks `format: password` (the token request's password and refresh token,
/// the token answer's tokens) loses its derived `Debug` for one that prints such a field as
/// `***` (`Some(***)` when it is set), through `crate::model::redacted`. The struct's builder in
/// `types::builder` gets the same. Fails the build when a marked property has no field, so a
/// change in the generator's output cannot silently print secrets again.
pub fn secrets_redacted_in_debug(file: &mut syn::File, secrets: &[(String, String)]) {
    let mut found = Vec::new();
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = module.content.as_mut() else {
            continue;
        };
        // The field names of each marked struct, taken from the type itself (serde's rename
        // or the field's name) and used for its builder too.
        let mut secret_fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in items.iter() {
            let syn::Item::Struct(structure) = item else {
                continue;
            };
            let schema = structure.ident.to_string();
            let syn::Fields::Named(fields) = &structure.fields else {
                continue;
            };
            for field in &fields.named {
                let ident = field.ident.as_ref().expect("named").to_string();
                let wire = serde_rename(field).unwrap_or_else(|| ident.clone());
                if secrets.contains(&(schema.clone(), wire.clone())) {
                    secret_fields.entry(schema.clone()).or_default().push(ident);
                    found.push((schema.clone(), wire));
                }
            }
        }
        redact_structs(items, &secret_fields);
        for item in items.iter_mut() {
            if let syn::Item::Mod(builder) = item {
                if builder.ident == "builder" {
                    if let Some((_, builders)) = builder.content.as_mut() {
                        redact_structs(builders, &secret_fields);
                    }
                }
            }
        }
    }
    for secret in secrets {
        assert!(
            found.contains(secret),
            "generated code has no field {}.{} (format: password)",
            secret.0,
            secret.1
        );
    }
}

/// Replaces the derived `Debug` of each struct named in `secret_fields` with one that prints
/// those fields redacted.
fn redact_structs(items: &mut Vec<syn::Item>, secret_fields: &BTreeMap<String, Vec<String>>) {
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        let syn::Item::Struct(structure) = item else {
            continue;
        };
        let name = structure.ident.to_string();
        let Some(secret) = secret_fields.get(&name) else {
            continue;
        };
        let syn::Fields::Named(fields) = &structure.fields else {
            continue;
        };
        let mut removed = false;
        for attribute in structure
            .attrs
            .iter_mut()
            .filter(|a| a.path().is_ident("derive"))
        {
            let derives = attribute
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .expect("a derive list");
            let kept: Vec<&syn::Path> = derives
                .iter()
                .filter(|path| !path.segments.last().is_some_and(|s| s.ident == "Debug"))
                .collect();
            removed |= kept.len() < derives.len();
            *attribute = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        assert!(removed, "{name} derives no Debug to replace");
        let mut shown: syn::Expr = syn::parse_quote!(f.debug_struct(#name));
        for field in &fields.named {
            let ident = field.ident.as_ref().expect("named");
            let label = ident.to_string();
            shown = if secret.contains(&label) {
                syn::parse_quote!(#shown.field(#label, &crate::model::redacted::Redacted(&self.#ident)))
            } else {
                syn::parse_quote!(#shown.field(#label, &self.#ident))
            };
        }
        let ident = &structure.ident;
        impls.push(syn::parse_quote! {
            impl ::std::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    #shown.finish()
                }
            }
        });
    }
    items.extend(impls);
}
