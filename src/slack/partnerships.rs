//! What people read about key partnerships: the DM to someone a
//! partnership binds who has no live tie across it, and the digest's line
//! per partnership (which a lead's `/alliances team` repeats).
//!
//! Warm and specific, never a score to feel bad about: the DM says why the
//! two teams matter to each other and what would help; the digest's line
//! counts people, never names them.

use super::mrkdwn::{mrkdwn_text, quoted_from_slack};
use super::render::{days, section};
use crate::domain::{KeyPartnership, Nudge, PartnershipStanding, times};
use serde_json::Value;
use std::fmt::Write as _;

/// The headline, body and context line of a partnership's nudge: a
/// reminder of a fading partnership tie, or an introduction to someone who
/// leads the other team.
pub(super) fn partnership_text(nudge: &Nudge, reason: &KeyPartnership) -> (String, String, String) {
    let about = format!("<@{}>", nudge.about);
    let own = mrkdwn_text(reason.own_team.as_str());
    let other = mrkdwn_text(reason.other_team.as_str());
    match &reason.fading {
        Some(tie) => {
            let headline = format!(
                "It's been {} since you and {about} ({other}) last met",
                days(tie.days_since)
            );
            let body = format!(
                "{own} and {other} work best joined at the hip. {headline} — the partnership asks for every {}.",
                days(i64::from(reason.cadence_days))
            );
            let mut context = format!("You've met {}", times(tie.times_met));
            match &tie.last_note {
                Some(note) => {
                    let _ = write!(context, "; last time: {}.", quoted_from_slack(note));
                }
                None => context.push('.'),
            }
            context.push_str(" A short catch-up keeps the partnership live.");
            (format!("{headline}."), body, context)
        }
        None => {
            let headline = format!("{about} leads {other}, a key partner of {own}");
            let body = format!(
                "You don't have a live tie in {other} yet, and {own} ↔ {other} is a key partnership. {about} leads {other}: a 20-minute coffee would start one."
            );
            let context = format!(
                "Partnership ties stay live with a catch-up every {}.",
                days(i64::from(reason.cadence_days))
            );
            (format!("{headline}."), body, context)
        }
    }
}

/// The digest's section on the key partnerships, or `None` when it has no
/// figure for any (each was planned only above the k-anonymity floor).
pub(super) fn partnerships_block(standings: &[PartnershipStanding]) -> Option<Value> {
    if standings.is_empty() {
        return None;
    }
    let mut text = "*Key partnerships*".to_owned();
    for standing in standings {
        let _ = write!(text, "\n• {}", partnership_standing_line(standing));
    }
    Some(section(text))
}

/// "Engineering ↔ Product: 7 of 9 leads have a live alliance": the
/// digest's line for a partnership, which `/alliances team` gives too.
pub fn partnership_standing_line(standing: &PartnershipStanding) -> String {
    let (first, second) = (
        mrkdwn_text(standing.teams.0.as_str()),
        mrkdwn_text(standing.teams.1.as_str()),
    );
    let who = standing.binds.whom(&first, Some(standing.bound));
    let verb = if standing.live == 1 { "has" } else { "have" };
    format!(
        "{first} ↔ {second}: {} of {who} {verb} a live alliance",
        standing.live
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Binds, FadingTie, NudgeReason, TeamId, UserId};
    use crate::slack::{readable_text, render_nudge};
    use chrono::{TimeZone, Utc};

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn name_of(id: &str) -> Option<String> {
        match id {
            "U1" => Some("Dana Ito".into()),
            "U2" => Some("Pat Lee".into()),
            _ => None,
        }
    }

    fn nudge(fading: Option<FadingTie>) -> Nudge {
        Nudge {
            to: UserId::parse("U1").unwrap(),
            about: UserId::parse("U2").unwrap(),
            about_team: team("Product"),
            planned_at: Utc.with_ymd_and_hms(2026, 6, 3, 9, 0, 0).unwrap(),
            reason: NudgeReason::Partnership(KeyPartnership {
                own_team: team("Engineering"),
                other_team: team("Product"),
                cadence_days: 14,
                fading,
            }),
        }
    }

    fn read(nudge: &Nudge) -> String {
        let message = render_nudge(nudge);
        format!(
            "{}\n---\n{}",
            message.text,
            readable_text(&message.text, &Value::Array(message.blocks), name_of)
        )
    }

    #[test]
    fn a_partnership_reminder_says_how_long_and_what_the_partnership_asks() {
        let fading = FadingTie {
            last_met: Utc.with_ymd_and_hms(2026, 5, 11, 12, 0, 0).unwrap(),
            days_since: 23,
            times_met: 5,
            last_note: Some("the Q3 roadmap".into()),
            strength_now: 2.4,
        };
        insta::assert_snapshot!(read(&nudge(Some(fading))));
    }

    #[test]
    fn a_partnership_introduction_names_the_other_team_s_lead() {
        insta::assert_snapshot!(read(&nudge(None)));
    }

    #[test]
    fn the_digest_line_counts_the_leads_or_the_people_bound() {
        let standing = |binds, live, bound| PartnershipStanding {
            teams: (team("Engineering"), team("Product")),
            binds,
            live,
            bound,
        };
        let block = partnerships_block(&[
            standing(Binds::Leads, 7, 9),
            standing(Binds::Everyone, 31, 40),
            standing(Binds::Leads, 1, 5),
        ])
        .unwrap();
        insta::assert_snapshot!(block["text"]["text"].as_str().unwrap());
        assert_eq!(partnerships_block(&[]), None);
    }
}
