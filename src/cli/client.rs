//! The client the global options describe: address and credentials from flags, environment
//! and profile, TLS and timeouts.

use std::time::Duration;

use super::args::{ApiVersionChoice, Global, InFlightChoice};
use super::profile::Settings;
use super::Failure;
use crate::Client;

/// The second factor of a multi-factor sign-in: `VSPC_MFA_CODE`, else a prompt on the terminal.
fn mfa_code_from_environment_or_terminal() -> crate::MfaCodeProvider {
    crate::MfaCodeProvider::new(|| async {
        if let Ok(code) = std::env::var("VSPC_MFA_CODE") {
            return Some(crate::Secret::new(code.trim()));
        }
        // The prompt blocks; keep it off the async workers.
        tokio::task::spawn_blocking(|| {
            use std::io::IsTerminal;
            if !std::io::stdin().is_terminal() {
                return None;
            }
            rpassword::prompt_password("MFA code: ")
                .ok()
                .map(|code| crate::Secret::new(code.trim()))
        })
        .await
        .ok()
        .flatten()
    })
}

impl Global {
    /// A client from the options: URL, credentials, TLS, timeouts and requests in flight.
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        self.client_in_flight(self.in_flight)
    }

    /// [`client`](Self::client) with this many requests in flight instead of `--in-flight`'s.
    pub(crate) fn client_in_flight(&self, in_flight: InFlightChoice) -> Result<Client, Failure> {
        let settings = Settings::resolve(self)?;
        let url = settings.url.as_deref().ok_or_else(|| {
            Failure::Exit(
                2,
                "no VSPC address: pass --url, set VSPC_URL or choose a profile with a url".into(),
            )
        })?;
        let mut builder = Client::builder(url)
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)));
        builder = match in_flight {
            InFlightChoice::Fixed(requests) => builder.fixed_in_flight(requests),
            InFlightChoice::Auto => match super::learned::start(url) {
                Some(limit) => builder.initial_in_flight(limit),
                None => builder,
            },
        };
        builder = match (settings.api_key, &settings.username) {
            (Some(key), _) => builder.api_key(key),
            (None, Some(user)) => {
                let password = match settings.password {
                    Some(password) => password,
                    None => rpassword::prompt_password(format!("Password for {user}: ")).map_err(|e| {
                        Failure::Exit(2, format!("no password: set VSPC_PASSWORD or run in a terminal ({e})"))
                    })?,
                };
                builder
                    .credentials(user.as_str(), password)
                    .mfa_code(mfa_code_from_environment_or_terminal())
            }
            (None, None) => {
                return Err(Failure::Exit(
                    2,
                    "no credentials: pass --api-key (or VSPC_API_KEY), or --username with VSPC_PASSWORD, or choose a profile".into(),
                ))
            }
        };
        self.warn_about_transport(url);
        builder = match settings.api_version {
            None => builder,
            Some(ApiVersionChoice::Fixed(version)) => builder.api_version(version),
            Some(ApiVersionChoice::Auto) => builder.detect_api_version(),
        };
        if let Some(path) = &settings.ca_cert {
            builder = builder.add_ca_certificate_file(path);
        }
        if self.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder.build()?;
        if in_flight == InFlightChoice::Auto {
            super::learned::attach(url, &client);
        }
        Ok(client)
    }

    /// Warns on standard error when the credentials for `url` can be read on the way: plain
    /// `http://` to another machine, or `--insecure`.
    pub(crate) fn warn_about_transport(&self, url: &str) {
        if crate::sends_in_clear(url) {
            let url = crate::client::config::without_credentials(url);
            eprintln!(
                "warning: {url} is plain http:// to another machine: the credentials can be read on the way; use https://"
            );
        }
        if self.insecure {
            eprintln!(
                "warning: --insecure: the server's TLS certificate is not checked; credentials can be intercepted"
            );
        }
    }
}
