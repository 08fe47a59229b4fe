//! Async actions: requests answered `202 Accepted` and run in the background.

use std::sync::Mutex;

use axum::http::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use super::bounded::BoundedMap;
use super::response::{code, Reply};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    Running,
    Done(Box<Reply>),
    Canceled,
}

impl PartialEq for Reply {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status && self.body == other.body
    }
}
impl Eq for Reply {}

pub(crate) struct Action {
    pub(crate) info: Value,
    pub(crate) progress: Progress,
}

/// The actions started, at most a configured number ([`SimulatorConfig::async_action_limit`]
/// (super::SimulatorConfig::async_action_limit)): beyond it the oldest is forgotten, and a
/// running one that is forgotten finishes without a record.
pub(crate) struct AsyncActions {
    actions: Mutex<BoundedMap<Uuid, Action>>,
}

impl AsyncActions {
    pub(crate) fn new(limit: usize) -> Self {
        AsyncActions {
            actions: Mutex::new(BoundedMap::new(limit)),
        }
    }

    pub(crate) fn start(
        &self,
        id: Uuid,
        initiator: Uuid,
        operation_id: &str,
        query: &[(String, String)],
        body: &[u8],
    ) {
        // Each name maps to all its values, as VSPC reports them (`additionalProperties` is an
        // array of strings in the spec).
        let mut query_values: serde_json::Map<String, Value> = serde_json::Map::new();
        for (k, v) in query {
            if let Value::Array(values) = query_values
                .entry(k.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                values.push(Value::String(v.clone()));
            }
        }
        let query = query_values;
        let body = if body.is_empty() {
            Value::Null
        } else {
            Value::String(String::from_utf8_lossy(body).into_owned())
        };
        let info = json!({
            "id": id,
            "initiatorUid": initiator,
            "actionName": operation_id,
            "status": "running",
            "queryParameters": query,
            "requestBody": body,
        });
        self.actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                id,
                Action {
                    info,
                    progress: Progress::Running,
                },
            );
    }

    /// Whether the action may still run (it was not canceled); marks it finished with `reply`.
    pub(crate) fn finish(&self, id: &Uuid, reply: Reply) {
        let mut actions = self.actions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(action) = actions.get_mut(id) {
            if action.progress == Progress::Running {
                action.info["status"] = json!(if reply.is_success() {
                    "succeed"
                } else {
                    "failed"
                });
                action.progress = Progress::Done(Box::new(reply));
            }
        }
    }

    pub(crate) fn is_canceled(&self, id: &Uuid) -> bool {
        self.actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .is_some_and(|a| a.progress == Progress::Canceled)
    }

    pub(crate) fn get(&self, id: &Uuid) -> Reply {
        match self
            .actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
        {
            Some(action) => Reply::data(action.info.clone()),
            None => Reply::not_found(format!("There is no async action {id}.")),
        }
    }

    pub(crate) fn result(&self, id: &Uuid) -> Reply {
        match self
            .actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
        {
            Some(Action {
                progress: Progress::Done(reply),
                ..
            }) => (**reply).clone(),
            Some(Action {
                progress: Progress::Running,
                ..
            }) => Reply::error(
                StatusCode::CONFLICT,
                "logical",
                code::ASYNC_NOT_DONE,
                "The async action is still running.",
            ),
            Some(Action {
                progress: Progress::Canceled,
                ..
            }) => Reply::error(
                StatusCode::CONFLICT,
                "logical",
                code::ASYNC_NOT_DONE,
                "The async action was canceled.",
            ),
            None => Reply::not_found(format!("There is no async action {id}.")),
        }
    }

    pub(crate) fn cancel(&self, id: &Uuid) -> Reply {
        let mut actions = self.actions.lock().unwrap_or_else(|p| p.into_inner());
        match actions.get_mut(id) {
            Some(action) if action.progress == Progress::Running => {
                action.progress = Progress::Canceled;
                action.info["status"] = json!("canceled");
                Reply::empty()
            }
            Some(_) => Reply::bad_request(
                code::ASYNC_NOT_DONE,
                "The async action has already finished.",
            ),
            None => Reply::not_found(format!("There is no async action {id}.")),
        }
    }
}
