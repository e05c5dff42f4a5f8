//! People's calendars as the fake publishes them: a [`FakeCalendar`] is
//! one person's feed, its [`FakeMeeting`]s with their attendees, status
//! and recurrence, in the shape one provider publishes
//! ([`CalendarShape`]).
//!
//! Besides the data, this knows what the feed means: the instances a
//! recurring meeting gives ([`FakeMeeting::instances`]), and which of them
//! count for the feed's owner ([`FakeCalendar::countable`]), by the rules
//! the bot's calendar sync is to follow, so that its tests can compare.
//! Writing the feed is [`super::ical`]'s; serving it,
//! [`super::calendars`]'s.

use super::time_zones::CalendarZone;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeSet;

/// Whose software published the feed, which decides how it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarShape {
    /// Google Calendar's "secret address in iCal format": IANA zone names,
    /// `X-WR-TIMEZONE`, overrides in UTC, `X-NUM-GUESTS` on attendees.
    Google,
    /// Outlook's published calendar (Exchange): Windows zone names,
    /// `X-MICROSOFT-CDO-*` lines.
    Outlook,
}

/// One person's calendar feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeCalendar {
    /// The owner's email: the attendee whose answers count.
    pub owner: String,
    /// Who published it.
    pub shape: CalendarShape,
    /// The owner's zone: the feed's default (`X-WR-TIMEZONE` for Google),
    /// and the zone of every meeting that names none.
    pub zone: CalendarZone,
    /// The meetings, in the order the feed lists them.
    pub meetings: Vec<FakeMeeting>,
}

/// One event of a feed: a meeting, or a series of them.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeMeeting {
    /// Its `UID`, shared by a series and its overrides.
    pub uid: String,
    /// When: the first instance, for a series.
    pub when: MeetingTime,
    /// The zone it was scheduled in, whose wall clock a series keeps
    /// across daylight saving; `None` is the calendar's.
    pub zone: Option<CalendarZone>,
    /// The organizer's email, if the feed names one.
    pub organizer: Option<String>,
    /// Those asked, the owner usually among them; rooms too.
    pub attendees: Vec<FakeAttendee>,
    /// `SUMMARY`: never to be stored by the bot.
    pub title: String,
    /// `DESCRIPTION`: never to be stored by the bot.
    pub description: String,
    /// `LOCATION`: never to be stored by the bot.
    pub location: String,
    /// `STATUS`.
    pub status: MeetingStatus,
    /// How it repeats, for a timed meeting; an all-day one does not.
    pub recurrence: Option<Recurrence>,
}

/// When a meeting takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingTime {
    /// From `start` to `end`.
    Timed {
        /// Its start.
        start: DateTime<Utc>,
        /// Its end.
        end: DateTime<Utc>,
    },
    /// Whole days (`VALUE=DATE`): an offsite, a holiday, a conference.
    AllDay {
        /// The first day.
        start: NaiveDate,
        /// How many days, at least 1.
        days: u32,
    },
}

/// Someone, or some room, asked to a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAttendee {
    /// Their email (a room's address for a room).
    pub email: String,
    /// Their name (`CN`).
    pub name: String,
    /// Their answer (`PARTSTAT`).
    pub status: PartStat,
    /// A room (`CUTYPE=ROOM`), which is no one.
    pub room: bool,
}

/// An attendee's answer, as `PARTSTAT` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartStat {
    /// `ACCEPTED`.
    Accepted,
    /// `DECLINED`.
    Declined,
    /// `TENTATIVE`.
    Tentative,
    /// `NEEDS-ACTION`: not answered yet.
    NeedsAction,
}

/// A meeting's `STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingStatus {
    /// `CONFIRMED`.
    Confirmed,
    /// `CANCELLED`: still in the feed, as providers leave it.
    Cancelled,
}

/// How a series repeats (`RRULE`), and its exceptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrence {
    /// Daily or weekly.
    pub frequency: Frequency,
    /// How it ends: after so many instances, or at an instant.
    pub end: RecurrenceEnd,
    /// The instances left out (`EXDATE`), by their start as scheduled.
    pub exdates: Vec<DateTime<Utc>>,
    /// The instances changed, each written as its own `VEVENT` with a
    /// `RECURRENCE-ID`.
    pub overrides: Vec<InstanceOverride>,
}

/// `FREQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// `FREQ=DAILY`: every day, weekends too.
    Daily,
    /// `FREQ=WEEKLY` on the first instance's weekday.
    Weekly,
}

/// How a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceEnd {
    /// `COUNT`: this many instances, those left out by `EXDATE` included.
    Count(u32),
    /// `UNTIL`: the last instance starts at this instant or before.
    Until(DateTime<Utc>),
}

/// One instance of a series, changed.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceOverride {
    /// Which instance: its start as scheduled (`RECURRENCE-ID`).
    pub instance: DateTime<Utc>,
    /// What changed.
    pub change: InstanceChange,
}

/// What changed about one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceChange {
    /// It takes place at another time.
    Moved {
        /// Its new start.
        start: DateTime<Utc>,
        /// Its new end.
        end: DateTime<Utc>,
    },
    /// It was called off (`STATUS:CANCELLED`), the rest of the series not.
    Cancelled,
}

/// One meeting as it takes place: a single meeting, or one instance of a
/// series with its override applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInstance {
    /// The event's `UID`.
    pub uid: String,
    /// Its start as scheduled; with `uid`, the key.
    pub instance: DateTime<Utc>,
    /// Its start as it stands.
    pub start: DateTime<Utc>,
    /// Its end as it stands.
    pub end: DateTime<Utc>,
    /// Whole days.
    pub all_day: bool,
    /// The meeting, or this instance, was cancelled.
    pub cancelled: bool,
}

/// The most instances one series gives: more than a daily meeting for ten
/// years, and a bound should a series be written without an end in sight.
const MOST_INSTANCES: u32 = 4_000;

impl FakeCalendar {
    /// An empty calendar of `owner` (an email) in Paris time.
    pub fn new(owner: impl Into<String>, shape: CalendarShape) -> Self {
        Self {
            owner: owner.into(),
            shape,
            zone: CalendarZone::Paris,
            meetings: Vec::new(),
        }
    }

    /// The instances that count for the owner at `now`, going back
    /// `lookback`, when at most `max_attendees` may be asked, oldest first:
    /// those that have ended (`end <= now`), began within the look-back
    /// (`start >= now - lookback`), are not cancelled (neither the meeting
    /// nor the instance), are not all-day, asked the owner (as an attendee
    /// or as the organizer) who did not decline, asked from 2 to
    /// `max_attendees` people in all (the owner and the organizer among
    /// them, each once by email in any case; rooms are no one), and asked
    /// at least one other person who did not decline.
    pub fn countable(
        &self,
        now: DateTime<Utc>,
        lookback: Duration,
        max_attendees: usize,
    ) -> Vec<MeetingInstance> {
        let owner = self.owner.to_lowercase();
        let mut counted: Vec<MeetingInstance> = self
            .meetings
            .iter()
            .filter(|meeting| meeting.counts_for(&owner, max_attendees))
            .flat_map(|meeting| meeting.instances(self.zone))
            .filter(|i| i.end <= now && i.start >= now - lookback && !i.cancelled && !i.all_day)
            .collect();
        counted.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
        counted
    }
}

impl FakeMeeting {
    /// A confirmed meeting from `start` to `end` with no one asked, no
    /// text, no recurrence, in the calendar's zone.
    pub fn timed(uid: impl Into<String>, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            uid: uid.into(),
            when: MeetingTime::Timed { start, end },
            zone: None,
            organizer: None,
            attendees: Vec::new(),
            title: String::new(),
            description: String::new(),
            location: String::new(),
            status: MeetingStatus::Confirmed,
            recurrence: None,
        }
    }

    /// The instances it gives, each with its override applied, left-out
    /// ones not among them; `zone` is the calendar's, for a meeting that
    /// names none. A series repeats on its zone's wall clock, as RFC 5545
    /// has it for a `DTSTART` with a `TZID`.
    pub fn instances(&self, zone: CalendarZone) -> Vec<MeetingInstance> {
        let zone = self.zone.unwrap_or(zone);
        let cancelled = self.status == MeetingStatus::Cancelled;
        let (start, end) = match self.when {
            MeetingTime::Timed { start, end } => (start, end),
            MeetingTime::AllDay { start, days } => {
                let first = start.and_time(chrono::NaiveTime::MIN);
                let start = zone.from_local(first);
                let end = zone.from_local(first + Duration::days(i64::from(days.max(1))));
                let instance = self.instance(start, start, end, cancelled);
                return vec![MeetingInstance {
                    all_day: true,
                    ..instance
                }];
            }
        };
        let Some(recurrence) = &self.recurrence else {
            return vec![self.instance(start, start, end, cancelled)];
        };
        recurrence
            .starts(start, zone)
            .into_iter()
            .filter(|at| !recurrence.exdates.contains(at))
            .map(|at| {
                let change = recurrence
                    .overrides
                    .iter()
                    .find(|o| o.instance == at)
                    .map(|o| o.change);
                match change {
                    Some(InstanceChange::Moved { start, end }) => {
                        self.instance(at, start, end, cancelled)
                    }
                    Some(InstanceChange::Cancelled) => {
                        self.instance(at, at, at + (end - start), true)
                    }
                    None => self.instance(at, at, at + (end - start), cancelled),
                }
            })
            .collect()
    }

    fn instance(
        &self,
        instance: DateTime<Utc>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        cancelled: bool,
    ) -> MeetingInstance {
        MeetingInstance {
            uid: self.uid.clone(),
            instance,
            start,
            end,
            all_day: false,
            cancelled,
        }
    }

    /// Whether who was asked, and how they answered, lets this meeting
    /// count for `owner` (lower case); see [`FakeCalendar::countable`].
    fn counts_for(&self, owner: &str, max_attendees: usize) -> bool {
        let people = self.attendees.iter().filter(|a| !a.room);
        let asked: BTreeSet<String> = people
            .clone()
            .map(|a| a.email.to_lowercase())
            .chain(self.organizer.iter().map(|o| o.to_lowercase()))
            .collect();
        let declined: BTreeSet<String> = people
            .filter(|a| a.status == PartStat::Declined)
            .map(|a| a.email.to_lowercase())
            .collect();
        asked.contains(owner)
            && !declined.contains(owner)
            && (2..=max_attendees).contains(&asked.len())
            && asked
                .iter()
                .any(|email| email != owner && !declined.contains(email))
    }
}

impl Recurrence {
    /// Every start the rule gives from `first`, those left out included,
    /// stepping the wall clock of `zone`.
    pub(super) fn starts(&self, first: DateTime<Utc>, zone: CalendarZone) -> Vec<DateTime<Utc>> {
        let step = match self.frequency {
            Frequency::Daily => Duration::days(1),
            Frequency::Weekly => Duration::weeks(1),
        };
        let local = zone.to_local(first);
        let mut starts = Vec::new();
        for n in 0..MOST_INSTANCES {
            let at = zone.from_local(local + step * i32::try_from(n).unwrap_or(i32::MAX));
            let done = match self.end {
                RecurrenceEnd::Count(count) => n >= count,
                RecurrenceEnd::Until(until) => at > until,
            };
            if done {
                break;
            }
            starts.push(at);
        }
        starts
    }
}

impl FakeAttendee {
    /// A person, by email, named after it (`ada.lovelace@…` is "Ada
    /// Lovelace").
    pub fn person(email: impl Into<String>, status: PartStat) -> Self {
        let email = email.into();
        Self {
            name: name_from_email(&email),
            email,
            status,
            room: false,
        }
    }

    /// A room, which accepts what it is booked for.
    pub fn room(email: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            name: name.into(),
            status: PartStat::Accepted,
            room: true,
        }
    }
}

/// A name made from an email's local part: `ada.lovelace` is "Ada Lovelace".
pub(super) fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    local
        .split(['.', '_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn weekly(count: u32) -> FakeMeeting {
        let mut meeting = FakeMeeting::timed(
            "w1",
            utc("2024-03-19T09:00:00Z"),
            utc("2024-03-19T09:30:00Z"),
        );
        meeting.recurrence = Some(Recurrence {
            frequency: Frequency::Weekly,
            end: RecurrenceEnd::Count(count),
            exdates: vec![utc("2024-04-02T08:00:00Z")],
            overrides: vec![
                InstanceOverride {
                    instance: utc("2024-04-09T08:00:00Z"),
                    change: InstanceChange::Moved {
                        start: utc("2024-04-10T12:00:00Z"),
                        end: utc("2024-04-10T12:30:00Z"),
                    },
                },
                InstanceOverride {
                    instance: utc("2024-04-16T08:00:00Z"),
                    change: InstanceChange::Cancelled,
                },
            ],
        });
        meeting
    }

    #[test]
    fn a_weekly_series_keeps_its_paris_wall_clock_across_summer_time() {
        let instances = weekly(6).instances(CalendarZone::Paris);
        let starts: Vec<String> = instances.iter().map(|i| i.start.to_rfc3339()).collect();
        assert_eq!(
            starts,
            [
                "2024-03-19T09:00:00+00:00",
                "2024-03-26T09:00:00+00:00",
                // 2024-03-31: summer time; 10:00 in Paris is now 08:00 UTC.
                // 2024-04-02 is left out.
                "2024-04-10T12:00:00+00:00",
                "2024-04-16T08:00:00+00:00",
                "2024-04-23T08:00:00+00:00",
            ]
        );
        assert_eq!(instances[2].instance, utc("2024-04-09T08:00:00Z"));
        assert!(instances[3].cancelled);
    }

    #[test]
    fn until_includes_an_instance_that_starts_on_it() {
        let mut meeting = weekly(0);
        if let Some(recurrence) = &mut meeting.recurrence {
            recurrence.end = RecurrenceEnd::Until(utc("2024-03-26T09:00:00Z"));
        }
        assert_eq!(meeting.instances(CalendarZone::Paris).len(), 2);
    }

    #[test]
    fn only_ended_uncancelled_small_meetings_the_owner_joined_count() {
        let owner = "ada@example.com";
        let mut calendar = FakeCalendar::new(owner, CalendarShape::Google);
        let mut met = weekly(6);
        met.attendees = vec![
            FakeAttendee::person("ADA@example.com", PartStat::Accepted),
            FakeAttendee::person("bo@example.com", PartStat::NeedsAction),
            FakeAttendee::room("room-1@example.com", "Room 1"),
        ];
        let mut declined = met.clone();
        declined.uid = "declined".into();
        declined.attendees[0].status = PartStat::Declined;
        let mut alone = met.clone();
        alone.uid = "alone".into();
        alone.attendees.remove(1);
        let mut organized = met.clone();
        organized.uid = "organized".into();
        organized.attendees.remove(0);
        organized.organizer = Some(owner.into());
        calendar.meetings = vec![met, declined, alone, organized];

        let now = utc("2024-04-16T12:00:00Z");
        let counted = calendar.countable(now, Duration::days(30), 8);
        let keys: Vec<(&str, String)> = counted
            .iter()
            .map(|i| (i.uid.as_str(), i.start.format("%m-%d").to_string()))
            .collect();
        // The cancelled 04-16 instance and the left-out 04-02 do not count.
        let expected = ["03-19", "03-26", "04-10"];
        let mut want: Vec<(&str, String)> = Vec::new();
        for day in expected {
            want.push(("w1", day.into()));
            want.push(("organized", day.into()));
        }
        want.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
        assert_eq!(keys, want);
        assert!(calendar.countable(now, Duration::days(30), 1).is_empty());
    }

    #[test]
    fn a_name_is_made_from_the_emails_local_part() {
        assert_eq!(name_from_email("ada.lovelace@example.com"), "Ada Lovelace");
        assert_eq!(name_from_email("room_4-b@example.com"), "Room 4 B");
    }
}
