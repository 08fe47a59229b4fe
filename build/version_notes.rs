//! The spec's `x-vspc-versions` notes (see `x-decision-api-versions` in the spec): where the
//! five API versions differ on the wire. The client's decoding (serde aliases, numbers read as
//! text) and the simulator's per-version answers are derived from them; `vspc_versions.rs`
//! hands the tables to `src/model/compat.rs` as typed values.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use serde_json::{Map, Value};

use crate::openapi::{properties_of, ref_target};

/// An API version as a note names it (`3.5.1`): written as a YAML string, since a bare `3.6`
/// would be read as a number. It becomes the `ApiVersion` variant of the same digits
/// (`ApiVersion::V3_5_1`), so a version the crate does not know fails the build where the
/// generated table names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotedVersion(String);

impl NotedVersion {
    /// Reads a version written in a note; `what` says where, for the build's error.
    pub fn read(value: &Value, what: &str) -> NotedVersion {
        let text = value.as_str().unwrap_or_else(|| {
            panic!("x-vspc-versions: {what} is {value}; write a version as a quoted string")
        });
        NotedVersion::parse(text, what)
    }

    /// Checks a version's text: numbers separated by dots.
    pub fn parse(text: &str, what: &str) -> NotedVersion {
        let well_formed = text
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
        assert!(
            well_formed,
            "x-vspc-versions: {what} is {text:?}, which is not a version"
        );
        NotedVersion(text.to_owned())
    }

    /// The name of the `ApiVersion` variant: `3.5.1` -> `V3_5_1`.
    pub fn variant(&self) -> proc_macro2::Ident {
        format_ident!("V{}", self.0.replace('.', "_"))
    }
}

impl ToTokens for NotedVersion {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let variant = self.variant();
        tokens.extend(quote!(ApiVersion::#variant));
    }
}

/// A property the versions up to `until` spell differently on the wire (`wire-names`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireName {
    pub schema: String,
    pub property: String,
    pub spelling: String,
    pub until: Option<NotedVersion>,
}

/// A property that exists only in the versions `since..=until` (`since` / `until`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionedProperty {
    pub schema: String,
    pub property: String,
    pub since: Option<NotedVersion>,
    pub until: Option<NotedVersion>,
}

/// An enum value that first appears in `since` (`values-since`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSince {
    pub enumeration: String,
    pub value: String,
    pub since: NotedVersion,
}

/// Another spelling a reader accepts for an enum value (`also-read` on an enum).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlsoRead {
    pub spelling: String,
    pub value: String,
}

/// A property that carries an enum some versions lack values of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnumProperty {
    pub enumeration: String,
    pub property: String,
}

/// A property of a schema, named by the schema's name and the property's wire name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaProperty {
    pub schema: String,
    pub property: String,
}

/// Every note of the spec, read and checked.
#[derive(Debug, Default)]
pub struct VersionNotes {
    pub wire_names: Vec<WireName>,
    pub properties: Vec<VersionedProperty>,
    pub values_since: Vec<ValueSince>,
    /// By enum name.
    pub also_read: BTreeMap<String, Vec<AlsoRead>>,
    pub enum_properties: Vec<EnumProperty>,
    /// String properties that also read a JSON number (`also-read: number`).
    pub numbers_as_text: Vec<SchemaProperty>,
    /// The property names of each schema that has a versioned property.
    pub beside_names: BTreeMap<String, Vec<String>>,
}

impl VersionNotes {
    /// Reads the notes of every schema in `doc`; fails the build on a note it cannot use.
    pub fn read(doc: &Value) -> VersionNotes {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .expect("schemas");
        let mut notes = VersionNotes::default();
        for (name, schema) in schemas {
            for (property, declared) in properties_of(schema) {
                if let Some(note) = declared.get("x-vspc-versions") {
                    notes.read_property_note(name, property, note);
                }
            }
            if let Some(note) = schema.get("x-vspc-versions") {
                notes.read_schema_note(name, note);
            }
        }
        for noted in &notes.properties {
            let names = properties_of(&schemas[&noted.schema])
                .map(|(p, _)| p.clone())
                .collect();
            notes.beside_names.insert(noted.schema.clone(), names);
        }
        notes.find_enum_properties(schemas);
        notes.check_names_are_unambiguous(schemas);
        notes
    }

    fn read_property_note(&mut self, schema: &str, property: &str, note: &Value) {
        let version = |key: &str| {
            note.get(key)
                .map(|v| NotedVersion::read(v, &format!("`{key}` of {schema}.{property}")))
        };
        if note.get("since").is_some() || note.get("until").is_some() {
            self.properties.push(VersionedProperty {
                schema: schema.to_owned(),
                property: property.to_owned(),
                since: version("since"),
                until: version("until"),
            });
        }
        match note.get("also-read") {
            None => {}
            Some(Value::String(kind)) if kind == "number" => {
                self.numbers_as_text.push(SchemaProperty {
                    schema: schema.to_owned(),
                    property: property.to_owned(),
                })
            }
            Some(other) => panic!(
                "x-vspc-versions: `{property}` of {schema} has also-read {other}; \
                 only `number` is known on a property"
            ),
        }
    }

    fn read_schema_note(&mut self, schema: &str, note: &Value) {
        let text = |value: &Value, what: &str| -> String {
            value
                .as_str()
                .unwrap_or_else(|| {
                    panic!("x-vspc-versions: {what} of {schema} is {value}, not a string")
                })
                .to_owned()
        };
        for (property, rename) in entries(note, "wire-names") {
            self.wire_names.push(WireName {
                schema: schema.to_owned(),
                property: property.clone(),
                spelling: text(
                    rename.get("name").unwrap_or(&Value::Null),
                    &format!("the wire name of `{property}`"),
                ),
                until: rename
                    .get("until")
                    .map(|v| NotedVersion::read(v, &format!("`until` of {schema}.{property}"))),
            });
        }
        for (since, values) in entries(note, "values-since") {
            let since = NotedVersion::parse(since, &format!("a `values-since` key of {schema}"));
            for value in values.as_array().expect("values-since lists values") {
                self.values_since.push(ValueSince {
                    enumeration: schema.to_owned(),
                    value: text(value, "a `values-since` value"),
                    since: since.clone(),
                });
            }
        }
        for (spelling, value) in entries(note, "also-read") {
            self.also_read
                .entry(schema.to_owned())
                .or_default()
                .push(AlsoRead {
                    spelling: spelling.clone(),
                    value: text(value, &format!("`also-read` {spelling:?}")),
                });
        }
    }

    /// Every property that carries an enum some versions lack values of.
    fn find_enum_properties(&mut self, schemas: &Map<String, Value>) {
        let versioned: BTreeSet<&str> = self
            .values_since
            .iter()
            .map(|v| v.enumeration.as_str())
            .collect();
        let mut found = BTreeSet::new();
        for schema in schemas.values() {
            for (property, declared) in properties_of(schema) {
                let Some(target) = ref_target(declared) else {
                    continue;
                };
                if versioned.contains(target) {
                    found.insert(EnumProperty {
                        enumeration: target.to_owned(),
                        property: property.clone(),
                    });
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
        for WireName {
            schema, property, ..
        } in &self.wire_names
        {
            let owners = declared_by(property);
            assert!(
                owners == [schema.clone()],
                "x-vspc-versions: `{property}` renamed in {schema} is also declared by {owners:?}"
            );
        }
        // A versioned property is found by name in a body, in an object whose every key its
        // declaring schemas know (`beside`): another schema that declares the same name with
        // another range (or none) must have a key they do not, or the two cannot be told apart.
        for noted in &self.properties {
            let beside = self.beside(schemas, noted);
            for other in declared_by(&noted.property) {
                let alike = self.properties.iter().any(|p| {
                    p.schema == other
                        && p.property == noted.property
                        && p.since == noted.since
                        && p.until == noted.until
                });
                let keys: BTreeSet<&str> = properties_of(&schemas[&other])
                    .map(|(p, _)| p.as_str())
                    .filter(|p| *p != noted.property)
                    .collect();
                assert!(
                    alike || !keys.is_subset(&beside),
                    "x-vspc-versions: `{}` has a version range in {} and another in {other}, \
                     whose properties do not tell the two apart",
                    noted.property,
                    noted.schema
                );
            }
        }
        for noted in &self.numbers_as_text {
            let owners = declared_by(&noted.property);
            let alike = self
                .numbers_as_text
                .iter()
                .filter(|p| p.property == noted.property)
                .count();
            assert_eq!(
                alike,
                owners.len(),
                "x-vspc-versions: `{}` reads numbers in some of {owners:?} only",
                noted.property
            );
        }
        for EnumProperty {
            enumeration,
            property,
        } in &self.enum_properties
        {
            let carriers = self
                .enum_properties
                .iter()
                .filter(|e| e.property == *property && e.enumeration != *enumeration)
                .count();
            let plain = schemas
                .values()
                .flat_map(properties_of)
                .filter(|(p, d)| *p == property && ref_target(d).is_none())
                .count();
            assert!(
                carriers == 0 && plain == 0,
                "x-vspc-versions: `{property}` carries {enumeration} in one schema and something else in another"
            );
        }
    }

    /// The other properties of the schemas that declare `noted`'s property with its range.
    fn beside<'a>(
        &self,
        schemas: &'a Map<String, Value>,
        noted: &VersionedProperty,
    ) -> BTreeSet<&'a str> {
        self.properties
            .iter()
            .filter(|p| {
                p.property == noted.property && p.since == noted.since && p.until == noted.until
            })
            .filter_map(|p| schemas.get(&p.schema))
            .flat_map(properties_of)
            .map(|(p, _)| p.as_str())
            .filter(|p| *p != noted.property)
            .collect()
    }

    /// `vspc_versions.rs`: the tables, as values of the types `src/model/compat.rs` declares.
    /// Only what the run time reads is written; the schema that declares a property is not,
    /// since [`read`](Self::read) checks that a property name means one thing everywhere.
    pub fn tables(&self) -> TokenStream {
        let wire_names = self.wire_names.iter().map(|w| {
            let (property, spelling, until) = (&w.property, &w.spelling, optional(&w.until));
            quote!(WireName { property: #property, spelling: #spelling, until: #until })
        });
        // One row per property and range, with the other properties of the schemas that
        // declare it so (told apart from other schemas in `read`).
        let mut rows: BTreeMap<_, BTreeSet<&str>> = BTreeMap::new();
        for p in &self.properties {
            let beside = rows.entry((&p.property, &p.since, &p.until)).or_default();
            beside.extend(
                self.beside_names
                    .get(&p.schema)
                    .into_iter()
                    .flatten()
                    .filter(|b| **b != p.property)
                    .map(String::as_str),
            );
        }
        let properties = rows.into_iter().map(|((property, since, until), beside)| {
            let (since, until) = (optional(since), optional(until));
            let beside = beside.into_iter();
            quote!(VersionedProperty { property: #property, since: #since, until: #until, beside: &[#(#beside),*] })
        });
        let values_since = self.values_since.iter().map(|v| {
            let (enumeration, value, since) = (&v.enumeration, &v.value, &v.since);
            quote!(ValueSince { enumeration: #enumeration, value: #value, since: #since })
        });
        let enum_properties = self.enum_properties.iter().map(|e| {
            let (enumeration, property) = (&e.enumeration, &e.property);
            quote!(EnumProperty { enumeration: #enumeration, property: #property })
        });
        quote! {
            /// Properties some versions spell differently.
            pub const WIRE_NAMES: &[WireName] = &[#(#wire_names),*];
            /// Properties only some versions have.
            pub const VERSIONED_PROPERTIES: &[VersionedProperty] = &[#(#properties),*];
            /// Enum values only the newer versions have.
            pub const VALUES_SINCE: &[ValueSince] = &[#(#values_since),*];
            /// Properties that carry an enum with values only the newer versions have.
            pub const ENUM_PROPERTIES: &[EnumProperty] = &[#(#enum_properties),*];
        }
    }
}

/// The entries of an object-valued key of a note (none when it is absent).
fn entries<'a>(note: &'a Value, key: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    note.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn optional(version: &Option<NotedVersion>) -> TokenStream {
    match version {
        Some(version) => quote!(Some(#version)),
        None => quote!(None),
    }
}
