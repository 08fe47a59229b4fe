//! License usage reports, console license settings and current usage by organization.

use std::path::Path;

use bytes::Bytes;
use futures::TryStreamExt;
use uuid::Uuid;

use crate::enums::{OrganizationType, ServerType};
use crate::error::{call, Error, Result};
use crate::paging::{page_fetcher, paginate, ResourceStream};
use crate::patch::{auto_approve, Patch};
use crate::query::ListQuery;
use crate::types::{
    LicenseReportFinalizationStatus, LicenseSettings, OrganizationCurrentLicenseUsage,
    SingleLicenseReport, SingleLicenseReportSettings,
};
use crate::Client;

/// Narrows `GetOrganizationsLicenseUsage` to some organizations or servers.
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
    /// Every license usage report, page by page (`GetLicensingReports`).
    pub fn license_reports(&self, query: ListQuery) -> ResourceStream<SingleLicenseReport> {
        let fetch = page_fetcher!(self, query, "GetLicensingReports", |c| c
            .get_licensing_reports());
        paginate(self.throttle_signal(), "GetLicensingReports", &query, fetch)
    }

    /// The reports of the latest month (`GetLatestLicensingReports`).
    pub fn latest_license_reports(&self, query: ListQuery) -> ResourceStream<SingleLicenseReport> {
        let fetch = page_fetcher!(self, query, "GetLatestLicensingReports", |c| c
            .get_latest_licensing_reports());
        paginate(
            self.throttle_signal(),
            "GetLatestLicensingReports",
            &query,
            fetch,
        )
    }

    /// The reports generated for `month`, written `YYYY-MM` (`GetLicensingReportsForDate`).
    pub fn license_reports_for_month(
        &self,
        month: &str,
        query: ListQuery,
    ) -> ResourceStream<SingleLicenseReport> {
        let month = month.to_owned();
        let fetch = page_fetcher!(
            self,
            query,
            "GetLicensingReportsForDate",
            with(month),
            |c| c.get_licensing_reports_for_date().date(month.as_str())
        );
        paginate(
            self.throttle_signal(),
            "GetLicensingReportsForDate",
            &query,
            fetch,
        )
    }

    /// One report as CSV bytes (`DownloadLicensingReportCsv`); the id is
    /// `reportParameters.reportId`.
    pub async fn download_license_report_csv(&self, report_id: i32) -> Result<Bytes> {
        let stream = call(
            "DownloadLicensingReportCsv",
            self.download_licensing_report_csv().id(report_id).send(),
        )
        .await?;
        let chunks: Vec<Bytes> =
            stream
                .into_inner()
                .try_collect()
                .await
                .map_err(|source| Error::Transport {
                    operation: "DownloadLicensingReportCsv",
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

    /// Finalizes the current month's reports (`FinalizeLicensingReports`).
    pub async fn finalize_license_reports(&self) -> Result<LicenseReportFinalizationStatus> {
        Ok(call(
            "FinalizeLicensingReports",
            self.finalize_licensing_reports().send(),
        )
        .await?
        .data)
    }

    /// The report settings (`GetLicensingReportsSettings`).
    pub async fn license_report_settings(&self) -> Result<SingleLicenseReportSettings> {
        Ok(call(
            "GetLicensingReportsSettings",
            self.get_licensing_reports_settings().send(),
        )
        .await?
        .data)
    }

    /// Applies a JSON Patch to the report settings (`PatchLicensingReportsSettings`).
    pub async fn patch_license_report_settings(
        &self,
        patch: Patch,
    ) -> Result<SingleLicenseReportSettings> {
        Ok(call(
            "PatchLicensingReportsSettings",
            self.patch_licensing_reports_settings().body(patch).send(),
        )
        .await?
        .data)
    }

    /// Turns automatic report approval on or off.
    pub async fn set_report_auto_approve(
        &self,
        enabled: bool,
    ) -> Result<SingleLicenseReportSettings> {
        self.patch_license_report_settings(auto_approve(enabled))
            .await
    }

    /// The console license settings (`GetConsoleLicenseSettings`).
    pub async fn console_license_settings(&self) -> Result<LicenseSettings> {
        Ok(call(
            "GetConsoleLicenseSettings",
            self.get_console_license_settings().send(),
        )
        .await?
        .data)
    }

    /// Current license usage by organization, page by page (`GetOrganizationsLicenseUsage`).
    pub fn organization_license_usage(
        &self,
        filter: UsageFilter,
        query: ListQuery,
    ) -> ResourceStream<OrganizationCurrentLicenseUsage> {
        let fetch = page_fetcher!(
            self,
            query,
            "GetOrganizationsLicenseUsage",
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
            self.throttle_signal(),
            "GetOrganizationsLicenseUsage",
            &query,
            fetch,
        )
    }
}
