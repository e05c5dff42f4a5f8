//! Block Kit rendering of nudges and digests, from the rules' decisions.
//!
//! The voice is a thoughtful colleague's: warm, brief, specific (names,
//! teams, how long, what you last talked about), never guilt-tripping.
//! Mentions are `<@U…>`, so Slack shows each reader the names they know.
//! Team names and notes are not the bot's wording: they go through
//! [`mrkdwn_text`] or [`quoted_from_slack`] before they enter `mrkdwn`.

use super::mrkdwn::{mrkdwn_text, quoted_from_slack, unescape_mrkdwn};
use crate::domain::{
    Digest, Intro, Neglected, Nudge, NudgeAction, NudgeReason, SharedContact, TeamId, UserId,
    in_a_sentence, plural, times,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A message ready to post: the notification text and its Block Kit blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Shown in notifications and by clients without Block Kit.
    pub text: String,
    /// The Block Kit blocks, as Slack's JSON.
    pub blocks: Vec<Value>,
}

fn mention(user: &UserId) -> String {
    format!("<@{user}>")
}

/// A text object in Slack's mrkdwn.
pub(super) fn mrkdwn(text: impl Into<String>) -> Value {
    json!({ "type": "mrkdwn", "text": text.into() })
}

/// A section block of `text`, in mrkdwn.
pub(super) fn section(text: impl Into<String>) -> Value {
    json!({ "type": "section", "text": mrkdwn(text) })
}

/// A context block (the small print under a message) of `text`, in mrkdwn.
pub(super) fn context(text: impl Into<String>) -> Value {
    json!({ "type": "context", "elements": [mrkdwn(text)] })
}

/// The DM to `nudge.to`: a reminder of a fading alliance, or an
/// introduction to someone in an under-connected team.
pub fn render_nudge(nudge: &Nudge) -> Message {
    let (headline, body, context_line) = match &nudge.reason {
        NudgeReason::Neglected(reason) => reminder_text(nudge, reason),
        NudgeReason::Intro(intro) => intro_text(nudge, intro),
        NudgeReason::Partnership(reason) => super::partnerships::partnership_text(nudge, reason),
    };
    let value = format!("{}:{}", nudge.to, nudge.about);
    let buttons = action_buttons(
        NudgeAction::ALL
            .iter()
            .map(|a| (a.action_id(), a.label(), *a == NudgeAction::WeMet)),
        &value,
    );
    Message {
        text: headline,
        blocks: vec![
            section(body),
            context(context_line),
            json!({ "type": "actions", "block_id": "nudge", "elements": buttons }),
        ],
    }
}

/// The headline, body and context line of a reminder.
fn reminder_text(nudge: &Nudge, reason: &Neglected) -> (String, String, String) {
    let headline = format!(
        "It's been {} since you and {} ({}) last met",
        days(reason.days_since),
        mention(&nudge.about),
        mrkdwn_text(nudge.about_team.as_str())
    );
    let body = match &reason.last_note {
        Some(note) => format!("{headline} — last time: {}.", quoted_from_slack(note)),
        None => format!("{headline}."),
    };
    let context = format!(
        "You've met {}. A short hello is often all it takes.",
        times(reason.times_met)
    );
    (format!("{headline}."), body, context)
}

/// The headline, body and context line of an introduction.
fn intro_text(nudge: &Nudge, intro: &Intro) -> (String, String, String) {
    let (about, team, own) = (
        mention(&nudge.about),
        mrkdwn_text(nudge.about_team.as_str()),
        mrkdwn_text(intro.gap.own_team.as_str()),
    );
    let headline = format!("Someone worth knowing outside {own}: {about} in {team}");
    // Of a team under the k-anonymity floor, no figure: it would tell of
    // its few people.
    let gap = match intro.gap.alliances {
        _ if !intro.gap.figures_shown => String::new(),
        0 => format!(" {own} and {team} have no active alliance yet — you could be the first."),
        n => format!(
            " {own} and {team} have only {} between them.",
            plural(n as usize, "active alliance", "active alliances")
        ),
    };
    let contact = match &intro.shared_contact {
        Some(SharedContact::Mutual(contact)) => format!(
            " You both know {}, who could introduce you.",
            mention(contact)
        ),
        Some(SharedContact::KnowsTeam(contact)) => format!(
            " {} works with people in {team}, if you'd like a warm introduction.",
            mention(contact)
        ),
        None => String::new(),
    };
    let body = format!("{headline}.{gap}{contact}");
    let context = "A short hello or a 20-minute coffee is plenty.".to_owned();
    (format!("{headline}."), body, context)
}

/// At most this many alliances are listed by name; a longer list is a wall
/// of text nobody reads in a channel.
const MAX_LISTED: usize = 12;

/// The channel digest of new alliances, or `None` when there is nothing to
/// celebrate: a quiet week posts nothing rather than noise.
pub fn render_digest(digest: &Digest) -> Option<Message> {
    if digest.is_quiet() {
        return None;
    }
    let period = if (digest.until - digest.since).num_days() == 7 {
        "this week".to_owned()
    } else {
        format!("since {}", digest.since.format("%a %-d %b"))
    };
    let total = digest.new_alliances.len() + digest.unnamed_new_alliances;
    let new_alliances = capitalised(&plural(total, "new alliance", "new alliances"));
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": format!("New alliances {period}") },
    })];

    if total > 0 {
        let mut list = String::new();
        for alliance in digest.new_alliances.iter().take(MAX_LISTED) {
            let _ = writeln!(
                list,
                "• {} and {}",
                with_team(&alliance.a.0, alliance.a.1.as_ref()),
                with_team(&alliance.b.0, alliance.b.1.as_ref())
            );
        }
        // "and 2 more" only below names: alone, it would read as a list of nobody.
        let unlisted = total - digest.new_alliances.len().min(MAX_LISTED);
        if unlisted > 0 && !list.is_empty() {
            let _ = writeln!(list, "• and {unlisted} more");
        }
        let mut text =
            format!("{new_alliances} across teams {period}. Thank you for reaching out.");
        if !list.is_empty() {
            let _ = write!(text, "\n{}", list.trim_end());
        }
        blocks.push(section(text));
    }

    for bridge in &digest.bridges {
        let (a, b) = (
            mrkdwn_text(bridge.teams.0.as_str()),
            mrkdwn_text(bridge.teams.1.as_str()),
        );
        let text = match &bridge.builders {
            Some((x, y)) => format!(
                ":bridge_at_night: *A first bridge between {a} and {b}*, built by {} and {}.",
                mention(x),
                mention(y)
            ),
            None => format!(":bridge_at_night: *A first bridge between {a} and {b}.*"),
        };
        blocks.push(section(text));
    }

    if let Some(thanks) = bridge_builders_text(digest, &period) {
        blocks.push(section(thanks));
    }

    if !digest.team_figures.is_empty() {
        blocks.push(section(team_figures_text(digest)));
        if digest.small_teams_held_back > 0 {
            let text = "Smaller teams formed new alliances too; their figures stay private, so nobody is singled out.";
            blocks.push(context(text));
        }
    }

    blocks.extend(super::partnerships::partnerships_block(
        &digest.partnerships,
    ));

    if !digest.unconnected_team_pairs.is_empty() {
        let shown: Vec<String> = digest
            .unconnected_team_pairs
            .iter()
            .take(5)
            .map(|(a, b)| format!("{} ↔ {}", mrkdwn_text(a.as_str()), mrkdwn_text(b.as_str())))
            .collect();
        let more = digest.unconnected_team_pairs.len() - shown.len();
        let mut text = format!("Still without a tie: {}", shown.join(", "));
        if more > 0 {
            let _ = write!(text, " and {}", plural(more, "more pair", "more pairs"));
        }
        text.push_str(". Who will be first?");
        blocks.push(context(text));
    }

    let mut text = format!("{new_alliances} {period}");
    if !digest.bridges.is_empty() {
        let _ = write!(
            text,
            " and {}",
            plural(digest.bridges.len(), "first bridge", "first bridges")
        );
    }
    text.push('.');
    Some(Message { text, blocks })
}

/// "<@U1> (Payments)", or "<@U1>" alone when their team is too small to be
/// shown.
fn with_team(person: &UserId, team: Option<&TeamId>) -> String {
    match team {
        Some(team) => format!("{} ({})", mention(person), mrkdwn_text(team.as_str())),
        None => mention(person),
    }
}

/// At most this many teams get a line of figures; the rest are counted.
/// Five lines fit a phone's screen beside the rest of the digest.
const MAX_TEAMS_LISTED: usize = 5;

/// "Bridge-builders this week: <@U1> with 3 new alliances, <@U3> with 2 and
/// <@U4> with 1.", or `None` when nobody who welcomes shout-outs formed a
/// new alliance.
fn bridge_builders_text(digest: &Digest, period: &str) -> Option<String> {
    let (first, rest) = digest.bridge_builders.split_first()?;
    let mut names = vec![format!(
        "{} with {}",
        mention(&first.person),
        plural(first.new_alliances, "new alliance", "new alliances")
    )];
    names.extend(
        rest.iter()
            .map(|b| format!("{} with {}", mention(&b.person), b.new_alliances)),
    );
    Some(format!(
        ":raised_hands: *Bridge-builders {period}*: {}.",
        in_a_sentence(&names)
    ))
}

/// "Team by team", one line per team at or above the k-anonymity floor.
fn team_figures_text(digest: &Digest) -> String {
    let mut text = "*Team by team*".to_owned();
    for figures in digest.team_figures.iter().take(MAX_TEAMS_LISTED) {
        let _ = write!(
            text,
            "\n• {} formed {} with {}",
            mrkdwn_text(figures.team.as_str()),
            plural(figures.new_alliances, "new alliance", "new alliances"),
            plural(figures.with_teams, "team", "teams")
        );
    }
    let more = digest.team_figures.len().saturating_sub(MAX_TEAMS_LISTED);
    if more > 0 {
        let _ = write!(text, "\n• and {}", plural(more, "more team", "more teams"));
    }
    text
}

/// The buttons of a message's actions block, each as `(action_id, label,
/// primary)` and all carrying `value` back when pressed; the primary one
/// (*We met*) is styled so.
pub(super) fn action_buttons<'a>(
    buttons: impl IntoIterator<Item = (&'a str, &'a str, bool)>,
    value: &str,
) -> Vec<Value> {
    buttons
        .into_iter()
        .map(|(action_id, label, primary)| {
            let mut button = json!({
                "type": "button",
                "action_id": action_id,
                "text": { "type": "plain_text", "text": label },
                "value": value,
            });
            if primary {
                button["style"] = json!("primary");
            }
            button
        })
        .collect()
}

/// "1 day", "14 days".
pub(super) fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What a person reads in a message, as plain lines: the text of its blocks
/// with mentions shown as `@Name` by `name_of`, Slack's `&amp;`, `&lt;` and
/// `&gt;` shown as the characters Slack would show, and buttons as
/// `[Label]`. The demo prints this, and the snapshot tests check it.
pub fn readable_text(
    text: &str,
    blocks: &Value,
    name_of: impl Fn(&str) -> Option<String>,
) -> String {
    // Slack parses mentions and entities in `mrkdwn` only; `plain_text`
    // (headers, button labels) is shown exactly as written.
    let shown = |object: &Value| -> Option<String> {
        let text = object["text"].as_str()?;
        Some(if object["type"] == "plain_text" {
            text.to_owned()
        } else {
            resolve_mentions(text, &name_of)
        })
    };
    let mut lines = Vec::new();
    let blocks = blocks.as_array().map(Vec::as_slice).unwrap_or_default();
    for block in blocks {
        let elements = block["elements"].as_array().into_iter().flatten();
        match block["type"].as_str() {
            Some("header") | Some("section") => {
                lines.push(shown(&block["text"]).unwrap_or_default())
            }
            Some("context") => lines.extend(elements.filter_map(shown)),
            Some("actions") => lines.push(
                elements
                    .filter_map(|e| shown(&e["text"]).map(|label| format!("[{label}]")))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => {}
        }
    }
    if lines.is_empty() {
        lines.push(resolve_mentions(text, &name_of));
    }
    lines.join("\n")
}

/// Replaces `<@U123>` and `<@U123|name>` with `@Name`, and unescapes the
/// text around them. Mentions are found before unescaping, so an escaped
/// `&lt;@U1&gt;` reads as the text `<@U1>`, as it does in Slack.
fn resolve_mentions(text: &str, name_of: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&unescape_mrkdwn(&rest[..start]));
        let after = &rest[start + 2..];
        let Some(end) = after.find('>') else {
            out.push_str(&unescape_mrkdwn(&rest[start..]));
            return out;
        };
        let inner = &after[..end];
        let id = inner.split('|').next().unwrap_or(inner);
        let label = name_of(id).or_else(|| inner.split('|').nth(1).map(str::to_owned));
        out.push('@');
        out.push_str(label.as_deref().unwrap_or(id));
        rest = &after[end + 1..];
    }
    out.push_str(&unescape_mrkdwn(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Bridge, BridgeBuilder, NewAlliance, TeamFigures, TeamGap, TeamId};
    use chrono::{Duration, TimeZone, Utc};

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn name_of(id: &str) -> Option<String> {
        match id {
            "U1" => Some("Dana Ito".into()),
            "U2" => Some("Alice Moreau".into()),
            "U3" => Some("Sam Okafor".into()),
            "U4" => Some("Lee Park".into()),
            _ => None,
        }
    }

    fn gap(alliances: u32) -> TeamGap {
        TeamGap {
            own_team: team("Platform"),
            alliances,
            most: 6,
            boost: 1.0 + 1.0 - f64::from(alliances) / 6.0,
            figures_shown: true,
        }
    }

    fn nudge(note: Option<&str>, times_met: u32) -> Nudge {
        Nudge {
            to: user("U1"),
            about: user("U2"),
            about_team: team("Payments"),
            planned_at: Utc.with_ymd_and_hms(2026, 6, 3, 9, 0, 0).unwrap(),
            reason: NudgeReason::Neglected(Neglected {
                last_met: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
                days_since: 94,
                cadence_days: 60,
                times_met,
                last_note: note.map(str::to_owned),
                strength_then: 2.5,
                strength_now: 1.2,
                gap: gap(2),
            }),
        }
    }

    fn intro(alliances: u32, shared_contact: Option<SharedContact>) -> Nudge {
        Nudge {
            to: user("U1"),
            about: user("U4"),
            about_team: team("Legal"),
            planned_at: Utc.with_ymd_and_hms(2026, 6, 3, 9, 0, 0).unwrap(),
            reason: NudgeReason::Intro(Intro {
                last_alliance_at: None,
                quiet_days: 90,
                gap: gap(alliances),
                shared_contact,
            }),
        }
    }

    fn snapshot_of(message: &Message) -> String {
        format!(
            "{}\n---\n{}\n---\n{}",
            message.text,
            readable_text(
                &message.text,
                &Value::Array(message.blocks.clone()),
                name_of
            ),
            serde_json::to_string_pretty(&message.blocks).unwrap()
        )
    }

    #[test]
    fn a_nudge_names_the_peer_their_team_how_long_and_what_was_last_discussed() {
        insta::assert_snapshot!(snapshot_of(&render_nudge(&nudge(
            Some("coffee about the roadmap"),
            4
        ))));
    }

    #[test]
    fn a_nudge_without_a_note_after_one_meeting() {
        insta::assert_snapshot!(snapshot_of(&render_nudge(&nudge(None, 1))));
    }

    #[test]
    fn an_intro_names_the_peer_and_a_contact_who_works_with_their_team() {
        let contact = SharedContact::KnowsTeam(user("U3"));
        insta::assert_snapshot!(snapshot_of(&render_nudge(&intro(0, Some(contact)))));
    }

    #[test]
    fn an_intro_to_a_team_with_few_alliances_and_a_mutual_contact() {
        let contact = SharedContact::Mutual(user("U3"));
        insta::assert_snapshot!(snapshot_of(&render_nudge(&intro(1, Some(contact)))));
    }

    #[test]
    fn an_intro_without_a_shared_contact() {
        insta::assert_snapshot!(snapshot_of(&render_nudge(&intro(3, None))));
    }

    #[test]
    fn an_intro_into_a_team_too_small_for_figures_gives_none() {
        let mut nudge = intro(0, None);
        if let NudgeReason::Intro(intro) = &mut nudge.reason {
            intro.gap.figures_shown = false;
        }
        let text = readable_text("", &Value::Array(render_nudge(&nudge).blocks), name_of);
        assert!(
            text.starts_with("Someone worth knowing outside Platform: @Lee Park in Legal.\n"),
            "{text}"
        );
        assert!(!text.contains("alliance"), "{text}");
    }

    #[test]
    fn a_weekly_digest_celebrates_alliances_and_bridges() {
        let since = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let digest = Digest {
            since,
            until: since + Duration::days(7),
            new_alliances: vec![
                NewAlliance {
                    a: (user("U1"), Some(team("Platform"))),
                    b: (user("U2"), Some(team("Payments"))),
                    at: since,
                },
                NewAlliance {
                    a: (user("U3"), Some(team("Design"))),
                    b: (user("U4"), Some(team("Legal"))),
                    at: since,
                },
            ],
            unnamed_new_alliances: 1,
            bridges: vec![Bridge {
                teams: (team("Design"), team("Legal")),
                builders: Some((user("U3"), user("U4"))),
                at: since,
            }],
            unconnected_team_pairs: vec![
                (team("Data"), team("Sales")),
                (team("Legal"), team("Sales")),
            ],
            ..Digest::empty(since, since + Duration::days(7))
        };
        insta::assert_snapshot!(snapshot_of(&render_digest(&digest).unwrap()));
    }

    fn builder(id: &str, team_name: &str, new_alliances: usize) -> BridgeBuilder {
        BridgeBuilder {
            person: user(id),
            team: Some(team(team_name)),
            new_alliances,
        }
    }

    fn figures(team_name: &str, new_alliances: usize, with_teams: usize) -> TeamFigures {
        TeamFigures {
            team: team(team_name),
            new_alliances,
            with_teams,
        }
    }

    /// A week of four new alliances (one with someone who opted out, one
    /// with someone in a team under the floor), no first bridge, and every
    /// team pair tied.
    fn week_of_four() -> Digest {
        let since = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        Digest {
            since,
            until: since + Duration::days(7),
            new_alliances: vec![
                NewAlliance {
                    a: (user("U1"), Some(team("Platform"))),
                    b: (user("U2"), Some(team("Payments"))),
                    at: since,
                },
                NewAlliance {
                    a: (user("U1"), Some(team("Platform"))),
                    b: (user("U3"), Some(team("Design"))),
                    at: since,
                },
                NewAlliance {
                    a: (user("U3"), Some(team("Design"))),
                    // U4's team, Legal, is under the floor: not shown.
                    b: (user("U4"), None),
                    at: since,
                },
            ],
            unnamed_new_alliances: 1,
            ..Digest::empty(since, since + Duration::days(7))
        }
    }

    #[test]
    fn a_digest_thanks_the_bridge_builders_and_gives_figures_for_larger_teams() {
        let digest = Digest {
            bridge_builders: vec![builder("U1", "Platform", 3), builder("U3", "Design", 2)],
            // The unnamed alliance is Platform's with Sales; Legal is small.
            team_figures: vec![
                figures("Platform", 3, 3),
                figures("Design", 2, 2),
                figures("Payments", 1, 1),
                figures("Sales", 1, 1),
            ],
            small_teams_held_back: 1,
            ..week_of_four()
        };
        insta::assert_snapshot!(snapshot_of(&render_digest(&digest).unwrap()));
    }

    #[test]
    fn one_bridge_builder_is_thanked_alone_and_no_team_figures_means_no_team_lines() {
        let digest = Digest {
            bridge_builders: vec![builder("U1", "Platform", 2)],
            small_teams_held_back: 3,
            ..week_of_four()
        };
        let message = render_digest(&digest).unwrap();
        let text = readable_text(&message.text, &Value::Array(message.blocks), name_of);
        assert!(
            text.contains("*Bridge-builders this week*: @Dana Ito with 2 new alliances."),
            "{text}"
        );
        assert!(!text.contains("Team by team"), "{text}");
        assert!(!text.contains("Smaller teams"), "{text}");
    }

    #[test]
    fn five_teams_get_a_line_and_the_rest_are_counted() {
        let digest = Digest {
            team_figures: ["A", "B", "C", "D", "E", "F", "G"]
                .iter()
                .map(|name| figures(name, 1, 1))
                .collect(),
            ..week_of_four()
        };
        let message = render_digest(&digest).unwrap();
        let text = readable_text(&message.text, &Value::Array(message.blocks), name_of);
        assert!(
            text.contains("• E formed 1 new alliance with 1 team\n• and 2 more teams"),
            "{text}"
        );
        assert!(!text.contains("• F formed"), "{text}");
    }

    #[test]
    fn new_alliances_that_nobody_may_be_named_in_are_counted_without_a_list() {
        let digest = Digest {
            new_alliances: vec![],
            unnamed_new_alliances: 2,
            ..week_of_four()
        };
        let message = render_digest(&digest).unwrap();
        assert_eq!(
            message.blocks[1]["text"]["text"],
            "2 new alliances across teams this week. Thank you for reaching out."
        );
    }

    #[test]
    fn a_quiet_period_posts_nothing() {
        let since = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let digest = Digest {
            unconnected_team_pairs: vec![(team("Data"), team("Sales"))],
            ..Digest::empty(since, since + Duration::days(7))
        };
        assert_eq!(render_digest(&digest), None);
    }

    /// A team name that would ping the channel and mangle if written raw.
    const HOSTILE_TEAM: &str = "<!channel> & Co";
    const HOSTILE_TEAM_ESCAPED: &str = "&lt;!channel&gt; &amp; Co";

    #[test]
    fn a_team_name_with_mrkdwn_control_characters_is_escaped_in_the_digest() {
        let since = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let digest = Digest {
            new_alliances: vec![NewAlliance {
                a: (user("U1"), Some(team(HOSTILE_TEAM))),
                b: (user("U2"), Some(team("Payments"))),
                at: since,
            }],
            bridges: vec![Bridge {
                teams: (team(HOSTILE_TEAM), team("Payments")),
                builders: None,
                at: since,
            }],
            team_figures: vec![figures(HOSTILE_TEAM, 1, 1)],
            unconnected_team_pairs: vec![(team(HOSTILE_TEAM), team("Legal"))],
            ..week_of_four()
        };
        let message = render_digest(&digest).unwrap();
        let blocks = serde_json::to_string(&message.blocks).unwrap();
        assert!(!blocks.contains("<!channel>"), "{blocks}");
        assert_eq!(blocks.matches(HOSTILE_TEAM_ESCAPED).count(), 4, "{blocks}");
        for expected in [
            "(&lt;!channel&gt; &amp; Co) and <@U2> (Payments)",
            "*A first bridge between &lt;!channel&gt; &amp; Co and Payments.*",
            "• &lt;!channel&gt; &amp; Co formed 1 new alliance with 1 team",
            "Still without a tie: &lt;!channel&gt; &amp; Co ↔ Legal.",
        ] {
            assert!(blocks.contains(expected), "{expected} in {blocks}");
        }
        // The terminal shows what Slack would show: the name as written.
        let text = readable_text(&message.text, &Value::Array(message.blocks), name_of);
        assert!(
            text.contains("• @Dana Ito (<!channel> & Co) and @Alice Moreau (Payments)"),
            "{text}"
        );
    }

    #[test]
    fn a_team_name_and_a_note_with_mrkdwn_control_characters_are_escaped_in_a_nudge() {
        let mut nudge = nudge(
            Some("coffee about <!here> &amp; <https://evil.example|the plan>"),
            2,
        );
        nudge.about_team = team(HOSTILE_TEAM);
        let message = render_nudge(&nudge);
        assert_eq!(
            message.text,
            "It's been 94 days since you and <@U2> (&lt;!channel&gt; &amp; Co) last met."
        );
        assert_eq!(
            message.blocks[0]["text"]["text"],
            "It's been 94 days since you and <@U2> (&lt;!channel&gt; &amp; Co) last met \
             — last time: coffee about &lt;!here&gt; &amp; &lt;https://evil.example|the plan&gt;."
        );
        let text = readable_text(&message.text, &Value::Array(message.blocks), name_of);
        assert!(
            text.starts_with(
                "It's been 94 days since you and @Alice Moreau (<!channel> & Co) last met \
                 — last time: coffee about <!here> & <https://evil.example|the plan>."
            ),
            "{text}"
        );
    }

    #[test]
    fn a_team_name_with_mrkdwn_control_characters_is_escaped_in_an_introduction() {
        let mut intro = intro(0, None);
        intro.about_team = team(HOSTILE_TEAM);
        let message = render_nudge(&intro);
        let blocks = serde_json::to_string(&message.blocks).unwrap();
        assert!(!message.text.contains("<!channel>"), "{}", message.text);
        assert!(!blocks.contains("<!channel>"), "{blocks}");
        assert!(
            blocks.contains("Platform and &lt;!channel&gt; &amp; Co have no active alliance"),
            "{blocks}"
        );
    }

    #[test]
    fn the_readable_text_shows_plain_text_as_written_and_escaped_mentions_as_text() {
        let blocks = json!([
            { "type": "header", "text": { "type": "plain_text", "text": "R&amp;D <@U1>" } },
            { "type": "section", "text": mrkdwn("&lt;@U1&gt; is not <@U1>") },
        ]);
        assert_eq!(
            readable_text("", &blocks, name_of),
            "R&amp;D <@U1>\n<@U1> is not @Dana Ito"
        );
    }

    #[test]
    fn mentions_read_as_names() {
        assert_eq!(
            resolve_mentions("hi <@U1> and <@U9|zed> and <@U8>", name_of),
            "hi @Dana Ito and @zed and @U8"
        );
        assert_eq!(resolve_mentions("broken <@U1", name_of), "broken <@U1");
    }
}
