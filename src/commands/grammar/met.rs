//! `/met @a [@b …] [when] [note]`: logging a meeting.
//!
//! The people come first, then an optional `when`, then the note — every
//! word left. Once the note starts, nothing in it is read as a person or a
//! date: "coffee with @carol" is what was typed, and stays so.

use super::mention::{Mention, read_mention};
use super::when::{When, split_when};
use super::{SlashText, read_note, split_first_word};
use crate::commands::UserError;

/// The example every `/met` error shows: people, a `when`, a note.
const EXAMPLE: &str = "/met @alice yesterday coffee about the roadmap";

/// `/met @a [@b …] [when] [note]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetRequest {
    /// Who the person met, in the order typed, repeats removed; at least one.
    pub people: Vec<Mention>,
    /// When they met; `Today` when not typed.
    pub when: When,
    /// The rest of the text, trimmed; at most 300 characters; `None` if empty.
    pub note: Option<String>,
}

/// Reads the text after `/met`.
pub fn parse_met(text: &SlashText) -> Result<MetRequest, UserError> {
    let mut people: Vec<Mention> = Vec::new();
    let mut rest = text.as_str();
    while let Some((word, after)) = split_first_word(rest) {
        let Some(person) =
            read_mention(word).map_err(|problem| UserError::new(problem, EXAMPLE))?
        else {
            break;
        };
        if !people.iter().any(|known| known.is_same_as(&person)) {
            people.push(person);
        }
        rest = after;
    }
    if people.is_empty() {
        return Err(UserError::new(
            "Who did you meet? Name them with @.",
            EXAMPLE,
        ));
    }
    let (when, rest) = split_when(rest)?.unwrap_or((When::Today, rest));
    let note = read_note(rest, EXAMPLE)?;
    Ok(MetRequest { people, when, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use chrono::{NaiveDate, Weekday};

    fn met(text: &str) -> Result<MetRequest, UserError> {
        parse_met(&SlashText::parse(text).unwrap())
    }

    fn id(value: &str) -> Mention {
        Mention::Id(UserId::parse(value).unwrap())
    }

    fn name(value: &str) -> Mention {
        Mention::Name(value.to_owned())
    }

    #[test]
    fn one_person_alone_is_a_meeting_today_without_a_note() {
        assert_eq!(
            met("<@U1|alice>").unwrap(),
            MetRequest {
                people: vec![id("U1")],
                when: When::Today,
                note: None
            }
        );
    }

    #[test]
    fn the_example_from_the_product_reads_people_when_and_note() {
        assert_eq!(
            met("@alice @bob yesterday coffee about roadmap").unwrap(),
            MetRequest {
                people: vec![name("alice"), name("bob")],
                when: When::Yesterday,
                note: Some("coffee about roadmap".to_owned())
            }
        );
    }

    #[test]
    fn escaped_and_plain_mentions_mix_in_the_order_typed() {
        let request = met("<@U2> @carol <@W3|dan> lunch").unwrap();
        assert_eq!(request.people, vec![id("U2"), name("carol"), id("W3")]);
        assert_eq!(request.note.as_deref(), Some("lunch"));
    }

    #[test]
    fn a_person_named_twice_is_logged_once() {
        let request = met("<@U1|alice> @bob <@U1> @BOB").unwrap();
        assert_eq!(request.people, vec![id("U1"), name("bob")]);
    }

    #[test]
    fn a_note_without_a_when_means_today() {
        let request = met("@alice coffee").unwrap();
        assert_eq!(request.when, When::Today);
        assert_eq!(request.note.as_deref(), Some("coffee"));
    }

    #[test]
    fn every_when_form_is_read_after_the_people() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        for (typed, expected) in [
            ("today", When::Today),
            ("Yesterday", When::Yesterday),
            ("3d ago", When::DaysAgo(3)),
            ("3 days ago", When::DaysAgo(3)),
            ("2w ago", When::WeeksAgo(2)),
            ("2 weeks ago", When::WeeksAgo(2)),
            ("last friday", When::Last(Weekday::Fri)),
            ("last MON", When::Last(Weekday::Mon)),
            ("2026-11-20", When::On(date)),
        ] {
            let request = met(&format!("@alice {typed} pairing")).unwrap();
            assert_eq!(request.when, expected, "for {typed}");
            assert_eq!(request.note.as_deref(), Some("pairing"), "for {typed}");
        }
    }

    #[test]
    fn a_mention_inside_the_note_stays_text() {
        let request = met("@alice coffee with @carol and <@U9|dan>").unwrap();
        assert_eq!(request.people, vec![name("alice")]);
        assert_eq!(
            request.note.as_deref(),
            Some("coffee with @carol and <@U9|dan>")
        );
    }

    #[test]
    fn a_mention_right_after_the_when_starts_the_note() {
        let request = met("@alice yesterday @bob joined late").unwrap();
        assert_eq!(request.people, vec![name("alice")]);
        assert_eq!(request.note.as_deref(), Some("@bob joined late"));
    }

    #[test]
    fn the_note_keeps_its_inner_spacing_and_lines() {
        let request = met("@alice today  roadmap:\n- hiring").unwrap();
        assert_eq!(request.note.as_deref(), Some("roadmap:\n- hiring"));
    }

    #[test]
    fn a_note_of_exactly_three_hundred_characters_is_kept() {
        let note = "n".repeat(300);
        let request = met(&format!("@alice {note}")).unwrap();
        assert_eq!(request.note, Some(note));
    }

    #[test]
    fn no_one_named_is_a_question_with_an_example() {
        let error = met("yesterday coffee").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"Who did you meet? Name them with @. Try: `/met @alice yesterday coffee about the roadmap`");
        assert_eq!(met("").unwrap_err(), error);
    }

    #[test]
    fn a_malformed_escaped_mention_is_a_sentence() {
        let error = met("<@lower> lunch").unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"`<@lower>` is not a person I can read; pick them from Slack's @ menu. Try: `/met @alice yesterday coffee about the roadmap`");
    }

    #[test]
    fn an_unreadable_date_is_refused_rather_than_logged_as_a_note() {
        let error = met("@alice 2026-13-45 lunch").unwrap_err();
        assert_eq!(error.problem, "`2026-13-45` is not a date I know.");
    }

    #[test]
    fn zero_days_ago_is_refused() {
        assert!(met("@alice 0d ago").is_err());
    }

    #[test]
    fn a_note_over_three_hundred_characters_is_refused() {
        let error = met(&format!("@alice yesterday {}", "n".repeat(301))).unwrap_err();
        insta::assert_snapshot!(error.to_string(), @"Your note is 301 characters long; I keep at most 300. A few words about what you talked about are plenty. Try: `/met @alice yesterday coffee about the roadmap`");
    }
}
