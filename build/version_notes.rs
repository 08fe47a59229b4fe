//! The spec's `x-vspc-versions` notes and the tables `src/model/compat.rs` reads (`vspc_versions.rs`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::openapi::properties_of;

/// The spec's `x-vspc-versions` notes (see `x-decision-api-versions` in the spec): where the
/// five API versions differ on the wire. The client's decoding and the simulator's
/// per-version answers are derived from them.
#[derive(Default)]
pub struct VersionNotes {
    /// (schema, property, wire spelling, last version that uses it)
    pub wire_names: Vec<(String, String, String, String)>,
    /// (schema, property, first version or "", last version or "")
    pub properties: Vec<(String, String, String, String)>,
    /// (enum, value, first version)
    pub values_since: Vec<(String, String, String)>,
    /// enum -> (other spelling, listed value)
    pub also_read: BTreeMap<String, Vec<(String, String)>>,
    /// (enum, property name, is an array): properties that carry an enum with `values-since`
    pub enum_properties: Vec<(String, String, bool)>,
    /// (schema, property): string properties that also read a JSON number (`also-read: number`)
    pub numbers_as_text: Vec<(String, String)>,
}

impl VersionNotes {
    pub fn read(doc: &Value) -> VersionNotes {
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

    pub fn tables(&self) -> String {
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
