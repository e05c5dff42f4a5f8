//! The App Home: each person's own view of their alliances, and their
//! settings. Private to them, like everything about their ties.

use super::leader_home::render_leader_home;
use super::mrkdwn::mrkdwn_text;
use super::reach::render_reach;
use super::render::{context, section};
use crate::domain::{HomeAction, LeaderHome, Reach, TeamId, UserId, times};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// One alliance as the App Home shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeAlliance {
    /// The other person of the alliance.
    pub peer: UserId,
    /// The peer's team, shown beside their name.
    pub team: TeamId,
    /// Days since the two last met.
    pub days_since: i64,
    /// How often they have met.
    pub times_met: u32,
}

/// What a person's App Home shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HomeContent {
    /// The other teams as this person sees them.
    pub reach: Reach,
    /// Alliances past their cadence, the longest-quiet first.
    pub overdue: Vec<HomeAlliance>,
    /// Alliances met within the cadence, the freshest first.
    pub recent: Vec<HomeAlliance>,
    /// Snoozed until then.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Opted out: the Home offers to opt back in.
    pub opted_out: bool,
    /// Agreed to be thanked by name in the digest.
    pub shoutouts: bool,
    /// For someone who leads: their key partnerships and circle, shown
    /// first; empty for everyone else.
    pub leader: LeaderHome,
    /// Whether the bot reads their calendar.
    pub calendar: HomeCalendar,
}

/// Where someone's calendar stands, as their App Home shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HomeCalendar {
    /// Calendars are not set up here (no key): nothing is shown.
    #[default]
    Unavailable,
    /// They have not given it.
    NotGiven,
    /// It has been read since then.
    ReadSince(DateTime<Utc>),
    /// It has failed to be read since then.
    FailingSince(DateTime<Utc>),
}

/// How many alliances each section lists.
const SECTION_LIMIT: usize = 8;

/// The App Home's blocks.
pub fn render_home(content: &HomeContent) -> Vec<Value> {
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": "Your alliances" } }),
        context("Your ties with people in other teams. Only you see this page."),
    ];
    // What leads a leader's page: a partnership tie is the first thing the
    // bot raises, so it comes before the reach.
    for part in [
        render_leader_home(&content.leader),
        render_reach(&content.reach),
    ] {
        if !part.is_empty() {
            blocks.extend(part);
            blocks.push(json!({ "type": "divider" }));
        }
    }
    let line = |a: &HomeAlliance| {
        format!(
            "• <@{}> ({}): last met {} days ago, {}",
            a.peer,
            mrkdwn_text(a.team.as_str()),
            a.days_since,
            times(a.times_met)
        )
    };
    let mut listing = |title: &str, alliances: &[HomeAlliance], empty: &str| {
        let body = if alliances.is_empty() {
            empty.to_owned()
        } else {
            alliances
                .iter()
                .take(SECTION_LIMIT)
                .map(line)
                .collect::<Vec<_>>()
                .join("\n")
        };
        blocks.push(section(format!("*{title}*\n{body}")));
    };
    listing(
        "Time to catch up",
        &content.overdue,
        "Nobody is overdue. :sparkles:",
    );
    listing(
        "Recently met",
        &content.recent,
        "No recent meetings logged. `/met @alice coffee` logs one.",
    );
    blocks.push(json!({ "type": "divider" }));
    let mut state = match (content.opted_out, content.snoozed_until) {
        (true, _) => "You're opted out: no nudges, and nobody sees your name.".to_owned(),
        (false, Some(until)) => format!(
            ":zzz: Nudges are snoozed until {}.",
            until.format("%a %-d %b")
        ),
        (false, None) => "Nudges are on: at most one a week, on weekdays.".to_owned(),
    };
    // Opting out wins over shout-outs and the calendar, so an opted-out
    // person is offered neither.
    if !content.opted_out {
        state.push('\n');
        state.push_str(if content.shoutouts {
            ":raised_hands: Shout-outs are on: the digest may thank you by name for the alliances you build."
        } else {
            "Shout-outs are off: the digest won't thank you by name."
        });
        if let Some(line) = calendar_line(content.calendar) {
            state.push('\n');
            state.push_str(&line);
        }
    }
    blocks.push(section(state));
    let button = |action: HomeAction| {
        json!({ "type": "button", "action_id": action.action_id(),
            "text": { "type": "plain_text", "text": action.label() } })
    };
    let snooze = if content.snoozed_until.is_some() {
        HomeAction::Wake
    } else {
        HomeAction::Snooze
    };
    let opt = if content.opted_out {
        HomeAction::OptIn
    } else {
        HomeAction::OptOut
    };
    let mut buttons = vec![button(snooze)];
    if !content.opted_out {
        buttons.push(button(if content.shoutouts {
            HomeAction::ShoutoutsOff
        } else {
            HomeAction::ShoutoutsOn
        }));
        if content.calendar != HomeCalendar::Unavailable {
            buttons.push(button(HomeAction::Calendar));
        }
    }
    buttons.push(button(opt));
    blocks.push(json!({ "type": "actions", "block_id": "home_settings", "elements": buttons }));
    blocks
}

/// What the settings say of the calendar, where calendars are set up.
fn calendar_line(calendar: HomeCalendar) -> Option<String> {
    match calendar {
        HomeCalendar::Unavailable => None,
        HomeCalendar::NotGiven => Some(
            ":calendar: Your calendar isn't read. Give me its address and its meetings count \
             without `/met` (who and when, never titles)."
                .to_owned(),
        ),
        HomeCalendar::ReadSince(since) => Some(format!(
            ":calendar: I count your calendar's meetings (who and when, never titles), since {}.",
            since.format("%-d %b")
        )),
        HomeCalendar::FailingSince(since) => Some(format!(
            ":calendar: I haven't been able to read your calendar since {}: its address may have changed.",
            since.format("%-d %b")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Freshness, TeamReach};
    use crate::slack::readable_text;

    #[test]
    fn the_app_home_shows_the_reach_then_overdue_and_recent_alliances_and_the_settings() {
        let alliance = |peer: &str, team: &str, days_since, times_met| HomeAlliance {
            peer: UserId::parse(peer).unwrap(),
            team: TeamId::parse(team).unwrap(),
            days_since,
            times_met,
        };
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 1, 12, 0, 0).unwrap();
        let reached = |team: &str, ally: &str, days_since, freshness| TeamReach {
            team: TeamId::parse(team).unwrap(),
            allies: vec![UserId::parse(ally).unwrap()],
            last_met: now - chrono::Duration::days(days_since),
            days_since,
            freshness,
        };
        let content = HomeContent {
            reach: Reach {
                teams: vec![
                    reached("Design", "U3", 3, Freshness::Fresh),
                    reached("Legal", "U4", 12, Freshness::Fresh),
                    reached("Payments", "U2", 94, Freshness::Overdue),
                ],
                without: vec![TeamId::parse("Data").unwrap()],
            },
            overdue: vec![alliance("U2", "Payments", 94, 4)],
            recent: vec![
                alliance("U3", "Design", 3, 1),
                alliance("U4", "Legal", 12, 2),
            ],
            ..HomeContent::default()
        };
        let blocks = Value::Array(render_home(&content));
        let names = |id: &str| Some(format!("name-of-{id}"));
        insta::assert_snapshot!(readable_text("", &blocks, names));
    }

    #[test]
    fn a_team_name_with_mrkdwn_control_characters_is_escaped_in_the_alliance_lists() {
        let content = HomeContent {
            overdue: vec![HomeAlliance {
                peer: UserId::parse("U2").unwrap(),
                team: TeamId::parse("<!channel> & Co").unwrap(),
                days_since: 94,
                times_met: 4,
            }],
            ..HomeContent::default()
        };
        let json = serde_json::to_string(&render_home(&content)).unwrap();
        assert!(!json.contains("<!channel>"), "{json}");
        assert!(
            json.contains("• <@U2> (&lt;!channel&gt; &amp; Co): last met 94 days ago"),
            "{json}"
        );
    }

    #[test]
    fn the_shout_outs_button_says_what_a_press_would_do_and_is_not_offered_when_opted_out() {
        let labels = |content: &HomeContent| {
            let blocks = Value::Array(render_home(content));
            let text = readable_text("", &blocks, |_| None);
            text.lines().last().unwrap_or_default().to_owned()
        };
        let off = HomeContent::default();
        assert_eq!(
            labels(&off),
            "[Snooze 2 weeks] [Allow shout-outs] [Opt out]"
        );
        let on = HomeContent {
            shoutouts: true,
            ..HomeContent::default()
        };
        assert_eq!(labels(&on), "[Snooze 2 weeks] [Stop shout-outs] [Opt out]");
        let opted_out = HomeContent {
            shoutouts: true,
            opted_out: true,
            ..HomeContent::default()
        };
        assert_eq!(labels(&opted_out), "[Snooze 2 weeks] [Opt back in]");
    }

    #[test]
    fn the_calendar_is_offered_where_calendars_are_set_up_and_says_how_it_stands() {
        let text = |calendar| {
            let content = HomeContent {
                calendar,
                ..HomeContent::default()
            };
            readable_text("", &Value::Array(render_home(&content)), |_| None)
        };
        assert!(!text(HomeCalendar::Unavailable).contains("calendar"));
        let since = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 3, 9, 0, 0).unwrap();
        for (calendar, said) in [
            (HomeCalendar::NotGiven, "Your calendar isn't read"),
            (
                HomeCalendar::ReadSince(since),
                "I count your calendar's meetings (who and when, never titles), since 3 Dec.",
            ),
            (
                HomeCalendar::FailingSince(since),
                "I haven't been able to read your calendar since 3 Dec",
            ),
        ] {
            let shown = text(calendar);
            assert!(shown.contains(said), "{shown}");
            assert!(
                shown.ends_with("[Snooze 2 weeks] [Allow shout-outs] [Your calendar] [Opt out]"),
                "{shown}"
            );
        }
    }
}
