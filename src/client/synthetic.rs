//! The answers the client makes up itself, and how they reach [`crate::Error`].
//!
//! progenitor's `exec` hook can only hand the generated code a response, and the generated code
//! keeps nothing of an error response but its status, headers and parsed error envelope (not
//! the response's extensions). So when the client itself ends a call (a refused sign-in, an
//! async action that failed or timed out, a console it cannot speak to) it answers with VSPC's
//! error envelope and marks the answer with one header saying which [`SyntheticAnswer`] it is.
//! [`SyntheticAnswer::encode`] writes that mark and [`SyntheticAnswer::decode`] reads it; no
//! other code touches the header. Every mark starts with a key drawn once per process, so a
//! server or proxy that sends a header of the same name cannot pass its answer off as one the
//! client made up.

use std::sync::OnceLock;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::client::answer::Answer;
use crate::model::enums::ResponseErrorType;
use crate::model::generated::types::{ErrorResponse, ResponseError};

/// The mark on a made-up answer.
const MARK: HeaderName = HeaderName::from_static("x-vspc-licensing-synthetic");

/// The key every mark of this process starts with.
fn process_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| Uuid::new_v4().simple().to_string())
}

/// The longest console version a mark carries; longer text from a console is cut.
const MAX_SERVER_VERSION: usize = 64;

/// Why the client made an answer up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SyntheticAnswer {
    /// The token endpoint refused the credentials; the envelope's message says why.
    SignInRefused,
    /// The server answered an error status with a body that is not VSPC's envelope; the
    /// envelope's message holds that body as text.
    RawErrorBody,
    /// The client's own verdict on an async action it followed.
    AsyncAction {
        /// The action.
        id: Uuid,
        /// How it ended.
        outcome: AsyncOutcome,
    },
    /// An async action failed and the answer is its result, with the result's own status.
    AsyncActionResult {
        /// The action.
        id: Uuid,
    },
    /// The console is older than every version the crate speaks.
    UnsupportedConsole {
        /// What the console reported (printable ASCII, at most 64 characters).
        server_version: String,
    },
    /// The console's API version could not be detected.
    VersionUndetected,
    /// The server redirected the call somewhere the client does not follow
    /// ([`crate::client::redirect`]); the envelope's message is the `Location`.
    Redirected {
        /// The server's redirect status (`307`, `308`, ...).
        status: u16,
    },
    /// The answer's body was larger than the client reads ([`crate::client::answer`]).
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
}

/// How a followed async action ended when it did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AsyncOutcome {
    /// The action failed and its result said nothing the client could pass on as it was.
    Failed,
    /// The action was canceled.
    Canceled,
    /// The client stopped waiting for it.
    TimedOut,
    /// Its state could not be read.
    NotFollowed,
}

impl AsyncOutcome {
    const ALL: [AsyncOutcome; 4] = [
        AsyncOutcome::Failed,
        AsyncOutcome::Canceled,
        AsyncOutcome::TimedOut,
        AsyncOutcome::NotFollowed,
    ];

    /// How [`crate::Error::AsyncAction`] words it.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            AsyncOutcome::Failed => "failed",
            AsyncOutcome::Canceled => "was canceled",
            AsyncOutcome::TimedOut => "timed out",
            AsyncOutcome::NotFollowed => "could not be followed",
        }
    }

    fn token(self) -> &'static str {
        match self {
            AsyncOutcome::Failed => "failed",
            AsyncOutcome::Canceled => "canceled",
            AsyncOutcome::TimedOut => "timed-out",
            AsyncOutcome::NotFollowed => "not-followed",
        }
    }
}

impl SyntheticAnswer {
    /// The made-up answer: `status`, this mark, and `body`, which must be VSPC's error
    /// envelope (the generated code parses it as one).
    pub(crate) fn encode(&self, status: StatusCode, body: Bytes) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mark = HeaderValue::from_str(&self.mark())
            .expect("a mark is printable ASCII: uuids, fixed words and filtered text");
        headers.insert(MARK, mark);
        Answer {
            status,
            headers,
            body,
        }
    }

    /// The made-up answer for an error the client reports in its own words.
    pub(crate) fn error(
        &self,
        status: StatusCode,
        message: &str,
        error_type: ResponseErrorType,
    ) -> Answer {
        self.encode(status, error_envelope(message, error_type, status))
    }

    /// Which made-up answer carries `headers`; `None` for a server's answer.
    pub(crate) fn decode(headers: &HeaderMap) -> Option<SyntheticAnswer> {
        let mark = headers
            .get(MARK)?
            .to_str()
            .ok()?
            .strip_prefix(process_key())?
            .strip_prefix(' ')?;
        let (kind, rest) = mark.split_once(':').unwrap_or((mark, ""));
        let answer = match kind {
            "auth" => SyntheticAnswer::SignInRefused,
            "raw" => SyntheticAnswer::RawErrorBody,
            "detect" => SyntheticAnswer::VersionUndetected,
            "redirect" => SyntheticAnswer::Redirected {
                status: rest.parse().ok()?,
            },
            "too-large" => SyntheticAnswer::TooLarge {
                limit: rest.parse().ok()?,
            },
            "console" => SyntheticAnswer::UnsupportedConsole {
                server_version: rest.to_owned(),
            },
            "async-result" => SyntheticAnswer::AsyncActionResult {
                id: rest.parse().ok()?,
            },
            "async" => {
                let (id, outcome) = rest.split_once(':')?;
                SyntheticAnswer::AsyncAction {
                    id: id.parse().ok()?,
                    outcome: AsyncOutcome::ALL
                        .into_iter()
                        .find(|o| o.token() == outcome)?,
                }
            }
            _ => return None,
        };
        Some(answer)
    }

    /// Whether `headers` mark an answer the client made up because it stopped the exchange
    /// itself: an answer too large to read, a redirect it does not follow. Such an answer is
    /// the call's outcome wherever it turns up (a sign-in, an async action's poll).
    pub(crate) fn stopped_by_client(headers: &HeaderMap) -> bool {
        matches!(
            SyntheticAnswer::decode(headers),
            Some(SyntheticAnswer::TooLarge { .. } | SyntheticAnswer::Redirected { .. })
        )
    }

    fn mark(&self) -> String {
        let kind = match self {
            SyntheticAnswer::SignInRefused => "auth".to_owned(),
            SyntheticAnswer::RawErrorBody => "raw".to_owned(),
            SyntheticAnswer::VersionUndetected => "detect".to_owned(),
            SyntheticAnswer::Redirected { status } => format!("redirect:{status}"),
            SyntheticAnswer::TooLarge { limit } => format!("too-large:{limit}"),
            SyntheticAnswer::UnsupportedConsole { server_version } => {
                let printable: String = server_version
                    .chars()
                    .filter(|c| c.is_ascii_graphic() || *c == ' ')
                    .take(MAX_SERVER_VERSION)
                    .collect();
                format!("console:{printable}")
            }
            SyntheticAnswer::AsyncActionResult { id } => format!("async-result:{id}"),
            SyntheticAnswer::AsyncAction { id, outcome } => {
                format!("async:{id}:{}", outcome.token())
            }
        };
        format!("{} {kind}", process_key())
    }
}

/// An error status whose body is not VSPC's error envelope (a proxy's HTML page, plain text)
/// would reach the caller as a decoding failure without its status; it is wrapped so that the
/// caller gets the status and the body text instead.
pub(crate) fn keep_raw_error_body(answer: Answer) -> Answer {
    if !answer.is_error()
        || SyntheticAnswer::decode(&answer.headers).is_some()
        || is_error_envelope(&answer.body)
    {
        return answer;
    }
    let text = String::from_utf8_lossy(&answer.body).into_owned();
    SyntheticAnswer::RawErrorBody.error(answer.status, &text, ResponseErrorType::Unspecified)
}

/// Whether `body` is VSPC's error envelope.
pub(crate) fn is_error_envelope(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorResponse>(body).is_ok()
}

/// VSPC's error envelope with one error.
pub(crate) fn error_envelope(
    message: &str,
    error_type: ResponseErrorType,
    status: StatusCode,
) -> Bytes {
    let body = ErrorResponse {
        errors: vec![ResponseError {
            message: message.to_owned(),
            type_: error_type,
            code: i32::from(status.as_u16()),
            retry_after: None,
        }],
    };
    serde_json::to_vec(&body).unwrap_or_default().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_made_up_answer_reads_back_as_itself() {
        let id: Uuid = "97431954-0dd7-472a-8cb7-d0cb0fbccaf7".parse().unwrap();
        let mut all = vec![
            SyntheticAnswer::SignInRefused,
            SyntheticAnswer::RawErrorBody,
            SyntheticAnswer::VersionUndetected,
            SyntheticAnswer::UnsupportedConsole {
                server_version: "7.0.0.1234".into(),
            },
            SyntheticAnswer::AsyncActionResult { id },
            SyntheticAnswer::Redirected { status: 308 },
            SyntheticAnswer::TooLarge { limit: 1 << 20 },
        ];
        all.extend(
            AsyncOutcome::ALL
                .into_iter()
                .map(|outcome| SyntheticAnswer::AsyncAction { id, outcome }),
        );
        for synthetic in all {
            let answer = synthetic.error(StatusCode::BAD_REQUEST, "m", ResponseErrorType::Logical);
            assert_eq!(SyntheticAnswer::decode(&answer.headers), Some(synthetic));
            assert!(is_error_envelope(&answer.body));
        }
    }

    #[test]
    fn a_console_version_travels_as_printable_text_of_bounded_length() {
        let synthetic = SyntheticAnswer::UnsupportedConsole {
            server_version: format!("7.0\u{7}\u{e9}{}", "9".repeat(100)),
        };
        let answer = synthetic.error(StatusCode::BAD_REQUEST, "m", ResponseErrorType::Logical);
        let Some(SyntheticAnswer::UnsupportedConsole { server_version }) =
            SyntheticAnswer::decode(&answer.headers)
        else {
            panic!("not read back")
        };
        assert!(server_version.starts_with("7.0999"), "{server_version}");
        assert_eq!(server_version.len(), MAX_SERVER_VERSION);
    }

    #[test]
    fn a_server_answer_is_not_made_up() {
        assert_eq!(SyntheticAnswer::decode(&HeaderMap::new()), None);
        let mut headers = HeaderMap::new();
        let unkeyed = SyntheticAnswer::SignInRefused
            .mark()
            .replace(process_key(), "forged");
        headers.insert(MARK, HeaderValue::from_str(&unkeyed).unwrap());
        assert_eq!(
            SyntheticAnswer::decode(&headers),
            None,
            "a mark without the key"
        );
        let damaged = format!("{} async:not-a-uuid:failed", process_key());
        headers.insert(MARK, HeaderValue::from_str(&damaged).unwrap());
        assert_eq!(SyntheticAnswer::decode(&headers), None, "a damaged mark");
    }

    #[test]
    fn only_error_bodies_that_are_not_the_envelope_are_wrapped() {
        let answer = |status: u16, body: &'static str| Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        };
        let wrapped = keep_raw_error_body(answer(502, "<html>bad gateway</html>"));
        assert_eq!(
            SyntheticAnswer::decode(&wrapped.headers),
            Some(SyntheticAnswer::RawErrorBody)
        );
        assert_eq!(wrapped.status.as_u16(), 502);
        let envelope = r#"{"errors":[{"message":"m","type":"logical","code":1}]}"#;
        for kept in [answer(200, "<html>"), answer(520, envelope)] {
            let status = kept.status;
            let again = keep_raw_error_body(kept);
            assert_eq!(SyntheticAnswer::decode(&again.headers), None, "{status}");
        }
    }
}
