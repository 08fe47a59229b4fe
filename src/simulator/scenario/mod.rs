//! Scenarios: a file that sets up exactly the data a test needs.
//!
//! A scenario lists the API's own objects, with the API's field names, per collection
//! (`backupServers`, `voneServers`, `vb365Servers`, `sites`, `console`, `organizations`,
//! `reports`, and `pulse` with its `contracts`, `products`, `tenants` and `licenses`), plus
//! optional `faults`, `apiVersion` and `seed`. Each listed object is served
//! as given; the fields it leaves out are filled by the seeded generator. Collections the file
//! does not name keep their seeded data, unless the file says `seed: none` (then they are
//! empty; the console license and the settings are always there, seeded).
//!
//! The file (YAML or JSON) is checked against [`Scenario::json_schema`], which is derived from
//! the spec's schemas, and every problem names its field and, in block-style YAML, its line.
//!
//! ```
//! use vspc_licensing::simulator::Scenario;
//! let scenario = Scenario::from_text("seed: none\nbackupServers:\n  - company: Alpha\n", "inline").unwrap();
//! assert_eq!(scenario.listed("backupServers"), Some(1));
//! let error = Scenario::from_text("backupServers:\n  - compnay: Alpha\n", "inline").unwrap_err();
//! assert!(error.to_string().contains("line 2: backupServers[0].compnay"), "{error}");
//! ```

mod assemble;
mod locate;
mod schema;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Map, Value};

use super::faults::{FaultKind, FaultRule, Firing, RouteMatch};
use crate::contract::Spec;

pub(crate) use assemble::assemble;

/// The commented example `vspc-licensing scenario example` prints.
pub const EXAMPLE: &str = include_str!("example.yaml");

/// A loaded, validated scenario. Hand it to
/// [`SimulatorConfig::scenario`](super::SimulatorConfig::scenario).
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Where it came from (a path or a name), for messages.
    pub(crate) origin: String,
    /// The listed objects per collection key, each as written (a JSON object).
    pub(crate) lists: Map<String, Value>,
    pub(crate) console: Option<Map<String, Value>>,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) api_version: Option<String>,
    /// `false` for `seed: none`.
    pub(crate) seeded: bool,
    pub(crate) seed: Option<u64>,
}

/// One thing wrong with a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioProblem {
    /// The field, e.g. `backupServers[1].expirationDate` (empty for the whole file).
    pub field: String,
    /// The 1-based line, when it is known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ScenarioProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read the scenario {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML or JSON.
    #[error("{origin}: {problem}")]
    Syntax {
        /// The file.
        origin: String,
        /// Where and what.
        problem: ScenarioProblem,
    },
    /// The file does not follow the scenario schema (or describes objects that cannot be served).
    #[error("{origin}: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The file.
        origin: String,
        /// Every problem found, in file order.
        problems: Vec<ScenarioProblem>,
    },
}

impl ScenarioError {
    /// Every problem found (one for a syntax error, none for an unreadable file).
    pub fn problems(&self) -> &[ScenarioProblem] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Syntax { problem, .. } => std::slice::from_ref(problem),
            ScenarioError::Invalid { problems, .. } => problems,
        }
    }
}

/// `/backupServers/1/company` → `backupServers[1].company`.
pub(crate) fn field_name(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

fn validator() -> &'static Result<jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(Scenario::json_schema())
            .map_err(|e| e.to_string())
    })
}

impl Scenario {
    /// The JSON Schema every scenario file must follow, derived from the crate's spec.
    pub fn json_schema() -> &'static Value {
        static SCHEMA: OnceLock<Value> = OnceLock::new();
        SCHEMA.get_or_init(|| schema::derive(Spec::embedded()))
    }

    /// Reads and checks a scenario file (YAML or JSON).
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Scenario::from_text(&text, &path.display().to_string())
    }

    /// Parses and checks a scenario from its text; `origin` names it in messages.
    pub fn from_text(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let invalid = |problems| ScenarioError::Invalid {
            origin: origin.to_owned(),
            problems,
        };
        let document: Value = yaml_serde::from_str(text).map_err(|e| {
            let location = e.location();
            // The parser writes the position into its message; it is reported as the line.
            let message = match &location {
                Some(at) => {
                    let position = format!(" at line {} column {}", at.line(), at.column());
                    format!(
                        "{} (column {})",
                        e.to_string().replace(&position, ""),
                        at.column()
                    )
                }
                None => e.to_string(),
            };
            ScenarioError::Syntax {
                origin: origin.to_owned(),
                problem: ScenarioProblem {
                    field: String::new(),
                    line: location.map(|l| l.line()),
                    message,
                },
            }
        })?;
        // An empty file is an empty scenario: the seeded defaults.
        let document = if document.is_null() {
            Value::Object(Map::new())
        } else {
            document
        };
        let validator = validator().as_ref().map_err(|message| {
            invalid(vec![ScenarioProblem {
                field: String::new(),
                line: None,
                message: format!("the scenario schema does not compile: {message}"),
            }])
        })?;
        let mut problems: Vec<ScenarioProblem> = validator
            .iter_errors(&document)
            .map(|error| {
                let mut pointer = error.instance_path().as_str().to_owned();
                if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                    error.kind()
                {
                    if let [one] = unexpected.as_slice() {
                        pointer = format!("{pointer}/{}", crate::contract::escape_pointer(one));
                        return problem(text, &pointer, "unknown field".to_owned());
                    }
                }
                problem(text, &pointer, error.to_string())
            })
            .collect();
        if problems.is_empty() {
            problems.extend(duplicate_uids(text, &document));
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
            return Err(invalid(problems));
        }
        let Value::Object(mut top) = document else {
            return Err(invalid(vec![problem(
                text,
                "",
                "a scenario is a mapping".into(),
            )]));
        };
        let (seeded, seed) = match top.remove("seed") {
            Some(Value::String(none)) if none == "none" => (false, None),
            Some(value) => (true, value.as_u64()),
            None => (true, None),
        };
        let api_version = top
            .remove("apiVersion")
            .and_then(|v| v.as_str().map(str::to_owned));
        let console = match top.remove("console") {
            Some(Value::Object(map)) => Some(map),
            _ => None,
        };
        let faults = top
            .remove("faults")
            .and_then(|f| f.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(fault_rule)
            .collect();
        let scenario = Scenario {
            origin: origin.to_owned(),
            lists: top,
            console,
            faults,
            api_version,
            seeded,
            seed,
        };
        // Build once now, so that objects the spec's types cannot hold are reported at load
        // (by `scenario check`) rather than when a simulator starts.
        assemble(
            &scenario,
            scenario.seed.unwrap_or(42),
            &super::Sizes::default(),
            chrono::Utc::now(),
        )
        .map_err(|problems| {
            invalid(
                problems
                    .into_iter()
                    .map(|(pointer, message)| problem(text, &pointer, message))
                    .collect(),
            )
        })?;
        Ok(scenario)
    }

    /// The API version the scenario asks the simulator to present, if it names one.
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// The seed the scenario sets, if it names a number.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Whether collections the file does not name keep their seeded data (`false` for
    /// `seed: none`).
    pub fn keeps_seeded_defaults(&self) -> bool {
        self.seeded
    }

    /// The scripted faults it lists.
    pub fn faults(&self) -> &[FaultRule] {
        &self.faults
    }

    /// How many objects it lists in a collection (`backupServers`, ...), or `None` when the
    /// file does not name the collection.
    pub fn listed(&self, collection: &str) -> Option<usize> {
        self.lists
            .get(collection)
            .and_then(Value::as_array)
            .map(Vec::len)
    }

    /// Where it came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

fn problem(text: &str, pointer: &str, message: String) -> ScenarioProblem {
    ScenarioProblem {
        field: field_name(pointer),
        line: locate::line_of(text, pointer),
        message,
    }
}

/// Two listed objects with the same UID would make one of them unreachable.
fn duplicate_uids(text: &str, document: &Value) -> Vec<ScenarioProblem> {
    let keys = [
        ("backupServers", "backupServerUid"),
        ("voneServers", "vOneServerUid"),
        ("vb365Servers", "vb365ServerUid"),
        ("sites", "siteUid"),
        ("organizations", "organizationUid"),
    ];
    let mut problems = Vec::new();
    for (collection, uid_field) in keys {
        let Some(items) = document.get(collection).and_then(Value::as_array) else {
            continue;
        };
        let mut seen = std::collections::HashMap::new();
        for (index, item) in items.iter().enumerate() {
            let Some(uid) = item.get(uid_field).and_then(Value::as_str) else {
                continue;
            };
            if let Some(first) = seen.insert(uid.to_ascii_lowercase(), index) {
                problems.push(problem(
                    text,
                    &format!("/{collection}/{index}/{uid_field}"),
                    format!("{uid} is already the UID of {collection}[{first}]"),
                ));
            }
        }
    }
    problems
}

/// A fault entry the schema has accepted.
fn fault_rule(entry: &Value) -> FaultRule {
    let number = |key: &str| entry.get(key).and_then(Value::as_u64);
    let text = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or_default();
    let route = match (entry.get("operation"), entry.get("method")) {
        (Some(op), _) => RouteMatch::Operation(op.as_str().unwrap_or_default().to_owned()),
        (None, Some(_)) => RouteMatch::MethodPath {
            method: text("method").to_owned(),
            pattern: text("path").to_owned(),
        },
        (None, None) => RouteMatch::Any,
    };
    let firing = if entry.get("always").and_then(Value::as_bool) == Some(true) {
        Firing::Always
    } else if let Some(n) = number("attempt") {
        Firing::Attempt(n.try_into().unwrap_or(u32::MAX))
    } else {
        Firing::Times(number("times").unwrap_or(1).try_into().unwrap_or(u32::MAX))
    };
    let kind = match text("kind") {
        "dropBeforeApply" => FaultKind::DropBeforeApply,
        "dropAfterApply" => FaultKind::DropAfterApply,
        "retryableError" => FaultKind::RetryableError,
        "logicalError" => FaultKind::LogicalError,
        "tooManyRequests" => FaultKind::TooManyRequests {
            retry_after_secs: number("retryAfterSeconds").unwrap_or(1),
        },
        // VSPC's own form: the wait (if any) in the error body, no header.
        "throttled" => FaultKind::Throttled {
            retry_after_secs: number("retryAfterSeconds"),
        },
        "serviceUnavailable" => FaultKind::ServiceUnavailable,
        "delay" => FaultKind::Delay(Duration::from_millis(number("delayMs").unwrap_or(100))),
        "truncatedBody" => FaultKind::TruncatedBody,
        // The schema admits only the kinds above and this one.
        _ => FaultKind::MalformedJson,
    };
    FaultRule {
        route,
        firing,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_read_like_paths() {
        assert_eq!(
            field_name("/backupServers/1/expirationDate"),
            "backupServers[1].expirationDate"
        );
        assert_eq!(field_name(""), "");
    }

    #[test]
    fn every_listed_fault_kind_is_mapped() {
        for kind in schema::FAULT_KINDS {
            let rule = fault_rule(&serde_json::json!({"kind": kind}));
            assert_eq!(
                *kind == "malformedJson",
                rule.kind == FaultKind::MalformedJson,
                "{kind}"
            );
        }
    }

    #[test]
    fn the_example_is_a_valid_scenario() {
        let scenario = Scenario::from_text(EXAMPLE, "example").unwrap();
        assert_eq!(scenario.listed("backupServers"), Some(3));
        assert!(!scenario.faults().is_empty());
        assert!(scenario.api_version().is_some());
    }
}
