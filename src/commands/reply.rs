//! What a command answers: an ephemeral message only the person who typed
//! it sees, and sometimes an effect on Slack that the transport carries out.

use crate::domain::UserId;
use serde_json::{Value, json};

/// An ephemeral answer to the person who typed a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The text (mrkdwn), also the notification fallback.
    pub text: String,
    /// Block Kit blocks, when the answer has buttons or structure.
    pub blocks: Vec<Value>,
}

impl Reply {
    /// A plain text answer.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            blocks: Vec::new(),
        }
    }

    /// The JSON Slack expects as an immediate, ephemeral answer.
    pub fn to_ephemeral_json(&self) -> Value {
        let mut body = json!({ "response_type": "ephemeral", "text": self.text });
        if !self.blocks.is_empty() {
            body["blocks"] = Value::Array(self.blocks.clone());
        }
        body
    }
}

/// Something a command asks of Slack besides its answer. Commands decide;
/// the transport (which holds the Slack client) does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Open a group DM introducing `a` and `b`, from `by`.
    Introduce {
        /// Who asked for the introduction.
        by: UserId,
        /// One of the two.
        a: UserId,
        /// The other.
        b: UserId,
        /// What the asker wrote.
        note: Option<String>,
    },
    /// Post the digest now, to this channel (or the configured one).
    DigestNow {
        /// A channel id or name.
        channel: Option<String>,
    },
}

/// A command's outcome: the answer, and at most one effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The answer.
    pub reply: Reply,
    /// What Slack should do besides.
    pub effect: Option<Effect>,
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            effect: None,
        }
    }
}
