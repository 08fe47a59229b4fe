//! `spec`: the spec this tool speaks, and overlays checked against it without a build.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Failure, Outcome};
use crate::overlay::{effective_spec, parse_overlay, OverlayError};

/// What `spec` does.
#[derive(Debug, Subcommand)]
pub(crate) enum SpecCommand {
    /// Print the spec this binary was built with (JSON), or, with --overlay, the shipped spec
    /// with those overlays applied: what a build with VSPC_LICENSING_OVERLAYS would use
    Show {
        /// An OpenAPI Overlay file to apply (repeatable, applied in order)
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
    },
    /// Check that an OpenAPI Overlay applies to the shipped spec, as a build would apply it;
    /// exit 2 with the file and the action when it does not
    CheckOverlay {
        /// The overlay file (YAML or JSON)
        file: PathBuf,
    },
}

pub(crate) fn run(command: SpecCommand) -> Outcome {
    match command {
        SpecCommand::Show { overlays } => {
            let spec = if overlays.is_empty() {
                crate::contract::Spec::embedded().raw().clone()
            } else {
                effective_spec(&overlays).map_err(refused)?
            };
            let text =
                serde_json::to_string_pretty(&spec).map_err(|e| Failure::Exit(1, e.to_string()))?;
            use std::io::Write as _;
            let mut out = super::writer::stdout();
            writeln!(out, "{text}")
                .and_then(|()| out.flush())
                .map_err(super::writer::write_failure)
        }
        SpecCommand::CheckOverlay { file } => {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file).map_err(|e| {
                refused(OverlayError::Unreadable {
                    file: name.clone(),
                    reason: e.to_string(),
                })
            })?;
            let overlay = parse_overlay(&name, &text).map_err(refused)?;
            effective_spec(&[&file]).map_err(refused)?;
            if overlay.actions.is_empty() {
                println!("{name}: ok (no actions: it changes nothing)");
            } else {
                println!(
                    "{name}: ok ({} action(s) apply to the shipped spec, which stays a valid OpenAPI 3 document)",
                    overlay.actions.len()
                );
            }
            Ok(())
        }
    }
}

fn refused(error: OverlayError) -> Failure {
    Failure::Exit(2, error.to_string())
}

/// `--version`: the crate's version and the spec it speaks.
pub(crate) fn version_line() -> String {
    format!("{} ({})", env!("CARGO_PKG_VERSION"), spec_description())
}

/// The spec this binary speaks: its version, and the overlays it was built with.
pub(crate) fn spec_description() -> String {
    let overlays = crate::spec_overlays();
    if overlays.is_empty() {
        return format!("spec {} as shipped", spec_version());
    }
    let list: Vec<String> = overlays
        .iter()
        .map(|o| format!("{} sha256:{}", o.file, &o.sha256[..o.sha256.len().min(12)]))
        .collect();
    format!("spec {} with overlays: {}", spec_version(), list.join(", "))
}

fn spec_version() -> String {
    crate::contract::Spec::embedded()
        .raw()
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?")
        .to_owned()
}
