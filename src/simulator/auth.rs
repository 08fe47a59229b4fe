//! Who may call: API keys, the token endpoint and its access and refresh tokens.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use serde_json::json;
use uuid::Uuid;

use super::bounded::BoundedMap;
use super::config::SimulatorConfig;
use super::response::{code, Reply};

/// Who is calling, once authenticated.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) read_only: bool,
    pub(crate) initiator: Uuid,
}

#[derive(Clone, Debug)]
struct Grant {
    user: String,
    read_only: bool,
    expires: Instant,
}

/// Tokens handed out, each with its grant; at most [`SimulatorConfig::token_limit`], the oldest
/// forgotten first. A lock poisoned by a panicking request is used anyway: every change is a
/// single insert or remove, so the map is never half-changed.
struct Grants(RwLock<BoundedMap<String, Grant>>);

impl Grants {
    fn new(limit: usize) -> Self {
        Grants(RwLock::new(BoundedMap::new(limit)))
    }

    fn insert(&self, token: String, grant: Grant) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token, grant);
    }

    fn get(&self, token: &str) -> Option<Grant> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    /// Removes the token: it cannot be used again.
    fn take(&self, token: &str) -> Option<Grant> {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(token)
    }
}

pub(crate) struct Auth {
    api_keys: HashSet<String>,
    read_only_keys: HashSet<String>,
    users: HashMap<String, String>,
    mfa_users: HashSet<String>,
    /// Sign-ins waiting for their second factor, by `mfa_token`.
    pending_mfa: Grants,
    access: Grants,
    refresh: Grants,
    token_lifetime: Duration,
    refresh_lifetime: Duration,
}

/// A stable UID for a user name, so async actions name the same initiator every time.
fn initiator_of(name: &str) -> Uuid {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut hasher);
    let high = hasher.finish();
    "initiator".hash(&mut hasher);
    uuid::Builder::from_random_bytes(
        ((u128::from(high) << 64) | u128::from(hasher.finish())).to_be_bytes(),
    )
    .into_uuid()
}

fn unauthorized(message: &str) -> Reply {
    Reply::error(
        StatusCode::UNAUTHORIZED,
        "security",
        code::UNAUTHORIZED,
        message,
    )
}

pub(super) fn oauth_error(error: &str, description: &str) -> Reply {
    Reply::json(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description, "error_uri": null }),
    )
}

impl Auth {
    pub(crate) fn new(config: &SimulatorConfig) -> Self {
        let (api_keys, read_only_keys, users) = config.credentials();
        Auth {
            api_keys: api_keys.into_iter().collect(),
            read_only_keys: read_only_keys.into_iter().collect(),
            users: users.into_iter().collect(),
            mfa_users: config.mfa_users.iter().cloned().collect(),
            pending_mfa: Grants::new(config.token_limit),
            access: Grants::new(config.token_limit),
            refresh: Grants::new(config.token_limit),
            token_lifetime: config.token_lifetime,
            refresh_lifetime: config.refresh_token_lifetime,
        }
    }

    /// Checks the `Authorization` header.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<Caller, Reply> {
        let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
            unauthorized("Authorization is required: send `Authorization: Bearer <token>`.")
        })?;
        let value = value
            .to_str()
            .map_err(|_| unauthorized("The Authorization header is not readable."))?;
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(unauthorized(
                    "The Authorization header must be `Bearer <token>`.",
                ))
            }
        };
        if self.api_keys.contains(token) {
            return Ok(Caller {
                read_only: false,
                initiator: initiator_of("api-key"),
            });
        }
        if self.read_only_keys.contains(token) {
            return Ok(Caller {
                read_only: true,
                initiator: initiator_of("read-only-api-key"),
            });
        }
        match self.access.get(token) {
            Some(grant) if grant.expires > Instant::now() => Ok(Caller {
                read_only: grant.read_only,
                initiator: initiator_of(&grant.user),
            }),
            Some(_) => Err(unauthorized("The access token has expired.")),
            None => Err(unauthorized("The access token is not valid.")),
        }
    }

    fn issue_for(&self, user: String, read_only: bool) -> Reply {
        let access_token = format!(
            "sim.{}.{}",
            Uuid::new_v4().simple(),
            Uuid::new_v4().simple()
        );
        let refresh_token = Uuid::new_v4().to_string();
        let now = Instant::now();
        self.access.insert(
            access_token.clone(),
            Grant {
                user: user.clone(),
                read_only,
                expires: now + self.token_lifetime,
            },
        );
        self.refresh.insert(
            refresh_token.clone(),
            Grant {
                user,
                read_only,
                expires: now + self.refresh_lifetime,
            },
        );
        Reply::ok(&json!({
            "access_token": access_token,
            "token_type": "bearer",
            "refresh_token": refresh_token,
            "mfa_token": null,
            "encrypted_code": null,
            "expires_in": self.token_lifetime.as_secs().min(i32::MAX as u64),
        }))
    }

    /// The first step of a multi-factor sign-in: an `mfa_token` (valid five minutes) and no
    /// access token.
    fn ask_second_factor(&self, user: String, read_only: bool) -> Reply {
        let mfa_token = Uuid::new_v4().to_string();
        self.pending_mfa.insert(
            mfa_token.clone(),
            Grant {
                user,
                read_only,
                expires: Instant::now() + Duration::from_secs(300),
            },
        );
        Reply::ok(&json!({
            "access_token": null,
            "token_type": null,
            "refresh_token": null,
            "mfa_token": mfa_token,
            "encrypted_code": null,
        }))
    }

    /// `POST /token`.
    pub(crate) fn token(&self, headers: &HeaderMap, body: &[u8]) -> Reply {
        let form_urlencoded = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        if !form_urlencoded {
            return oauth_error(
                "invalid_request",
                "The body must be application/x-www-form-urlencoded.",
            );
        }
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        let read_only = match form.get("readOnly").map(String::as_str) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return oauth_error("invalid_request", "readOnly must be true or false."),
        };
        match form.get("grant_type").map(String::as_str) {
            None => oauth_error("invalid_request", "grant_type is required."),
            Some("password") => match (form.get("username"), form.get("password")) {
                (Some(user), Some(password))
                    if self.users.get(user) == Some(password) && self.mfa_users.contains(user) =>
                {
                    self.ask_second_factor(user.clone(), read_only)
                }
                (Some(user), Some(password)) if self.users.get(user) == Some(password) => {
                    self.issue_for(user.clone(), read_only)
                }
                (Some(_), Some(_)) => {
                    oauth_error("invalid_grant", "The user name or password is incorrect.")
                }
                _ => oauth_error(
                    "invalid_request",
                    "The password grant needs username and password.",
                ),
            },
            Some("refresh_token") => {
                let Some(token) = form.get("refresh_token") else {
                    return oauth_error(
                        "invalid_request",
                        "The refresh_token grant needs refresh_token.",
                    );
                };
                // A refresh token is used once: the answer carries a new one.
                let grant = self.refresh.take(token);
                match grant {
                    Some(grant) if grant.expires > Instant::now() => {
                        self.issue_for(grant.user, grant.read_only || read_only)
                    }
                    Some(_) => oauth_error("invalid_grant", "The refresh token has expired."),
                    None => oauth_error("invalid_grant", "The refresh token is not valid."),
                }
            }
            Some("mfa") => {
                let (Some(token), Some(code)) = (form.get("mfa_token"), form.get("mfa_code"))
                else {
                    return oauth_error(
                        "invalid_request",
                        "The mfa grant needs mfa_token and mfa_code.",
                    );
                };
                let grant = self.pending_mfa.get(token);
                match grant {
                    Some(grant) if grant.expires <= Instant::now() => {
                        oauth_error("invalid_grant", "The MFA token has expired.")
                    }
                    Some(grant) if code == super::config::MFA_TEST_CODE => {
                        self.pending_mfa.take(token);
                        self.issue_for(grant.user, grant.read_only || read_only)
                    }
                    Some(_) => oauth_error("invalid_grant", "The MFA code is incorrect."),
                    None => oauth_error("invalid_grant", "The MFA token is not valid."),
                }
            }
            Some("authorization_code" | "public_key" | "as") => oauth_error(
                "unsupported_grant_type",
                "The simulator supports the password, mfa and refresh_token grants.",
            ),
            Some(_) => oauth_error("unsupported_grant_type", "Unknown grant_type."),
        }
    }
}
