//! Which meetings of a person's calendar count, and with whom: the rules
//! a feed's meetings pass before anything is logged.
//!
//! A meeting counts for its owner (the person whose calendar it is) when
//! it has ended, began within the look-back, was not cancelled, is not a
//! whole day, asked no group (a mailing list of unknown size), the owner
//! was asked and did not decline, and from 2 to the most allowed people
//! were asked in all (the owner and the organizer among them; rooms are
//! no one). It is logged with those of the others who did not
//! decline. Whether one of them is in another team is for the caller,
//! who knows the teams.

use super::feed::{Feed, FeedMeeting};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// A meeting that counts, and the others who were there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted<'f> {
    /// The meeting, as the feed gives it.
    pub meeting: &'f FeedMeeting,
    /// The others who did not decline, by email (lower case), each once:
    /// never the owner.
    pub with: Vec<&'f str>,
}

/// The meetings of `feed` that count for its owner, whose email (lower
/// case, as the feed gives them) `is_owner` knows, at `now`, going back
/// `lookback`, with at most `max_attendees` asked.
pub fn counted<'f>(
    feed: &'f Feed,
    is_owner: impl Fn(&str) -> bool,
    now: DateTime<Utc>,
    lookback: Duration,
    max_attendees: usize,
) -> Vec<Counted<'f>> {
    feed.meetings
        .iter()
        .filter(|m| {
            m.end <= now
                && m.start >= now - lookback
                && !m.cancelled
                && !m.all_day
                && !m.group_asked
        })
        .filter_map(|meeting| {
            let asked: BTreeSet<&str> = meeting
                .attendees
                .iter()
                .map(|a| a.email.as_str())
                .chain(meeting.organizer.as_deref())
                .collect();
            let owner = asked.iter().copied().find(|email| is_owner(email))?;
            let owner_declined = meeting
                .attendees
                .iter()
                .any(|a| a.email == owner && a.declined);
            if owner_declined || !(2..=max_attendees).contains(&asked.len()) {
                return None;
            }
            let declined: BTreeSet<&str> = meeting
                .attendees
                .iter()
                .filter(|a| a.declined)
                .map(|a| a.email.as_str())
                .collect();
            let with: Vec<&str> = asked
                .into_iter()
                .filter(|email| *email != owner && !declined.contains(email))
                .collect();
            (!with.is_empty()).then_some(Counted { meeting, with })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendars::Attendee;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-03-{day:02}T{hour:02}:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A meeting on 10 March at `hour`, an hour long, asking `attendees`
    /// (a `!` before an email: declined).
    fn meeting(uid: &str, hour: u32, attendees: &[&str]) -> FeedMeeting {
        FeedMeeting {
            uid: uid.to_owned(),
            instance: at(10, hour),
            start: at(10, hour),
            end: at(10, hour + 1),
            all_day: false,
            cancelled: false,
            group_asked: false,
            organizer: None,
            attendees: attendees
                .iter()
                .map(|a| Attendee {
                    email: a.trim_start_matches('!').to_owned(),
                    declined: a.starts_with('!'),
                })
                .collect(),
        }
    }

    fn uids(feed: &Feed, now: DateTime<Utc>) -> Vec<(&str, Vec<&str>)> {
        counted(
            feed,
            |email| email == "ada@example.com",
            now,
            Duration::days(180),
            4,
        )
        .into_iter()
        .map(|c| (c.meeting.uid.as_str(), c.with))
        .collect()
    }

    #[test]
    fn a_meeting_counts_once_it_has_ended_with_those_who_came() {
        let feed = Feed {
            meetings: vec![
                meeting("one-on-one", 9, &["ada@example.com", "bo@example.com"]),
                meeting(
                    "bo-declined",
                    11,
                    &["ada@example.com", "!bo@example.com", "cy@example.com"],
                ),
                meeting("later", 15, &["ada@example.com", "bo@example.com"]),
            ],
            unknown_zones: 0,
        };
        assert_eq!(
            uids(&feed, at(10, 14)),
            [
                ("one-on-one", vec!["bo@example.com"]),
                ("bo-declined", vec!["cy@example.com"]),
            ],
            "the 15:00 has not happened yet"
        );
    }

    #[test]
    fn what_never_counts() {
        let mut cancelled = meeting("cancelled", 9, &["ada@example.com", "bo@example.com"]);
        cancelled.cancelled = true;
        let mut offsite = meeting("offsite", 9, &["ada@example.com", "bo@example.com"]);
        offsite.all_day = true;
        let mut all_hands = meeting("all-hands", 9, &["ada@example.com", "all@example.com"]);
        all_hands.group_asked = true;
        let mut organised = meeting("organised-by-bo", 9, &["ada@example.com"]);
        organised.organizer = Some("bo@example.com".to_owned());
        let feed = Feed {
            meetings: vec![
                cancelled,
                offsite,
                all_hands,
                meeting("declined", 9, &["!ada@example.com", "bo@example.com"]),
                meeting("not-asked", 9, &["bo@example.com", "cy@example.com"]),
                meeting("alone", 9, &["ada@example.com"]),
                meeting("all-declined", 9, &["ada@example.com", "!bo@example.com"]),
                meeting(
                    "town-hall",
                    9,
                    &[
                        "ada@example.com",
                        "b@example.com",
                        "c@example.com",
                        "d@example.com",
                        "e@example.com",
                    ],
                ),
                meeting(
                    "four",
                    9,
                    &[
                        "ada@example.com",
                        "b@example.com",
                        "c@example.com",
                        "d@example.com",
                    ],
                ),
                organised,
            ],
            unknown_zones: 0,
        };
        assert_eq!(
            uids(&feed, at(20, 0)),
            [
                (
                    "four",
                    vec!["b@example.com", "c@example.com", "d@example.com"]
                ),
                ("organised-by-bo", vec!["bo@example.com"]),
            ]
        );
        let old = Feed {
            meetings: vec![meeting("old", 9, &["ada@example.com", "bo@example.com"])],
            unknown_zones: 0,
        };
        let half_a_year_on = at(10, 9) + Duration::days(181);
        assert!(
            uids(&old, half_a_year_on).is_empty(),
            "before the look-back"
        );
    }
}
