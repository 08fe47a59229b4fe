//! Generates the typed client from `spec/vspc-licensing.yaml` with progenitor.
//!
//! The spec stays faithful to the vendor's wire format. progenitor 0.15 cannot take some of what
//! the vendor writes, so this script adapts an in-memory copy first. Every adaptation is one
//! named function below with the reason it exists; nothing else changes the document.
//!
//! Besides the client (`vspc_client.rs`) the script writes two small files derived from the
//! spec: `vspc_enums.rs`, one `forward_compatible_enum!` invocation per named string enum (the
//! enum machinery itself is hand-written in `src/model/enums.rs`), and `vspc_envelopes.rs`, one
//! `envelope!` invocation per response envelope (see `src/model/envelope.rs`), and
//! `vspc_spec_facts.rs`, the facts hand-written code would otherwise restate (every operation
//! with its method and path, the multipart installs, the base path, the paging bounds; see
//! `src/model/spec_facts.rs`).
//!
//! No network access, no tools beyond the crate's build-dependencies: the crate builds offline
//! from a `cargo vendor` tree.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

#[path = "build/defaults.rs"]
mod defaults;
#[path = "build/overlays.rs"]
mod overlays;

const SPEC: &str = "spec/vspc-licensing.yaml";
const LEGACY_SPEC: &str = "spec/vac-v2-licensing.yaml";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed={LEGACY_SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=src/overlay/apply.rs");
    let shipped_text = std::fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let spec = overlays::effective_spec(load(SPEC), &shipped_text, &out_dir);
    write(&out_dir.join("vspc_spec_facts.rs"), &spec_facts(&spec));
    let mut doc = spec.clone();
    normalise(&mut doc);
    let enums = string_enums(&doc);
    let envelopes = hoist_response_envelopes(&mut doc);

    let versions = VersionNotes::read(&doc);
    write(
        &out_dir.join("vspc_enums.rs"),
        &enum_invocations(&enums, &versions.also_read),
    );
    write(&out_dir.join("vspc_versions.rs"), &versions.tables());
    write(
        &out_dir.join("vspc_envelopes.rs"),
        &envelope_invocations(&envelopes),
    );
    write(
        &out_dir.join("vspc_schema_list.rs"),
        &schema_list(&doc, &enums),
    );
    let replacements: Vec<(String, String)> = enums
        .keys()
        // The public path (the root re-exports `enums`), as callers and the surface snapshot see it.
        .map(|name| (name.clone(), format!("crate::enums::{name}")))
        .collect();
    let client = accept_older_wire_names(
        generate(&doc, &replacements, &versions.numbers_as_text, true),
        &versions.wire_names,
    );
    check_generated_names(&declared_operations(&spec), &client);
    write(&out_dir.join("vspc_client.rs"), &client);

    // The legacy v2 client is compiled only with the `legacy` feature.
    if std::env::var_os("CARGO_FEATURE_LEGACY").is_some() && Path::new(LEGACY_SPEC).exists() {
        let legacy = load(LEGACY_SPEC);
        write(
            &out_dir.join("vac_v2_client.rs"),
            &generate(&legacy, &[], &[], false),
        );
    }
}

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

fn write(path: &Path, text: &str) {
    // Only touch the file when it changes, so that dependent compilation stays cached.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// Runs every adaptation.
fn normalise(doc: &mut Value) {
    json_content_parameters_to_strings(doc);
    property_paths_stay_plain_strings(doc);
    remove_multipart_operations(doc);
    for_each_operation(doc, |_, _, op| {
        token_errors_are_oauth_errors(op);
        default_response_to_error_ranges(op);
        drop_accepted_responses(op);
        drop_codes_covered_by_ranges(op);
    });
}

/// `filter`, `sort` and `select` travel as JSON text in the query string, which OpenAPI 3
/// writes as a parameter with `content: application/json`. progenitor rejects such
/// parameters, so the copy declares them as plain strings; the crate's typed builders in
/// `src/api/query.rs` produce the JSON text.
fn json_content_parameters_to_strings(doc: &mut Value) {
    let description = "JSON text; build it with the typed helpers in `vspc_licensing::query`.";
    let rewrite = |param: &mut Value| {
        if param.get("content").is_some() {
            let map = param.as_object_mut().expect("a parameter is an object");
            map.remove("content");
            map.insert(
                "schema".into(),
                json!({ "type": "string", "description": description }),
            );
        }
    };
    if let Some(params) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        params.values_mut().for_each(rewrite);
    }
    for_each_operation(doc, |_, _, op| {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.iter_mut().for_each(rewrite);
        }
    });
}

/// The spec constrains the property paths of `filter`, `sort` and `select` (non-empty,
/// `.`-separated names), which is what servers and validators need. typify would turn each
/// constrained string into a newtype whose every construction can fail; the crate's typed
/// builders (`src/api/query.rs`) take names from code, so the copy keeps them plain strings.
fn property_paths_stay_plain_strings(doc: &mut Value) {
    for (schema, property) in [
        ("FilterExpression", "property"),
        ("SortExpression", "property"),
        ("SelectExpression", "propertyPath"),
    ] {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        if let Some(map) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            map.remove("pattern");
            map.remove("minLength");
        }
    }
}

/// progenitor 0.15 cannot encode `multipart/form-data` bodies ("unexpected content type").
/// The five license installs are written by hand in `src/api/upload.rs` on top of the generated
/// client, with the same hooks and return types; `vspc_spec_facts.rs` lists them.
fn remove_multipart_operations(doc: &mut Value) {
    let bodies = doc
        .pointer("/components/requestBodies")
        .cloned()
        .unwrap_or(Value::Null);
    let paths = doc["paths"].as_object_mut().expect("the spec has paths");
    for item in paths.values_mut() {
        let item = item.as_object_mut().expect("a path item is an object");
        let methods: Vec<String> = item.keys().cloned().collect();
        for method in methods {
            if is_multipart(&item[&method], &bodies) {
                item.remove(&method);
            }
        }
    }
}

/// Whether the operation's request body is `multipart/form-data`.
fn is_multipart(op: &Value, bodies: &Value) -> bool {
    op.get("requestBody")
        .map(|body| resolve(body, bodies, "#/components/requestBodies/"))
        .and_then(|body| body.get("content"))
        .and_then(Value::as_object)
        .is_some_and(|content| content.contains_key("multipart/form-data"))
}

/// `POST /token` answers refusals with an `OAuth2Error` body under `400`, and anything else
/// with the shared `ErrorResponse`. progenitor allows one error type per operation, and for a
/// token request the OAuth error is the one callers act on; other statuses then arrive as
/// unexpected responses, which the hand-written auth code reports with their body.
fn token_errors_are_oauth_errors(op: &mut Value) {
    let has_oauth_400 = op.pointer("/responses/400/content/application~1json/schema/$ref")
        == Some(&json!("#/components/schemas/OAuth2Error"));
    if has_oauth_400 {
        op["responses"]
            .as_object_mut()
            .expect("responses")
            .remove("default");
    }
}

/// progenitor treats `default` as a possible success as well, and then refuses an operation
/// whose success and default bodies differ (upstream issue #950). The vendor's `default` only
/// ever describes errors (4xx keep their code, 5xx arrive as 520), which `4XX` and `5XX`
/// ranges say exactly.
fn default_response_to_error_ranges(op: &mut Value) {
    let responses = op["responses"].as_object_mut().expect("responses");
    if let Some(default) = responses.remove("default") {
        responses.insert("4XX".into(), default.clone());
        responses.insert("5XX".into(), default);
    }
}

/// A `202` has no body beside a JSON `200`, which progenitor cannot type. The client's
/// `exec` hook (`src/client/hooks.rs`) follows a `202` to the async action's result and hands the
/// generated code that result as if the operation had answered at once, so the generated code
/// never sees a `202`.
fn drop_accepted_responses(op: &mut Value) {
    op["responses"]
        .as_object_mut()
        .expect("responses")
        .remove("202");
}

/// An explicit `520` sits behind the `5XX` range and cannot be reached; progenitor's mock
/// generator also has no reason phrase for it. A 520 still arrives as a typed error response.
fn drop_codes_covered_by_ranges(op: &mut Value) {
    let responses = op["responses"].as_object_mut().expect("responses");
    let ranges: Vec<char> = responses
        .keys()
        .filter(|k| k.ends_with("XX"))
        .filter_map(|k| k.chars().next())
        .collect();
    responses.retain(|code, _| {
        code.ends_with("XX")
            || code.parse::<u16>().is_err()
            || !ranges.contains(&code.chars().next().unwrap_or(' '))
    });
}

/// The vendor writes every response envelope inline, so a generator names one type per
/// operation (`GetSiteLicenseResponse`, `PatchSiteLicenseResponse`, ...) for what is the same
/// shape. The copy names each envelope after what it carries (`SiteLicenseResponse` for one
/// license, `SiteLicenseCollection` for a list) so that every operation on a resource returns
/// the same type. Returns envelope name -> data item type and whether it is a collection.
fn hoist_response_envelopes(doc: &mut Value) -> BTreeMap<String, (String, bool)> {
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
        let (item, collection) = match (data.get("$ref"), data.pointer("/items/$ref")) {
            (Some(r), _) => (r, false),
            (None, Some(r)) => (r, true),
            _ => return,
        };
        let item = item
            .as_str()
            .expect("$ref is a string")
            .rsplit('/')
            .next()
            .expect("named")
            .to_owned();
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
        envelopes.insert(name.clone(), (item, collection));
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
    envelopes
}

/// Named `type: string` schemas with an `enum`: each becomes a hand-rolled forward-compatible
/// type (see `src/model/enums.rs`) in place of the closed enum typify would generate, because a
/// closed enum makes one unlisted value lose the whole response.
fn string_enums(doc: &Value) -> BTreeMap<String, (Vec<String>, String)> {
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
            let doc = s
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (name.clone(), (values, doc))
        })
        .collect()
}

fn enum_invocations(
    enums: &BTreeMap<String, (Vec<String>, String)>,
    also_read: &BTreeMap<String, Vec<(String, String)>>,
) -> String {
    let mut out =
        String::from("// generated by build.rs from the spec's named string enums; do not edit\n");
    for (name, (values, doc)) in enums {
        let _ = writeln!(out, "forward_compatible_enum! {{");
        for line in doc.lines() {
            let _ = writeln!(out, "    #[doc = {line:?}]");
        }
        let _ = writeln!(out, "    {name} {{");
        for value in values.iter().filter(|v| v.as_str() != "Unknown") {
            let _ = writeln!(out, "        {} = {value:?},", variant_ident(value));
        }
        let _ = writeln!(out, "    }}");
        let listed: Vec<&String> = values.iter().collect();
        let _ = writeln!(out, "    listed {listed:?}");
        let aliases: Vec<String> = also_read
            .get(name)
            .into_iter()
            .flatten()
            .map(|(spelling, value)| format!("({spelling:?}, {value:?})"))
            .collect();
        let _ = writeln!(out, "    also_read [{}]", aliases.join(", "));
        let _ = writeln!(out, "}}");
    }
    out
}

fn envelope_invocations(envelopes: &BTreeMap<String, (String, bool)>) -> String {
    let mut out =
        String::from("// generated by build.rs from the spec's response envelopes; do not edit\n");
    for (name, (item, collection)) in envelopes {
        let kind = if *collection { "collection" } else { "single" };
        let _ = writeln!(out, "envelope!({kind} {name} => {item});");
    }
    out
}

/// A macro that hands every schema of the spec, as `(Rust type, "SchemaName")`, to another
/// macro: tests and fuzz targets cover every type without a hand-kept list.
fn schema_list(doc: &Value, enums: &BTreeMap<String, (Vec<String>, String)>) -> String {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("schemas");
    let entries: Vec<String> = schemas
        .keys()
        .map(|name| {
            let module = if enums.contains_key(name) {
                "enums"
            } else {
                "types"
            };
            format!("        ($crate::{module}::{name}, {name:?}),")
        })
        .collect();
    format!(
        "// generated by build.rs from the spec's schemas; do not edit\n\
         /// Calls `$callback!` with `(type, \"SchemaName\")` for every schema of the spec.\n\
         #[macro_export]\n\
         #[doc(hidden)]\n\
         macro_rules! with_every_schema {{\n    ($callback:ident) => {{\n        $callback! {{\n{}\n        }}\n    }};\n}}\n",
        entries.join("\n")
    )
}

/// `retryableLogical` -> `RetryableLogical`, `VBR_VM` -> `VbrVm`, `ONE` -> `One`.
fn variant_ident(value: &str) -> String {
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

fn generate(
    doc: &Value,
    replacements: &[(String, String)],
    numbers_as_text: &[(String, String)],
    main_api: bool,
) -> String {
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("the adapted spec is not OpenAPI 3: {e}"));
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    if main_api {
        settings
            .with_inner_type(
                "crate::client::hooks::Runtime"
                    .parse()
                    .expect("a type path"),
            )
            .with_hooks(progenitor::HooksMode::Expected);
    }
    for (name, path) in replacements {
        settings.with_replacement(
            name,
            path,
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        );
    }
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor could not generate the client: {e}"));
    let mut file = syn::parse2(tokens).expect("progenitor emits valid Rust");
    if main_api {
        // First: a field that reads numbers as text reads `null` lists as empty by itself,
        // and serde takes one `deserialize_with` per field.
        numbers_read_as_text(&mut file, numbers_as_text);
        null_lists_read_as_empty(&mut file);
        defaults::derive_default_where_every_field_can(&mut file);
    }
    // progenitor's usage sketches are marked `ignore`; they are prose, not runnable code, so
    // they are shown as text and the doc-test report lists no ignored tests.
    let source = prettyplease::unparse(&file).replace("```ignore", "```text");
    format!("// generated by build.rs with progenitor from the curated spec; do not edit\n{source}")
}

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
fn null_lists_read_as_empty(file: &mut syn::File) {
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
fn numbers_read_as_text(file: &mut syn::File, noted: &[(String, String)]) {
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

/// The structs of the generated `types` module.
fn generated_structs(file: &mut syn::File) -> impl Iterator<Item = &mut syn::ItemStruct> {
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
fn type_shape(ty: &syn::Type) -> Vec<String> {
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

fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Calls `each(name, value)` for every item of the field's `#[serde(..)]` attributes; `value`
/// is the text of what follows `=`, if anything does.
fn serde_items(field: &syn::Field, mut each: impl FnMut(&syn::Path, Option<syn::Expr>)) {
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
fn has_serde_flag(field: &syn::Field, name: &str) -> bool {
    let mut found = false;
    serde_items(field, |path, value| {
        found |= value.is_none() && path.is_ident(name)
    });
    found
}

/// Whether the field carries serde's `name = ...`.
fn has_serde_value(field: &syn::Field, name: &str) -> bool {
    let mut found = false;
    serde_items(field, |path, value| {
        found |= value.is_some() && path.is_ident(name)
    });
    found
}

/// The wire name of a field (`rename = "..."`).
fn serde_rename(field: &syn::Field) -> Option<String> {
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

fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Value)) {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if METHODS.contains(&method.as_str()) {
                f(path, method, op);
            }
        }
    }
}

fn resolve<'a>(value: &'a Value, components: &'a Value, prefix: &str) -> &'a Value {
    match value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(prefix))
    {
        Some(name) => components.get(name).unwrap_or(value),
        None => value,
    }
}

// ------------------------------------------------------------------ API versions

/// The spec's `x-vspc-versions` notes (see `x-decision-api-versions` in the spec): where the
/// five API versions differ on the wire. The client's decoding and the simulator's
/// per-version answers are derived from them.
#[derive(Default)]
struct VersionNotes {
    /// (schema, property, wire spelling, last version that uses it)
    wire_names: Vec<(String, String, String, String)>,
    /// (schema, property, first version or "", last version or "")
    properties: Vec<(String, String, String, String)>,
    /// (enum, value, first version)
    values_since: Vec<(String, String, String)>,
    /// enum -> (other spelling, listed value)
    also_read: BTreeMap<String, Vec<(String, String)>>,
    /// (enum, property name, is an array): properties that carry an enum with `values-since`
    enum_properties: Vec<(String, String, bool)>,
    /// (schema, property): string properties that also read a JSON number (`also-read: number`)
    numbers_as_text: Vec<(String, String)>,
}

impl VersionNotes {
    fn read(doc: &Value) -> VersionNotes {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .expect("schemas");
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut notes = VersionNotes::default();
        for (name, schema) in schemas {
            for (property, declared) in properties_of(schema) {
                let Some(note) = declared.get("x-vspc-versions") else {
                    continue;
                };
                if note.get("since").is_some() || note.get("until").is_some() {
                    notes.properties.push((
                        name.clone(),
                        property.clone(),
                        text(note.get("since")),
                        text(note.get("until")),
                    ));
                }
                match note.get("also-read") {
                    None => {}
                    Some(Value::String(kind)) if kind == "number" => {
                        notes.numbers_as_text.push((name.clone(), property.clone()))
                    }
                    Some(other) => panic!(
                        "x-vspc-versions: `{property}` of {name} has also-read {other}; \
                         only `number` is known on a property"
                    ),
                }
            }
            let Some(note) = schema.get("x-vspc-versions") else {
                continue;
            };
            for (property, rename) in note
                .get("wire-names")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                notes.wire_names.push((
                    name.clone(),
                    property.clone(),
                    text(rename.get("name")),
                    text(rename.get("until")),
                ));
            }
            for (since, values) in note
                .get("values-since")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                for value in values.as_array().expect("values-since lists values") {
                    notes
                        .values_since
                        .push((name.clone(), text(Some(value)), since.clone()));
                }
            }
            for (spelling, value) in note
                .get("also-read")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                notes
                    .also_read
                    .entry(name.clone())
                    .or_default()
                    .push((spelling.clone(), text(Some(value))));
            }
        }
        notes.find_enum_properties(schemas);
        notes.check_names_are_unambiguous(schemas);
        notes
    }

    /// Every property that carries an enum some versions lack values of.
    fn find_enum_properties(&mut self, schemas: &Map<String, Value>) {
        let versioned: std::collections::BTreeSet<&String> =
            self.values_since.iter().map(|(e, _, _)| e).collect();
        let mut found = std::collections::BTreeSet::new();
        for schema in schemas.values() {
            for (property, declared) in properties_of(schema) {
                let (reference, array) =
                    match (declared.get("$ref"), declared.pointer("/items/$ref")) {
                        (Some(r), _) => (r, false),
                        (None, Some(r)) => (r, true),
                        _ => continue,
                    };
                let target = reference
                    .as_str()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default();
                if versioned.iter().any(|e| e.as_str() == target) {
                    found.insert((target.to_owned(), property.clone(), array));
                }
            }
        }
        self.enum_properties = found.into_iter().collect();
    }

    /// The simulator and `conform` find these properties by name anywhere in a body, so a name
    /// must mean the same thing in every schema that declares it.
    fn check_names_are_unambiguous(&self, schemas: &Map<String, Value>) {
        let declared_by = |property: &str| -> Vec<String> {
            schemas
                .iter()
                .filter(|(_, s)| properties_of(s).any(|(p, _)| p == property))
                .map(|(n, _)| n.clone())
                .collect()
        };
        for (schema, property, _, _) in &self.wire_names {
            let owners = declared_by(property);
            assert!(
                owners == [schema.clone()],
                "x-vspc-versions: `{property}` renamed in {schema} is also declared by {owners:?}"
            );
        }
        for (_, property, since, until) in &self.properties {
            let owners = declared_by(property);
            let noted = self
                .properties
                .iter()
                .filter(|(_, p, s, u)| p == property && s == since && u == until)
                .count();
            assert_eq!(
                noted,
                owners.len(),
                "x-vspc-versions: `{property}` has a version range in some of {owners:?} only"
            );
        }
        for (_, property) in &self.numbers_as_text {
            let owners = declared_by(property);
            let noted = self
                .numbers_as_text
                .iter()
                .filter(|(_, p)| p == property)
                .count();
            assert_eq!(
                noted,
                owners.len(),
                "x-vspc-versions: `{property}` reads numbers in some of {owners:?} only"
            );
        }
        for (enumeration, property, _) in &self.enum_properties {
            let carriers = self
                .enum_properties
                .iter()
                .filter(|(e, p, _)| p == property && e != enumeration)
                .count();
            let plain = schemas
                .values()
                .flat_map(properties_of)
                .filter(|(p, d)| {
                    *p == property && d.get("$ref").is_none() && d.pointer("/items/$ref").is_none()
                })
                .count();
            assert!(
                carriers == 0 && plain == 0,
                "x-vspc-versions: `{property}` carries {enumeration} in one schema and something else in another"
            );
        }
    }

    fn tables(&self) -> String {
        let mut out = String::from(
            "// generated by build.rs from the spec's x-vspc-versions notes; do not edit\n",
        );
        let _ = writeln!(
            out,
            "/// (schema, property, wire spelling, last version that uses it)\n\
             pub const WIRE_NAMES: &[(&str, &str, &str, &str)] = &{:?};",
            self.wire_names
        );
        let _ = writeln!(
            out,
            "/// (schema, property, first version or \"\", last version or \"\")\n\
             pub const VERSIONED_PROPERTIES: &[(&str, &str, &str, &str)] = &{:?};",
            self.properties
        );
        let _ = writeln!(
            out,
            "/// (enum, value, first version that has it)\n\
             pub const VALUES_SINCE: &[(&str, &str, &str)] = &{:?};",
            self.values_since
        );
        let _ = writeln!(
            out,
            "/// (enum, property that carries it, whether the property is an array)\n\
             pub const ENUM_PROPERTIES: &[(&str, &str, bool)] = &{:?};",
            self.enum_properties
        );
        out
    }
}

fn properties_of(schema: &Value) -> impl Iterator<Item = (&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// A property some versions spell differently reads under either spelling: the generated
/// field gets a serde `alias`. Fails the build when the field cannot be found, so a change in
/// the generator's output cannot silently drop the alias.
fn accept_older_wire_names(
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

// ------------------------------------------------------------------ spec facts

/// One operation as the spec declares it.
struct DeclaredOperation {
    id: String,
    method: String,
    path: String,
    multipart: bool,
    paged: bool,
}

/// `vspc_spec_facts.rs`: the facts of the spec that hand-written code needs as values. Every
/// operation becomes a variant of `SpecOperation` named by its operationId, so renaming or
/// removing an operation in the spec removes the variant and fails the build wherever the
/// crate uses it.
fn spec_facts(spec: &Value) -> String {
    let mut out = String::from(
        "// generated by build.rs from the spec's paths, servers and parameters; do not edit\n",
    );
    out.push_str(&operation_enum(&declared_operations(spec)));
    out.push_str(&base_path(spec));
    out.push_str(&paging_bounds(spec));
    out
}

/// `SpecOperation` with its accessors.
fn operation_enum(operations: &[DeclaredOperation]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Every operation of the spec, named by its operationId.\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum SpecOperation {{"
    );
    for op in operations {
        let _ = writeln!(
            out,
            "    /// `{} {}`\n    {},",
            op.method.to_uppercase(),
            op.path,
            op.id
        );
    }
    let _ = writeln!(out, "}}\n\nimpl SpecOperation {{");
    let variants: Vec<String> = operations
        .iter()
        .map(|op| format!("SpecOperation::{}", op.id))
        .collect();
    let _ = writeln!(
        out,
        "    /// Every operation, ordered by operationId.\n    pub const ALL: &'static [SpecOperation] = &[{}];\n",
        variants.join(", ")
    );
    let mut accessor =
        |doc: &str, name: &str, ty: &str, value: &dyn Fn(&DeclaredOperation) -> String| {
            let _ = writeln!(
                out,
                "    /// {doc}\n    pub const fn {name}(self) -> {ty} {{\n        match self {{"
            );
            for op in operations {
                let _ = writeln!(
                    out,
                    "            SpecOperation::{} => {},",
                    op.id,
                    value(op)
                );
            }
            let _ = writeln!(out, "        }}\n    }}\n");
        };
    accessor("The operationId.", "id", "&'static str", &|op| {
        format!("{:?}", op.id)
    });
    accessor(
        "The name progenitor gives the operation: the generated client's method, and the \
         `operation_id` that [`progenitor_client::OperationInfo`] carries into the client's hooks.",
        "generated_name",
        "&'static str",
        &|op| format!("{:?}", generated_name(&op.id)),
    );
    accessor("The HTTP method.", "method", "http::Method", &|op| {
        format!("http::Method::{}", op.method.to_uppercase())
    });
    accessor(
        "The path template below the API's base path (`/licensing/sites/{siteUid}`).",
        "path",
        "&'static str",
        &|op| format!("{:?}", op.path),
    );
    accessor(
        "Whether the request body is `multipart/form-data` (the license installs), which the \
         generated client leaves to hand-written code.",
        "is_multipart",
        "bool",
        &|op| op.multipart.to_string(),
    );
    accessor(
        "Whether it reads a collection page by page (it takes the paging `limit` parameter).",
        "is_paged",
        "bool",
        &|op| op.paged.to_string(),
    );
    let _ = writeln!(out, "}}\n");

    out
}

/// The method name progenitor derives from an operationId (snake case, as its `sanitize` does for
/// the operationIds this spec uses: ASCII letters and digits). [`check_generated_names`] holds
/// the result to what progenitor actually wrote.
fn generated_name(operation_id: &str) -> String {
    use heck::ToSnakeCase;
    operation_id.to_snake_case()
}

/// Fails the build when progenitor named a generated operation other than [`generated_name`] says: the
/// client's hooks recognise operations by that name.
fn check_generated_names(operations: &[DeclaredOperation], generated_code: &str) {
    // The multipart installs are left out of generation (hand-written in `src/api/upload.rs`).
    for op in operations.iter().filter(|op| !op.multipart) {
        let name = generated_name(&op.id);
        assert!(
            generated_code.contains(&format!("operation_id: \"{name}\"")),
            "progenitor did not name operation {} `{name}`; update generated_name in build.rs",
            op.id
        );
    }
}

/// `API_BASE_PATH`: the path of the spec's first server URL.
fn base_path(spec: &Value) -> String {
    let base_path = spec
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .and_then(|url| url.split("://").nth(1))
        .and_then(|rest| {
            rest.find('/')
                .map(|at| rest[at..].trim_end_matches('/').to_owned())
        })
        .expect("the spec's first server has a URL with a path");
    format!(
        "/// The path every operation's path is relative to (from the spec's `servers`).\n\
         pub const API_BASE_PATH: &str = {base_path:?};\n\n"
    )
}

/// The paging bounds, from the shared parameters marked as the paging `limit` and `offset`.
fn paging_bounds(spec: &Value) -> String {
    let mut out = String::new();
    let bound = |marker: &str, key: &str| -> i64 {
        let parameters = spec
            .pointer("/components/parameters")
            .and_then(Value::as_object)
            .expect("the spec has shared parameters");
        let parameter = parameters
            .values()
            .find(|p| p.get(marker) == Some(&Value::Bool(true)))
            .unwrap_or_else(|| panic!("no shared parameter is marked {marker}"));
        parameter
            .pointer(&format!("/schema/{key}"))
            .and_then(Value::as_i64)
            .unwrap_or_else(|| panic!("the parameter marked {marker} has no {key}"))
    };
    for (name, marker, key, doc) in [
        (
            "PAGE_SIZE_MIN",
            "x-veeam-pagination-limit",
            "minimum",
            "The smallest page (`limit`) a collection serves.",
        ),
        (
            "PAGE_SIZE_MAX",
            "x-veeam-pagination-limit",
            "maximum",
            "The largest page (`limit`) a collection serves.",
        ),
        (
            "PAGE_SIZE_DEFAULT",
            "x-veeam-pagination-limit",
            "default",
            "The page size (`limit`) the server uses when none is asked for.",
        ),
        (
            "OFFSET_MAX",
            "x-veeam-pagination-offset",
            "maximum",
            "The largest `offset` a collection accepts.",
        ),
    ] {
        let value = bound(marker, key);
        let value = u32::try_from(value)
            .unwrap_or_else(|_| panic!("{marker} {key} {value} does not fit a u32"));
        let _ = writeln!(out, "/// {doc}\npub const {name}: u32 = {value};\n");
    }
    out
}

/// Every operation of the (unadapted) spec, ordered by operationId.
fn declared_operations(spec: &Value) -> Vec<DeclaredOperation> {
    let bodies = spec
        .pointer("/components/requestBodies")
        .cloned()
        .unwrap_or(Value::Null);
    let parameters = spec
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let mut copy = spec.clone();
    let mut operations = Vec::new();
    for_each_operation(&mut copy, |path, method, op| {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
            .to_owned();
        assert!(
            id.chars().all(|c| c.is_ascii_alphanumeric())
                && id.starts_with(|c: char| c.is_ascii_uppercase()),
            "operationId {id:?} cannot name a Rust variant"
        );
        operations.push(DeclaredOperation {
            id,
            method: method.to_owned(),
            path: path.to_owned(),
            multipart: is_multipart(op, &bodies),
            paged: op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| resolve(p, &parameters, "#/components/parameters/"))
                .any(|p| p.get("x-veeam-pagination-limit") == Some(&Value::Bool(true))),
        });
    });
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    operations
}
