//! The build script: derives the typed client and the tables hand-written code reads from
//! `spec/vspc-licensing.yaml` (and, with the `legacy` feature, the v2 client from
//! `spec/vac-v2-licensing.yaml`).
//!
//! The spec stays faithful to the vendor's wire format. progenitor 0.15 cannot take some of what
//! the vendor writes, so [`adapt`] changes an in-memory copy first, one named function per
//! adaptation; [`postprocess`] then changes progenitor's output where the spec cannot say it.
//! Files written to `OUT_DIR`, each included by one module of `src/model/`:
//!
//! * `vspc_client.rs`: the client and its types ([`generate`]; `src/model/generated.rs`, and
//!   `src/lib.rs` for the surface snapshot);
//! * `vspc_enums.rs`: one `forward_compatible_enum!` invocation per named string enum
//!   ([`enums`]; `src/model/enums.rs`);
//! * `vspc_envelopes.rs`: one `envelope!` invocation per response envelope ([`envelopes`];
//!   `src/model/envelope.rs`);
//! * `vspc_versions.rs`: where the API versions differ on the wire ([`version_notes`];
//!   `src/model/compat.rs`);
//! * `vspc_spec_facts.rs`: every operation with its method and path, the base path, the paging
//!   bounds ([`spec_facts`]; `src/model/spec_facts.rs`);
//! * `vspc_schema_list.rs`: every schema with its Rust type ([`schema_list`]; `src/lib.rs`);
//! * `vac_v2_client.rs`: the legacy v2 client (`src/legacy.rs`).
//!
//! No network access, no tools beyond the crate's build-dependencies: the crate builds offline
//! from a `cargo vendor` tree.

mod adapt;
mod enums;
mod envelopes;
mod generate;
mod openapi;
mod postprocess;
mod schema_list;
mod spec_document;
mod spec_facts;
mod version_notes;

use std::path::{Path, PathBuf};

use version_notes::VersionNotes;

fn main() {
    for input in spec_document::INPUTS {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-changed=build");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let spec = spec_document::vspc_spec();
    write(
        &out_dir.join("vspc_spec_facts.rs"),
        &spec_facts::spec_facts(&spec),
    );
    let mut doc = spec.clone();
    adapt::normalise(&mut doc);
    let enums = enums::string_enums(&doc);
    let envelopes = envelopes::hoist_response_envelopes(&mut doc);

    let versions = VersionNotes::read(&doc);
    write(
        &out_dir.join("vspc_enums.rs"),
        &enums::enum_invocations(&enums, &versions.also_read),
    );
    write(&out_dir.join("vspc_versions.rs"), &versions.tables());
    write(
        &out_dir.join("vspc_envelopes.rs"),
        &envelopes::envelope_invocations(&envelopes),
    );
    write(
        &out_dir.join("vspc_schema_list.rs"),
        &schema_list::schema_list(&doc, &enums),
    );
    let replacements: Vec<(String, String)> = enums
        .keys()
        // The public path (the root re-exports `enums`), as callers and the surface snapshot see it.
        .map(|name| (name.clone(), format!("crate::enums::{name}")))
        .collect();
    let client = postprocess::accept_older_wire_names(
        generate::generate(&doc, &replacements, &versions.numbers_as_text, true),
        &versions.wire_names,
    );
    spec_facts::check_generated_names(&spec_facts::declared_operations(&spec), &client);
    write(&out_dir.join("vspc_client.rs"), &client);

    // The legacy v2 client is compiled only with the `legacy` feature.
    if std::env::var_os("CARGO_FEATURE_LEGACY").is_some() {
        if let Some(legacy) = spec_document::legacy_spec() {
            write(
            &out_dir.join("vac_v2_client.rs"),
                &generate::generate(&legacy, &[], &[], false),
            );
        }
    }
}

/// Writes a generated file, and only when its text changes, so that dependent compilation
/// stays cached.
fn write(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}
