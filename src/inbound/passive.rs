//! Passive signals: an @mention or a thread reply between people, seen in a
//! channel the bot is in, becomes a weak interaction — when the workspace
//! opted in. Only who and when are kept; the message text is read for
//! mentions and dropped.

use super::event_callback::SeenMessage;
use crate::domain::{Interaction, InteractionKind, UserId};

/// A message counts as a signal with at most its first this many mentions:
/// a message that names a whole channel is no sign of ten alliances, and
/// the work one message causes stays bounded.
pub const MAX_MENTIONS: usize = 10;

/// The interaction a `message` or `app_mention` event shows, if any: its
/// author with everyone they mentioned and, in a thread, the thread's
/// author. Bots, edits, deletions, other subtypes and messages without a
/// readable `ts` show none.
pub fn signal_of(message: &SeenMessage) -> Option<Interaction> {
    if message.from_bot || message.subtype.is_some() {
        return None;
    }
    let author = message.author.clone()?;
    let mentioned = mentions(&message.text).take(MAX_MENTIONS);
    // An interaction drops repeats (an author who mentions themselves
    // among them) and is none with fewer than two people.
    let people = mentioned
        .chain(message.thread_author.clone())
        .chain([author]);
    Interaction::new(message.at?, InteractionKind::Passive, people, None, None)
}

/// The user ids mentioned as `<@U…>` or `<@U…|name>`, in order, read
/// lazily so that a caller taking the first few reads no further.
fn mentions(text: &str) -> impl Iterator<Item = UserId> + '_ {
    text.split("<@").skip(1).filter_map(|rest| {
        let inner = rest.split('>').next()?;
        UserId::parse(inner.split('|').next()?).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::event_callback::InboundEvent;
    use serde_json::{Value, json};

    /// The signal of a `message` event's JSON.
    fn signal_of(event: &Value) -> Option<Interaction> {
        let mut event = event.clone();
        event["type"] = json!("message");
        match serde_json::from_value(event) {
            Ok(InboundEvent::Message(message)) => super::signal_of(&message),
            other => panic!("not a message: {other:?}"),
        }
    }

    fn ids(interaction: &Interaction) -> Vec<&str> {
        interaction
            .participants
            .iter()
            .map(UserId::as_str)
            .collect()
    }

    #[test]
    fn a_mention_is_a_signal_between_author_and_mentioned_without_the_text() {
        let event = json!({ "type": "message", "user": "U1", "text": "thanks <@U2> and <@U3|sam> for the review",
            "ts": "1772445600.000100", "channel": "C1" });
        let signal = signal_of(&event).unwrap();
        assert_eq!(ids(&signal), ["U1", "U2", "U3"]);
        assert_eq!(signal.kind, InteractionKind::Passive);
        assert_eq!(signal.note, None, "the text is never kept");
        assert_eq!(signal.at.timestamp(), 1_772_445_600);
    }

    #[test]
    fn a_thread_reply_is_a_signal_with_the_threads_author() {
        let event = json!({ "type": "message", "user": "U1", "text": "agreed", "ts": "1772445700.000200",
            "thread_ts": "1772445600.000100", "parent_user_id": "U4" });
        assert_eq!(ids(&signal_of(&event).unwrap()), ["U1", "U4"]);
    }

    #[test]
    fn bots_edits_self_mentions_and_plain_messages_are_no_signal() {
        for event in [
            json!({ "user": "U1", "text": "hello all", "ts": "1.0" }),
            json!({ "user": "U1", "text": "note to <@U1>", "ts": "1.0" }),
            json!({ "user": "U1", "bot_id": "B1", "text": "<@U2>", "ts": "1.0" }),
            json!({ "subtype": "message_changed", "user": "U1", "text": "<@U2>", "ts": "1.0" }),
            json!({ "text": "<@U2>", "ts": "1.0" }),
            json!({ "user": "U1", "text": "<@not-an-id>", "ts": "1.0" }),
        ] {
            assert_eq!(signal_of(&event), None, "{event}");
        }
    }
}
