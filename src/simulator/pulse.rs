//! VCSP Pulse, as the simulator serves it: seeded contracts (each with a points limit and an
//! expiry), products (each with its workloads and their point multipliers) and the licenses
//! issued under them. Creating a license is checked as Pulse checks it: an unknown product,
//! contract or workload is a `400` naming it, and a contract's points limit is enforced.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::model::spec_facts::SpecOperation;
use crate::types::{PulseLicense, PulseLicenseContract, PulseLicenseInput, PulseLicenseProduct};

use super::app::App;
use super::operations::{collection, single, Call};
use super::response::{code, Reply};

/// Pulse's data: what the provider's contracts allow and what was issued under them.
#[derive(Clone, Debug, Default)]
pub(crate) struct PulseState {
    pub(crate) contracts: Vec<PulseLicenseContract>,
    pub(crate) products: Vec<PulseLicenseProduct>,
    /// In the order issued.
    pub(crate) licenses: Vec<PulseLicense>,
    /// How many licenses were ever issued (the source of their UIDs).
    pub(crate) issued: u64,
}

/// The `n`th issued license's UID of `kind` (instance or license id).
fn issued_uid(kind: u128, n: u64) -> Uuid {
    Uuid::from_u128((0x9015_e000_u128 << 96) | (kind << 64) | u128::from(n) + 1)
}

/// Decodes a seeded value as the generated type; the seed is ours, so a failure is a bug in it.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(typed) => typed,
        Err(e) => unreachable!("the simulator's Pulse seed does not fit the spec: {e}"),
    }
}

/// The seeded Pulse: two contracts (a roomy one and a nearly spent one), three products (one
/// per kind of managed server that takes rental licenses), no licenses yet.
pub(crate) fn seed(now: DateTime<Utc>) -> PulseState {
    let year_out = now + ChronoDuration::days(365);
    let contracts = vec![
        typed(json!({"contractId": "C-1001", "pointsLimit": 1000.0,
            "expirationDate": year_out, "automaticExtensionAlwaysOn": false})),
        typed(json!({"contractId": "C-1002", "pointsLimit": 20.0,
            "expirationDate": now + ChronoDuration::days(90), "automaticExtensionAlwaysOn": true})),
    ];
    let products = vec![
        typed(
            json!({"productId": "VBR", "name": "Veeam Backup & Replication",
            "edition": "Enterprise Plus", "version": "12",
            "workloads": [
                {"workloadId": "VM", "name": "Virtual machine", "multiplier": 1.0},
                {"workloadId": "WS", "name": "Workstation agent", "multiplier": 0.5}]}),
        ),
        typed(
            json!({"productId": "VONE", "name": "Veeam ONE", "edition": "Enterprise Plus",
            "version": "12", "workloads": [
                {"workloadId": "VM", "name": "Virtual machine", "multiplier": 0.5}]}),
        ),
        typed(
            json!({"productId": "VB365", "name": "Veeam Backup for Microsoft 365",
            "edition": "Subscription", "version": "8", "workloads": [
                {"workloadId": "USER", "name": "User", "multiplier": 0.25}]}),
        ),
    ];
    PulseState {
        contracts,
        products,
        licenses: Vec::new(),
        issued: 0,
    }
}

/// Whether the simulator serves `operation` as part of Pulse.
pub(crate) fn serves(operation: SpecOperation) -> bool {
    use SpecOperation as S;
    matches!(
        operation,
        S::GetPulseLicenseContracts
            | S::GetPulseLicenseProducts
            | S::GetPulseLicenses
            | S::GetPulseLicense
            | S::CreatePulseLicense
            | S::DeletePulseLicense
    )
}

/// Whether `operation` changes Pulse's data.
pub(crate) fn is_write(operation: SpecOperation) -> bool {
    matches!(
        operation,
        SpecOperation::CreatePulseLicense | SpecOperation::DeletePulseLicense
    )
}

fn missing(uid: &Uuid) -> Reply {
    Reply::not_found(format!("There is no Pulse license with UID {uid}."))
}

/// Serves one Pulse operation; `uid` is the license of the path, if it names one.
pub(crate) fn execute(
    app: &App,
    call: &Call,
    operation: SpecOperation,
    uid: Option<Uuid>,
) -> Reply {
    use SpecOperation as S;
    let drift = app.config.drift;
    match operation {
        S::GetPulseLicenseContracts => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            collection(&state.pulse.contracts, &call.params, true, drift, false)
        }
        S::GetPulseLicenseProducts => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            collection(&state.pulse.products, &call.params, true, drift, false)
        }
        S::GetPulseLicenses => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            collection(&state.pulse.licenses, &call.params, true, drift, false)
        }
        S::GetPulseLicense => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            match uid.and_then(|uid| find(&state.pulse, &uid)) {
                Some(license) => single(license, &call.params, drift, false),
                None => missing(&uid.unwrap_or_default()),
            }
        }
        S::CreatePulseLicense => create(app, call),
        S::DeletePulseLicense => {
            let uid = uid.unwrap_or_default();
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            let before = state.pulse.licenses.len();
            state
                .pulse
                .licenses
                .retain(|license| license.instance_uid != uid);
            if state.pulse.licenses.len() == before {
                return missing(&uid);
            }
            state.count_change(format!("pulse/licenses/{uid}"));
            Reply::empty()
        }
        other => Reply::not_found(format!("The simulator does not serve {other}.")),
    }
}

fn find<'a>(pulse: &'a PulseState, uid: &Uuid) -> Option<&'a PulseLicense> {
    pulse
        .licenses
        .iter()
        .find(|license| license.instance_uid == *uid)
}

/// The points a contract's licenses hold.
fn points_used(pulse: &PulseState, contract_id: &str) -> f64 {
    pulse
        .licenses
        .iter()
        .filter(|license| license.contract_id.as_deref() == Some(contract_id))
        .map(|license| license.points)
        .sum()
}

/// Checks a new license against the product, the contract and its points, and issues it.
fn create(app: &App, call: &Call) -> Reply {
    let input: PulseLicenseInput = match serde_json::from_slice(&call.body) {
        Ok(input) => input,
        Err(e) => {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("The body is not a Pulse license input: {e}"),
            )
        }
    };
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let now = state.now;
    let pulse = &state.pulse;
    let Some(product) = pulse
        .products
        .iter()
        .find(|product| product.product_id.as_deref() == Some(input.product_id.as_str()))
    else {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("productId `{}` is not a Pulse product.", input.product_id),
        );
    };
    let Some(contract) = pulse
        .contracts
        .iter()
        .find(|contract| contract.contract_id.as_deref() == Some(input.contract_id.as_str()))
    else {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!(
                "contractId `{}` is not a Pulse contract.",
                input.contract_id
            ),
        );
    };
    if input.expiration_date <= now {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!(
                "expirationDate {} is not in the future.",
                input.expiration_date
            ),
        );
    }
    if let Some(end) = contract.expiration_date {
        if input.expiration_date > end {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!(
                    "expirationDate {} is after the end of contract `{}` ({end}).",
                    input.expiration_date, input.contract_id
                ),
            );
        }
    }
    if input.workloads.is_empty() {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            "workloads must name at least one workload.",
        );
    }
    let mut workloads = Vec::new();
    let mut points = 0.0;
    for wanted in &input.workloads {
        let Some(known) = product
            .workloads
            .iter()
            .find(|known| known.workload_id.as_deref() == Some(wanted.workload_id.as_str()))
        else {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!(
                    "workloadId `{}` is not a workload of product `{}`.",
                    wanted.workload_id, input.product_id
                ),
            );
        };
        let multiplier = known.multiplier.unwrap_or(1.0);
        let count = wanted.count.get();
        points += f64::from(count) * multiplier;
        workloads.push(json!({"workloadId": wanted.workload_id, "name": known.name,
            "count": count, "multiplier": multiplier}));
    }
    let limit = f64::from(contract.points_limit.unwrap_or(f32::MAX));
    let used = points_used(pulse, &input.contract_id);
    if used + points > limit {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!(
                "The license needs {points} points; contract `{}` has {} of its {limit} left.",
                input.contract_id,
                limit - used
            ),
        );
    }
    // Deterministic UIDs, so a seeded run answers the same every time.
    let issued = state.pulse.issued;
    state.pulse.issued += 1;
    let reporting = if input.is_automatic_reporting_enabled {
        "On"
    } else {
        "Off"
    };
    let license: PulseLicense = typed(json!({
        "instanceUid": issued_uid(0x1, issued),
        "licenseId": issued_uid(0x2, issued),
        "productId": input.product_id,
        "contractId": input.contract_id,
        "description": input.description,
        "expirationDate": input.expiration_date,
        "points": points,
        "type": "Rental",
        "usageType": "SingleCustomerUse",
        "assignStatus": "NotAssigned",
        "automaticReportingStatus": reporting,
        "automaticExtensionStatus": "Off",
        "createdBy": "simulator",
        "workloads": workloads,
    }));
    let uid = license.instance_uid;
    state.pulse.licenses.push(license.clone());
    state.count_change(format!("pulse/licenses/{uid}"));
    single(&license, &call.params, app.config.drift, false)
}
