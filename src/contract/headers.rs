//! Headers as the checks take them: any iterator of name/value pairs.

/// One header as a name and its raw value. Implemented for `(name, value)` pairs of anything
/// string-like (`(&str, &str)`, `(String, String)`, the `(&HeaderName, &HeaderValue)` items of
/// an `http::HeaderMap`) and for references to such pairs, so `&Vec<(String, String)>` works.
pub trait HeaderPair {
    /// The header name.
    fn name(&self) -> &str;
    /// The header value, as sent.
    fn value(&self) -> &[u8];
}

impl<K: AsRef<str>, V: AsRef<[u8]>> HeaderPair for (K, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl<T: HeaderPair> HeaderPair for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn value(&self) -> &[u8] {
        (**self).value()
    }
}

/// The headers as (lower-case name, value as text) pairs, in the order given.
pub(crate) fn lower_case_pairs(
    headers: impl IntoIterator<Item = impl HeaderPair>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|pair| {
            (
                pair.name().to_ascii_lowercase(),
                String::from_utf8_lossy(pair.value()).into_owned(),
            )
        })
        .collect()
}

/// The values of the header `name` (compared case-insensitively), in the order given.
pub(crate) fn values<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a String> {
    headers
        .iter()
        .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}
