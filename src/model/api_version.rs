//! The versions of the VSPC REST API v3 the crate speaks, and the console release of each.
//!
//! Every console release answers on `/api/v3`; a client declares the version it was written
//! for in `X-Client-Version`, and the console shapes its answers to that version. The crate's
//! typed model reads the answers of all five versions (see [`crate::model::compat`] for what differs on
//! the wire), so one client serves every console from 8.1 to 9.3. Pick the version with
//! [`ClientBuilder::api_version`](crate::ClientBuilder::api_version), or let the client ask the
//! console (`GET /about`) with
//! [`ClientBuilder::detect_api_version`](crate::ClientBuilder::detect_api_version).
//!
//! ```
//! use vspc_licensing::ApiVersion;
//! let version: ApiVersion = "3.6.2".parse().unwrap();
//! assert_eq!(version.console_release(), "9.2");
//! assert!(version > ApiVersion::V3_6);
//! assert_eq!(ApiVersion::for_console("9.1.0.30500").unwrap(), ApiVersion::V3_6_1);
//! // A console newer than the crate knows speaks the newest version the crate knows too.
//! assert_eq!(ApiVersion::for_console("10.0.0.1").unwrap(), ApiVersion::NEWEST);
//! assert!(ApiVersion::for_console("8.0.0.16000").is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// One version of the VSPC REST API v3. Ordered from oldest to newest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApiVersion {
    /// 3.5.1, spoken by console 8.1.
    V3_5_1,
    /// 3.6, spoken by console 9.0.
    V3_6,
    /// 3.6.1, spoken by console 9.1; the version `spec/vspc-licensing.yaml` is curated for.
    V3_6_1,
    /// 3.6.2, spoken by console 9.2.
    V3_6_2,
    /// 3.7, spoken by console 9.3.
    V3_7,
}

/// (version, its text, the console release that introduced it as (major, minor))
const TABLE: [(ApiVersion, &str, (u32, u32)); 5] = [
    (ApiVersion::V3_5_1, "3.5.1", (8, 1)),
    (ApiVersion::V3_6, "3.6", (9, 0)),
    (ApiVersion::V3_6_1, "3.6.1", (9, 1)),
    (ApiVersion::V3_6_2, "3.6.2", (9, 2)),
    (ApiVersion::V3_7, "3.7", (9, 3)),
];

impl ApiVersion {
    /// Every version the crate speaks, oldest first.
    pub const ALL: [ApiVersion; 5] = [
        ApiVersion::V3_5_1,
        ApiVersion::V3_6,
        ApiVersion::V3_6_1,
        ApiVersion::V3_6_2,
        ApiVersion::V3_7,
    ];
    /// The oldest version the crate speaks (console 8.1).
    pub const OLDEST: ApiVersion = ApiVersion::V3_5_1;
    /// The newest version the crate speaks (console 9.3).
    pub const NEWEST: ApiVersion = ApiVersion::V3_7;
    /// The version the spec is curated for, and what a client declares unless told otherwise.
    pub const SPEC: ApiVersion = ApiVersion::V3_6_1;

    fn row(self) -> &'static (ApiVersion, &'static str, (u32, u32)) {
        TABLE
            .iter()
            .find(|(v, _, _)| *v == self)
            .expect("every version has a row")
    }

    /// The version as `X-Client-Version` carries it (`3.6.1`).
    pub fn as_str(self) -> &'static str {
        self.row().1
    }

    /// The console release that speaks this version (`9.1` for 3.6.1).
    pub fn console_release(self) -> &'static str {
        match self {
            ApiVersion::V3_5_1 => "8.1",
            ApiVersion::V3_6 => "9.0",
            ApiVersion::V3_6_1 => "9.1",
            ApiVersion::V3_6_2 => "9.2",
            ApiVersion::V3_7 => "9.3",
        }
    }

    /// The newest version a console of this build speaks, from `serverVersion` of
    /// `GET /about` (`9.2.0.31500`, or just `9.2`). A release newer than the crate knows gets
    /// [`NEWEST`](Self::NEWEST): consoles keep answering older declared versions. A release older
    /// than 8.1, or a text that is not a version, is refused.
    pub fn for_console(server_version: &str) -> Result<ApiVersion, UnsupportedConsole> {
        let refuse = |reason: String| UnsupportedConsole {
            server_version: server_version.to_owned(),
            reason,
        };
        let mut parts = server_version.trim().split('.');
        let mut number = |what: &str| {
            parts
                .next()
                .and_then(|p| p.parse::<u32>().ok())
                .ok_or_else(|| refuse(format!("its {what} release number cannot be read")))
        };
        let release = (number("major")?, number("minor")?);
        TABLE
            .iter()
            .rev()
            .find(|(_, _, introduced)| *introduced <= release)
            .map(|(version, _, _)| *version)
            .ok_or_else(|| {
                refuse(format!(
                    "consoles older than 8.1 are not supported (8.1 speaks API {}, the oldest this crate reads)",
                    ApiVersion::OLDEST
                ))
            })
    }
}

impl Default for ApiVersion {
    /// [`ApiVersion::SPEC`].
    fn default() -> Self {
        ApiVersion::SPEC
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = ParseApiVersionError;

    /// `3.5.1`, `3.6`, `3.6.1`, `3.6.2` or `3.7` (a trailing `.0` is ignored: `3.6.0` is 3.6).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let short = trimmed.strip_suffix(".0").unwrap_or(trimmed);
        TABLE
            .iter()
            .find(|(_, name, _)| *name == trimmed || *name == short)
            .map(|(version, _, _)| *version)
            .ok_or_else(|| ParseApiVersionError(text.to_owned()))
    }
}

impl serde::Serialize for ApiVersion {
    /// As its text (`"3.6.1"`).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A text that names none of the versions the crate speaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an API version this crate speaks (one of 3.5.1, 3.6, 3.6.1, 3.6.2, 3.7)")]
pub struct ParseApiVersionError(pub String);

/// A console whose release the crate cannot serve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the console reports version {server_version:?}: {reason}")]
pub struct UnsupportedConsole {
    /// `serverVersion` as the console reported it.
    pub server_version: String,
    /// Why it cannot be served.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_round_trip_and_versions_are_ordered() {
        for (i, version) in ApiVersion::ALL.iter().enumerate() {
            assert_eq!(version.to_string().parse::<ApiVersion>(), Ok(*version));
            if i > 0 {
                assert!(ApiVersion::ALL[i - 1] < *version);
            }
        }
        assert_eq!("3.6.0".parse::<ApiVersion>(), Ok(ApiVersion::V3_6));
        assert!("3.4".parse::<ApiVersion>().is_err());
        assert!("v3".parse::<ApiVersion>().is_err());
    }

    #[test]
    fn consoles_map_to_the_newest_version_they_speak() {
        for (build, expected) in [
            ("8.1.0.21000", Some(ApiVersion::V3_5_1)),
            ("9.0.0.29000", Some(ApiVersion::V3_6)),
            ("9.1.0.30500", Some(ApiVersion::V3_6_1)),
            ("9.2.0.31500", Some(ApiVersion::V3_6_2)),
            ("9.3", Some(ApiVersion::V3_7)),
            ("9.4.0.1", Some(ApiVersion::V3_7)),
            ("12.0.0.1", Some(ApiVersion::V3_7)),
            ("8.0.0.16000", None),
            ("7.0.0.1", None),
            ("", None),
            ("nine", None),
        ] {
            assert_eq!(ApiVersion::for_console(build).ok(), expected, "{build}");
        }
    }
}
