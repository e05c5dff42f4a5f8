//! The Web API methods the fake answers, one file per method.
//!
//! Each method first reads its parameters into a plain input (and answers
//! Slack's error when they are wrong), then applies it to the workspace and
//! the recorder. Nothing here knows HTTP: the edge in [`super::api`] checks
//! the token, merges the parameters and turns the outcome into JSON.

mod apps_connections_open;
mod auth_test;
mod chat_post_ephemeral;
mod chat_post_message;
mod chat_update;
mod conversations_list;
mod conversations_open;
mod files;
mod paging;
mod profiles;
mod usergroups;
mod users_list;
mod views_open;
mod views_publish;
mod views_update;

use super::State;
use super::directory::Destination;
use super::workspace::FakeUser;
use serde_json::{Map, Value};

/// An error code from Slack's documentation, such as `channel_not_found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SlackError(pub &'static str);

/// The fields of a successful answer, without `"ok": true`.
pub(super) type MethodResult = Result<Map<String, Value>, SlackError>;

/// The kinds of token Slack tells apart; each method takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// The bot token (`xoxb-…`), for everything the bot does in the workspace.
    Bot,
    /// The app-level token (`xapp-…`), only for opening Socket Mode.
    App,
}

/// The methods the fake knows and the token each takes, so that the edge can
/// answer `unknown_method` before it looks at the token, as Slack does, and
/// `not_allowed_token_type` for the wrong kind of token.
const METHODS: [(&str, TokenKind); 17] = [
    ("auth.test", TokenKind::Bot),
    ("users.list", TokenKind::Bot),
    ("conversations.list", TokenKind::Bot),
    ("conversations.open", TokenKind::Bot),
    ("chat.postMessage", TokenKind::Bot),
    ("chat.postEphemeral", TokenKind::Bot),
    ("chat.update", TokenKind::Bot),
    ("views.publish", TokenKind::Bot),
    ("views.open", TokenKind::Bot),
    ("views.update", TokenKind::Bot),
    ("usergroups.list", TokenKind::Bot),
    ("usergroups.users.list", TokenKind::Bot),
    ("users.profile.get", TokenKind::Bot),
    ("team.profile.get", TokenKind::Bot),
    ("files.getUploadURLExternal", TokenKind::Bot),
    ("files.completeUploadExternal", TokenKind::Bot),
    ("apps.connections.open", TokenKind::App),
];

/// The token `method` takes, or `None` when the fake does not know it.
pub(super) fn token_kind_for(method: &str) -> Option<TokenKind> {
    METHODS
        .iter()
        .find_map(|(name, kind)| (*name == method).then_some(*kind))
}

/// Answers one call whose token has been checked.
pub(super) fn dispatch(state: &mut State, method: &str, params: &Params) -> MethodResult {
    match method {
        "auth.test" => Ok(auth_test::answer(state)),
        "users.list" => users_list::answer(state, params),
        "conversations.list" => conversations_list::answer(state, params),
        "conversations.open" => conversations_open::answer(state, params),
        "chat.postMessage" => chat_post_message::answer(state, params),
        "chat.postEphemeral" => chat_post_ephemeral::answer(state, params),
        "chat.update" => chat_update::answer(state, params),
        "views.publish" => views_publish::answer(state, params),
        "views.open" => views_open::answer(state, params),
        "views.update" => views_update::answer(state, params),
        "usergroups.list" => usergroups::list(state, params),
        "usergroups.users.list" => usergroups::users(state, params),
        "users.profile.get" => profiles::user_profile(state, params),
        "team.profile.get" => Ok(profiles::team_profile(state)),
        "files.getUploadURLExternal" => files::get_upload_url(state, params),
        "files.completeUploadExternal" => files::complete_upload(state, params),
        "apps.connections.open" => Ok(apps_connections_open::answer(state)),
        _ => Err(SlackError("unknown_method")),
    }
}

/// Where a message addressed to `channel` goes, or Slack's
/// `channel_not_found`.
fn destination(state: &State, channel: &str) -> Result<Destination, SlackError> {
    state
        .directory
        .resolve(channel)
        .ok_or(SlackError("channel_not_found"))
}

/// The member with the id `user`, or Slack's `user_not_found`.
fn member<'a>(state: &'a State, user: &str) -> Result<&'a FakeUser, SlackError> {
    state
        .directory
        .user(user)
        .ok_or(SlackError("user_not_found"))
}

/// A message's text and blocks, as `chat.postMessage`, `chat.postEphemeral`
/// and `chat.update` take them.
#[derive(Debug, Clone, PartialEq)]
struct MessageContent {
    text: String,
    /// A JSON array, or `Value::Null` when the call gave no blocks.
    blocks: Value,
}

/// Reads `text` and `blocks` (see [`read_blocks`]); a message needs text
/// or blocks.
fn read_content(params: &Params) -> Result<MessageContent, SlackError> {
    let blocks = read_blocks(params)?;
    let text = params.text("text").unwrap_or_default();
    let has_blocks = blocks.as_array().is_some_and(|blocks| !blocks.is_empty());
    if text.trim().is_empty() && !has_blocks {
        return Err(SlackError("no_text"));
    }
    Ok(MessageContent { text, blocks })
}

/// Reads `blocks`: a JSON array (JSON posts) or a string holding one (form
/// posts); `Value::Null` when the call gave none.
fn read_blocks(params: &Params) -> Result<Value, SlackError> {
    match params.value("blocks") {
        None => Ok(Value::Null),
        Some(Value::Array(blocks)) => Ok(Value::Array(blocks.clone())),
        Some(Value::String(encoded)) if encoded.trim().is_empty() => Ok(Value::Null),
        Some(Value::String(encoded)) => match serde_json::from_str::<Value>(encoded) {
            Ok(Value::Array(blocks)) => Ok(Value::Array(blocks)),
            Ok(_) | Err(_) => Err(SlackError("invalid_blocks")),
        },
        Some(_) => Err(SlackError("invalid_blocks")),
    }
}

/// Slack refuses views over 250 kB (`view_too_large`).
const MAX_VIEW_BYTES: usize = 250_000;

/// The block types Slack's views take (its Block Kit reference, "Blocks"):
/// a text object such as `{"type":"mrkdwn"}` in their place is refused
/// with `invalid_arguments`, as Slack refuses it.
const VIEW_BLOCK_TYPES: [&str; 11] = [
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "markdown",
    "rich_text",
    "section",
    "video",
];

/// Reads `view`, as `views.publish` and `views.open` take it: a JSON object
/// (JSON posts) or a string holding one (form posts, where Slack documents
/// it as "a JSON-encoded string"), of type `view_type`, with an array of
/// blocks, and at most 250 kB.
fn read_view(params: &Params, view_type: &str) -> Result<Map<String, Value>, SlackError> {
    let view = match params.value("view") {
        Some(Value::Object(view)) => view.clone(),
        Some(Value::String(encoded)) => match serde_json::from_str::<Value>(encoded) {
            Ok(Value::Object(view)) => view,
            Ok(_) | Err(_) => return Err(SlackError("invalid_arguments")),
        },
        Some(_) | None => return Err(SlackError("invalid_arguments")),
    };
    let blocks = view.get("blocks").and_then(Value::as_array);
    if view.get("type").and_then(Value::as_str) != Some(view_type)
        || blocks.is_none_or(|blocks| {
            blocks.iter().any(|block| {
                !block
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|kind| VIEW_BLOCK_TYPES.contains(&kind))
            })
        })
    {
        return Err(SlackError("invalid_arguments"));
    }
    if Value::Object(view.clone()).to_string().len() > MAX_VIEW_BYTES {
        return Err(SlackError("view_too_large"));
    }
    Ok(view)
}

/// A call's parameters, merged from the query string and the body. Query and
/// form values are strings; JSON values keep their type, so readers accept both.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Params(pub Map<String, Value>);

impl Params {
    /// A parameter that must be there and not be empty; Slack's `error`
    /// otherwise.
    pub fn required(&self, name: &str, error: &'static str) -> Result<String, SlackError> {
        self.text(name)
            .filter(|value| !value.is_empty())
            .ok_or(SlackError(error))
    }

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

    /// A boolean parameter: Slack's arrive as `true`/`1` (form) or JSON
    /// booleans; absent is false.
    pub fn flag(&self, name: &str) -> bool {
        self.text(name)
            .is_some_and(|value| value == "true" || value == "1")
    }

    /// A parameter as it arrived.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }
}

/// The scope without which Slack leaves people's emails out of
/// `users.list` and `users.profile.get`.
const EMAIL_SCOPE: &str = "users:read.email";

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
