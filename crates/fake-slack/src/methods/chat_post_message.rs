//! `chat.postMessage`: posts a message into a channel or an opened DM, and
//! records it.

use super::super::State;
use super::super::recorder::PostedMessage;
use super::super::workspace::{BOT_ID, BOT_USER_ID, TEAM_ID};
use super::{MethodResult, Params, SlackError, destination, fields, read_content};
use serde_json::{Value, json};

/// A message as the call gives it, its channel not yet looked up.
#[derive(Debug, Clone, PartialEq)]
struct Post {
    channel: String,
    text: String,
    /// A JSON array, or `Value::Null` when the call gave no blocks.
    blocks: Value,
}

/// Posts the message and answers its channel id and timestamp.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    let post = read_post(params)?;
    let destination = destination(state, &post.channel)?;
    if !state.directory.bot_is_member(&destination.channel) {
        return Err(SlackError("not_in_channel"));
    }
    let ts = state.recorder.next_ts();
    let mut message = json!({
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "team": TEAM_ID,
        "text": post.text,
        "ts": ts,
    });
    if let (Value::Object(fields), Value::Array(_)) = (&mut message, &post.blocks) {
        fields.insert("blocks".to_owned(), post.blocks.clone());
    }
    state.recorder.record_message(PostedMessage {
        channel: destination.channel.clone(),
        dm_user: destination.dm_user().map(str::to_owned),
        text: post.text,
        blocks: post.blocks,
        ts: ts.clone(),
        files: Vec::new(),
    });
    Ok(fields(json!({
        "channel": destination.channel.as_str(),
        "ts": ts,
        "message": message,
    })))
}

fn read_post(params: &Params) -> Result<Post, SlackError> {
    let content = read_content(params)?;
    let channel = params.required("channel", "channel_not_found")?;
    Ok(Post {
        channel,
        text: content.text,
        blocks: content.blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, Value)]) -> Params {
        Params::from_pairs(pairs)
    }

    #[test]
    fn blocks_may_come_as_an_array_or_as_a_json_string_of_one() {
        let block = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "hi" } }]);
        let as_array = read_post(&params(&[
            ("channel", json!("C1")),
            ("blocks", block.clone()),
        ]));
        let as_string = read_post(&params(&[
            ("channel", json!("C1")),
            ("blocks", json!(block.to_string())),
        ]));
        assert_eq!(as_array.unwrap().blocks, block);
        assert_eq!(as_string.unwrap().blocks, block);
    }

    #[test]
    fn blocks_that_are_not_an_array_are_invalid() {
        for bad in [
            json!({ "type": "section" }),
            json!("{\"type\":1}"),
            json!("not json"),
            json!(3),
        ] {
            assert_eq!(
                read_post(&params(&[
                    ("channel", json!("C1")),
                    ("text", json!("hi")),
                    ("blocks", bad)
                ])),
                Err(SlackError("invalid_blocks"))
            );
        }
    }

    #[test]
    fn a_message_needs_text_or_blocks() {
        assert_eq!(
            read_post(&params(&[("channel", json!("C1"))])),
            Err(SlackError("no_text"))
        );
        assert_eq!(
            read_post(&params(&[
                ("channel", json!("C1")),
                ("text", json!(" ")),
                ("blocks", json!([]))
            ])),
            Err(SlackError("no_text"))
        );
        let text_only = read_post(&params(&[("channel", json!("C1")), ("text", json!("hi"))]));
        assert_eq!(text_only.unwrap().blocks, Value::Null);
    }

    #[test]
    fn a_message_without_a_channel_finds_no_channel() {
        assert_eq!(
            read_post(&params(&[("text", json!("hi"))])),
            Err(SlackError("channel_not_found"))
        );
    }
}
