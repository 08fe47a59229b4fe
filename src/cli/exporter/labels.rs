//! Label values: bounded in length and shared between the series that repeat them.
//!
//! A console's data decides the label values (company names, editions), so one odd value
//! must not blow up every series that carries it; and 100,000 licenses of a few hundred
//! companies should hold a few hundred strings, not 100,000. Escaping (`\`, `"`, newlines) is
//! the encoder's: prometheus-client escapes every label value it writes.

use std::collections::HashMap;
use std::sync::Arc;

/// The longest label value kept, in bytes; longer ones are cut at a character boundary and
/// end with `…`.
pub(crate) const MAX_LABEL_BYTES: usize = 128;

/// `text` cut to [`MAX_LABEL_BYTES`].
pub(crate) fn bounded(text: &str) -> &str {
    if text.len() <= MAX_LABEL_BYTES {
        return text;
    }
    let mut end = MAX_LABEL_BYTES - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// One shared copy of each distinct label value.
#[derive(Default)]
pub(crate) struct Interner {
    values: HashMap<String, Arc<str>>,
}

impl Interner {
    /// The shared, bounded copy of `text` (`""` for none: Prometheus reads an empty label as
    /// an absent one).
    pub(crate) fn value(&mut self, text: Option<&str>) -> Arc<str> {
        let text = text.unwrap_or("");
        if let Some(value) = self.values.get(text) {
            return Arc::clone(value);
        }
        let cut = bounded(text);
        let value: Arc<str> = if cut.len() < text.len() {
            format!("{cut}…").into()
        } else {
            text.into()
        };
        self.values.insert(text.to_owned(), Arc::clone(&value));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let long = "é".repeat(200);
        let value = Interner::default().value(Some(&long));
        assert!(value.len() <= MAX_LABEL_BYTES, "{}", value.len());
        assert!(value.ends_with('…'));
        assert!(long.starts_with(value.trim_end_matches('…')));
    }

    #[test]
    fn repeated_values_share_one_copy() {
        let mut interner = Interner::default();
        let a = interner.value(Some("Acme"));
        let b = interner.value(Some("Acme"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*interner.value(None), "");
    }
}
