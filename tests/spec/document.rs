//! The spec is an OpenAPI 3.0 document that `openapiv3` reads, and every `$ref` in it resolves.

use crate::support;

use support::examples::{collect_refs, unresolved_refs};
use vspc_licensing::contract::{Spec, SpecError};

#[test]
fn the_spec_parses_as_openapi_3_0() {
    let spec = support::spec();
    assert!(
        spec.openapi().openapi.starts_with("3.0."),
        "version {}",
        spec.openapi().openapi
    );
    // openapiv3 sees the same operations the oracle lists.
    let typed = spec.openapi().operations().count();
    assert_eq!(typed, spec.operations().len());
    let servers: Vec<&str> = spec
        .openapi()
        .servers
        .iter()
        .map(|s| s.url.as_str())
        .collect();
    assert!(
        servers.iter().all(|url| url.ends_with("/api/v3")),
        "servers {servers:?}"
    );
}

#[test]
fn every_ref_in_the_document_resolves() {
    let raw = support::spec().raw();
    let mut refs = Vec::new();
    collect_refs(raw, "", &mut refs);
    // The walk really visits the whole document: refs under paths, parameters, responses,
    // request bodies and nested schema properties are all seen.
    for needle in [
        "/paths/",
        "/components/responses/",
        "/components/requestBodies/",
        "/properties/",
    ] {
        assert!(
            refs.iter().any(|(at, _)| at.contains(needle)),
            "no $ref found under {needle}"
        );
    }
    assert!(refs.len() > 150, "only {} $refs found", refs.len());
    assert_eq!(unresolved_refs(raw), Vec::<String>::new());
}

#[test]
fn a_dangling_ref_is_found() {
    let broken = support::spec_text().replacen(
        "$ref: '#/components/schemas/LicenseSectionType'",
        "$ref: '#/components/schemas/LicenseSectionKind'",
        1,
    );
    assert_ne!(
        broken,
        support::spec_text(),
        "the replaced text must exist in the spec"
    );
    let raw: serde_json::Value = yaml_serde::from_str(&broken).unwrap();
    let dangling = unresolved_refs(&raw);
    assert_eq!(dangling.len(), 1, "{dangling:?}");
    assert!(
        dangling[0].ends_with("-> #/components/schemas/LicenseSectionKind"),
        "{dangling:?}"
    );
}

#[test]
fn a_document_that_is_not_openapi_is_refused_with_a_typed_error() {
    assert!(matches!(
        Spec::from_yaml("paths: ["),
        Err(SpecError::Yaml(_))
    ));
    assert!(matches!(
        Spec::from_yaml("openapi: 3.0.3\npaths: {}\n"),
        Err(SpecError::OpenApi(_))
    ));
    let missing = Spec::load("/nonexistent/vspc.yaml").unwrap_err();
    assert!(matches!(missing, SpecError::Io { .. }), "{missing}");
}

#[test]
fn the_file_in_the_repository_is_the_one_embedded() {
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/vspc-licensing.yaml"
    ))
    .unwrap();
    assert_eq!(on_disk, support::spec_text());
    let loaded = Spec::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/vspc-licensing.yaml"
    ))
    .unwrap();
    assert_eq!(loaded.raw(), support::spec().raw());
}
