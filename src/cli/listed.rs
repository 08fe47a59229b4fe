//! Command-line values of the spec's enums: one of the values the spec lists, in any case.
//!
//! Reading an answer keeps a value the spec does not list; on the command line such a value is
//! a typo, not news, so it is refused with the listed values, before anything is sent. The
//! parse is the enum's own strict one (`parse_listed`); clap shows the same values in `--help`
//! and offers them to shell completion.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;

use crate::enums::ForwardCompatibleEnum;

/// The clap value parser of enum `E` (`#[arg(value_parser = listed::<OrganizationType>())]`).
pub(crate) fn listed<E>() -> Listed<E> {
    Listed(PhantomData)
}

/// See [`listed`].
pub(crate) struct Listed<E>(PhantomData<E>);

impl<E> Clone for Listed<E> {
    fn clone(&self) -> Self {
        Listed(PhantomData)
    }
}

impl<E> TypedValueParser for Listed<E>
where
    E: ForwardCompatibleEnum + Clone + Send + Sync + 'static,
{
    type Value = E;

    fn parse_ref(
        &self,
        command: &clap::Command,
        argument: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<E, clap::Error> {
        let refuse = |why: String| {
            let name = argument.map_or_else(|| "the value".to_owned(), |a| a.to_string());
            clap::Error::raw(ErrorKind::InvalidValue, format!("{name}: {why}\n")).with_cmd(command)
        };
        let text = value
            .to_str()
            .ok_or_else(|| refuse(format!("{value:?} is not UTF-8")))?;
        E::parse_listed(text).map_err(|error| refuse(error.to_string()))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::LISTED.iter().map(|value| PossibleValue::new(*value)),
        ))
    }
}
