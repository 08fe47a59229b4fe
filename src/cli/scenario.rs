//! `scenario`: the example scenario, checking a file, the schema.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Failure, Outcome};
use crate::simulator::{Scenario, SCENARIO_EXAMPLE};

/// What `scenario` does.
#[derive(Debug, Subcommand)]
pub(crate) enum ScenarioCommand {
    /// Print a complete, commented example scenario (YAML)
    Example,
    /// Check a scenario file; prints each problem with its line and field, exit 2 if any
    Check {
        /// The scenario file (YAML or JSON)
        file: PathBuf,
    },
    /// Print the JSON Schema scenario files follow (derived from the spec)
    Schema,
}

pub(crate) fn run(command: ScenarioCommand) -> Outcome {
    match command {
        ScenarioCommand::Example => {
            print!("{SCENARIO_EXAMPLE}");
            Ok(())
        }
        ScenarioCommand::Schema => {
            let text = serde_json::to_string_pretty(Scenario::json_schema())
                .map_err(|e| Failure::Exit(1, e.to_string()))?;
            println!("{text}");
            Ok(())
        }
        ScenarioCommand::Check { file } => match Scenario::load(&file) {
            Ok(scenario) => {
                let listed: Vec<String> = [
                    "backupServers",
                    "voneServers",
                    "vb365Servers",
                    "sites",
                    "organizations",
                    "reports",
                ]
                .iter()
                .filter_map(|c| scenario.listed(c).map(|n| format!("{n} {c}")))
                .collect();
                println!(
                    "{}: ok ({}{}; {} faults; unnamed collections {})",
                    file.display(),
                    if listed.is_empty() {
                        "no collections listed".to_owned()
                    } else {
                        listed.join(", ")
                    },
                    if scenario.api_version().is_some() {
                        format!("; API {}", scenario.api_version().unwrap_or_default())
                    } else {
                        String::new()
                    },
                    scenario.faults().len(),
                    if scenario.keeps_seeded_defaults() {
                        "seeded"
                    } else {
                        "empty"
                    }
                );
                Ok(())
            }
            Err(error) => {
                let problems = error.problems();
                if problems.is_empty() {
                    return Err(Failure::Exit(2, error.to_string()));
                }
                for problem in problems {
                    eprintln!("{}: {problem}", file.display());
                }
                Err(Failure::Exit(
                    2,
                    format!(
                        "{}: {} problem{}",
                        file.display(),
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" }
                    ),
                ))
            }
        },
    }
}
