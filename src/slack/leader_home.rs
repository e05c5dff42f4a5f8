//! The App Home's sections for someone who leads: their key partnerships,
//! each as it stands for them, and their current leadership circle.
//!
//! Private, like the rest of their Home, and in the same voice as the
//! nudges: specific (who, how long, what the partnership asks), never a
//! score. The squares are the reach's: green while live, orange when it is
//! time to catch up, white for a tie still to start.

use super::mrkdwn::mrkdwn_text;
use super::render::{days, section};
use crate::domain::{
    CircleState, HomeCircle, HomePartnership, LeaderHome, PartnershipTie, ago, in_a_sentence,
    plural, times,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The blocks added to the Home of someone who leads; none for anyone else.
pub(super) fn render_leader_home(home: &LeaderHome) -> Vec<Value> {
    let mut blocks = Vec::new();
    if !home.partnerships.is_empty() {
        let lines: Vec<String> = home.partnerships.iter().map(partnership_line).collect();
        blocks.push(section(format!(
            "*Your key partnerships*\n{}",
            lines.join("\n")
        )));
    }
    if let Some(circle) = &home.circle {
        blocks.push(section(format!(
            "*Your leadership circle*\n{}",
            circle_text(circle)
        )));
    }
    blocks
}

/// One partnership's line: whether the person's tie across it is live,
/// whom to catch up with, or who leads the other team.
fn partnership_line(partnership: &HomePartnership) -> String {
    let own = mrkdwn_text(partnership.own_team.as_str());
    let other = mrkdwn_text(partnership.other_team.as_str());
    let cadence = days(i64::from(partnership.cadence_days));
    let name = format!("*{own} ↔ {other}*");
    match &partnership.tie {
        PartnershipTie::Live {
            peer,
            days_since,
            also_live,
        } => {
            let mut line = format!(
                "🟩 {name}: live. You met <@{peer}> {}, within the {cadence} the partnership asks for.",
                ago(*days_since)
            );
            if *also_live > 0 {
                line.push_str(&format!(
                    " You have {} in {other}.",
                    plural(*also_live, "more live tie", "more live ties")
                ));
            }
            line
        }
        PartnershipTie::Fading {
            peer,
            days_since,
            times_met,
        } => format!(
            "🟧 {name}: it's been {} since you and <@{peer}> last met ({} so far); the \
             partnership asks for every {cadence}. A short catch-up keeps it live.",
            days(*days_since),
            times(*times_met)
        ),
        PartnershipTie::Missing { leads } => match leads.as_slice() {
            [] => format!(
                "⬜ {name}: no live tie in {other} yet. A coffee with anyone there would start one."
            ),
            [lead] => format!(
                "⬜ {name}: no live tie in {other} yet. <@{lead}> leads {other}: a 20-minute \
                 coffee would start one."
            ),
            [first, second, ..] => format!(
                "⬜ {name}: no live tie in {other} yet. <@{first}> and <@{second}> lead {other}: \
                 a 20-minute coffee with either would start one."
            ),
        },
    }
}

/// Who is in the circle, since when, and where it stands.
fn circle_text(circle: &HomeCircle) -> String {
    let mut names: Vec<String> = circle.others.iter().map(|m| format!("<@{m}>")).collect();
    if circle.unnamed > 0 {
        names.push(plural(circle.unnamed, "other", "others"));
    }
    let formed = day(circle.formed_at);
    let who = if names.is_empty() {
        format!("Your circle of {formed} has nobody else in it now.")
    } else {
        format!("With {}, since {formed}.", in_a_sentence(&names))
    };
    let state = match circle.state {
        CircleState::CheckInOn(on) => format!(
            "Find 45 minutes together: what is each of you pushing for, and what is hard right \
             now? On {} I'll ask once whether you got together.",
            day(on)
        ),
        CircleState::CheckInAsked => {
            "I asked whether you got together: the buttons are in your group DM.".to_owned()
        }
        CircleState::Met => "You got together. :raised_hands:".to_owned(),
        CircleState::NotYet => "Not yet: when you do, `/met` logs it.".to_owned(),
        CircleState::Skipped => {
            "You skipped this round; the next one brings a new circle.".to_owned()
        }
    };
    format!("{who} {state}")
}

/// "Mon 1 Jun", as the Home says the end of a snooze.
fn day(at: DateTime<Utc>) -> String {
    at.format("%a %-d %b").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CircleKey, TeamId, UserId};
    use crate::slack::readable_text;
    use chrono::TimeZone;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    fn partnership(other: &str, tie: PartnershipTie) -> HomePartnership {
        HomePartnership {
            own_team: team("Engineering"),
            other_team: team(other),
            cadence_days: 14,
            tie,
        }
    }

    fn read(home: &LeaderHome) -> String {
        let names = |id: &str| Some(format!("name-of-{id}"));
        readable_text("", &Value::Array(render_leader_home(home)), names)
    }

    #[test]
    fn each_partnership_says_whether_it_is_live_whom_to_catch_up_with_or_who_leads_the_other_team()
    {
        let home = LeaderHome {
            partnerships: vec![
                partnership(
                    "Product",
                    PartnershipTie::Live {
                        peer: user("U2"),
                        days_since: 6,
                        also_live: 2,
                    },
                ),
                partnership(
                    "Sales",
                    PartnershipTie::Fading {
                        peer: user("U3"),
                        days_since: 23,
                        times_met: 5,
                    },
                ),
                partnership(
                    "Data",
                    PartnershipTie::Missing {
                        leads: vec![user("U4")],
                    },
                ),
                partnership(
                    "Legal",
                    PartnershipTie::Missing {
                        leads: vec![user("U5"), user("U6"), user("U7")],
                    },
                ),
                partnership("Support", PartnershipTie::Missing { leads: vec![] }),
            ],
            circle: None,
        };
        insta::assert_snapshot!(read(&home));
    }

    #[test]
    fn the_circle_says_who_is_in_it_since_when_and_where_it_stands() {
        let formed_at = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap();
        let circle = |others: &[&str], unnamed, state| LeaderHome {
            partnerships: vec![],
            circle: Some(HomeCircle {
                key: CircleKey { round: 2, index: 1 },
                formed_at,
                others: others.iter().map(|m| user(m)).collect(),
                unnamed,
                state,
            }),
        };
        let check_in = formed_at + chrono::Duration::days(7);
        let states = [
            circle(&["U2", "U3", "U4"], 0, CircleState::CheckInOn(check_in)),
            circle(&["U2", "U3"], 1, CircleState::CheckInAsked),
            circle(&["U2"], 0, CircleState::Met),
            circle(&["U2", "U3"], 0, CircleState::NotYet),
            circle(&[], 2, CircleState::Skipped),
            circle(&[], 0, CircleState::Met),
        ];
        let read: Vec<String> = states.iter().map(read).collect();
        insta::assert_snapshot!(read.join("\n---\n"));
    }

    #[test]
    fn someone_who_leads_nothing_gets_no_block_and_team_names_are_escaped() {
        assert!(render_leader_home(&LeaderHome::default()).is_empty());
        let home = LeaderHome {
            partnerships: vec![partnership(
                "<!channel> & Co",
                PartnershipTie::Missing { leads: vec![] },
            )],
            circle: None,
        };
        let json = serde_json::to_string(&render_leader_home(&home)).unwrap();
        assert!(!json.contains("<!channel>"), "{json}");
        assert!(json.contains("&lt;!channel&gt; &amp; Co"), "{json}");
    }
}
