//! Decoding never panics: arbitrary bytes, JSON built from the spec's own property names, and
//! truncated or mutated spec examples, decoded into every type of the spec, give a value or a
//! typed error. This is the bounded, CI-sized form of the `fuzz/` target (see fuzz/README.md
//! for the long run). `PROPTEST_CASES` raises the case count.

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;

/// Decodes `bytes` into every schema type; returns how many accepted it.
fn decode_everything(bytes: &[u8]) -> usize {
    let mut accepted = 0;
    macro_rules! each {
        ($(($t:ty, $name:literal),)*) => {
            $( if serde_json::from_slice::<$t>(bytes).is_ok() { accepted += 1; } )*
        };
    }
    vspc_licensing::with_every_schema!(each);
    // The hand-written views decode and render the same data; they must not panic either.
    if let Ok(license) = serde_json::from_slice::<vspc_licensing::types::BackupServerLicense>(bytes)
    {
        let view = vspc_licensing::License::BackupServer(license);
        let _ = (
            view.status(),
            view.units(),
            view.expiration_date(),
            view.license_type(),
        );
    }
    accepted
}

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        yaml_serde::from_str(include_str!("../../spec/vspc-licensing.yaml")).unwrap()
    })
}

/// Every `example` in the spec, as JSON text.
fn examples() -> &'static [String] {
    static EXAMPLES: OnceLock<Vec<String>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        fn walk(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        if key == "example" {
                            out.push(child.to_string());
                        }
                        walk(child, out);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(spec(), &mut out);
        out
    })
}

/// Every property name the spec declares, so that generated objects hit real fields.
fn property_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = spec()["components"]["schemas"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|s| s.get("properties")?.as_object())
            .flat_map(|p| p.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9 :._-]{0,24}".prop_map(Value::String),
        Just(Value::String("97431954-0dd7-472a-8cb7-d0cb0fbccaf7".into())),
        Just(Value::String("2026-11-22T10:00:00Z".into())),
        Just(Value::String("Valid".into())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (prop::sample::select(property_names().to_vec()), inner),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes);
    }

    #[test]
    fn json_made_of_spec_property_names_never_panics(value in json_value()) {
        let text = value.to_string();
        decode_everything(text.as_bytes());
        // Wrapped as an envelope, the same value reaches the data types through `data`.
        decode_everything(format!(r#"{{"data":{text},"meta":{{"pagingInfo":{{"total":1,"count":1,"offset":0}}}}}}"#).as_bytes());
    }

    #[test]
    fn truncated_and_mutated_examples_never_panic(
        index in 0..examples().len(),
        cut in 0.0f64..1.0,
        flip in any::<(usize, u8)>(),
    ) {
        let example = examples()[index].as_bytes();
        decode_everything(&example[..(example.len() as f64 * cut) as usize]);
        let mut mutated = example.to_vec();
        if !mutated.is_empty() {
            let at = flip.0 % mutated.len();
            mutated[at] = flip.1;
        }
        decode_everything(&mutated);
    }
}

#[test]
fn the_examples_themselves_decode_somewhere() {
    // Guards the property tests above: if nothing decoded, they would prove nothing.
    let accepted: usize = examples()
        .iter()
        .map(|e| decode_everything(e.as_bytes()))
        .sum();
    assert!(
        accepted > examples().len(),
        "{accepted} acceptances for {} examples",
        examples().len()
    );
}
