//! The early warning's DM to a leader whose alliances have thinned: kind,
//! brief and concrete — what happened is normal, and here are two or
//! three small steps, each a name, a team and how long it has been. Never
//! a score: how many teams they reach is the rules' business, not theirs
//! to feel bad about.

use super::mrkdwn::mrkdwn_text;
use super::render::{Message, context, section};
use crate::domain::{EarlyWarning, WarningStep, ago, times};

/// The DM to `warning.to`.
pub fn render_early_warning(warning: &EarlyWarning) -> Message {
    let count = match warning.steps.len() {
        1 => "One small step",
        2 => "Two small steps",
        _ => "Three small steps",
    };
    let mut body = format!(
        "Your alliances have gone quiet in a few places — that happens to everyone when the work piles up. \
         Peers across the company make every push lighter, and a few minutes now keeps them close. {count}:"
    );
    for (n, step) in warning.steps.iter().enumerate() {
        let team = mrkdwn_text(step.team().as_str());
        let line = match step {
            WarningStep::Revive {
                peer,
                last_met,
                times_met,
                ..
            } => {
                let when = ago((warning.planned_at - *last_met).num_days());
                let met = match times_met {
                    1 => format!("you met once, {when}"),
                    n => format!("you've met {}, the last {when}", times(*n)),
                };
                format!("<@{peer}> ({team}): {met} — a short catch-up?")
            }
            WarningStep::Meet { peer, .. } => {
                format!("Someone new in {team}: <@{peer}> might be a good start.")
            }
        };
        body.push_str(&format!("\n{}. {line}", n + 1));
    }
    Message {
        text:
            "A few of your alliances have gone quiet — a small step or two could bring them back."
                .to_owned(),
        blocks: vec![
            section(body),
            context(
                "Just between us: I write like this at most once a month. `/met @name` logs a catch-up; `/alliances snooze 2w` gives you a quiet spell.",
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{TeamId, UserId};
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn a_warning_gives_fading_ties_then_someone_new_with_team_names_escaped() {
        let planned_at = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let user = |id: &str| UserId::parse(id).unwrap();
        let team = |name: &str| TeamId::parse(name).unwrap();
        let warning = EarlyWarning {
            to: user("U1"),
            planned_at,
            live_teams: 1,
            min_teams: 3,
            steps: vec![
                WarningStep::Revive {
                    peer: user("U2"),
                    team: team("Sales"),
                    last_met: planned_at - Duration::days(125),
                    times_met: 4,
                },
                WarningStep::Revive {
                    peer: user("U3"),
                    team: team("R&D"),
                    last_met: planned_at - Duration::days(70),
                    times_met: 1,
                },
                WarningStep::Meet {
                    peer: user("U4"),
                    team: team("Legal"),
                },
            ],
        };
        let message = render_early_warning(&warning);
        insta::assert_snapshot!(format!(
            "{}\n---\n{}",
            message.text,
            serde_json::to_string_pretty(&message.blocks).unwrap()
        ));
    }
}
