//! `VSPC_LICENSING_OVERLAYS`: OpenAPI Overlays applied to the spec before anything is derived
//! from it.
//!
//! The variable lists overlay files, separated like `PATH` (`:` on Unix, `;` on Windows);
//! relative paths are relative to this crate's directory (in another project, give absolute
//! paths, or set the variable in `.cargo/config.toml` with `relative = true`). They are applied
//! in order with the code `vspc-licensing spec check-overlay` runs (`src/overlay/apply.rs`), so
//! a bad overlay fails the build with the file and the action that broke it.
//!
//! Besides the spec itself, the build writes what it was built with: `vspc_effective_spec.yaml`
//! (the shipped text when there is no overlay; the patched document as JSON otherwise), which
//! the contract module reads at run time, and `vspc_overlays.rs`, each overlay's file name and
//! SHA-256 for `vspc_licensing::spec_overlays()`.

#[path = "../src/overlay/apply.rs"]
#[allow(dead_code)]
mod apply;

use std::path::PathBuf;

use quote::quote;
use serde_json::Value;
use sha2::{Digest, Sha256};

const VARIABLE: &str = "VSPC_LICENSING_OVERLAYS";

/// One overlay the build applied.
struct AppliedFile {
    name: String,
    sha256: String,
}

/// Applies the overlays the environment names to `spec` (the shipped spec), writes the
/// effective spec and the list of overlays into `out_dir`, and returns the effective spec. A
/// bad overlay ends the build with a message naming the file and the action.
pub fn effective_spec(spec: Value, out: &crate::OutDir) -> Value {
    println!("cargo:rerun-if-env-changed={VARIABLE}");
    let files = overlay_files();
    let mut spec = spec;
    let mut applied = Vec::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let shown = file.display().to_string();
        let bytes = std::fs::read(file).unwrap_or_else(|e| {
            fail(&format!(
                "overlay {shown} (from {VARIABLE}): cannot read it: {e} (relative paths are \
                 relative to {}; give an absolute path)",
                std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()
            ))
        });
        let text = String::from_utf8(bytes.clone())
            .unwrap_or_else(|_| fail(&format!("overlay {shown}: not UTF-8 text")));
        if let Err(error) = apply::apply_overlay(&mut spec, &shown, &text) {
            fail(&error.to_string());
        }
        applied.push(AppliedFile {
            name: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(shown),
            sha256: hex(&Sha256::digest(&bytes)),
        });
    }
    let effective_text = if applied.is_empty() {
        let spec_file = crate::spec_document::SPEC;
        std::fs::read_to_string(spec_file)
            .unwrap_or_else(|e| fail(&format!("cannot read {spec_file}: {e}")))
    } else {
        serde_json::to_string_pretty(&spec).expect("a JSON value serialises")
    };
    out.write("vspc_effective_spec.yaml", &effective_text);
    out.write("vspc_overlays.rs", &overlay_list(&applied));
    spec
}

/// The files `VSPC_LICENSING_OVERLAYS` lists, relative ones resolved against this crate.
fn overlay_files() -> Vec<PathBuf> {
    let Some(list) = std::env::var_os(VARIABLE) else {
        return Vec::new();
    };
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    std::env::split_paths(&list)
        .filter(|path| !path.as_os_str().is_empty())
        .map(|path| {
            if path.is_relative() {
                crate_dir.join(path)
            } else {
                path
            }
        })
        .collect()
}

fn overlay_list(applied: &[AppliedFile]) -> String {
    let entries = applied.iter().map(|file| {
        let (name, sha256) = (&file.name, &file.sha256);
        quote! { SpecOverlay { file: #name, sha256: #sha256 } }
    });
    crate::emit::rust_file(
        "build/overlays.rs, from VSPC_LICENSING_OVERLAYS",
        quote! {
            /// The overlays applied to the spec at build time, in order.
            const SPEC_OVERLAYS: &[SpecOverlay] = &[#(#entries),*];
        },
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Ends the build with `message` (cargo shows the build script's stderr).
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    eprintln!(
        "hint: {VARIABLE} lists OpenAPI Overlay files applied to spec/vspc-licensing.yaml; \
         check one with `vspc-licensing spec check-overlay FILE`"
    );
    std::process::exit(1)
}
