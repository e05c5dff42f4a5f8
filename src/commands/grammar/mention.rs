//! People and channels named in a command, as Slack sends them.
//!
//! Slack escapes a picked mention as `<@U123|alice>` or `<@U123>`, and a
//! picked channel as `<#C123|general>` or `<#C123>`; their ids are checked
//! here with the domain's `parse`. A plain `@alice` or `#general` typed by
//! hand stays a name: resolving it needs the store, which is the handler's.

use crate::domain::{ChannelId, UserId};

/// Someone named in a command: Slack escapes mentions as `<@U123|alice>` or
/// `<@U123>`; a plain `@alice` is resolved by name later (by the handler,
/// against the people in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// A mention Slack escaped, so the id is known.
    Id(UserId),
    /// A name typed after `@`, without the `@`, in the case typed.
    Name(String),
}

impl Mention {
    /// Whether two mentions surely name the same person: the same id, or the
    /// same name in any case (Slack's names are case-insensitive). An id and
    /// a name cannot be compared until the handler resolves the name.
    pub fn is_same_as(&self, other: &Mention) -> bool {
        match (self, other) {
            (Mention::Id(a), Mention::Id(b)) => a == b,
            (Mention::Name(a), Mention::Name(b)) => a.to_lowercase() == b.to_lowercase(),
            _ => false,
        }
    }
}

/// A channel named in a command: Slack escapes it as `<#C123|general>` or
/// `<#C123>`; plain `#general` by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRef {
    /// A channel Slack escaped, so the id is known.
    Id(ChannelId),
    /// A name typed after `#`, without the `#`.
    Name(String),
}

/// Reads `word` as a person. `Ok(None)` when it is not trying to be one (it
/// starts with neither `@` nor `<@`); `Err` with a sentence when it tries and
/// fails, because silently dropping a person would log the wrong meeting.
pub(super) fn read_mention(word: &str) -> Result<Option<Mention>, String> {
    if let Some(inside) = word.strip_prefix("<@") {
        let Some(inside) = inside.strip_suffix('>') else {
            return Err(unreadable_escape(word));
        };
        let id = inside.split_once('|').map_or(inside, |(id, _label)| id);
        return UserId::parse(id)
            .map(|id| Some(Mention::Id(id)))
            .map_err(|_| unreadable_escape(word));
    }
    let Some(name) = word.strip_prefix('@') else {
        return Ok(None);
    };
    if is_name(name) {
        Ok(Some(Mention::Name(name.to_owned())))
    } else {
        Err(format!(
            "`{word}` is not a name I can look up: after the @ a name has only letters, \
             digits, `.`, `-` and `_`."
        ))
    }
}

/// Reads `word` as a channel, on the same terms as [`read_mention`].
pub(super) fn read_channel(word: &str) -> Result<Option<ChannelRef>, String> {
    if let Some(inside) = word.strip_prefix("<#") {
        let id = inside
            .strip_suffix('>')
            .map(|inside| inside.split_once('|').map_or(inside, |(id, _label)| id));
        return match id.map(ChannelId::parse) {
            Some(Ok(id)) => Ok(Some(ChannelRef::Id(id))),
            _ => Err(format!(
                "`{word}` is not a channel I can read; pick the channel from Slack's # menu."
            )),
        };
    }
    let Some(name) = word.strip_prefix('#') else {
        return Ok(None);
    };
    if is_name(name) {
        Ok(Some(ChannelRef::Name(name.to_owned())))
    } else {
        Err(format!(
            "`{word}` is not a channel name I can look up: after the # a name has only \
             letters, digits, `.`, `-` and `_`."
        ))
    }
}

/// Slack's user and channel names are letters, digits, `.`, `-` and `_`.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn unreadable_escape(word: &str) -> String {
    format!("`{word}` is not a person I can read; pick them from Slack's @ menu.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(value: &str) -> Mention {
        Mention::Id(UserId::parse(value).unwrap())
    }

    #[test]
    fn an_escaped_mention_with_a_label_gives_its_id() {
        assert_eq!(read_mention("<@U123|alice>"), Ok(Some(id("U123"))));
    }

    #[test]
    fn an_escaped_mention_without_a_label_gives_its_id() {
        assert_eq!(read_mention("<@W0ABC>"), Ok(Some(id("W0ABC"))));
    }

    #[test]
    fn a_plain_at_name_stays_a_name_for_the_handler() {
        assert_eq!(
            read_mention("@Alice.B-c_9"),
            Ok(Some(Mention::Name("Alice.B-c_9".to_owned())))
        );
    }

    #[test]
    fn a_word_without_an_at_is_not_a_mention() {
        assert_eq!(read_mention("alice"), Ok(None));
        assert_eq!(read_mention("<#C1>"), Ok(None));
    }

    #[test]
    fn a_malformed_escape_is_a_sentence_not_a_panic() {
        insta::assert_snapshot!(read_mention("<@lower>").unwrap_err(), @"`<@lower>` is not a person I can read; pick them from Slack's @ menu.");
        assert!(read_mention("<@U1").is_err());
        assert!(read_mention("<@>").is_err());
        assert!(read_mention("<@|x>").is_err());
    }

    #[test]
    fn an_at_with_no_name_or_odd_characters_is_refused() {
        assert!(read_mention("@").is_err());
        insta::assert_snapshot!(read_mention("@alice,").unwrap_err(), @"`@alice,` is not a name I can look up: after the @ a name has only letters, digits, `.`, `-` and `_`.");
    }

    #[test]
    fn channels_read_escaped_or_by_name() {
        let general = ChannelRef::Id(ChannelId::parse("C123").unwrap());
        assert_eq!(read_channel("<#C123|general>"), Ok(Some(general.clone())));
        assert_eq!(read_channel("<#C123>"), Ok(Some(general)));
        assert_eq!(
            read_channel("#general"),
            Ok(Some(ChannelRef::Name("general".to_owned())))
        );
        assert_eq!(read_channel("general"), Ok(None));
        assert!(read_channel("<#nope>").is_err());
        assert!(read_channel("<#C123").is_err());
        assert!(read_channel("#").is_err());
    }

    #[test]
    fn the_same_name_in_another_case_is_the_same_person() {
        let lower = Mention::Name("alice".to_owned());
        assert!(lower.is_same_as(&Mention::Name("ALICE".to_owned())));
        assert!(!lower.is_same_as(&Mention::Name("bob".to_owned())));
        assert!(id("U1").is_same_as(&id("U1")));
        assert!(!id("U1").is_same_as(&Mention::Name("U1".to_owned())));
    }
}
