//! What the fake saw: every Web API call, and every message it accepted.
//!
//! Tests, the demo and the benchmarks read these back through
//! [`super::FakeSlack::calls`] and [`super::FakeSlack::messages`]; the
//! method handlers only append.

use crate::domain::{ChannelId, UserId};
use serde_json::Value;

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
    /// The error the fake answered with, such as `channel_not_found`.
    pub error: Option<String>,
}

/// A message the fake accepted through `chat.postMessage`.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedMessage {
    /// The channel it went to (a channel, DM or multi-person DM id).
    pub channel: ChannelId,
    /// The recipient, when it went into a one-to-one DM.
    pub dm_user: Option<UserId>,
    /// Its `text` (empty when only blocks were given).
    pub text: String,
    /// Its Block Kit blocks as a JSON array, or `Value::Null` if none.
    pub blocks: Value,
    /// The timestamp Slack would identify it by, such as `1700000000.000100`.
    pub ts: String,
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
    /// Microseconds since `FIRST_TS_SECONDS`; one step per message keeps
    /// timestamps strictly increasing, as Slack's are within a channel.
    next_ts_micros: u64,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            calls: Vec::new(),
            messages: Vec::new(),
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

    /// Every accepted message so far, in order.
    pub fn messages(&self) -> &[PostedMessage] {
        &self.messages
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
}
