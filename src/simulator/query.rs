//! Collection queries: `limit`/`offset` paging, `filter`, `sort` and `select`, evaluated over the
//! serde_json form of any resource, with property names checked against the resource's schema.

use std::any::TypeId;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{OnceLock, RwLock};

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::model::enums::{FilterCollation, FilterOperation, SortDirection};
use crate::types::{FilterExpression, SelectExpression, SortExpression};

use super::response::{code, Reply};

/// How the values of a property compare, from its schema's `format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `date-time`: instants, whatever offset and fraction they are written with.
    DateTime,
    /// `uuid`: the same UID in upper or lower case.
    Uuid,
}

/// What the schema says about a resource: every property path, how the values at a path
/// compare, and the required properties of the object at each path (`""` is the resource).
#[derive(Debug, Default)]
pub(crate) struct Shape {
    paths: HashSet<String>,
    formats: HashMap<String, Format>,
    required: HashMap<String, Vec<String>>,
}

impl Shape {
    fn required_at(&self, prefix: &str) -> &[String] {
        self.required.get(prefix).map_or(&[], Vec::as_slice)
    }

    fn format(&self, path: &str) -> Option<Format> {
        self.formats.get(path).copied()
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn collect_paths(schema: &Value, defs: &Value, prefix: &str, depth: usize, out: &mut Shape) {
    if depth > 8 {
        return;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if let Some(target) = reference.rsplit('/').next().and_then(|name| defs.get(name)) {
            collect_paths(target, defs, prefix, depth + 1, out);
        }
        return;
    }
    let format = match schema.get("format").and_then(Value::as_str) {
        Some("date-time") => Some(Format::DateTime),
        Some("uuid") => Some(Format::Uuid),
        _ => None,
    };
    if let Some(format) = format {
        out.formats.insert(prefix.to_owned(), format);
    }
    for combinator in ["anyOf", "oneOf", "allOf"] {
        if let Some(parts) = schema.get(combinator).and_then(Value::as_array) {
            for part in parts {
                collect_paths(part, defs, prefix, depth + 1, out);
            }
        }
    }
    if let Some(items) = schema.get("items") {
        collect_paths(items, defs, prefix, depth + 1, out);
    }
    let required = crate::contract::strings(schema.get("required"));
    if !required.is_empty() {
        out.required
            .entry(prefix.to_owned())
            .or_default()
            .extend(required);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let path = join(prefix, name);
            out.paths.insert(path.clone());
            collect_paths(property, defs, &path, depth + 1, out);
        }
    }
}

/// The shape of `T`, computed once per type from its JSON schema.
pub(crate) fn shape_of<T: schemars::JsonSchema + 'static>() -> &'static Shape {
    static SHAPES: OnceLock<RwLock<HashMap<TypeId, &'static Shape>>> = OnceLock::new();
    let shapes = SHAPES.get_or_init(Default::default);
    let id = TypeId::of::<T>();
    // Every request reads a shape; only the first request per type writes one.
    if let Some(shape) = shapes.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return shape;
    }
    let mut shapes = shapes.write().unwrap_or_else(|p| p.into_inner());
    shapes.entry(id).or_insert_with(|| {
        let schema = schemars::schema_for!(T);
        let schema = schema.as_value();
        let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
        let mut shape = Shape::default();
        collect_paths(schema, &defs, "", 0, &mut shape);
        Box::leak(Box::new(shape))
    })
}

/// A parsed collection query.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pub(crate) limit: usize,
    pub(crate) offset: usize,
    pub(crate) filter: Vec<FilterExpression>,
    pub(crate) sort: Vec<SortExpression>,
    pub(crate) select: Vec<String>,
}

fn invalid(message: impl Into<String>) -> Reply {
    Reply::bad_request(code::INVALID_PARAMETER, message)
}

fn check_property(shape: &Shape, parameter: &str, property: &str) -> Result<(), Reply> {
    if shape.paths.contains(property) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{parameter}: the resource has no property `{property}`."
        )))
    }
}

fn check_filter(shape: &Shape, expression: &FilterExpression) -> Result<(), Reply> {
    match &expression.operation {
        FilterOperation::And | FilterOperation::Or | FilterOperation::Not => {
            if expression.items.is_empty() {
                return Err(invalid(format!(
                    "filter: `{}` needs conditions in `items`.",
                    expression.operation
                )));
            }
            if expression.operation == FilterOperation::Not && expression.items.len() != 1 {
                return Err(invalid(
                    "filter: `not` takes exactly one condition in `items`.",
                ));
            }
            expression
                .items
                .iter()
                .try_for_each(|item| check_filter(shape, item))
        }
        FilterOperation::Unknown(other) => {
            Err(invalid(format!("filter: unknown operation `{other}`.")))
        }
        operation => {
            let property = expression
                .property
                .as_deref()
                .ok_or_else(|| invalid(format!("filter: `{operation}` needs a `property`.")))?;
            check_property(shape, "filter", property)?;
            let value = expression
                .value
                .as_ref()
                .ok_or_else(|| invalid(format!("filter: `{operation}` needs a `value`.")))?;
            if matches!(
                operation,
                FilterOperation::In | FilterOperation::Subset | FilterOperation::Superset
            ) && !value.is_array()
            {
                return Err(invalid(format!(
                    "filter: the value of `{operation}` must be an array."
                )));
            }
            if shape.format(property) == Some(Format::DateTime)
                && operation != &FilterOperation::Contains
            {
                let not_a_time = as_list(value)
                    .into_iter()
                    .find_map(|item| item.as_str().filter(|text| instant(text).is_none()));
                if let Some(text) = not_a_time {
                    return Err(invalid(format!(
                        "filter: `{property}` is a date and time, and `{text}` is not one \
                         (e.g. 2026-12-22T00:00:00Z, 2026-12-22T00:00:00 or 2026-12-22)."
                    )));
                }
            }
            if let Some(FilterCollation::Unknown(other)) = &expression.collation {
                return Err(invalid(format!("filter: unknown collation `{other}`.")));
            }
            Ok(())
        }
    }
}

/// Parses and checks the query parameters of a collection read.
pub(crate) fn parse(
    params: &[(String, String)],
    shape: &Shape,
    paged: bool,
) -> Result<Query, Reply> {
    let mut query = Query {
        limit: 100,
        offset: 0,
        ..Query::default()
    };
    let mut seen = HashSet::new();
    for (name, value) in params {
        if !seen.insert(name.as_str())
            && matches!(
                name.as_str(),
                "limit" | "offset" | "filter" | "sort" | "select"
            )
        {
            return Err(invalid(format!("`{name}` is given more than once.")));
        }
        match (name.as_str(), paged) {
            ("limit", true) => {
                query.limit = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| invalid("limit must be an integer from 1 to 500."))?
                    as usize;
            }
            ("offset", true) => {
                query.offset = value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(|| invalid("offset must be an integer of 0 or more."))?
                    as usize;
            }
            ("filter", true) => {
                let parsed: Option<Vec<FilterExpression>> = serde_json::from_str(value)
                    .map_err(|e| invalid(format!("filter is not a valid FilterParameter: {e}")))?;
                query.filter = parsed.unwrap_or_default();
                query
                    .filter
                    .iter()
                    .try_for_each(|f| check_filter(shape, f))?;
            }
            ("sort", true) => {
                let parsed: Option<Vec<SortExpression>> = serde_json::from_str(value)
                    .map_err(|e| invalid(format!("sort is not a valid SortParameter: {e}")))?;
                query.sort = parsed.unwrap_or_default();
                for sort in &query.sort {
                    check_property(shape, "sort", &sort.property)?;
                    if let Some(SortDirection::Unknown(other)) = &sort.direction {
                        return Err(invalid(format!("sort: unknown direction `{other}`.")));
                    }
                    if let Some(FilterCollation::Unknown(other)) = &sort.collation {
                        return Err(invalid(format!("sort: unknown collation `{other}`.")));
                    }
                }
            }
            ("select", _) => {
                let parsed: Option<Vec<SelectExpression>> = serde_json::from_str(value)
                    .map_err(|e| invalid(format!("select is not a valid SelectParameter: {e}")))?;
                query.select = parsed
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s.property_path)
                    .collect();
                for path in &query.select {
                    check_property(shape, "select", path)?;
                }
            }
            _ => {}
        }
    }
    Ok(query)
}

/// The value at a dotted path; missing properties read as `null`. A path that goes through an
/// array (`servers.serverUid`) reads as the array of what each element has there.
fn lookup<'a>(value: &'a Value, path: &str) -> Cow<'a, Value> {
    static NULL: Value = Value::Null;
    let mut current = value;
    let mut keys = path.split('.');
    while let Some(key) = keys.next() {
        match current {
            Value::Object(map) => current = map.get(key).unwrap_or(&NULL),
            Value::Array(items) => {
                let rest: Vec<&str> = std::iter::once(key).chain(keys).collect();
                let rest = rest.join(".");
                return Cow::Owned(Value::Array(
                    items
                        .iter()
                        .map(|item| lookup(item, &rest).into_owned())
                        .collect(),
                ));
            }
            _ => return Cow::Borrowed(&NULL),
        }
    }
    Cow::Borrowed(current)
}

fn fold(text: &str, collation: &FilterCollation) -> String {
    match collation {
        FilterCollation::Ordinal => text.to_owned(),
        _ => text.to_lowercase(),
    }
}

/// A date-time as a .NET console reads one: RFC 3339 with any offset and fraction; without an
/// offset, or a date alone (midnight), it is taken as UTC.
fn instant(text: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(instant);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|day| day.and_hms_opt(0, 0, 0))
        })?;
    Some(Utc.from_utc_datetime(&naive).fixed_offset())
}

/// Two strings of a formatted property compared by what they mean: instants for date-times
/// (`2018-10-24T14:00:00.0000000-07:00` is `2018-10-24T21:00:00Z`), UIDs whatever their case.
/// `None` when either side is not of the format.
fn compare_formatted(x: &str, y: &str, format: Option<Format>) -> Option<Ordering> {
    match format? {
        Format::DateTime => {
            let x = instant(x)?;
            let y = instant(y)?;
            Some(x.cmp(&y))
        }
        Format::Uuid => {
            let x = uuid::Uuid::parse_str(x).ok()?;
            let y = uuid::Uuid::parse_str(y).ok()?;
            Some(x.cmp(&y))
        }
    }
}

fn compare(
    a: &Value,
    b: &Value,
    collation: &FilterCollation,
    format: Option<Format>,
) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => {
            if let Some(ordering) = compare_formatted(x, y, format) {
                return Some(ordering);
            }
            // Part of a UID (for `contains`) is still hexadecimal in either case.
            let collation = if format == Some(Format::Uuid) {
                &FilterCollation::Ignorecase
            } else {
                collation
            };
            let ordering = fold(x, collation).cmp(&fold(y, collation));
            // Lexicographic order breaks ties of case-insensitive order by the exact text.
            Some(if *collation == FilterCollation::Lexicographic {
                ordering.then_with(|| x.cmp(y))
            } else {
                ordering
            })
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value, collation: &FilterCollation, format: Option<Format>) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y, collation, format))
        }
        _ => compare(a, b, collation, format) == Some(Ordering::Equal),
    }
}

fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Whether a resource meets a condition.
pub(crate) fn matches(resource: &Value, expression: &FilterExpression, shape: &Shape) -> bool {
    let mut collation = expression
        .collation
        .clone()
        .unwrap_or(FilterCollation::Ordinal);
    let property = expression.property.as_deref().unwrap_or("");
    let format = shape.format(property);
    if format == Some(Format::Uuid) {
        collation = FilterCollation::Ignorecase;
    }
    let actual_value = lookup(resource, property);
    let actual = || actual_value.as_ref();
    let expected = expression.value.as_ref().unwrap_or(&Value::Null);
    let equal = |a: &Value, b: &Value| equal(a, b, &collation, format);
    let compare = |a: &Value, b: &Value| compare(a, b, &collation, format);
    match &expression.operation {
        FilterOperation::And => expression.items.iter().all(|e| matches(resource, e, shape)),
        FilterOperation::Or => expression.items.iter().any(|e| matches(resource, e, shape)),
        FilterOperation::Not => !expression.items.iter().all(|e| matches(resource, e, shape)),
        FilterOperation::Equals => equal(actual(), expected),
        FilterOperation::NotEquals => !equal(actual(), expected),
        FilterOperation::LessThan => compare(actual(), expected) == Some(Ordering::Less),
        FilterOperation::LessThanOrEqual => matches!(
            compare(actual(), expected),
            Some(Ordering::Less | Ordering::Equal)
        ),
        FilterOperation::GreaterThan => compare(actual(), expected) == Some(Ordering::Greater),
        FilterOperation::GreaterThanOrEqual => matches!(
            compare(actual(), expected),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        FilterOperation::Contains => match (actual(), expected) {
            (Value::String(text), Value::String(part)) => {
                fold(text, &collation).contains(&fold(part, &collation))
            }
            (Value::Array(items), wanted) => items.iter().any(|item| equal(item, wanted)),
            _ => false,
        },
        FilterOperation::In => as_list(expected)
            .iter()
            .any(|candidate| equal(actual(), candidate)),
        FilterOperation::Subset => {
            let set = as_list(expected);
            as_list(actual())
                .iter()
                .all(|item| set.iter().any(|s| equal(item, s)))
        }
        FilterOperation::Superset => {
            let have = as_list(actual());
            as_list(expected)
                .iter()
                .all(|wanted| have.iter().any(|h| equal(h, wanted)))
        }
        FilterOperation::Unknown(_) => false,
    }
}

fn sort_order(a: &[Value], b: &[Value], sort: &[SortExpression], shape: &Shape) -> Ordering {
    for (i, expression) in sort.iter().enumerate() {
        let collation = expression
            .collation
            .clone()
            .unwrap_or(FilterCollation::Ordinal);
        // Nulls and values of other types come first in ascending order.
        let ordering = match (&a[i], &b[i]) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (x, y) => compare(x, y, &collation, shape.format(&expression.property))
                .unwrap_or(Ordering::Equal),
        };
        let ordering = if expression.direction == Some(SortDirection::Descending) {
            ordering.reverse()
        } else {
            ordering
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// The selected paths as a tree; a node that was itself selected keeps its whole value.
#[derive(Debug, Default)]
struct Selection {
    whole: bool,
    children: BTreeMap<String, Selection>,
}

/// Keeps the selected properties of a resource, and the required properties of every object
/// on the way to them (so the answer still matches the resource's schema). A path through an
/// array selects in each element: `servers.serverType` keeps `servers` an array of objects.
pub(crate) fn project(value: Value, select: &[String], shape: &Shape) -> Value {
    if select.is_empty() {
        return value;
    }
    let mut tree = Selection::default();
    for path in select {
        let mut node = &mut tree;
        for key in path.split('.') {
            node = node.children.entry(key.to_owned()).or_default();
        }
        node.whole = true;
    }
    project_node(value, &tree, shape, "")
}

fn project_node(value: Value, selection: &Selection, shape: &Shape, prefix: &str) -> Value {
    if selection.whole {
        return value;
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| project_node(item, selection, shape, prefix))
                .collect(),
        ),
        Value::Object(mut map) => {
            let mut out = Map::new();
            for key in shape.required_at(prefix) {
                if let Some(kept) = map.remove(key) {
                    out.insert(key.clone(), kept);
                }
            }
            for (key, child) in &selection.children {
                if let Some(kept) = map.remove(key) {
                    let path = join(prefix, key);
                    out.insert(key.clone(), project_node(kept, child, shape, &path));
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}

/// The indices of the items on the asked-for page (after filter and sort) and the total.
fn chosen<T: Serialize>(items: &[T], query: &Query, shape: &Shape) -> (usize, Vec<usize>) {
    let to_value = |item: &T| serde_json::to_value(item).unwrap_or(Value::Null);
    if query.filter.is_empty() && query.sort.is_empty() {
        let end = items.len().min(query.offset.saturating_add(query.limit));
        let start = query.offset.min(end);
        (items.len(), (start..end).collect())
    } else {
        let mut keyed: Vec<(Vec<Value>, usize)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let value = to_value(item);
            if query.filter.iter().all(|f| matches(&value, f, shape)) {
                let keys = query
                    .sort
                    .iter()
                    .map(|s| lookup(&value, &s.property).into_owned())
                    .collect();
                keyed.push((keys, i));
            }
        }
        if !query.sort.is_empty() {
            keyed.sort_by(|a, b| sort_order(&a.0, &b.0, &query.sort, shape));
        }
        let total = keyed.len();
        (
            total,
            keyed
                .into_iter()
                .skip(query.offset)
                .take(query.limit)
                .map(|(_, i)| i)
                .collect(),
        )
    }
}

/// A page whose items are served exactly as stored: serialised straight from the typed items.
#[derive(Serialize)]
pub(crate) struct TypedPage<'a, T> {
    data: Vec<&'a T>,
    meta: TypedPageMeta,
}

#[derive(Serialize)]
struct TypedPageMeta {
    #[serde(rename = "pagingInfo")]
    paging_info: TypedPagingInfo,
}

#[derive(Serialize)]
struct TypedPagingInfo {
    total: usize,
    count: usize,
    offset: usize,
}

/// The page for a query without select and without drift. Building a `serde_json::Value` per
/// item (a BTreeMap per object, then serialised again) was most of the simulator's cost per
/// page in a profile; the typed items serialise to the same JSON object, only without the
/// Value round trip.
pub(crate) fn typed_page<'a, T: Serialize>(
    items: &'a [T],
    query: &Query,
    shape: &Shape,
) -> TypedPage<'a, T> {
    let (total, chosen) = chosen(items, query, shape);
    let data: Vec<&T> = chosen.iter().map(|&i| &items[i]).collect();
    TypedPage {
        meta: TypedPageMeta {
            paging_info: TypedPagingInfo {
                total,
                count: data.len(),
                offset: query.offset,
            },
        },
        data,
    }
}

/// A page of a collection: `{ data, meta.pagingInfo }`. Only the page is serialised twice
/// (once more for select); a filter or sort serialises each item once to read it.
pub(crate) fn page<T: Serialize>(
    items: &[T],
    query: &Query,
    shape: &Shape,
    adjust: &dyn Fn(&mut Value),
) -> Value {
    let to_value = |item: &T| serde_json::to_value(item).unwrap_or(Value::Null);
    let (total, chosen) = chosen(items, query, shape);
    let data: Vec<Value> = chosen
        .iter()
        .map(|&i| {
            let mut value = project(to_value(&items[i]), &query.select, shape);
            adjust(&mut value);
            value
        })
        .collect();
    json!({
        "data": data,
        "meta": { "pagingInfo": { "total": total, "count": data.len(), "offset": query.offset } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(text: Value) -> FilterExpression {
        serde_json::from_value(text).unwrap()
    }

    fn matches(resource: &Value, expression: &FilterExpression) -> bool {
        super::matches(resource, expression, &Shape::default())
    }

    #[test]
    fn nested_paths_read_through_objects_and_arrays() {
        let usage = json!({ "organizationType": "Company", "servers": [{ "serverType": "VONE" }, { "serverType": "VB365" }] });
        assert_eq!(
            lookup(&usage, "servers.serverType").into_owned(),
            json!(["VONE", "VB365"])
        );
        assert!(matches(
            &usage,
            &condition(
                json!({ "property": "servers.serverType", "operation": "contains", "value": "VB365" })
            )
        ));
        assert!(!matches(
            &usage,
            &condition(
                json!({ "property": "servers.serverType", "operation": "contains", "value": "VSPC" })
            )
        ));
        assert!(matches(
            &usage,
            &condition(
                json!({ "property": "servers.serverType", "operation": "subset", "value": ["VONE", "VB365", "VSPC"] })
            )
        ));
        assert_eq!(
            lookup(&usage, "organizationType.nothing").into_owned(),
            Value::Null
        );
    }

    #[test]
    fn collations_compare_as_documented() {
        let license = json!({ "company": "Alpha", "units": 10 });
        let equals = |value: &str, collation: &str| {
            matches(
                &license,
                &condition(
                    json!({ "property": "company", "operation": "equals", "value": value, "collation": collation }),
                ),
            )
        };
        assert!(equals("Alpha", "ordinal"));
        assert!(!equals("alpha", "ordinal"));
        assert!(equals("alpha", "ignorecase"));
        assert!(!equals("alpha", "lexicographic"));
        assert!(matches(
            &license,
            &condition(json!({ "property": "units", "operation": "lessThan", "value": 10.5 }))
        ));
    }
}
