//! Which API version a client declares in `X-Client-Version`, and how a client told to detect it
//! asks the console once.
//!
//! A detecting client signs in and reads `GET /about` declaring the oldest version the crate
//! speaks (every supported console answers it, and neither answer changes shape between
//! versions), picks the newest version that console speaks from its `serverVersion`
//! ([`ApiVersion::for_console`]), and declares that on every later call. Concurrent first calls
//! share one detection; a detection that did not get an answer is tried again on the next call.
//! [`Client::declared_api_version`] and [`Client::resolve_api_version`] tell the version.

use reqwest::header::HeaderValue;
use reqwest::StatusCode;
use tokio::sync::OnceCell;

use crate::client::answer::{body_excerpt, Answer, Exchange};
use crate::client::synthetic::SyntheticAnswer;
use crate::model::api_version::ApiVersion;
use crate::model::enums::ResponseErrorType;
use crate::model::generated::types::AboutResponse;
use crate::model::generated::Client;
use crate::model::spec_facts::SpecOperation;

impl Client {
    /// The API version this client declares now: the one it was built with, or the one it
    /// detected (`None` while a detecting client has not asked the console yet, or when
    /// [`ClientBuilder::client_version`](crate::ClientBuilder::client_version) set a text that names no known version).
    pub fn declared_api_version(&self) -> Option<ApiVersion> {
        use progenitor_client::ClientInfo;
        self.inner().0.declared.version()
    }

    /// The API version this client speaks, asking the console first if it was built with
    /// [`ClientBuilder::detect_api_version`](crate::ClientBuilder::detect_api_version) and has not asked yet (signing in if needed).
    /// Fails with [`Error::UnsupportedConsole`](crate::Error::UnsupportedConsole) for a console older than 8.1.
    pub async fn resolve_api_version(&self) -> Result<ApiVersion, crate::client::error::Error> {
        use progenitor_client::ClientInfo;
        match self.inner().0.declared.resolve(self).await {
            Ok(Ok(version)) => Ok(version),
            Ok(Err(answer)) => Err(crate::client::error::Error::from_answer(
                ABOUT_OPERATION,
                answer,
            )),
            Err(source) => Err(crate::client::error::Error::Transport {
                operation: ABOUT_OPERATION,
                source,
            }),
        }
    }
}

/// What a client declares.
#[derive(Debug)]
pub(crate) enum Declared {
    /// The same value on every call (a known version or a caller's own text).
    Fixed(HeaderValue),
    /// Found from the console's `GET /about` on the first call after sign-in.
    Detected(OnceCell<(ApiVersion, HeaderValue)>),
}

impl Declared {
    /// Whether the version is still to be (or was) found from the console.
    pub(crate) fn detects(&self) -> bool {
        matches!(self, Declared::Detected(_))
    }

    /// The header value for a call; before detection, the oldest version.
    pub(crate) fn header(&self) -> HeaderValue {
        match self {
            Declared::Fixed(value) => value.clone(),
            Declared::Detected(cell) => cell
                .get()
                .map(|(_, value)| value.clone())
                .unwrap_or_else(|| header_of(ApiVersion::OLDEST)),
        }
    }

    /// The version the client declares now, if it is one the crate knows.
    pub(crate) fn version(&self) -> Option<ApiVersion> {
        match self {
            Declared::Fixed(value) => value.to_str().ok()?.parse().ok(),
            Declared::Detected(cell) => cell.get().map(|(version, _)| *version),
        }
    }

    /// Makes sure a detecting client knows its version, asking the console through `exchange`
    /// if no call has yet. `Err` carries the answer to give the caller instead of running the
    /// call: why the version could not be found.
    pub(crate) async fn resolve(
        &self,
        exchange: &impl Exchange,
    ) -> reqwest::Result<Result<ApiVersion, Answer>> {
        let Declared::Detected(cell) = self else {
            return Ok(self.version().ok_or_else(|| {
                detection_failed(
                    "the client declares a version of its own, not one the crate knows",
                )
            }));
        };
        if let Some((version, _)) = cell.get() {
            return Ok(Ok(*version));
        }
        let outcome = cell
            .get_or_try_init(|| async {
                match read_console_version(exchange).await {
                    Ok(Ok(version)) => Ok((version, header_of(version))),
                    Ok(Err(answer)) => Err(Ok(answer)),
                    Err(error) => Err(Err(error)),
                }
            })
            .await;
        match outcome {
            Ok((version, _)) => Ok(Ok(*version)),
            Err(Ok(answer)) => Ok(Err(answer)),
            Err(Err(error)) => Err(error),
        }
    }
}

pub(crate) fn header_of(version: ApiVersion) -> HeaderValue {
    HeaderValue::from_static(version.as_str())
}

/// The operation whose answer tells the version; it needs no detection itself.
const ABOUT: SpecOperation = SpecOperation::GetAboutInformation;

/// [`ABOUT`]'s operationId.
pub(crate) const ABOUT_OPERATION: &str = ABOUT.id();

/// Where a detection failure sends the caller.
const CHOOSE_INSTEAD: &str = "choose one with --api-version / ClientBuilder::api_version";

/// `GET /about` and the version it tells.
async fn read_console_version(
    exchange: &impl Exchange,
) -> reqwest::Result<Result<ApiVersion, Answer>> {
    let answer = exchange.call(ABOUT, &[]).await?;
    if !answer.status.is_success() {
        if SyntheticAnswer::decode(&answer.headers).is_some() {
            // A refused sign-in: the caller gets that, not a detection failure.
            return Ok(Err(answer));
        }
        let message = format!(
            "{} {} answered {} ({}), so the console's API version cannot be detected; \
             {CHOOSE_INSTEAD}",
            ABOUT.method(),
            ABOUT.path(),
            answer.status,
            body_excerpt(&answer.body)
        );
        return Ok(Err(detection_failed(&message)));
    }
    let server_version = serde_json::from_slice::<AboutResponse>(&answer.body)
        .ok()
        .and_then(|about| about.data.server_version);
    let Some(server_version) = server_version else {
        return Ok(Err(detection_failed(&format!(
            "{} {} answered without a readable serverVersion, so the console's API version \
             cannot be detected; {CHOOSE_INSTEAD}",
            ABOUT.method(),
            ABOUT.path(),
        ))));
    };
    match ApiVersion::for_console(&server_version) {
        Ok(version) => {
            tracing::debug!(%server_version, %version, "detected the console's API version");
            Ok(Ok(version))
        }
        Err(unsupported) => Ok(Err(SyntheticAnswer::UnsupportedConsole { server_version }
            .error(
                StatusCode::BAD_REQUEST,
                &unsupported.reason,
                ResponseErrorType::Unspecified,
            ))),
    }
}

fn detection_failed(message: &str) -> Answer {
    SyntheticAnswer::VersionUndetected.error(
        StatusCode::BAD_REQUEST,
        message,
        ResponseErrorType::Unspecified,
    )
}
