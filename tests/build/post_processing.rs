//! `build/postprocess.rs`: the changes to progenitor's output, each on a small generated file.

use quote::{quote, ToTokens};

use crate::postprocess::*;
use crate::version_notes::{SchemaProperty, VersionNotes, WireName};

/// A `types` module shaped like progenitor's, and an item outside it.
fn generated() -> syn::File {
    syn::parse2(quote! {
        pub mod types {
            pub struct Report {
                #[serde(rename = "clonedServers", default, skip_serializing_if = "Vec::is_empty")]
                pub cloned_servers: Vec<String>,
                #[serde(rename = "counts", default)]
                pub counts: ::std::collections::HashMap<String, i64>,
                #[serde(rename = "message", default)]
                pub message: String,
                #[serde(rename = "name")]
                pub name: String,
                #[serde(rename = "reportParameters", default, skip_serializing_if = "Option::is_none")]
                pub report_parameters: Option<String>,
                #[serde(rename = "supportId", default, skip_serializing_if = "Option::is_none")]
                pub support_id: Option<String>,
                #[serde(rename = "supportIds")]
                pub support_ids: Vec<String>,
                #[serde(rename = "units")]
                pub units: Option<f64>,
            }
        }
        pub struct Outside {
            pub list: Vec<String>,
        }
    })
    .unwrap()
}

/// The field's attributes, as compact text.
fn attributes(file: &mut syn::File, structure: &str, field: &str) -> Vec<String> {
    let found = generated_structs(file)
        .find(|s| s.ident == structure)
        .unwrap()
        .fields
        .iter()
        .find(|f| f.ident.as_ref().unwrap() == field)
        .unwrap()
        .attrs
        .iter()
        .map(|a| a.to_token_stream().to_string().replace(' ', ""))
        .collect();
    found
}

const NULL_AS_EMPTY: &str = r#"#[serde(deserialize_with="crate::model::nulls::null_as_empty")]"#;

#[test]
fn lists_maps_and_defaulted_strings_read_null_as_empty() {
    let mut file = generated();
    null_lists_read_as_empty(&mut file);
    for field in ["cloned_servers", "counts", "message", "support_ids"] {
        assert_eq!(
            attributes(&mut file, "Report", field).last().unwrap(),
            NULL_AS_EMPTY,
            "{field}"
        );
    }
    for field in ["name", "support_id", "units"] {
        assert!(
            !attributes(&mut file, "Report", field).contains(&NULL_AS_EMPTY.to_owned()),
            "{field}"
        );
    }
    // Only the generated types are changed.
    let outside = file.items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == "Outside" => Some(s),
        _ => None,
    });
    assert!(outside.unwrap().fields.iter().all(|f| f.attrs.is_empty()));
}

fn noted(property: &str) -> SchemaProperty {
    SchemaProperty {
        schema: "Report".into(),
        property: property.into(),
    }
}

#[test]
fn noted_strings_read_numbers_with_the_reader_their_type_needs() {
    let mut file = generated();
    numbers_read_as_text(
        &mut file,
        &[noted("supportId"), noted("supportIds"), noted("name")],
    );
    let reader =
        |name: &str| format!(r#"#[serde(deserialize_with="crate::model::compat::{name}")]"#);
    let optional = attributes(&mut file, "Report", "support_id");
    assert_eq!(optional[1..], [reader("number_as_text")]);
    let list = attributes(&mut file, "Report", "support_ids");
    // A list reads `null` as empty by itself; a missing one reads as empty too.
    assert_eq!(
        list[1..],
        [reader("numbers_as_text"), "#[serde(default)]".to_owned()]
    );
    let required = attributes(&mut file, "Report", "name");
    assert_eq!(required[1..], [reader("required_number_as_text")]);
    // The null policy leaves a field with a reader of its own alone.
    null_lists_read_as_empty(&mut file);
    assert_eq!(attributes(&mut file, "Report", "support_ids").len(), 3);
}

#[test]
#[should_panic(expected = "is not a string nor a list of strings")]
fn a_number_note_on_a_field_of_another_type_fails_the_build() {
    numbers_read_as_text(&mut generated(), &[noted("units")]);
}

#[test]
#[should_panic(expected = "generated code has no field Report.gone (also-read: number)")]
fn a_number_note_on_a_field_not_generated_fails_the_build() {
    numbers_read_as_text(&mut generated(), &[noted("gone")]);
}

fn renamed(property: &str) -> WireName {
    WireName {
        schema: "Report".into(),
        property: property.into(),
        spelling: "reportParemeters".into(),
        until: None,
    }
}

#[test]
fn a_renamed_property_also_reads_its_older_spelling() {
    let mut file = generated();
    accept_older_wire_names(&mut file, &[renamed("reportParameters")]);
    let attrs = attributes(&mut file, "Report", "report_parameters");
    assert_eq!(attrs[1..], [r#"#[serde(alias="reportParemeters")]"#]);
}

#[test]
#[should_panic(expected = "generated struct Report has no field gone")]
fn a_renamed_property_not_generated_fails_the_build() {
    accept_older_wire_names(&mut generated(), &[renamed("gone")]);
}

#[test]
fn apply_runs_every_change() {
    let mut file = generated();
    let notes = VersionNotes {
        wire_names: vec![renamed("reportParameters")],
        numbers_as_text: vec![noted("supportIds")],
        ..VersionNotes::default()
    };
    apply(&mut file, &notes);
    assert_eq!(
        attributes(&mut file, "Report", "report_parameters").len(),
        2
    );
    let list = attributes(&mut file, "Report", "support_ids");
    assert!(list[1].contains("numbers_as_text"), "{list:?}");
    assert_eq!(list.len(), 3, "{list:?}");
    assert_eq!(attributes(&mut file, "Report", "counts")[1], NULL_AS_EMPTY);
}

#[test]
fn serde_attributes_are_read_item_by_item() {
    let field: syn::Field = syn::parse_quote! {
        #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
        #[serde(default = "path")]
        pub a: Option<Vec<String>>
    };
    assert_eq!(serde_rename(&field).as_deref(), Some("a"));
    assert!(has_serde_flag(&field, "default"));
    assert!(has_serde_value(&field, "default"));
    assert!(!has_serde_flag(&field, "skip_serializing_if"));
    assert_eq!(type_shape(&field.ty), ["Option", "Vec", "String"]);
    assert_eq!(last_segment(&field.ty).as_deref(), Some("Option"));
}
