//! A loopback HTTP server that records every request and answers from a script, by default
//! with the spec's own example for the route. Used by the client tests to check exactly what
//! the client sends.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Query pairs, decoded, sorted.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        pairs.sort();
        pairs
    }

    pub fn json_body(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// A canned answer.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn json(status: u16, body: Value) -> Self {
        Canned {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn raw(status: u16, content_type: &str, body: &[u8]) -> Self {
        Canned {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
        }
    }

    /// A successful `POST /token` answer: a bearer `access_token` that lives `expires_in`
    /// seconds.
    pub fn token(access_token: &str, expires_in: u64) -> Self {
        Canned::json(
            200,
            serde_json::json!({"access_token": access_token, "token_type": "bearer", "expires_in": expires_in}),
        )
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Responder = Arc<dyn Fn(&Recorded) -> Canned + Send + Sync>;

#[derive(Clone)]
struct State {
    log: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Canned>>>,
    fallback: Responder,
}

/// The running recorder.
pub struct Recorder {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Canned>>>,
}

impl Recorder {
    /// Starts a recorder whose default answer is the spec's example for the route.
    pub async fn start() -> Recorder {
        Self::with_fallback(Arc::new(|request: &Recorded| spec_example_answer(request))).await
    }

    pub async fn with_fallback(fallback: Responder) -> Recorder {
        let state = State {
            log: Arc::default(),
            script: Arc::default(),
            fallback,
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Recorder {
            addr,
            log: state.log,
            script: state.script,
        }
    }

    /// The VSPC root URL (`http://127.0.0.1:PORT`), as users would give it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers the next requests with these, in order, before falling back.
    pub fn push(&self, answers: impl IntoIterator<Item = Canned>) {
        self.script.lock().unwrap().extend(answers);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

async fn handle(
    axum::extract::State(state): axum::extract::State<State>,
    request: Request<Body>,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    state.log.lock().unwrap().push(recorded.clone());
    let scripted = state.script.lock().unwrap().pop_front();
    let canned = scripted.unwrap_or_else(|| (state.fallback)(&recorded));
    let mut response = Response::builder().status(StatusCode::from_u16(canned.status).unwrap());
    for (name, value) in &canned.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(canned.body)).unwrap()
}

/// The spec, parsed once.
pub fn spec() -> &'static Value {
    static SPEC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/spec/vspc-licensing.yaml"
        ))
        .unwrap();
        yaml_serde::from_str(&text).unwrap()
    })
}

/// The spec's path template and operation for a request path under `/api/v3`.
pub fn operation_for(method: &Method, path: &str) -> Option<(String, Value)> {
    let relative = path.strip_prefix("/api/v3")?;
    let paths = spec()["paths"].as_object()?;
    // Literal paths win over templated ones, as in OpenAPI.
    let mut candidates: Vec<(&String, &Value)> = paths
        .iter()
        .filter(|(template, _)| matches_template(template, relative))
        .collect();
    candidates.sort_by_key(|(template, _)| template.matches('{').count());
    let (template, item) = candidates.into_iter().next()?;
    let op = item.get(method.as_str().to_ascii_lowercase())?;
    Some((template.clone(), op.clone()))
}

fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => spec()
            .pointer(&r.trim_start_matches('#').replace("~1", "/"))
            .map(resolve)
            .unwrap_or(value),
        None => value,
    }
}

/// The spec's success example for the operation the request addresses.
pub fn spec_example_answer(request: &Recorded) -> Canned {
    let Some((_, op)) = operation_for(&request.method, &request.path) else {
        return Canned::json(
            404,
            serde_json::json!({"errors": [{"message": "no such route in the spec", "type": "logical", "code": 404}]}),
        );
    };
    let responses = &op["responses"];
    let response = resolve(&responses["200"]);
    let content = response["content"].as_object().expect("200 has content");
    let (media, body) = content.iter().next().unwrap();
    let example = &resolve(body)["example"];
    match example {
        Value::String(text) if media != "application/json" => {
            Canned::raw(200, media, text.as_bytes())
        }
        other => Canned::json(200, other.clone()),
    }
}
