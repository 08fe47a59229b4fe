//! Changes to progenitor's output, made on the parsed code (syn) where the spec cannot say them.

/// The null policy (README, "Veeam's documents as the oracle"; the spec's
/// `x-decision-nulls`). VSPC is a .NET server, which writes a list or map it never filled as
/// `null` rather than `[]`/`{}` or leaving it out, whatever the schema says: Veeam's own
/// response examples do so for the report lists (`clonedCloudServers`,
/// `unsupportedCloudServers`, `notCollectedCloudServers`, `usageDetails[].clonedClientServers`,
/// ...) in every version from 3.5.1 to 3.7, where the schemas allow no null. A `null` list
/// means "no items", so every list and map field of the generated types reads `null` as empty
/// (`crate::model::nulls::null_as_empty`). Optional scalars, strings and objects are `Option`s
/// already and read `null` as `None`; a `null` where the spec requires a string, number or
/// object is still an error, because it cannot be read without guessing a value.
///
/// This is done on the generated code rather than on the spec copy: marking the properties
/// `nullable` would turn every `Vec<T>` into `Option<Vec<T>>` in the public types, and give
/// callers two spellings of "no items". The attribute is added to fields of the `types`
/// module's structs whose type is `Vec<..>` or `HashMap<..>`; encoding is unchanged.
pub fn null_lists_read_as_empty(file: &mut syn::File) {
    fn is_collection(ty: &syn::Type) -> bool {
        matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec" || s.ident == "HashMap"))
    }
    // An optional string with a default of its own (ResponseError.message, absent from a
    // throttling answer) is a plain `String` with `#[serde(default)]`: a `null` there means
    // absent too, so it reads as the (empty) default.
    fn is_defaulted_string(field: &syn::Field) -> bool {
        last_segment(&field.ty) == Some("String".to_owned()) && has_serde_flag(field, "default")
    }
    let attribute: syn::Attribute =
        syn::parse_quote!(#[serde(deserialize_with = "crate::model::nulls::null_as_empty")]);
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
        for item in items {
            let syn::Item::Struct(structure) = item else {
                continue;
            };
            let syn::Fields::Named(fields) = &mut structure.fields else {
                continue;
            };
            for field in &mut fields.named {
                if has_serde_value(field, "deserialize_with") {
                    continue;
                }
                if is_collection(&field.ty) || is_defaulted_string(field) {
                    field.attrs.push(attribute.clone());
                }
            }
        }
    }
}

/// The support ids of the 3.5.1 document (the spec's `x-decision-support-ids`): each property
/// noted `also-read: number` reads a JSON whole number as its decimal text, through
/// `crate::model::compat::number_as_text` (an optional string), `required_number_as_text` (a
/// required one) or `numbers_as_text` (a list, which also reads `null` as empty). Fails the
/// build when a noted field cannot be found or has another type, so a change in the
/// generator's output cannot silently drop the tolerant read.
pub fn numbers_read_as_text(file: &mut syn::File, noted: &[(String, String)]) {
    let mut found = Vec::new();
    for structure in generated_structs(file) {
        let schema = structure.ident.to_string();
        let syn::Fields::Named(fields) = &mut structure.fields else {
            continue;
        };
        for field in &mut fields.named {
            let Some(property) = noted
                .iter()
                .filter(|(s, _)| *s == schema)
                .map(|(_, p)| p)
                .find(|p| serde_rename(field).as_deref() == Some(p.as_str()))
            else {
                continue;
            };
            let shape = type_shape(&field.ty);
            let shape: Vec<&str> = shape.iter().map(String::as_str).collect();
            let (reader, needs_default) = match shape.as_slice() {
                ["Option", "String"] => ("number_as_text", true),
                ["String"] => ("required_number_as_text", false),
                ["Vec", "String"] => ("numbers_as_text", true),
                other => panic!(
                    "also-read: number on {schema}.{property}, whose generated type {other:?} \
                     is not a string nor a list of strings"
                ),
            };
            let path = format!("crate::model::compat::{reader}");
            field
                .attrs
                .push(syn::parse_quote!(#[serde(deserialize_with = #path)]));
            // With `deserialize_with`, serde no longer treats a missing `Option` as `None`.
            if needs_default && !has_serde_flag(field, "default") {
                field.attrs.push(syn::parse_quote!(#[serde(default)]));
            }
            found.push((schema.clone(), property.clone()));
        }
    }
    for note in noted {
        assert!(
            found.contains(note),
            "generated code has no field {}.{} (also-read: number)",
            note.0,
            note.1
        );
    }
}

/// A property some versions spell differently reads under either spelling: the generated
/// field gets a serde `alias`. Fails the build when the field cannot be found, so a change in
/// the generator's output cannot silently drop the alias.
pub fn accept_older_wire_names(
    mut code: String,
    wire_names: &[(String, String, String, String)],
) -> String {
    for (schema, property, spelling, _) in wire_names {
        let start = code
            .find(&format!("pub struct {schema} {{"))
            .unwrap_or_else(|| panic!("generated code has no struct {schema}"));
        let end = start + code[start..].find("\n    }").expect("the struct ends");
        let attribute = format!("rename = \"{property}\",");
        let at = code[start..end]
            .find(&attribute)
            .map(|i| start + i + attribute.len())
            .unwrap_or_else(|| panic!("generated struct {schema} has no field {property}"));
        code.insert_str(at, &format!(" alias = \"{spelling}\","));
    }
    code
}

/// The structs of the generated `types` module.
pub fn generated_structs(file: &mut syn::File) -> impl Iterator<Item = &mut syn::ItemStruct> {
    file.items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "types" => module.content.as_mut(),
            _ => None,
        })
        .flat_map(|(_, items)| items.iter_mut())
        .filter_map(|item| match item {
            syn::Item::Struct(structure) => Some(structure),
            _ => None,
        })
}

/// The names a type is built of, outermost first, following first type arguments:
/// `Option<String>` is `["Option", "String"]`.
pub fn type_shape(ty: &syn::Type) -> Vec<String> {
    let mut shape = Vec::new();
    let mut current = Some(ty);
    while let Some(syn::Type::Path(p)) = current {
        let Some(segment) = p.path.segments.last() else {
            break;
        };
        shape.push(segment.ident.to_string());
        current = match &segment.arguments {
            syn::PathArguments::AngleBracketed(arguments) => {
                arguments.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(inner) => Some(inner),
                    _ => None,
                })
            }
            _ => None,
        };
    }
    shape
}

pub fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Calls `each(name, value)` for every item of the field's `#[serde(..)]` attributes; `value`
/// is the text of what follows `=`, if anything does.
pub fn serde_items(field: &syn::Field, mut each: impl FnMut(&syn::Path, Option<syn::Expr>)) {
    for attribute in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attribute.parse_nested_meta(|meta| {
            let value = if meta.input.peek(syn::Token![=]) {
                Some(meta.value()?.parse::<syn::Expr>()?)
            } else {
                None
            };
            each(&meta.path, value);
            Ok(())
        });
    }
}

/// Whether the field carries the bare serde flag `name` (`default`, not `default = "path"`).
pub fn has_serde_flag(field: &syn::Field, name: &str) -> bool {
    let mut found = false;
    serde_items(field, |path, value| {
        found |= value.is_none() && path.is_ident(name)
    });
    found
}

/// Whether the field carries serde's `name = ...`.
pub fn has_serde_value(field: &syn::Field, name: &str) -> bool {
    let mut found = false;
    serde_items(field, |path, value| {
        found |= value.is_some() && path.is_ident(name)
    });
    found
}

/// The wire name of a field (`rename = "..."`).
pub fn serde_rename(field: &syn::Field) -> Option<String> {
    let mut name = None;
    serde_items(field, |path, value| {
        if let (
            true,
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            })),
        ) = (path.is_ident("rename"), value)
        {
            name = Some(text.value());
        }
    });
    name
}
