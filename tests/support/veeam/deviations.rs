//! `spec/deviations.yaml`: the reviewed list of where the spec knowingly differs from Veeam's
//! documents, and the check that it lists every difference and nothing else.

use serde::Deserialize;

use super::facts::Difference;

/// The file as written.
#[derive(Deserialize)]
pub struct Deviations {
    pub deviations: Vec<Deviation>,
}

/// One reviewed difference (or family of differences), with its reason.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    pub reason: String,
    pub versions: Vec<String>,
    /// Patterns of difference lines; `*` stands for any text.
    pub differences: Vec<String>,
}

/// Reads `spec/deviations.yaml`.
pub fn load() -> Deviations {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/deviations.yaml");
    let text = std::fs::read_to_string(path).expect("spec/deviations.yaml exists");
    let deviations: Deviations =
        yaml_serde::from_str(&text).expect("spec/deviations.yaml is well-formed");
    for d in &deviations.deviations {
        assert!(
            d.reason.trim().len() > 20,
            "every deviation gives its reason: {:?}",
            d.differences
        );
    }
    deviations
}

/// What the check found for one version: differences no entry lists, and listed patterns that
/// match no difference.
pub struct Verdict {
    pub unlisted: Vec<Difference>,
    pub stale: Vec<String>,
}

/// Holds the differences found for `version` against the entries for that version.
pub fn check(deviations: &Deviations, version: &str, differences: &[Difference]) -> Verdict {
    let patterns: Vec<&String> = deviations
        .deviations
        .iter()
        .filter(|d| d.versions.iter().any(|v| v == version))
        .flat_map(|d| &d.differences)
        .collect();
    let unlisted = differences
        .iter()
        .filter(|d| !patterns.iter().any(|p| glob(p, &d.0)))
        .cloned()
        .collect();
    let stale = patterns
        .iter()
        .filter(|p| !differences.iter().any(|d| glob(p, &d.0)))
        .map(|p| (*p).clone())
        .collect();
    Verdict { unlisted, stale }
}

/// `*` matches any run of characters (including none); everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}
