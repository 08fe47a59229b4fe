//! How the generated types print a secret field in `Debug`: whether it is set, never what it
//! holds. build.rs gives every struct with a property the spec marks `format: password` a
//! `Debug` that wraps such a field in [`Redacted`] (docs/security.md, "Secrets").

use std::fmt;

/// A secret field, printed as `***` (`Some(***)`, `None`, `Ok(Some(***))` for the builders).
pub(crate) struct Redacted<'a, T: ?Sized>(pub(crate) &'a T);

/// A value that can print itself with its secret text hidden.
pub(crate) trait Redact {
    /// Writes the value with each string in it shown as `***`.
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl Redact for String {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T: Redact> Redact for Option<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            None => f.write_str("None"),
            Some(value) => f.debug_tuple("Some").field(&Redacted(value)).finish(),
        }
    }
}

/// A builder's field: the value, or why the value given could not be used (the generator's
/// own message, which names the field, not its value).
impl<T: Redact, E: fmt::Debug> Redact for Result<T, E> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ok(value) => f.debug_tuple("Ok").field(&Redacted(value)).finish(),
            Err(error) => f.debug_tuple("Err").field(error).finish(),
        }
    }
}

impl<T: Redact + ?Sized> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_redacted(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_as_set_or_not_never_as_their_text() {
        let set = Some("hunter2".to_owned());
        assert_eq!(format!("{:?}", Redacted(&set)), "Some(***)");
        assert_eq!(format!("{:?}", Redacted(&None::<String>)), "None");
        let built: Result<Option<String>, String> = Ok(set.clone());
        assert_eq!(format!("{:?}", Redacted(&built)), "Ok(Some(***))");
        let refused: Result<Option<String>, String> = Err("no value supplied".into());
        assert_eq!(
            format!("{:?}", Redacted(&refused)),
            "Err(\"no value supplied\")"
        );
    }
}
