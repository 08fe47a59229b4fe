//! VCSP Pulse, as the simulator serves it: seeded contracts (each with a points limit and an
//! expiry), products (each with its workloads and their point multipliers) and the licenses
//! issued under them. Creating a license is checked as Pulse checks it: an unknown product,
//! contract or workload is a `400` naming it, and a contract's points limit is enforced.

use chrono::{DateTime, Datelike, Duration as ChronoDuration, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::model::spec_facts::SpecOperation;
use crate::types::{
    PulseConfiguration, PulseLicense, PulseLicenseContract, PulseLicenseInput, PulseLicenseProduct,
    PulseTenant,
};

use super::app::App;
use super::license_file::SimulatorLicense;
use super::operations::{collection, single, Call};
use super::response::{code, Reply};
use super::state::{LicenseResource, Organization};
use crate::api::product::Product;
use crate::model::enums::{
    LicensePackage, LicenseSectionType, LicenseType, LicenseUnitType, OrganizationType,
};
use crate::types::{BackupServerLicense, VOneServerLicense, Vb365ServerLicense};

/// Pulse's data: what the provider's contracts allow and what was issued under them.
#[derive(Clone, Debug, Default)]
pub(crate) struct PulseState {
    pub(crate) contracts: Vec<PulseLicenseContract>,
    pub(crate) products: Vec<PulseLicenseProduct>,
    /// In the order issued.
    pub(crate) licenses: Vec<PulseLicense>,
    /// How many licenses were ever issued (the source of their UIDs).
    pub(crate) issued: u64,
    /// Which Pulse license each managed server was given, by the server's UID.
    pub(crate) installed: std::collections::HashMap<Uuid, Uuid>,
    /// The licenses revoked: Pulse keeps them, unassigned, and servers running them lose them.
    pub(crate) revoked: std::collections::HashSet<Uuid>,
    /// The console's connection to Pulse, as `PatchPulseConfiguration` last left it.
    pub(crate) configuration: PulseConfiguration,
    /// Pulse's tenants, each mapped to a company of the console or to none.
    pub(crate) tenants: Vec<PulseTenant>,
    /// How many tenants were ever created from the console (the source of their ids).
    pub(crate) tenants_created: u64,
}

/// The managed server a Pulse product's license goes on.
fn server_product(product_id: &str) -> Option<Product> {
    match product_id {
        "VBR" => Some(Product::BackupServer),
        "VONE" => Some(Product::VOneServer),
        "VB365" => Some(Product::Vb365Server),
        _ => None,
    }
}

/// The license file a Pulse license amounts to on a server of `product`: a rental license
/// with the Pulse license's id, expiry and units (the sum of its workload counts).
pub(crate) fn license_file(license: &PulseLicense, product: Product) -> SimulatorLicense {
    SimulatorLicense {
        product,
        license_id: license.license_id.unwrap_or(license.instance_uid),
        company: "VCSP Pulse tenant".to_owned(),
        email: None,
        contact_person: None,
        edition: None,
        license_type: LicenseType::Rental,
        unit_type: LicenseUnitType::Instances,
        units: license.workloads.iter().map(|w| f64::from(w.count)).sum(),
        sockets: None,
        expiration_date: license.expiration_date.unwrap_or_default(),
        support_expiration_date: license.expiration_date,
        support_id: None,
        packages: vec![LicensePackage::Backup],
        section_types: vec![LicenseSectionType::Instance],
    }
}

/// What a server running a Pulse license gets at its next license update: the Pulse license
/// as it is now, or `None` when it was revoked or deleted (the copy becomes invalid).
pub(crate) fn for_update(
    pulse: &PulseState,
    server: &Uuid,
    product: Product,
) -> Option<Option<SimulatorLicense>> {
    let license = pulse.installed.get(server)?;
    Some(
        find(pulse, license)
            .filter(|license| !revoked(pulse, license))
            .map(|license| license_file(license, product)),
    )
}

fn revoked(pulse: &PulseState, license: &PulseLicense) -> bool {
    pulse.revoked.contains(&license.instance_uid)
}

/// The `n`th issued license's UID of `kind` (instance or license id).
fn issued_uid(kind: u128, n: u64) -> Uuid {
    Uuid::from_u128((0x9015_e000_u128 << 96) | (kind << 64) | (u128::from(n) + 1))
}

/// Decodes a seeded value as the generated type; the seed is ours, so a failure is a bug in it.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(typed) => typed,
        Err(e) => unreachable!("the simulator's Pulse seed does not fit the spec: {e}"),
    }
}

/// The seeded Pulse: two contracts (a roomy one and a nearly spent one), three products (one
/// per kind of managed server that takes rental licenses), no licenses yet; a configured
/// connection; a tenant mapped to each of the first two companies of `organizations` and one
/// tenant mapped to none.
pub(crate) fn seed(now: DateTime<Utc>, organizations: &[Organization]) -> PulseState {
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
    let configuration = typed(json!({
        "token": null, "status": "Configured", "statusMessage": "",
        "isCompanyMappingEnabled": true, "isLicenseManagementEnabled": true,
        "isPushingNewCompaniesToPulseEnabled": false,
        "lastUpdateDate": now, "tokenExpirationDate": now + ChronoDuration::days(180),
    }));
    let mut tenants: Vec<PulseTenant> = organizations
        .iter()
        .filter(|org| org.kind == OrganizationType::Company)
        .take(2)
        .enumerate()
        .map(|(i, org)| {
            typed(
                json!({"instanceUid": format!("PT{:016}", i + 1), "name": org.name,
                "mappingStatus": "Mapped", "mappedMasterOrganizationUid": org.uid,
                "mergedOrganizationUids": []}),
            )
        })
        .collect();
    tenants.push(typed(json!({"instanceUid": "PT0000000000000099",
        "name": "Unmapped Pulse tenant", "mappingStatus": "NotMapped",
        "mappedMasterOrganizationUid": null, "mergedOrganizationUids": []})));
    PulseState {
        contracts,
        products,
        licenses: Vec::new(),
        issued: 0,
        installed: Default::default(),
        revoked: Default::default(),
        configuration,
        tenants,
        tenants_created: 0,
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
            | S::PatchPulseLicense
            | S::InstallPulseLicense
            | S::RevokePulseLicense
            | S::CopyPulseLicense
            | S::SyncPulseData
            | S::GetPulseConfiguration
            | S::PatchPulseConfiguration
            | S::GetPulseTenants
            | S::CreatePulseTenantByCompany
            | S::GetPulseTenant
            | S::PatchPulseTenant
            | S::CreateCompanyByPulseTenant
            | S::DownloadPulseLicense
            | S::GetPulseVdcMonthlyUsages
    )
}

/// Whether `operation` names a Pulse tenant in its path (by Pulse's own id, not a UUID).
pub(crate) fn names_tenant(operation: SpecOperation) -> bool {
    matches!(
        operation,
        SpecOperation::GetPulseTenant
            | SpecOperation::PatchPulseTenant
            | SpecOperation::CreateCompanyByPulseTenant
    )
}

/// Whether `operation` changes Pulse's data, or (a download) hands out a license: neither is
/// for a read-only key.
pub(crate) fn is_write(operation: SpecOperation) -> bool {
    matches!(
        operation,
        SpecOperation::DownloadPulseLicense
            | SpecOperation::CreatePulseLicense
            | SpecOperation::DeletePulseLicense
            | SpecOperation::PatchPulseLicense
            | SpecOperation::InstallPulseLicense
            | SpecOperation::RevokePulseLicense
            | SpecOperation::CopyPulseLicense
            | SpecOperation::SyncPulseData
            | SpecOperation::PatchPulseConfiguration
            | SpecOperation::CreatePulseTenantByCompany
            | SpecOperation::PatchPulseTenant
            | SpecOperation::CreateCompanyByPulseTenant
    )
}

/// Refuses a malformed `select`, or one naming a property a `T` lacks, before a write changes
/// anything: answering `400` after the write was made would tell the caller it was not.
fn check_select<T: schemars::JsonSchema + 'static>(call: &Call) -> Result<(), Reply> {
    super::query::parse(&call.params, super::query::shape_of::<T>(), false).map(drop)
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
        // The simulator is its own Pulse: there is nothing newer to fetch.
        S::SyncPulseData => Reply::empty(),
        S::CopyPulseLicense => copy(app, call, uid.unwrap_or_default()),
        S::PatchPulseLicense => change(app, call, uid.unwrap_or_default()),
        S::InstallPulseLicense => install(app, call, uid.unwrap_or_default()),
        S::RevokePulseLicense => {
            let uid = uid.unwrap_or_default();
            let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
            let Some(license) = state
                .pulse
                .licenses
                .iter_mut()
                .find(|l| l.instance_uid == uid)
            else {
                return missing(&uid);
            };
            license.assign_status = typed(json!("NotAssigned"));
            license.assigned_company_uid = None;
            state.pulse.revoked.insert(uid);
            state.count_change(format!("pulse/licenses/{uid}"));
            Reply::empty()
        }
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
        S::GetPulseConfiguration => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            single(&state.pulse.configuration, &call.params, drift, false)
        }
        S::PatchPulseConfiguration => change_configuration(app, call),
        S::GetPulseTenants => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            collection(&state.pulse.tenants, &call.params, true, drift, false)
        }
        S::CreatePulseTenantByCompany => create_tenant(app, call),
        S::GetPulseVdcMonthlyUsages => vdc_monthly_usages(app, call),
        S::DownloadPulseLicense => {
            // The file is a string: no property to select, so only an empty selection fits.
            if let Err(reply) = check_select::<String>(call) {
                return reply;
            }
            let uid = uid.unwrap_or_default();
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            let Some(license) = find(&state.pulse, &uid) else {
                return missing(&uid);
            };
            if revoked(&state.pulse, license) {
                return Reply::bad_request(
                    code::INVALID_PARAMETER,
                    format!("Pulse license {uid} was revoked."),
                );
            }
            let Some(product) = server_product(&license.product_id) else {
                return Reply::bad_request(
                    code::INVALID_PARAMETER,
                    format!("product `{}` has no license file.", license.product_id),
                );
            };
            // The same file installing the license puts on a server, so a downloaded file
            // installed by hand is what `InstallPulseLicense` would have given it.
            let text = license_file(license, product).to_file_text();
            // No `meta: null`: Veeam's Python client reads a present `meta` as an object.
            Reply::ok(&json!({ "data": crate::api::base64::encode(text.as_bytes()) }))
        }
        other => Reply::not_found(format!("The simulator does not serve {other}.")),
    }
}

/// Serves a Pulse operation on the tenant whose Pulse id is `tenant`.
pub(crate) fn execute_on_tenant(
    app: &App,
    call: &Call,
    operation: SpecOperation,
    tenant: &str,
) -> Reply {
    let drift = app.config.drift;
    match operation {
        SpecOperation::GetPulseTenant => {
            let state = app.state.read().unwrap_or_else(|p| p.into_inner());
            match find_tenant(&state.pulse, tenant) {
                Some(found) => single(found, &call.params, drift, false),
                None => missing_tenant(tenant),
            }
        }
        SpecOperation::PatchPulseTenant => change_tenant(app, call, tenant),
        SpecOperation::CreateCompanyByPulseTenant => create_company(app, call, tenant),
        other => Reply::not_found(format!("The simulator does not serve {other}.")),
    }
}

fn find_tenant<'a>(pulse: &'a PulseState, tenant: &str) -> Option<&'a PulseTenant> {
    pulse
        .tenants
        .iter()
        .find(|t| t.instance_uid.as_deref() == Some(tenant))
}

/// Where the tenant with id `tenant` is among the seeded ones; `404` naming it otherwise.
fn tenant_index(pulse: &PulseState, tenant: &str) -> Result<usize, Reply> {
    pulse
        .tenants
        .iter()
        .position(|t| t.instance_uid.as_deref() == Some(tenant))
        .ok_or_else(|| missing_tenant(tenant))
}

fn missing_tenant(tenant: &str) -> Reply {
    Reply::not_found(format!("There is no Pulse tenant with id `{tenant}`."))
}

fn conflict(message: String) -> Reply {
    Reply::error(
        axum::http::StatusCode::CONFLICT,
        "logical",
        code::NOT_ALLOWED,
        message,
    )
}

/// The value of the query parameter `name`, if sent.
fn param<'a>(call: &'a Call, name: &str) -> Option<&'a str> {
    call.params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The properties of the Pulse configuration a JSON Patch may change.
const CONFIGURATION_CHANGEABLE: &[&str] = &[
    "/token",
    "/isCompanyMappingEnabled",
    "/isLicenseManagementEnabled",
    "/isPushingNewCompaniesToPulseEnabled",
];

/// Applies a JSON Patch to the Pulse configuration. A new token is taken (and never answered
/// back): the connection counts as configured again from now.
fn change_configuration(app: &App, call: &Call) -> Reply {
    if let Err(reply) = check_select::<PulseConfiguration>(call) {
        return reply;
    }
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let mut patched: PulseConfiguration = match patch_pulse(
        &state.pulse.configuration,
        &call.body,
        CONFIGURATION_CHANGEABLE,
        &["/token"],
        "configuration",
    ) {
        Ok(patched) => patched,
        Err(reply) => return reply,
    };
    let now = state.now;
    if let Some(token) = patched.token.take() {
        if token.trim().is_empty() {
            return Reply::bad_request(code::INVALID_PARAMETER, "token is empty.");
        }
        patched.status = typed(json!("Configured"));
        patched.status_message = Some(String::new());
        patched.token_expiration_date = Some(now + ChronoDuration::days(180));
    }
    patched.last_update_date = Some(now);
    state.pulse.configuration = patched;
    state.count_change("pulse".to_owned());
    single(
        &state.pulse.configuration,
        &call.params,
        app.config.drift,
        false,
    )
}

/// Creates the Pulse tenant of a company of the console and maps the two; a company already
/// mapped is a `409` unless `rewriteExisting=true`, which moves the mapping to the new tenant.
fn create_tenant(app: &App, call: &Call) -> Reply {
    if let Err(reply) = check_select::<PulseTenant>(call) {
        return reply;
    }
    let Some(company) = param(call, "companyUid") else {
        return Reply::bad_request(code::INVALID_PARAMETER, "companyUid is required.");
    };
    let company = match super::routes::uid(company, "companyUid") {
        Ok(company) => company,
        Err(reply) => return reply,
    };
    let rewrite = match param(call, "rewriteExisting") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("rewriteExisting must be true or false, not `{other}`."),
            )
        }
    };
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let Some(org) = state
        .organizations
        .iter()
        .find(|org| org.uid == company)
        .cloned()
    else {
        return Reply::not_found(format!("There is no company with UID {company}."));
    };
    if org.kind != OrganizationType::Company {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("companyUid {company} is a {:?}, not a company.", org.kind),
        );
    }
    let mapped = state
        .pulse
        .tenants
        .iter()
        .position(|t| t.mapped_master_organization_uid == Some(company));
    if let Some(index) = mapped {
        if !rewrite {
            let existing = state.pulse.tenants[index]
                .instance_uid
                .clone()
                .unwrap_or_default();
            return conflict(format!(
                "Company {company} is already mapped to Pulse tenant `{existing}`; send rewriteExisting=true to replace it."
            ));
        }
        unmap(&mut state.pulse.tenants[index]);
    }
    state.pulse.tenants_created += 1;
    let tenant: PulseTenant = typed(json!({
        "instanceUid": format!("PTC{:015}", state.pulse.tenants_created),
        "name": org.name, "mappingStatus": "Mapped",
        "mappedMasterOrganizationUid": company, "mergedOrganizationUids": [],
    }));
    state.pulse.tenants.push(tenant.clone());
    state.count_change(format!(
        "pulse/tenants/{}",
        tenant.instance_uid.as_deref().unwrap_or_default()
    ));
    single(&tenant, &call.params, app.config.drift, false)
}

fn unmap(tenant: &mut PulseTenant) {
    tenant.mapped_master_organization_uid = None;
    tenant.mapping_status = typed(json!("NotMapped"));
}

/// The properties of a Pulse tenant a JSON Patch may change.
const TENANT_CHANGEABLE: &[&str] = &["/mappedMasterOrganizationUid"];

/// Applies a JSON Patch to a Pulse tenant: mapping it to a company of the console (which must
/// exist and be mapped to no other tenant, else `404`/`409`) or unmapping it with `null`.
fn change_tenant(app: &App, call: &Call, tenant: &str) -> Reply {
    if let Err(reply) = check_select::<PulseTenant>(call) {
        return reply;
    }
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let index = match tenant_index(&state.pulse, tenant) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    let mut patched: PulseTenant = match patch_pulse(
        &state.pulse.tenants[index],
        &call.body,
        TENANT_CHANGEABLE,
        TENANT_CHANGEABLE,
        "tenant",
    ) {
        Ok(patched) => patched,
        Err(reply) => return reply,
    };
    match patched.mapped_master_organization_uid {
        Some(company) => {
            if !state
                .organizations
                .iter()
                .any(|org| org.uid == company && org.kind == OrganizationType::Company)
            {
                return Reply::not_found(format!("There is no company with UID {company}."));
            }
            if let Some(other) = state
                .pulse
                .tenants
                .iter()
                .enumerate()
                .find(|(i, t)| *i != index && t.mapped_master_organization_uid == Some(company))
            {
                return conflict(format!(
                    "Company {company} is already mapped to Pulse tenant `{}`.",
                    other.1.instance_uid.as_deref().unwrap_or_default()
                ));
            }
            patched.mapping_status = typed(json!("Mapped"));
        }
        None => unmap(&mut patched),
    }
    state.pulse.tenants[index] = patched;
    state.count_change(format!("pulse/tenants/{tenant}"));
    single(
        &state.pulse.tenants[index],
        &call.params,
        app.config.drift,
        false,
    )
}

/// Creates a company of the console from an unmapped Pulse tenant, its resources on a
/// Cloud Connect site the simulator manages, and maps the two.
fn create_company(app: &App, call: &Call, tenant: &str) -> Reply {
    if let Err(reply) = check_select::<crate::types::Organization>(call) {
        return reply;
    }
    let Some(site) = param(call, "siteUid") else {
        return Reply::bad_request(code::INVALID_PARAMETER, "siteUid is required.");
    };
    let site = match super::routes::uid(site, "siteUid") {
        Ok(site) => site,
        Err(reply) => return reply,
    };
    if let Some(pool) = param(call, "gatewayPoolUid") {
        if let Err(reply) = super::routes::uid(pool, "gatewayPoolUid") {
            return reply;
        }
    }
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let index = match tenant_index(&state.pulse, tenant) {
        Ok(index) => index,
        Err(reply) => return reply,
    };
    if !state.sites.uids().contains(&site) {
        return Reply::not_found(format!("There is no Cloud Connect site with UID {site}."));
    }
    if let Some(company) = state.pulse.tenants[index].mapped_master_organization_uid {
        return conflict(format!(
            "Pulse tenant `{tenant}` is already mapped to company {company}."
        ));
    }
    state.pulse.tenants_created += 1;
    let uid = Uuid::from_u128((0x9015_c000_u128 << 96) | u128::from(state.pulse.tenants_created));
    let name = state.pulse.tenants[index]
        .name
        .clone()
        .unwrap_or_else(|| tenant.to_owned());
    state.organizations.push(Organization {
        uid,
        name: name.clone(),
        kind: OrganizationType::Company,
    });
    // A new company uses nothing yet, but the usage view lists it like every other company.
    let provider = state
        .organizations
        .iter()
        .find(|org| org.kind == OrganizationType::Provider)
        .map(|org| org.uid);
    // A console's overlay may add properties (the overlay build test adds one), so the rest
    // is defaulted, as in the seed data.
    #[allow(clippy::needless_update)]
    let usage = crate::types::OrganizationCurrentLicenseUsage {
        organization_type: Some(OrganizationType::Company),
        organization_uid: Some(uid),
        provider_uid: provider,
        servers: Vec::new(),
        ..Default::default()
    };
    state.usage.push(usage);
    let mapped = &mut state.pulse.tenants[index];
    mapped.mapped_master_organization_uid = Some(uid);
    mapped.mapping_status = typed(json!("Mapped"));
    state.count_change(format!("pulse/tenants/{tenant}"));
    let alias: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let company: crate::types::Organization = typed(json!({
        "instanceUid": uid, "name": name, "alias": alias, "type": "Company",
        "notes": "Created from its VCSP Pulse tenant.", "veeamTenantId": tenant,
    }));
    single(&company, &call.params, app.config.drift, false)
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
    if let Err(reply) = check_select::<PulseLicense>(call) {
        return reply;
    }
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

/// The properties of a Pulse license a JSON Patch may change.
const CHANGEABLE: &[&str] = &[
    "/workloads",
    "/expirationDate",
    "/description",
    "/automaticExtensionStatus",
];

/// Applies a JSON Patch to a Pulse license; servers running it see the change at their next
/// license update.
fn change(app: &App, call: &Call, uid: Uuid) -> Reply {
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let Some(current) = find(&state.pulse, &uid) else {
        return missing(&uid);
    };
    // A property the license leaves out (no description yet) is there to be replaced, as on
    // a console, which always writes every property.
    let mut patched: PulseLicense =
        match patch_pulse(current, &call.body, CHANGEABLE, CHANGEABLE, "license") {
            Ok(patched) => patched,
            Err(reply) => return reply,
        };
    let product = state
        .pulse
        .products
        .iter()
        .find(|p| p.product_id.as_deref() == Some(patched.product_id.as_str()));
    let mut points = 0.0;
    for workload in &patched.workloads {
        let multiplier = product
            .and_then(|p| {
                p.workloads
                    .iter()
                    .find(|w| w.workload_id.as_deref() == Some(workload.workload_id.as_str()))
            })
            .and_then(|w| w.multiplier);
        let Some(multiplier) = multiplier else {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!(
                    "workloadId `{}` is not a workload of product `{}`.",
                    workload.workload_id, patched.product_id
                ),
            );
        };
        points += f64::from(workload.count) * multiplier;
    }
    // A change that raises the points is held to the contract's limit as a new license is
    // (the license's points before the change are not counted twice); one that lowers them,
    // or leaves them, always goes through.
    if let Some(contract_id) = patched.contract_id.as_deref() {
        let limit = state
            .pulse
            .contracts
            .iter()
            .find(|c| c.contract_id.as_deref() == Some(contract_id))
            .and_then(|c| c.points_limit)
            .map_or(f64::MAX, f64::from);
        let others = points_used(&state.pulse, contract_id) - current.points;
        if points > current.points && others + points > limit {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!(
                    "The license would need {points} points; contract `{contract_id}` has {} of its {limit} left for it.",
                    limit - others
                ),
            );
        }
    }
    patched.points = points;
    let reply = single(&patched, &call.params, app.config.drift, false);
    if reply.is_success() {
        if let Some(slot) = state
            .pulse
            .licenses
            .iter_mut()
            .find(|l| l.instance_uid == uid)
        {
            *slot = patched;
        }
        state.count_change(format!("pulse/licenses/{uid}"));
    }
    reply
}

/// Installs a Pulse license on the managed server `serverUid` names, which must be of the kind
/// the license's product licenses.
fn install(app: &App, call: &Call, uid: Uuid) -> Reply {
    let Some((_, server)) = call.params.iter().find(|(name, _)| name == "serverUid") else {
        return Reply::bad_request(code::INVALID_PARAMETER, "serverUid is required.");
    };
    let server = match super::routes::uid(server, "serverUid") {
        Ok(server) => server,
        Err(reply) => return reply,
    };
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let now = chrono::Utc::now().max(state.now);
    let Some(license) = find(&state.pulse, &uid).cloned() else {
        return missing(&uid);
    };
    if revoked(&state.pulse, &license) {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("Pulse license {uid} was revoked."),
        );
    }
    let Some(product) = server_product(&license.product_id) else {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!(
                "product `{}` goes on no managed server.",
                license.product_id
            ),
        );
    };
    let file = license_file(&license, product);
    let fitted = match product {
        Product::BackupServer => put::<BackupServerLicense>(&mut state, &server, &file, now),
        Product::VOneServer => put::<VOneServerLicense>(&mut state, &server, &file, now),
        _ => put::<Vb365ServerLicense>(&mut state, &server, &file, now),
    };
    if !fitted {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!(
                "serverUid {server} is no {} the simulator manages; product `{}` licenses only those.",
                product.facts().resource_name(),
                license.product_id
            ),
        );
    }
    state.pulse.installed.insert(server, uid);
    if let Some(slot) = state
        .pulse
        .licenses
        .iter_mut()
        .find(|l| l.instance_uid == uid)
    {
        slot.assign_status = typed(json!("Assigned"));
    }
    state.count_change(format!("pulse/licenses/{uid}"));
    Reply::empty()
}

/// Installs `file` on the server `uid` of type `T`; false when there is no such server.
fn put<T: LicenseResource>(
    state: &mut super::state::State,
    uid: &Uuid,
    file: &SimulatorLicense,
    now: DateTime<Utc>,
) -> bool {
    let Some(license) = T::store_mut(state).get_mut(uid) else {
        return false;
    };
    license.install(file, now);
    state.count_change(format!("{}/{uid}", T::PRODUCT.facts().collection_segment()));
    true
}

/// Issues a new, unassigned license like `uid` (same product, contract, expiry and
/// workloads), within the contract's points limit.
fn copy(app: &App, call: &Call, uid: Uuid) -> Reply {
    if let Err(reply) = check_select::<PulseLicense>(call) {
        return reply;
    }
    let mut state = app.state.write().unwrap_or_else(|p| p.into_inner());
    let Some(original) = find(&state.pulse, &uid).cloned() else {
        return missing(&uid);
    };
    let contract_id = original.contract_id.clone().unwrap_or_default();
    let limit = state
        .pulse
        .contracts
        .iter()
        .find(|c| c.contract_id.as_deref() == Some(contract_id.as_str()))
        .and_then(|c| c.points_limit)
        .map_or(f64::MAX, f64::from);
    let used = points_used(&state.pulse, &contract_id);
    if used + original.points > limit {
        return Reply::bad_request(
            code::INVALID_PARAMETER,
            format!(
                "A copy needs {} points; contract `{contract_id}` has {} of its {limit} left.",
                original.points,
                limit - used
            ),
        );
    }
    let issued = state.pulse.issued;
    state.pulse.issued += 1;
    let mut copy = original;
    copy.instance_uid = issued_uid(0x1, issued);
    copy.license_id = Some(issued_uid(0x2, issued));
    copy.assign_status = typed(json!("NotAssigned"));
    copy.assigned_company_uid = None;
    copy.assigned_reseller_uid = None;
    state.pulse.licenses.push(copy.clone());
    state.count_change(format!("pulse/licenses/{}", copy.instance_uid));
    single(&copy, &call.params, app.config.drift, false)
}

/// How many months of Veeam Data Cloud usage the simulator has, the current month last.
const VDC_MONTHS: u32 = 3;

/// Veeam Data Cloud usage by month, for consoles of the API versions that have the operation
/// (`404` on older ones, as they do not know the path): each mapped tenant used a number of
/// Microsoft 365 users that grows by month, derived from the tenant, so a run answers the same
/// every time. `from` and `to` (`YYYY-MM`) bound the months.
fn vdc_monthly_usages(app: &App, call: &Call) -> Reply {
    let operation = SpecOperation::GetPulseVdcMonthlyUsages;
    if operation
        .since()
        .is_some_and(|since| app.config.api_version < since)
    {
        return Reply::not_found(format!(
            "This console (API {}) has no {operation}.",
            app.config.api_version
        ));
    }
    let month = |name: &str| -> Result<Option<String>, Reply> {
        let Some(value) = param(call, name) else {
            return Ok(None);
        };
        let valid = value.len() == 7
            && value.as_bytes()[4] == b'-'
            && value[..4].bytes().all(|b| b.is_ascii_digit())
            && value[5..]
                .parse::<u32>()
                .is_ok_and(|m| (1..=12).contains(&m));
        if valid {
            Ok(Some(value.to_owned()))
        } else {
            Err(Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("{name} must be a month written YYYY-MM, not `{value}`."),
            ))
        }
    };
    let (from, to) = match (month("from"), month("to")) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    if let (Some(from), Some(to)) = (&from, &to) {
        if from > to {
            return Reply::bad_request(
                code::INVALID_PARAMETER,
                format!("from {from} is after to {to}."),
            );
        }
    }
    let state = app.state.read().unwrap_or_else(|p| p.into_inner());
    let periods: Vec<crate::types::PulseVdcMonthlyUsagePeriod> = (0..VDC_MONTHS)
        .rev()
        .filter_map(|back| {
            let first = state.now.date_naive().with_day(1)?;
            first.checked_sub_months(chrono::Months::new(back))
        })
        .map(|first| first.format("%Y-%m").to_string())
        // Counted before the bounds, so a month's usage is the same however it is asked for.
        .enumerate()
        .filter(|(_, m)| from.as_ref().is_none_or(|from| m >= from))
        .filter(|(_, m)| to.as_ref().is_none_or(|to| m <= to))
        .map(|(index, month)| {
            let tenants: Vec<Value> = state
                .pulse
                .tenants
                .iter()
                .filter(|t| t.mapped_master_organization_uid.is_some())
                .map(|t| {
                    let id = t.instance_uid.clone().unwrap_or_default();
                    let base = id.bytes().map(u32::from).sum::<u32>() % 50 + 10;
                    let users = base + 5 * index as u32;
                    json!({"tenantUid": id, "workloads": [{
                        "productCode": "VDC-M365", "productName": "Veeam Data Cloud for Microsoft 365",
                        "unitType": "User", "usedUnits": users, "totalUnits": users,
                        "weight": 1.0, "usedPoints": users, "location": "EU"}]})
                })
                .collect();
            typed(json!({"month": month, "tenants": tenants}))
        })
        .collect();
    collection(&periods, &call.params, true, app.config.drift, false)
}

/// Lays a scenario's `pulse` object over the seeded Pulse: each collection it lists replaces
/// the seeded one, every entry laid over defaults (so a scenario names only what it needs).
/// Listed licenses are checked as `CreatePulseLicense` checks a new one (a known product,
/// contract and workloads; the contract's points limit), their points computed from their
/// workloads; every problem is `(JSON pointer, message)`.
pub(crate) fn from_scenario(
    pulse: &mut PulseState,
    given: &serde_json::Map<String, Value>,
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    fn laid<T: serde::de::DeserializeOwned>(
        collection: &str,
        listed: &[Value],
        default: impl Fn(usize) -> Value,
        problems: &mut Vec<(String, String)>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for (index, entry) in listed.iter().enumerate() {
            let mut merged = default(index);
            if let (Some(base), Some(entry)) = (merged.as_object_mut(), entry.as_object()) {
                for (key, value) in entry {
                    base.insert(key.clone(), value.clone());
                }
            }
            match serde_json::from_value(merged) {
                Ok(typed) => out.push(typed),
                Err(e) => problems.push((format!("/pulse/{collection}/{index}"), e.to_string())),
            }
        }
        out
    }
    let list = |key: &str| given.get(key).and_then(Value::as_array).map(Vec::as_slice);
    if let Some(listed) = list("contracts") {
        pulse.contracts = laid(
            "contracts",
            listed,
            |i| {
                json!({"contractId": format!("C-{}", 2001 + i), "pointsLimit": 1000.0,
                "expirationDate": now + ChronoDuration::days(365),
                "automaticExtensionAlwaysOn": false})
            },
            &mut problems,
        );
    }
    if let Some(listed) = list("products") {
        pulse.products = laid(
            "products",
            listed,
            |i| json!({"productId": format!("P{}", i + 1), "name": format!("Product {}", i + 1), "workloads": []}),
            &mut problems,
        );
    }
    if let Some(listed) = list("tenants") {
        pulse.tenants = laid(
            "tenants",
            listed,
            |i| {
                json!({"instanceUid": format!("PT{:016}", 101 + i), "name": format!("Pulse tenant {}", i + 1),
                "mappingStatus": "NotMapped", "mappedMasterOrganizationUid": null,
                "mergedOrganizationUids": []})
            },
            &mut problems,
        );
    }
    let Some(listed) = list("licenses") else {
        return problems;
    };
    let first_contract = pulse.contracts.first().and_then(|c| c.contract_id.clone());
    let first_product = pulse.products.first().and_then(|p| p.product_id.clone());
    let licenses: Vec<PulseLicense> = laid(
        "licenses",
        listed,
        |i| {
            json!({"instanceUid": issued_uid(0x1, i as u64), "licenseId": issued_uid(0x2, i as u64),
            "productId": first_product, "contractId": first_contract,
            "expirationDate": now + ChronoDuration::days(30), "points": 0.0,
            "type": "Rental", "usageType": "SingleCustomerUse", "assignStatus": "NotAssigned",
            "automaticReportingStatus": "Off", "automaticExtensionStatus": "Off",
            "createdBy": "scenario", "workloads": []})
        },
        &mut problems,
    );
    let mut checked = Vec::new();
    for (index, mut license) in licenses.into_iter().enumerate() {
        let at = format!("/pulse/licenses/{index}");
        let Some(product) = pulse
            .products
            .iter()
            .find(|p| p.product_id.as_deref() == Some(license.product_id.as_str()))
        else {
            problems.push((
                format!("{at}/productId"),
                format!(
                    "`{}` is not a product of the scenario's Pulse",
                    license.product_id
                ),
            ));
            continue;
        };
        let contract_id = license.contract_id.clone().unwrap_or_default();
        let Some(contract) = pulse
            .contracts
            .iter()
            .find(|c| c.contract_id.as_deref() == Some(contract_id.as_str()))
        else {
            problems.push((
                format!("{at}/contractId"),
                format!("`{contract_id}` is not a contract of the scenario's Pulse"),
            ));
            continue;
        };
        let mut points = 0.0;
        let mut known_all = true;
        for (w, workload) in license.workloads.iter_mut().enumerate() {
            match product
                .workloads
                .iter()
                .find(|k| k.workload_id.as_deref() == Some(workload.workload_id.as_str()))
            {
                Some(known) => {
                    let multiplier = known.multiplier.unwrap_or(1.0);
                    workload.multiplier = Some(multiplier);
                    if workload.name.is_none() {
                        workload.name = known.name.clone();
                    }
                    points += f64::from(workload.count) * multiplier;
                }
                None => {
                    known_all = false;
                    problems.push((
                        format!("{at}/workloads/{w}/workloadId"),
                        format!(
                            "`{}` is not a workload of product `{}`",
                            workload.workload_id, license.product_id
                        ),
                    ));
                }
            }
        }
        if !known_all {
            continue;
        }
        license.points = points;
        let limit = contract.points_limit.map_or(f64::MAX, f64::from);
        let used: f64 = checked
            .iter()
            .filter(|l: &&PulseLicense| l.contract_id.as_deref() == Some(contract_id.as_str()))
            .map(|l| l.points)
            .sum();
        if used + points > limit {
            problems.push((
                at,
                format!(
                    "the license needs {points} points; contract `{contract_id}` has {} of its {limit} left",
                    limit - used
                ),
            ));
            continue;
        }
        checked.push(license);
    }
    pulse.issued = checked.len() as u64;
    pulse.licenses = checked;
    problems
}

/// [`super::patch::apply`] on a Pulse resource. The generated types leave an empty optional
/// property out, and a JSON Patch `replace` needs its path to exist, so the properties in
/// `absent_as_null` are written as `null` first. The result is decoded back into the
/// resource's type; a value the schema does not take is a `400` naming `what`.
fn patch_pulse<T: serde::Serialize + serde::de::DeserializeOwned>(
    current: &T,
    body: &[u8],
    writable: &[&str],
    absent_as_null: &[&str],
    what: &str,
) -> Result<T, Reply> {
    let mut document = serde_json::to_value(current).unwrap_or(Value::Null);
    if let Some(object) = document.as_object_mut() {
        for path in absent_as_null {
            object
                .entry(path.trim_start_matches('/'))
                .or_insert(Value::Null);
        }
    }
    let patched = super::patch::apply(&document, body, writable)?;
    serde_json::from_value(patched).map_err(|e| {
        Reply::bad_request(
            code::INVALID_PARAMETER,
            format!("The patched Pulse {what} is not valid: {e}"),
        )
    })
}
