//! Media types: matching a message's `Content-Type` to what the spec declares.

use std::collections::BTreeMap;

use super::{DriftKind, Part, Violation};

/// `application/json; charset=utf-8` -> `application/json`.
pub(crate) fn media_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn media_matches(declared: &str, actual: &str) -> bool {
    let declared = declared.to_ascii_lowercase();
    declared == actual
        || declared == "*/*"
        || declared
            .strip_suffix("/*")
            .is_some_and(|kind| actual.split('/').next() == Some(kind))
}

pub(crate) fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// What a message's `Content-Type` selects from `content` (media type -> schema): the media
/// type as sent (its essence), the declared media type and its entry.
pub(crate) struct Selected<'a, T> {
    /// The essence of the `Content-Type` sent.
    pub actual: String,
    /// The declared media type that matches it.
    pub declared: &'a str,
    /// What the spec declares for it.
    pub entry: &'a T,
}

/// Picks the declared media type that `content_type` matches, or says why none does;
/// `declares` introduces the list of declared types in the message (`expected`, `the 200
/// response declares`). An empty `Content-Type` counts as none.
pub(crate) fn select<'a, T>(
    content: &'a BTreeMap<String, T>,
    content_type: Option<&str>,
    declares: &str,
) -> Result<Selected<'a, T>, Violation> {
    let wrong = |message: String| {
        Violation::new(DriftKind::WrongContentType, Part::ContentType, "", message)
    };
    let listed = content.keys().cloned().collect::<Vec<_>>().join(", ");
    let Some(actual) = content_type.map(media_essence).filter(|m| !m.is_empty()) else {
        return Err(wrong(format!("no Content-Type; {declares} {listed}")));
    };
    match content
        .iter()
        .find(|(media, _)| media_matches(media, &actual))
    {
        Some((declared, entry)) => Ok(Selected {
            actual,
            declared,
            entry,
        }),
        None => Err(wrong(format!("Content-Type {actual}; {declares} {listed}"))),
    }
}

/// A violation of a message's body as a whole.
pub(crate) fn body_violation(kind: DriftKind, message: impl Into<String>) -> Violation {
    Violation::new(kind, Part::Body, "", message)
}

/// A body that should be JSON and is not.
pub(crate) fn not_json(error: serde_json::Error) -> Violation {
    body_violation(DriftKind::Other, format!("the body is not JSON: {error}"))
}
