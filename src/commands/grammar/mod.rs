//! The grammar of the slash commands: the text after `/met` or `/alliances`,
//! checked once into a [`SlashText`], then read into a request.
//!
//! Everything here is a pure function of the text. It owns the words people
//! may type and the sentences they get back when a word is wrong; it must not
//! look people up (a plain `@alice` stays a name for the handler to resolve),
//! read the clock, or judge a date against the workspace's settings.
//!
//! Notes are kept exactly as Slack sent them, including its escapes of `&`,
//! `<` and `>`, so that they can be shown back in a message unchanged.

mod alliances;
mod mention;
mod met;
mod snooze;
mod suggestion;
mod team_names;
mod when;

#[cfg(test)]
mod properties;

pub use alliances::{AlliancesRequest, command_kind, help_text, parse_alliances};
pub use mention::{ChannelRef, Mention};
pub use met::{MetRequest, parse_met};
pub use snooze::SnoozeSpan;
pub use team_names::{MAX_TEAMS_ASKED, TeamNamesError, read_team_names};
pub use when::When;

use super::UserError;

/// Slack caps message text far above this, but nobody types a command of
/// 4,000 characters: text that long is a paste accident, better refused whole
/// than logged as a note.
const MAX_SLASH_TEXT_CHARS: usize = 4_000;

/// A note is a reminder of what was talked about, quoted back in a nudge
/// ("last time: coffee about the roadmap"); 300 characters is a few lines in
/// a DM, and more would crowd out the nudge itself.
const MAX_NOTE_CHARS: usize = 300;

/// The text after a slash command, checked once: at most 4,000 characters,
/// no control characters other than whitespace; trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashText(String);

impl SlashText {
    /// Checks the raw text Slack sent after the command name.
    pub fn parse(raw: &str) -> Result<SlashText, UserError> {
        // A stray control character (a NUL, a terminal escape from a paste)
        // would end up in a note and in logs; refuse it where it is visible.
        if let Some(control) = raw.chars().find(|c| c.is_control() && !c.is_whitespace()) {
            return Err(UserError::new(
                format!(
                    "Your command holds an invisible control character (U+{:04X}) that I can't read; \
                     please type it again rather than pasting it.",
                    u32::from(control)
                ),
                "/alliances help",
            ));
        }
        let trimmed = raw.trim();
        let length = trimmed.chars().count();
        if length > MAX_SLASH_TEXT_CHARS {
            return Err(UserError::new(
                format!(
                    "That command is {length} characters long; I read at most 4,000, \
                     so I think something was pasted by accident."
                ),
                "/alliances help",
            ));
        }
        Ok(SlashText(trimmed.to_owned()))
    }

    /// The checked, trimmed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The first word of `text` and everything after it (not trimmed), or `None`
/// when only whitespace is left. Words are separated by whitespace, except
/// that a Slack escape (`<@…>`, `<#…>`) is not cut before its `>`: a display
/// name inside one may contain spaces (`<@U1|Ada Lovelace>`).
fn split_first_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if text.is_empty() {
        return None;
    }
    let word_start = if text.starts_with("<@") || text.starts_with("<#") {
        // `>` is one byte, so the index after it is a character boundary.
        text.find('>').map_or(0, |close| close + 1)
    } else {
        0
    };
    let end = text[word_start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |space| word_start + space);
    Some(text.split_at(end))
}

/// The words of `text` from its start up to where `rest` begins: what the
/// person typed for a phrase, quoted back in an error.
fn typed_between<'a>(text: &'a str, rest: &str) -> &'a str {
    let consumed = text.len().saturating_sub(rest.len());
    text.get(..consumed).unwrap_or(text).trim()
}

/// A unit of time people count in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Days,
    Weeks,
}

impl Unit {
    /// How many days `count` of this unit is, without overflowing.
    fn days(self, count: u32) -> u64 {
        match self {
            Unit::Days => u64::from(count),
            Unit::Weeks => u64::from(count) * 7,
        }
    }
}

/// A count of days or weeks at the start of `text`: `3d`, `2w`, `5 days`,
/// `1 week` (any case), with what follows it. A count too large for a `u32`
/// reads as `u32::MAX`, so that it fails the caller's range check with a
/// sentence instead of being mistaken for a note.
fn split_count(text: &str) -> Option<(u32, Unit, &str)> {
    let (first, after_first) = split_first_word(text)?;
    let first = first.to_lowercase();
    if let Some(digits) = first.strip_suffix('d')
        && let Some(count) = read_number(digits)
    {
        return Some((count, Unit::Days, after_first));
    }
    if let Some(digits) = first.strip_suffix('w')
        && let Some(count) = read_number(digits)
    {
        return Some((count, Unit::Weeks, after_first));
    }
    let count = read_number(&first)?;
    let (unit_word, after_unit) = split_first_word(after_first)?;
    let unit = match unit_word.to_lowercase().as_str() {
        "day" | "days" => Unit::Days,
        "week" | "weeks" => Unit::Weeks,
        _ => return None,
    };
    Some((count, unit, after_unit))
}

/// A whole number written in ASCII digits; too large saturates (see [`split_count`]).
fn read_number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u32::MAX))
}

/// The rest of a command as a note: trimmed, `None` when empty, refused when
/// longer than a note may be.
fn read_note(rest: &str, example: &str) -> Result<Option<String>, UserError> {
    let note = rest.trim();
    if note.is_empty() {
        return Ok(None);
    }
    let length = note.chars().count();
    if length > MAX_NOTE_CHARS {
        return Err(UserError::new(
            format!(
                "Your note is {length} characters long; I keep at most 300. \
                 A few words about what you talked about are plenty."
            ),
            example,
        ));
    }
    Ok(Some(note.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_text_is_trimmed_and_keeps_inner_whitespace() {
        let text = SlashText::parse("  \t@alice\nyesterday  lunch \r\n").unwrap();
        assert_eq!(text.as_str(), "@alice\nyesterday  lunch");
    }

    #[test]
    fn slash_text_of_exactly_four_thousand_characters_is_accepted() {
        let raw = "é".repeat(4_000);
        assert_eq!(SlashText::parse(&raw).unwrap().as_str(), raw);
    }

    #[test]
    fn slash_text_over_four_thousand_characters_is_refused_as_a_paste_accident() {
        let error = SlashText::parse(&"a".repeat(4_001)).unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"That command is 4001 characters long; I read at most 4,000, so I think something was pasted by accident. Try: `/alliances help`");
    }

    #[test]
    fn slash_text_with_a_control_character_is_refused_with_its_code() {
        let error = SlashText::parse("@alice \u{7} lunch").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"Your command holds an invisible control character (U+0007) that I can't read; please type it again rather than pasting it. Try: `/alliances help`");
    }

    #[test]
    fn words_split_on_any_whitespace() {
        assert_eq!(split_first_word("  a\tb"), Some(("a", "\tb")));
        assert_eq!(split_first_word("a"), Some(("a", "")));
        assert_eq!(split_first_word(" \n "), None);
    }

    #[test]
    fn a_slack_escape_is_one_word_even_with_spaces_inside() {
        assert_eq!(
            split_first_word("<@U1|Ada Lovelace> lunch"),
            Some(("<@U1|Ada Lovelace>", " lunch"))
        );
        assert_eq!(split_first_word("<@U1 lunch"), Some(("<@U1", " lunch")));
        assert_eq!(split_first_word("<@U1>, x"), Some(("<@U1>,", " x")));
    }

    #[test]
    fn counts_read_in_compact_and_spelled_out_forms() {
        assert_eq!(split_count("3d ago"), Some((3, Unit::Days, " ago")));
        assert_eq!(split_count("2W"), Some((2, Unit::Weeks, "")));
        assert_eq!(split_count("5 Days x"), Some((5, Unit::Days, " x")));
        assert_eq!(split_count("1 week"), Some((1, Unit::Weeks, "")));
        assert_eq!(split_count("5 apples"), None);
        assert_eq!(split_count("d"), None);
    }

    #[test]
    fn a_count_too_large_for_a_number_saturates_instead_of_vanishing() {
        assert_eq!(
            split_count("99999999999d"),
            Some((u32::MAX, Unit::Days, ""))
        );
    }
}
