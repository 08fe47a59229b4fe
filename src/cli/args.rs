//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;

use super::listed::listed;
use super::Failure;
use crate::enums::{OrganizationType, SectionForDelete, ServerType};
use crate::Product;

/// Manage Veeam licenses through the Veeam Service Provider Console REST API v3.
#[derive(Debug, Parser)]
#[command(name = "vspc-licensing", version = super::spec::version_line(), about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes, before or after the command name.
#[derive(Clone, Debug, Args)]
pub(crate) struct Global {
    /// VSPC address, e.g. https://vspc.example.com:1280
    #[arg(long, env = "VSPC_URL", global = true)]
    pub(crate) url: Option<String>,
    /// REST API key (prefer the VSPC_API_KEY environment variable: argv is visible to others);
    /// for `serve`, a key the simulator accepts (repeatable)
    #[arg(long = "api-key", value_name = "KEY", env = "VSPC_API_KEY", global = true, hide_env_values = true, action = clap::ArgAction::Append)]
    pub(crate) api_keys: Vec<String>,
    /// User name; the password comes from VSPC_PASSWORD or a prompt
    #[arg(long, env = "VSPC_USERNAME", global = true)]
    pub(crate) username: Option<String>,
    /// Extra CA certificate (PEM) to trust, for a VSPC with a self-signed certificate
    #[arg(long, value_name = "PEM", global = true)]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Do not verify the server's TLS certificate (unsafe; prints a warning)
    #[arg(long, global = true)]
    pub(crate) insecure: bool,
    /// Output format
    #[arg(long, short, value_enum, default_value_t = Format::Table, global = true)]
    pub(crate) output: Format,
    /// Time limit for one request, e.g. 30s or 2m (more than zero)
    #[arg(long, value_parser = parse_time_limit, default_value = "60s", global = true)]
    pub(crate) timeout: Duration,
    /// More logging (-v info, -vv debug); logs never contain secrets
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    /// REST API version to speak: 3.5.1, 3.6, 3.6.1, 3.6.2, 3.7, or `auto` to ask the console
    /// (GET /about) [default: 3.6.1]; for `serve`, the version the simulated console speaks
    #[arg(long, value_name = "VERSION|auto", env = "VSPC_API_VERSION", value_parser = parse_api_version, global = true)]
    pub(crate) api_version: Option<ApiVersionChoice>,
    /// Configuration file with named profiles (default: config.toml in the platform's
    /// configuration directory for vspc-licensing)
    #[arg(long, value_name = "FILE", env = "VSPC_CONFIG", global = true)]
    pub(crate) config: Option<PathBuf>,
    /// Profile of the configuration file to use (its url, CA and where its secret comes from);
    /// flags and environment variables override it. `exporter` and `check` take several
    /// (repeat the flag), one console each
    #[arg(long = "profile", value_name = "NAME", env = "VSPC_PROFILE", global = true, action = clap::ArgAction::Append)]
    pub(crate) profiles: Vec<String>,
    /// Whether `--profile` was given on this command line (not from VSPC_PROFILE or the file's
    /// default): only then may `--url`/`VSPC_URL` send the profile's secret to another address.
    #[arg(skip)]
    pub(crate) profile_on_command_line: bool,
    /// Requests at once in listings and bulk changes: `auto` finds what the console takes (up
    /// to 16: more while answers keep their latency, fewer when they slow down or a 429 comes);
    /// a number keeps that many (halved after a 429)
    #[arg(long, value_name = "auto|N", default_value = "auto", value_parser = parse_in_flight, global = true)]
    pub(crate) in_flight: InFlightChoice,
}

/// `--in-flight`: adapt, or a fixed number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InFlightChoice {
    /// Find the console's capacity, up to the client's default maximum.
    Auto,
    /// Exactly this many.
    Fixed(usize),
}

fn parse_in_flight(text: &str) -> Result<InFlightChoice, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(InFlightChoice::Auto);
    }
    match text.parse::<usize>() {
        Ok(requests) if requests > 0 => Ok(InFlightChoice::Fixed(requests)),
        _ => Err(format!(
            "{text:?} is not a number of requests: write auto or a whole number from 1"
        )),
    }
}

/// `--api-version`: one version, or `auto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiVersionChoice {
    /// Speak this version.
    Fixed(crate::ApiVersion),
    /// Ask the console which one.
    Auto,
}

fn parse_api_version(text: &str) -> Result<ApiVersionChoice, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(ApiVersionChoice::Auto);
    }
    text.parse()
        .map(ApiVersionChoice::Fixed)
        .map_err(|e: crate::ParseApiVersionError| format!("{e}, or auto"))
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table sized to the terminal
    Table,
    /// JSON: one array of the API's own objects with their API field names
    Json,
    /// Newline-delimited JSON: one object per line (for jq, log shippers, pipelines)
    Ndjson,
    /// Comma-separated values with a header line
    Csv,
}

// Parsed once per run: boxing the large `serve` options would save nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start the embedded simulator and take a narrated tour of the whole crate
    Demo(DemoArgs),
    /// Run the VSPC licensing simulator until Ctrl-C; prints its base URL first
    Serve(ServeArgs),
    /// List and inspect licenses
    #[command(subcommand)]
    Licenses(LicensesCommand),
    /// Audit and switch automatic license updates (ALK)
    #[command(subcommand)]
    AutoUpdate(AutoUpdateCommand),
    /// Install, renew or remove one license
    #[command(subcommand)]
    License(LicenseCommand),
    /// License usage reports
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// VCSP Pulse: contracts, products and the rental licenses issued under them
    #[command(subcommand)]
    Pulse(PulseCommand),
    /// Current license usage
    #[command(subcommand)]
    Usage(UsageCommand),
    /// Check a VSPC against the spec: every read-only operation, every page (changes nothing)
    Conform(ConformArgs),
    /// The Automatic License Key Update (ALK) servers and whether this machine reaches them
    #[command(subcommand)]
    Alk(AlkCommand),
    /// A monitoring plugin: OK, WARNING, CRITICAL or UNKNOWN (exit 0-3) with performance data
    Check(super::check::CheckArgs),
    /// Serve licensing as Prometheus metrics (/metrics), read in the background every --refresh
    Exporter(super::exporter::ExporterArgs),
    /// Simulator scenarios: print an example, check a file, print the schema
    #[command(subcommand)]
    Scenario(super::scenario::ScenarioCommand),
    /// The profiles of the configuration file
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// The spec this tool speaks; check an OpenAPI Overlay without building
    #[command(subcommand)]
    Spec(super::spec::SpecCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions(super::completions::CompletionsArgs),
    /// Print the manual page (roff), or write one per command into a directory
    Man(super::completions::ManArgs),
}

/// What `profiles` does.
#[derive(Debug, Subcommand)]
pub(crate) enum ProfilesCommand {
    /// List the profiles: url, API version and where each one's secret comes from
    List,
    /// Print the path of the configuration file in use
    Path,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AlkCommand {
    /// The license update and certificate revocation endpoints each product needs
    Endpoints {
        /// Only these products (repeatable): vspc, vbr, em, vone, vb365, vro, vbsf
        #[arg(long = "product", value_name = "PRODUCT")]
        products: Vec<crate::alk::AlkProduct>,
    },
    /// Resolve and connect to each endpoint; exit 6 if a required one fails
    Check {
        /// Only these products (repeatable): vspc, vbr, em, vone, vb365, vro, vbsf
        #[arg(long = "product", value_name = "PRODUCT")]
        products: Vec<crate::alk::AlkProduct>,
        /// Send HOST[:PORT] to ADDRESS[:PORT] instead of asking DNS, like curl's --resolve (repeatable)
        #[arg(long = "resolve", value_name = "HOST:PORT:ADDRESS")]
        resolve: Vec<String>,
        /// Endpoints checked at once
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Time for one endpoint's name lookup and connection, e.g. 5s (more than zero)
        #[arg(long, value_parser = parse_time_limit, default_value = "5s")]
        connect_timeout: Duration,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ConformArgs {
    /// Resources per page
    #[arg(long, default_value_t = 100)]
    pub(crate) page_size: u32,
    /// Pages to read per collection at most (0: all)
    #[arg(long, default_value_t = 20)]
    pub(crate) max_pages: usize,
    /// Also write what the console did differently as an OpenAPI Overlay 1.0 (YAML; JSON when
    /// FILE ends in .json), for VSPC_LICENSING_OVERLAYS; no values of the answers go into it
    #[arg(long, value_name = "FILE")]
    pub(crate) write_overlay: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Seed of the simulated data
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on; 127.0.0.1:0 picks a free port
    #[arg(long, default_value = "127.0.0.1:1280")]
    pub(crate) addr: std::net::SocketAddr,
    /// Seed of the simulated data
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Number of Veeam Backup & Replication servers
    #[arg(long)]
    pub(crate) backup_servers: Option<usize>,
    /// Number of Veeam ONE servers
    #[arg(long)]
    pub(crate) vone_servers: Option<usize>,
    /// Number of Veeam Backup for Microsoft 365 servers
    #[arg(long)]
    pub(crate) vb365_servers: Option<usize>,
    /// Number of Cloud Connect sites
    #[arg(long)]
    pub(crate) sites: Option<usize>,
    /// Number of organizations
    #[arg(long)]
    pub(crate) organizations: Option<usize>,
    /// Seed the data as if today were this day (YYYY-MM-DD), so it is the same on every run
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) today: Option<chrono::NaiveDate>,
    /// A read-only API key the simulator accepts (repeatable)
    #[arg(long = "read-only-api-key", value_name = "KEY")]
    pub(crate) read_only_api_keys: Vec<String>,
    /// A user the simulator accepts, as NAME:PASSWORD (repeatable)
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub(crate) users: Vec<String>,
    /// Answer with 202 and run as an async action every request slower than this, e.g. 500ms
    #[arg(long, value_parser = parse_duration)]
    pub(crate) async_threshold: Option<Duration>,
    /// Inject random faults into this share of requests (0.0 to 1.0)
    #[arg(long)]
    pub(crate) fault_rate: Option<f64>,
    /// Wait this long before answering every request, e.g. 5ms: a stand-in for a real VSPC's
    /// database time, to see how automation behaves when the server, not the client, is slow
    #[arg(long, value_parser = parse_duration)]
    pub(crate) latency: Option<Duration>,
    /// Drift from the spec as a newer console would (undocumented fields, unlisted enum values,
    /// nulls), to prove contract tests catch drift
    #[arg(long)]
    pub(crate) drift: bool,
    /// Serve the objects of this scenario file (YAML or JSON; see `scenario example`)
    #[arg(long, value_name = "FILE")]
    pub(crate) scenario: Option<PathBuf>,
    /// Append one JSON line per request to this file (time, method, path, query, requestId,
    /// status, operationId, applied, replayed, fault)
    #[arg(long, value_name = "FILE")]
    pub(crate) journal: Option<PathBuf>,
    /// Serve at most this many resources a page whatever `limit` asks (short pages)
    #[arg(long, value_name = "N")]
    pub(crate) max_page_size: Option<usize>,
    /// Throttle like a console: answer 429 beyond this many requests at once
    #[arg(long, value_name = "N")]
    pub(crate) max_concurrent_requests: Option<usize>,
    /// Serve this many requests at once and queue the rest, so every answer comes later the
    /// more are sent at once (a database-bound console); with --latency as the service time
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) capacity: Option<u16>,
    /// Throttle like a console: answer 429 (with retryAfter) beyond this many requests a second
    #[arg(long, value_name = "N")]
    pub(crate) max_requests_per_second: Option<u32>,
    /// A user who must sign in with a second factor (code 123456), as NAME:PASSWORD (repeatable)
    #[arg(long = "mfa-user", value_name = "NAME:PASSWORD")]
    pub(crate) mfa_users: Vec<String>,
}

/// Which products a command covers: one (`--product vbr`, the product's short name) or all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProductChoice {
    /// One product.
    One(Product),
    /// All of them.
    All,
}

impl ValueEnum for ProductChoice {
    fn value_variants<'a>() -> &'a [Self] {
        static CHOICES: std::sync::LazyLock<Vec<ProductChoice>> = std::sync::LazyLock::new(|| {
            Product::ALL
                .into_iter()
                .map(ProductChoice::One)
                .chain([ProductChoice::All])
                .collect()
        });
        &CHOICES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let (name, help) = match self {
            ProductChoice::One(product) => (product.short_name(), product.description()),
            ProductChoice::All => ("all", "All of them"),
        };
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
}

impl ProductChoice {
    pub(crate) fn products(self) -> Vec<Product> {
        match self {
            ProductChoice::One(product) => vec![product],
            ProductChoice::All => Product::ALL.to_vec(),
        }
    }

    /// The one product, for commands on a single license.
    pub(crate) fn single(self) -> Result<Product, Failure> {
        match self {
            ProductChoice::One(product) => Ok(product),
            ProductChoice::All => {
                let names: Vec<&str> = Product::ALL.iter().map(|p| p.short_name()).collect();
                let listed = match names.split_last() {
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                };
                Err(Failure::Exit(
                    2,
                    format!("name one product ({listed}), not all"),
                ))
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum LicensesCommand {
    /// Every license, one row each
    List {
        /// Which products
        #[arg(long, value_enum, default_value_t = ProductChoice::All)]
        product: ProductChoice,
    },
    /// Licenses that expire within a period (already expired ones included)
    Expiring {
        /// The period, e.g. 30d, 12h, 2w (at most 36500d)
        #[arg(long, value_parser = parse_period, default_value = "30d")]
        within: Duration,
        /// Which products
        #[arg(long, value_enum, default_value_t = ProductChoice::All)]
        product: ProductChoice,
    },
    /// One license in full
    Show {
        /// Which product
        #[arg(long, value_enum)]
        product: ProductChoice,
        /// The server or site UID (none for the console)
        uid: Option<Uuid>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AutoUpdateCommand {
    /// Every license with automatic updates off (the ALK audit)
    Status {
        /// Which products
        #[arg(long, value_enum, default_value_t = ProductChoice::All)]
        product: ProductChoice,
        /// Also flag licenses with auto-update on that expire within this period (at most 36500d)
        #[arg(long, value_parser = parse_period, default_value = "30d")]
        within: Duration,
    },
    /// Turn automatic updates on
    Enable(SwitchArgs),
    /// Turn automatic updates off
    Disable(SwitchArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SwitchArgs {
    /// Every license of the chosen products (all products without --product)
    #[arg(long, conflicts_with = "uids")]
    pub(crate) all: bool,
    /// Which product
    #[arg(long, value_enum)]
    pub(crate) product: Option<ProductChoice>,
    /// Server or site UIDs
    #[arg(value_name = "UID")]
    pub(crate) uids: Vec<Uuid>,
    /// Which API: v3 (VSPC) or v2 (the former Veeam Availability Console, Cloud Connect only)
    #[arg(long, value_enum, default_value_t = ApiGeneration::V3)]
    pub(crate) api: ApiGeneration,
    /// Requests at once, walk and changes together: the same as --in-flight N for this command
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: Option<u16>,
}

/// The API generation to talk to (v3 or the legacy v2); not to be confused with the v3
/// version of `--api-version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ApiGeneration {
    /// VSPC REST API v3
    V3,
    /// Veeam Availability Console REST API v2
    V2,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LicenseCommand {
    /// Install a license file
    Install {
        /// Which product
        #[arg(long, value_enum)]
        product: ProductChoice,
        /// The server or site UID (none for the console)
        uid: Option<Uuid>,
        /// The license file
        #[arg(long, short)]
        file: PathBuf,
    },
    /// Fetch the current license from Veeam and install it
    Update {
        /// Which product
        #[arg(long, value_enum)]
        product: ProductChoice,
        /// The server or site UID (none for the console)
        uid: Option<Uuid>,
    },
    /// Remove a license (backup servers and Veeam ONE only)
    Delete {
        /// Which product: vbr or vone
        #[arg(long, value_enum)]
        product: ProductChoice,
        /// The server UID
        uid: Uuid,
        /// For backup servers: which section to remove (the whole license by default)
        #[arg(long, value_parser = listed::<SectionForDelete>())]
        section: Option<SectionForDelete>,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PulseCommand {
    /// The provider's Pulse contracts (points limit, expiry)
    Contracts,
    /// The products Pulse licenses, with their workloads
    Products,
    /// Pulse licenses
    #[command(subcommand)]
    Licenses(PulseLicensesCommand),
    /// Pulse tenants and the companies they are mapped to (`list` without a subcommand)
    Tenants {
        #[command(subcommand)]
        command: Option<PulseTenantsCommand>,
    },
    /// Make the console synchronise with VCSP Pulse now
    Sync,
    /// The console's connection to VCSP Pulse (`show` without a subcommand)
    Config {
        #[command(subcommand)]
        command: Option<PulseConfigCommand>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PulseTenantsCommand {
    /// Every Pulse tenant
    List,
    /// One Pulse tenant
    Show {
        /// The tenant's instanceUid
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PulseConfigCommand {
    /// The connection's switches and status
    Show,
    /// Turn the connection's switches on or off (one JSON Patch; then shows the result)
    Set {
        /// Map Pulse tenants to companies
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        company_mapping: Option<String>,
        /// Manage licenses through Pulse
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        license_management: Option<String>,
        /// Push new companies to Pulse as tenants
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        push_new_companies: Option<String>,
        /// Print the JSON Patch it would send, and send nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PulseLicensesCommand {
    /// Every Pulse license
    List,
    /// One Pulse license
    Show {
        /// The license's instanceUid
        uid: uuid::Uuid,
    },
    /// Issue a new Pulse license
    Create {
        /// The product's productId (see `pulse products`)
        #[arg(long)]
        product: String,
        /// The contract's contractId (see `pulse contracts`)
        #[arg(long)]
        contract: String,
        /// Expiry, RFC 3339 (e.g. 2027-06-30T00:00:00Z)
        #[arg(long)]
        expires: chrono::DateTime<chrono::Utc>,
        /// A workload and its count, WORKLOAD=COUNT (repeatable)
        #[arg(long = "workload", value_name = "WORKLOAD=COUNT", required = true)]
        workloads: Vec<String>,
        /// A description
        #[arg(long)]
        description: Option<String>,
        /// Print the request it would send, and send nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Change a Pulse license (workload counts, expiry, description, automatic extension)
    Edit {
        /// The license's instanceUid
        uid: uuid::Uuid,
        /// A workload's new count, WORKLOAD=COUNT (repeatable; a workload not counted yet is added)
        #[arg(long = "workload", value_name = "WORKLOAD=COUNT")]
        workloads: Vec<String>,
        /// New expiry, RFC 3339 (e.g. 2027-06-30T00:00:00Z)
        #[arg(long)]
        expires: Option<chrono::DateTime<chrono::Utc>>,
        /// New description
        #[arg(long, conflicts_with = "no_description")]
        description: Option<String>,
        /// Clear the description
        #[arg(long)]
        no_description: bool,
        /// Automatic extension on or off
        #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
        automatic_extension: Option<String>,
        /// Print the JSON Patch it would send, and send nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Issue a copy of a Pulse license (same product, contract, expiry, workloads), assigned to no one
    Copy {
        /// The license's instanceUid
        uid: uuid::Uuid,
    },
    /// Extend every Pulse license about to expire, then update the servers running them
    Renew {
        /// Licenses that expire within this period (already expired ones included), e.g. 30d
        #[arg(long, value_name = "PERIOD", value_parser = parse_period)]
        expiring_within: Duration,
        /// The new expiry: a day (2027-06-30, midnight UTC) or RFC 3339
        #[arg(long, value_name = "DATE", value_parser = parse_day_or_time)]
        until: chrono::DateTime<chrono::Utc>,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
        /// Read what a run reads and report, per license and server, what it would do; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Save a Pulse license's license file, ready for `license install`
    Download {
        /// The license's instanceUid
        uid: uuid::Uuid,
        /// Where to write it (default: `<UID>.lic` in the current directory)
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
    },
    /// Install a Pulse license on a managed server, then show the server's new license
    Install {
        /// The license's instanceUid
        uid: uuid::Uuid,
        /// The managed server's UID
        #[arg(long, value_name = "SERVER_UID")]
        server: uuid::Uuid,
    },
    /// Revoke a Pulse license (servers running it lose it at their next update)
    Revoke {
        /// The license's instanceUid
        uid: uuid::Uuid,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Delete a Pulse license
    Delete {
        /// The license's instanceUid
        uid: uuid::Uuid,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportsCommand {
    /// Every license usage report
    List,
    /// The latest month's reports
    Latest,
    /// One month's reports
    Month {
        /// The month, YYYY-MM
        month: crate::usage::Month,
    },
    /// Download one report as CSV
    Download {
        /// The report id (reportParameters.reportId)
        id: i32,
        /// Write to this file instead of standard output
        #[arg(long, short = 'O', value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Finalize the current month's reports
    Finalize,
    /// Show or change report settings
    Settings {
        /// Turn automatic approval on or off
        #[arg(long)]
        auto_approve: Option<bool>,
    },
    /// Chart the points per month, by organization or product (terminal, SVG or HTML)
    Chart(ChartArgs),
    /// Each organization's points in two months and the change, biggest movers first
    Diff {
        /// The earlier month, YYYY-MM
        from: crate::usage::Month,
        /// The later month, YYYY-MM
        to: crate::usage::Month,
    },
}

/// What `reports chart` draws and where.
#[derive(Debug, Args)]
pub(crate) struct ChartArgs {
    /// Months to show, ending with the latest month that has reports
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub(crate) months: u32,
    /// Break the points down by organization or by product
    #[arg(long, value_enum, default_value_t = ChartBy::Organization)]
    pub(crate) by: ChartBy,
    /// One bar per month with the parts stacked, or one bar per part
    #[arg(long, value_enum, default_value_t = ChartLayout::Stacked)]
    pub(crate) layout: ChartLayout,
    /// Only this organization: its name, a unique part of it, or its UID
    #[arg(long, value_name = "NAME|UID")]
    pub(crate) organization: Option<String>,
    /// Width in columns (default: the terminal's width; 100 when not a terminal)
    #[arg(long, value_parser = clap::value_parser!(u16).range(40..=1000))]
    pub(crate) width: Option<u16>,
    /// Write the chart as a standalone SVG picture to FILE
    #[arg(long, value_name = "FILE")]
    pub(crate) svg: Option<PathBuf>,
    /// Write the chart as a standalone HTML page (the picture and a table of the numbers) to FILE
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
}

/// What a chart breaks the points down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ChartBy {
    /// One part per organization
    Organization,
    /// One part per product type
    Product,
}

/// How a chart places the parts of a month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ChartLayout {
    /// One bar per month, the parts stacked
    Stacked,
    /// One bar per part, grouped by month
    Grouped,
}

#[derive(Debug, Subcommand)]
pub(crate) enum UsageCommand {
    /// Current license usage by organization
    Organizations {
        /// Only this organization
        #[arg(long)]
        organization_uid: Option<Uuid>,
        /// Only organizations of this type
        #[arg(long, value_parser = listed::<OrganizationType>())]
        organization_type: Option<OrganizationType>,
        /// Only organizations of this provider
        #[arg(long)]
        provider_uid: Option<Uuid>,
        /// Only usage on this server
        #[arg(long)]
        server_uid: Option<Uuid>,
        /// Only usage on this product
        #[arg(long, value_parser = listed::<ServerType>())]
        server_type: Option<ServerType>,
        /// Only the N heaviest consumers, one row each (with a bar on a terminal)
        #[arg(long, value_name = "N")]
        top: Option<usize>,
    },
}

impl UsageCommand {
    pub(crate) fn filter(&self) -> crate::UsageFilter {
        let UsageCommand::Organizations {
            organization_uid,
            organization_type,
            provider_uid,
            server_uid,
            server_type,
            top: _,
        } = self;
        crate::UsageFilter {
            organization_uid: *organization_uid,
            organization_type: organization_type.clone(),
            provider_uid: *provider_uid,
            server_uid: *server_uid,
            server_type: server_type.clone(),
        }
    }
}

/// `30`, `30s`, `500ms`, `2m`, `12h`, `30d`, `2w`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write e.g. 30s, 2m, 30d"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {text:?}; use ms, s, m, h, d or w"
            ))
        }
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{text:?} is too long a duration"))
}

/// The longest period a license can be asked to expire within: a hundred years. Beyond it no
/// license date means anything, and every command that takes a period (`licenses expiring`,
/// `auto-update status`, `check`) refuses the same values the same way, instead of one
/// refusing and another quietly using its default.
pub(crate) const LONGEST_PERIOD: Duration = Duration::from_secs(36_500 * 86_400);

/// A period licenses are checked against (`--within`, `--warning`, `--critical`): a duration of
/// at most [`LONGEST_PERIOD`].
pub(crate) fn parse_period(text: &str) -> Result<Duration, String> {
    let period = parse_duration(text)?;
    if period > LONGEST_PERIOD {
        return Err(format!(
            "{:?} is longer than any license runs; give at most 36500d (100 years)",
            text.trim()
        ));
    }
    Ok(period)
}

/// A day (`2027-06-30`, taken as midnight UTC) or an RFC 3339 time.
pub(crate) fn parse_day_or_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let text = text.trim();
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("`{text}` is neither a day (2027-06-30) nor an RFC 3339 time"))
}

/// A period of [`parse_period`] as chrono's duration, for date arithmetic; bounded, so it
/// always converts.
pub(crate) fn period_delta(period: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(period.min(LONGEST_PERIOD)).unwrap_or(chrono::TimeDelta::MAX)
}

/// A time limit (`--timeout`, `--connect-timeout`): a duration longer than zero, since a limit
/// of zero fails every request before it is sent.
pub(crate) fn parse_time_limit(text: &str) -> Result<Duration, String> {
    let limit = parse_duration(text)?;
    if limit.is_zero() {
        return Err(format!(
            "{:?} would fail every request at once; give a time limit longer than zero, e.g. 30s",
            text.trim()
        ));
    }
    Ok(limit)
}

pub(crate) fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VSPC_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("warn,vspc_licensing={level}"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour_on_stderr())
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Colour only for a person at a terminal, and never when `NO_COLOR` is set to anything
/// (<https://no-color.org>): escape codes in a log file or a CI log are noise.
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(
            parse_duration("30d").unwrap(),
            Duration::from_secs(30 * 86_400)
        );
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3y").unwrap_err().contains("unknown unit"));
    }

    proptest::proptest! {
        /// Any text parses to a duration or an error message: never a panic, never a wrapped
        /// value (a parsed duration is exactly the number times its unit).
        #[test]
        fn duration_parsing_never_panics_or_wraps(number in proptest::num::u64::ANY, unit in "(|ms|s|m|h|d|w|y|dd)") {
            let text = format!("{number}{unit}");
            let seconds_per_unit: Option<u64> = match unit.as_str() {
                "" | "s" => Some(1),
                "m" => Some(60),
                "h" => Some(3600),
                "d" => Some(86_400),
                "w" => Some(604_800),
                _ => None,
            };
            match (parse_duration(&text), unit.as_str(), seconds_per_unit) {
                (Ok(parsed), "ms", _) => proptest::prop_assert_eq!(parsed, Duration::from_millis(number)),
                (Ok(parsed), _, Some(per)) => {
                    proptest::prop_assert_eq!(Some(parsed.as_secs()), number.checked_mul(per));
                }
                (Err(_), _, Some(per)) => proptest::prop_assert!(number.checked_mul(per).is_none()),
                (Err(_), _, None) => {}
                (Ok(parsed), _, None) => proptest::prop_assert!(false, "{text} parsed as {parsed:?}"),
            }
        }

        #[test]
        fn arbitrary_text_is_a_duration_or_an_error(text in "\\PC{0,24}") {
            let _ = parse_duration(&text);
        }
    }

    #[test]
    fn periods_are_bounded_and_time_limits_are_not_zero() {
        assert_eq!(parse_period("36500d").unwrap(), LONGEST_PERIOD);
        assert!(parse_period("36501d").unwrap_err().contains("36500d"));
        assert!(parse_period("20000000000w").is_err());
        assert_eq!(
            period_delta(LONGEST_PERIOD),
            chrono::TimeDelta::days(36_500)
        );
        assert!(parse_time_limit("0").is_err());
        assert!(parse_time_limit("0ms").is_err());
        assert_eq!(parse_time_limit("1ms").unwrap(), Duration::from_millis(1));
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
