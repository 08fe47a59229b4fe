//! Filters built with [`Filter`] select on the simulator exactly what the same predicate selects
//! in Rust (issue 18, item 5: `any_of([a.and(b), c])` was sent as `or(a, b, c)`, and `negate()`
//! of a combined filter sent `not` with two operands), and each constructor's exact wire JSON.
//! What a [`ListQuery`] asks of a console, recorded: filter, sort, select, offset and page size
//! on every page, and a query outside the spec's bounds refused with nothing sent.

use crate::support::recorder;

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use recorder::{Canned, Recorded, Recorder};
use serde_json::{json, Value};
use uuid::Uuid;
use vspc_licensing::enums::FilterCollation;
use vspc_licensing::simulator::{Simulator, SimulatorConfig, DEFAULT_API_KEY};
use vspc_licensing::{Client, Error};
use vspc_licensing::{Filter, ListQuery, Select, Sort, MAX_PAGE_SIZE};

/// A predicate over a license's JSON, and the filter that should select the same licenses.
#[derive(Clone, Debug)]
enum Predicate {
    AutoUpdate(bool),
    CompanyContains(String),
    StatusIs(String),
    And(Box<Predicate>, Box<Predicate>),
    AnyOf(Vec<Predicate>),
    Not(Box<Predicate>),
}

impl Predicate {
    fn holds(&self, license: &Value) -> bool {
        match self {
            Predicate::AutoUpdate(on) => license["autoUpdateEnabled"] == json!(on),
            Predicate::CompanyContains(text) => license["company"]
                .as_str()
                .is_some_and(|company| company.contains(text.as_str())),
            Predicate::StatusIs(status) => license["status"] == json!(status),
            Predicate::And(a, b) => a.holds(license) && b.holds(license),
            Predicate::AnyOf(all) => all.iter().any(|p| p.holds(license)),
            Predicate::Not(p) => !p.holds(license),
        }
    }

    fn filter(&self) -> Filter {
        match self {
            Predicate::AutoUpdate(on) => Filter::equals("autoUpdateEnabled", *on),
            Predicate::CompanyContains(text) => Filter::contains("company", text.clone()),
            Predicate::StatusIs(status) => Filter::equals("status", status.clone()),
            Predicate::And(a, b) => a.filter().and(b.filter()),
            Predicate::AnyOf(all) => Filter::any_of(all.iter().map(Predicate::filter)),
            Predicate::Not(p) => p.filter().negate(),
        }
    }
}

fn predicate() -> impl Strategy<Value = Predicate> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Predicate::AutoUpdate),
        prop::sample::select(vec!["1", "2", "Ltd", "a", "e"])
            .prop_map(|t| Predicate::CompanyContains(t.to_owned())),
        prop::sample::select(vec!["Valid", "Expired", "Warning"])
            .prop_map(|s| Predicate::StatusIs(s.to_owned())),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Predicate::And(a.into(), b.into())),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Predicate::AnyOf),
            inner.prop_map(|p| Predicate::Not(p.into())),
        ]
    })
}

#[test]
fn a_built_filter_selects_on_the_simulator_what_its_predicate_selects_in_rust() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (sim, client, everything) = runtime.block_on(async {
        let sim = Simulator::start(SimulatorConfig::default().seed(11).backup_servers(60))
            .await
            .unwrap();
        let client = Client::builder(sim.base_url())
            .api_key(DEFAULT_API_KEY)
            .build()
            .unwrap();
        let everything: Vec<Value> = client
            .backup_server_licenses(ListQuery::new().page_size(500))
            .map_ok(|l| serde_json::to_value(l).unwrap())
            .try_collect()
            .await
            .unwrap();
        (sim, client, everything)
    });
    assert_eq!(everything.len(), 60);
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&predicate(), |predicate| {
            let expected: BTreeSet<String> = everything
                .iter()
                .filter(|l| predicate.holds(l))
                .map(|l| l["backupServerUid"].to_string())
                .collect();
            let query = ListQuery::new().filter(predicate.filter()).page_size(500);
            let selected: BTreeSet<String> = runtime
                .block_on(
                    client
                        .backup_server_licenses(query)
                        .map_ok(|l| serde_json::to_value(l).unwrap()["backupServerUid"].to_string())
                        .try_collect(),
                )
                .map_err(|e| TestCaseError::fail(format!("{predicate:?}: {e}")))?;
            prop_assert_eq!(
                selected,
                expected,
                "{:?} sent as {}",
                predicate,
                predicate.filter()
            );
            Ok(())
        })
        .unwrap();
    runtime.block_on(sim.shutdown());
}

fn wire(filter: Filter) -> Value {
    serde_json::from_str(&String::from(filter)).unwrap()
}

#[test]
fn any_of_keeps_each_alternative_whole_and_negate_takes_one_operand() {
    let a = || Filter::equals("a", 1);
    let b = || Filter::equals("b", 2);
    let c = || Filter::equals("c", 3);
    let leaf = |p: &str, v: i32| json!({"operation": "equals", "property": p, "value": v});
    assert_eq!(
        wire(Filter::any_of([a().and(b()), c()])),
        json!([{"operation": "or", "items": [
            {"operation": "and", "items": [leaf("a", 1), leaf("b", 2)]},
            leaf("c", 3)
        ]}])
    );
    assert_eq!(
        wire(a().and(b()).negate()),
        json!([{"operation": "not", "items": [
            {"operation": "and", "items": [leaf("a", 1), leaf("b", 2)]}
        ]}])
    );
    assert_eq!(
        wire(a().negate()),
        json!([{"operation": "not", "items": [leaf("a", 1)]}])
    );
}

#[test]
fn each_constructor_sends_its_own_operation() {
    let cases = [
        (Filter::equals("p", 1), "equals", json!(1)),
        (Filter::not_equals("p", 1), "notEquals", json!(1)),
        (Filter::less_than("p", 1), "lessThan", json!(1)),
        (
            Filter::less_than_or_equal("p", 1),
            "lessThanOrEqual",
            json!(1),
        ),
        (Filter::greater_than("p", 1), "greaterThan", json!(1)),
        (
            Filter::greater_than_or_equal("p", 1),
            "greaterThanOrEqual",
            json!(1),
        ),
        (Filter::contains("p", "x"), "contains", json!("x")),
        (Filter::is_in("p", [1, 2]), "in", json!([1, 2])),
    ];
    for (filter, operation, value) in cases {
        assert_eq!(
            wire(filter.clone()),
            json!([{"operation": operation, "property": "p", "value": value}]),
            "{operation}"
        );
        assert_eq!(filter.expressions().len(), 1);
        assert_eq!(filter.expressions()[0].property.as_deref(), Some("p"));
    }
    assert_eq!(
        wire(
            Filter::any_of([Filter::equals("a", "x"), Filter::equals("b", "y")])
                .collation(FilterCollation::Ignorecase)
        ),
        json!([{"operation": "or", "items": [
            {"operation": "equals", "property": "a", "value": "x", "collation": "ignorecase"},
            {"operation": "equals", "property": "b", "value": "y", "collation": "ignorecase"}
        ]}]),
        "collation reaches nested comparisons"
    );
}

#[test]
fn sorts_and_selects_send_what_they_say() {
    let sort = Sort::ascending("company")
        .then_descending("expirationDate")
        .then_ascending("status");
    assert_eq!(
        serde_json::from_str::<Value>(&String::from(sort.clone())).unwrap(),
        json!([
            {"property": "company", "direction": "ascending"},
            {"property": "expirationDate", "direction": "descending"},
            {"property": "status", "direction": "ascending"}
        ])
    );
    assert_eq!(sort.expressions().len(), 3);
    assert_eq!(
        serde_json::from_str::<Value>(&String::from(Sort::descending("x"))).unwrap(),
        json!([{"property": "x", "direction": "descending"}])
    );
    let select = Select::properties(["company", "status"]);
    assert_eq!(select.expressions().len(), 2);
    assert_eq!(
        serde_json::from_str::<Value>(&String::from(select)).unwrap(),
        json!([{"propertyPath": "company"}, {"propertyPath": "status"}])
    );
}

#[test]
fn pages_in_flight_default_to_four_and_never_zero() {
    assert_eq!(ListQuery::new().pages_in_flight_or_default(), 4);
    assert_eq!(
        ListQuery::new()
            .pages_in_flight(9)
            .pages_in_flight_or_default(),
        9
    );
    assert_eq!(
        ListQuery::new()
            .pages_in_flight(0)
            .pages_in_flight_or_default(),
        1
    );
}

/// A collection of `total` licenses, served as asked.
async fn collection(total: usize) -> Recorder {
    Recorder::with_fallback(Arc::new(move |r: &Recorded| {
        let number = |name: &str| {
            r.query_pairs()
                .into_iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, v)| v.parse::<usize>().unwrap())
        };
        let (offset, limit) = (number("offset"), number("limit"));
        let data: Vec<Value> = (offset..total.min(offset + limit))
            .map(|i| json!({"backupServerUid": Uuid::from_u128(i as u128 + 1), "autoUpdateEnabled": false}))
            .collect();
        let count = data.len();
        Canned::json(
            200,
            json!({"data": data, "meta": {"pagingInfo": {"total": total, "count": count, "offset": offset}}}),
        )
    }))
    .await
}

fn client(recorder: &Recorder) -> Client {
    Client::builder(recorder.url())
        .api_key("k")
        .build()
        .unwrap()
}

#[tokio::test]
async fn filter_sort_select_offset_and_page_size_reach_the_console() {
    let recorder = collection(30).await;
    let query = ListQuery::new()
        .filter(Filter::equals("autoUpdateEnabled", false))
        .sort(Sort::descending("company"))
        .select(Select::properties(["company"]))
        .offset(5)
        .page_size(10);
    let uids: Vec<_> = client(&recorder)
        .backup_server_licenses(query)
        .map_ok(|license| license.backup_server_uid)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(uids.len(), 25, "from offset 5 to the end");
    assert_eq!(uids[0], Some(Uuid::from_u128(6)));
    let requests = recorder.requests();
    let first: Vec<(String, String)> = requests[0].query_pairs();
    let value = |name: &str| {
        first
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{name} missing from {first:?}"))
    };
    assert_eq!(value("offset"), "5");
    assert_eq!(value("limit"), "10");
    assert_eq!(
        serde_json::from_str::<Value>(&value("filter")).unwrap(),
        json!([{"operation": "equals", "property": "autoUpdateEnabled", "value": false}])
    );
    assert_eq!(
        serde_json::from_str::<Value>(&value("sort")).unwrap(),
        json!([{"property": "company", "direction": "descending"}])
    );
    assert_eq!(
        serde_json::from_str::<Value>(&value("select")).unwrap(),
        json!([{"propertyPath": "company"}])
    );
    assert!(
        requests
            .iter()
            .all(|r| r.query_pairs().iter().any(|(n, _)| n == "sort")),
        "every page is asked in the same order"
    );
}

#[test]
fn page_sizes_and_offsets_outside_the_spec_are_refused() {
    for size in [1, 100, MAX_PAGE_SIZE] {
        assert!(
            ListQuery::new().page_size(size).validate().is_ok(),
            "{size}"
        );
    }
    for size in [0, MAX_PAGE_SIZE + 1] {
        let message = ListQuery::new().page_size(size).validate().unwrap_err();
        assert!(message.contains("page size"), "{size}: {message}");
    }
    let largest = i32::MAX as u32;
    assert!(ListQuery::new().offset(largest).validate().is_ok());
    let message = ListQuery::new().offset(largest + 1).validate().unwrap_err();
    assert!(message.contains("offset"), "{message}");
}

#[tokio::test]
async fn a_refused_query_sends_nothing() {
    let recorder = collection(30).await;
    let client = client(&recorder);
    for query in [
        ListQuery::new().page_size(0),
        ListQuery::new().page_size(MAX_PAGE_SIZE + 1),
        ListQuery::new().offset(i32::MAX as u32 + 1),
    ] {
        let mut stream = client.backup_server_licenses(query);
        let first = stream.next().await.expect("one item: the error");
        assert!(
            matches!(first, Err(Error::InvalidInput { .. })),
            "{first:?}"
        );
        assert!(stream.next().await.is_none(), "the stream ends there");
    }
    assert!(recorder.requests().is_empty(), "nothing was sent");
}
