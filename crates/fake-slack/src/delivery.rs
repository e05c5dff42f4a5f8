//! Deliveries: the fake acting as Slack toward the bot. A [`Delivery`] is
//! one thing Slack would send (a slash command, a button or form
//! submission, an event) and knows its shape on both transports: inside a
//! Socket Mode envelope ([`super::socket_mode`]) and as a signed HTTP
//! request ([`super::http_delivery`]).
//!
//! The shapes follow Slack's documentation: a slash command is a flat set
//! of text fields (form-encoded over HTTP, a JSON object over Socket Mode);
//! an interaction is its `payload` JSON (the form field `payload` over
//! HTTP); an event is wrapped in an `event_callback`.

use super::directory::Directory;
use super::triggers::Triggers;
use super::workspace::{APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID};
use super::{FakeSlack, opaque_id};
use rand::RngExt;
use serde_json::{Map, Value, json};
use std::time::Duration;
use tokio::time::Instant;

/// Slack's verification token: the older check, deprecated for signatures
/// but still sent in every payload, so the fake sends one too.
pub const VERIFICATION_TOKEN: &str = "fake-verification-token";

/// One request from Slack to the bot.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Someone typed a slash command.
    SlashCommand {
        /// The command, such as `/met`.
        command: String,
        /// What followed it, such as `@ada coffee`.
        text: String,
        /// The user id of who typed it.
        user: String,
        /// The id of the channel (or DM) they typed it in.
        channel: String,
        /// The id that lets the bot open a modal within 3 seconds of the
        /// delivery (`views.open`), once.
        trigger_id: String,
        /// Where the bot may post up to five answers, for 30 minutes.
        response_url: String,
    },
    /// Someone pressed a button or submitted a modal: the `payload` JSON as
    /// Slack sends it (`block_actions`, `view_submission`, …).
    Interaction {
        /// The payload, with its `type`.
        payload: Value,
    },
    /// Something happened that the bot subscribed to (`app_home_opened`,
    /// `app_uninstalled`, …).
    Event {
        /// Slack's id for the event; a retry carries the same one.
        event_id: String,
        /// The inner event, with its `type`.
        event: Value,
        /// When it happened, in Unix seconds.
        event_time: i64,
    },
}

/// What the bot answered.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryAnswer {
    /// The HTTP status; 200 for an ack over Socket Mode.
    pub status: u16,
    /// Over Socket Mode, the ack's `payload`; over HTTP, the response's JSON
    /// body (a body that is not JSON comes as a string). `{}` when empty.
    pub body: Value,
}

/// Why a delivery got no answer.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No Socket Mode client is connected.
    #[error("no Socket Mode client is connected to the fake Slack")]
    NotConnected,
    /// The client did not ack the envelope in time.
    #[error("envelope {envelope_id} was not acknowledged within {waited:?}")]
    NotAcknowledged {
        /// The envelope that went unacknowledged.
        envelope_id: String,
        /// How long the fake waited.
        waited: Duration,
    },
    /// The connection closed before the envelope was acked.
    #[error("the Socket Mode connection closed before envelope {envelope_id} was acknowledged")]
    ConnectionClosed {
        /// The envelope that went unacknowledged.
        envelope_id: String,
    },
    /// The HTTP request failed or timed out; a status (even 401 or 500) is
    /// an answer, not this error.
    #[error("the bot did not answer over HTTP")]
    Http(#[from] reqwest::Error),
}

impl Delivery {
    /// The envelope `type` Socket Mode gives this delivery.
    fn envelope_type(&self) -> &'static str {
        match self {
            Delivery::SlashCommand { .. } => "slash_commands",
            Delivery::Interaction { .. } => "interactive",
            Delivery::Event { .. } => "events_api",
        }
    }

    /// Whether the ack may carry a response: Slack accepts one for slash
    /// commands and for the interactions that answer in place (a modal's
    /// errors or next view, a menu's options), not for buttons or events.
    fn accepts_response_payload(&self) -> bool {
        match self {
            Delivery::SlashCommand { .. } => true,
            Delivery::Interaction { payload } => matches!(
                payload.get("type").and_then(Value::as_str),
                Some("view_submission" | "block_suggestion")
            ),
            Delivery::Event { .. } => false,
        }
    }

    /// The payload as Socket Mode carries it.
    fn payload(&self, directory: &Directory) -> Value {
        match self {
            Delivery::SlashCommand { .. } => {
                let fields = self.slash_command_fields(directory);
                Value::Object(
                    fields
                        .into_iter()
                        .map(|(name, value)| (name.to_owned(), Value::String(value)))
                        .collect(),
                )
            }
            Delivery::Interaction { payload } => payload.clone(),
            Delivery::Event {
                event_id,
                event,
                event_time,
            } => event_callback(event_id, event, *event_time),
        }
    }

    /// The trigger id this delivery issues and the user id of the person it
    /// is issued for: a slash command's, or an interaction's `trigger_id`
    /// and `user.id`. Events carry none.
    pub(super) fn issued_trigger(&self) -> Option<(&str, &str)> {
        match self {
            Delivery::SlashCommand {
                trigger_id, user, ..
            } => Some((trigger_id, user)),
            Delivery::Interaction { payload } => Some((
                payload.get("trigger_id")?.as_str()?,
                payload.get("user")?.get("id")?.as_str()?,
            )),
            Delivery::Event { .. } => None,
        }
    }

    /// Issues this delivery's trigger id, if it carries one, as it is sent:
    /// Slack's 3 seconds run from then.
    pub(super) fn issue_trigger(&self, triggers: &mut Triggers) {
        if let Some((trigger, user)) = self.issued_trigger() {
            triggers.issue(trigger, user, Instant::now());
        }
    }

    /// The whole Socket Mode envelope.
    pub(super) fn envelope(&self, envelope_id: &str, directory: &Directory) -> Value {
        json!({
            "envelope_id": envelope_id,
            "type": self.envelope_type(),
            "payload": self.payload(directory),
            "accepts_response_payload": self.accepts_response_payload(),
            "retry_attempt": 0,
            "retry_reason": "",
        })
    }

    /// A slash command's fields, as Slack sends them: all text, names
    /// looked up in the workspace. Empty for other deliveries.
    pub(super) fn slash_command_fields(
        &self,
        directory: &Directory,
    ) -> Vec<(&'static str, String)> {
        let Delivery::SlashCommand {
            command,
            text,
            user,
            channel,
            trigger_id,
            response_url,
        } = self
        else {
            return Vec::new();
        };
        let user_name = directory
            .user(user)
            .map_or_else(|| user.clone(), |u| u.name.clone());
        vec![
            ("token", VERIFICATION_TOKEN.to_owned()),
            ("team_id", TEAM_ID.to_owned()),
            ("team_domain", TEAM_DOMAIN.to_owned()),
            ("channel_id", channel.clone()),
            ("channel_name", directory.channel_name_for(channel)),
            ("user_id", user.clone()),
            ("user_name", user_name),
            ("command", command.clone()),
            ("text", text.clone()),
            ("api_app_id", APP_ID.to_owned()),
            ("is_enterprise_install", "false".to_owned()),
            ("response_url", response_url.clone()),
            ("trigger_id", trigger_id.clone()),
        ]
    }
}

/// An event wrapped as Slack wraps it for the Events API and Socket Mode.
pub(super) fn event_callback(event_id: &str, event: &Value, event_time: i64) -> Value {
    let mut callback = Map::new();
    callback.insert("token".into(), VERIFICATION_TOKEN.into());
    callback.insert("team_id".into(), TEAM_ID.into());
    callback.insert("api_app_id".into(), APP_ID.into());
    callback.insert("event".into(), event.clone());
    callback.insert("type".into(), "event_callback".into());
    callback.insert("event_id".into(), event_id.into());
    callback.insert("event_time".into(), event_time.into());
    callback.insert(
        "authorizations".into(),
        json!([{ "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": true, "is_enterprise_install": false }]),
    );
    callback.insert("is_ext_shared_channel".into(), false.into());
    Value::Object(callback)
}

/// A trigger id in Slack's shape (`digits.digits.hex`), random so that a
/// made-up one is never taken for it.
pub(super) fn trigger_id() -> String {
    let mut rng = rand::rng();
    format!(
        "{}.{}.{}",
        rng.random_range(1_000_000_000_u64..10_000_000_000),
        rng.random_range(100_000_000_u64..1_000_000_000),
        opaque_id().replace('-', "")
    )
}

impl FakeSlack {
    /// A slash command typed by `user` (a user id) in `channel` (a channel
    /// or DM id), with a fresh trigger id and a fresh `response_url` served
    /// by this fake.
    pub fn slash_command(
        &self,
        command: &str,
        text: &str,
        user: impl AsRef<str>,
        channel: impl AsRef<str>,
    ) -> Delivery {
        Delivery::SlashCommand {
            command: command.to_owned(),
            text: text.to_owned(),
            user: user.as_ref().to_owned(),
            channel: channel.as_ref().to_owned(),
            trigger_id: trigger_id(),
            response_url: self.response_url(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Workspace;

    fn directory() -> Directory {
        Directory::new(Workspace::new("xoxb-1", vec![], vec![])).unwrap()
    }

    fn command() -> Delivery {
        Delivery::SlashCommand {
            command: "/met".into(),
            text: "@ada".into(),
            user: "U1".into(),
            channel: "D1".into(),
            trigger_id: "1.2.3".into(),
            response_url: "http://127.0.0.1:1/response/r".into(),
        }
    }

    #[test]
    fn a_slash_command_envelope_carries_text_fields_and_accepts_a_response() {
        let envelope = command().envelope("e1", &directory());
        assert_eq!(envelope["type"], "slash_commands");
        assert_eq!(envelope["accepts_response_payload"], true);
        assert_eq!(envelope["payload"]["command"], "/met");
        assert_eq!(envelope["payload"]["channel_name"], "directmessage");
        assert_eq!(envelope["payload"]["user_name"], "U1");
        assert_eq!(envelope["payload"]["is_enterprise_install"], "false");
    }

    #[test]
    fn only_modal_submissions_and_menus_accept_a_response_among_interactions() {
        let of = |kind: &str| Delivery::Interaction {
            payload: json!({ "type": kind }),
        };
        assert!(of("view_submission").accepts_response_payload());
        assert!(of("block_suggestion").accepts_response_payload());
        assert!(!of("block_actions").accepts_response_payload());
    }

    #[test]
    fn an_event_is_wrapped_in_an_event_callback() {
        let event = Delivery::Event {
            event_id: "Ev1".into(),
            event: json!({ "type": "app_home_opened", "user": "U1" }),
            event_time: 1_700_000_000,
        };
        let envelope = event.envelope("e1", &directory());
        assert_eq!(envelope["type"], "events_api");
        assert_eq!(envelope["accepts_response_payload"], false);
        assert_eq!(envelope["payload"]["type"], "event_callback");
        assert_eq!(envelope["payload"]["event_id"], "Ev1");
        assert_eq!(envelope["payload"]["event"]["type"], "app_home_opened");
        assert!(event.slash_command_fields(&directory()).is_empty());
    }

    #[test]
    fn trigger_ids_have_slacks_three_parts_and_differ() {
        let (a, b) = (trigger_id(), trigger_id());
        assert_eq!(a.split('.').count(), 3);
        assert_ne!(a, b);
    }
}
