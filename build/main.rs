//! The build script: derives the typed client and the tables hand-written code reads from
//! `spec/vspc-licensing.yaml` (and, with the `legacy` feature, the v2 client from
//! `spec/vac-v2-licensing.yaml`).
//!
//! The spec stays faithful to the vendor's wire format. progenitor 0.15 cannot take some of what
//! the vendor writes, so [`adapt`] changes an in-memory copy first, one named function per
//! adaptation; [`postprocess`] then changes progenitor's output where the spec cannot say it,
//! and [`redact`] keeps the secrets the spec marks out of the generated `Debug`.
//! The files it writes to `OUT_DIR` (the module that writes each; the source that includes it):
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
//! * `vac_v2_client.rs`: the legacy v2 client (`src/legacy.rs`);
//! * `vspc_effective_spec.yaml` and `vspc_overlays.rs`: the spec with the overlays of
//!   `VSPC_LICENSING_OVERLAYS` applied, and which they were ([`overlays`];
//!   `src/contract/mod.rs`, `src/model/spec_overlays.rs`).
//!
//! No network access, no tools beyond the crate's build-dependencies: the crate builds offline
//! from a `cargo vendor` tree.

mod adapt;
mod defaults;
mod emit;
mod enums;
mod envelopes;
mod generate;
mod openapi;
mod overlays;
mod postprocess;
mod redact;
mod schema_list;
mod spec_document;
mod spec_facts;
mod version_notes;

use std::path::PathBuf;

use emit::rust_file;
use generate::{Api, TypeReplacement};
use version_notes::VersionNotes;

fn main() {
    for input in spec_document::INPUTS {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-changed=build");
    let out = OutDir(PathBuf::from(
        std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"),
    ));

    // The overlays of VSPC_LICENSING_OVERLAYS first: everything below sees the effective spec.
    let spec = overlays::effective_spec(spec_document::vspc_spec(), &out);
    let operations = spec_facts::declared_operations(&spec);
    out.write(
        "vspc_spec_facts.rs",
        &rust_file(
            "build/spec_facts.rs, from the spec's paths, servers and parameters",
            spec_facts::spec_facts(&spec),
        ),
    );

    let mut doc = spec.clone();
    adapt::normalise(&mut doc);
    let enums = enums::string_enums(&doc);
    let envelopes = envelopes::hoist_response_envelopes(&mut doc);
    let versions = VersionNotes::read(&doc);
    out.write(
        "vspc_enums.rs",
        &rust_file(
            "build/enums.rs, from the spec's named string enums",
            enums::enum_invocations(&enums, &versions.also_read),
        ),
    );
    out.write(
        "vspc_versions.rs",
        &rust_file(
            "build/version_notes.rs, from the spec's x-vspc-versions notes",
            versions.tables(),
        ),
    );
    out.write(
        "vspc_envelopes.rs",
        &rust_file(
            "build/envelopes.rs, from the spec's response envelopes",
            envelopes::envelope_invocations(&envelopes),
        ),
    );
    out.write(
        "vspc_schema_list.rs",
        &rust_file(
            "build/schema_list.rs, from the spec's schemas",
            schema_list::schema_list(&doc, &enums),
        ),
    );

    let replacements: Vec<TypeReplacement> = enums
        .keys()
        .map(|name| TypeReplacement {
            schema: name.clone(),
            // The public path (the root re-exports `enums`), as callers and the surface
            // snapshot see it.
            rust_path: format!("crate::enums::{name}"),
        })
        .collect();
    let mut client = generate::client(&doc, &replacements, Api::Main);
    postprocess::apply(&mut client, &versions);
    redact::secrets_redacted_in_debug(&mut client, &redact::secret_properties(&doc));
    let client = generate::print(&client);
    spec_facts::check_generated_names(&operations, &client);
    out.write("vspc_client.rs", &client);

    // The legacy v2 client is compiled only with the `legacy` feature.
    if std::env::var_os("CARGO_FEATURE_LEGACY").is_some() {
        if let Some(legacy) = spec_document::legacy_spec() {
            let client = generate::client(&legacy, &[], Api::Legacy);
            out.write("vac_v2_client.rs", &generate::print(&client));
        }
    }
}

/// Cargo's `OUT_DIR`, where the generated files go.
struct OutDir(PathBuf);

impl OutDir {
    /// Writes a generated file, and only when its text changes, so that dependent compilation
    /// stays cached.
    fn write(&self, name: &str, text: &str) {
        let path = self.0.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        }
    }
}
