//! The structural facts of an OpenAPI 3 document that the comparison with Veeam's documents
//! looks at, one string per fact, so that two documents compare as two sorted maps:
//!
//! * per operation (keyed `METHOD /path`): its `operationId`;
//! * per parameter (`in` and name): `required`, how it travels (`content` media type or
//!   plain), and its schema's type, format, enum, default and bounds;
//! * the request body: required, media types, and the schema under each;
//! * per response code: media types, headers (and their schema), and the schema under each
//!   media type;
//! * per schema node, walked through `$ref` and `allOf` down every property, array item and
//!   map value: type, format, nullable, enum and the required properties.
//!
//! A node that only one document has is one fact (`node`); what lies under it is not listed
//! again, so a missing property reads as one difference, not one per attribute.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// Where a fact sits: the operation, then the place in it, then the schema path.
pub type Node = Vec<String>;

/// Every fact of a document: node -> attribute -> value. The attribute `node` marks that the
/// node exists.
#[derive(Default)]
pub struct Facts {
    pub map: BTreeMap<Node, BTreeMap<&'static str, String>>,
}

/// One difference between two documents, written as one line that a deviation's pattern
/// matches.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference(pub String);

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];
const BOUNDS: [&str; 6] = [
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
];

impl Facts {
    /// The facts of `doc` for the operations whose path `include` accepts.
    pub fn of(doc: &Value, include: impl Fn(&str) -> bool) -> Facts {
        let mut facts = Facts::default();
        let walker = Walker { doc };
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            if !include(path) {
                continue;
            }
            let shared: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let node = vec![format!("{} {path}", method.to_uppercase())];
                facts.put(&node, "node", "operation");
                facts.put(
                    &node,
                    "operationId",
                    op["operationId"].as_str().unwrap_or(""),
                );
                let own: Vec<Value> = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for param in shared.iter().chain(&own) {
                    walker.parameter(&mut facts, &node, param);
                }
                if let Some(body) = op.get("requestBody") {
                    let body = walker.resolve(body);
                    let mut at = node.clone();
                    at.push("request body".into());
                    facts.put(&at, "node", "body");
                    facts.put(&at, "required", bool_text(&body["required"]));
                    walker.content(&mut facts, &at, &body["content"]);
                }
                for (code, response) in op["responses"].as_object().into_iter().flatten() {
                    let response = walker.resolve(response);
                    let mut at = node.clone();
                    at.push(format!("response {code}"));
                    facts.put(&at, "node", "response");
                    for (name, header) in response
                        .get("headers")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        let mut h = at.clone();
                        h.push(format!("header {name}"));
                        facts.put(&h, "node", "header");
                        walker.schema(&mut facts, &h, &header["schema"], &[], true);
                    }
                    walker.content(&mut facts, &at, &response["content"]);
                }
            }
        }
        facts
    }

    fn put(&mut self, node: &Node, attr: &'static str, value: impl Into<String>) {
        self.map
            .entry(node.clone())
            .or_default()
            .insert(attr, value.into());
    }

    /// How many facts (attributes of nodes) there are.
    pub fn len(&self) -> usize {
        self.map.values().map(BTreeMap::len).sum()
    }
}

/// Every difference between `ours` and `theirs`: nodes only one side has (their subtrees not
/// repeated), and attributes whose values differ. Also returns how many facts agreed.
pub fn compare(ours: &Facts, theirs: &Facts) -> (Vec<Difference>, usize) {
    let mut differences = Vec::new();
    let mut agreed = 0;
    let mut one_sided: BTreeSet<&Node> = BTreeSet::new();
    let nodes: BTreeSet<&Node> = ours.map.keys().chain(theirs.map.keys()).collect();
    for node in nodes {
        if (1..node.len()).any(|n| one_sided.contains(&node[..n].to_vec())) {
            continue;
        }
        let place = place(node);
        match (ours.map.get(node), theirs.map.get(node)) {
            (Some(_), None) => {
                one_sided.insert(node);
                differences.push(Difference(format!("{place} : only in ours")));
            }
            (None, Some(_)) => {
                one_sided.insert(node);
                differences.push(Difference(format!("{place} : only in Veeam's")));
            }
            (Some(a), Some(b)) => {
                let attrs: BTreeSet<&&str> = a.keys().chain(b.keys()).collect();
                for attr in attrs {
                    match (a.get(*attr), b.get(*attr)) {
                        (Some(x), Some(y)) if x == y => agreed += 1,
                        (x, y) => differences.push(Difference(format!(
                            "{place} : {attr} (ours {}, Veeam's {})",
                            x.map_or("absent", String::as_str),
                            y.map_or("absent", String::as_str)
                        ))),
                    }
                }
            }
            (None, None) => unreachable!("the node came from one of the maps"),
        }
    }
    (differences, agreed)
}

struct Walker<'a> {
    doc: &'a Value,
}

impl Walker<'_> {
    fn resolve<'v>(&'v self, value: &'v Value) -> &'v Value {
        let mut value = value;
        for _ in 0..8 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.doc.pointer(r.trim_start_matches('#')) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }

    fn parameter(&self, facts: &mut Facts, op: &Node, param: &Value) {
        let param = self.resolve(param);
        let mut at = op.clone();
        at.push(format!(
            "parameter {} {}",
            param["in"].as_str().unwrap_or("?"),
            param["name"].as_str().unwrap_or("?")
        ));
        facts.put(&at, "node", "parameter");
        facts.put(&at, "required", bool_text(&param["required"]));
        if let Some(content) = param.get("content").and_then(Value::as_object) {
            let media: Vec<&String> = content.keys().collect();
            facts.put(&at, "travels as", format!("content {media:?}"));
            for (media, body) in content {
                let mut m = at.clone();
                m.push(media.clone());
                self.schema(facts, &m, &body["schema"], &[], true);
            }
        } else {
            facts.put(&at, "travels as", "plain value");
            let mut m = at.clone();
            m.push("plain".into());
            self.schema(facts, &m, &param["schema"], &[], true);
        }
    }

    fn content(&self, facts: &mut Facts, at: &Node, content: &Value) {
        let Some(content) = content.as_object() else {
            facts.put(at, "media types", "none");
            return;
        };
        let media: Vec<&String> = content.keys().collect();
        facts.put(at, "media types", format!("{media:?}"));
        for (media, body) in content {
            let mut m = at.clone();
            m.push(media.clone());
            facts.put(&m, "node", "media type");
            self.schema(facts, &m, &body["schema"], &[], false);
        }
    }

    /// `$ref`s resolved and `allOf` members merged into one object.
    fn merged(&self, schema: &Value, depth: usize) -> Map<String, Value> {
        let schema = self.resolve(schema);
        let mut out = schema.as_object().cloned().unwrap_or_default();
        let members = out.remove("allOf");
        for member in members
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if depth > 16 {
                break;
            }
            for (key, value) in self.merged(member, depth + 1) {
                match key.as_str() {
                    "properties" => {
                        let props = out
                            .entry("properties")
                            .or_insert_with(|| Value::Object(Map::new()));
                        if let (Some(props), Some(more)) =
                            (props.as_object_mut(), value.as_object())
                        {
                            for (k, v) in more {
                                props.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                        }
                    }
                    "required" => {
                        let required = out
                            .entry("required")
                            .or_insert_with(|| Value::Array(Vec::new()));
                        if let (Some(required), Some(more)) =
                            (required.as_array_mut(), value.as_array())
                        {
                            required.extend(more.iter().cloned());
                        }
                    }
                    // A member's own nullability says nothing about the place using it.
                    "nullable" | "description" | "example" => {}
                    _ => {
                        out.entry(key).or_insert(value);
                    }
                }
            }
        }
        if !out.contains_key("type") && out.contains_key("properties") {
            out.insert("type".into(), Value::String("object".into()));
        }
        out
    }

    fn schema(&self, facts: &mut Facts, at: &Node, schema: &Value, refs: &[&str], bounds: bool) {
        if schema.is_null() {
            return;
        }
        // A recursive schema (a filter holds filters) is walked once: the place where it
        // recurs is one fact naming the schema it repeats.
        let reference = schema.get("$ref").and_then(Value::as_str);
        if let Some(r) = reference.filter(|r| refs.contains(r)) {
            facts.put(at, "node", "schema");
            facts.put(at, "repeats", r.rsplit('/').next().unwrap_or(r));
            return;
        }
        let mut refs = refs.to_vec();
        refs.extend(reference);
        let refs = refs.as_slice();
        let s = self.merged(schema, 0);
        let text = |key: &str| s.get(key).map(scalar_text);
        facts.put(at, "node", "schema");
        facts.put(at, "type", text("type").unwrap_or_else(|| "any".into()));
        if let Some(format) = text("format") {
            facts.put(at, "format", format);
        }
        facts.put(
            at,
            "nullable",
            bool_text(s.get("nullable").unwrap_or(&Value::Null)),
        );
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let mut values: Vec<String> = values.iter().map(scalar_text).collect();
            values.sort();
            facts.put(at, "enum", values.join(", "));
        }
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            let mut names: Vec<String> = required.iter().map(scalar_text).collect();
            names.sort();
            names.dedup();
            facts.put(at, "required", names.join(", "));
        }
        if bounds {
            for key in BOUNDS {
                if let Some(v) = s.get(key) {
                    facts.put(at, key, scalar_text(v));
                }
            }
        }
        for (name, property) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut p = at.clone();
            p.push(format!(".{name}"));
            self.schema(facts, &p, property, refs, false);
        }
        if let Some(items) = s.get("items") {
            let mut p = at.clone();
            p.push("[]".into());
            self.schema(facts, &p, items, refs, false);
        }
        if let Some(values) = s.get("additionalProperties").filter(|v| v.is_object()) {
            let mut p = at.clone();
            p.push("{}".into());
            self.schema(facts, &p, values, refs, false);
        }
    }
}

fn bool_text(value: &Value) -> &'static str {
    if value == &Value::Bool(true) {
        "true"
    } else {
        "false"
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GET /x > response 200 > application/json > body.data[].name`: the schema steps of a node
/// run together after `body`.
pub fn place(node: &Node) -> String {
    let mut out = String::new();
    let mut in_schema = false;
    for segment in node {
        let schema_step = segment.starts_with('.') || segment == "[]" || segment == "{}";
        if schema_step {
            if !in_schema {
                out.push_str(" > body");
                in_schema = true;
            }
            out.push_str(segment);
        } else {
            if !out.is_empty() {
                out.push_str(" > ");
            }
            out.push_str(segment);
        }
    }
    out
}
