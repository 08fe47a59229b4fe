//! Forward-compatible enums.
//!
//! VSPC grows its enums between releases (new license types, packages, workload types). A closed
//! Rust enum would turn one new value into a failure to read the whole response, so every named
//! string enum of the spec becomes a type made by the `forward_compatible_enum!` macro:
//!
//! * values the spec lists parse case-insensitively (older servers send `"valid"`, `"rental"`)
//!   into their variant and serialise in the spec's spelling;
//! * any other value parses into `Unknown(String)`, keeps the text exactly as received and
//!   serialises it back unchanged;
//! * where the spec itself lists the value `Unknown`, it is `Unknown("Unknown")`:
//!   the server does not know either, and the variant says so;
//! * other spellings the spec's `x-vspc-versions` `also-read` note lists read as their value
//!   (`True` as `Yes` for [`CloudConnectInclusion`]), and a JSON boolean reads as the text
//!   `True`/`False`, so answers of every API version, and of tools that turned the vendor's
//!   bare YAML `Yes`/`No` into booleans, decode;
//! * where the `also-read` spellings are digits (`'2': Configured`), a JSON whole number reads
//!   as that value ([`PulseConfigurationStatus`], [`PulseTenantMappingStatus`]: the vendor's
//!   examples write them as numbers, the spec's `x-decision-enum-ordinals`); any other number
//!   is still an error.
//!
//! The list of types and values is derived from the spec by the build script (`build/enums.rs`); nothing here restates it.
//!
//! Reading answers never fails; reading what a person typed should. `parse_listed` is the
//! strict parse: one of the values the spec lists (any case), else a [`ParseEnumError`] that
//! names them. [`ForwardCompatibleEnum`] offers the same to code generic over the enums.
//!
//! ```
//! use vspc_licensing::enums::LicenseStatus;
//! let status: LicenseStatus = serde_json::from_str("\"valid\"").unwrap();
//! assert_eq!(status, LicenseStatus::Valid);
//! let future: LicenseStatus = serde_json::from_str("\"Suspended\"").unwrap();
//! assert_eq!(future, LicenseStatus::Unknown("Suspended".into()));
//! assert_eq!(serde_json::to_string(&future).unwrap(), "\"Suspended\"");
//!
//! // What a person typed: listed values only.
//! assert_eq!(LicenseStatus::parse_listed("expired"), Ok(LicenseStatus::Expired));
//! let typo = LicenseStatus::parse_listed("Expird").unwrap_err();
//! assert!(typo.to_string().starts_with("\"Expird\" is not one of Valid, Warning, Expired"));
//! ```

/// What every forward-compatible enum offers, for code generic over them (a command-line
/// parser, a file format): its name, the values the spec lists and the strict parse.
pub trait ForwardCompatibleEnum: Sized {
    /// The enum's name in the spec (`LicenseType`).
    const NAME: &'static str;
    /// Every value the spec lists for it, in the spec's spelling and order.
    const LISTED: &'static [&'static str];
    /// One of [`LISTED`](Self::LISTED) (any case); any other text is refused.
    fn parse_listed(text: &str) -> Result<Self, ParseEnumError>;
    /// The value as it travels on the wire.
    fn as_str(&self) -> &str;
    /// Whether the value is `Unknown`: one the spec does not list, or the spec's own `Unknown`.
    fn is_unknown(&self) -> bool;
}

/// A text that is none of the values the spec lists for an enum.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{given:?} is not one of {}", listed.join(", "))]
pub struct ParseEnumError {
    /// The enum's name in the spec.
    pub enum_name: &'static str,
    /// What was given.
    pub given: String,
    /// The values the spec lists.
    pub listed: &'static [&'static str],
}

/// Whether `text` is a non-empty run of ASCII digits (a spelling a JSON number can have).
const fn is_digits(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            return false;
        }
        i += 1;
    }
    true
}

/// How many of `spellings` are digits.
pub(crate) const fn count_digit_spellings(spellings: &[&str]) -> usize {
    let (mut count, mut i) = (0, 0);
    while i < spellings.len() {
        if is_digits(spellings[i]) {
            count += 1;
        }
        i += 1;
    }
    count
}

/// The `N` spellings of `spellings` that are digits, in order.
pub(crate) const fn digit_spellings<const N: usize>(
    spellings: &[&'static str],
) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut found, mut i) = (0, 0);
    while i < spellings.len() {
        if is_digits(spellings[i]) {
            out[found] = spellings[i];
            found += 1;
        }
        i += 1;
    }
    out
}

/// Defines a forward-compatible string enum. See the [module documentation](self).
macro_rules! forward_compatible_enum {
    (
        $(#[doc = $doc:expr])*
        $name:ident { $($variant:ident = $wire:literal,)* }
        listed [$($listed:literal),* $(,)?]
        also_read [$(($spelling:literal, $means:literal)),* $(,)?]
    ) => {
        $(#[doc = $doc])*
        ///
        /// Forward-compatible: a value the spec does not list is kept in `Unknown`.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A value the spec does not list (kept exactly as received), or the spec's own
            /// `Unknown` where it lists one.
            Unknown(String),
        }

        impl $name {
            /// Every value the spec lists for this enum, in the spec's spelling and order.
            pub const LISTED: &'static [&'static str] = &[$($listed),*];

            /// The JSON whole numbers this enum also reads (as their decimal text): the
            /// `also-read` spellings of the spec that are digits, empty for most enums.
            pub const NUMBERS_READ: &'static [&'static str] = {
                const SPELLINGS: &[&str] = &[$($spelling),*];
                const COUNT: usize = $crate::model::enums::count_digit_spellings(SPELLINGS);
                const NUMBERS: [&str; COUNT] = $crate::model::enums::digit_spellings(SPELLINGS);
                &NUMBERS
            };

            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(text) => text,
                }
            }

            /// Whether the spec lists this value (its own `Unknown` included).
            pub fn is_listed(&self) -> bool {
                Self::LISTED.contains(&self.as_str())
            }

            /// Whether the value is `Unknown`: one the spec does not list, or the spec's own
            /// `Unknown`.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }

            /// Parses one of the values the spec lists (any case, and the spellings older
            /// versions send); any other text is refused, naming the listed values. For what a
            /// person typed; answers read with [`parse`](Self::parse), which keeps the unknown.
            pub fn parse_listed(text: &str) -> ::std::result::Result<Self, $crate::enums::ParseEnumError> {
                let value = Self::parse(text);
                if value.is_listed() {
                    Ok(value)
                } else {
                    Err($crate::enums::ParseEnumError {
                        enum_name: stringify!($name),
                        given: text.to_owned(),
                        listed: Self::LISTED,
                    })
                }
            }

            /// Parses a wire value; never fails (see the [module documentation](crate::model::enums)).
            pub fn parse(text: &str) -> Self {
                $(
                    if text.eq_ignore_ascii_case($spelling) {
                        return Self::parse($means);
                    }
                )*
                $(
                    if text.eq_ignore_ascii_case($wire) {
                        return Self::$variant;
                    }
                )*
                match Self::LISTED.iter().find(|listed| listed.eq_ignore_ascii_case(text)) {
                    Some(listed) => Self::Unknown((*listed).to_owned()),
                    None => Self::Unknown(text.to_owned()),
                }
            }
        }

        impl $crate::enums::ForwardCompatibleEnum for $name {
            const NAME: &'static str = stringify!($name);
            const LISTED: &'static [&'static str] = $name::LISTED;
            fn parse_listed(text: &str) -> ::std::result::Result<Self, $crate::enums::ParseEnumError> {
                $name::parse_listed(text)
            }
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
            fn is_unknown(&self) -> bool {
                $name::is_unknown(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(text: &str) -> ::std::result::Result<Self, ::std::convert::Infallible> {
                Ok(Self::parse(text))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::parse(text)
            }
        }

        impl ::std::convert::From<String> for $name {
            fn from(text: String) -> Self {
                Self::parse(&text)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visit;
                impl ::serde::de::Visitor<'_> for Visit {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> ::std::result::Result<$name, E> {
                        Ok($name::parse(text))
                    }
                    // Tools that read the vendor's YAML as YAML 1.1 turn bare `Yes`/`No` into
                    // booleans; a boolean reads as the text `True`/`False`.
                    fn visit_bool<E: ::serde::de::Error>(self, value: bool) -> ::std::result::Result<$name, E> {
                        Ok($name::parse(if value { "True" } else { "False" }))
                    }
                    // Some consoles write an enum as its position (`"status": 2`); a whole
                    // number reads only where the spec's `also-read` note spells it out
                    // (`x-decision-enum-ordinals`), else it is an error, as before.
                    fn visit_u64<E: ::serde::de::Error>(self, value: u64) -> ::std::result::Result<$name, E> {
                        let text = value.to_string();
                        if $name::NUMBERS_READ.contains(&text.as_str()) {
                            Ok($name::parse(&text))
                        } else {
                            Err(E::invalid_type(::serde::de::Unexpected::Unsigned(value), &self))
                        }
                    }
                }
                // `any`, not `str`: a boolean must reach `visit_bool` (JSON is self-describing).
                deserializer.deserialize_any(Visit)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "enum": [$($listed),*] })
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/vspc_enums.rs"));
