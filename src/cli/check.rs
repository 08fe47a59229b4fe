//! `vspc-licensing check`: a monitoring plugin (Nagios, Icinga, Checkmk, PRTG's EXE sensors)
//! following the Monitoring Plugins guidelines: one status line with performance data, the
//! details after it, and the exit code the scheduler reads: 0 OK, 1 WARNING, 2 CRITICAL,
//! 3 UNKNOWN (a console that cannot be read, credentials refused, a wrong setting).

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use futures::TryStreamExt;

use super::args::{parse_period, period_delta, Global, ProductChoice};
use super::cell::number;
use super::consoles::{resolve, NamedConsole, DEFAULT_CONSOLE};
use super::licenses::every_license;
use super::{Failure, Outcome};
use crate::api::query::ListQuery;
use crate::{License, Product};

/// `check`'s options.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// WARNING when a license expires within this period, e.g. 60d (at most 36500d)
    #[arg(long, value_parser = parse_period, default_value = "60d")]
    pub(crate) warning: Duration,
    /// CRITICAL when a license expires within this period (expired ones included), e.g. 15d
    /// (at most 36500d)
    #[arg(long, value_parser = parse_period, default_value = "15d")]
    pub(crate) critical: Duration,
    /// What a server license with automatic updates off is
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = Level::Warning)]
    pub(crate) auto_update_off: Level,
    /// What a license using more units than it grants is (the flag alone: critical)
    #[arg(long, value_enum, value_name = "LEVEL", num_args = 0..=1, default_missing_value = "critical", default_value_t = Level::Ignore)]
    pub(crate) used_over_licensed: Level,
    /// Only these products (repeatable)
    #[arg(long = "product", value_enum, value_name = "PRODUCT")]
    pub(crate) products: Vec<ProductChoice>,
    /// Only licenses of this company, as VSPC names it, any case (repeatable)
    #[arg(long = "company", value_name = "NAME")]
    pub(crate) companies: Vec<String>,
    /// Check every profile of the configuration file
    #[arg(long)]
    pub(crate) all_profiles: bool,
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub(crate) enum Level {
    /// Not reported
    Ignore,
    /// WARNING (exit 1)
    Warning,
    /// CRITICAL (exit 2)
    Critical,
}

/// The plugin's verdict, in the guidelines' order of exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    fn of(level: Level) -> State {
        match level {
            Level::Ignore => State::Ok,
            Level::Warning => State::Warning,
            Level::Critical => State::Critical,
        }
    }
}

/// One license's problem, for the detail lines.
struct Finding {
    state: State,
    text: String,
}

/// The counts the status line and the performance data report.
#[derive(Default)]
struct Counts {
    licenses: usize,
    expiring_critical: usize,
    expiring_warning: usize,
    auto_update_off: usize,
    used_over_licensed: usize,
}

/// Runs the check and prints its report; the exit code is the verdict.
pub(crate) async fn run(global: &Global, args: CheckArgs) -> Outcome {
    let (state, report) = match check(global, &args).await {
        Ok(verdict) => verdict,
        Err(problem) => (
            State::Unknown,
            format!(
                "VSPC LICENSES UNKNOWN - {}\n",
                super::terminal_text::terminal_safe(
                    &problem.to_string(),
                    super::terminal_text::MESSAGE_LIMIT
                )
            ),
        ),
    };
    print!("{report}");
    match state {
        State::Ok => Ok(()),
        other => Err(Failure::Exit(other as u8, String::new())),
    }
}

fn failure_text(failure: Failure) -> String {
    match failure {
        Failure::Error(error) => error.to_string(),
        Failure::Exit(_, message) => message,
        Failure::Closed => "standard output closed".to_owned(),
    }
}

async fn check(global: &Global, args: &CheckArgs) -> Result<(State, String), String> {
    if args.critical > args.warning {
        return Err(format!(
            "--critical ({}) is longer than --warning ({}): nothing could be only a warning",
            period(args.critical),
            period(args.warning)
        ));
    }
    let consoles = resolve(global, args.all_profiles).map_err(failure_text)?;
    let several = consoles.len() > 1 || consoles.iter().any(|c| c.name != DEFAULT_CONSOLE);
    let products: Vec<Product> = if args.products.is_empty() {
        Product::ALL.to_vec()
    } else {
        let mut products: Vec<Product> = args.products.iter().flat_map(|p| p.products()).collect();
        products.sort();
        products.dedup();
        products
    };
    let now = Utc::now();
    let mut counts = Counts::default();
    let mut findings = Vec::new();
    let mut unreadable = Vec::new();
    for NamedConsole { name, client } in consoles {
        let prefix = if several {
            format!("[{name}] ")
        } else {
            String::new()
        };
        let mut licenses = Vec::new();
        for product in &products {
            let listing = every_license(&client, ProductChoice::One(*product), ListQuery::new())
                .try_collect::<Vec<License>>()
                .await;
            match listing {
                Ok(mut some) => licenses.append(&mut some),
                Err(error) => {
                    unreadable.push(format!("console {name}: {error}"));
                    licenses.clear();
                    break;
                }
            }
        }
        // A check runs every few minutes: the next one starts where this one ended.
        super::learned::remember(&client.in_flight_limit());
        for license in licenses
            .iter()
            .filter(|l| company_matches(l, &args.companies))
        {
            counts.licenses += 1;
            judge(license, args, now, &prefix, &mut counts, &mut findings);
        }
    }
    Ok(report(args, &counts, &findings, &unreadable))
}

fn company_matches(license: &License, companies: &[String]) -> bool {
    companies.is_empty()
        || license.company().is_some_and(|c| {
            companies
                .iter()
                .any(|wanted| wanted.eq_ignore_ascii_case(c))
        })
}

fn describe(license: &License) -> String {
    let product = license.product().short_name();
    let company = license.company().unwrap_or("-");
    match license.uid() {
        Some(uid) => format!("{product} {uid} ({company})"),
        None => format!("{product} ({company})"),
    }
}

fn judge(
    license: &License,
    args: &CheckArgs,
    now: DateTime<Utc>,
    prefix: &str,
    counts: &mut Counts,
    findings: &mut Vec<Finding>,
) {
    let within = |period: Duration| license.expires_within(now, period_delta(period));
    if let Some(at) = license.expiration_date() {
        let state = if within(args.critical) {
            counts.expiring_critical += 1;
            counts.expiring_warning += 1;
            Some(State::Critical)
        } else if within(args.warning) {
            counts.expiring_warning += 1;
            Some(State::Warning)
        } else {
            None
        };
        if let Some(state) = state {
            let days = (at - now).num_days();
            let when = if at <= now {
                format!("expired on {}", at.format("%Y-%m-%d"))
            } else {
                format!("expires on {} (in {days} days)", at.format("%Y-%m-%d"))
            };
            findings.push(Finding {
                state,
                text: format!("{prefix}{} {when}", describe(license)),
            });
        }
    }
    if license.auto_update_enabled() == Some(false) {
        counts.auto_update_off += 1;
        if args.auto_update_off != Level::Ignore {
            findings.push(Finding {
                state: State::of(args.auto_update_off),
                text: format!(
                    "{prefix}{} has automatic license updates off",
                    describe(license)
                ),
            });
        }
    }
    if let (Some(used), Some(total)) = license.units() {
        if used > total {
            counts.used_over_licensed += 1;
            if args.used_over_licensed != Level::Ignore {
                findings.push(Finding {
                    state: State::of(args.used_over_licensed),
                    text: format!(
                        "{prefix}{} uses {} units of {}",
                        describe(license),
                        number(used),
                        number(total)
                    ),
                });
            }
        }
    }
}

/// `60d`, `12h`, `90s`: the period as the perfdata label and the status line name it.
fn period(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s => format!("{s}s"),
    }
}

fn days(duration: Duration) -> String {
    match duration.as_secs() {
        86_400 => "1 day".to_owned(),
        s if s % 86_400 == 0 => format!("{} days", s / 86_400),
        _ => period(duration),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A perfdata item: `label=value;warn;crit;min;max`, with `0` as the threshold of the level
/// chosen for it (any count above 0 is that state) and the rest empty.
fn perfdata(label: &str, value: usize, level: Level) -> String {
    match level {
        Level::Ignore => format!("{label}={value};;;0"),
        Level::Warning => format!("{label}={value};0;;0"),
        Level::Critical => format!("{label}={value};;0;0"),
    }
}

fn report(
    args: &CheckArgs,
    counts: &Counts,
    findings: &[Finding],
    unreadable: &[String],
) -> (State, String) {
    let mut state = findings
        .iter()
        .map(|f| f.state)
        .max_by_key(|s| *s as u8)
        .unwrap_or(State::Ok);
    let mut problems = Vec::new();
    if !unreadable.is_empty() {
        state = State::Unknown;
        problems.push(unreadable.join("; "));
    }
    if counts.expiring_critical > 0 {
        problems.push(format!(
            "{} within {}",
            plural(
                counts.expiring_critical,
                "license expires",
                "licenses expire"
            ),
            days(args.critical)
        ));
    }
    let only_warning = counts.expiring_warning - counts.expiring_critical;
    if only_warning > 0 {
        let who = if counts.expiring_critical > 0 {
            format!("{only_warning} more")
        } else {
            plural(only_warning, "license expires", "licenses expire")
        };
        problems.push(format!("{who} within {}", days(args.warning)));
    }
    if args.auto_update_off != Level::Ignore && counts.auto_update_off > 0 {
        problems.push(format!(
            "{} without auto-update",
            plural(counts.auto_update_off, "server", "servers")
        ));
    }
    if args.used_over_licensed != Level::Ignore && counts.used_over_licensed > 0 {
        problems.push(format!(
            "{} more units than licensed",
            plural(counts.used_over_licensed, "license uses", "licenses use")
        ));
    }
    let summary = if problems.is_empty() {
        format!(
            "{}, none expires within {}",
            plural(counts.licenses, "license", "licenses"),
            days(args.warning)
        )
    } else {
        problems.join(", ")
    };
    let critical = period(args.critical);
    let warning = period(args.warning);
    let perf = [
        perfdata(
            &format!("expiring_{critical}"),
            counts.expiring_critical,
            Level::Critical,
        ),
        perfdata(
            &format!("expiring_{warning}"),
            counts.expiring_warning,
            Level::Warning,
        ),
        perfdata(
            "auto_update_off",
            counts.auto_update_off,
            args.auto_update_off,
        ),
        perfdata(
            "used_over_licensed",
            counts.used_over_licensed,
            args.used_over_licensed,
        ),
        format!("licenses={};;;0", counts.licenses),
    ]
    .join(" ");
    // Counts from a partial read would draw a false drop in every graph: no data instead.
    let mut text = if state == State::Unknown {
        format!("VSPC LICENSES {} - {summary}\n", state.name())
    } else {
        format!("VSPC LICENSES {} - {summary} | {perf}\n", state.name())
    };
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.state as u8));
    for finding in ordered {
        // Company names come from license files: one finding stays one line.
        let shown =
            super::terminal_text::terminal_safe(&finding.text, super::terminal_text::MESSAGE_LIMIT);
        let _ = writeln!(text, "{}: {shown}", finding.state.name());
    }
    (state, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CheckArgs {
        CheckArgs {
            warning: Duration::from_secs(60 * 86_400),
            critical: Duration::from_secs(15 * 86_400),
            auto_update_off: Level::Warning,
            used_over_licensed: Level::Ignore,
            products: Vec::new(),
            companies: Vec::new(),
            all_profiles: false,
        }
    }

    #[test]
    fn the_status_line_names_every_problem_and_carries_perfdata() {
        let counts = Counts {
            licenses: 20,
            expiring_critical: 3,
            expiring_warning: 5,
            auto_update_off: 12,
            used_over_licensed: 1,
        };
        let findings = [Finding {
            state: State::Critical,
            text: "x".into(),
        }];
        let (state, text) = report(&args(), &counts, &findings, &[]);
        assert_eq!(state, State::Critical);
        assert_eq!(
            text.lines().next().unwrap(),
            "VSPC LICENSES CRITICAL - 3 licenses expire within 15 days, 2 more within 60 days, 12 servers without auto-update | expiring_15d=3;;0;0 expiring_60d=5;0;;0 auto_update_off=12;0;;0 used_over_licensed=1;;;0 licenses=20;;;0"
        );
    }

    #[test]
    fn an_unreadable_console_is_unknown_whatever_else_was_found() {
        let findings = [Finding {
            state: State::Critical,
            text: "x".into(),
        }];
        let (state, text) = report(
            &args(),
            &Counts::default(),
            &findings,
            &["console a: refused".into()],
        );
        assert_eq!(state, State::Unknown);
        assert_eq!(
            text.lines().next(),
            Some("VSPC LICENSES UNKNOWN - console a: refused")
        );
    }

    #[test]
    fn periods_are_named_in_the_largest_whole_unit() {
        assert_eq!(period(Duration::from_secs(15 * 86_400)), "15d");
        assert_eq!(period(Duration::from_secs(7200)), "2h");
        assert_eq!(period(Duration::from_secs(90)), "90s");
        assert_eq!(days(Duration::from_secs(86_400)), "1 day");
    }
}
