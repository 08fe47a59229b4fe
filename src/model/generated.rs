// generated, do not edit: everything below comes from the build script (build/generate.rs: progenitor, from the spec).
// Hand-written code lives in the sibling modules and wraps what is here.
#![allow(missing_docs, clippy::all, unused_imports, dead_code)]

include!(concat!(env!("OUT_DIR"), "/vspc_client.rs"));
