//! The client's machinery around the generated operations: configuration and sign-in, the
//! exchange hook (headers, retries, re-sign-in), async actions, throttling, TLS, and the errors
//! with the one typed encoding that carries them through progenitor's hook.

pub(crate) mod answer;
pub(crate) mod async_action;
pub(crate) mod auth;
pub(crate) mod concurrency;
pub(crate) mod config;
pub(crate) mod direct_call;
pub(crate) mod error;
pub(crate) mod hooks;
pub(crate) mod operation_mark;
pub(crate) mod redirect;
pub(crate) mod retry;
pub(crate) mod runtime;
pub(crate) mod synthetic;
pub(crate) mod tls;
pub(crate) mod version_detection;
