//! The spec held against Veeam's own API documents, version by version (3.5.1, 3.6, 3.6.1,
//! 3.6.2, 3.7): every structural difference is either gone or listed with its reason in
//! `spec/deviations.yaml`, and nothing listed there is out of date.
//!
//! The documents are fetched (pinned, checksummed) by `scripts/veeam-docs.sh` into
//! `target/veeam-docs/`; see `tests/support/veeam/`.

use crate::support;

use support::veeam::{deviations, documents, facts};

/// The facts of each of Veeam's documents, computed once for both tests.
fn their_facts() -> &'static [(&'static str, facts::Facts)] {
    static FACTS: std::sync::OnceLock<Vec<(&'static str, facts::Facts)>> =
        std::sync::OnceLock::new();
    FACTS.get_or_init(|| {
        documents::documents()
            .iter()
            .map(|d| (d.version, facts::Facts::of(&d.doc, documents::in_subset)))
            .collect()
    })
}

fn our_facts() -> facts::Facts {
    let ours: serde_json::Value =
        yaml_serde::from_str(support::spec_text()).expect("the spec is YAML");
    facts::Facts::of(&ours, |_| true)
}

#[test]
fn every_difference_from_veeams_documents_is_fixed_or_listed() {
    let ours = our_facts();
    let listed = deviations::load();
    let mut report = String::new();
    for (version, theirs) in their_facts() {
        let (differences, agreed) = facts::compare(&ours, theirs);
        eprintln!(
            "{version}: {agreed} facts agree, {} differ (all listed in spec/deviations.yaml if this passes)",
            differences.len()
        );
        let verdict = deviations::check(&listed, version, &differences);
        for d in verdict.unlisted {
            report.push_str(&format!("{version}: not listed: {}\n", d.0));
        }
        for p in verdict.stale {
            report.push_str(&format!(
                "{version}: listed but no longer different (remove it, or the version): {p}\n"
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
    for (version, theirs) in their_facts() {
        let operations = theirs.map.keys().filter(|node| node.len() == 1).count();
        // 3.7 adds the preview GET /pulse/monthlyUsages.
        let pulse = if *version == "3.7" { 20 } else { 19 };
        assert_eq!(
            operations,
            43 + pulse,
            "{version}: 34 licensing operations, {pulse} VCSP Pulse operations, POST /token, \
             7 async-action operations and GET /about"
        );
        let pulse_operations = theirs
            .map
            .keys()
            .filter(|node| node.len() == 1 && node[0].contains(" /pulse"))
            .count();
        assert_eq!(pulse_operations, pulse, "{version}: the Pulse subset");
        assert!(theirs.len() > 7000, "{version}: {} facts", theirs.len());
    }
    assert_eq!(
        our_facts()
            .map
            .keys()
            .filter(|node| node.len() == 1)
            .count(),
        59,
        "the spec: the licensing operations, the 19 Pulse operations and 3.7's Pulse usage, \
         POST /token, 3 async-action operations and GET /about"
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
