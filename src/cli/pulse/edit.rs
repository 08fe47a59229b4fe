//! `pulse licenses edit`: the usual changes to a Pulse license as one JSON Patch.

use uuid::Uuid;

use super::super::args::Global;
use super::super::output::print_object;
use super::super::{Failure, Outcome};
use super::parse_workload;
use crate::{Patch, Pulse};

/// What `pulse licenses edit` was asked to change.
pub(crate) struct Edit {
    pub(crate) uid: Uuid,
    pub(crate) workloads: Vec<String>,
    pub(crate) expires: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) description: Option<String>,
    pub(crate) no_description: bool,
    pub(crate) automatic_extension: Option<String>,
    pub(crate) dry_run: bool,
}

pub(crate) async fn edit(global: &Global, pulse: Pulse<'_>, edit: Edit) -> Outcome {
    let mut counts = Vec::with_capacity(edit.workloads.len());
    for workload in &edit.workloads {
        counts.push(parse_workload(workload)?);
    }
    let mut patch = Patch::new();
    if !counts.is_empty() {
        // Where a workload sits in the license decides its pointer, so the license is read
        // first, even for a dry run.
        let license = pulse.license(edit.uid).await?;
        patch = patch.then(Patch::pulse_workload_counts(&license, counts)?);
    }
    if let Some(expires) = edit.expires {
        patch = patch.then(Patch::pulse_expiration(expires));
    }
    if edit.no_description {
        patch = patch.then(Patch::pulse_description(None));
    } else if let Some(description) = edit.description.as_deref() {
        patch = patch.then(Patch::pulse_description(Some(description)));
    }
    if let Some(switch) = edit.automatic_extension.as_deref() {
        patch = patch.then(Patch::pulse_automatic_extension(switch == "on"));
    }
    if patch.operations().is_empty() {
        return Err(Failure::Exit(
            2,
            "nothing to change: give --workload, --expires, --description, --no-description \
             or --automatic-extension"
                .into(),
        ));
    }
    if edit.dry_run {
        eprintln!("would send: PATCH /pulse/licenses/{}", edit.uid);
        return print_object(global.output, &patch.operations());
    }
    print_object(global.output, &pulse.change(edit.uid, patch).await?)
}
