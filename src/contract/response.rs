//! Checking a response against the operation it answers: status, headers, content type and body.

use serde_json::Value;

use super::headers::{self, HeaderPair};
use super::media::{self, is_json};
use super::{unknown_operation, DriftKind, Operation, Part, Response, Spec, Violation};

/// A JSON response body to validate, with the schema the spec declares for it.
struct JsonBody<'a> {
    /// The cache key of the schema's validator.
    key: String,
    schema: &'a Value,
    instance: Value,
}

/// Checking responses.
impl Spec {
    /// Checks a response of `operation_id` against the spec: the status must be declared (the
    /// exact code, else its `4XX`-style range, else `default`), the content type must be one the
    /// declared response lists, and a JSON body must parse and match its schema.
    ///
    /// Properties the schema does not declare are allowed here (the spec allows them); use
    /// [`Spec::response_drift`] to report them as well.
    pub fn validate_response(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        self.response_violations(operation_id, status, content_type, body, false)
    }

    /// [`Spec::validate_response`], plus every undocumented property of the body: the full drift
    /// of one response, for live contract runs.
    pub fn response_drift(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        self.response_violations(operation_id, status, content_type, body, true)
    }

    /// Checks the headers of a response of `operation_id` with `status`: every header the
    /// declared response lists must match its schema, and be present when `required`.
    /// `headers` are name/value pairs, as for [`Spec::validate_request`].
    ///
    /// ```
    /// use vspc_licensing::contract::Spec;
    /// let spec = Spec::embedded();
    /// let location = [("location", "https://vspc:1280/api/v3/asyncActions/97431954-0dd7-472a-8cb7-d0cb0fbccaf7")];
    /// assert!(spec.validate_response_headers("UpdateSiteLicense", 202, location).is_empty());
    /// ```
    pub fn validate_response_headers(
        &self,
        operation_id: &str,
        status: u16,
        headers: impl IntoIterator<Item = impl HeaderPair>,
    ) -> Vec<Violation> {
        let Some(op) = self.operation(operation_id) else {
            return vec![unknown_operation(operation_id)];
        };
        let Some(declared) = op.response_for(status) else {
            return Vec::new(); // validate_response reports the status
        };
        let headers = headers::lower_case_pairs(headers);
        let mut found = Vec::new();
        for definition in &declared.header_definitions {
            match headers::values(&headers, &definition.name).next() {
                Some(value) => {
                    let key = format!(
                        "response-header:{operation_id}:{}:{}",
                        declared.status, definition.name
                    );
                    let value = self.coerce(&definition.schema, value);
                    found.extend(self.check(
                        &key,
                        &definition.schema,
                        &value,
                        Part::Header,
                        &definition.name,
                    ));
                }
                None if definition.required => found.push(Violation::new(
                    DriftKind::MissingRequired,
                    Part::Header,
                    definition.name.clone(),
                    format!(
                        "the {} response must carry {}",
                        declared.status, definition.name
                    ),
                )),
                None => {}
            }
        }
        found.into_iter().map(|v| v.on(operation_id)).collect()
    }

    fn response_violations(
        &self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
        with_undocumented: bool,
    ) -> Vec<Violation> {
        let found = match self.json_response_body(operation_id, status, content_type, body) {
            Err(violation) => vec![violation],
            Ok(None) => Vec::new(),
            Ok(Some(json)) => {
                let mut found = self.check(&json.key, json.schema, &json.instance, Part::Body, "");
                if with_undocumented {
                    found.extend(self.undocumented_fields(json.schema, &json.instance));
                }
                found
            }
        };
        found.into_iter().map(|v| v.on(operation_id)).collect()
    }

    /// The JSON body of a response with the schema to check it against; `None` when the
    /// response declares nothing to validate (no schema, or a non-JSON media type), and the
    /// violation when the status, the content type or the body's syntax is wrong.
    fn json_response_body<'a>(
        &'a self,
        operation_id: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Option<JsonBody<'a>>, Violation> {
        let op = self
            .operation(operation_id)
            .ok_or_else(|| unknown_operation(operation_id))?;
        let declared = declared_response(op, status)?;
        if declared.content.is_empty() {
            return expect_no_body(declared, body).map(|()| None);
        }
        let declares = format!("the {} response declares", declared.status);
        let selected = media::select(&declared.content, content_type, &declares)?;
        let Some(schema) = selected.entry else {
            return Ok(None);
        };
        if !is_json(&selected.actual) {
            // Non-JSON bodies (the CSV report) are declared as binary strings: any bytes do.
            return Ok(None);
        }
        let instance = serde_json::from_slice(body).map_err(media::not_json)?;
        Ok(Some(JsonBody {
            key: format!(
                "response:{operation_id}:{}:{}",
                declared.status, selected.declared
            ),
            schema,
            instance,
        }))
    }
}

/// The response `op` declares for `status`, or the violation listing the declared ones.
fn declared_response(op: &Operation, status: u16) -> Result<&Response, Violation> {
    op.response_for(status).ok_or_else(|| {
        let listed: Vec<String> = op.responses.iter().map(|r| r.status.to_string()).collect();
        Violation::new(
            DriftKind::UnexpectedStatus,
            Part::Status,
            "",
            format!(
                "status {status} is not declared (declared: {})",
                listed.join(", ")
            ),
        )
    })
}

/// A response that declares no body may still carry white space, nothing else.
fn expect_no_body(declared: &Response, body: &[u8]) -> Result<(), Violation> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    Err(media::body_violation(
        DriftKind::Other,
        format!(
            "the {} response declares no body, but {} bytes arrived",
            declared.status,
            body.len()
        ),
    ))
}
