//! The Events API's callbacks as types, read once where they enter: an
//! [`EventCallback`] carries one [`InboundEvent`].
//!
//! Both transports read the same JSON into these types: an HTTP request's
//! body, and a Socket Mode `events_api` frame's payload. slack-morphism's
//! own model of an event (`SlackPushEventCallback`) is not used: it drops
//! the `parent_user_id` of a reply in a thread, which makes a passive
//! signal, and has no `tokens_revoked`.
//!
//! An event the bot does not act on, or acts on but cannot read (a
//! `team_join` without a readable user, say), is [`InboundEvent::Other`]
//! or [`InboundEvent::Shapeless`]: neither refuses the callback, since
//! Slack would only send it again.

use crate::domain::UserId;
use crate::slack::SlackPerson;
use chrono::{DateTime, TimeZone, Utc};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

/// An `event_callback`: one event, and the id Slack gives it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EventCallback {
    /// The same on every retry of the event, so that it is handled once.
    pub event_id: Option<String>,
    /// What happened.
    pub event: InboundEvent,
}

/// An event, as far as the bot reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboundEvent {
    /// `app_home_opened`: someone opened the bot's App Home.
    AppHomeOpened {
        /// Who.
        user: UserId,
        /// They opened the Messages tab, which shows no App Home.
        #[serde(rename = "tab", default, deserialize_with = "is_messages_tab")]
        messages_tab: bool,
    },
    /// `team_join`: someone joined the workspace.
    TeamJoin {
        /// Who, as Slack lists them.
        user: SlackPerson,
    },
    /// `user_change`: someone's profile changed, or they were deactivated.
    #[serde(rename = "user_change")]
    MemberChanged {
        /// Who, as Slack lists them now.
        user: SlackPerson,
    },
    /// `message` or `app_mention`: a message in a channel the bot is in,
    /// read for passive signals.
    #[serde(alias = "app_mention")]
    Message(SeenMessage),
    /// `app_uninstalled`: the app left the workspace.
    AppUninstalled,
    /// `tokens_revoked`: Slack revoked some of the app's tokens.
    TokensRevoked {
        /// The bot's token is among them (the app holds no user tokens).
        #[serde(rename = "tokens", default, deserialize_with = "names_bot_tokens")]
        bot_token: bool,
    },
    /// Any other event, or one of the kinds above that the bot cannot
    /// read (see [`InboundEvent::unreadable`]).
    #[serde(untagged)]
    Other {
        /// Slack's `type` of the event.
        #[serde(rename = "type")]
        kind: String,
    },
    /// An event without a readable `type`.
    #[serde(untagged)]
    Shapeless(IgnoredAny),
}

impl Default for InboundEvent {
    /// A callback without an event.
    fn default() -> Self {
        Self::Shapeless(IgnoredAny)
    }
}

/// The kinds of event the bot acts on, by Slack's `type`.
const ACTED_ON: [&str; 7] = [
    "app_home_opened",
    "team_join",
    "user_change",
    "message",
    "app_mention",
    "app_uninstalled",
    "tokens_revoked",
];

impl InboundEvent {
    /// Slack's `type` of the event, for the logs.
    pub fn kind(&self) -> &str {
        match self {
            Self::AppHomeOpened { .. } => "app_home_opened",
            Self::TeamJoin { .. } => "team_join",
            Self::MemberChanged { .. } => "user_change",
            Self::Message(_) => "message",
            Self::AppUninstalled => "app_uninstalled",
            Self::TokensRevoked { .. } => "tokens_revoked",
            Self::Other { kind } => kind,
            Self::Shapeless(_) => "",
        }
    }

    /// An event of a kind the bot acts on, in a shape it cannot read (a
    /// `team_join` without a readable user, say).
    pub fn unreadable(&self) -> bool {
        matches!(self, Self::Other { kind } if ACTED_ON.contains(&kind.as_str()))
    }
}

/// A message as far as a passive signal needs it: who wrote it, when,
/// whom it names, and whose thread it replies in. Its text is read for
/// mentions and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "MessagePayload")]
pub struct SeenMessage {
    /// Who wrote it, if a person with a valid id did.
    pub author: Option<UserId>,
    /// Posted by a bot (Slack's `bot_id`).
    pub from_bot: bool,
    /// Slack's `subtype`: an edit, a deletion, a join, … (`None` for a
    /// message a person wrote).
    pub subtype: Option<String>,
    /// Its text (mrkdwn), mentions as `<@U…>`.
    pub text: String,
    /// When it was posted, from its `ts`, to the second.
    pub at: Option<DateTime<Utc>>,
    /// For a reply in a thread: who started the thread.
    pub thread_author: Option<UserId>,
}

#[derive(Debug, Deserialize)]
struct MessagePayload {
    user: Option<String>,
    bot_id: Option<String>,
    subtype: Option<String>,
    text: Option<String>,
    ts: Option<String>,
    thread_ts: Option<String>,
    parent_user_id: Option<String>,
}

/// Whether an `app_home_opened`'s `tab` is the Messages tab.
fn is_messages_tab<'de, D: Deserializer<'de>>(tab: D) -> Result<bool, D::Error> {
    Ok(Option::<String>::deserialize(tab)?.as_deref() == Some("messages"))
}

/// Whether a `tokens_revoked`'s `tokens` name any bot token.
fn names_bot_tokens<'de, D: Deserializer<'de>>(tokens: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    struct Revoked {
        #[serde(default)]
        bot: Vec<String>,
    }
    Ok(!Revoked::deserialize(tokens)?.bot.is_empty())
}

impl From<MessagePayload> for SeenMessage {
    fn from(message: MessagePayload) -> Self {
        let valid = |id: Option<String>| id.and_then(|id| UserId::parse(&id).ok());
        let in_thread = message.thread_ts.is_some() && message.thread_ts != message.ts;
        Self {
            author: valid(message.user),
            from_bot: message.bot_id.is_some(),
            subtype: message.subtype,
            text: message.text.unwrap_or_default(),
            at: message.ts.as_deref().and_then(seconds_of_ts),
            thread_author: valid(message.parent_user_id.filter(|_| in_thread)),
        }
    }
}

/// The time of a Slack `ts` (`"1772445600.000100"`), to the second.
fn seconds_of_ts(ts: &str) -> Option<DateTime<Utc>> {
    let seconds = ts.split('.').next()?.parse::<i64>().ok()?;
    Utc.timestamp_opt(seconds, 0).single()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(json: serde_json::Value) -> InboundEvent {
        serde_json::from_value(json).unwrap()
    }

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn the_app_home_is_opened_on_its_home_tab_or_its_messages_tab() {
        assert_eq!(
            event(json!({ "type": "app_home_opened", "user": "U1", "tab": "home" })),
            InboundEvent::AppHomeOpened {
                user: user("U1"),
                messages_tab: false
            }
        );
        assert_eq!(
            event(
                json!({ "type": "app_home_opened", "user": "U1", "tab": "messages",
                          "channel": "D1", "event_ts": "1.2" })
            ),
            InboundEvent::AppHomeOpened {
                user: user("U1"),
                messages_tab: true
            }
        );
    }

    #[test]
    fn people_joining_and_changing_are_read_as_slack_lists_them() {
        let member = json!({ "id": "U5", "name": "erin", "deleted": true,
                             "profile": { "real_name": "Erin Left" } });
        let InboundEvent::MemberChanged { user: erin } =
            event(json!({ "type": "user_change", "user": member.clone() }))
        else {
            panic!("a change to a person");
        };
        assert_eq!((erin.id.as_str(), erin.name.as_str()), ("U5", "Erin Left"));
        assert!(erin.deleted);
        assert!(matches!(
            event(json!({ "type": "team_join", "user": member })),
            InboundEvent::TeamJoin { user: joined } if joined == erin
        ));
    }

    #[test]
    fn an_event_the_bot_acts_on_in_a_shape_it_cannot_read_is_unreadable() {
        for (json, kind) in [
            (json!({ "type": "team_join", "user": "U1" }), "team_join"),
            (json!({ "type": "user_change" }), "user_change"),
            (
                json!({ "type": "app_home_opened", "user": "nobody" }),
                "app_home_opened",
            ),
            (
                json!({ "type": "tokens_revoked", "tokens": { "bot": 3 } }),
                "tokens_revoked",
            ),
        ] {
            let event = event(json.clone());
            assert!(event.unreadable(), "{json}");
            assert_eq!(event.kind(), kind);
        }
    }

    #[test]
    fn other_events_and_shapeless_ones_are_ignored_without_refusing_the_callback() {
        let reaction = event(json!({ "type": "reaction_added", "user": "U1" }));
        assert_eq!(
            reaction,
            InboundEvent::Other {
                kind: "reaction_added".to_owned()
            }
        );
        assert!(!reaction.unreadable());
        for shapeless in [json!({ "user": "U1" }), json!(5), json!({ "type": null })] {
            assert_eq!(event(shapeless), InboundEvent::default());
        }
        let callback: EventCallback = serde_json::from_value(json!({ "type": "event_callback" }))
            .expect("a callback without an event id or an event");
        assert_eq!(callback.event_id, None);
    }

    #[test]
    fn only_the_bots_own_revoked_token_counts() {
        let revoked = |tokens: serde_json::Value| {
            event(json!({ "type": "tokens_revoked", "tokens": tokens }))
        };
        assert_eq!(
            revoked(json!({ "oauth": [], "bot": ["U0BOT"] })),
            InboundEvent::TokensRevoked { bot_token: true }
        );
        assert_eq!(
            revoked(json!({ "oauth": ["U1"], "bot": [] })),
            InboundEvent::TokensRevoked { bot_token: false }
        );
    }

    #[test]
    fn a_message_is_read_with_its_author_time_and_thread() {
        let InboundEvent::Message(reply) = event(json!({ "type": "message", "user": "U1",
            "text": "agreed <@U2>", "ts": "1772445700.000200",
            "thread_ts": "1772445600.000100", "parent_user_id": "U4", "channel": "C1" }))
        else {
            panic!("a message");
        };
        assert_eq!(reply.author, Some(user("U1")));
        assert_eq!(reply.thread_author, Some(user("U4")));
        assert_eq!(reply.text, "agreed <@U2>");
        assert_eq!(reply.at.map(|at| at.timestamp()), Some(1_772_445_700));
        assert!(!reply.from_bot && reply.subtype.is_none());

        // The thread's first message names no parent: it is not a reply.
        let InboundEvent::Message(first) = event(json!({ "type": "app_mention", "user": "U4",
            "text": "<@U0BOT> hi", "ts": "1772445600.000100", "thread_ts": "1772445600.000100",
            "parent_user_id": "U4", "bot_id": "B1", "subtype": "bot_message" }))
        else {
            panic!("a mention");
        };
        assert_eq!(first.thread_author, None);
        assert!(first.from_bot);
        assert_eq!(first.subtype.as_deref(), Some("bot_message"));
    }
}
