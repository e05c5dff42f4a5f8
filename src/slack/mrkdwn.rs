//! Text the bot did not write, made safe to put into Slack's `mrkdwn`.
//!
//! Slack gives `&`, `<` and `>` control meaning in `mrkdwn` text objects and
//! in a message's `text`: `<!channel>` pings a whole channel, `<url|Click>`
//! is a link whose target is hidden, `&lt;` is an entity. Slack's
//! "Formatting text for app surfaces" (the section on escaping,
//! <https://api.slack.com/reference/surfaces/formatting#escaping>) says to
//! replace exactly these three with `&amp;`, `&lt;` and `&gt;` when they
//! are not meant for parsing, and not to entity-encode anything else: only
//! those three entities are decoded for display.
//!
//! So every team name, note or name that goes into `mrkdwn` passes through
//! here. `plain_text` objects (headers, button labels) are shown literally
//! and must not be escaped, or people would read `&amp;`. Mentions the bot
//! builds itself (`<@U…>`) are its own wording and stay as they are.
//!
//! This module owns only the escaping; it must not decide what is shown.

use crate::domain::{Quoting, UserId};
use std::borrow::Cow;

/// How an explanation (*Why this?*, the dry run) writes team names and
/// notes into `mrkdwn`.
pub const MRKDWN_QUOTING: Quoting = Quoting {
    team: mrkdwn_text,
    note: quoted_from_slack,
};

/// The characters with control meaning in `mrkdwn`, each with the entity
/// Slack writes it as.
const ENTITIES: [(char, &str); 3] = [('&', "&amp;"), ('<', "&lt;"), ('>', "&gt;")];

/// `text` as it should appear in `mrkdwn`: `&`, `<` and `>` replaced with
/// Slack's entities, everything else untouched. Borrows when there is
/// nothing to escape, which is the case for nearly every team name.
pub fn mrkdwn_text(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>']) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match ENTITIES.iter().find(|(character, _)| *character == c) {
            Some((_, entity)) => escaped.push_str(entity),
            None => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// Text that arrived from Slack as a person typed it (a `/met` note, the
/// note of an introduction), to be shown back literally in `mrkdwn`.
///
/// Slack sends typed text already escaped — a typed `&` arrives as `&amp;`
/// — and turns `@here` or a pasted link into live `<!here>` or `<url>`.
/// Escaping it again would show `&amp;amp;`; showing it raw would ping or
/// link. So Slack's three entities are decoded first and the result is
/// escaped: what was typed reads as typed, and nothing in it is live but
/// the mentions of people (`<@U1|alice>` still reads "@alice"): they ping
/// no one in a DM that person is not in, and a note about lunch with
/// @carol should read that way.
pub fn quoted_from_slack(slack_text: &str) -> Cow<'_, str> {
    if !slack_text.contains(['&', '<', '>']) {
        return Cow::Borrowed(slack_text);
    }
    let mut quoted = String::with_capacity(slack_text.len() + 8);
    let mut rest = slack_text;
    while let Some(open) = rest.find('<') {
        let (before, from) = rest.split_at(open);
        quoted.push_str(&mrkdwn_text(&unescape_mrkdwn(before)));
        match from.find('>').map(|close| &from[..=close]) {
            Some(mention) if is_person_mention(mention) => {
                quoted.push_str(mention);
                rest = &from[mention.len()..];
            }
            _ => {
                quoted.push_str("&lt;");
                rest = &from[1..];
            }
        }
    }
    quoted.push_str(&mrkdwn_text(&unescape_mrkdwn(rest)));
    Cow::Owned(quoted)
}

/// Whether `text` is a whole mention of a person as Slack writes one:
/// `<@U123>` or `<@U123|alice>` (W for enterprise users).
fn is_person_mention(text: &str) -> bool {
    let Some(inner) = text.strip_prefix("<@").and_then(|t| t.strip_suffix('>')) else {
        return false;
    };
    let (id, label) = inner.split_once('|').unwrap_or((inner, ""));
    // A bare `U` or `W` reads as a user id, but Slack writes no such id.
    id.len() > 1 && UserId::parse(id).is_ok() && !label.contains(['<', '>'])
}

/// The reverse of [`mrkdwn_text`]: Slack's three entities back to their
/// characters, for showing `mrkdwn` to a person outside Slack (the demo's
/// terminal, the snapshot tests).
pub fn unescape_mrkdwn(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        plain.push_str(&rest[..at]);
        rest = &rest[at..];
        // A `&` that starts no entity stands for itself.
        let (character, entity) = ENTITIES
            .into_iter()
            .find(|(_, entity)| rest.starts_with(entity))
            .unwrap_or(('&', "&"));
        plain.push(character);
        rest = &rest[entity.len()..];
    }
    plain.push_str(rest);
    Cow::Owned(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_the_three_control_characters_are_escaped() {
        assert_eq!(mrkdwn_text("<!channel> & Co"), "&lt;!channel&gt; &amp; Co");
        assert_eq!(
            mrkdwn_text("<https://evil.example|Click>"),
            "&lt;https://evil.example|Click&gt;"
        );
        // Quotes, apostrophes and mrkdwn's own marks are not entities Slack decodes.
        assert_eq!(mrkdwn_text("R'n\"D *_~`"), "R'n\"D *_~`");
        // An entity already there is text like any other: `&` is escaped.
        assert_eq!(mrkdwn_text("&lt;"), "&amp;lt;");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        assert!(matches!(mrkdwn_text("Payments"), Cow::Borrowed("Payments")));
        assert!(matches!(mrkdwn_text("Über-Team ↔ ✨"), Cow::Borrowed(_)));
        assert!(matches!(unescape_mrkdwn("Payments"), Cow::Borrowed(_)));
    }

    #[test]
    fn unescaping_gives_back_what_was_escaped() {
        for text in ["<!channel> & Co", "a&b", "&lt;", "&", "x &amp y", "<<>>&&"] {
            assert_eq!(unescape_mrkdwn(&mrkdwn_text(text)), text);
        }
        assert_eq!(unescape_mrkdwn("fish &chips; &"), "fish &chips; &");
    }

    #[test]
    fn text_from_slack_is_shown_as_typed_with_nothing_live() {
        // `@here` as Slack sends it, and a typed `<b>` & co.
        assert_eq!(
            quoted_from_slack("coffee about <!here>"),
            "coffee about &lt;!here&gt;"
        );
        assert_eq!(
            quoted_from_slack("&lt;b&gt; &amp; co"),
            "&lt;b&gt; &amp; co"
        );
        assert_eq!(
            quoted_from_slack("see <https://evil.example|the plan>"),
            "see &lt;https://evil.example|the plan&gt;"
        );
        assert!(matches!(
            quoted_from_slack("coffee about the roadmap"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_mention_of_a_person_in_a_note_stays_a_mention_and_nothing_else_is_live() {
        assert_eq!(
            quoted_from_slack("lunch with <@U0000003|carol> &amp; <@U0000004> at <!channel>"),
            "lunch with <@U0000003|carol> &amp; <@U0000004> at &lt;!channel&gt;"
        );
        // Not a person: a user group, a broadcast, half a mention.
        assert_eq!(
            quoted_from_slack("<!subteam^S1|@eng> <@u1> <@U1|<x>"),
            "&lt;!subteam^S1|@eng&gt; &lt;@u1&gt; &lt;@U1|&lt;x&gt;"
        );
        // Nor an id that is a bare prefix, a channel's, or longer than any
        // user id the bot takes.
        let too_long = format!("<@U{}>", "1".repeat(32));
        assert_eq!(
            quoted_from_slack(&format!("<@U> <@W|x> <@C0000001> {too_long}")),
            format!(
                "&lt;@U&gt; &lt;@W|x&gt; &lt;@C0000001&gt; &lt;@U{}&gt;",
                "1".repeat(32)
            )
        );
        assert_eq!(quoted_from_slack("<@W0000001|dana>"), "<@W0000001|dana>");
    }

    #[test]
    fn why_this_escapes_team_names_and_the_note_and_a_report_keeps_them_as_they_are() {
        use crate::domain::{Neglected, NudgeReason, TeamGap, TeamId, UserId};
        use chrono::{TimeZone, Utc};
        let team = |name: &str| TeamId::parse(name).unwrap();
        let reason = NudgeReason::Neglected(Neglected {
            last_met: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
            days_since: 94,
            cadence_days: 60,
            times_met: 2,
            last_note: Some("coffee about <!here>".to_owned()),
            strength_then: 2.5,
            strength_now: 1.2,
            gap: TeamGap {
                own_team: team("R&D"),
                alliances: 1,
                most: 3,
                boost: 1.5,
                figures_shown: true,
            },
        });
        let hostile = team("<!channel> & Co");
        let mention = |u: &UserId| format!("<@{u}>");
        let slack = reason.explain("<@U2>", &hostile, mention, MRKDWN_QUOTING);
        assert!(!slack.contains("<!"), "{slack}");
        assert!(
            slack.starts_with(
                "You and <@U2> (&lt;!channel&gt; &amp; Co) last met on Sun 1 Mar 2026, 94 days ago; \
                 you've met twice, last time: coffee about &lt;!here&gt;."
            ),
            "{slack}"
        );
        assert!(
            slack.contains(" R&amp;D and &lt;!channel&gt; &amp; Co have 1 active alliance"),
            "{slack}"
        );
        let report = reason.explain("Bob", &hostile, mention, Quoting::AS_IS);
        assert!(
            report.contains("(<!channel> & Co)") && report.contains("coffee about <!here>."),
            "{report}"
        );
    }
}
