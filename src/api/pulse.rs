//! VCSP Pulse, where a provider issues and changes its rental licenses, through
//! [`Client::pulse`]: paging streams for the licenses, contracts, products and tenants; a typed
//! builder for a new license
//! ([`NewPulseLicense`]); JSON Patch helpers for the usual changes ([`Patch::pulse_workload_counts`],
//! [`Patch::pulse_expiration`], [`Patch::pulse_description`],
//! [`Patch::pulse_automatic_extension`]); and the actions on a license (install on a managed
//! server, copy, revoke, download, delete) and the sync. Next to them: the Pulse configuration
//! ([`Pulse::change_configuration`] with [`Patch::pulse_token`] and the switches), the tenants
//! (created for a company, remapped, turned into a company) and, on API 3.7 consoles, Veeam
//! Data Cloud usage by month ([`Pulse::vdc_monthly_usages`]).
//!
//! Every call goes through the client's hooks like the rest of the crate: one `X-Request-id`
//! per logical call (so a retried create or install is applied once), the retry policy, and a
//! `202 Accepted` followed to the async action's result. The generated builders
//! (`client.get_pulse_license()...`) stay available for full control of the parameters.
//!
//! ```no_run
//! # async fn run(client: vspc_licensing::Client, server: uuid::Uuid) -> vspc_licensing::Result<()> {
//! use vspc_licensing::{NewPulseLicense, Patch};
//! // 50 VMs of Veeam Backup & Replication for a new customer, on their backup server.
//! let expires = "2027-03-31T00:00:00Z".parse().expect("a date");
//! let pulse = client.pulse();
//! let license = pulse
//!     .create(
//!         NewPulseLicense::new("VBR_ENTPLUS_12_3", "07100042", expires)
//!             .workload("VM_VBR_ENTPLUS_12_3", 50)
//!             .description("Fabrikam production cluster"),
//!     )
//!     .await?;
//! pulse.install(license.instance_uid, server).await?;
//! // Later: ten more VMs.
//! let more = Patch::pulse_workload_counts(&license, [("VM_VBR_ENTPLUS_12_3", 60)])?;
//! pulse.change(license.instance_uid, more).await?;
//! # Ok(()) }
//! ```

use std::num::NonZeroU32;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::api::base64;
use crate::api::paging::{Page, ResourceStream};
use crate::api::patch::Patch;
use crate::api::query::ListQuery;
use crate::api::upload::LicenseFile;
use crate::client::direct_call::{json, read_body, RequestBody};
use crate::client::error::{Error, Result};
use crate::model::enums::PulseLicenseAutomaticExtensionStatus;
use crate::model::generated::types::{
    DownloadPulseLicenseResponse, EmptyResponse, Organization, OrganizationResponse,
    PulseConfiguration, PulseConfigurationResponse, PulseLicense, PulseLicenseCollection,
    PulseLicenseContract, PulseLicenseContractCollection, PulseLicenseInput, PulseLicenseProduct,
    PulseLicenseProductCollection, PulseLicenseResponse, PulseLicenseWorkloadInput, PulseTenant,
    PulseTenantCollection, PulseTenantResponse, PulseVdcMonthlyUsagePeriod,
    PulseVdcMonthlyUsagePeriodCollection,
};
use crate::model::generated::Client;
use crate::model::spec_facts::{SpecOperation, PULSE_WORKLOAD_COUNT_MAX};

/// The JSON pointers of a Pulse license the change helpers write.
const EXPIRATION_PATH: &str = "/expirationDate";
const DESCRIPTION_PATH: &str = "/description";
const AUTOMATIC_EXTENSION_PATH: &str = "/automaticExtensionStatus";
const WORKLOADS_PATH: &str = "/workloads";

/// Why a workload count above the spec's maximum is refused before it is sent.
fn too_many(workload_id: &str, count: u32) -> String {
    format!(
        "the workload {workload_id:?} has a count of {count}; a Pulse license counts at most \
         {PULSE_WORKLOAD_COUNT_MAX} units of one workload"
    )
}

/// The JSON pointers of the Pulse configuration and of a Pulse tenant the helpers write.
const TOKEN_PATH: &str = "/token";
const LICENSE_MANAGEMENT_PATH: &str = "/isLicenseManagementEnabled";
const COMPANY_MAPPING_PATH: &str = "/isCompanyMappingEnabled";
const PUSHING_NEW_COMPANIES_PATH: &str = "/isPushingNewCompaniesToPulseEnabled";
const TENANT_MAPPING_PATH: &str = "/mappedMasterOrganizationUid";

/// A new VCSP Pulse license, checked before it is sent: one product under one contract, an
/// expiration date, and at least one workload with a count of 1 to the spec's maximum
/// (100,000 today), each workload named once.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct NewPulseLicense {
    product_id: String,
    contract_id: String,
    expiration: DateTime<Utc>,
    description: Option<String>,
    automatic_reporting: bool,
    workloads: Vec<(String, u32)>,
}

impl NewPulseLicense {
    /// A license of `product_id` (a product's `productId`, from [`Client::pulse_products`])
    /// under `contract_id` (from [`Pulse::contracts`]) that expires at `expiration`.
    pub fn new(
        product_id: impl Into<String>,
        contract_id: impl Into<String>,
        expiration: DateTime<Utc>,
    ) -> Self {
        NewPulseLicense {
            product_id: product_id.into(),
            contract_id: contract_id.into(),
            expiration,
            description: None,
            automatic_reporting: false,
            workloads: Vec::new(),
        }
    }

    /// Licenses `count` units of the workload `workload_id` (one of the product's
    /// `workloads`).
    pub fn workload(mut self, workload_id: impl Into<String>, count: u32) -> Self {
        self.workloads.push((workload_id.into(), count));
        self
    }

    /// Free text about the license (the customer, the site).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Whether the license's usage is reported to Veeam by itself (off unless asked).
    pub fn automatic_reporting(mut self, enabled: bool) -> Self {
        self.automatic_reporting = enabled;
        self
    }

    /// The request body, or what is wrong with the license.
    pub fn into_input(self) -> Result<PulseLicenseInput> {
        let refuse = |message: String| Error::InvalidInput {
            operation: SpecOperation::CreatePulseLicense.id(),
            message,
        };
        if self.product_id.trim().is_empty() {
            return Err(refuse("the product id is empty".into()));
        }
        if self.contract_id.trim().is_empty() {
            return Err(refuse("the contract id is empty".into()));
        }
        if self.workloads.is_empty() {
            return Err(refuse(
                "a license counts at least one workload; add one with .workload(id, count)".into(),
            ));
        }
        let mut workloads = Vec::with_capacity(self.workloads.len());
        for (index, (workload_id, count)) in self.workloads.iter().enumerate() {
            if self.workloads[..index]
                .iter()
                .any(|(w, _)| w == workload_id)
            {
                return Err(refuse(format!(
                    "the workload {workload_id:?} is named twice; give it one count"
                )));
            }
            let count = NonZeroU32::new(*count)
                .ok_or_else(|| refuse(format!("the workload {workload_id:?} has a count of 0")))?;
            if count.get() > PULSE_WORKLOAD_COUNT_MAX {
                return Err(refuse(too_many(workload_id, count.get())));
            }
            workloads.push(PulseLicenseWorkloadInput {
                count,
                workload_id: workload_id.clone(),
            });
        }
        Ok(PulseLicenseInput {
            contract_id: self.contract_id,
            description: self.description,
            expiration_date: self.expiration,
            is_automatic_reporting_enabled: self.automatic_reporting,
            product_id: self.product_id,
            // Read-only for the console, which issues rental licenses only.
            type_: None,
            workloads,
        })
    }
}

impl Patch {
    /// Sets workload counts of an existing Pulse `license`: a workload it already counts is
    /// replaced at its place (`/workloads/N/count`), a new one is appended (`/workloads/-`).
    /// Fails, before anything is sent, on a count of 0 or above the spec's maximum, or a
    /// workload named twice.
    pub fn pulse_workload_counts<S: Into<String>>(
        license: &PulseLicense,
        counts: impl IntoIterator<Item = (S, u32)>,
    ) -> Result<Patch> {
        let refuse = |message: String| Error::InvalidInput {
            operation: SpecOperation::PatchPulseLicense.id(),
            message,
        };
        let mut patch = Patch::new();
        let mut named: Vec<String> = Vec::new();
        for (workload_id, count) in counts {
            let workload_id = workload_id.into();
            if named.contains(&workload_id) {
                return Err(refuse(format!(
                    "the workload {workload_id:?} is named twice; give it one count"
                )));
            }
            if count == 0 {
                return Err(refuse(format!(
                    "the workload {workload_id:?} would count 0; remove it from the license instead"
                )));
            }
            if count > PULSE_WORKLOAD_COUNT_MAX {
                return Err(refuse(too_many(&workload_id, count)));
            }
            patch = match license
                .workloads
                .iter()
                .position(|w| w.workload_id == workload_id)
            {
                Some(index) => patch.replace(format!("{WORKLOADS_PATH}/{index}/count"), count),
                None => patch.add(
                    format!("{WORKLOADS_PATH}/-"),
                    json!({ "workloadId": workload_id, "count": count }),
                ),
            };
            named.push(workload_id);
        }
        Ok(patch)
    }

    /// Moves a Pulse license's expiration date (sent as RFC 3339 in UTC).
    pub fn pulse_expiration(expiration: DateTime<Utc>) -> Patch {
        Patch::new().replace(
            EXPIRATION_PATH,
            expiration.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
    }

    /// Sets a Pulse license's description, or clears it with `None`.
    pub fn pulse_description(description: Option<&str>) -> Patch {
        Patch::new().replace(DESCRIPTION_PATH, description)
    }

    /// Switches a Pulse license's automatic extension on or off (`On`/`Off`); a contract whose
    /// licenses are always extended answers `AlwaysOn` whatever is asked.
    pub fn pulse_automatic_extension(enabled: bool) -> Patch {
        let status = if enabled {
            PulseLicenseAutomaticExtensionStatus::On
        } else {
            PulseLicenseAutomaticExtensionStatus::Off
        };
        Patch::new().replace(AUTOMATIC_EXTENSION_PATH, status.as_str())
    }
}

/// The usual changes of the Pulse configuration and tenants, chained onto any patch (the
/// operations are applied in the order written):
///
/// ```
/// use vspc_licensing::Patch;
/// // A new portal token, and licenses managed from the console from now on.
/// let change = Patch::new()
///     .pulse_token("a-new-portal-token")
///     .pulse_license_management(true);
/// assert_eq!(change.operations().len(), 2);
/// ```
impl Patch {
    /// Gives the console a new VCSP Pulse portal token to sign in with (consoles never answer
    /// it back; the patch itself holds it in clear, so do not log it).
    pub fn pulse_token(self, token: impl Into<String>) -> Patch {
        self.replace(TOKEN_PATH, token.into())
    }

    /// Switches managing Pulse licenses from the console on or off.
    pub fn pulse_license_management(self, enabled: bool) -> Patch {
        self.replace(LICENSE_MANAGEMENT_PATH, enabled)
    }

    /// Switches mapping the console's companies to Pulse tenants on or off.
    pub fn pulse_company_mapping(self, enabled: bool) -> Patch {
        self.replace(COMPANY_MAPPING_PATH, enabled)
    }

    /// Switches giving every new company of the console a Pulse tenant on or off.
    pub fn pulse_pushing_new_companies(self, enabled: bool) -> Patch {
        self.replace(PUSHING_NEW_COMPANIES_PATH, enabled)
    }

    /// Maps a Pulse tenant to the console's company `company`, or unmaps it with `None`.
    pub fn pulse_tenant_mapping(self, company: Option<Uuid>) -> Patch {
        self.replace(TENANT_MAPPING_PATH, company.map(|c| c.to_string()))
    }
}

impl Client {
    /// VCSP Pulse: its licenses, contracts, products and tenants (see [`Pulse`]).
    pub fn pulse(&self) -> Pulse<'_> {
        Pulse { client: self }
    }
}

/// VCSP Pulse through a [`Client`] ([`Client::pulse`]).
#[derive(Clone, Copy, Debug)]
pub struct Pulse<'a> {
    client: &'a Client,
}

impl Pulse<'_> {
    /// Every Pulse license, page by page.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client) -> vspc_licensing::Result<()> {
    /// use futures::TryStreamExt;
    /// use vspc_licensing::{Filter, ListQuery};
    /// let unassigned: Vec<_> = client
    ///     .pulse()
    ///     .licenses(ListQuery::new().filter(Filter::equals("assignStatus", "NotAssigned")))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn licenses(&self, query: ListQuery) -> ResourceStream<PulseLicense> {
        self.client
            .paged(SpecOperation::GetPulseLicenses, query, |body| {
                Ok(Page::from_envelope(json::<PulseLicenseCollection>(body)?))
            })
    }

    /// Every rental contract Pulse licenses can be issued under, page by page.
    pub fn contracts(&self, query: ListQuery) -> ResourceStream<PulseLicenseContract> {
        self.client
            .paged(SpecOperation::GetPulseLicenseContracts, query, |body| {
                Ok(Page::from_envelope(json::<PulseLicenseContractCollection>(
                    body,
                )?))
            })
    }

    /// Every product Pulse licenses can be issued for, with its workloads, page by page.
    pub fn products(&self, query: ListQuery) -> ResourceStream<PulseLicenseProduct> {
        self.client
            .paged(SpecOperation::GetPulseLicenseProducts, query, |body| {
                Ok(Page::from_envelope(json::<PulseLicenseProductCollection>(
                    body,
                )?))
            })
    }

    /// Every Pulse tenant, page by page.
    pub fn tenants(&self, query: ListQuery) -> ResourceStream<PulseTenant> {
        self.client
            .paged(SpecOperation::GetPulseTenants, query, |body| {
                Ok(Page::from_envelope(json::<PulseTenantCollection>(body)?))
            })
    }

    /// The connection to VCSP Pulse.
    pub async fn configuration(&self) -> Result<PulseConfiguration> {
        let body = self
            .client
            .send_operation(
                SpecOperation::GetPulseConfiguration,
                &[],
                &[],
                RequestBody::Empty,
            )
            .await?;
        read_body(SpecOperation::GetPulseConfiguration.id(), body, |b| {
            json::<PulseConfigurationResponse>(b).map(|r| r.data)
        })
    }

    /// Changes the connection to VCSP Pulse (see [`Patch::pulse_token`] and the switches next
    /// to it) and reads the configuration it leaves.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client) -> vspc_licensing::Result<()> {
    /// use vspc_licensing::Patch;
    /// let configuration = client
    ///     .pulse()
    ///     .change_configuration(Patch::new().pulse_license_management(true))
    ///     .await?;
    /// assert!(configuration.is_license_management_enabled);
    /// # Ok(()) }
    /// ```
    pub async fn change_configuration(&self, patch: Patch) -> Result<PulseConfiguration> {
        let operation = SpecOperation::PatchPulseConfiguration;
        let body = self
            .client
            .send_operation(operation, &[], &[], patch_body(operation, &patch)?)
            .await?;
        read_body(operation.id(), body, |b| {
            json::<PulseConfigurationResponse>(b).map(|r| r.data)
        })
    }

    /// Creates the Pulse tenant of the console's company `company` and maps the two. A company
    /// already mapped to a tenant is refused by the console unless `rewrite_existing`, which
    /// replaces that mapping.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client, company: uuid::Uuid) -> vspc_licensing::Result<()> {
    /// let tenant = client.pulse().create_tenant_for_company(company, false).await?;
    /// assert_eq!(tenant.mapped_master_organization_uid, Some(company));
    /// # Ok(()) }
    /// ```
    pub async fn create_tenant_for_company(
        &self,
        company: Uuid,
        rewrite_existing: bool,
    ) -> Result<PulseTenant> {
        let operation = SpecOperation::CreatePulseTenantByCompany;
        let mut query = vec![("companyUid", company.to_string())];
        if rewrite_existing {
            query.push(("rewriteExisting", "true".to_owned()));
        }
        let body = self
            .client
            .send_operation(operation, &[], &query, RequestBody::Empty)
            .await?;
        read_body(operation.id(), body, read_tenant)
    }

    /// Changes a Pulse tenant, in practice which company it is mapped to
    /// ([`Patch::pulse_tenant_mapping`]), and reads the tenant it leaves.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client, company: uuid::Uuid) -> vspc_licensing::Result<()> {
    /// use vspc_licensing::Patch;
    /// let tenant = client
    ///     .pulse()
    ///     .change_tenant("b0Q4x00000ContsAAC", Patch::new().pulse_tenant_mapping(Some(company)))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn change_tenant(&self, tenant_id: &str, patch: Patch) -> Result<PulseTenant> {
        let operation = SpecOperation::PatchPulseTenant;
        check_tenant_id(operation, tenant_id)?;
        let body = self
            .client
            .send_operation_at(operation, &[tenant_id], &[], patch_body(operation, &patch)?)
            .await?;
        read_body(operation.id(), body, read_tenant)
    }

    /// Creates a company of the console from the Pulse tenant `tenant_id`, its Cloud Connect
    /// resources on the site `site` (through the gateway pool `gateway_pool` when given), and
    /// maps the two; answers the new company.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client, site: uuid::Uuid) -> vspc_licensing::Result<()> {
    /// let company = client
    ///     .pulse()
    ///     .create_company_from_tenant("b0Q4x00000ContsAAC", site, None)
    ///     .await?;
    /// println!("{} is now a company of the console", company.name);
    /// # Ok(()) }
    /// ```
    pub async fn create_company_from_tenant(
        &self,
        tenant_id: &str,
        site: Uuid,
        gateway_pool: Option<Uuid>,
    ) -> Result<Organization> {
        let operation = SpecOperation::CreateCompanyByPulseTenant;
        check_tenant_id(operation, tenant_id)?;
        let mut query = vec![("siteUid", site.to_string())];
        if let Some(pool) = gateway_pool {
            query.push(("gatewayPoolUid", pool.to_string()));
        }
        let body = self
            .client
            .send_operation_at(operation, &[tenant_id], &query, RequestBody::Empty)
            .await?;
        read_body(operation.id(), body, |b| {
            json::<OrganizationResponse>(b).map(|r| r.data)
        })
    }

    /// Veeam Data Cloud usage month by month, tenant by tenant, page by page: the months from
    /// the month of `from` to the month of `to` (either end open when `None`; only the year
    /// and month of each date are sent). Consoles before API 3.7 do not have it and answer
    /// `404`; on 3.7 it is a preview operation.
    ///
    /// ```no_run
    /// # async fn run(client: vspc_licensing::Client) -> vspc_licensing::Result<()> {
    /// use chrono::NaiveDate;
    /// use futures::TryStreamExt;
    /// use vspc_licensing::ListQuery;
    /// let from = NaiveDate::from_ymd_opt(2026, 7, 1);
    /// let to = NaiveDate::from_ymd_opt(2026, 10, 1);
    /// let months: Vec<_> = client
    ///     .pulse()
    ///     .vdc_monthly_usages(from, to, ListQuery::new())
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn vdc_monthly_usages(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        query: ListQuery,
    ) -> ResourceStream<PulseVdcMonthlyUsagePeriod> {
        let mut months = Vec::new();
        if let Some(from) = from {
            months.push(("from", usage_month(from)));
        }
        if let Some(to) = to {
            months.push(("to", usage_month(to)));
        }
        self.client.paged_with(
            SpecOperation::GetPulseVdcMonthlyUsages,
            query,
            months,
            |body| {
                Ok(Page::from_envelope(json::<
                    PulseVdcMonthlyUsagePeriodCollection,
                >(body)?))
            },
        )
    }

    /// One Pulse tenant, by its id (refused before sending when empty: an empty id would name
    /// the collection).
    pub async fn tenant(&self, tenant_id: &str) -> Result<PulseTenant> {
        check_tenant_id(SpecOperation::GetPulseTenant, tenant_id)?;
        Ok(self
            .client
            .get_pulse_tenant()
            .tenant_uid(tenant_id)
            .send()
            .await?
            .into_inner()
            .data)
    }

    /// One Pulse license.
    pub async fn license(&self, license: Uuid) -> Result<PulseLicense> {
        self.license_call(SpecOperation::GetPulseLicense, license, RequestBody::Empty)
            .await
    }

    /// Issues a new Pulse license; it is on no server until installed
    /// ([`install`](Self::install)) or downloaded.
    pub async fn create(&self, license: NewPulseLicense) -> Result<PulseLicense> {
        let operation = SpecOperation::CreatePulseLicense;
        let input =
            serde_json::to_value(license.into_input()?).map_err(|e| Error::InvalidInput {
                operation: operation.id(),
                message: e.to_string(),
            })?;
        let body = self
            .client
            .send_operation(operation, &[], &[], RequestBody::Json(input))
            .await?;
        read_body(operation.id(), body, read_license)
    }

    /// Changes a Pulse license (see the `Patch::pulse_*` helpers). Servers running it with
    /// automatic license update on pick the change up at their next update.
    pub async fn change(&self, license: Uuid, patch: Patch) -> Result<PulseLicense> {
        let operation = SpecOperation::PatchPulseLicense;
        self.license_call(operation, license, patch_body(operation, &patch)?)
            .await
    }

    /// Issues a copy of a Pulse license (same product, contract, expiration and workloads),
    /// assigned to no one.
    pub async fn copy(&self, license: Uuid) -> Result<PulseLicense> {
        self.license_call(SpecOperation::CopyPulseLicense, license, RequestBody::Empty)
            .await
    }

    /// Installs a Pulse license on the managed server (backup server, Veeam ONE, Veeam Backup
    /// for Microsoft 365 server or Cloud Connect site) whose UID is `server`.
    pub async fn install(&self, license: Uuid, server: Uuid) -> Result<()> {
        self.action(
            SpecOperation::InstallPulseLicense,
            license,
            &[("serverUid", server.to_string())],
        )
        .await
    }

    /// Withdraws a Pulse license; a server running it finds it invalid at its next update.
    pub async fn revoke(&self, license: Uuid) -> Result<()> {
        self.action(SpecOperation::RevokePulseLicense, license, &[])
            .await
    }

    /// Deletes a Pulse license.
    pub async fn delete(&self, license: Uuid) -> Result<()> {
        self.action(SpecOperation::DeletePulseLicense, license, &[])
            .await
    }

    /// The license file of a Pulse license, decoded and ready for the installs
    /// (`install_backup_server_license` and its siblings); named `<license UID>.lic`.
    pub async fn download(&self, license: Uuid) -> Result<LicenseFile> {
        let operation = SpecOperation::DownloadPulseLicense;
        let body = self
            .client
            .send_operation(operation, &[license], &[], RequestBody::Empty)
            .await?;
        let text = read_body(operation.id(), body, |b| {
            json::<DownloadPulseLicenseResponse>(b).map(|r| r.data)
        })?;
        let bytes = base64::decode(&text).map_err(|e| Error::Protocol {
            operation: operation.id(),
            message: format!("the license file is not Base64 text: {e}"),
        })?;
        Ok(LicenseFile::from_bytes(format!("{license}.lic"), bytes))
    }

    /// Makes the console synchronise with VCSP Pulse now.
    pub async fn sync(&self) -> Result<()> {
        let operation = SpecOperation::SyncPulseData;
        let body = self
            .client
            .send_operation(operation, &[], &[], RequestBody::Empty)
            .await?;
        read_body(operation.id(), body, json::<EmptyResponse>)?;
        Ok(())
    }

    /// An operation on one Pulse license that answers with the license.
    async fn license_call(
        &self,
        operation: SpecOperation,
        license: Uuid,
        body: RequestBody,
    ) -> Result<PulseLicense> {
        let answer = self
            .client
            .send_operation(operation, &[license], &[], body)
            .await?;
        read_body(operation.id(), answer, read_license)
    }

    /// An action on one Pulse license that answers with nothing.
    async fn action(
        &self,
        operation: SpecOperation,
        license: Uuid,
        query: &[(&str, String)],
    ) -> Result<()> {
        let answer = self
            .client
            .send_operation(operation, &[license], query, RequestBody::Empty)
            .await?;
        read_body(operation.id(), answer, json::<EmptyResponse>)?;
        Ok(())
    }
}

fn read_license(body: &[u8]) -> serde_json::Result<PulseLicense> {
    json::<PulseLicenseResponse>(body).map(|r| r.data)
}

fn read_tenant(body: &[u8]) -> serde_json::Result<PulseTenant> {
    json::<PulseTenantResponse>(body).map(|r| r.data)
}

/// A JSON Patch document as a request body.
fn patch_body(operation: SpecOperation, patch: &Patch) -> Result<RequestBody> {
    serde_json::to_value(patch.operations())
        .map(RequestBody::Json)
        .map_err(|e| Error::InvalidInput {
            operation: operation.id(),
            message: e.to_string(),
        })
}

/// Refuses an empty tenant id before sending: it would name the collection instead.
fn check_tenant_id(operation: SpecOperation, tenant_id: &str) -> Result<()> {
    if tenant_id.is_empty() {
        return Err(Error::InvalidInput {
            operation: operation.id(),
            message: "the tenant id is empty".into(),
        });
    }
    Ok(())
}

/// A month as the usage operation writes it, `YYYY-MM`.
fn usage_month(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}
