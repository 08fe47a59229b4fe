//! License usage reports: months, CSV rendering and finalization.

use serde_json::json;

use crate::model::enums::{OrganizationType, ProductType, ReportStatus, WorkloadType};
use crate::types::{SingleLicenseReport, TotalProductLicenseUsage, WorkloadLicenseUsage};

use super::state::State;

/// The `YYYY-MM` month a report covers.
pub(crate) fn month_of(report: &SingleLicenseReport) -> Option<String> {
    report.report_parameters.as_ref().map(|p| {
        p.report_interval
            .start_of_interval
            .format("%Y-%m")
            .to_string()
    })
}

/// The most recent month with reports.
pub(crate) fn latest_month(state: &State) -> Option<String> {
    state.reports.iter().filter_map(month_of).max()
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// One report as CSV: a header, then one line per product workload.
pub(crate) fn csv(report: &SingleLicenseReport) -> String {
    let mut out = String::from("Organization,Product,Workload,Objects,Weight,Used points\n");
    let organization = report
        .report_parameters
        .as_ref()
        .map(|p| p.organization_name.as_str())
        .unwrap_or("");
    for product in report.report_summary.iter().flat_map(|s| &s.products_usage) {
        let product_name = product
            .product_type
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        for workload in &product.workload_usage {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                csv_field(organization),
                csv_field(&product_name),
                csv_field(
                    &workload
                        .workload_type
                        .as_ref()
                        .map(|w| w.to_string())
                        .unwrap_or_default()
                ),
                workload.reported_count.unwrap_or(0),
                workload.weight.unwrap_or(0.0),
                workload.used_points.unwrap_or(0.0),
            ));
        }
    }
    out
}

/// What a rental Pulse license adds to a report: its product with one line per workload,
/// each counted at the license's own count and the product's multiplier (the points Pulse
/// charged the contract for it).
fn pulse_product(license: &crate::types::PulseLicense) -> TotalProductLicenseUsage {
    let product_type = match license.product_id.as_str() {
        "VBR" => Some(ProductType::BackupAndReplication),
        "VONE" => Some(ProductType::Vone),
        "VB365" => Some(ProductType::Vb365),
        _ => None,
    };
    let workload_usage = license
        .workloads
        .iter()
        .map(|workload| {
            let weight = workload.multiplier.unwrap_or(1.0);
            WorkloadLicenseUsage {
                description: Some(format!(
                    "Pulse license {}: {}",
                    license.license_id.unwrap_or(license.instance_uid),
                    workload.name.as_deref().unwrap_or(&workload.workload_id)
                )),
                initial_count: Some(workload.count),
                new_count: Some(0),
                reported_count: Some(workload.count),
                used_points: Some(f64::from(workload.count) * weight),
                weight: Some(weight),
                workload_type: match (license.product_id.as_str(), workload.workload_id.as_str()) {
                    ("VBR", "VM") => Some(WorkloadType::VbrVm),
                    ("VB365", "USER") => Some(WorkloadType::Vb365User),
                    _ => None,
                },
                workloads_by_platform: Vec::new(),
            }
        })
        .collect::<Vec<_>>();
    TotalProductLicenseUsage {
        license_edition: Some("Rental (VCSP Pulse)".to_owned()),
        product_type,
        total_points: Some(workload_usage.iter().filter_map(|w| w.used_points).sum()),
        workload_usage,
    }
}

/// The reports as served: the stored ones, with every server running a Pulse license (not
/// revoked) adding that license's usage to the latest month's report while that month is
/// still open (not approved), as a rental license is reported for the month it runs in. It
/// lands in the report of the company the license is assigned to, else the provider's (who
/// holds the Pulse contract), else the month's first report. Finalizing freezes it.
pub(crate) fn served(state: &State) -> Vec<SingleLicenseReport> {
    let mut reports = state.reports.clone();
    let Some(month) = latest_month(state) else {
        return reports;
    };
    let mut installed: Vec<_> = state.pulse.installed.iter().collect();
    installed.sort();
    let provider = state
        .organizations
        .iter()
        .find(|org| org.kind == OrganizationType::Provider)
        .map(|org| org.uid);
    for (_, license) in installed {
        let Some(license) = state
            .pulse
            .licenses
            .iter()
            .find(|l| l.instance_uid == *license)
        else {
            continue;
        };
        if state.pulse.revoked.contains(&license.instance_uid) {
            continue;
        }
        let open: Vec<usize> = reports
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                month_of(r).as_deref() == Some(month.as_str())
                    && r.report_status != Some(ReportStatus::Approved)
            })
            .map(|(i, _)| i)
            .collect();
        let organization_of = |i: &usize| {
            reports[*i]
                .report_parameters
                .as_ref()
                .map(|p| p.organization_uid)
        };
        let chosen = open
            .iter()
            .find(|i| {
                license.assigned_company_uid.is_some()
                    && organization_of(i) == license.assigned_company_uid
            })
            .or_else(|| {
                open.iter()
                    .find(|i| provider.is_some() && organization_of(i) == provider)
            })
            .or(open.first())
            .copied();
        let Some(chosen) = chosen else {
            continue;
        };
        let usage = pulse_product(license);
        let points = usage.total_points.unwrap_or(0.0);
        let report = &mut reports[chosen];
        let summary = report.report_summary.get_or_insert_with(Default::default);
        summary.products_usage.push(usage);
        summary.total_points += points;
        if let Some(org) = report.organizations_usage.first_mut() {
            org.used_points = Some(org.used_points.unwrap_or(0.0) + points);
        }
    }
    reports
}

/// Finalizes the latest month's reports; returns the `LicenseReportFinalizationStatus`.
pub(crate) fn finalize(state: &mut State) -> serde_json::Value {
    let Some(month) = latest_month(state) else {
        return json!({ "reportApprovalStatus": "NotApprovable", "message": "There are no reports to finalize." });
    };
    // What Pulse licenses add to the open month is written into it for good.
    state.reports = served(state);
    let mut changed = false;
    for report in state
        .reports
        .iter_mut()
        .filter(|r| month_of(r).as_deref() == Some(month.as_str()))
    {
        if report.report_status != Some(ReportStatus::Approved) {
            report.report_status = Some(ReportStatus::Approved);
            changed = true;
        }
    }
    if changed {
        state.count_change("reports/finalization".to_owned());
    }
    let message = if changed {
        format!("The license usage report for {month} has been finalized.")
    } else {
        format!("The license usage report for {month} was already finalized.")
    };
    json!({ "reportApprovalStatus": "Finalized", "message": message })
}
