//! What the fake saw: every Web API call (and what became of it), every
//! message it accepted (and each later edit of one, and the files shared
//! with it), every ephemeral message, every App Home view, every modal
//! opened, every post to a `response_url` and every call refused for being
//! over a rate limit.
//!
//! Tests, the demo and the benchmarks read these back through
//! [`super::FakeSlack::calls`], [`super::FakeSlack::messages`] and their
//! siblings; the handlers only append, except that `chat.update` edits the
//! message it names (its history stays in the updates).

use super::faults::Fault;
use super::limits::LimitViolation;
use serde_json::Value;
use std::time::Duration;

/// One Web API call, as the fake received and answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The method, such as `chat.postMessage`.
    pub method: String,
    /// The parameters: the query string, the form body and the JSON body
    /// merged into one object (a later source wins on a repeated name).
    pub params: Value,
    /// Whether the fake answered `"ok": true`.
    pub ok: bool,
    /// The error the fake answered with, such as `channel_not_found`, or
    /// `ratelimited` with a 429.
    pub error: Option<String>,
    /// What became of the call: answered, hit by a fault, or refused for
    /// being over a rate limit.
    pub outcome: CallOutcome,
}

/// What became of a Web API call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    /// Answered as Slack would: HTTP 200 and JSON, `ok` or an error.
    Answered,
    /// Hit by an injected fault. Only [`Fault::Slow`], [`Fault::Held`]
    /// and [`Fault::DroppedAfterEffect`] took effect; `ok` and `error` say how
    /// the call went in the workspace, whatever the client saw.
    Faulted(Fault),
    /// Refused for being over one of Slack's rate limits (HTTP 429,
    /// `Retry-After`); no effect.
    OverLimit {
        /// How long until the call would have been allowed.
        retry_after: Duration,
    },
}

/// A message the fake accepted through `chat.postMessage`, or the message
/// `files.completeUploadExternal` shared files with.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedMessage {
    /// The channel it went to (a channel, DM or multi-person DM id).
    pub channel: String,
    /// The recipient's user id, when it went into a one-to-one DM.
    pub dm_user: Option<String>,
    /// Its `text` (empty when only blocks were given).
    pub text: String,
    /// Its Block Kit blocks as a JSON array, or `Value::Null` if none.
    pub blocks: Value,
    /// The timestamp Slack would identify it by, such as `1700000000.000100`.
    pub ts: String,
    /// The files shared with it, in the order the call listed them; empty
    /// for a message posted by `chat.postMessage`.
    pub files: Vec<FakeFile>,
}

/// A file uploaded through `files.getUploadURLExternal`, its upload URL
/// and `files.completeUploadExternal`, as people would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeFile {
    /// Its id, such as `F0000000001`.
    pub id: String,
    /// Its file name, as `files.getUploadURLExternal` gave it.
    pub name: String,
    /// Its title, as `files.completeUploadExternal` gave it (the file name
    /// when it gave none).
    pub title: String,
    /// The description screen readers read, if the upload gave one
    /// (`alt_txt`).
    pub alt_text: Option<String>,
    /// The bytes uploaded, exactly.
    pub bytes: Vec<u8>,
}

/// An ephemeral message the fake accepted through `chat.postEphemeral`:
/// only `user` would have seen it, in `channel`.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedEphemeral {
    /// The channel it was shown in.
    pub channel: String,
    /// The user id of the one person who saw it.
    pub user: String,
    /// Its `text` (empty when only blocks were given).
    pub text: String,
    /// Its Block Kit blocks as a JSON array, or `Value::Null` if none.
    pub blocks: Value,
}

/// One accepted `chat.update`: the new content of the message at `ts`.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageUpdate {
    /// The message's channel.
    pub channel: String,
    /// The timestamp of the message that was edited.
    pub ts: String,
    /// Its new `text`.
    pub text: String,
    /// Its new blocks as a JSON array, or `Value::Null` if none.
    pub blocks: Value,
}

/// One post to a `response_url` the fake minted.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedResponse {
    /// The URL it was posted to.
    pub url: String,
    /// The JSON body: `text`, `blocks`, `response_type`, `replace_original`,
    /// `delete_original`, as the bot sent them.
    pub body: Value,
}

/// The first message timestamp: a fixed instant (November 2023) rather than
/// the wall clock, so that recorded runs compare equal from one run to the next.
const FIRST_TS_SECONDS: u64 = 1_700_000_000;
/// Slack timestamps carry microseconds; the first message gets `.000100`.
const FIRST_TS_MICROS: u64 = 100;

/// The calls and messages so far, and the next message timestamp.
#[derive(Debug)]
pub(super) struct Recorder {
    calls: Vec<RecordedCall>,
    messages: Vec<PostedMessage>,
    ephemerals: Vec<PostedEphemeral>,
    updates: Vec<MessageUpdate>,
    /// Every published App Home view, oldest first; the last per user is
    /// what they would see.
    home_views: Vec<(String, Value)>,
    /// Every modal opened, oldest first, with the user id of the person it
    /// was opened for.
    modals: Vec<(String, Value)>,
    responses: Vec<RecordedResponse>,
    violations: Vec<LimitViolation>,
    /// Microseconds since `FIRST_TS_SECONDS`; one step per message keeps
    /// timestamps strictly increasing, as Slack's are within a channel.
    next_ts_micros: u64,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            calls: Vec::new(),
            messages: Vec::new(),
            ephemerals: Vec::new(),
            updates: Vec::new(),
            home_views: Vec::new(),
            modals: Vec::new(),
            responses: Vec::new(),
            violations: Vec::new(),
            next_ts_micros: FIRST_TS_MICROS,
        }
    }
}

impl Recorder {
    /// Appends a call.
    pub fn record_call(&mut self, call: RecordedCall) {
        self.calls.push(call);
    }

    /// Appends a message.
    pub fn record_message(&mut self, message: PostedMessage) {
        self.messages.push(message);
    }

    /// Appends an ephemeral message.
    pub fn record_ephemeral(&mut self, ephemeral: PostedEphemeral) {
        self.ephemerals.push(ephemeral);
    }

    /// Replaces the content of the message at `update.ts` in
    /// `update.channel` and keeps the update; `false` (and nothing kept)
    /// when there is no such message.
    pub fn update_message(&mut self, update: MessageUpdate) -> bool {
        let Some(message) = self
            .messages
            .iter_mut()
            .find(|m| m.channel == update.channel && m.ts == update.ts)
        else {
            return false;
        };
        message.text.clone_from(&update.text);
        message.blocks.clone_from(&update.blocks);
        self.updates.push(update);
        true
    }

    /// Appends a published App Home view.
    pub fn record_home_view(&mut self, user: String, view: Value) {
        self.home_views.push((user, view));
    }

    /// Appends a modal opened for `user`.
    pub fn record_modal(&mut self, user: String, view: Value) {
        self.modals.push((user, view));
    }

    /// The modal whose `id` is `view_id`, to change in place: a modal
    /// updated is the same modal, showing something else.
    pub fn modal_mut(&mut self, view_id: &str) -> Option<&mut Value> {
        self.modals
            .iter_mut()
            .map(|(_, view)| view)
            .find(|view| view.get("id").and_then(Value::as_str) == Some(view_id))
    }

    /// How many modals were opened so far.
    pub fn modal_count(&self) -> usize {
        self.modals.len()
    }

    /// The modals opened for `user`, oldest first.
    pub fn modals_opened(&self, user: &str) -> Vec<Value> {
        self.modals
            .iter()
            .filter(|(to, _)| to == user)
            .map(|(_, view)| view.clone())
            .collect()
    }

    /// Appends a post to a `response_url`.
    pub fn record_response(&mut self, response: RecordedResponse) {
        self.responses.push(response);
    }

    /// Appends a call refused for being over a rate limit.
    pub fn record_violation(&mut self, violation: LimitViolation) {
        self.violations.push(violation);
    }

    /// A fresh timestamp, later than every one given before.
    pub fn next_ts(&mut self) -> String {
        let micros = self.next_ts_micros;
        self.next_ts_micros += 1;
        format!(
            "{}.{:06}",
            FIRST_TS_SECONDS + micros / 1_000_000,
            micros % 1_000_000
        )
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> &[RecordedCall] {
        &self.calls
    }

    /// Every accepted message so far, in order, as last updated.
    pub fn messages(&self) -> &[PostedMessage] {
        &self.messages
    }

    /// Every accepted ephemeral message so far, in order.
    pub fn ephemerals(&self) -> &[PostedEphemeral] {
        &self.ephemerals
    }

    /// Every accepted update so far, in order.
    pub fn updates(&self) -> &[MessageUpdate] {
        &self.updates
    }

    /// The view most recently published to `user`'s App Home.
    pub fn home_view(&self, user: &str) -> Option<&Value> {
        self.home_views
            .iter()
            .rev()
            .find_map(|(to, view)| (to == user).then_some(view))
    }

    /// Every post to a `response_url` so far, in order.
    pub fn responses(&self) -> &[RecordedResponse] {
        &self.responses
    }

    /// Every call refused for being over a rate limit so far, in order.
    pub fn violations(&self) -> &[LimitViolation] {
        &self.violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_start_at_a_fixed_instant_and_strictly_increase() {
        let mut recorder = Recorder::default();
        assert_eq!(recorder.next_ts(), "1700000000.000100");
        assert_eq!(recorder.next_ts(), "1700000000.000101");
        recorder.next_ts_micros = 999_999;
        assert_eq!(recorder.next_ts(), "1700000000.999999");
        assert_eq!(recorder.next_ts(), "1700000001.000000");
    }

    #[test]
    fn an_update_edits_the_message_and_keeps_its_history() {
        let mut recorder = Recorder::default();
        let channel = String::from("C1");
        let ts = recorder.next_ts();
        recorder.record_message(PostedMessage {
            channel: channel.clone(),
            dm_user: None,
            text: "before".into(),
            blocks: Value::Null,
            ts: ts.clone(),
            files: Vec::new(),
        });
        let update = |ts: &str| MessageUpdate {
            channel: channel.clone(),
            ts: ts.into(),
            text: "after".into(),
            blocks: Value::Null,
        };
        assert!(recorder.update_message(update(&ts)));
        assert!(!recorder.update_message(update("1.000000")));
        assert_eq!(recorder.messages()[0].text, "after");
        assert_eq!(recorder.updates().len(), 1);
    }

    #[test]
    fn the_home_view_is_the_last_one_published_to_that_person() {
        let mut recorder = Recorder::default();
        let (ada, bo) = (String::from("U1"), String::from("U2"));
        recorder.record_home_view(ada.clone(), Value::from(1));
        recorder.record_home_view(bo.clone(), Value::from(2));
        recorder.record_home_view(ada.clone(), Value::from(3));
        assert_eq!(recorder.home_view(&ada), Some(&Value::from(3)));
        assert_eq!(recorder.home_view(&bo), Some(&Value::from(2)));
        assert_eq!(recorder.home_view("U3"), None);
    }
}
