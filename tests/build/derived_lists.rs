//! `build/envelopes.rs`, `build/enums.rs` and `build/schema_list.rs`: what the build lists for
//! the `envelope!` and `forward_compatible_enum!` macros and `with_every_schema!`.

use std::collections::BTreeMap;

use quote::quote;
use serde_json::{json, Value};

use crate::emit::rust_file;
use crate::enums::{enum_invocations, string_enums, variant_ident, StringEnum};
use crate::envelopes::{envelope_invocations, hoist_response_envelopes, Envelope, EnvelopeKind};
use crate::schema_list::schema_list;
use crate::version_notes::AlsoRead;

fn envelope_around(data: Value) -> Value {
    json!({ "content": { "application/json": { "schema": {
        "type": "object",
        "properties": { "data": data, "meta": {} }
    } } } })
}

#[test]
fn envelopes_are_hoisted_and_named_after_what_they_carry() {
    let one = envelope_around(json!({ "$ref": "#/components/schemas/SiteLicense" }));
    let many = envelope_around(
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/SiteLicense" } }),
    );
    let mut doc = json!({
        "paths": {
            "/sites": { "get": { "responses": { "200": many } } },
            "/sites/{uid}": {
                "get": { "responses": { "200": { "$ref": "#/components/responses/OneSite" } } },
                "patch": { "responses": { "200": one } }
            },
            "/token": { "post": { "responses": { "200": envelope_around(json!({ "type": "string" })) } } }
        },
        "components": {
            "responses": { "OneSite": one },
            "schemas": { "SiteLicense": { "type": "object" } }
        }
    });
    let envelopes = hoist_response_envelopes(&mut doc);
    assert_eq!(
        envelopes,
        [
            Envelope {
                name: "SiteLicenseCollection".into(),
                item: "SiteLicense".into(),
                kind: EnvelopeKind::Collection
            },
            Envelope {
                name: "SiteLicenseResponse".into(),
                item: "SiteLicense".into(),
                kind: EnvelopeKind::Single
            },
        ]
    );
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["SiteLicenseResponse"]["description"],
        "The envelope VSPC wraps around one `SiteLicense`."
    );
    assert_eq!(
        schemas["SiteLicenseCollection"]["properties"]["data"]["type"],
        "array"
    );
    let schema_of = |path: &str, method: &str| {
        doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    let single = json!({ "$ref": "#/components/schemas/SiteLicenseResponse" });
    // The shared response is resolved: both operations on one license return one type.
    assert_eq!(schema_of("/sites/{uid}", "get"), single);
    assert_eq!(schema_of("/sites/{uid}", "patch"), single);
    assert_eq!(
        schema_of("/sites", "get"),
        json!({ "$ref": "#/components/schemas/SiteLicenseCollection" })
    );
    // A body whose `data` names no schema stays inline.
    assert_eq!(
        schema_of("/token", "post")["properties"]["data"]["type"],
        "string"
    );

    assert_eq!(
        envelope_invocations(&envelopes).to_string(),
        quote! {
            envelope!(collection SiteLicenseCollection => SiteLicense);
            envelope!(single SiteLicenseResponse => SiteLicense);
        }
        .to_string()
    );
}

fn small_enums() -> BTreeMap<String, StringEnum> {
    let doc = json!({ "components": { "schemas": {
        "Inclusion": { "type": "string", "description": "Whether.\nTwo lines.", "enum": ["Yes", "No", "Unknown"] },
        "Workload": { "type": "string", "enum": ["VBR_VM", "retryableLogical", "1st"] },
        "Level": { "type": "integer", "enum": [1, 2] },
        "Thing": { "type": "object" }
    } } });
    string_enums(&doc)
}

#[test]
fn named_string_enums_are_listed_with_their_values_and_description() {
    let enums = small_enums();
    assert_eq!(enums.keys().collect::<Vec<_>>(), ["Inclusion", "Workload"]);
    assert_eq!(enums["Inclusion"].values, ["Yes", "No", "Unknown"]);
    assert_eq!(enums["Inclusion"].description, "Whether.\nTwo lines.");
    assert_eq!(enums["Workload"].description, "");
}

#[test]
fn values_become_variant_names() {
    for (value, variant) in [
        ("retryableLogical", "RetryableLogical"),
        ("VBR_VM", "VbrVm"),
        ("ONE", "One"),
        ("VBR_Server_Agent", "VbrServerAgent"),
        ("1st", "V1st"),
        ("ignorecase", "Ignorecase"),
    ] {
        assert_eq!(variant_ident(value), variant, "{value}");
    }
}

#[test]
fn an_enum_invocation_lists_variants_without_unknown_and_every_value() {
    let also_read = BTreeMap::from([(
        "Inclusion".to_owned(),
        vec![AlsoRead {
            spelling: "True".into(),
            value: "Yes".into(),
        }],
    )]);
    let written = enum_invocations(&small_enums(), &also_read);
    let expected = quote! {
        forward_compatible_enum! {
            #[doc = "Whether."]
            #[doc = "Two lines."]
            Inclusion { Yes = "Yes", No = "No", }
            listed ["Yes", "No", "Unknown"]
            also_read [("True", "Yes")]
        }
        forward_compatible_enum! {
            Workload { VbrVm = "VBR_VM", RetryableLogical = "retryableLogical", V1st = "1st", }
            listed ["VBR_VM", "retryableLogical", "1st"]
            also_read []
        }
    };
    assert_eq!(written.to_string(), expected.to_string());
    rust_file("a test", written);
}

#[test]
#[should_panic(expected = "the value \"v1.2\" cannot name a Rust variant")]
fn a_value_no_variant_can_be_named_from_fails_the_build() {
    let doc = json!({ "components": { "schemas": {
        "Version": { "type": "string", "enum": ["v1.2"] }
    } } });
    enum_invocations(&string_enums(&doc), &BTreeMap::new());
}

#[test]
fn every_schema_is_listed_in_its_module() {
    let doc = json!({ "components": { "schemas": {
        "Inclusion": { "type": "string", "enum": ["Yes"] },
        "Site": { "type": "object" }
    } } });
    let written = schema_list(&doc, &string_enums(&doc));
    let text = rust_file("a test", written);
    assert!(text.contains("macro_rules! with_every_schema"), "{text}");
    let compact = text.replace([' ', '\n'], "");
    assert!(
        compact.contains(r#"($crate::enums::Inclusion,"Inclusion"),($crate::types::Site,"Site"),"#),
        "{text}"
    );
}
