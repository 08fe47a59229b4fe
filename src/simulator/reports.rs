//! License usage reports: months, CSV rendering and finalization.

use serde_json::json;

use crate::model::enums::ReportStatus;
use crate::types::SingleLicenseReport;

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

/// Finalizes the latest month's reports; returns the `LicenseReportFinalizationStatus`.
pub(crate) fn finalize(state: &mut State) -> serde_json::Value {
    let Some(month) = latest_month(state) else {
        return json!({ "reportApprovalStatus": "NotApprovable", "message": "There are no reports to finalize." });
    };
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
