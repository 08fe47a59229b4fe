//! Profiles: named consoles in a TOML configuration file, so an MSP with several VSPCs picks
//! one with `--profile NAME`.
//!
//! ```toml
//! default_profile = "lab"
//!
//! [profiles.lab]
//! url = "https://vspc-lab.example.com:1280"
//! ca_cert = "lab-ca.pem"            # relative to this file
//! api_version = "3.7"
//! api_key_env = "VSPC_LAB_KEY"      # the environment variable that holds the API key
//!
//! [profiles.prod]
//! url = "https://vspc.example.com:1280"
//! username = "svc-licensing"
//! password_command = "pass show vspc/prod"   # a command that prints the password
//! ```
//!
//! A profile names where its secret comes from, never the secret: a file with an `api_key`,
//! `password`, `token` or `secret` entry is refused. Flags and environment variables
//! (`--url`/`VSPC_URL`, `--api-key`/`VSPC_API_KEY`, `--username`/`VSPC_USERNAME`,
//! `VSPC_PASSWORD`, `--ca-cert`) override the profile, with one exception: an address from
//! `--url`/`VSPC_URL` that is not the profile's own does not get the profile's secret unless
//! `--profile` named it on the command line.
//!
//! A file that names a command (`api_key_command`, `password_command`) must be the user's own
//! and closed to others' writes; the command runs without a shell (see [`super::secret_command`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::args::{Global, ProfilesCommand};
use super::{Failure, Outcome};

/// One `[profiles.NAME]` table.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    url: Option<String>,
    ca_cert: Option<PathBuf>,
    api_version: Option<String>,
    username: Option<String>,
    api_key_env: Option<String>,
    api_key_command: Option<String>,
    password_env: Option<String>,
    password_command: Option<String>,
}

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Entry names that would hold a secret.
const SECRET_KEYS: &[&str] = &["api_key", "apikey", "password", "secret", "token", "key"];

fn usage_error(message: String) -> Failure {
    Failure::Exit(2, message)
}

/// The file in use: `--config`/`VSPC_CONFIG`, else `config.toml` in the platform's
/// configuration directory; and whether it was asked for explicitly.
fn config_path(global: &Global) -> Option<(PathBuf, bool)> {
    match &global.config {
        Some(path) => Some((path.clone(), true)),
        None => directories::ProjectDirs::from("", "", "vspc-licensing")
            .map(|dirs| (dirs.config_dir().join("config.toml"), false)),
    }
}

fn check_for_secrets(path: &Path, table: &toml::Table) -> Result<(), Failure> {
    let refuse = |place: String, key: &str| {
        let hint = if key.contains("pass") {
            "password_env = \"VARIABLE\" or password_command = \"COMMAND\""
        } else {
            "api_key_env = \"VARIABLE\" or api_key_command = \"COMMAND\""
        };
        usage_error(format!(
            "{}: {place}has `{key}`: a secret does not belong in the configuration file; name where it comes from instead ({hint})",
            path.display()
        ))
    };
    for key in table.keys() {
        if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            return Err(refuse(String::new(), key));
        }
    }
    if let Some(profiles) = table.get("profiles").and_then(toml::Value::as_table) {
        for (name, profile) in profiles {
            for key in profile.as_table().into_iter().flat_map(|t| t.keys()) {
                if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    return Err(refuse(format!("profile {name:?} "), key));
                }
            }
        }
    }
    Ok(())
}

fn load(path: &Path) -> Result<ConfigFile, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage_error(format!("cannot read {}: {e}", path.display())))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| usage_error(format!("{}: {e}", path.display())))?;
    check_for_secrets(path, &table)?;
    let file: ConfigFile =
        toml::from_str(&text).map_err(|e| usage_error(format!("{}: {e}", path.display())))?;
    if file
        .profiles
        .values()
        .any(|p| p.api_key_command.is_some() || p.password_command.is_some())
    {
        super::secret_command::check_file_is_trusted(path)?;
    }
    for (name, profile) in &file.profiles {
        if profile.api_key_env.is_some() && profile.api_key_command.is_some() {
            return Err(usage_error(format!(
                "{}: profile {name:?} names both api_key_env and api_key_command; keep one",
                path.display()
            )));
        }
        if profile.password_env.is_some() && profile.password_command.is_some() {
            return Err(usage_error(format!(
                "{}: profile {name:?} names both password_env and password_command; keep one",
                path.display()
            )));
        }
        if let Some(version) = &profile.api_version {
            if version.parse::<crate::ApiVersion>().is_err() {
                return Err(usage_error(format!(
                    "{}: profile {name:?}: api_version {version:?} is not one of {}",
                    path.display(),
                    crate::ApiVersion::ALL
                        .map(crate::ApiVersion::as_str)
                        .join(", ")
                )));
            }
        }
    }
    Ok(file)
}

/// The configuration file (if there is one) and its path.
fn config(global: &Global) -> Result<Option<(PathBuf, ConfigFile)>, Failure> {
    let Some((path, explicit)) = config_path(global) else {
        return Ok(None);
    };
    if !path.exists() {
        return if explicit {
            Err(usage_error(format!(
                "the configuration file {} does not exist",
                path.display()
            )))
        } else {
            Ok(None)
        };
    }
    Ok(Some((load(&path)?, path)).map(|(file, path)| (path, file)))
}

/// A secret from the environment variable or command a profile names.
fn secret(
    profile: &str,
    what: &str,
    env: &Option<String>,
    command: &Option<String>,
) -> Result<Option<String>, Failure> {
    if let Some(variable) = env {
        return match std::env::var(variable) {
            Ok(value) if !value.is_empty() => Ok(Some(value)),
            _ => Err(usage_error(format!(
                "profile {profile:?}: the environment variable {variable} that holds the {what} is not set"
            ))),
        };
    }
    let Some(command) = command else {
        return Ok(None);
    };
    let output = super::secret_command::run(command).map_err(|e| {
        usage_error(format!(
            "profile {profile:?}: cannot run the {what} command: {e}"
        ))
    })?;
    if !output.status.success() {
        return Err(usage_error(format!(
            "profile {profile:?}: the {what} command failed ({})",
            output.status
        )));
    }
    let value = String::from_utf8(output.stdout)
        .map_err(|_| {
            usage_error(format!(
                "profile {profile:?}: the {what} command printed something that is not text"
            ))
        })?
        .trim_end_matches(['\r', '\n'])
        .to_owned();
    if value.is_empty() {
        return Err(usage_error(format!(
            "profile {profile:?}: the {what} command printed nothing"
        )));
    }
    Ok(Some(value))
}

/// Where a client's settings come from once flags, environment and profile are combined.
pub(crate) struct Settings {
    pub(crate) url: Option<String>,
    pub(crate) api_key: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) ca_cert: Option<PathBuf>,
    /// `--api-version` (or `VSPC_API_VERSION`), else the profile's `api_version`.
    pub(crate) api_version: Option<super::args::ApiVersionChoice>,
}

impl Settings {
    /// Flags and environment first, then the chosen profile.
    pub(crate) fn resolve(global: &Global) -> Result<Settings, Failure> {
        let found = config(global)?;
        let name = global.single_profile()?.or_else(|| {
            found
                .as_ref()
                .and_then(|(_, file)| file.default_profile.clone())
        });
        let (profile, base) = match (&name, &found) {
            (None, _) => (Profile::default(), None),
            (Some(name), None) => {
                return Err(usage_error(format!(
                    "profile {name:?} asked for, but there is no configuration file (pass --config or set VSPC_CONFIG)"
                )))
            }
            (Some(name), Some((path, file))) => match file.profiles.get(name) {
                Some(profile) => (profile.clone(), path.parent().map(Path::to_path_buf)),
                None => {
                    return Err(usage_error(format!(
                        "{}: no profile {name:?} (it has: {})",
                        path.display(),
                        file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    )))
                }
            },
        };
        let name = name.unwrap_or_default();
        let secret_from_profile = global.api_keys.is_empty()
            && global.username.is_none()
            && (profile.api_key_env.is_some()
                || profile.api_key_command.is_some()
                || (profile.username.is_some()
                    && std::env::var_os("VSPC_PASSWORD").is_none()
                    && (profile.password_env.is_some() || profile.password_command.is_some())));
        if let (Some(given), Some(own), true, false) = (
            &global.url,
            &profile.url,
            secret_from_profile,
            global.profile_on_command_line,
        ) {
            if !same_origin(given, own) {
                return Err(usage_error(format!(
                    "profile {name:?} is for {own}, but --url/VSPC_URL says {given}: its secret is not sent to another address; pass --profile {name} to mean it, or give that address's own credentials"
                )));
            }
        }
        let password_from_env = std::env::var("VSPC_PASSWORD").ok();
        let (api_key, username, password) = match (global.api_keys.last(), &global.username) {
            (Some(key), _) => (Some(key.clone()), None, None),
            (None, Some(user)) => (None, Some(user.clone()), password_from_env),
            (None, None) => {
                match secret(
                    &name,
                    "API key",
                    &profile.api_key_env,
                    &profile.api_key_command,
                )? {
                    Some(key) => (Some(key), None, None),
                    None => {
                        let password = match password_from_env {
                            Some(password) => Some(password),
                            None if profile.username.is_some() => secret(
                                &name,
                                "password",
                                &profile.password_env,
                                &profile.password_command,
                            )?,
                            None => None,
                        };
                        (None, profile.username.clone(), password)
                    }
                }
            }
        };
        let ca_cert = global.ca_cert.clone().or_else(|| {
            profile.ca_cert.as_ref().map(|path| match &base {
                Some(dir) if path.is_relative() => dir.join(path),
                _ => path.clone(),
            })
        });
        Ok(Settings {
            url: global.url.clone().or(profile.url),
            api_key,
            username,
            password,
            ca_cert,
            api_version: global.api_version.or_else(|| {
                profile
                    .api_version
                    .as_deref()
                    .and_then(|v| v.parse().ok())
                    .map(super::args::ApiVersionChoice::Fixed)
            }),
        })
    }
}

/// Whether two addresses name the same server: scheme, host and port (a path or a trailing
/// `/` aside).
fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a.trim()), url::Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/'),
    }
}

/// Whether `--profile` was given on the command line (at any level of the subcommands, as it is
/// a global option), rather than coming from `VSPC_PROFILE`.
pub(crate) fn given_on_command_line(matches: &clap::ArgMatches) -> bool {
    let mut level = Some(matches);
    while let Some(matches) = level {
        if matches.value_source("profiles") == Some(clap::parser::ValueSource::CommandLine) {
            return true;
        }
        level = matches.subcommand().map(|(_, sub)| sub);
    }
    false
}

impl Global {
    /// The one profile a command reads (`--profile` given once at most); only `exporter` and
    /// `check` watch several consoles, and they call [`Global::for_profile`] for each.
    fn single_profile(&self) -> Result<Option<String>, Failure> {
        match self.profiles.as_slice() {
            [] => Ok(None),
            [name] => Ok(Some(name.clone())),
            [..] => Err(usage_error(
                "--profile is given more than once: only `exporter` and `check` read several consoles".into(),
            )),
        }
    }

    /// These options with `name` as the only profile: one console of several.
    pub(crate) fn for_profile(&self, name: &str) -> Global {
        Global {
            profiles: vec![name.to_owned()],
            ..self.clone()
        }
    }
}

/// Every profile of the configuration file, by name (`--all-profiles`); an error when there
/// is no file or it has none.
pub(crate) fn profile_names(global: &Global) -> Result<Vec<String>, Failure> {
    match config(global)? {
        Some((path, file)) if file.profiles.is_empty() => {
            Err(usage_error(format!("{} has no profiles", path.display())))
        }
        Some((_, file)) => Ok(file.profiles.into_keys().collect()),
        None => Err(usage_error(
            "--all-profiles: there is no configuration file (pass --config or set VSPC_CONFIG)"
                .into(),
        )),
    }
}

pub(crate) fn run(global: &Global, command: ProfilesCommand) -> Outcome {
    match command {
        ProfilesCommand::Path => match config_path(global) {
            Some((path, _)) => {
                println!("{}", path.display());
                Ok(())
            }
            None => Err(usage_error(
                "this platform has no configuration directory; pass --config".into(),
            )),
        },
        ProfilesCommand::List => {
            let Some((path, file)) = config(global)? else {
                println!("no configuration file");
                return Ok(());
            };
            println!("{}", path.display());
            for (name, profile) in &file.profiles {
                let secret = match (
                    &profile.api_key_env,
                    &profile.api_key_command,
                    &profile.username,
                ) {
                    (Some(variable), _, _) => format!("API key from ${variable}"),
                    (None, Some(_), _) => "API key from a command".to_owned(),
                    (None, None, Some(user)) => {
                        match (&profile.password_env, &profile.password_command) {
                            (Some(variable), _) => {
                                format!("user {user}, password from ${variable}")
                            }
                            (None, Some(_)) => format!("user {user}, password from a command"),
                            (None, None) => {
                                format!("user {user}, password from VSPC_PASSWORD or a prompt")
                            }
                        }
                    }
                    (None, None, None) => "credentials from flags or environment".to_owned(),
                };
                let marker = if file.default_profile.as_deref() == Some(name.as_str()) {
                    " (default)"
                } else {
                    ""
                };
                println!(
                    "{name}{marker}\t{}\tAPI {}\t{secret}",
                    profile.url.as_deref().unwrap_or("-"),
                    profile.api_version.as_deref().unwrap_or("-"),
                );
            }
            Ok(())
        }
    }
}
