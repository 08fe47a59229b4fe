//! `build/version_notes.rs`: the `x-vspc-versions` notes read into typed rows, their checks,
//! and the tables written for `src/model/compat.rs`.

use quote::quote;
use serde_json::{json, Value};

use crate::emit::rust_file;
use crate::version_notes::*;

fn version(text: &str) -> NotedVersion {
    NotedVersion::parse(text, "a test")
}

/// A document with one note of each kind.
fn noted() -> Value {
    json!({ "components": { "schemas": {
        "Report": {
            "type": "object",
            "x-vspc-versions": { "wire-names": { "reportParameters": { "until": "3.5.1", "name": "reportParemeters" } } },
            "properties": {
                "reportParameters": { "type": "object" },
                "package": { "$ref": "#/components/schemas/Package" },
                "tenantUid": { "type": "string", "x-vspc-versions": { "until": "3.5.1" } }
            }
        },
        "Usage": {
            "type": "object",
            "properties": {
                "packages": { "type": "array", "items": { "$ref": "#/components/schemas/Package" } },
                "tenantUid": { "type": "string", "x-vspc-versions": { "until": "3.5.1" } },
                "supportIds": { "type": "array", "items": { "type": "string" }, "x-vspc-versions": { "also-read": "number" } }
            }
        },
        "Package": {
            "type": "string",
            "enum": ["Suite", "Foundation"],
            "x-vspc-versions": { "values-since": { "3.6": ["Foundation"] }, "also-read": { "True": "Suite" } }
        }
    } } })
}

#[test]
fn every_kind_of_note_is_read_into_its_row() {
    let notes = VersionNotes::read(&noted());
    assert_eq!(
        notes.wire_names,
        [WireName {
            schema: "Report".into(),
            property: "reportParameters".into(),
            spelling: "reportParemeters".into(),
            until: Some(version("3.5.1")),
        }]
    );
    let tenant = |schema: &str| VersionedProperty {
        schema: schema.into(),
        property: "tenantUid".into(),
        since: None,
        until: Some(version("3.5.1")),
    };
    assert_eq!(notes.properties, [tenant("Report"), tenant("Usage")]);
    assert_eq!(
        notes.values_since,
        [ValueSince {
            enumeration: "Package".into(),
            value: "Foundation".into(),
            since: version("3.6"),
        }]
    );
    assert_eq!(
        notes.also_read["Package"],
        [AlsoRead {
            spelling: "True".into(),
            value: "Suite".into()
        }]
    );
    let carrier = |property: &str| EnumProperty {
        enumeration: "Package".into(),
        property: property.into(),
    };
    assert_eq!(
        notes.enum_properties,
        [carrier("package"), carrier("packages")]
    );
    assert_eq!(
        notes.numbers_as_text,
        [SchemaProperty {
            schema: "Usage".into(),
            property: "supportIds".into()
        }]
    );
}

#[test]
fn the_tables_name_api_versions_and_one_row_per_property() {
    let tables = VersionNotes::read(&noted()).tables();
    let expected = quote! {
        /// Properties some versions spell differently.
        pub const WIRE_NAMES: &[WireName] = &[WireName {
            property: "reportParameters",
            spelling: "reportParemeters",
            until: Some(ApiVersion::V3_5_1)
        }];
        /// Properties only some versions have.
        pub const VERSIONED_PROPERTIES: &[VersionedProperty] = &[VersionedProperty {
            property: "tenantUid",
            since: None,
            until: Some(ApiVersion::V3_5_1),
            beside: &["package", "packages", "reportParameters", "supportIds"]
        }];
        /// Enum values only the newer versions have.
        pub const VALUES_SINCE: &[ValueSince] = &[ValueSince {
            enumeration: "Package",
            value: "Foundation",
            since: ApiVersion::V3_6
        }];
        /// Properties that carry an enum with values only the newer versions have.
        pub const ENUM_PROPERTIES: &[EnumProperty] = &[
            EnumProperty { enumeration: "Package", property: "package" },
            EnumProperty { enumeration: "Package", property: "packages" }
        ];
    };
    assert_eq!(tables.to_string(), expected.to_string());
    rust_file("a test", tables);
}

#[test]
fn a_version_is_numbers_and_dots() {
    assert_eq!(version("3.6.1").variant().to_string(), "V3_6_1");
    assert_eq!(version("4").variant().to_string(), "V4");
    for bad in ["3.x", "", "3..1", "v3.6", "3.6 "] {
        let refused = std::panic::catch_unwind(|| NotedVersion::parse(bad, "a test"));
        assert!(refused.is_err(), "{bad:?} was taken for a version");
    }
}

#[test]
#[should_panic(expected = "write a version as a quoted string")]
fn a_version_yaml_reads_as_a_number_fails_the_build() {
    // `until: 3.6` unquoted is the number 3.6 in YAML; it must not silently mean "every version".
    let doc: Value = yaml_serde::from_str(
        "components: {schemas: {S: {properties: {p: {type: string, x-vspc-versions: {until: 3.6}}}}}}",
    )
    .unwrap();
    VersionNotes::read(&doc);
}

#[test]
#[should_panic(expected = "only `number` is known on a property")]
fn an_unknown_also_read_on_a_property_fails_the_build() {
    VersionNotes::read(&json!({ "components": { "schemas": { "S": { "properties": {
        "p": { "type": "string", "x-vspc-versions": { "also-read": "boolean" } }
    } } } } }));
}

#[test]
#[should_panic(expected = "`tenantUid` has a version range in Report and another in Usage")]
fn a_property_noted_in_one_of_two_lookalike_schemas_fails_the_build() {
    let mut doc = noted();
    doc["components"]["schemas"]["Usage"]["properties"] =
        json!({ "tenantUid": { "type": "string" }, "package": { "type": "string" } });
    VersionNotes::read(&doc);
}

#[test]
#[should_panic(expected = "`reportParameters` renamed in Report is also declared by")]
fn a_renamed_property_another_schema_declares_fails_the_build() {
    let mut doc = noted();
    doc["components"]["schemas"]["Usage"]["properties"]["reportParameters"] = json!({});
    VersionNotes::read(&doc);
}

#[test]
#[should_panic(expected = "`package` carries Package in one schema and something else in another")]
fn an_enum_property_name_with_two_meanings_fails_the_build() {
    let mut doc = noted();
    doc["components"]["schemas"]["Usage"]["properties"]["package"] = json!({ "type": "string" });
    VersionNotes::read(&doc);
}

#[test]
fn a_property_of_the_same_name_without_the_range_is_told_apart_by_its_other_keys() {
    // VCSP Pulse usage (3.7) has a `tenantUid` of its own beside `workloads`, which the 3.5.1-only
    // `tenantUid` of organization usage never has: the two are told apart.
    let mut doc = noted();
    doc["components"]["schemas"]["PulseUsage"] = json!({
        "type": "object",
        "properties": { "tenantUid": { "type": "string" }, "workloads": { "type": "array", "items": {} } }
    });
    let notes = VersionNotes::read(&doc);
    assert_eq!(notes.properties.len(), 2);
}

#[test]
#[should_panic(expected = "whose properties do not tell the two apart")]
fn a_property_of_the_same_name_that_cannot_be_told_apart_fails_the_build() {
    let mut doc = noted();
    doc["components"]["schemas"]["Lookalike"] = json!({
        "type": "object",
        "properties": { "tenantUid": { "type": "string" }, "package": { "type": "string" } }
    });
    VersionNotes::read(&doc);
}
