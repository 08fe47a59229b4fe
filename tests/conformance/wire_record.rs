//! The reviewed wire record as a property: what the generated types encoded when the examples
//! snapshot was last accepted (`snapshots/conformance_examples/examples_round_trip.snap`) must
//! still validate against the spec and still decode without losing or gaining a key, with any
//! choice of its optional members left out.
//!
//! The other properties generate their instances from the spec, so a field renamed in the spec
//! moves the instances and the generated types together and nothing notices. The record does not
//! move: after a rename its old key is either rejected by the spec or silently dropped by the
//! types, and either fails here, naming the key. Accepting the new examples snapshot (after
//! review) records the new wire format.

use crate::support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;
use support::normalise::normalise;
use support::typed::round_trip;

const RECORD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/snapshots/conformance_examples/examples_round_trip.snap"
);

/// The recorded documents by the pointer of their example.
fn record() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(RECORD).expect("the examples snapshot is committed");
    // An insta snapshot: a `---` header block, then the JSON.
    let body = text
        .splitn(3, "---\n")
        .nth(2)
        .expect("an insta snapshot has a header between two `---` lines");
    serde_json::from_str(body).expect("the recorded snapshot is JSON")
}

/// Every object member of `value` (depth first), as (pointer of the object, key).
fn members(value: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                out.push((pointer.to_owned(), key.clone()));
                let escaped = key.replace('~', "~0").replace('/', "~1");
                members(child, &format!("{pointer}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                members(child, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The keys in `a` and not in `b`, as pointers (where a round trip lost or gained something).
fn missing(a: &Value, b: &Value, pointer: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, child) in a {
                match b.get(key) {
                    Some(other) => missing(child, other, &format!("{pointer}/{key}"), out),
                    None => out.push(format!("{pointer}/{key}")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                missing(x, y, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_recorded_wire_format_still_decodes_without_loss() {
    let spec = support::spec();
    let record = record();
    let examples: BTreeMap<String, _> = support::examples::typed(spec)
        .into_iter()
        .map(|e| (e.pointer.clone(), e))
        .collect();
    let samples: Vec<(String, String, Value, Value)> = record
        .into_iter()
        .map(|(pointer, recorded)| {
            let example = examples.get(&pointer).unwrap_or_else(|| {
                panic!("{pointer}: recorded, but the spec has no typed example there any more")
            });
            (
                pointer,
                example.type_name.clone(),
                example.schema.clone(),
                recorded,
            )
        })
        .collect();
    assert!(
        samples.len() >= 90,
        "only {} recorded samples",
        samples.len()
    );

    // A sample, and which of its members to try leaving out.
    let strategy = (
        0..samples.len(),
        prop::collection::vec(prop::bool::weighted(0.3), 256),
    );
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(index, leave_out)| {
        let (pointer, type_name, schema, recorded) = &samples[index];
        let invalid = spec.validate_value(schema, recorded);
        prop_assert!(
            invalid.is_empty(),
            "{pointer}: the spec no longer accepts the recorded document: {invalid:?}"
        );
        // Leave out the chosen members one by one, keeping each removal only if the document
        // stays valid (a required member stays).
        let mut value = recorded.clone();
        let mut all = Vec::new();
        members(recorded, "", &mut all);
        for ((object, key), out) in all.iter().zip(leave_out.iter().cycle()) {
            if !out {
                continue;
            }
            let mut candidate = value.clone();
            let removed = candidate
                .pointer_mut(object)
                .and_then(Value::as_object_mut)
                .and_then(|map| map.remove(key))
                .is_some();
            if removed && spec.validate_value(schema, &candidate).is_empty() {
                value = candidate;
            }
        }
        let back = round_trip(type_name, &value)
            .ok_or_else(|| TestCaseError::fail(format!("{type_name}: no generated type")))?
            .map_err(|e| {
                TestCaseError::fail(format!("{pointer} ({type_name}): does not decode: {e}"))
            })?;
        let expected = normalise(spec, schema, &value);
        if back != expected {
            let (mut lost, mut gained) = (Vec::new(), Vec::new());
            missing(&expected, &back, "", &mut lost);
            missing(&back, &expected, "", &mut gained);
            return Err(TestCaseError::fail(format!(
                "{pointer} ({type_name}): the generated types changed the recorded document; \
                 lost {lost:?}, gained {gained:?}\n  sent     {expected}\n  got back {back}"
            )));
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn a_member_the_types_do_not_know_is_reported_by_name() {
    // The property's own failure path, on a document with a renamed member.
    let spec = support::spec();
    let mut renamed = record()
        .remove("/components/schemas/BackupServerLicense/example")
        .expect("the BackupServerLicense example is recorded");
    let map = renamed.as_object_mut().unwrap();
    let person = map
        .remove("contactPerson")
        .expect("recorded with a contact");
    map.insert("contactName".into(), person);
    let back = round_trip("BackupServerLicense", &renamed)
        .unwrap()
        .unwrap();
    let schema = serde_json::json!({"$ref": "#/components/schemas/BackupServerLicense"});
    let mut lost = Vec::new();
    missing(&normalise(spec, &schema, &renamed), &back, "", &mut lost);
    assert_eq!(lost, ["/contactName"]);
}
