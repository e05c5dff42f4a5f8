//! The App Home's "Your reach": one small picture of the other teams as a
//! person sees them, drawn with Block Kit itself.
//!
//! An App Home can only show an image from a public URL or an uploaded
//! file; in Socket Mode the bot has no public URL, and a private file per
//! person per view would fill the workspace with files. So the picture is
//! a row of coloured squares, one per team, then a line per team.

use super::mrkdwn::mrkdwn_text;
use super::render::{context, section};
use crate::domain::{Freshness, Reach, TeamId, TeamReach, ago, in_a_sentence, plural};
use serde_json::Value;

/// How many teams with an alliance get a line of their own; the rest are
/// counted, so the page stays small.
const TEAM_LINES: usize = 8;

/// How many teams without an alliance are named.
const OPEN_TEAMS_NAMED: usize = 6;

/// How many squares the picture draws; past that it counts. Forty squares
/// still fit on one line of a laptop's Home tab.
const SQUARES: usize = 40;

/// The square for a team with no alliance yet.
const NO_ALLIANCE: &str = "⬜";

/// The square and the word for each freshness. Orange, not red: a quiet
/// alliance is a reason to say hello, not a failure.
fn looks(freshness: Freshness) -> (&'static str, &'static str) {
    match freshness {
        Freshness::Fresh => ("🟩", "fresh"),
        Freshness::Fading => ("🟨", "fading"),
        Freshness::Overdue => ("🟧", "time to catch up"),
    }
}

/// The blocks of the reach section; none when there is no other team.
pub(super) fn render_reach(reach: &Reach) -> Vec<Value> {
    if reach.is_empty() {
        return Vec::new();
    }
    if reach.teams.is_empty() {
        // No row of blank squares for someone just starting: an invitation.
        return vec![section(format!(
            "*Your reach*\nEvery other team is still open to you: {}. When you meet someone there, `/met @name coffee` logs your first alliance.",
            named(&reach.without, OPEN_TEAMS_NAMED)
        ))];
    }
    let mut blocks = vec![section(format!("*Your reach*\n{}", picture(reach)))];
    let mut lines: Vec<String> = reach.teams.iter().take(TEAM_LINES).map(line).collect();
    if reach.teams.len() > TEAM_LINES {
        lines.push(format!(
            "…and {}.",
            plural(reach.teams.len() - TEAM_LINES, "more team", "more teams")
        ));
    }
    blocks.push(section(lines.join("\n")));
    if !reach.without.is_empty() {
        blocks.push(section(format!(
            "No alliance yet with {} — `/met` logs one when you meet someone there.",
            named(&reach.without, OPEN_TEAMS_NAMED)
        )));
    }
    let legend = [Freshness::Fresh, Freshness::Fading, Freshness::Overdue]
        .map(|f| {
            let (square, word) = looks(f);
            format!("{square} {word}")
        })
        .join(" · ");
    blocks.push(context(format!(
        "{legend} · {NO_ALLIANCE} no alliance yet. The closer an alliance, the sooner it fades."
    )));
    blocks
}

/// One square per team: those with an alliance in their order, then the
/// open ones.
fn picture(reach: &Reach) -> String {
    let squares = reach
        .teams
        .iter()
        .map(|t| looks(t.freshness).0)
        .chain(reach.without.iter().map(|_| NO_ALLIANCE));
    let total = reach.teams.len() + reach.without.len();
    let mut row: String = squares.take(SQUARES).collect();
    if total > SQUARES {
        row.push_str(&format!(" +{}", total - SQUARES));
    }
    row
}

/// "🟩 *Platform* · <@U3> · last met 4 days ago · fresh"
fn line(team: &TeamReach) -> String {
    let (square, word) = looks(team.freshness);
    let who = match team.allies.as_slice() {
        [one] => format!("<@{one}>"),
        many => plural(many.len(), "person", "people"),
    };
    format!(
        "{square} *{}* · {who} · last met {} · {word}",
        mrkdwn_text(team.team.as_str()),
        ago(team.days_since)
    )
}

/// "Data, Design and Legal", or the first `limit` and "and 3 more teams".
fn named(teams: &[TeamId], limit: usize) -> String {
    let mut names: Vec<String> = teams
        .iter()
        .take(limit)
        .map(|t| mrkdwn_text(t.as_str()).into_owned())
        .collect();
    let more = teams.len().saturating_sub(limit);
    if more > 0 {
        names.push(plural(more, "more team", "more teams"));
    }
    in_a_sentence(&names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::slack::readable_text;
    use chrono::{Duration, TimeZone, Utc};

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn reached(name: &str, allies: &[&str], days_since: i64, freshness: Freshness) -> TeamReach {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        TeamReach {
            team: team(name),
            allies: allies.iter().map(|id| UserId::parse(id).unwrap()).collect(),
            last_met: now - Duration::days(days_since),
            days_since,
            freshness,
        }
    }

    fn text(reach: &Reach) -> String {
        let blocks = Value::Array(render_reach(reach));
        readable_text("", &blocks, |id| Some(format!("name-of-{id}")))
    }

    #[test]
    fn the_reach_of_someone_with_alliances_of_mixed_freshness() {
        let reach = Reach {
            teams: vec![
                reached("Platform", &["U3", "U4", "U8"], 4, Freshness::Fresh),
                reached("Design", &["U5"], 20, Freshness::Fresh),
                reached("Data", &["U7"], 49, Freshness::Fading),
                reached("Sales", &["U9", "U10"], 130, Freshness::Overdue),
            ],
            without: vec![team("Legal"), team("Support")],
        };
        insta::assert_snapshot!(text(&reach));
    }

    #[test]
    fn someone_with_no_alliance_is_invited_not_scored() {
        let reach = Reach {
            teams: vec![],
            without: ["Data", "Design", "Legal", "Platform"].map(team).to_vec(),
        };
        let text = text(&reach);
        assert!(!text.contains(NO_ALLIANCE), "no row of blanks: {text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_company_of_many_teams_keeps_the_section_small() {
        let freshness = [Freshness::Fresh, Freshness::Fading, Freshness::Overdue];
        let reach = Reach {
            teams: (0..12)
                .map(|i| {
                    let ally = format!("U{}", 100 + i);
                    reached(
                        &format!("Team {i:02}"),
                        &[&ally],
                        3 + i * 9,
                        freshness[i as usize / 5],
                    )
                })
                .collect(),
            without: (0..35).map(|i| team(&format!("Open {i:02}"))).collect(),
        };
        let text = text(&reach);
        // The title, the picture, eight teams, the rest counted, the open
        // teams and the legend.
        assert_eq!(text.lines().count(), 13, "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_team_name_with_mrkdwn_control_characters_is_escaped_in_the_reach() {
        let hostile = "<!channel> & Co";
        let with_alliance = Reach {
            teams: vec![reached(hostile, &["U5"], 2, Freshness::Fresh)],
            without: vec![team("<https://evil.example|Click>")],
        };
        let only_open = Reach {
            teams: vec![],
            without: vec![team(hostile)],
        };
        let sections: Vec<String> = [&with_alliance, &only_open]
            .into_iter()
            .flat_map(render_reach)
            .map(|block| serde_json::to_string(&block).unwrap())
            .collect();
        let json = sections.join("\n");
        assert!(
            !json.contains("<!channel>") && !json.contains("<https"),
            "{json}"
        );
        assert!(
            json.contains("🟩 *&lt;!channel&gt; &amp; Co* · <@U5> · last met 2 days ago"),
            "{json}"
        );
        assert!(
            json.contains("No alliance yet with &lt;https://evil.example|Click&gt; —"),
            "{json}"
        );
        assert!(
            json.contains("still open to you: &lt;!channel&gt; &amp; Co."),
            "{json}"
        );
        // Read outside Slack, the names are as written.
        assert!(
            text(&with_alliance).contains("🟩 *<!channel> & Co* · @name-of-U5"),
            "{}",
            text(&with_alliance)
        );
    }

    #[test]
    fn there_is_no_section_when_there_is_no_other_team() {
        assert!(render_reach(&Reach::default()).is_empty());
    }

    #[test]
    fn the_picture_is_block_kit_sections_and_a_context_legend() {
        let reach = Reach {
            teams: vec![reached("Design", &["U5"], 2, Freshness::Fresh)],
            without: vec![team("Legal")],
        };
        let kinds: Vec<String> = render_reach(&reach)
            .iter()
            .map(|b| b["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(kinds, ["section", "section", "section", "context"]);
    }
}
