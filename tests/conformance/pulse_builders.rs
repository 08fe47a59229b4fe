//! The hand-written VCSP Pulse builders held to the spec, over generated inputs:
//!
//! * `NewPulseLicense::into_input` either refuses (before anything is sent) or gives a body
//!   the spec's `PulseLicenseInput` accepts, carrying exactly the workloads, counts, expiry,
//!   description and reporting asked for;
//! * each `Patch::pulse_*` change is a JSON Patch the spec accepts, and applied (RFC 6902) to
//!   a license, configuration or tenant the spec generates, gives a valid one with just that
//!   change.
//!
//! 64 cases per property by default; `PROPTEST_CASES` overrides.

use crate::support;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};
use support::strategy::{runner, value_strategy};
use support::typed::round_trip;
use vspc_licensing::contract::Spec;
use vspc_licensing::{types, Error, NewPulseLicense, Patch};

fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn check_valid(spec: &Spec, name: &str, value: &Value) -> Result<(), TestCaseError> {
    let found = spec.validate_value(&component(name), value);
    prop_assert!(found.is_empty(), "not a valid {name}: {found:?}\n{value}");
    Ok(())
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2000-01-01 to 2100-01-01, whole seconds: what a console's date-time carries.
    (946_684_800i64..4_102_444_800).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

/// Counts across the whole `u32` range, its edges and the spec's bounds weighted in.
fn count() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(100_000),
        Just(100_001),
        Just(u32::MAX),
        1u32..=100,
        any::<u32>(),
    ]
}

/// The spec's bounds of a workload's count in a new license.
fn count_bounds(spec: &Spec) -> (u64, u64) {
    let count = spec
        .resolve(&component("PulseLicenseWorkloadInput"))
        .ok()
        .and_then(|schema| schema.pointer("/properties/count").cloned())
        .expect("PulseLicenseWorkloadInput.count");
    (
        count["minimum"].as_u64().expect("a minimum"),
        count["maximum"].as_u64().expect("a maximum"),
    )
}

#[test]
fn new_pulse_licenses_are_refused_or_valid_with_exactly_what_was_asked() {
    let spec: &'static Spec = support::spec();
    let (least, most) = count_bounds(spec);
    let strategy = (
        "[A-Za-z0-9_ ]{0,12}",
        "[A-Za-z0-9-]{0,8}",
        instant(),
        proptest::option::of("\\PC{0,20}"),
        any::<bool>(),
        proptest::collection::vec(("[A-Z]{1,3}", count()), 0..5),
    );
    let result = runner().run(
        &strategy,
        |(product, contract, expiry, description, reporting, workloads)| {
            let mut new =
                NewPulseLicense::new(&product, &contract, expiry).automatic_reporting(reporting);
            if let Some(text) = &description {
                new = new.description(text);
            }
            for (id, n) in &workloads {
                new = new.workload(id, *n);
            }
            let distinct = workloads
                .iter()
                .enumerate()
                .all(|(i, (id, _))| workloads[..i].iter().all(|(other, _)| other != id));
            let counts_fit = workloads
                .iter()
                .all(|(_, n)| (least..=most).contains(&u64::from(*n)));
            let acceptable = !product.trim().is_empty()
                && !contract.trim().is_empty()
                && !workloads.is_empty()
                && distinct
                && counts_fit;
            match new.into_input() {
                Err(Error::InvalidInput { operation, .. }) => {
                    prop_assert!(!acceptable, "refused an acceptable license");
                    prop_assert_eq!(operation, "CreatePulseLicense");
                }
                Err(other) => {
                    return Err(TestCaseError::fail(format!("not InvalidInput: {other}")))
                }
                Ok(input) => {
                    let body = serde_json::to_value(&input).unwrap();
                    check_valid(spec, "PulseLicenseInput", &body)?;
                    prop_assert!(acceptable, "sent a license the console refuses: {}", body);
                    let sent: Vec<(String, u32)> = input
                        .workloads
                        .iter()
                        .map(|w| (w.workload_id.clone(), w.count.get()))
                        .collect();
                    prop_assert_eq!(sent, workloads.clone());
                    prop_assert_eq!(input.expiration_date, expiry);
                    prop_assert_eq!(&input.description, &description);
                    prop_assert_eq!(input.is_automatic_reporting_enabled, reporting);
                    let back = round_trip("PulseLicenseInput", &body)
                        .expect("a generated type")
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert_eq!(back, body);
                }
            }
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("NewPulseLicense: {failure}");
    }
}

/// A license the spec generates, with each workload named once (as a console keeps them).
fn license(spec: &'static Spec) -> impl Strategy<Value = Value> {
    value_strategy(spec, &component("PulseLicense"), 0).prop_map(|mut value| {
        if let Some(workloads) = value["workloads"].as_array_mut() {
            let mut seen = Vec::new();
            workloads.retain(|w| {
                let id = w["workloadId"].clone();
                let fresh = !seen.contains(&id);
                seen.push(id);
                fresh
            });
        }
        value
    })
}

/// `patch` applied to `license` with an RFC 6902 implementation other than the crate's, after
/// checking the patch against the spec.
fn applied(spec: &Spec, license: &Value, patch: &Patch) -> Result<Value, TestCaseError> {
    let operations = serde_json::to_value(patch.operations()).unwrap();
    check_valid(spec, "JsonPatches", &operations)?;
    // A property the license leaves out is there to be replaced, as on a console, which
    // always writes every property.
    let mut document = license.clone();
    for operation in operations.as_array().unwrap() {
        let path = operation["path"].as_str().unwrap_or_default();
        let property = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        document
            .as_object_mut()
            .unwrap()
            .entry(property)
            .or_insert(Value::Null);
    }
    let parsed: json_patch::Patch = serde_json::from_value(operations.clone())
        .map_err(|e| TestCaseError::fail(format!("not RFC 6902: {e}\n{operations}")))?;
    json_patch::patch(&mut document, &parsed)
        .map_err(|e| TestCaseError::fail(format!("does not apply: {e}\n{operations}")))?;
    Ok(document)
}

#[test]
fn pulse_workload_count_changes_apply_to_exactly_the_workloads_named() {
    let spec: &'static Spec = support::spec();
    let (least, most) = count_bounds(spec);
    let strategy = (
        license(spec),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<bool>(), count()), 0..4),
    );
    let result = runner().run(&strategy, |(value, picks)| {
        let typed: types::PulseLicense = serde_json::from_value(value.clone())
            .map_err(|e| TestCaseError::fail(format!("decode: {e}\n{value}")))?;
        // Each pick names a workload the license has, or a new one.
        let mut counts: Vec<(String, u32)> = Vec::new();
        for (index, existing, n) in picks {
            let id = match (existing, typed.workloads.is_empty()) {
                (true, false) => typed.workloads[index.index(typed.workloads.len())]
                    .workload_id
                    .clone(),
                _ => format!("NEW-{}", counts.len()),
            };
            if !counts.iter().any(|(named, _)| *named == id) {
                counts.push((id, n));
            }
        }
        let fits = counts
            .iter()
            .all(|(_, n)| (least..=most).contains(&u64::from(*n)));
        let patch = match Patch::pulse_workload_counts(&typed, counts.clone()) {
            Ok(patch) => patch,
            Err(Error::InvalidInput { operation, .. }) if !fits => {
                prop_assert_eq!(operation, "PatchPulseLicense");
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}: {counts:?}"))),
        };
        prop_assert!(fits, "sent counts the console refuses: {:?}", counts);
        let after = applied(spec, &value, &patch)?;
        check_valid(spec, "PulseLicense", &after)?;
        let workloads = after["workloads"].as_array().unwrap();
        for (id, n) in &counts {
            let matching: Vec<&Value> = workloads
                .iter()
                .filter(|w| w["workloadId"] == json!(id))
                .collect();
            prop_assert_eq!(matching.len(), 1, "{} in {:?}", id, workloads);
            prop_assert_eq!(&matching[0]["count"], &json!(n));
        }
        // The workloads not named are as they were, in their places.
        let before = value["workloads"].as_array().unwrap();
        for (i, w) in before.iter().enumerate() {
            if !counts.iter().any(|(id, _)| w["workloadId"] == json!(id)) {
                prop_assert_eq!(&workloads[i], w);
            }
        }
        let new = counts
            .iter()
            .filter(|(id, _)| !before.iter().any(|w| w["workloadId"] == json!(id)))
            .count();
        prop_assert_eq!(workloads.len(), before.len() + new);
        Ok(())
    });
    if let Err(failure) = result {
        panic!("Patch::pulse_workload_counts: {failure}");
    }
}

#[test]
fn pulse_expiry_description_and_extension_changes_set_just_that_property() {
    let spec: &'static Spec = support::spec();
    let strategy = (
        license(spec),
        instant(),
        proptest::option::of("\\PC{0,20}"),
        any::<bool>(),
    );
    let result = runner().run(&strategy, |(value, expiry, description, extension)| {
        let changes = [
            (Patch::pulse_expiration(expiry), "expirationDate"),
            (
                Patch::pulse_description(description.as_deref()),
                "description",
            ),
            (
                Patch::pulse_automatic_extension(extension),
                "automaticExtensionStatus",
            ),
        ];
        for (patch, property) in changes {
            let after = applied(spec, &value, &patch)?;
            check_valid(spec, "PulseLicense", &after)?;
            let typed: types::PulseLicense = serde_json::from_value(after.clone())
                .map_err(|e| TestCaseError::fail(format!("decode: {e}\n{after}")))?;
            match property {
                "expirationDate" => prop_assert_eq!(typed.expiration_date, Some(expiry)),
                "description" => prop_assert_eq!(&typed.description, &description),
                _ => prop_assert_eq!(
                    typed
                        .automatic_extension_status
                        .map(|s| s.as_str().to_owned()),
                    Some(if extension { "On" } else { "Off" }.to_owned())
                ),
            }
            for (key, was) in value.as_object().unwrap() {
                if key != property {
                    prop_assert_eq!(&after[key], was, "{} changed {}", property, key);
                }
            }
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("Patch::pulse_*: {failure}");
    }
}

#[test]
fn pulse_configuration_and_tenant_changes_set_just_that_property() {
    let spec: &'static Spec = support::spec();
    let strategy = (
        value_strategy(spec, &component("PulseConfiguration"), 0),
        value_strategy(spec, &component("PulseTenant"), 0),
        "[A-Za-z0-9]{1,24}",
        any::<bool>(),
        proptest::option::of(any::<u128>().prop_map(uuid::Uuid::from_u128)),
    );
    let result = runner().run(
        &strategy,
        |(configuration, tenant, token, enabled, company)| {
            let changes = [
                (
                    "PulseConfiguration",
                    &configuration,
                    Patch::new().pulse_token(&token),
                    "token",
                    json!(token),
                ),
                (
                    "PulseConfiguration",
                    &configuration,
                    Patch::new().pulse_license_management(enabled),
                    "isLicenseManagementEnabled",
                    json!(enabled),
                ),
                (
                    "PulseConfiguration",
                    &configuration,
                    Patch::new().pulse_company_mapping(enabled),
                    "isCompanyMappingEnabled",
                    json!(enabled),
                ),
                (
                    "PulseConfiguration",
                    &configuration,
                    Patch::new().pulse_pushing_new_companies(enabled),
                    "isPushingNewCompaniesToPulseEnabled",
                    json!(enabled),
                ),
                (
                    "PulseTenant",
                    &tenant,
                    Patch::new().pulse_tenant_mapping(company),
                    "mappedMasterOrganizationUid",
                    json!(company.map(|c| c.to_string())),
                ),
            ];
            for (schema, value, patch, property, expected) in changes {
                prop_assert_eq!(patch.operations().len(), 1, "{}", property);
                let after = applied(spec, value, &patch)?;
                check_valid(spec, schema, &after)?;
                prop_assert_eq!(&after[property], &expected, "{}", property);
                for (key, was) in value.as_object().unwrap() {
                    if key != property {
                        prop_assert_eq!(&after[key], was, "{} changed {}", property, key);
                    }
                }
                // The typed model reads what the console would then hold.
                round_trip(schema, &after)
                    .expect("a generated type")
                    .map_err(|e| TestCaseError::fail(format!("{schema}: {e}\n{after}")))?;
            }
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("Patch::pulse_* (configuration, tenant): {failure}");
    }
}
