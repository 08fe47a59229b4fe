//! The consoles a watching command (`exporter`, `check`) reads: the one the global options
//! describe, each `--profile NAME`, or every profile of the configuration file.

use super::args::Global;
use super::profile::profile_names;
use super::Failure;
use crate::Client;

/// The `console` label of the console the options describe when no profile is named.
pub(crate) const DEFAULT_CONSOLE: &str = "default";

/// One console to read, under its name.
pub(crate) struct NamedConsole {
    /// The profile's name, or [`DEFAULT_CONSOLE`].
    pub(crate) name: String,
    /// A client for it.
    pub(crate) client: Client,
}

/// The consoles to read: `--all-profiles`, the `--profile` names, or the single console of
/// the flags and environment. Several consoles each take their address and secret from their
/// own profile: a `--url`, `--api-key` or `--username` would point all of them at one place,
/// so they are refused then.
pub(crate) fn resolve(global: &Global, all_profiles: bool) -> Result<Vec<NamedConsole>, Failure> {
    let usage = |message: &str| Failure::Exit(2, message.to_owned());
    let names = if all_profiles {
        if !global.profiles.is_empty() {
            return Err(usage("give either --profile or --all-profiles, not both"));
        }
        profile_names(global)?
    } else {
        let mut names = global.profiles.clone();
        names.sort();
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(usage("a profile is named twice with --profile"));
        }
        global.profiles.clone()
    };
    if names.is_empty() {
        return Ok(vec![NamedConsole {
            name: DEFAULT_CONSOLE.to_owned(),
            client: global.client()?,
        }]);
    }
    if names.len() > 1
        && (global.url.is_some() || !global.api_keys.is_empty() || global.username.is_some())
    {
        return Err(usage(
            "several consoles take their url and credentials from their profiles: drop --url, --api-key and --username (and VSPC_URL, VSPC_API_KEY, VSPC_USERNAME)",
        ));
    }
    names
        .into_iter()
        .map(|name| {
            let client = global.for_profile(&name).client()?;
            Ok(NamedConsole { name, client })
        })
        .collect()
}
