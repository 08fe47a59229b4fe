//! Veeam's own API documents (3.5.1, 3.6, 3.6.1, 3.6.2, 3.7), fetched by `scripts/veeam-docs.sh`
//! (pinned, checksummed, cached under `target/veeam-docs/`) and cut down to the licensing
//! subset: the licensing operations, the VCSP Pulse operations (`/pulse`), `POST /token`,
//! `/asyncActions`, `GET /about` and everything they reference.
//!
//! Each document is read once per test binary. 3.5.1 and 3.6 are YAML whose response codes are
//! bare numbers (read as strings here); 3.6.1 is JSON despite its `.yaml` name; 3.7 is Swagger
//! 2.0 and goes through [`swagger2`](super::swagger2), a converter of the parts the subset uses,
//! so every consumer sees one OpenAPI 3 shape.
//!
//! Nothing read here is ever written to the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// An API version Veeam publishes a document for, with its file in `target/veeam-docs/`.
pub const VERSIONS: [(&str, &str); 5] = [
    ("3.5.1", "vspc_rest_3_5_1.yaml"),
    ("3.6", "vspc_rest_3_6.yaml"),
    ("3.6.1", "vspc_rest_3_6_1.yaml"),
    ("3.6.2", "vspc_rest_3_6_2.json"),
    ("3.7", "vspc_rest_3_7.json"),
];

/// One of Veeam's documents, reduced to the subset this crate covers, in OpenAPI 3 shape.
pub struct VeeamDocument {
    /// `3.5.1`, `3.6`, ...
    pub version: &'static str,
    /// `paths` holds only the subset's operations; `components` only what they reference.
    pub doc: Value,
}

/// Whether a path of Veeam's document belongs to the subset.
pub fn in_subset(path: &str) -> bool {
    path == "/token"
        || path == "/about"
        || path.starts_with("/licensing/")
        || path == "/asyncActions"
        || path.starts_with("/asyncActions/")
        || path == "/pulse"
        || path.starts_with("/pulse/")
}

/// The folder the script fills; runs the script once per test binary.
pub fn documents_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let output = Command::new("bash")
            .arg(root.join("scripts/veeam-docs.sh"))
            .output()
            .expect("run scripts/veeam-docs.sh");
        assert!(
            output.status.success(),
            "scripts/veeam-docs.sh failed (it needs curl or python3 with pip, and network access the first \
             time):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    })
}

/// Every document, each parsed once per test binary (in parallel: they are 6-8 MB each).
pub fn documents() -> &'static [VeeamDocument] {
    static DOCS: OnceLock<Vec<VeeamDocument>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let dir = documents_dir();
        std::thread::scope(|scope| {
            let handles: Vec<_> = VERSIONS
                .iter()
                .map(|&(version, file)| {
                    let path = dir.join(file);
                    scope.spawn(move || VeeamDocument {
                        version,
                        doc: subset(&read(&path)),
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a document parses"))
                .collect()
        })
    })
}

/// The document of one version.
pub fn document(version: &str) -> &'static VeeamDocument {
    documents()
        .iter()
        .find(|d| d.version == version)
        .unwrap_or_else(|| panic!("no Veeam document for {version}"))
}

/// Reads a document as JSON when it is JSON text, else as YAML with every mapping key a string.
fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
    } else {
        let yaml: yaml_serde::Value = yaml_serde::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
        yaml_to_json(yaml)
    };
    if doc.get("swagger").is_some() {
        super::swagger2::to_openapi3(&doc)
    } else {
        doc
    }
}

/// YAML to JSON with numeric (and boolean) mapping keys read as their text: `200:` is `"200"`.
fn yaml_to_json(value: yaml_serde::Value) -> Value {
    use yaml_serde::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => yaml_serde::to_string(&other).unwrap_or_default(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

/// The subset: the chosen paths, and the components reachable from them through `$ref`.
fn subset(doc: &Value) -> Value {
    let paths: Map<String, Value> = doc["paths"]
        .as_object()
        .expect("a document has paths")
        .iter()
        .filter(|(path, _)| in_subset(path))
        .map(|(path, item)| (path.clone(), item.clone()))
        .collect();
    let mut wanted = BTreeSet::new();
    let mut queue = Vec::new();
    collect_refs(&Value::Object(paths.clone()), &mut queue);
    while let Some(reference) = queue.pop() {
        if wanted.insert(reference.clone()) {
            if let Some(target) = doc.pointer(reference.trim_start_matches('#')) {
                collect_refs(target, &mut queue);
            }
        }
    }
    let mut components: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for reference in &wanted {
        let pointer = reference.trim_start_matches('#');
        let mut parts = pointer.trim_start_matches("/components/").splitn(2, '/');
        let (Some(kind), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        if let Some(target) = doc.pointer(pointer) {
            components
                .entry(kind.to_owned())
                .or_default()
                .insert(name.to_owned(), target.clone());
        }
    }
    let mut out = Map::new();
    out.insert("openapi".into(), doc["openapi"].clone());
    out.insert("info".into(), doc["info"].clone());
    out.insert("paths".into(), Value::Object(paths));
    out.insert(
        "components".into(),
        Value::Object(
            components
                .into_iter()
                .map(|(k, v)| (k, Value::Object(v)))
                .collect(),
        ),
    );
    Value::Object(out)
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    // Examples are data, never references.
                    ("example" | "examples", _) => {}
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
