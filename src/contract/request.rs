//! Checking a request against the operation it targets: method, path template, parameters
//! (path, query, header) and body, all driven by the spec's definitions.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::headers::{self, HeaderPair};
use super::inventory::ParameterLocation;
use super::media::{self, body_violation, is_json, media_essence};
use super::{unknown_operation, DriftKind, Operation, Parameter, Part, Spec, Violation};

/// Checking requests.
impl Spec {
    /// Checks a request sent to `operation_id`.
    ///
    /// * `method`: must be the operation's;
    /// * `path_and_query`: relative to `/api/v3` or including it (a full URL is accepted too);
    ///   path parameters are matched by the template and checked against their schemas; query
    ///   parameters must be declared, required ones present, each value valid (a `content:
    ///   application/json` parameter such as `filter` must be JSON valid against its schema);
    /// * `headers`: name/value pairs (e.g. `&http::HeaderMap` or `[("X-Request-id", "...")]`);
    ///   declared header parameters are checked (`X-Request-id` must be a UUID);
    /// * `body`: checked against the declared request body for the request's `Content-Type`:
    ///   JSON and form bodies against their schema, multipart bodies for their required parts.
    ///
    /// Query parameters the operation does not declare are reported as
    /// [`DriftKind::UndocumentedField`]; headers are not, since clients send many.
    ///
    /// ```
    /// use vspc_licensing::contract::{DriftKind, Spec};
    /// let spec = Spec::embedded();
    /// let ok = spec.validate_request(
    ///     "GetBackupServersLicenses",
    ///     "GET",
    ///     "/api/v3/licensing/backupServers?limit=500&offset=0",
    ///     [("X-Request-id", "ba547d14-c556-42bb-b85c-eeeb16e2f5e7")],
    ///     b"",
    /// );
    /// assert!(ok.is_empty(), "{ok:?}");
    ///
    /// let bad = spec.validate_request(
    ///     "GetBackupServersLicenses",
    ///     "GET",
    ///     "/licensing/backupServers?limit=501&filter=%7Bnot+json",
    ///     [("X-Request-id", "not-a-uuid")],
    ///     b"",
    /// );
    /// let mut names: Vec<&str> = bad.iter().map(|v| v.pointer.as_str()).collect();
    /// names.sort();
    /// assert_eq!(names, ["X-Request-id", "filter", "limit"]);
    /// ```
    pub fn validate_request(
        &self,
        operation_id: &str,
        method: &str,
        path_and_query: &str,
        headers: impl IntoIterator<Item = impl HeaderPair>,
        body: &[u8],
    ) -> Vec<Violation> {
        let Some(op) = self.operation(operation_id) else {
            return vec![unknown_operation(operation_id)];
        };
        let headers = headers::lower_case_pairs(headers);
        let mut found = Vec::new();
        if !op.method.eq_ignore_ascii_case(method) {
            found.push(Violation::new(
                DriftKind::Other,
                Part::Path,
                "",
                format!(
                    "method {method}; the operation is {} {}",
                    op.method, op.path
                ),
            ));
        }
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, query),
            None => (path_and_query, ""),
        };
        let path = relative_path(path);
        match op.match_path(&path) {
            Some(values) => self.check_path(op, &values, &mut found),
            None => found.push(Violation::new(
                DriftKind::Other,
                Part::Path,
                "",
                format!("path {path} does not match the template {}", op.path),
            )),
        }
        self.check_query(op, query, &mut found);
        self.check_headers(op, &headers, &mut found);
        let content_type = headers::values(&headers, "content-type")
            .next()
            .map(String::as_str);
        self.check_body(op, content_type, body, &mut found);
        found.into_iter().map(|v| v.on(operation_id)).collect()
    }

    fn check_path(
        &self,
        op: &Operation,
        values: &BTreeMap<String, String>,
        found: &mut Vec<Violation>,
    ) {
        for (name, raw) in values {
            let Some(parameter) = op.parameter(ParameterLocation::Path, name) else {
                found.push(Violation::new(
                    DriftKind::Other,
                    Part::Path,
                    name.clone(),
                    format!("the template names {{{name}}} but no path parameter declares it"),
                ));
                continue;
            };
            self.check_parameter(op, parameter, &[percent_decode(raw)], Part::Path, found);
        }
    }

    fn check_query(&self, op: &Operation, query: &str, found: &mut Vec<Violation>) {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            values
                .entry(name.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        for (name, given) in &values {
            match op.parameter(ParameterLocation::Query, name) {
                Some(parameter) => self.check_parameter(op, parameter, given, Part::Query, found),
                None => found.push(Violation::new(
                    DriftKind::UndocumentedField,
                    Part::Query,
                    name.clone(),
                    format!(
                        "query parameter {name:?} is not declared by {}",
                        op.operation_id
                    ),
                )),
            }
        }
        for parameter in op
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Query && p.required)
        {
            if !values.contains_key(&parameter.name) {
                found.push(missing(parameter, Part::Query));
            }
        }
    }

    fn check_headers(
        &self,
        op: &Operation,
        headers: &[(String, String)],
        found: &mut Vec<Violation>,
    ) {
        for parameter in op
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Header)
        {
            let given: Vec<String> = headers::values(headers, &parameter.name).cloned().collect();
            if given.is_empty() {
                if parameter.required {
                    found.push(missing(parameter, Part::Header));
                }
                continue;
            }
            self.check_parameter(op, parameter, &given, Part::Header, found);
        }
    }

    fn check_parameter(
        &self,
        op: &Operation,
        parameter: &Parameter,
        given: &[String],
        part: Part,
        found: &mut Vec<Violation>,
    ) {
        let key = format!(
            "parameter:{}:{:?}:{}",
            op.operation_id, parameter.location, parameter.name
        );
        let is_array = self.schema_type(&parameter.schema) == Some("array");
        if given.len() > 1 && !(is_array && parameter.content_type.is_none()) {
            found.push(Violation::new(
                DriftKind::Other,
                part,
                parameter.name.clone(),
                format!(
                    "{} is given {} times; the spec allows one value",
                    parameter.name,
                    given.len()
                ),
            ));
            return;
        }
        let value = match &parameter.content_type {
            Some(media) if is_json(&media_essence(media)) => {
                match serde_json::from_str::<Value>(&given[0]) {
                    Ok(value) => value,
                    Err(e) => {
                        found.push(Violation::new(
                            DriftKind::TypeMismatch,
                            part,
                            parameter.name.clone(),
                            format!("{} must be JSON ({media}): {e}", parameter.name),
                        ));
                        return;
                    }
                }
            }
            Some(_) => Value::String(given[0].clone()),
            None if is_array => {
                let items = self
                    .resolve(&parameter.schema)
                    .ok()
                    .and_then(|s| s.get("items"))
                    .cloned()
                    .unwrap_or(Value::Bool(true));
                Value::Array(given.iter().map(|g| self.coerce(&items, g)).collect())
            }
            None => self.coerce(&parameter.schema, &given[0]),
        };
        let pointer_prefix = parameter.name.clone();
        let mut violations = self.check(&key, &parameter.schema, &value, part, &pointer_prefix);
        for violation in &mut violations {
            violation.message = format!(
                "{} = {:?}: {}",
                parameter.name,
                given.join(","),
                violation.message
            );
        }
        found.extend(violations);
    }

    fn check_body(
        &self,
        op: &Operation,
        content_type: Option<&str>,
        body: &[u8],
        found: &mut Vec<Violation>,
    ) {
        let Some(declared) = &op.request_body else {
            if !body.is_empty() {
                found.push(body_violation(
                    DriftKind::Other,
                    format!("{} takes no body", op.operation_id),
                ));
            }
            return;
        };
        if body.is_empty() {
            if declared.required {
                found.push(body_violation(
                    DriftKind::MissingRequired,
                    "the request body is required",
                ));
            }
            return;
        }
        let selected = match media::select(&declared.content, content_type, "expected") {
            Ok(selected) => selected,
            Err(violation) => return found.push(violation),
        };
        let (actual, schema) = (selected.actual.as_str(), selected.entry);
        let key = format!("body:{}:{}", op.operation_id, selected.declared);
        if is_json(actual) {
            match serde_json::from_slice::<Value>(body) {
                Ok(value) => found.extend(self.check(&key, schema, &value, Part::Body, "")),
                Err(e) => found.push(media::not_json(e)),
            }
        } else if actual == "application/x-www-form-urlencoded" {
            let object = self.form_object(schema, body);
            found.extend(self.check(&key, schema, &object, Part::Body, ""));
        } else if actual == "multipart/form-data" {
            self.check_multipart(schema, content_type.unwrap_or_default(), body, found);
        }
    }

    /// A form body as the JSON object its schema describes, each value coerced to its
    /// property's type.
    fn form_object(&self, schema: &Value, body: &[u8]) -> Value {
        let properties = self
            .resolve(schema)
            .ok()
            .and_then(|s| s.get("properties"))
            .cloned()
            .unwrap_or_default();
        let mut object = Map::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            let coerced = match properties.get(name.as_ref()) {
                Some(property) => self.coerce(property, &value),
                None => Value::String(value.into_owned()),
            };
            object.insert(name.into_owned(), coerced);
        }
        Value::Object(object)
    }

    fn check_multipart(
        &self,
        schema: &Value,
        content_type: &str,
        body: &[u8],
        found: &mut Vec<Violation>,
    ) {
        let Some(boundary) = boundary(content_type) else {
            found.push(Violation::new(
                DriftKind::WrongContentType,
                Part::ContentType,
                "",
                "multipart/form-data without a boundary parameter",
            ));
            return;
        };
        let names = multipart_part_names(body, &boundary);
        let required = super::strings(self.resolve(schema).ok().and_then(|s| s.get("required")));
        for name in required {
            if !names.contains(&name) {
                found.push(Violation::new(
                    DriftKind::MissingRequired,
                    Part::Body,
                    format!("/{name}"),
                    format!("the multipart body has no part named {name:?} (parts: {names:?})"),
                ));
            }
        }
    }
}

fn missing(parameter: &Parameter, part: Part) -> Violation {
    Violation::new(
        DriftKind::MissingRequired,
        part,
        parameter.name.clone(),
        format!("required parameter {} is missing", parameter.name),
    )
}

/// The path relative to `/api/v3`, from a path with or without the base, or a full URL.
pub(crate) fn relative_path(path: &str) -> String {
    let path = match url::Url::parse(path) {
        Ok(url) if url.has_host() => url.path().to_owned(),
        _ => path.split('?').next().unwrap_or_default().to_owned(),
    };
    match path.strip_prefix(crate::model::spec_facts::API_BASE_PATH) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_owned(),
        _ => path,
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The `name`s of the parts of a multipart body (RFC 7578), from their Content-Disposition.
fn multipart_part_names(body: &[u8], boundary: &str) -> Vec<String> {
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let mut names = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let head = part.split("\r\n\r\n").next().unwrap_or_default();
        for line in head.lines() {
            let Some((header, value)) = line.split_once(':') else {
                continue;
            };
            if !header.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            let name = value.split(';').find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim() == "name").then(|| v.trim().trim_matches('"').to_owned())
            });
            names.extend(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_and_full_urls_are_stripped() {
        assert_eq!(
            relative_path("/api/v3/licensing/console"),
            "/licensing/console"
        );
        assert_eq!(
            relative_path("https://h:1280/api/v3/licensing/console?x=1"),
            "/licensing/console"
        );
        assert_eq!(relative_path("/licensing/console"), "/licensing/console");
        assert_eq!(relative_path("/api/v30/x"), "/api/v30/x");
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn multipart_names_are_read_from_content_disposition() {
        let body =
            b"--XY\r\nContent-Disposition: form-data; name=\"license\"; filename=\"a.lic\"\r\n\r\nbytes\r\n--XY--\r\n";
        assert_eq!(multipart_part_names(body, "XY"), ["license"]);
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XY\""),
            Some("XY".into())
        );
    }
}
