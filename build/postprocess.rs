//! Changes to progenitor's output, made on the parsed code (syn) where the spec cannot say
//! them: the null policy, support ids read from numbers, and the older spellings of renamed
//! properties. Each is one function; [`apply`] runs them in order.

use crate::version_notes::{SchemaProperty, VersionNotes, WireName};

/// Every change to the generated client of the main API.
pub fn apply(file: &mut syn::File, notes: &VersionNotes) {
    // First: a field that reads numbers as text reads `null` lists as empty by itself,
    // and serde takes one `deserialize_with` per field.
    numbers_read_as_text(file, &notes.numbers_as_text);
    null_lists_read_as_empty(file);
    accept_older_wire_names(file, &notes.wire_names);
    errors_name_their_operation(file);
    crate::defaults::derive_default_where_every_field_can(file);
}

/// The null policy (docs/veeam-documents.md, "Null policy"; the spec's
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
    for structure in generated_structs(file) {
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

/// The support ids of the 3.5.1 document (the spec's `x-decision-support-ids`): each property
/// noted `also-read: number` reads a JSON whole number as its decimal text, through
/// `crate::model::compat::number_as_text` (an optional string), `required_number_as_text` (a
/// required one) or `numbers_as_text` (a list, which also reads `null` as empty). Fails the
/// build when a noted field cannot be found or has another type, so a change in the
/// generator's output cannot silently drop the tolerant read.
pub fn numbers_read_as_text(file: &mut syn::File, noted: &[SchemaProperty]) {
    let mut found = Vec::new();
    for structure in generated_structs(file) {
        let schema = structure.ident.to_string();
        let syn::Fields::Named(fields) = &mut structure.fields else {
            continue;
        };
        for field in &mut fields.named {
            let Some(note) = noted.iter().find(|note| {
                note.schema == schema && serde_rename(field).as_deref() == Some(&note.property)
            }) else {
                continue;
            };
            let shape = type_shape(&field.ty);
            let shape: Vec<&str> = shape.iter().map(String::as_str).collect();
            let (reader, needs_default) = match shape.as_slice() {
                ["Option", "String"] => ("number_as_text", true),
                ["String"] => ("required_number_as_text", false),
                ["Vec", "String"] => ("numbers_as_text", true),
                other => panic!(
                    "also-read: number on {schema}.{}, whose generated type {other:?} \
                     is not a string nor a list of strings",
                    note.property
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
            found.push(note);
        }
    }
    for note in noted {
        assert!(
            found.contains(&note),
            "generated code has no field {}.{} (also-read: number)",
            note.schema,
            note.property
        );
    }
}

/// A property some versions spell differently reads under either spelling: the generated
/// field gets a serde `alias`. Fails the build when the field cannot be found, so a change in
/// the generator's output cannot silently drop the alias.
pub fn accept_older_wire_names(file: &mut syn::File, wire_names: &[WireName]) {
    for WireName {
        schema,
        property,
        spelling,
        ..
    } in wire_names
    {
        let structure = generated_structs(file)
            .find(|s| s.ident == schema)
            .unwrap_or_else(|| panic!("generated code has no struct {schema}"));
        let field = structure
            .fields
            .iter_mut()
            .find(|f| serde_rename(f).as_deref() == Some(property.as_str()))
            .unwrap_or_else(|| panic!("generated struct {schema} has no field {property}"));
        field
            .attrs
            .push(syn::parse_quote!(#[serde(alias = #spelling)]));
    }
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

/// `?` on a generated call turns its `progenitor_client::Error` into the crate's `Error`, which
/// names the operation that failed; progenitor's error does not say. So every builder's `send()`
/// hands its error to `crate::client::operation_mark::mark` with the operation's generated name
/// (the `operation_id` of its `OperationInfo`). What `send()` takes and returns is unchanged.
pub fn errors_name_their_operation(file: &mut syn::File) {
    let builders = file
        .items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
            _ => None,
        })
        .flat_map(|(_, items)| items.iter_mut());
    for item in builders {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        for item in &mut block.items {
            let syn::ImplItem::Fn(send) = item else {
                continue;
            };
            if send.sig.ident != "send" {
                continue;
            }
            let syn::ReturnType::Type(_, returns) = &send.sig.output else {
                panic!("progenitor's send() returns a Result");
            };
            let operation = operation_info_name(&send.block)
                .expect("progenitor's send() names its operation in an OperationInfo");
            let statements = &send.block.stmts;
            send.block = syn::parse_quote!({
                let result: #returns = async move { #(#statements)* }.await;
                result.map_err(|error| crate::client::operation_mark::mark(error, #operation))
            });
        }
    }
}

/// The `operation_id` of the `let info = OperationInfo { operation_id: "..." };` in a body.
fn operation_info_name(body: &syn::Block) -> Option<syn::LitStr> {
    body.stmts.iter().find_map(|statement| {
        let syn::Stmt::Local(local) = statement else {
            return None;
        };
        let syn::Expr::Struct(info) = &*local.init.as_ref()?.expr else {
            return None;
        };
        if !info.path.is_ident("OperationInfo") {
            return None;
        }
        info.fields
            .iter()
            .find_map(|field| match (&field.member, &field.expr) {
                (
                    syn::Member::Named(name),
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ) if name == "operation_id" => Some(text.clone()),
                _ => None,
            })
    })
}
