//! The spec held against Veeam's own API documents, version by version (3.5.1, 3.6, 3.6.1,
//! 3.6.2, 3.7): every structural difference is either gone or listed with its reason in
//! `spec/deviations.yaml`, and nothing listed there is out of date.
//!
//! The documents are fetched (pinned, checksummed) by `scripts/veeam-docs.sh` into
//! `target/veeam-docs/`; see `tests/support/veeam/`.

mod support;

use support::veeam::{deviations, documents, facts};

fn our_facts() -> facts::Facts {
    let ours: serde_json::Value =
        serde_yaml::from_str(support::spec_text()).expect("the spec is YAML");
    facts::Facts::of(&ours, |_| true)
}

#[test]
fn every_difference_from_veeams_documents_is_fixed_or_listed() {
    let ours = our_facts();
    let listed = deviations::load();
    let mut report = String::new();
    for document in documents::documents() {
        let theirs = facts::Facts::of(&document.doc, documents::in_subset);
        let (differences, agreed) = facts::compare(&ours, &theirs);
        eprintln!(
            "{}: {agreed} facts agree, {} differ (all listed in spec/deviations.yaml if this passes)",
            document.version,
            differences.len()
        );
        let verdict = deviations::check(&listed, document.version, &differences);
        for d in verdict.unlisted {
            report.push_str(&format!("{}: not listed: {}\n", document.version, d.0));
        }
        for p in verdict.stale {
            report.push_str(&format!(
                "{}: listed but no longer different (remove it, or the version): {p}\n",
                document.version
            ));
        }
    }
    assert!(
        report.is_empty(),
        "the spec and Veeam's documents differ beyond spec/deviations.yaml:\n{report}"
    );
}

#[test]
fn the_comparison_sees_every_operation_of_the_subset() {
    // Guards the comparison itself: a reader that lost operations would agree on nothing and
    // differ on nothing.
    for document in documents::documents() {
        let theirs = facts::Facts::of(&document.doc, documents::in_subset);
        let operations = theirs.map.keys().filter(|node| node.len() == 1).count();
        assert_eq!(
            operations, 43,
            "{}: 34 licensing operations, POST /token, 7 async-action operations and GET /about",
            document.version
        );
        assert!(
            theirs.len() > 7000,
            "{}: {} facts",
            document.version,
            theirs.len()
        );
    }
    assert_eq!(
        our_facts()
            .map
            .keys()
            .filter(|node| node.len() == 1)
            .count(),
        38
    );
}

#[test]
fn a_deviation_pattern_matches_only_what_it_says() {
    use deviations::glob;
    assert!(glob("GET /x : only in ours", "GET /x : only in ours"));
    assert!(!glob("GET /x : only in ours", "GET /x : only in Veeam's"));
    assert!(glob("* > body.data[]*.tenantUid : only in Veeam's", "GET /r > response 200 > application/json > body.data[].usageDetails[].tenantUid : only in Veeam's"));
    assert!(!glob("PATCH * : type", "GET /x : type"));
    assert!(glob("a*b*c", "abc"));
    assert!(!glob("a*b*c", "ac"));
}
