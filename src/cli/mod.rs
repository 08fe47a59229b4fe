//! The `vspc-licensing` command-line tool (feature `cli`).
//!
//! Exit codes: `0` success; `1` the operation failed, or a bulk change failed for at least one
//! server; `2` the command line is wrong; `3` authentication or permission refused; `4` VSPC
//! could not be reached (connection, TLS, timeout); `5` the contract check found drift;
//! `6` an ALK endpoint is unreachable. A reader that closes standard output early (`| head`)
//! ends a listing quietly with `0`; a check (`conform`, `alk check`) still exits with its verdict.
//! `check` is a monitoring plugin and exits as one: `0` OK, `1` WARNING, `2` CRITICAL, `3` UNKNOWN.

mod alk;
mod args;
mod auto_update;
mod bulk;
mod cell;
mod chart_range;
mod check;
mod client;
mod completions;
mod conform;
mod consoles;
mod demo;
mod exporter;
mod learned;
mod license;
mod licenses;
mod listed;
mod output;
mod profile;
mod pulse;
mod reports;
mod scenario;
mod secret_command;
mod serve;
mod spec;
mod table;
mod terminal_text;
mod usage_chart_svg;
mod usage_chart_text;
mod usage_views;
mod writer;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

pub use args::Cli;
use args::Command;

/// How a command ended, beyond plain success.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error to print on one line, with its exit code.
    Error(crate::Error),
    /// A message (the details were printed already), with an exit code.
    Exit(u8, String),
    /// Standard output was closed by its reader (`| head`): the command ends quietly, exit 0.
    Closed,
}

impl From<crate::Error> for Failure {
    fn from(error: crate::Error) -> Self {
        Failure::Error(error)
    }
}

pub(crate) type Outcome = Result<(), Failure>;

/// Runs the tool with the process's arguments.
pub fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => exit_on_wrong_command_line(error),
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => exit_on_wrong_command_line(error.format(&mut Cli::command())),
    };
    cli.global.profile_on_command_line = profile::given_on_command_line(&matches);
    args::init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Exit(code, message)) => {
            if !message.is_empty() {
                terminal_text::eprint_line(&format!("error: {message}"));
            }
            ExitCode::from(code)
        }
        Err(Failure::Error(error)) => {
            terminal_text::eprint_line(&format!("error: {error}"));
            ExitCode::from(exit_code(&error))
        }
    }
}

async fn run(cli: Cli) -> Outcome {
    let global = cli.global;
    match cli.command {
        Command::Demo(args) => demo::run(&global, args).await,
        Command::Serve(args) => serve::run(&global, args).await,
        Command::Licenses(command) => licenses::run(&global, command).await,
        Command::AutoUpdate(command) => auto_update::run(&global, command).await,
        Command::License(command) => license::run(&global, command).await,
        Command::Reports(command) => reports::run_reports(&global, command).await,
        Command::Pulse(command) => pulse::run_pulse(&global, command).await,
        Command::Usage(command) => reports::run_usage(&global, command).await,
        Command::Conform(args) => conform::run(&global, args).await,
        Command::Alk(command) => alk::run(&global, command).await,
        Command::Exporter(args) => exporter::run(&global, args).await,
        Command::Check(args) => check::run(&global, args).await,
        Command::Scenario(command) => scenario::run(command),
        Command::Profiles(command) => profile::run(&global, command),
        Command::Spec(command) => spec::run(command),
        Command::Completions(args) => completions::completions(Cli::command(), args),
        Command::Man(args) => completions::man(Cli::command(), args),
    }
}

/// Ends the process on a command line clap refused: exit 2, or 3 (UNKNOWN) for `check`, whose
/// caller is a monitoring scheduler that reads every other code as a licensing verdict.
fn exit_on_wrong_command_line(error: clap::Error) -> ! {
    let check = Cli::command()
        .ignore_errors(true)
        .try_get_matches()
        .is_ok_and(|matches| matches.subcommand_name() == Some("check"));
    if check && error.use_stderr() {
        let _ = error.print();
        std::process::exit(3);
    }
    error.exit()
}

/// The exit code for an error: see the module documentation.
pub(crate) fn exit_code(error: &crate::Error) -> u8 {
    match error {
        e if e.is_auth() => 3,
        crate::Error::Transport { .. } => 4,
        crate::Error::InvalidInput { .. } | crate::Error::Config(_) | crate::Error::Io { .. } => 2,
        _ => 1,
    }
}
