//! The Web API methods the fake answers, one file per method.
//!
//! Each method first reads its parameters into a plain input (and answers
//! Slack's error when they are wrong), then applies it to the workspace and
//! the recorder. Nothing here knows HTTP: the edge in [`super::api`] checks
//! the token, merges the parameters and turns the outcome into JSON.

mod auth_test;
mod chat_post_message;
mod conversations_open;
mod users_list;

use super::State;
use serde_json::{Map, Value};

/// An error code from Slack's documentation, such as `channel_not_found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SlackError(pub &'static str);

/// The fields of a successful answer, without `"ok": true`.
pub(super) type MethodResult = Result<Map<String, Value>, SlackError>;

/// The methods the fake knows, so that the edge can answer `unknown_method`
/// before it looks at the token, as Slack does.
const METHODS: [&str; 4] = [
    "auth.test",
    "users.list",
    "conversations.open",
    "chat.postMessage",
];

/// Whether the fake answers `method`.
pub(super) fn is_known(method: &str) -> bool {
    METHODS.contains(&method)
}

/// Answers one call whose token has been checked.
pub(super) fn dispatch(state: &mut State, method: &str, params: &Params) -> MethodResult {
    match method {
        "auth.test" => Ok(auth_test::answer(state)),
        "users.list" => users_list::answer(state, params),
        "conversations.open" => conversations_open::answer(state, params),
        "chat.postMessage" => chat_post_message::answer(state, params),
        _ => Err(SlackError("unknown_method")),
    }
}

/// A call's parameters, merged from the query string and the body. Query and
/// form values are strings; JSON values keep their type, so readers accept both.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Params(pub Map<String, Value>);

impl Params {
    /// Parameters from `(name, value)` pairs, for the methods' tests.
    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, Value)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    /// A scalar parameter as text; `None` when absent, null or not a scalar.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// A parameter as it arrived.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }
}

/// The answer's `created` time for channels the fake opens: the same fixed
/// instant the message timestamps start from, so that answers are repeatable.
const CREATED_AT: i64 = 1_700_000_000;

/// The fields of a `json!({...})` object literal, ready to be an answer.
fn fields(object: Value) -> Map<String, Value> {
    match object {
        Value::Object(fields) => fields,
        // Only object literals are passed in; anything else answers no fields.
        _ => Map::new(),
    }
}
