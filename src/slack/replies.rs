//! Block Kit rendering of what one person is answered — a command's
//! [`Reply`], a button press's [`PressAnswer`] — and of the introduction a
//! person asks for. `commands` decides the words; only this file turns them
//! into Slack's JSON.

use super::mrkdwn::quoted_from_slack;
use super::render::{Message, section};
use crate::domain::{Confirm, FORGET_ME_CONFIRM, PressAnswer, Reply, UserId};
use serde_json::{Value, json};

/// `reply` as an answer only the person who asked sees: a slash command's
/// immediate answer (the HTTP response, or the Socket Mode
/// acknowledgement's payload), or a later one through its `response_url`.
pub fn render_reply(reply: &Reply) -> Value {
    let mut body = message_body(reply);
    body["response_type"] = json!("ephemeral");
    body
}

/// `answer` as the body posted to a button press's `response_url`.
pub(super) fn render_press_answer(answer: &PressAnswer) -> Value {
    let (mut body, replace) = match answer {
        PressAnswer::Below(reply) => (render_reply(reply), false),
        PressAnswer::Replacing(reply) => (message_body(reply), true),
    };
    body["replace_original"] = json!(replace);
    body
}

/// `reply`'s text, and its blocks if it has any.
fn message_body(reply: &Reply) -> Value {
    let mut body = json!({ "text": reply.text });
    if let Some(blocks) = blocks_of(reply) {
        body["blocks"] = blocks;
    }
    body
}

/// The blocks of a reply that asks for a confirmation: its text, then the
/// button. A plain reply needs none: its text is the whole message.
fn blocks_of(reply: &Reply) -> Option<Value> {
    let button = match reply.confirm? {
        Confirm::ForgetMe => json!({ "type": "actions", "block_id": "forget_me", "elements": [{
            "type": "button",
            "action_id": FORGET_ME_CONFIRM,
            "style": "danger",
            "text": { "type": "plain_text", "text": "Forget me" },
            "confirm": {
                "title": { "type": "plain_text", "text": "Forget everything?" },
                "text": { "type": "plain_text", "text": "This cannot be undone." },
                "confirm": { "type": "plain_text", "text": "Forget me" },
                "deny": { "type": "plain_text", "text": "Keep my data" }
            }
        }]}),
    };
    Some(json!([section(reply.text.as_str()), button]))
}

/// The message that opens a group DM of `by`, `a` and `b`: `by` thinks the
/// other two should talk, in their own words (`note`) if they gave some.
pub fn render_introduction(by: &UserId, a: &UserId, b: &UserId, note: Option<&str>) -> Message {
    let mut text = format!(":wave: <@{a}>, meet <@{b}> — <@{by}> thinks you two should talk.");
    if let Some(note) = note {
        text.push_str(&format!(" “{}”", quoted_from_slack(note)));
    }
    Message {
        blocks: vec![section(text.as_str())],
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn a_plain_reply_is_ephemeral_text_without_blocks() {
        assert_eq!(
            render_reply(&Reply::text("Logged.")),
            json!({ "response_type": "ephemeral", "text": "Logged." })
        );
    }

    #[test]
    fn the_forget_me_question_carries_its_text_and_a_danger_button_that_asks_again() {
        let reply = Reply {
            text: "Sure?".to_owned(),
            confirm: Some(Confirm::ForgetMe),
        };
        let body = render_reply(&reply);
        assert_eq!(body["blocks"][0]["text"]["text"], "Sure?");
        let button = &body["blocks"][1]["elements"][0];
        assert_eq!(button["action_id"], FORGET_ME_CONFIRM);
        assert_eq!(button["style"], "danger");
        assert_eq!(button["confirm"]["deny"]["text"], "Keep my data");
    }

    #[test]
    fn a_press_is_answered_below_the_message_or_in_its_place() {
        let below = render_press_answer(&PressAnswer::Below(Reply::text("Why")));
        assert_eq!(
            below,
            json!({ "response_type": "ephemeral", "text": "Why", "replace_original": false })
        );
        let replacing = render_press_answer(&PressAnswer::Replacing(Reply::text("Logged")));
        assert_eq!(
            replacing,
            json!({ "replace_original": true, "text": "Logged" })
        );
    }

    #[test]
    fn an_introduction_names_all_three_and_quotes_the_note_without_pinging_anyone() {
        let message = render_introduction(
            &user("U1"),
            &user("U2"),
            &user("U3"),
            Some("you both & <!here> onboarding"),
        );
        assert_eq!(
            message.text,
            ":wave: <@U2>, meet <@U3> — <@U1> thinks you two should talk. “you both &amp; &lt;!here&gt; onboarding”"
        );
        assert_eq!(message.blocks[0]["text"]["text"], message.text);
    }
}
