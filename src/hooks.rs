//! placeholder
use crate::generated::Client;
use progenitor_client::{ClientHooks, OperationInfo};

/// State shared by every request of a client.
#[derive(Clone, Debug, Default)]
pub struct Runtime {}

impl ClientHooks<Runtime> for Client {}
