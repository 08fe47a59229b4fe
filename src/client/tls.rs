//! TLS set-up and what a failed connection says about TLS, for the v3 client and the legacy v2
//! client alike.

/// Installs rustls' `ring` provider as the process default, unless the application installed
/// one already. The crate builds rustls with `ring` only (a short build, no C toolchain beyond
/// what ring needs), and building a `reqwest::Client` without a default provider panics.
pub(crate) fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// What a transport error has to do with TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsTrouble {
    /// Nothing, as far as the error tells.
    None,
    /// The server's certificate was not accepted: it will not be accepted a second later either.
    Certificate,
    /// Some other TLS failure (a handshake the two sides could not agree on, for instance).
    Handshake,
}

/// Reads the error's whole chain: reqwest, hyper and rustls wrap one another, and rustls' own
/// error is several levels down, only visible in the chain's `Debug` text.
pub(crate) fn tls_trouble(error: &reqwest::Error) -> TlsTrouble {
    let chain = format!("{error:?}").to_ascii_lowercase();
    if chain.contains("certificate") || chain.contains("unknownissuer") {
        TlsTrouble::Certificate
    } else if chain.contains("tls") {
        TlsTrouble::Handshake
    } else {
        TlsTrouble::None
    }
}
