//! The client's shared state: what the builder set up and what calls learn along the way
//! (tokens, the detected version, how often the console throttled).

use std::fmt;
use std::sync::Arc;

use crate::client::async_action::AsyncActionPolicy;
use crate::client::auth::Authenticator;
use crate::client::concurrency::{AdaptiveLimit, ThrottleSignal};
use crate::client::retry::RetryPolicy;
use crate::client::version_detection::Declared;

/// The client's shared state: configuration, credentials and the token cache. Cloning a
/// [`Client`](crate::Client) shares it.
#[derive(Clone)]
pub struct Runtime(pub(crate) Arc<Shared>);

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("base_url", &self.0.base_url)
            .field("auth", &self.0.auth)
            .field("retry", &self.0.retry)
            .field("async_actions", &self.0.async_actions)
            .finish()
    }
}

pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) declared: Declared,
    pub(crate) auth: Authenticator,
    pub(crate) retry: RetryPolicy,
    pub(crate) async_actions: AsyncActionPolicy,
    /// The most bytes read of one answer ([`crate::ClientBuilder::max_answer_bytes`]).
    pub(crate) max_answer_bytes: u64,
    /// Counts `429` answers, so that walks and bulk changes in flight can slow down.
    pub(crate) throttle: ThrottleSignal,
    /// The places walks and bulk changes take for their requests, shared by all clones.
    pub(crate) in_flight: AdaptiveLimit,
}
