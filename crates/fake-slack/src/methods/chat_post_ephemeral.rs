//! `chat.postEphemeral`: shows a message to one person in a channel, and
//! records it. Slack keeps no copy of an ephemeral message, so it has no
//! `ts` to update later; the answer's `message_ts` only names it.

use super::super::State;
use super::super::recorder::PostedEphemeral;
use super::{MethodResult, Params, SlackError, destination, fields, member, read_content};
use serde_json::json;

/// Records the message and answers its `message_ts`.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    let content = read_content(params)?;
    let channel = params.required("channel", "channel_not_found")?;
    let user = params.text("user").ok_or(SlackError("user_not_found"))?;
    let destination = destination(state, &channel)?;
    let person = member(state, &user)?;
    if person.deleted {
        return Err(SlackError("user_disabled"));
    }
    let message_ts = state.recorder.next_ts();
    state.recorder.record_ephemeral(PostedEphemeral {
        channel: destination.channel,
        user,
        text: content.text,
        blocks: content.blocks,
    });
    Ok(fields(json!({ "message_ts": message_ts })))
}
