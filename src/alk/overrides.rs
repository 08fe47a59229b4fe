//! Name overrides for the reachability check, in the spirit of curl's `--resolve` and
//! `--connect-to`.
//!
//! An override sends a host (optionally only on one port) to another address or name, and
//! optionally another port: to check through a site-local mirror, to aim the check at a test
//! listener on loopback, or to make a name fail on purpose with a `.invalid` target (RFC 6761
//! reserves that domain: it never resolves, and the check answers it without asking DNS).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::Serialize;

/// Where an overridden host goes instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OverrideTarget {
    /// Connect to this address; no DNS lookup.
    Ip(IpAddr),
    /// Resolve this name instead of the original one.
    Host(String),
}

impl fmt::Display for OverrideTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideTarget::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            OverrideTarget::Ip(ip) => write!(f, "{ip}"),
            OverrideTarget::Host(host) => f.write_str(host),
        }
    }
}

/// One override: `host[:port]:target[:target_port]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolveOverride {
    /// The host it applies to (lower case, without a trailing dot).
    pub host: String,
    /// Only this port of the host, or every port.
    pub port: Option<u16>,
    /// Where to go instead.
    pub target: OverrideTarget,
    /// The port to connect to instead, or the endpoint's own port.
    pub target_port: Option<u16>,
}

/// An override that does not read as `host[:port]:target[:target_port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid override {given:?}: {reason}; expected HOST:PORT:ADDRESS (like curl --resolve), \
     HOST:ADDRESS, or either followed by :PORT to connect to another port; \
     IPv6 addresses go in brackets, e.g. vbr.butler.veeam.com:443:[::1]:8443"
)]
pub struct ParseResolveError {
    /// What was given.
    pub given: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for ResolveOverride {
    type Err = ParseResolveError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| ParseResolveError {
            given: s.to_owned(),
            reason: reason.to_owned(),
        };
        let fields = split_fields(s.trim()).map_err(|r| fail(&r))?;
        let (host, rest) = fields.split_first().ok_or_else(|| fail("it is empty"))?;
        let host = normalise_host(host);
        if host.is_empty() {
            return Err(fail("the host is empty"));
        }
        // A second field of digits only is the port being overridden; a name or address made
        // of digits alone does not occur.
        let (port, rest) = match rest.split_first() {
            Some((port, rest)) if is_port_like(port) && !rest.is_empty() => {
                (Some(parse_port(port).map_err(|r| fail(&r))?), rest)
            }
            _ => (None, rest),
        };
        let (target, target_port) = match rest {
            [] => return Err(fail("the target address is missing")),
            [target] => (target, None),
            [target, target_port] => (target, Some(parse_port(target_port).map_err(|r| fail(&r))?)),
            _ => return Err(fail("too many ':'-separated fields")),
        };
        let target = parse_target(target).map_err(|r| fail(&r))?;
        Ok(ResolveOverride {
            host,
            port,
            target,
            target_port,
        })
    }
}

impl fmt::Display for ResolveOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        write!(f, ":{}", self.target)?;
        if let Some(port) = self.target_port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// Splits on `:` outside brackets, so that `[::1]` stays one field.
fn split_fields(s: &str) -> Result<Vec<&str>, String> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut in_brackets = false;
    for (i, c) in s.char_indices() {
        match c {
            '[' if !in_brackets => in_brackets = true,
            ']' if in_brackets => in_brackets = false,
            '[' | ']' => return Err("unbalanced brackets".into()),
            ':' if !in_brackets => {
                fields.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if in_brackets {
        return Err("unbalanced brackets".into());
    }
    fields.push(&s[start..]);
    Ok(fields)
}

fn is_port_like(field: &str) -> bool {
    !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit())
}

fn parse_port(field: &str) -> Result<u16, String> {
    match field.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("{field:?} is not a port (1-65535)")),
    }
}

fn parse_target(field: &str) -> Result<OverrideTarget, String> {
    if is_port_like(field) {
        return Err(format!(
            "the target address is missing ({field} reads as a port)"
        ));
    }
    if let Some(inner) = field.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or("unbalanced brackets")?;
        return inner
            .parse::<std::net::Ipv6Addr>()
            .map(|ip| OverrideTarget::Ip(IpAddr::V6(ip)))
            .map_err(|_| format!("[{inner}] is not an IPv6 address"));
    }
    if let Ok(ip) = field.parse::<IpAddr>() {
        return Ok(OverrideTarget::Ip(ip));
    }
    let host = normalise_host(field);
    let valid = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(OverrideTarget::Host(host))
    } else {
        Err(format!(
            "{field:?} is neither an IP address nor a host name"
        ))
    }
}

/// Host names compare without case and without the root's trailing dot.
pub(crate) fn normalise_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A set of overrides; an override for a host and port beats one for the host alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ResolveOverrides(Vec<ResolveOverride>);

impl ResolveOverrides {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one; a later override for the same host and port replaces an earlier one.
    pub fn insert(&mut self, over: ResolveOverride) {
        self.0
            .retain(|o| !(o.host == over.host && o.port == over.port));
        self.0.push(over);
    }

    /// Parses each `host[:port]:target[:target_port]`, stopping at the first bad one.
    pub fn parse_all<I, S>(specs: I) -> Result<Self, ParseResolveError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut overrides = Self::new();
        for spec in specs {
            overrides.insert(spec.as_ref().parse()?);
        }
        Ok(overrides)
    }

    /// The override that applies to `host:port`, if any.
    pub fn lookup(&self, host: &str, port: u16) -> Option<&ResolveOverride> {
        let host = normalise_host(host);
        let for_host = || self.0.iter().filter(|o| o.host == host);
        for_host()
            .find(|o| o.port == Some(port))
            .or_else(|| for_host().find(|o| o.port.is_none()))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The overrides, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &ResolveOverride> {
        self.0.iter()
    }
}

impl FromIterator<ResolveOverride> for ResolveOverrides {
    fn from_iter<T: IntoIterator<Item = ResolveOverride>>(iter: T) -> Self {
        let mut overrides = Self::new();
        iter.into_iter().for_each(|o| overrides.insert(o));
        overrides
    }
}
