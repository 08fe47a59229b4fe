//! Where the five API versions differ on the wire for the licensing resources, and how the crate
//! bridges them.
//!
//! The differences are read from the spec's `x-vspc-versions` notes by the build script (nothing here
//! restates them): 3.5.1 (console 8.1) spells `reportParameters` as `reportParemeters`, sends a
//! `tenantUid` with organization usage, and has no `Foundation`/`Advanced`/`Premium` packages
//! nor the `VDP` product type; 3.6 to 3.7 send the licensing resources alike.
//!
//! * **Reading**: the typed model reads every version. A renamed property reads under either
//!   spelling (a serde alias on the generated field), a property only some versions send is an
//!   optional field, and enum values a version lacks simply never arrive.
//! * **Answering** (the simulator): [`shape_for`] turns a body in the spec's shape into the
//!   shape a version sends.
//! * **Checking** (`conform`): [`consistent_versions`] tells which versions could have sent a
//!   body.
//! * **Support ids written as numbers**: the 3.5.1 document writes support ids as bare numbers
//!   where every schema says string; the properties noted `also-read: number` read a JSON whole
//!   number as its decimal text ([`number_as_text`], [`required_number_as_text`],
//!   [`numbers_as_text`]; the spec's `x-decision-support-ids`). The simulator sends strings.
//!
//! Answering and checking serve only the simulator and `conform`, hence the `contract` feature.

use serde::{Deserialize, Deserializer};
#[cfg(feature = "contract")]
use serde_json::Value;

#[cfg(feature = "contract")]
use crate::model::api_version::ApiVersion;

/// A property the versions up to `until` (all, where `None`) spell `spelling` on the wire.
#[cfg(feature = "contract")]
pub struct WireName {
    /// The spec's spelling.
    pub property: &'static str,
    /// The older versions' spelling.
    pub spelling: &'static str,
    /// The last version that uses `spelling`.
    pub until: Option<ApiVersion>,
}

/// A property only the versions `since..=until` (open-ended where `None`) have.
#[cfg(feature = "contract")]
pub struct VersionedProperty {
    /// Its name on the wire.
    pub property: &'static str,
    /// The first version that has it.
    pub since: Option<ApiVersion>,
    /// The last version that has it.
    pub until: Option<ApiVersion>,
    /// The other properties of the schemas that declare it so: an object with a key outside
    /// these is another schema's (a property of the same name without this range).
    pub beside: &'static [&'static str],
}

#[cfg(feature = "contract")]
impl VersionedProperty {
    /// Whether `object` can be one of the schemas this row is about.
    fn owns(&self, object: &serde_json::Map<String, Value>) -> bool {
        object
            .keys()
            .all(|key| key == self.property || self.beside.contains(&key.as_str()))
    }
}

/// A value of a string enum that versions before `since` cannot name.
#[cfg(feature = "contract")]
pub struct ValueSince {
    /// The enum's schema name.
    pub enumeration: &'static str,
    /// The value, as the spec spells it.
    pub value: &'static str,
    /// The first version that has it.
    pub since: ApiVersion,
}

/// A property (or a list of them) that carries an enum with a [`ValueSince`].
#[cfg(feature = "contract")]
pub struct EnumProperty {
    /// The enum's schema name.
    pub enumeration: &'static str,
    /// The property's name on the wire.
    pub property: &'static str,
}

/// The tables, as the build script writes them from the spec's notes. A property's name means
/// one thing in every schema that declares it (the build checks), so the tables name no schema.
#[cfg(feature = "contract")]
mod tables {
    use super::{ApiVersion, EnumProperty, ValueSince, VersionedProperty, WireName};
    include!(concat!(env!("OUT_DIR"), "/vspc_versions.rs"));
}
#[cfg(feature = "contract")]
pub use tables::{ENUM_PROPERTIES, VALUES_SINCE, VERSIONED_PROPERTIES, WIRE_NAMES};

/// Whether `v` lies in the (open-ended where `None`) range `since..=until`.
#[cfg(feature = "contract")]
fn within(v: ApiVersion, since: Option<ApiVersion>, until: Option<ApiVersion>) -> bool {
    since.is_none_or(|s| v >= s) && until.is_none_or(|u| v <= u)
}

/// Whether [`shape_for`] can change a body of this text for `version`: a cheap test on the raw
/// bytes, so that bodies no rule touches are passed on without being parsed.
#[cfg(feature = "contract")]
pub fn may_reshape(body: &[u8], version: ApiVersion) -> bool {
    let mentions = |key: &str| {
        let quoted = format!("\"{key}\"");
        body.windows(quoted.len()).any(|w| w == quoted.as_bytes())
    };
    WIRE_NAMES
        .iter()
        .any(|w| within(version, None, w.until) && mentions(w.property))
        || VERSIONED_PROPERTIES
            .iter()
            .any(|p| !within(version, p.since, p.until) && mentions(p.property))
        || VALUES_SINCE.iter().any(|v| {
            !within(version, Some(v.since), None)
                && ENUM_PROPERTIES
                    .iter()
                    .any(|e| e.enumeration == v.enumeration && mentions(e.property))
        })
}

/// Turns a body in the spec's shape (as 3.6.1 sends it, with every property any version has)
/// into the shape `version` sends: renamed properties take that version's spelling, properties
/// the version lacks are dropped, and enum values it cannot name become `Unknown`.
#[cfg(feature = "contract")]
pub fn shape_for(value: &mut Value, version: ApiVersion) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|item| shape_for(item, version)),
        Value::Object(object) => {
            object.values_mut().for_each(|v| shape_for(v, version));
            for p in VERSIONED_PROPERTIES {
                if !within(version, p.since, p.until) && p.owns(object) {
                    object.remove(p.property);
                }
            }
            for e in ENUM_PROPERTIES {
                if let Some(carried) = object.get_mut(e.property) {
                    rename_unknown_values(carried, e.enumeration, version);
                }
            }
            for w in WIRE_NAMES {
                if within(version, None, w.until) {
                    if let Some(v) = object.remove(w.property) {
                        object.insert(w.spelling.to_owned(), v);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Renames every older spelling of a property back to the spec's; returns whether anything
/// changed.
#[cfg(feature = "contract")]
pub fn to_spec_spelling(value: &mut Value) -> bool {
    // Every element is visited (no short circuit): all of them must be renamed.
    let mut changed = false;
    match value {
        Value::Array(items) => {
            for item in items {
                changed |= to_spec_spelling(item);
            }
            changed
        }
        Value::Object(object) => {
            for inner in object.values_mut() {
                changed |= to_spec_spelling(inner);
            }
            for w in WIRE_NAMES {
                if let Some(v) = object.remove(w.spelling) {
                    object.insert(w.property.to_owned(), v);
                    changed = true;
                }
            }
            changed
        }
        _ => false,
    }
}

#[cfg(feature = "contract")]
fn rename_unknown_values(carried: &mut Value, enumeration: &str, version: ApiVersion) {
    let lacks = |text: &str| {
        VALUES_SINCE.iter().any(|v| {
            v.enumeration == enumeration && v.value == text && !within(version, Some(v.since), None)
        })
    };
    match carried {
        Value::String(text) if lacks(text) => *text = "Unknown".to_owned(),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rename_unknown_values(item, enumeration, version)),
        _ => {}
    }
}

/// The versions whose wire shape `value` is consistent with (oldest first): a body with
/// `reportParemeters` or `tenantUid` came from 3.5.1, one with `reportParameters` or a
/// `Foundation` package from 3.6 or later. A body that shows none of the differences fits all.
#[cfg(feature = "contract")]
pub fn consistent_versions(value: &Value) -> Vec<ApiVersion> {
    let mut fits = ApiVersion::ALL.to_vec();
    narrow(value, &mut fits);
    fits
}

#[cfg(feature = "contract")]
fn narrow(value: &Value, fits: &mut Vec<ApiVersion>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| narrow(item, fits)),
        Value::Object(object) => {
            let owners: Vec<&VersionedProperty> = VERSIONED_PROPERTIES
                .iter()
                .filter(|p| p.owns(object))
                .collect();
            for (key, inner) in object {
                for w in WIRE_NAMES {
                    if key == w.spelling {
                        fits.retain(|v| within(*v, None, w.until));
                    } else if key == w.property {
                        fits.retain(|v| !within(*v, None, w.until));
                    }
                }
                for p in &owners {
                    if key == p.property && !inner.is_null() {
                        fits.retain(|v| within(*v, p.since, p.until));
                    }
                }
                for e in ENUM_PROPERTIES {
                    if key == e.property {
                        for text in strings(inner) {
                            for value in VALUES_SINCE {
                                if value.enumeration == e.enumeration && value.value == text {
                                    fits.retain(|v| within(*v, Some(value.since), None));
                                }
                            }
                        }
                    }
                }
                narrow(inner, fits);
            }
        }
        _ => {}
    }
}

#[cfg(feature = "contract")]
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A string, or a JSON whole number read as its decimal digits.
struct TextOrWholeNumber(String);

impl<'de> Deserialize<'de> for TextOrWholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = TextOrWholeNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(TextOrWholeNumber(text.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(TextOrWholeNumber(text))
            }
            fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<Self::Value, E> {
                Ok(TextOrWholeNumber(number.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, number: i64) -> Result<Self::Value, E> {
                Ok(TextOrWholeNumber(number.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Reads an optional string that may arrive as a JSON whole number (its decimal text);
/// `null` reads as `None`. A number cannot carry leading zeros: `00123456` sent as a number
/// reads as `"123456"`.
pub fn number_as_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<TextOrWholeNumber>::deserialize(deserializer)?.map(|t| t.0))
}

/// Reads a required string that may arrive as a JSON whole number (its decimal text).
// The build script (build/postprocess.rs) names this reader for a required field that a version note marks; no field of
// today's spec needs it, so nothing calls it yet.
#[allow(dead_code)]
pub fn required_number_as_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    Ok(TextOrWholeNumber::deserialize(deserializer)?.0)
}

/// Reads a list of strings whose items may arrive as JSON whole numbers (their decimal
/// text); a `null` list reads as empty, as every list does (`crate::model::nulls`).
pub fn numbers_as_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<TextOrWholeNumber>>::deserialize(deserializer)?
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_3_5_1_report_reads_its_parameters_under_the_old_spelling() {
        let parameters = json!({
            "reportId": 7,
            "organizationName": "Example Org",
            "organizationUid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "licenseCompanyName": "Example Org",
            "generationDate": "2026-10-01T00:00:00+00:00",
            "reportInterval": {
                "startOfInterval": "2026-09-01T00:00:00+00:00",
                "endOfInterval": "2026-09-30T00:00:00+00:00"
            }
        });
        let read = |body: Value| -> crate::model::generated::types::SingleLicenseReport {
            serde_json::from_value(body).unwrap()
        };
        let current = read(json!({ "reportParameters": parameters }));
        let old = read(json!({ "reportParemeters": parameters }));
        assert_eq!(
            current.report_parameters.as_ref().map(|p| p.report_id),
            Some(7)
        );
        assert_eq!(
            serde_json::to_value(&old).unwrap(),
            serde_json::to_value(&current).unwrap()
        );
    }

    #[test]
    fn a_support_id_reads_from_text_or_a_whole_number() {
        let one = |v: Value| number_as_text(v).map_err(|e| e.to_string());
        assert_eq!(one(json!("00123456")), Ok(Some("00123456".to_owned())));
        assert_eq!(one(json!(12345678)), Ok(Some("12345678".to_owned())));
        assert_eq!(one(json!(-7)), Ok(Some("-7".to_owned())));
        assert_eq!(one(Value::Null), Ok(None));
        for (wrong, named) in [
            (json!(true), "boolean `true`"),
            (json!(1.5), "floating point `1.5`"),
            (json!({"id": 1}), "map"),
            (json!([1]), "sequence"),
        ] {
            assert_eq!(
                one(wrong),
                Err(format!(
                    "invalid type: {named}, expected a string or a whole number"
                ))
            );
        }

        let required = |v: Value| required_number_as_text(v).map_err(|e| e.to_string());
        assert_eq!(required(json!(3536645)), Ok("3536645".to_owned()));
        assert_eq!(required(json!("x1")), Ok("x1".to_owned()));
        assert_eq!(
            required(Value::Null),
            Err("invalid type: null, expected a string or a whole number".to_owned())
        );

        let list = |v: Value| numbers_as_text(v).map_err(|e| e.to_string());
        assert_eq!(
            list(json!(["00276360", 987412365])),
            Ok(vec!["00276360".to_owned(), "987412365".to_owned()])
        );
        assert_eq!(list(Value::Null), Ok(vec![]));
        assert_eq!(list(json!([])), Ok(vec![]));
        assert_eq!(
            list(json!(["1", false])),
            Err("invalid type: boolean `false`, expected a string or a whole number".to_owned())
        );
        assert_eq!(
            list(json!("1")),
            Err("invalid type: string \"1\", expected a sequence".to_owned())
        );
    }

    #[test]
    fn the_generated_types_read_support_ids_written_as_numbers() {
        use crate::model::generated::types::{
            ConsoleLicense, OrganizationUsageOfLicensesWithSameSupportId,
        };
        let console: ConsoleLicense = serde_json::from_value(json!({"supportId": 3536645}))
            .expect("a support id as a number");
        assert_eq!(console.support_id.as_deref(), Some("3536645"));
        // `deserialize_with` must not make the optional field required.
        let console: ConsoleLicense = serde_json::from_value(json!({})).expect("no support id");
        assert_eq!(console.support_id, None);
        assert!(serde_json::from_value::<ConsoleLicense>(json!({"supportId": true})).is_err());
        let usage: OrganizationUsageOfLicensesWithSameSupportId =
            serde_json::from_value(json!({"supportId": null})).expect("a null support id");
        assert_eq!(usage.support_id, None);
    }

    #[test]
    #[cfg(feature = "contract")]
    fn a_report_takes_each_versions_shape_and_tells_its_versions() {
        let report = json!({
            "reportParameters": { "reportId": 1 },
            "organizationsUsage": [{ "organizationUid": "x", "tenantUid": "t", "usedPoints": 1.0 }],
            "reportSummary": { "productsUsage": [{ "productType": "VDP" }] }
        });
        let mut old = report.clone();
        shape_for(&mut old, ApiVersion::V3_5_1);
        assert_eq!(old["reportParemeters"], json!({ "reportId": 1 }));
        assert!(old.get("reportParameters").is_none());
        assert_eq!(old["organizationsUsage"][0]["tenantUid"], "t");
        assert_eq!(
            old["reportSummary"]["productsUsage"][0]["productType"],
            "Unknown"
        );
        assert_eq!(consistent_versions(&old), [ApiVersion::V3_5_1]);
        for newer in &ApiVersion::ALL[1..] {
            let mut shaped = report.clone();
            shape_for(&mut shaped, *newer);
            assert!(shaped.get("reportParemeters").is_none());
            assert!(shaped["organizationsUsage"][0].get("tenantUid").is_none());
            assert_eq!(
                shaped["reportSummary"]["productsUsage"][0]["productType"],
                "VDP"
            );
            assert_eq!(consistent_versions(&shaped), &ApiVersion::ALL[1..]);
        }
        assert!(may_reshape(
            report.to_string().as_bytes(),
            ApiVersion::V3_6_1
        ));
        assert!(!may_reshape(
            b"{\"data\":{\"packages\":[\"Suite\"]}}",
            ApiVersion::V3_6_1
        ));
        assert!(may_reshape(
            b"{\"data\":{\"packages\":[\"Suite\"]}}",
            ApiVersion::V3_5_1
        ));
    }

    #[test]
    #[cfg(feature = "contract")]
    fn packages_a_version_lacks_read_as_unknown() {
        let mut license = json!({ "packages": ["Suite", "Foundation"], "package": "Premium" });
        shape_for(&mut license, ApiVersion::V3_5_1);
        assert_eq!(
            license,
            json!({ "packages": ["Suite", "Unknown"], "package": "Unknown" })
        );
    }
}
