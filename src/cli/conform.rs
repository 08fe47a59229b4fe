//! `conform`: the live contract check, as a report and an exit code.

use super::args::{ConformArgs, Format, Global};
use super::output::{print, print_object};
use super::terminal_text::eprint_line;
use super::writer::reader_may_leave;
use super::{Failure, Outcome};
use crate::live_check::{run as run_conformance, LiveCheckOptions, VersionFindings};

pub(crate) async fn run(global: &Global, args: ConformArgs) -> Outcome {
    let client = global.client()?;
    let options = LiveCheckOptions {
        page_size: args.page_size,
        max_pages: (args.max_pages > 0).then_some(args.max_pages),
    };
    let outcome = run_conformance(&client, &options).await?;
    if let Some(file) = &args.write_overlay {
        write_overlay(file, &outcome)?;
    }
    if global.output == Format::Json {
        reader_may_leave(print_object(Format::Json, &outcome))?;
    } else {
        let rows: Vec<Vec<String>> = outcome
            .report
            .violations
            .iter()
            .map(|v| {
                vec![
                    v.operation.clone().unwrap_or_default(),
                    format!("{:?}", v.kind),
                    format!("{:?}", v.part).to_lowercase(),
                    v.pointer.clone(),
                    v.message.clone(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            reader_may_leave(print(
                global.output,
                &["operation", "drift", "part", "where", "what"],
                &rows,
                &outcome.report.violations,
            ))?;
        }
        // The console's build, the skip reasons and the paths come from the server's answers.
        eprint_line(&describe_versions(&outcome.versions));
        eprintln!("{}", super::spec::spec_description());
        for (operation, reason) in &outcome.skipped {
            eprint_line(&format!("skipped {operation}: {reason}"));
        }
        for call in outcome.failed_calls() {
            eprint_line(&format!(
                "failed {}: GET {} answered {}",
                call.operation, call.target, call.status
            ));
        }
        let operations: std::collections::BTreeSet<&str> =
            outcome.calls.iter().map(|c| c.operation.as_str()).collect();
        eprintln!(
            "{} calls to {} operations, {} failed, {} skipped; {} departure(s) from the spec{}",
            outcome.calls.len(),
            operations.len(),
            outcome.failed_calls().count(),
            outcome.skipped.len(),
            outcome.report.violations.len(),
            if outcome.report.violations.is_empty() {
                String::new()
            } else {
                format!(" {:?}", outcome.report.counts())
            }
        );
    }
    verdict(&outcome)
}

/// Writes the run's drift as an overlay, and says on stderr what it holds.
fn write_overlay(file: &std::path::Path, outcome: &crate::live_check::LiveCheckOutcome) -> Outcome {
    let console = outcome.versions.server_version.as_deref().map_or_else(
        || "a console".to_owned(),
        |build| format!("console {build}"),
    );
    let title = format!("What {console} sends beyond the vspc-licensing spec");
    let overlay = outcome.evidence.to_overlay(&title);
    let actions = overlay["actions"].as_array().map_or(0, Vec::len);
    let text = crate::overlay::overlay_text(&overlay, file);
    std::fs::write(file, text).map_err(|e| {
        Failure::Exit(
            2,
            format!("cannot write the overlay {}: {e}", file.display()),
        )
    })?;
    if actions == 0 {
        eprintln!(
            "overlay {}: no actions (nothing the answers showed needs a change of the spec)",
            file.display()
        );
    } else {
        eprintln!(
            "overlay {}: {actions} action(s) from {} fact(s); build with VSPC_LICENSING_OVERLAYS={} to use it",
            file.display(),
            outcome.evidence.len(),
            file.display()
        );
    }
    Ok(())
}

/// The exit code: refused credentials (3) before drift (5) before failed reads (1); a run in
/// which no read succeeded never passes.
fn verdict(outcome: &crate::live_check::LiveCheckOutcome) -> Outcome {
    let failed = outcome.failed_calls().count();
    if outcome.refused() {
        return Err(Failure::Exit(
            3,
            format!("{failed} read(s) refused: check the API key or user, and its role (nothing was checked for those operations)"),
        ));
    }
    if !outcome.report.violations.is_empty() {
        return Err(Failure::Exit(
            5,
            "the server departs from the spec (see the report)".into(),
        ));
    }
    if !outcome.any_succeeded() {
        return Err(Failure::Exit(
            1,
            "no read succeeded: nothing was checked".into(),
        ));
    }
    if failed > 0 {
        return Err(Failure::Exit(
            1,
            format!("{failed} read(s) failed (see the report): those operations were not checked"),
        ));
    }
    Ok(())
}

/// One line: the console's build, the versions it speaks, and the versions its answers fit.
fn describe_versions(found: &VersionFindings) -> String {
    let list = |versions: &[crate::ApiVersion]| {
        versions
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let console = match (&found.server_version, found.console_api_version) {
        (Some(build), Some(version)) => format!(
            "console {build} (release {}) speaks API 3.5.1 to {version}",
            version.console_release()
        ),
        (Some(build), None) => {
            format!("console {build} is older than 8.1 or unreadable: not supported")
        }
        (None, _) => "GET /about did not answer: the console's build is unknown".to_owned(),
    };
    let declared = found
        .declared
        .map_or_else(|| "a version of its own".to_owned(), |v| v.to_string());
    let fits = if found.consistent_with.is_empty() {
        "no version fits all the answers".to_owned()
    } else {
        format!(
            "the answers are consistent with API {}",
            list(&found.consistent_with)
        )
    };
    format!("versions: {console}; the client declared {declared}; {fits}")
}
