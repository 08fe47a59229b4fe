//! The typed aggregation of license usage reports (`vspc_licensing::usage`): the rules on
//! hand-made reports, then the numbers against the simulator's reports read over HTTP.

use std::collections::HashMap;

use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::enums::ProductType;
use vspc_licensing::types::SingleLicenseReport;
use vspc_licensing::usage::{Breakdown, Month, Presence, SeriesKey, UsageError, UsageHistory};

use crate::support::veeam::documents::documents_dir;

const ALPHA: &str = "0a1b2c3d-0000-4000-8000-000000000001";
const BETA: &str = "0a1b2c3d-0000-4000-8000-000000000002";
const GAMMA: &str = "0a1b2c3d-0000-4000-8000-000000000003";
const OWNER: &str = "0a1b2c3d-0000-4000-8000-0000000000ff";

fn month(text: &str) -> Month {
    text.parse().unwrap()
}

/// A report for `month` (YYYY-MM) owned by OWNER, listing `organizations` (uid, name, points)
/// and the product split `products` (product type, points).
fn report(
    id: i32,
    month: &str,
    organizations: &[(&str, &str, f64)],
    products: &[(&str, f64)],
    status: &str,
) -> Value {
    let start = format!("{month}-01T00:00:00Z");
    let end = format!("{month}-28T00:00:00Z");
    let total: f64 = products.iter().map(|(_, p)| p).sum();
    json!({
        "reportStatus": status,
        "reportParameters": {
            "reportId": id,
            "organizationName": "Owner Hosting",
            "organizationUid": OWNER,
            "licenseCompanyName": "Owner Hosting",
            "generationDate": end,
            "reportInterval": { "startOfInterval": start, "endOfInterval": end }
        },
        "reportSummary": {
            "totalPoints": total,
            "productsUsage": products.iter().map(|(kind, points)| json!({
                "productType": kind, "totalPoints": points, "workloadUsage": []
            })).collect::<Vec<_>>()
        },
        "organizationsUsage": organizations.iter().map(|(uid, name, points)| json!({
            "organizationUid": uid, "organizationName": name, "usedPoints": points,
            "organizationType": "Company"
        })).collect::<Vec<_>>()
    })
}

fn history(reports: &[Value]) -> UsageHistory {
    let typed: Vec<SingleLicenseReport> = reports
        .iter()
        .map(|r| serde_json::from_value(r.clone()).unwrap())
        .collect();
    UsageHistory::from_reports(&typed)
}

#[test]
fn a_report_for_one_organization_gives_it_the_product_split() {
    let h = history(&[report(
        1,
        "2026-09",
        &[(ALPHA, "Alpha", 30.0)],
        &[("BackupAndReplication", 20.0), ("VB365", 10.0)],
        "Approved",
    )]);
    let september = h.month(month("2026-09")).unwrap();
    assert_eq!(september.total_points, 30.0);
    let alpha = &september.organizations[0];
    assert_eq!(alpha.organization.name, "Alpha");
    assert_eq!(alpha.points, 30.0);
    assert_eq!(alpha.unattributed_points, 0.0);
    assert_eq!(alpha.products.len(), 2);
    assert_eq!(
        alpha.products[0].product_type,
        ProductType::BackupAndReplication
    );
    assert_eq!(alpha.products[0].points, 20.0);
    assert!(!september.pending_approval);
}

#[test]
fn a_report_shared_by_several_organizations_leaves_their_products_unattributed() {
    let h = history(&[report(
        1,
        "2026-09",
        &[(ALPHA, "Alpha", 12.5), (BETA, "Beta", 7.5)],
        &[("CloudConnect", 20.0)],
        "ApprovalRequired",
    )]);
    let september = h.month(month("2026-09")).unwrap();
    assert!(september.pending_approval);
    for o in &september.organizations {
        assert!(o.products.is_empty(), "{o:?}");
        assert_eq!(o.unattributed_points, o.points);
    }
    // By product, the month still adds up from the report's own split.
    let table = h
        .points_table(&[month("2026-09")], Breakdown::Product, None)
        .unwrap();
    assert_eq!(table.series.len(), 1);
    assert_eq!(table.totals(), [20.0]);
    // One organization by product: its points show as "product not reported".
    let alpha = h.find_organization("alpha").unwrap();
    let table = h
        .points_table(&[month("2026-09")], Breakdown::Product, Some(&alpha))
        .unwrap();
    assert_eq!(table.series[0].key, SeriesKey::UnattributedProduct);
    assert_eq!(table.totals(), [12.5]);
}

#[test]
fn empty_and_absent_lists_count_the_report_for_its_owner() {
    let mut bare = report(7, "2026-08", &[], &[("VSPC", 4.0)], "Approved");
    // Absent lists read as empty: the owner gets the report's total.
    bare.as_object_mut().unwrap().remove("organizationsUsage");
    // A null list (as .NET consoles write an unset one) reads the same.
    let mut null = report(8, "2026-08", &[], &[("VSPC", 2.0)], "Approved");
    null["organizationsUsage"] = Value::Null;
    let h = history(&[bare, null]);
    let august = h.month(month("2026-08")).unwrap();
    assert_eq!(august.organizations.len(), 1);
    assert_eq!(august.organizations[0].organization.name, "Owner Hosting");
    assert_eq!(
        august.organizations[0].organization.uid,
        Some(OWNER.parse::<Uuid>().unwrap())
    );
    assert_eq!(august.organizations[0].points, 6.0);
}

#[test]
fn duplicate_ids_count_once_and_reports_without_parameters_are_counted_apart() {
    let one = report(
        3,
        "2026-07",
        &[(ALPHA, "Alpha", 5.0)],
        &[("VONE", 5.0)],
        "Approved",
    );
    let mut unplaced = one.clone();
    unplaced.as_object_mut().unwrap().remove("reportParameters");
    let h = history(&[one.clone(), one, unplaced]);
    assert_eq!(h.month(month("2026-07")).unwrap().total_points, 5.0);
    assert_eq!(h.unplaced_reports(), 1);
}

#[test]
fn a_report_belongs_to_the_month_of_the_middle_of_its_interval() {
    // An interval written as the eve of the month in a time zone west of UTC.
    let mut shifted = report(
        9,
        "2026-07",
        &[(ALPHA, "Alpha", 1.0)],
        &[("VONE", 1.0)],
        "Approved",
    );
    shifted["reportParameters"]["reportInterval"] = json!({ "startOfInterval": "2026-06-30T20:00:00-04:00", "endOfInterval": "2026-07-30T20:00:00-04:00" });
    let h = history(&[shifted]);
    assert_eq!(h.latest_month(), Some(month("2026-07")));
}

#[test]
fn diff_handles_organizations_present_in_one_month_only() {
    let h = history(&[
        report(
            1,
            "2026-09",
            &[(ALPHA, "Alpha", 10.0)],
            &[("BackupAndReplication", 10.0)],
            "Approved",
        ),
        report(
            2,
            "2026-09",
            &[(BETA, "Beta", 8.0)],
            &[("VB365", 8.0)],
            "Approved",
        ),
        report(
            3,
            "2026-10",
            &[(ALPHA, "Alpha", 11.5)],
            &[("BackupAndReplication", 11.5)],
            "ApprovalRequired",
        ),
        report(
            4,
            "2026-10",
            &[(GAMMA, "Gamma", 3.0)],
            &[("VONE", 3.0)],
            "ApprovalRequired",
        ),
    ]);
    let diff = h.diff(month("2026-09"), month("2026-10")).unwrap();
    let names: Vec<&str> = diff
        .organizations
        .iter()
        .map(|o| o.organization_name.as_str())
        .collect();
    // Biggest movers first: Beta left (-8), Gamma joined (+3), Alpha grew (+1.5).
    assert_eq!(names, ["Beta", "Gamma", "Alpha"]);
    let beta = &diff.organizations[0];
    assert_eq!(
        (beta.points_before, beta.points_after, beta.change),
        (8.0, 0.0, -8.0)
    );
    assert_eq!(beta.presence, Presence::BeforeOnly);
    assert_eq!(beta.products[0].product_type, Some(ProductType::Vb365));
    assert_eq!(beta.products[0].change, -8.0);
    let gamma = &diff.organizations[1];
    assert_eq!(gamma.presence, Presence::AfterOnly);
    assert_eq!(gamma.points_before, 0.0);
    assert_eq!(diff.organizations[2].presence, Presence::Both);
    assert_eq!(diff.organizations[2].change, 1.5);
    assert_eq!((diff.total_before, diff.total_after), (18.0, 14.5));
    // The JSON names the issue asks for.
    let first = serde_json::to_value(&diff.organizations[0]).unwrap();
    for key in [
        "organizationUid",
        "organizationName",
        "pointsBefore",
        "pointsAfter",
        "change",
        "products",
    ] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }
}

#[test]
fn empty_data_and_missing_months_are_errors_that_say_what_there_is() {
    let empty = history(&[]);
    assert_eq!(empty.window(6), Err(UsageError::NoReports));
    let h = history(&[report(
        1,
        "2026-09",
        &[(ALPHA, "Alpha", 1.0)],
        &[("VONE", 1.0)],
        "Approved",
    )]);
    let error = h.diff(month("2026-08"), month("2026-09")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no license usage reports for 2026-08; months with reports: 2026-09"
    );
    let error = h
        .points_table(&[month("2025-01")], Breakdown::Organization, None)
        .unwrap_err();
    assert!(
        error.to_string().contains("months with reports: 2026-09"),
        "{error}"
    );
    // A window reaching before the first report keeps the empty months, marked.
    let months = h.window(3).unwrap();
    let table = h
        .points_table(&months, Breakdown::Organization, None)
        .unwrap();
    assert_eq!(table.has_reports, [false, false, true]);
    assert_eq!(table.months_with_reports(), 1);
}

#[test]
fn organizations_are_found_by_uid_name_or_a_unique_part() {
    let h = history(&[report(
        1,
        "2026-09",
        &[(ALPHA, "Alpha Hosting", 1.0), (BETA, "Alpine Data", 1.0)],
        &[("VONE", 2.0)],
        "Approved",
    )]);
    assert_eq!(h.find_organization(BETA).unwrap().name, "Alpine Data");
    assert_eq!(
        h.find_organization("alpha hosting").unwrap().name,
        "Alpha Hosting"
    );
    assert_eq!(
        h.find_organization("Hosting").unwrap().name,
        "Alpha Hosting"
    );
    assert!(matches!(
        h.find_organization("Alp"),
        Err(UsageError::AmbiguousOrganization { .. })
    ));
    assert!(matches!(
        h.find_organization("Zeta"),
        Err(UsageError::UnknownOrganization { .. })
    ));
}

/// Against the simulator over HTTP: every organization's monthly points equal the sum of the
/// `usedPoints` its reports list, and the product totals equal the summaries'.
#[tokio::test]
async fn the_simulators_reports_add_up() {
    use vspc_licensing::simulator::{Simulator, SimulatorConfig};

    let sim = Simulator::start(SimulatorConfig::default().seed(11).organizations(9))
        .await
        .unwrap();
    let client = vspc_licensing::Client::builder(sim.base_url())
        .api_key(vspc_licensing::simulator::DEFAULT_API_KEY)
        .build()
        .unwrap();
    let history = client.license_usage_history().await.unwrap();
    let reports = sim.state().reports();
    assert_eq!(history.months().len(), 6);
    let mut expected: HashMap<(String, Uuid), f64> = HashMap::new();
    let mut products: HashMap<(String, String), f64> = HashMap::new();
    for r in &reports {
        let p = r.report_parameters.as_ref().unwrap();
        let m = p
            .report_interval
            .start_of_interval
            .format("%Y-%m")
            .to_string();
        for o in &r.organizations_usage {
            *expected
                .entry((m.clone(), o.organization_uid.unwrap()))
                .or_default() += o.used_points.unwrap();
        }
        for product in &r.report_summary.as_ref().unwrap().products_usage {
            *products
                .entry((
                    m.clone(),
                    product.product_type.as_ref().unwrap().to_string(),
                ))
                .or_default() += product.total_points.unwrap();
        }
    }
    let mut seen = 0;
    for month in history.months() {
        for o in &month.organizations {
            let want = expected[&(month.month.to_string(), o.organization.uid.unwrap())];
            assert!(
                (o.points - want).abs() < 0.005,
                "{} {}: {} vs {want}",
                month.month,
                o.organization.name,
                o.points
            );
            let split: f64 = o.products.iter().map(|p| p.points).sum();
            assert!((split - o.points).abs() < 0.005);
            seen += 1;
        }
        for p in &month.products {
            let want = products[&(month.month.to_string(), p.product_type.to_string())];
            assert!((p.points - want).abs() < 0.005);
        }
    }
    assert_eq!(seen, expected.len());
    sim.shutdown().await;
}

/// Veeam's own example of `GetLicensingReports` (API 3.6.2, read at test time from the pinned
/// documents of `scripts/veeam-docs.sh`) aggregates as the rules say: the organization gets its
/// `usedPoints`, the month the summary's total, products the summary's split, and the appendix
/// (another licensee's licenses) is left out. The example carries `null` lists and intervals
/// written as midnight UTC-4; both are read as sent.
#[test]
fn veeams_example_report_aggregates_by_the_rules() {
    let document: Value = serde_json::from_str(
        &std::fs::read_to_string(documents_dir().join("vspc_rest_3_6_2.json")).unwrap(),
    )
    .unwrap();
    let example = &document["paths"]["/licensing/reports"]["get"]["responses"]["200"]["content"]
        ["application/json"]["example"]["data"];
    let examples = example.as_array().expect("an example list of reports");
    assert!(!examples.is_empty());
    // Read as sent: the null policy makes their `null` lists empty.
    let h = history(examples);
    assert_eq!(h.unplaced_reports(), 0);
    // Expected numbers straight from the example: per month, the sums over its reports (each
    // report counts the licenses of its own licensee, so two reports add up).
    let mut totals: HashMap<Month, f64> = HashMap::new();
    let mut organizations: HashMap<(Month, Uuid), f64> = HashMap::new();
    let mut products: HashMap<(Month, ProductType), f64> = HashMap::new();
    for raw in examples {
        let interval = &raw["reportParameters"]["reportInterval"];
        let start: Month = interval["startOfInterval"].as_str().unwrap()[..7]
            .parse()
            .unwrap();
        // An interval from the last evening of a month to the last evening of the next belongs
        // to the next month.
        let month = [start, start.next()]
            .into_iter()
            .find(|m| h.month(*m).is_some())
            .expect("the report is placed in a month");
        *totals.entry(month).or_default() += raw["reportSummary"]["totalPoints"].as_f64().unwrap();
        for listed in raw["organizationsUsage"].as_array().unwrap() {
            let uid: Uuid = listed["organizationUid"].as_str().unwrap().parse().unwrap();
            *organizations.entry((month, uid)).or_default() +=
                listed["usedPoints"].as_f64().unwrap();
        }
        for product in raw["reportSummary"]["productsUsage"].as_array().unwrap() {
            let kind = ProductType::parse(product["productType"].as_str().unwrap());
            *products.entry((month, kind)).or_default() += product["totalPoints"].as_f64().unwrap();
        }
    }
    assert_eq!(h.months().len(), totals.len());
    for month in h.months() {
        // The appendices' points (other licensees' licenses) are not in the totals.
        assert_eq!(month.total_points, totals[&month.month]);
        for o in &month.organizations {
            assert_eq!(
                o.points,
                organizations[&(month.month, o.organization.uid.unwrap())]
            );
        }
        assert_eq!(
            month.organizations.len(),
            organizations
                .keys()
                .filter(|(m, _)| *m == month.month)
                .count()
        );
        for p in &month.products {
            assert_eq!(p.points, products[&(month.month, p.product_type.clone())]);
        }
    }
}
