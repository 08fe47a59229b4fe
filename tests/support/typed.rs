//! From a spec schema name to the generated Rust type: decode JSON into it and encode back.

use serde_json::Value;
use vspc_licensing::contract::{Operation, Spec};
use vspc_licensing::{enums, types};

/// What a typed round trip gave.
pub type RoundTrip = Result<Value, serde_json::Error>;

macro_rules! typed {
    (types: [$($ty:ident),* $(,)?] enums: [$($en:ident),* $(,)?]) => {
        /// Every schema name that has a generated type, envelopes and enums included.
        pub const TYPED: &[&str] = &[$(stringify!($ty),)* $(stringify!($en),)*];

        /// The forward-compatible enums (`vspc_licensing::enums`).
        pub const ENUMS: &[&str] = &[$(stringify!($en),)*];

        /// Decodes `value` as the Rust type generated for `schema`, and encodes the result
        /// again. `None` when no generated type has that name.
        pub fn round_trip(schema: &str, value: &Value) -> Option<RoundTrip> {
            match schema {
                $(stringify!($ty) => Some(through::<types::$ty>(value)),)*
                $(stringify!($en) => Some(through::<enums::$en>(value)),)*
                _ => None,
            }
        }

        /// Decodes JSON text as the Rust type generated for `schema`.
        pub fn decode_text(schema: &str, text: &[u8]) -> Option<Result<Value, serde_json::Error>> {
            match schema {
                $(stringify!($ty) => Some(serde_json::from_slice::<types::$ty>(text).and_then(|t| serde_json::to_value(&t))),)*
                $(stringify!($en) => Some(serde_json::from_slice::<enums::$en>(text).and_then(|t| serde_json::to_value(&t))),)*
                _ => None,
            }
        }

        /// The values a forward-compatible enum lists (`LISTED`), by schema name.
        pub fn listed(schema: &str) -> Option<&'static [&'static str]> {
            match schema {
                $(stringify!($en) => Some(enums::$en::LISTED),)*
                _ => None,
            }
        }

        /// The schemars schema of the Rust type generated for `schema`.
        pub fn derived_schema(schema: &str) -> Option<Value> {
            match schema {
                $(stringify!($ty) => Some(schemars::schema_for!(types::$ty).to_value()),)*
                $(stringify!($en) => Some(schemars::schema_for!(enums::$en).to_value()),)*
                _ => None,
            }
        }
    };
}

typed! {
    types: [
        // Response envelopes (hoisted by build/envelopes.rs).
        AboutResponse, AsyncActionInfoResponse, BackupServerLicenseCollection, BackupServerLicenseResponse,
        ConsoleLicenseResponse, LicenseReportFinalizationStatusResponse, LicenseSettingsResponse,
        OrganizationCurrentLicenseUsageCollection, SingleLicenseReportCollection,
        SingleLicenseReportSettingsResponse, SiteLicenseCollection, SiteLicenseResponse,
        VOneServerLicenseCollection, VOneServerLicenseResponse, Vb365ServerLicenseCollection,
        Vb365ServerLicenseResponse, PulseConfigurationResponse, PulseLicenseCollection,
        PulseLicenseResponse, PulseLicenseContractCollection, PulseLicenseProductCollection,
        PulseTenantCollection, PulseTenantResponse, OrganizationResponse,
        PulseVdcMonthlyUsagePeriodCollection,
        // Component schemas.
        About, AsyncActionInfo, AsyncActionResult, BackupServerLicense, ConsoleLicense,
        CurrentLicenseUsageWorkload, CurrentLicenseUsageWorkloadByPlatform, EmptyResponse,
        EmptyResponseData, ErrorResponse, FilterExpression, FilterParameter, JsonPatch, JsonPatches,
        LicenseFileUpload, LicenseReportAppendix, LicenseReportCsv, LicenseReportFinalizationStatus,
        LicenseReportInterval, LicenseReportParameters, LicenseReportSummary, LicenseSettings,
        OAuth2Error, OAuth2IssueTokenBody, OAuth2Result, OrganizationCurrentLicenseUsage,
        OrganizationLicenseUsage, OrganizationUsageOfLicensesWithSameSupportId, PagingInformation,
        ProductLicenseUsage, ResponseError, ResponseErrors, ResponseMetadata, SelectExpression,
        SelectParameter, ServerCurrentLicenseUsage, SingleLicenseReport, SingleLicenseReportSettings,
        SiteLicense, SortExpression, SortParameter, TotalProductLicenseUsage, VOneServerLicense,
        Vb365ServerLicense, WorkloadLicenseUsage, WorkloadLicenseUsageByPlatform,
        WorkloadLicenseUsageByWeight, Organization, PulseConfiguration, PulseLicense,
        PulseLicenseContract, PulseLicenseInput, PulseLicenseProduct, PulseLicenseProductWorkload,
        PulseLicenseWorkload, PulseLicenseWorkloadInput, PulseTenant, PulseTenantVdcUsage,
        PulseVdcMonthlyUsagePeriod, PulseVdcWorkload,
    ]
    enums: [
        AsyncActionStatus, CloudConnectInclusion, ConsoleLicenseStatus, ConsoleLicenseType,
        FilterCollation, FilterOperation, JsonPatchOperation, LicensePackage, LicenseSectionType,
        LicenseStatus, LicenseType, LicenseUnitType, LicenseUpdateStatus, OAuth2ErrorCode,
        OAuth2GrantType, OrganizationType, ProductType, ReportApprovalStatus, ReportStatus,
        ResponseErrorType, SectionForDelete, ServerType, SortDirection, WorkloadType,
        PulseConfigurationStatus, PulseLicenseAssignStatus, PulseLicenseAutomaticExtensionStatus,
        PulseLicenseAutomaticReportingStatus, PulseLicenseType, PulseLicenseUsageType,
        PulseTenantMappingStatus,
    ]
}

fn through<T: serde::de::DeserializeOwned + serde::Serialize>(value: &Value) -> RoundTrip {
    let typed: T = serde_json::from_value(value.clone())?;
    serde_json::to_value(&typed)
}

/// The name of the type generated for a schema as it appears in the spec: a component `$ref`
/// gives the component's name; an inline envelope (`data` holding a `$ref` or an array of
/// them) gives the name build/envelopes.rs hoists it under (`XResponse`, `XCollection`).
pub fn type_name(schema: &Value) -> Option<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference
            .strip_prefix("#/components/schemas/")
            .map(str::to_owned);
    }
    let data = schema.pointer("/properties/data")?;
    let (item, suffix) = match (data.get("$ref"), data.pointer("/items/$ref")) {
        (Some(r), _) => (r, "Response"),
        (None, Some(r)) => (r, "Collection"),
        _ => return None,
    };
    Some(format!("{}{suffix}", item.as_str()?.rsplit('/').next()?))
}

/// Every JSON response schema of the spec: (operationId, status, schema as written).
pub fn response_schemas(spec: &Spec) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for op in spec.operations() {
        response_schemas_of(op, &mut found);
    }
    found
}

fn response_schemas_of(op: &Operation, found: &mut Vec<(String, String, Value)>) {
    for response in &op.responses {
        for (media, schema) in &response.content {
            if let (true, Some(schema)) = (media == "application/json", schema) {
                found.push((
                    op.operation_id.clone(),
                    response.status.to_string(),
                    schema.clone(),
                ));
            }
        }
    }
}

/// Every distinct JSON response schema: generated type name -> schema as written.
pub fn response_types() -> std::collections::BTreeMap<String, Value> {
    response_schemas(super::spec())
        .into_iter()
        .filter_map(|(_, _, schema)| Some((type_name(&schema)?, schema)))
        .collect()
}
