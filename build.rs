//! Generates the typed client from `spec/vspc-licensing.yaml` with progenitor.
//!
//! The spec stays faithful to the vendor's wire format. progenitor 0.15 cannot take some of what
//! the vendor writes, so this script adapts an in-memory copy first. Every adaptation is one
//! named function below with the reason it exists; nothing else changes the document.
//!
//! Besides the client (`vspc_client.rs`) the script writes two small files derived from the
//! spec: `vspc_enums.rs`, one `forward_compatible_enum!` invocation per named string enum (the
//! enum machinery itself is hand-written in `src/enums.rs`), and `vspc_envelopes.rs`, one
//! `envelope!` invocation per response envelope (see `src/envelope.rs`).
//!
//! No network access, no tools beyond the crate's build-dependencies: the crate builds offline
//! from a `cargo vendor` tree.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

const SPEC: &str = "spec/vspc-licensing.yaml";
const LEGACY_SPEC: &str = "spec/vac-v2-licensing.yaml";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed={LEGACY_SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let spec = load(SPEC);
    let mut doc = spec.clone();
    let hand_written = normalise(&mut doc);
    let enums = string_enums(&doc);
    let envelopes = hoist_response_envelopes(&mut doc);

    write(&out_dir.join("vspc_enums.rs"), &enum_invocations(&enums));
    write(
        &out_dir.join("vspc_envelopes.rs"),
        &envelope_invocations(&envelopes),
    );
    write(
        &out_dir.join("vspc_schema_list.rs"),
        &schema_list(&doc, &enums),
    );
    write(
        &out_dir.join("vspc_hand_written_operations.rs"),
        &format!(
            "/// Operations of the spec that the generator leaves to hand-written code.\n\
             pub const HAND_WRITTEN_OPERATIONS: &[&str] = &{hand_written:?};\n"
        ),
    );
    let replacements: Vec<(String, String)> = enums
        .keys()
        .map(|name| (name.clone(), format!("crate::enums::{name}")))
        .collect();
    write(
        &out_dir.join("vspc_client.rs"),
        &generate(&doc, &replacements, true),
    );

    if Path::new(LEGACY_SPEC).exists() {
        let legacy = load(LEGACY_SPEC);
        write(
            &out_dir.join("vac_v2_client.rs"),
            &generate(&legacy, &[], false),
        );
    }
}

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid YAML: {e}"))
}

fn write(path: &Path, text: &str) {
    // Only touch the file when it changes, so that dependent compilation stays cached.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// Runs every adaptation; returns the operationIds left to hand-written code.
fn normalise(doc: &mut Value) -> Vec<String> {
    json_content_parameters_to_strings(doc);
    property_paths_stay_plain_strings(doc);
    let hand_written = remove_multipart_operations(doc);
    for_each_operation(doc, |_, _, op| {
        token_errors_are_oauth_errors(op);
        default_response_to_error_ranges(op);
        drop_accepted_responses(op);
        drop_codes_covered_by_ranges(op);
    });
    hand_written
}

/// `filter`, `sort` and `select` travel as JSON text in the query string, which OpenAPI 3
/// writes as a parameter with `content: application/json`. progenitor rejects such
/// parameters, so the copy declares them as plain strings; the crate's typed builders in
/// `src/query.rs` produce the JSON text.
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
/// builders (`src/query.rs`) take names from code, so the copy keeps them plain strings.
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
/// The five license installs are written by hand in `src/upload.rs` on top of the generated
/// client, with the same hooks and return types.
fn remove_multipart_operations(doc: &mut Value) -> Vec<String> {
    let bodies = doc
        .pointer("/components/requestBodies")
        .cloned()
        .unwrap_or(Value::Null);
    let mut removed = Vec::new();
    let paths = doc["paths"].as_object_mut().expect("the spec has paths");
    for item in paths.values_mut() {
        let item = item.as_object_mut().expect("a path item is an object");
        let methods: Vec<String> = item.keys().cloned().collect();
        for method in methods {
            let is_multipart = item[&method]
                .get("requestBody")
                .map(|body| resolve(body, &bodies, "#/components/requestBodies/"))
                .and_then(|body| body.get("content"))
                .and_then(Value::as_object)
                .is_some_and(|content| content.contains_key("multipart/form-data"));
            if is_multipart {
                let op = item.remove(&method).expect("the method was listed");
                removed.push(
                    op["operationId"]
                        .as_str()
                        .expect("operations have ids")
                        .to_owned(),
                );
            }
        }
    }
    removed
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
/// `exec` hook (`src/hooks.rs`) follows a `202` to the async action's result and hands the
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
/// type (see `src/enums.rs`) in place of the closed enum typify would generate, because a
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

fn enum_invocations(enums: &BTreeMap<String, (Vec<String>, String)>) -> String {
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

fn generate(doc: &Value, replacements: &[(String, String)], main_api: bool) -> String {
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
            .with_inner_type("crate::hooks::Runtime".parse().expect("a type path"))
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
        null_lists_read_as_empty(&mut file);
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
/// (`crate::nulls::null_as_empty`). Optional scalars, strings and objects are `Option`s
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
        let is_string = matches!(&field.ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "String"));
        let defaulted = field.attrs.iter().any(|a| {
            a.path().is_ident("serde") && {
                let mut found = false;
                let _ = a.parse_nested_meta(|meta| {
                    if meta.input.peek(syn::Token![=]) {
                        // `rename = "..."`, `default = "path"`: not a bare default.
                        meta.value()?.parse::<syn::Expr>()?;
                    } else {
                        found |= meta.path.is_ident("default");
                    }
                    Ok(())
                });
                found
            }
        });
        is_string && defaulted
    }
    let attribute: syn::Attribute =
        syn::parse_quote!(#[serde(deserialize_with = "crate::nulls::null_as_empty")]);
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
                if is_collection(&field.ty) || is_defaulted_string(field) {
                    field.attrs.push(attribute.clone());
                }
            }
        }
    }
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
