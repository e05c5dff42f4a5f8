//! Slack's requests as types, checked where they enter: a [`SlashCommand`]
//! and a [`ButtonPress`], from either transport.
//!
//! Both transports carry the same fields: a slash command's as a form over
//! HTTP and as JSON down a socket ([`CommandFields`] reads both), an
//! interaction's as the same JSON ([`Interaction`]). Past this file nothing
//! reads Slack's fields by name.

use crate::domain::{CALENDAR_MODAL_ID, UserId};
use crate::slack::{ADDRESS_ACTION, ADDRESS_BLOCK};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::HashMap;

/// A slash command as Slack delivers it, over either transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashCommand {
    /// `/met` or `/alliances`.
    pub command: String,
    /// What follows the command.
    pub text: String,
    /// Who typed it.
    pub user: UserId,
    /// The channel it was typed in.
    pub channel: Option<String>,
    /// Unique to this invocation: the key that makes a redelivery harmless.
    pub trigger_id: String,
    /// Where later answers go.
    pub response_url: Option<String>,
}

/// Why a slash command is refused before it is read: its `user_id`.
const NO_VALID_USER: &str = "the slash command has no valid user_id";

/// A slash command's fields as Slack sends them, strings in a form or in
/// JSON. Any may be missing: a command without a valid user is
/// refused by [`CommandFields::into_command`]; the rest have defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommandFields {
    command: String,
    text: String,
    user_id: String,
    channel_id: Option<String>,
    trigger_id: String,
    response_url: Option<String>,
}

impl CommandFields {
    /// The command, checked at the edge: a valid user id, or what is wrong.
    pub fn into_command(self) -> Result<SlashCommand, &'static str> {
        let user = UserId::parse(&self.user_id).map_err(|_| NO_VALID_USER)?;
        Ok(SlashCommand {
            command: self.command,
            text: self.text,
            user,
            channel: self.channel_id,
            trigger_id: self.trigger_id,
            response_url: self.response_url,
        })
    }
}

/// Someone pressed one of the bot's buttons (Slack's `block_actions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonPress {
    /// Who pressed.
    pub user: UserId,
    /// The buttons pressed: one, in practice.
    pub buttons: Vec<Button>,
    /// Where the answer to the press goes.
    pub response_url: Option<String>,
    /// What lets the bot open a modal in answer, for 3 seconds.
    pub trigger_id: Option<String>,
}

/// One pressed button, as an action of a `block_actions` payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Button {
    /// Which button: what the bot gave it when it drew it.
    pub action_id: String,
    /// What the bot put in the button (empty if nothing).
    pub value: String,
}

/// What reaches the interactivity endpoint, or comes down a socket as
/// `interactive`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "InteractionPayload")]
pub enum Interaction {
    /// Someone pressed one of the bot's buttons.
    ButtonPress(ButtonPress),
    /// A button press that names no valid user: acknowledged, and logged.
    PressWithoutUser,
    /// Someone submitted the calendar modal.
    CalendarSubmitted(CalendarSubmission),
    /// An interaction the bot has no part in (a shortcut, a modal).
    Other,
}

/// The calendar modal, submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSubmission {
    /// Who submitted it.
    pub user: UserId,
    /// The modal, to show them what became of it.
    pub view_id: String,
    /// What they typed: an address, perhaps, and a secret either way.
    pub address: TypedAddress,
}

/// What someone typed as their calendar's address: never shown by `Debug`.
#[derive(Debug, Clone)]
pub struct TypedAddress(pub SecretString);

impl PartialEq for TypedAddress {
    fn eq(&self, other: &Self) -> bool {
        self.0.expose_secret() == other.0.expose_secret()
    }
}

impl Eq for TypedAddress {}

/// An interaction's JSON: a `block_actions` payload, or anything else.
/// Any JSON is one of the two, so that Slack's signed requests are
/// answered 200 whatever they hold.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum InteractionPayload {
    BlockActions(BlockActions),
    ViewSubmission(ViewSubmission),
    #[serde(untagged)]
    Other(IgnoredAny),
}

/// A `block_actions` payload's fields the bot reads; any may be missing.
#[derive(Debug, Deserialize)]
struct BlockActions {
    user: Option<PressedBy>,
    #[serde(default)]
    actions: Vec<Button>,
    response_url: Option<String>,
    trigger_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PressedBy {
    id: String,
}

/// A `view_submission` payload's fields the bot reads.
#[derive(Debug, Deserialize)]
struct ViewSubmission {
    user: Option<PressedBy>,
    view: Option<SubmittedView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SubmittedView {
    id: String,
    callback_id: String,
    state: ViewState,
}

/// The inputs' values: by block, then by action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ViewState {
    values: HashMap<String, HashMap<String, InputValue>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InputValue {
    value: Option<String>,
}

impl ViewSubmission {
    /// The calendar modal's submission, when that is what this is.
    fn calendar(self) -> Option<CalendarSubmission> {
        let view = self.view?;
        if view.callback_id != CALENDAR_MODAL_ID {
            return None;
        }
        let user = UserId::parse(&self.user?.id).ok()?;
        let typed = view
            .state
            .values
            .get(ADDRESS_BLOCK)
            .and_then(|block| block.get(ADDRESS_ACTION))
            .and_then(|input| input.value.clone())
            .unwrap_or_default();
        Some(CalendarSubmission {
            user,
            view_id: view.id,
            address: TypedAddress(SecretString::from(typed)),
        })
    }
}

impl From<InteractionPayload> for Interaction {
    fn from(payload: InteractionPayload) -> Self {
        match payload {
            InteractionPayload::BlockActions(press) => {
                match press.user.map(|by| UserId::parse(&by.id)) {
                    Some(Ok(user)) => Self::ButtonPress(ButtonPress {
                        user,
                        buttons: press.actions,
                        response_url: press.response_url,
                        trigger_id: press.trigger_id,
                    }),
                    _ => Self::PressWithoutUser,
                }
            }
            InteractionPayload::ViewSubmission(submission) => submission
                .calendar()
                .map_or(Self::Other, Self::CalendarSubmitted),
            InteractionPayload::Other(_) => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn press_json(user: serde_json::Value) -> serde_json::Value {
        json!({
            "type": "block_actions",
            "team": { "id": "T1", "domain": "acme" },
            "user": user,
            "api_app_id": "A1",
            "container": { "type": "message", "message_ts": "1.2", "channel_id": "D1" },
            "trigger_id": "1.2.abc",
            "response_url": "https://hooks.slack.com/actions/T1/1/abc",
            "actions": [{ "type": "button", "action_id": "nudge_we_met", "block_id": "nudge",
                          "value": "U1:U2", "action_ts": "1700000000.000200" }],
        })
    }

    fn expected() -> ButtonPress {
        ButtonPress {
            user: UserId::parse("U1").unwrap(),
            buttons: vec![Button {
                action_id: "nudge_we_met".to_owned(),
                value: "U1:U2".to_owned(),
            }],
            response_url: Some("https://hooks.slack.com/actions/T1/1/abc".to_owned()),
            trigger_id: Some("1.2.abc".to_owned()),
        }
    }

    #[test]
    fn the_calendar_modal_submitted_is_read_with_its_address_kept_secret() {
        let payload = json!({
            "type": "view_submission",
            "team": { "id": "T1", "domain": "acme" },
            "user": { "id": "U1", "name": "ada" },
            "trigger_id": "1.2.def",
            "view": {
                "id": "V123", "type": "modal", "callback_id": "calendar_consent",
                "private_metadata": "",
                "state": { "values": { "calendar_address": { "address": {
                    "type": "plain_text_input",
                    "value": "https://calendar.google.com/calendar/ical/a/private-77/basic.ics"
                } } } },
            },
        });
        let Interaction::CalendarSubmitted(submission) =
            serde_json::from_value(payload.clone()).unwrap()
        else {
            panic!("not read as the calendar modal");
        };
        assert_eq!(submission.user, UserId::parse("U1").unwrap());
        assert_eq!(submission.view_id, "V123");
        assert!(
            submission
                .address
                .0
                .expose_secret()
                .ends_with("private-77/basic.ics")
        );
        assert!(!format!("{submission:?}").contains("private-77"));

        let mut other = payload;
        other["view"]["callback_id"] = json!("someone_elses");
        assert_eq!(
            serde_json::from_value::<Interaction>(other).unwrap(),
            Interaction::Other
        );
    }

    #[test]
    fn a_press_reads_the_same_over_http_and_over_socket_mode() {
        let payload = press_json(json!({ "id": "U1", "team_id": "T1" }));
        let over_http: Interaction = serde_json::from_value(payload.clone()).unwrap();
        assert_eq!(over_http, Interaction::ButtonPress(expected()));
        let over_socket: Interaction = serde_json::from_value(payload).unwrap();
        assert_eq!(over_socket, Interaction::ButtonPress(expected()));
    }

    /// Slack sends the whole message or App Home whose button was pressed;
    /// the press must read with them, or it is lost.
    #[test]
    fn a_press_on_a_nudge_or_on_the_app_home_reads_with_the_blocks_slack_sends_along() {
        let button = json!({ "type": "button", "action_id": "nudge_we_met", "value": "U1:U2",
                             "text": { "type": "plain_text", "text": "We met", "emoji": true },
                             "style": "primary" });
        let blocks = json!([
            { "type": "section", "block_id": "a", "text": { "type": "mrkdwn", "text": "Hi", "verbatim": false } },
            { "type": "context", "block_id": "b", "elements": [{ "type": "mrkdwn", "text": "Ops", "verbatim": false }] },
            { "type": "actions", "block_id": "nudge", "elements": [button] },
        ]);
        let mut on_message =
            press_json(json!({ "id": "U1", "username": "ada", "name": "ada", "team_id": "T1" }));
        on_message["message"] = json!({ "type": "message", "subtype": "bot_message", "text": "Hi",
            "ts": "1.2", "bot_id": "B1", "blocks": blocks });
        on_message["state"] = json!({ "values": {} });
        let mut on_home = press_json(json!({ "id": "U1", "team_id": "T1" }));
        on_home["container"] = json!({ "type": "view", "view_id": "V1" });
        on_home["view"] = json!({ "id": "V1", "team_id": "T1", "type": "home", "blocks": blocks,
            "private_metadata": "", "callback_id": "", "state": { "values": {} }, "hash": "1.abc",
            "title": { "type": "plain_text", "text": "View Title", "emoji": true },
            "clear_on_close": false, "notify_on_close": false, "close": null, "submit": null,
            "previous_view_id": null, "root_view_id": "V1", "app_id": "A1", "external_id": "",
            "app_installed_team_id": "T1", "bot_id": "B1" });
        for payload in [on_message, on_home] {
            let over_socket: Interaction = serde_json::from_value(payload).unwrap();
            assert_eq!(over_socket, Interaction::ButtonPress(expected()));
        }
    }

    #[test]
    fn a_press_without_a_valid_user_is_refused_on_both_transports() {
        for user in [json!(null), json!({ "id": "not an id" })] {
            let payload = press_json(user);
            let over_http: Interaction = serde_json::from_value(payload.clone()).unwrap();
            assert_eq!(over_http, Interaction::PressWithoutUser);
            let over_socket: Interaction = serde_json::from_value(payload).unwrap();
            assert_eq!(over_socket, Interaction::PressWithoutUser);
        }
    }

    #[test]
    fn any_other_json_is_an_interaction_the_bot_has_no_part_in() {
        for other in [
            json!({ "type": "view_submission", "user": { "id": "U1" } }),
            json!({ "user": { "id": "U1" } }),
            json!([1, 2]),
            json!("block_actions"),
        ] {
            let interaction: Interaction = serde_json::from_value(other.clone()).unwrap();
            assert_eq!(interaction, Interaction::Other, "{other}");
        }
    }

    #[test]
    fn a_command_reads_the_same_from_the_form_and_from_socket_mode() {
        let form = "command=%2Fmet&text=%3C%40U2%3E+lunch&user_id=U1&channel_id=C1\
                    &trigger_id=1.2.3&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fx\
                    &team_id=T1";
        let over_http = serde_urlencoded::from_str::<CommandFields>(form)
            .unwrap()
            .into_command()
            .unwrap();
        let event: CommandFields = serde_json::from_value(json!(
            serde_urlencoded::from_str::<std::collections::BTreeMap<String, String>>(form).unwrap()
        ))
        .unwrap();
        assert_eq!(event.into_command(), Ok(over_http.clone()));
        assert_eq!(over_http.text, "<@U2> lunch");
        assert_eq!(over_http.channel.as_deref(), Some("C1"));
    }

    #[test]
    fn a_command_without_a_valid_user_is_refused() {
        let fields = serde_urlencoded::from_str::<CommandFields>("command=%2Fmet&text=x").unwrap();
        assert_eq!(fields.into_command(), Err(NO_VALID_USER));
    }
}
