//! `chat.update`: replaces the text and blocks of a message the bot posted.
//! The recorder keeps every update, so a test sees both the message as it
//! ends up and how it got there.

use super::super::State;
use super::super::recorder::MessageUpdate;
use super::super::workspace::{BOT_ID, BOT_USER_ID};
use super::{MethodResult, Params, SlackError, destination, fields, read_content};
use serde_json::{Value, json};

/// Edits the message and answers it as it now reads.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    let content = read_content(params)?;
    let channel = params.required("channel", "channel_not_found")?;
    let ts = params.required("ts", "message_not_found")?;
    let destination = destination(state, &channel)?;
    let updated = state.recorder.update_message(MessageUpdate {
        channel: destination.channel.clone(),
        ts: ts.clone(),
        text: content.text.clone(),
        blocks: content.blocks.clone(),
    });
    if !updated {
        return Err(SlackError("message_not_found"));
    }
    let mut message = json!({
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "text": content.text,
    });
    if let (Value::Object(fields), Value::Array(_)) = (&mut message, &content.blocks) {
        fields.insert("blocks".to_owned(), content.blocks.clone());
    }
    Ok(fields(json!({
        "channel": destination.channel.as_str(),
        "ts": ts,
        "text": content.text,
        "message": message,
    })))
}
