//! Credentials and the access-token cache.
//!
//! VSPC takes `Authorization: Bearer <token>`, where the token is either a REST API key made in
//! the console (it does not expire) or an access token from `POST /token`. With a user name and
//! password the client signs in on the first call, renews the token with its refresh token
//! shortly before it expires, and signs in again when the refresh is refused. One sign-in serves
//! all concurrent calls: the cache is behind an async mutex, so a burst of calls waits for a
//! single token request instead of sending one each.
//!
//! Secrets never reach `Debug` output, error messages or logs: they are held in [`Secret`].

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use tokio::sync::Mutex;

use crate::client::answer::{body_excerpt, Answer};
use crate::client::retry::{classify, Verdict};
use crate::client::synthetic::SyntheticAnswer;
use crate::model::enums::OAuth2GrantType;
use crate::model::generated::types::{OAuth2Error, OAuth2IssueTokenBody, OAuth2Result};
use crate::model::spec_facts::SpecOperation;

/// A secret string (password, API key, token) that prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself; call it only where the secret must be sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

/// How the client proves who it is.
#[derive(Clone, Debug, Default)]
pub enum Credentials {
    /// Send no `Authorization` header (only `POST /token` works without one).
    #[default]
    None,
    /// A REST API key, sent as a bearer token. Keys do not expire.
    ApiKey(Secret),
    /// A user name and password, exchanged for access tokens at `POST /token`.
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
        /// Ask for tokens that can only read.
        read_only: bool,
    },
}

/// Asks for the one-time code of a multi-factor sign-in; answering `None` gives up. Set it with
/// [`ClientBuilder::mfa_code`](crate::ClientBuilder::mfa_code).
#[derive(Clone)]
pub struct MfaCodeProvider(std::sync::Arc<dyn Fn() -> CodeFuture + Send + Sync>);

type CodeFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Option<Secret>> + Send>>;

impl MfaCodeProvider {
    /// Wraps an async function that returns the code (or `None` to give up).
    pub fn new<F, Fut>(provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Option<Secret>> + Send + 'static,
    {
        MfaCodeProvider(std::sync::Arc::new(move || Box::pin(provider())))
    }

    async fn code(&self) -> Option<Secret> {
        (self.0)().await
    }
}

impl fmt::Debug for MfaCodeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaCodeProvider(..)")
    }
}

/// Why a token could not be had.
#[derive(Debug)]
pub(crate) enum AuthFailure {
    /// The token endpoint refused the credentials (an OAuth error such as `invalid_grant` or
    /// `invalid_client` on a 400 or 401), or its answer could not be used.
    Refused(String),
    /// The token request did not get an answer.
    Transport(reqwest::Error),
    /// The token endpoint answered with a status worth retrying (429, 502, 503, 504, 520
    /// `retryableLogical`): the sign-in is retried like any call.
    Transient(Answer),
    /// The token endpoint failed in a way that says nothing about the credentials (a 404 from
    /// a wrong base path, a 500): the caller gets that answer.
    Failed(Answer),
}

/// The shortest time a token is used before it is renewed, whatever its `expires_in` says, so
/// that no lifetime makes the client sign in before every call. A token that really is spent
/// earlier is answered with `401`, after which the client signs in again once.
const MIN_TOKEN_USE: Duration = Duration::from_secs(1);

/// The lifetime assumed when the token answer gives none, or none that can be true (`0` or
/// less: a token spent before it arrives): VSPC's default hour. Should the token be shorter
/// lived, the `401` it earns makes the client sign in again.
const ASSUMED_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Debug)]
struct Token {
    access: Secret,
    refresh: Option<Secret>,
    /// Renew after this instant (expiry less the refresh margin).
    renew_at: Instant,
}

/// Hands out the `Authorization` header for each request.
pub(crate) struct Authenticator {
    credentials: Credentials,
    refresh_margin: Duration,
    token: Mutex<Option<Token>>,
    mfa: Option<MfaCodeProvider>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    pub(crate) fn new(
        credentials: Credentials,
        refresh_margin: Duration,
        mfa: Option<MfaCodeProvider>,
    ) -> Self {
        Authenticator {
            credentials,
            refresh_margin,
            token: Mutex::new(None),
            mfa,
        }
    }

    /// Whether a `401` can be cured by fetching a new token.
    pub(crate) fn uses_tokens(&self) -> bool {
        matches!(self.credentials, Credentials::Password { .. })
    }

    /// The header value for the next request, signing in or refreshing first if needed.
    pub(crate) async fn authorization(
        &self,
        http: &reqwest::Client,
        base_url: &str,
        client_version: &HeaderValue,
        max_answer_bytes: u64,
    ) -> Result<Option<HeaderValue>, AuthFailure> {
        let exchange = TokenExchange {
            http,
            base_url,
            client_version,
            max_answer_bytes,
        };
        let secret = match &self.credentials {
            Credentials::None => return Ok(None),
            Credentials::ApiKey(key) => key.clone(),
            Credentials::Password {
                username,
                password,
                read_only,
            } => {
                let mut cached = self.token.lock().await;
                let fresh = cached.as_ref().is_some_and(|t| Instant::now() < t.renew_at);
                if !fresh {
                    let refreshed = match cached.as_ref().and_then(|t| t.refresh.clone()) {
                        Some(refresh) => {
                            let body = grant(OAuth2GrantType::RefreshToken, *read_only, |b| {
                                b.refresh_token = Some(refresh.expose().to_owned())
                            });
                            match self.request_token(&exchange, &body).await {
                                Ok(token) => Some(token),
                                Err(AuthFailure::Refused(reason)) => {
                                    tracing::debug!(%reason, "token refresh refused; signing in again");
                                    None
                                }
                                Err(other) => return Err(other),
                            }
                        }
                        None => None,
                    };
                    let token = match refreshed {
                        Some(token) => token,
                        None => {
                            let body = grant(OAuth2GrantType::Password, *read_only, |b| {
                                b.username = Some(username.clone());
                                b.password = Some(password.expose().to_owned());
                            });
                            self.request_token(&exchange, &body).await?
                        }
                    };
                    *cached = Some(token);
                }
                cached
                    .as_ref()
                    .map(|t| t.access.clone())
                    .expect("a token was just stored")
            }
        };
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", secret.expose())).map_err(|_| {
                AuthFailure::Refused(
                    "the credential contains characters HTTP headers cannot carry".into(),
                )
            })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }

    /// Forgets the cached access token after the server refused `used`, unless another call
    /// already replaced it.
    pub(crate) async fn reject(&self, used: &HeaderValue) {
        let mut cached = self.token.lock().await;
        let same = cached
            .as_ref()
            .is_some_and(|t| used.to_str().ok() == Some(&format!("Bearer {}", t.access.expose())));
        if same {
            // Keep the refresh token: the next call tries it before signing in again.
            if let Some(token) = cached.as_mut() {
                token.renew_at = Instant::now();
            }
        }
    }

    /// Sends one grant to `POST /token`; a password grant answered with an `mfa_token` is
    /// completed with the `mfa` grant and a code from the caller's provider.
    async fn request_token(
        &self,
        exchange: &TokenExchange<'_>,
        body: &OAuth2IssueTokenBody,
    ) -> Result<Token, AuthFailure> {
        let mut result = exchange.post(body).await?;
        if let (Some(mfa_token), None) = (result.mfa_token.clone(), &result.access_token) {
            let Some(provider) = &self.mfa else {
                return Err(AuthFailure::Refused(
                    "the account requires multi-factor authentication: give the client a code provider (ClientBuilder::mfa_code; in the CLI, VSPC_MFA_CODE or the prompt) or use an API key for automation"
                        .into(),
                ));
            };
            let Some(code) = provider.code().await else {
                return Err(AuthFailure::Refused(
                    "the account requires multi-factor authentication and no code was given".into(),
                ));
            };
            let second = grant(OAuth2GrantType::Mfa, body.read_only == Some(true), |b| {
                b.mfa_token = Some(mfa_token);
                b.mfa_code = Some(code.expose().to_owned());
            });
            result = exchange.post(&second).await?;
        }
        let access = result.access_token.ok_or_else(|| {
            AuthFailure::Refused("the token endpoint answered without an access token".into())
        })?;
        // `expires_in` is seconds.
        let lifetime = match result.expires_in {
            Some(seconds) if seconds > 0 => Duration::from_secs(seconds.unsigned_abs().into()),
            _ => ASSUMED_TOKEN_LIFETIME,
        };
        let margin = self.refresh_margin.min(lifetime / 2);
        let now = Instant::now();
        Ok(Token {
            access: Secret::new(access),
            refresh: result.refresh_token.map(Secret::new),
            renew_at: now
                .checked_add((lifetime - margin).max(MIN_TOKEN_USE))
                .unwrap_or(now),
        })
    }
}

/// Where and how token requests go.
struct TokenExchange<'a> {
    http: &'a reqwest::Client,
    base_url: &'a str,
    client_version: &'a HeaderValue,
    max_answer_bytes: u64,
}

impl TokenExchange<'_> {
    /// One `POST /token` and what its answer means: a result, a refusal of the credentials,
    /// or a failure that is retried or handed on like any other call's.
    async fn post(&self, body: &OAuth2IssueTokenBody) -> Result<OAuth2Result, AuthFailure> {
        let token = SpecOperation::OAuth2IssueToken;
        let response = self
            .http
            .request(token.method(), format!("{}{}", self.base_url, token.path()))
            .header("X-Client-Version", self.client_version.clone())
            .form(body)
            .send()
            .await
            .map_err(AuthFailure::Transport)?;
        let answer = Answer::read_response(response, self.max_answer_bytes)
            .await
            .map_err(AuthFailure::Transport)?;
        read_token_answer(answer)
    }
}

/// What a token answer means.
fn read_token_answer(answer: Answer) -> Result<OAuth2Result, AuthFailure> {
    if SyntheticAnswer::stopped_by_client(&answer.headers) {
        // The client ended the sign-in itself (a redirect it did not follow, an answer too
        // large): the call reports that.
        return Err(AuthFailure::Failed(answer));
    }
    if !answer.status.is_success() {
        if classify(answer.status, &answer.headers, &answer.body) != Verdict::Final {
            return Err(AuthFailure::Transient(answer));
        }
        if !matches!(answer.status.as_u16(), 400 | 401 | 403) {
            return Err(AuthFailure::Failed(answer));
        }
        let reason = match serde_json::from_slice::<OAuth2Error>(&answer.body) {
            Ok(OAuth2Error {
                error: Some(code),
                error_description,
                ..
            }) => {
                format!("{code}: {}", error_description.unwrap_or_default())
            }
            _ => format!("{}: {}", answer.status, body_excerpt(&answer.body)),
        };
        return Err(AuthFailure::Refused(reason));
    }
    serde_json::from_slice(&answer.body).map_err(|e| {
        // serde's own message quotes the value it could not read, which may be a token.
        use serde_json::error::Category;
        let problem = match e.classify() {
            Category::Data => "a field of the wrong type",
            Category::Syntax => "not JSON",
            Category::Eof => "JSON cut short",
            Category::Io => "a read error",
        };
        AuthFailure::Refused(format!(
            "the token endpoint answered with an unreadable body ({problem} at line {} column {}; the body is not shown, it may hold tokens)",
            e.line(),
            e.column()
        ))
    })
}

fn grant(
    grant_type: OAuth2GrantType,
    read_only: bool,
    fill: impl FnOnce(&mut OAuth2IssueTokenBody),
) -> OAuth2IssueTokenBody {
    let mut body = OAuth2IssueTokenBody {
        code: None,
        grant_type,
        mfa_code: None,
        mfa_token: None,
        password: None,
        public_key: None,
        read_only: read_only.then_some(true),
        refresh_token: None,
        user_uid: None,
        username: None,
    };
    fill(&mut body);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let credentials = Credentials::Password {
            username: "ops".into(),
            password: Secret::new("hunter2"),
            read_only: false,
        };
        let printed = format!(
            "{credentials:?} {:?}",
            Credentials::ApiKey("key-123".into())
        );
        assert!(
            !printed.contains("hunter2") && !printed.contains("key-123"),
            "{printed}"
        );
        assert!(printed.contains("ops"));
    }

    #[test]
    fn token_requests_are_form_encoded_with_the_spec_field_names() {
        let body = grant(OAuth2GrantType::Password, true, |b| {
            b.username = Some("ops".into());
            b.password = Some("p&ss w=rd".into());
        });
        let form = serde_urlencoded::to_string(&body).unwrap();
        assert_eq!(
            form,
            "grant_type=password&password=p%26ss+w%3Drd&readOnly=true&username=ops"
        );
    }
}
