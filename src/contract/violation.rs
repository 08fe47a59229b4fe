//! What a contract check reports: [`Violation`]s, classified by [`DriftKind`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How an observed message departs from the spec.
///
/// The kinds are chosen for live contract runs against a real VSPC: an
/// [`UndocumentedField`](DriftKind::UndocumentedField) means the spec is behind the server
/// (harmless for the client), the others mean the client may mis-read the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DriftKind {
    /// A property the schema does not declare (the spec's schemas allow extra properties, so
    /// this is drift, not an error: see [`DriftKind::is_breaking`]).
    UndocumentedField,
    /// A property, parameter or body the spec requires is absent.
    MissingRequired,
    /// A value outside the enum the spec lists.
    UnknownEnumValue,
    /// A value of another JSON type than declared (including `null` where not nullable).
    TypeMismatch,
    /// A status code the operation does not declare (and no `default` covers).
    UnexpectedStatus,
    /// A content type the response or request does not declare.
    WrongContentType,
    /// Anything else: formats, ranges, patterns, unparseable bodies, unknown operations.
    Other,
}

impl DriftKind {
    /// Whether this kind of drift breaks the contract as the spec states it. Everything but an
    /// undocumented field does; the spec never forbids extra properties.
    pub fn is_breaking(self) -> bool {
        self != DriftKind::UndocumentedField
    }
}

/// Which part of an HTTP message a [`Violation`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Part {
    /// The status line.
    Status,
    /// The `Content-Type` header.
    ContentType,
    /// A header parameter.
    Header,
    /// A path parameter, or the path itself.
    Path,
    /// A query parameter.
    Query,
    /// The body; the pointer is a JSON pointer into it.
    Body,
    /// A value checked with [`Spec::validate_schema`](super::Spec::validate_schema).
    Value,
}

/// One departure from the spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// How it departs.
    pub kind: DriftKind,
    /// The operationId it was found on, when the check was about an operation.
    pub operation: Option<String>,
    /// The part of the message it was found in.
    pub part: Part,
    /// Where in that part: a JSON pointer into the body or value (`/data/0/status`), or the
    /// parameter name for path, query and header parameters.
    pub pointer: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(
        kind: DriftKind,
        part: Part,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            kind,
            operation: None,
            part,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    pub(crate) fn on(mut self, operation: &str) -> Self {
        self.operation = Some(operation.to_owned());
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = &self.operation {
            write!(f, "{operation}: ")?;
        }
        write!(
            f,
            "{:?} at {:?} {}: {}",
            self.kind, self.part, self.pointer, self.message
        )
    }
}

/// Violations gathered over a run (e.g. a live `conform` run), ready to print as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Every violation, in the order found.
    pub violations: Vec<Violation>,
}

impl DriftReport {
    /// Adds the violations of one check.
    pub fn extend(&mut self, violations: impl IntoIterator<Item = Violation>) {
        self.violations.extend(violations);
    }

    /// How many violations of each kind were found.
    pub fn counts(&self) -> BTreeMap<DriftKind, usize> {
        let mut counts = BTreeMap::new();
        for violation in &self.violations {
            *counts.entry(violation.kind).or_insert(0) += 1;
        }
        counts
    }

    /// Whether any violation breaks the contract (see [`DriftKind::is_breaking`]).
    pub fn is_breaking(&self) -> bool {
        self.violations.iter().any(|v| v.kind.is_breaking())
    }
}
