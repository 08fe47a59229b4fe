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

/// Reads the error's chain of causes for rustls' own error. reqwest, hyper and tokio-rustls
/// wrap one another, and rustls' error sits inside an `io::Error` several levels down, whose
/// `source()` skips it (an `io::Error` hands on its payload's source, not the payload), so each
/// `io::Error` on the way is opened too. Only the error's type counts: its text holds the URL,
/// and a host or path that mentions certificates says nothing about TLS.
pub(crate) fn tls_trouble(error: &reqwest::Error) -> TlsTrouble {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(found) = rustls_error(current) {
            return match found {
                rustls::Error::InvalidCertificate(_)
                | rustls::Error::InvalidCertRevocationList(_)
                | rustls::Error::NoCertificatesPresented => TlsTrouble::Certificate,
                _ => TlsTrouble::Handshake,
            };
        }
        cause = current.source();
    }
    TlsTrouble::None
}

/// `error` as rustls' error, looking inside an `io::Error` that carries one.
fn rustls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(found) = error.downcast_ref::<rustls::Error>() {
        return Some(found);
    }
    let io = error.downcast_ref::<std::io::Error>()?;
    let inner: &(dyn std::error::Error + 'static) = io.get_ref()?;
    rustls_error(inner)
}
