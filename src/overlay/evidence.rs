//! What a console sent that the spec does not say, gathered as facts about the spec's schemas,
//! and written as an OpenAPI Overlay that makes the spec say it.
//!
//! Every answer is walked beside the schema that describes it. Each departure the generated
//! client would lose or refuse becomes one fact, keyed by the schema node to change (a component
//! schema where the answer's shape is a `$ref`, so one action fixes every use of it):
//!
//! - a property the schema does not declare: added, with a type inferred from every value seen;
//! - a string outside the schema's `enum`: appended to it;
//! - a `null` where the property is not `nullable`: made nullable;
//! - a required property that was absent: made optional.
//!
//! Nothing of the answers' values reaches the overlay but the enum values themselves (they are
//! the API's vocabulary, not data): property names, types, formats, counts and JSON pointers.
//! The order of the actions is the order of their targets, so the same answers give the same
//! bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

/// What the values seen for one undocumented property were.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ValueKinds {
    integer: bool,
    fraction: bool,
    string: bool,
    boolean: bool,
    object: bool,
    array: bool,
    null: bool,
    /// Every string seen is an RFC 3339 date-time.
    all_date_time: bool,
    /// Every string seen is a UUID.
    all_uuid: bool,
}

impl ValueKinds {
    fn new() -> Self {
        ValueKinds {
            all_date_time: true,
            all_uuid: true,
            ..ValueKinds::default()
        }
    }

    fn observe(&mut self, value: &Value) {
        match value {
            Value::Null => self.null = true,
            Value::Bool(_) => self.boolean = true,
            Value::Number(n) if n.is_i64() || n.is_u64() => self.integer = true,
            Value::Number(_) => self.fraction = true,
            Value::String(text) => {
                self.string = true;
                self.all_date_time &= chrono::DateTime::parse_from_rfc3339(text).is_ok();
                self.all_uuid &= uuid::Uuid::parse_str(text).is_ok() && text.len() == 36;
            }
            Value::Array(_) => self.array = true,
            Value::Object(_) => self.object = true,
        }
    }

    /// The narrowest OpenAPI 3.0 schema every value seen fits.
    fn schema(&self) -> Value {
        let mut schema = Map::new();
        let kinds = [
            self.integer || self.fraction,
            self.string,
            self.boolean,
            self.object,
            self.array,
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds == 1 {
            if self.fraction {
                schema.insert("type".into(), json!("number"));
                schema.insert("format".into(), json!("double"));
            } else if self.integer {
                schema.insert("type".into(), json!("integer"));
                schema.insert("format".into(), json!("int64"));
            } else if self.string {
                schema.insert("type".into(), json!("string"));
                if self.all_uuid {
                    schema.insert("format".into(), json!("uuid"));
                } else if self.all_date_time {
                    schema.insert("format".into(), json!("date-time"));
                }
            } else if self.boolean {
                schema.insert("type".into(), json!("boolean"));
            } else if self.object {
                schema.insert("type".into(), json!("object"));
            } else {
                schema.insert("type".into(), json!("array"));
                schema.insert("items".into(), json!({}));
            }
        }
        // Values of several kinds: no `type`, so any value decodes (as a JSON value).
        if self.null {
            schema.insert("nullable".into(), json!(true));
        }
        Value::Object(schema)
    }

    fn describe(&self) -> String {
        let mut kinds = Vec::new();
        for (seen, name) in [
            (self.integer, "integer"),
            (self.fraction, "number"),
            (self.string, "string"),
            (self.boolean, "boolean"),
            (self.object, "object"),
            (self.array, "array"),
            (self.null, "null"),
        ] {
            if seen {
                kinds.push(name);
            }
        }
        kinds.join(", ")
    }
}

/// Which change a fact asks for, and where. Ordered by target, so the overlay is stable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    /// `property` is not declared by the object schema at `target`.
    Undocumented { target: String, property: String },
    /// `value` is not in the `enum` of the schema at `target`.
    UnlistedValue { target: String, value: String },
    /// A `null` was sent for the property `property` of the object schema at `target`, whose
    /// schema is not nullable. `reference` is that property's `$ref`, when it is one.
    Null {
        target: String,
        property: String,
        reference: Option<String>,
    },
    /// The object schema at `target` requires `property`, which was absent.
    Missing { target: String, property: String },
}

/// Where and how often a fact was seen.
#[derive(Clone, Debug)]
struct Seen {
    operation: String,
    pointer: String,
    answers: usize,
    last_answer: usize,
    kinds: ValueKinds,
}

/// The facts gathered from a run's answers; see the [module documentation](self).
#[derive(Clone, Debug, Default)]
pub struct DriftEvidence {
    facts: BTreeMap<Fact, Seen>,
    /// The `required` list of every object schema a required property was missing from.
    required: BTreeMap<String, Vec<String>>,
    answers: usize,
}

/// Deep enough for every schema of the spec; stops runaway recursion on cyclic schemas.
const MAX_DEPTH: usize = 64;

impl DriftEvidence {
    /// No facts yet.
    pub fn new() -> Self {
        DriftEvidence::default()
    }

    /// Whether no answer departed from the spec in a way an overlay can fix.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// How many facts were gathered.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Walks one JSON answer of `operation_id` with `status` beside the schema the spec
    /// declares for it (in `document`, the spec as JSON). Answers without a JSON schema in the
    /// spec are ignored.
    pub fn observe(
        &mut self,
        document: &Value,
        method: &str,
        path: &str,
        operation_id: &str,
        status: u16,
        body: &Value,
    ) {
        let Some((base, schema)) = response_schema(document, method, path, status) else {
            return;
        };
        self.answers += 1;
        let mut walk = Walk {
            document,
            operation: operation_id,
            answer: self.answers,
            facts: &mut self.facts,
            required: &mut self.required,
        };
        walk.value(schema, base, body, &mut String::new(), 0);
    }

    /// The Overlay 1.0.0 document of the facts: one action per fact (two where a `$ref`
    /// property becomes nullable, or a `required` list shrinks: Overlay cannot edit either in
    /// place). `title` names what was checked (the console's build, say).
    pub fn to_overlay(&self, title: &str) -> Value {
        let mut actions = Vec::new();
        let mut missing: BTreeMap<&str, Vec<(&str, &Seen)>> = BTreeMap::new();
        for (fact, seen) in &self.facts {
            let evidence = |what: &str| {
                format!(
                    "{what}; seen in {} answer(s), first {} {}",
                    seen.answers, seen.operation, seen.pointer
                )
            };
            match fact {
                Fact::Undocumented { target, property } => actions.push(json!({
                    "target": target,
                    "description": evidence(&format!(
                        "add the undocumented property `{property}` ({})",
                        seen.kinds.describe()
                    )),
                    "update": {"properties": {property.as_str(): seen.kinds.schema()}},
                })),
                Fact::UnlistedValue { target, value } => actions.push(json!({
                    "target": target,
                    "description": evidence(&format!("list the enum value {value:?}")),
                    "update": {"enum": [value]},
                })),
                Fact::Null {
                    target,
                    property,
                    reference: None,
                } => actions.push(json!({
                    "target": format!("{target}.properties{}", member(property)),
                    "description": evidence(&format!("`{property}` may be null")),
                    "update": {"nullable": true},
                })),
                Fact::Null {
                    target,
                    property,
                    reference: Some(reference),
                } => {
                    // OpenAPI 3.0 ignores siblings of `$ref`: wrap it in a one-member allOf.
                    let description = evidence(&format!("`{property}` may be null"));
                    actions.push(json!({
                        "target": format!("{target}.properties{}", member(property)),
                        "description": description,
                        "remove": true,
                    }));
                    actions.push(json!({
                        "target": format!("{target}.properties"),
                        "description": description,
                        "update": {property.as_str(): {"allOf": [{"$ref": reference}], "nullable": true}},
                    }));
                }
                Fact::Missing { target, property } => missing
                    .entry(target.as_str())
                    .or_default()
                    .push((property.as_str(), seen)),
            }
        }
        for (target, absent) in missing {
            let Some(required) = self.required.get(target) else {
                continue;
            };
            let names: BTreeSet<&str> = absent.iter().map(|(name, _)| *name).collect();
            let kept: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .filter(|r| !names.contains(r))
                .collect();
            let description = absent
                .iter()
                .map(|(name, seen)| {
                    format!(
                        "`{name}` may be absent; seen in {} answer(s), first {} {}",
                        seen.answers, seen.operation, seen.pointer
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            actions.push(json!({
                "target": format!("{target}.required"),
                "description": description,
                "remove": true,
            }));
            if !kept.is_empty() {
                actions.push(json!({
                    "target": target,
                    "description": description,
                    "update": {"required": kept},
                }));
            }
        }
        json!({
            "overlay": "1.0.0",
            "info": {"title": title, "version": "1"},
            "actions": actions,
        })
    }
}

/// The schema the spec declares for a JSON answer, with the JSONPath of where it is written.
fn response_schema<'a>(
    document: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> Option<(String, &'a Value)> {
    let method = method.to_ascii_lowercase();
    let responses = document
        .get("paths")?
        .get(path)?
        .get(&method)?
        .get("responses")?;
    let code = status.to_string();
    let range = format!("{}XX", status / 100);
    let key = [code.as_str(), range.as_str(), "default"]
        .into_iter()
        .find(|key| responses.get(*key).is_some())?;
    let mut base = format!("$.paths{}.{method}.responses{}", member(path), member(key));
    let mut response = responses.get(key)?;
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/components/responses/")?;
        base = format!("$.components.responses{}", member(name));
        response = document.get("components")?.get("responses")?.get(name)?;
    }
    let content = response.get("content")?.as_object()?;
    let (media, body) = content
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))?;
    let schema = body.get("schema")?;
    Some((format!("{base}.content{}.schema", member(media)), schema))
}

/// A JSONPath member selector: `.name` where RFC 9535's shorthand allows it, else `['name']`.
fn member(name: &str) -> String {
    let mut chars = name.chars();
    let shorthand = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if shorthand {
        format!(".{name}")
    } else {
        format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

struct Walk<'a> {
    document: &'a Value,
    operation: &'a str,
    answer: usize,
    facts: &'a mut BTreeMap<Fact, Seen>,
    required: &'a mut BTreeMap<String, Vec<String>>,
}

impl<'a> Walk<'a> {
    fn note(&mut self, fact: Fact, pointer: &str, value: Option<&Value>) {
        let seen = self.facts.entry(fact).or_insert_with(|| Seen {
            operation: self.operation.to_owned(),
            pointer: pointer.to_owned(),
            answers: 0,
            last_answer: 0,
            kinds: ValueKinds::new(),
        });
        if seen.last_answer != self.answer {
            seen.answers += 1;
            seen.last_answer = self.answer;
        }
        if let Some(value) = value {
            seen.kinds.observe(value);
        }
    }

    /// Follows `$ref`s: a component schema becomes the new target base.
    fn resolve<'s>(&self, mut schema: &'s Value, mut at: String) -> Option<(&'s Value, String)>
    where
        'a: 's,
    {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                return Some((schema, at));
            };
            let name = reference.strip_prefix("#/components/schemas/")?;
            schema = self.document.pointer(reference.strip_prefix('#')?)?;
            at = format!("$.components.schemas{}", member(name));
        }
        None
    }

    fn value(
        &mut self,
        schema: &Value,
        at: String,
        instance: &Value,
        pointer: &mut String,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some((schema, at)) = self.resolve(schema, at) else {
            return;
        };
        // A one-member allOf is a nullable `$ref`: walk the member.
        if let Some([only]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            return self.value(only, format!("{at}.allOf[0]"), instance, pointer, depth + 1);
        }
        match instance {
            Value::Object(object) => self.object(schema, &at, object, pointer, depth),
            Value::Array(items) => {
                let Some(item_schema) = schema.get("items") else {
                    return;
                };
                for (index, item) in items.iter().enumerate() {
                    let length = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    self.value(item_schema, format!("{at}.items"), item, pointer, depth + 1);
                    pointer.truncate(length);
                }
            }
            Value::String(text) => {
                if let Some(listed) = schema.get("enum").and_then(Value::as_array) {
                    if !listed.iter().any(|v| v.as_str() == Some(text)) {
                        let fact = Fact::UnlistedValue {
                            target: at,
                            value: text.clone(),
                        };
                        self.note(fact, pointer, None);
                    }
                }
            }
            _ => {}
        }
    }

    fn object(
        &mut self,
        schema: &Value,
        at: &str,
        object: &Map<String, Value>,
        pointer: &mut String,
        depth: usize,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let declares_object =
            properties.is_some() || schema.get("type") == Some(&Value::from("object"));
        if !declares_object
            || schema
                .get("additionalProperties")
                .is_some_and(|a| a != false)
        {
            return;
        }
        for (key, value) in object {
            let length = pointer.len();
            pointer.push('/');
            pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            match properties.and_then(|p| p.get(key)) {
                Some(property) if value.is_null() => {
                    if !self.nullable(property) {
                        let reference = property
                            .get("$ref")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        let fact = Fact::Null {
                            target: at.to_owned(),
                            property: key.clone(),
                            reference,
                        };
                        self.note(fact, pointer, None);
                    }
                }
                Some(property) => {
                    let child = format!("{at}.properties{}", member(key));
                    self.value(property, child, value, pointer, depth + 1);
                }
                None => {
                    let fact = Fact::Undocumented {
                        target: at.to_owned(),
                        property: key.clone(),
                    };
                    self.note(fact, pointer, Some(value));
                }
            }
            pointer.truncate(length);
        }
        let required = crate::contract::strings(schema.get("required"));
        for name in &required {
            if !object.contains_key(name) {
                let fact = Fact::Missing {
                    target: at.to_owned(),
                    property: name.clone(),
                };
                let at_pointer = format!("{pointer}/{name}");
                self.note(fact, &at_pointer, None);
                self.required.insert(at.to_owned(), required.clone());
            }
        }
    }

    /// Whether a property schema admits `null`: `nullable` on it, on its one-member allOf, or
    /// on the component it names.
    fn nullable(&self, property: &Value) -> bool {
        let mut current = property;
        for _ in 0..32 {
            if current.get("nullable") == Some(&Value::Bool(true)) {
                return true;
            }
            if let Some([only]) = current
                .get("allOf")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                current = only;
                continue;
            }
            match current
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| self.document.pointer(p))
            {
                Some(next) => current = next,
                None => return false,
            }
        }
        false
    }
}
