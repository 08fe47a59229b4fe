//! License usage reports, console license settings and current usage by organization.

use std::future::Future;
use std::path::Path;

use bytes::Bytes;
use futures::TryStreamExt;
use uuid::Uuid;

use progenitor_client::{Error as GeneratedError, ResponseValue};

use crate::api::paging::{page_fetcher, paginate, ResourceStream};
use crate::api::patch::Patch;
use crate::api::query::ListQuery;
use crate::client::error::{call, Error, Result};
use crate::model::enums::{OrganizationType, ServerType};
use crate::model::envelope::Envelope;
use crate::model::generated::types::{
    ErrorResponse, LicenseReportFinalizationStatus, LicenseSettings,
    OrganizationCurrentLicenseUsage, SingleLicenseReport, SingleLicenseReportSettings,
};
use crate::model::generated::Client;
use crate::model::spec_facts::SpecOperation;

/// Narrows [`Client::organization_license_usage`] to some organizations or servers.
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct UsageFilter {
    /// Only this organization.
    pub organization_uid: Option<Uuid>,
    /// Only organizations of this type.
    pub organization_type: Option<OrganizationType>,
    /// Only organizations of this provider.
    pub provider_uid: Option<Uuid>,
    /// Only usage on this server.
    pub server_uid: Option<Uuid>,
    /// Only usage on servers of this product.
    pub server_type: Option<ServerType>,
}

impl Client {
    /// Every license usage report, page by page.
    pub fn license_reports(&self, query: ListQuery) -> ResourceStream<SingleLicenseReport> {
        let fetch = page_fetcher!(self, query, SpecOperation::GetLicensingReports.id(), |c| c
            .get_licensing_reports());
        paginate(
            self.in_flight_limit(),
            SpecOperation::GetLicensingReports.id(),
            &query,
            fetch,
        )
    }

    /// The reports of the latest month.
    pub fn latest_license_reports(&self, query: ListQuery) -> ResourceStream<SingleLicenseReport> {
        let fetch = page_fetcher!(
            self,
            query,
            SpecOperation::GetLatestLicensingReports.id(),
            |c| c.get_latest_licensing_reports()
        );
        paginate(
            self.in_flight_limit(),
            SpecOperation::GetLatestLicensingReports.id(),
            &query,
            fetch,
        )
    }

    /// The reports generated for `month`, written `YYYY-MM`.
    pub fn license_reports_for_month(
        &self,
        month: &str,
        query: ListQuery,
    ) -> ResourceStream<SingleLicenseReport> {
        let month = month.to_owned();
        let fetch = page_fetcher!(
            self,
            query,
            SpecOperation::GetLicensingReportsForDate.id(),
            with(month),
            |c| c.get_licensing_reports_for_date().date(month.as_str())
        );
        paginate(
            self.in_flight_limit(),
            SpecOperation::GetLicensingReportsForDate.id(),
            &query,
            fetch,
        )
    }

    /// One report as CSV bytes; the id is
    /// `reportParameters.reportId`.
    pub async fn download_license_report_csv(&self, report_id: i32) -> Result<Bytes> {
        let stream = call(
            SpecOperation::DownloadLicensingReportCsv.id(),
            self.download_licensing_report_csv().id(report_id).send(),
        )
        .await?;
        let chunks: Vec<Bytes> =
            stream
                .into_inner()
                .try_collect()
                .await
                .map_err(|source| Error::Transport {
                    operation: SpecOperation::DownloadLicensingReportCsv.id(),
                    source,
                })?;
        Ok(chunks.concat().into())
    }

    /// Downloads one report as CSV into `path`; returns the number of bytes written.
    pub async fn save_license_report_csv(
        &self,
        report_id: i32,
        path: impl AsRef<Path>,
    ) -> Result<usize> {
        let csv = self.download_license_report_csv(report_id).await?;
        let path = path.as_ref();
        tokio::fs::write(path, &csv)
            .await
            .map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
        Ok(csv.len())
    }

    /// Finalizes the current month's reports.
    pub async fn finalize_license_reports(&self) -> Result<LicenseReportFinalizationStatus> {
        data(
            SpecOperation::FinalizeLicensingReports,
            self.finalize_licensing_reports().send(),
        )
        .await
    }

    /// The report settings.
    pub async fn license_report_settings(&self) -> Result<SingleLicenseReportSettings> {
        data(
            SpecOperation::GetLicensingReportsSettings,
            self.get_licensing_reports_settings().send(),
        )
        .await
    }

    /// Applies a JSON Patch to the report settings.
    pub async fn patch_license_report_settings(
        &self,
        patch: Patch,
    ) -> Result<SingleLicenseReportSettings> {
        data(
            SpecOperation::PatchLicensingReportsSettings,
            self.patch_licensing_reports_settings().body(patch).send(),
        )
        .await
    }

    /// Turns automatic report approval on or off.
    pub async fn set_report_auto_approve(
        &self,
        enabled: bool,
    ) -> Result<SingleLicenseReportSettings> {
        self.patch_license_report_settings(Patch::auto_approve(enabled))
            .await
    }

    /// The console license settings.
    pub async fn console_license_settings(&self) -> Result<LicenseSettings> {
        data(
            SpecOperation::GetConsoleLicenseSettings,
            self.get_console_license_settings().send(),
        )
        .await
    }

    /// Current license usage by organization, page by page.
    pub fn organization_license_usage(
        &self,
        filter: UsageFilter,
        query: ListQuery,
    ) -> ResourceStream<OrganizationCurrentLicenseUsage> {
        let fetch = page_fetcher!(
            self,
            query,
            SpecOperation::GetOrganizationsLicenseUsage.id(),
            with(filter),
            |c| {
                let mut builder = c.get_organizations_license_usage();
                if let Some(uid) = filter.organization_uid {
                    builder = builder.organization_uid(uid);
                }
                if let Some(kind) = filter.organization_type.clone() {
                    builder = builder.organization_type(kind);
                }
                if let Some(uid) = filter.provider_uid {
                    builder = builder.provider_uid(uid);
                }
                if let Some(uid) = filter.server_uid {
                    builder = builder.server_uid(uid);
                }
                if let Some(kind) = filter.server_type.clone() {
                    builder = builder.server_type(kind);
                }
                builder
            }
        );
        paginate(
            self.in_flight_limit(),
            SpecOperation::GetOrganizationsLicenseUsage.id(),
            &query,
            fetch,
        )
    }
}

/// The payload of a generated operation's answer; errors name the operation.
async fn data<E: Envelope>(
    operation: SpecOperation,
    request: impl Future<Output = std::result::Result<ResponseValue<E>, GeneratedError<ErrorResponse>>>,
) -> Result<E::Data> {
    Ok(call(operation.id(), request).await?.into_data())
}
