//! Synthetic calendars: a person's realistic mix of meetings, seeded so
//! that a test can ask for the same one again, and a large one for a feed
//! of a few MB. What counts in them is computed by
//! [`FakeCalendar::countable`], never hard-coded here.

use super::calendar::{
    CalendarShape, FakeAttendee, FakeCalendar, FakeMeeting, Frequency, InstanceChange,
    InstanceOverride, MeetingStatus, MeetingTime, PartStat, Recurrence, RecurrenceEnd,
    name_from_email,
};
use super::time_zones::CalendarZone;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// In every synthetic meeting's title, description and location, so that
/// a test can search everything the bot stored and find it nowhere.
pub const PRIVATE_TEXT_MARKER: &str = "ZQX-PRIVATE-7731";

/// How many weekly 1:1 series, with the first colleagues.
const ONE_ON_ONES: usize = 3;
/// How many people an all-hands asks at least: more than the 8 people a
/// meeting may have to count by default.
const ALL_HANDS_PEOPLE: usize = 12;

impl FakeCalendar {
    /// A realistic calendar for `owner` (an email) among `colleagues`
    /// (emails; the owner among them is left out), drawn from `seed`, for
    /// the `days` before `now`, in Paris time, written as `shape`
    /// publishes. The same arguments give the same calendar. It holds,
    /// with every title, description and location carrying
    /// [`PRIVATE_TEXT_MARKER`] and non-ASCII text long enough to be folded:
    ///
    /// - three weekly 30-minute 1:1 series with the first three colleagues
    ///   (Monday 10:00, Tuesday 11:00, Wednesday 12:00), starting two weeks
    ///   before the window: the first with a `COUNT` reaching two weeks
    ///   past `now`, the second with an `UNTIL` a week past `now`, the third
    ///   with a `COUNT`; each with its third instance left out (`EXDATE`),
    ///   its fourth moved a day and two hours later, and its fifth
    ///   cancelled (overrides with `RECURRENCE-ID`);
    /// - a daily 15-minute stand-up at 09:00 Los Angeles time (`COUNT=10`,
    ///   from 12 days before `now`) with the next three colleagues, one of
    ///   them tentative;
    /// - on about half of the working days of the window (never on the
    ///   day of `now`), a one-off meeting of 2 to 6 people (the owner and 1
    ///   to 5 colleagues), 30 to 60 minutes between 09:00 and 17:00, the
    ///   others' answers mostly accepted, some tentative or not given, now
    ///   and then one declined;
    /// - a meeting the owner declined (3 days before `now`) and a
    ///   cancelled one (4 days before);
    /// - two all-day events: an offsite with three colleagues (5 days
    ///   before) and a two-day conference (9 days before);
    /// - an all-hands in Berlin time (6 days before) asking the owner,
    ///   every colleague and outside guests, at least 12 people;
    /// - a room booked by the owner alone (2 days before) and a 1:1 in a
    ///   room (1 day before), rooms being no one;
    /// - a meeting in progress at `now` and one the next day.
    ///
    /// How many of its meetings count for the owner is
    /// [`FakeCalendar::countable`]'s to say: with `lookback` of `days`
    /// and `max_attendees` of 8, the 1:1 instances in the window (not the
    /// left-out or cancelled ones), the stand-ups that have ended, the
    /// one-off meetings, and the 1:1 in a room.
    pub fn synthetic(
        owner: &str,
        colleagues: &[String],
        seed: u64,
        now: DateTime<Utc>,
        days: i64,
        shape: CalendarShape,
    ) -> FakeCalendar {
        let mut maker = Maker::new(owner, colleagues, seed, shape);
        let zone = CalendarZone::Paris;
        let today = zone.to_local(now).date();
        let window_start = today - Duration::days(days);
        for k in 0..ONE_ON_ONES.min(maker.colleagues.len()) {
            maker.one_on_one(k, window_start, now);
        }
        maker.stand_up(today - Duration::days(12));
        let mut day = window_start;
        while day < today {
            if day.weekday().num_days_from_monday() < 5 && maker.rng.random_bool(0.5) {
                maker.one_off(day);
            }
            day += Duration::days(1);
        }
        maker.declined(today - Duration::days(3));
        maker.cancelled(today - Duration::days(4));
        maker.all_day(today - Duration::days(5), today - Duration::days(9));
        maker.all_hands(today - Duration::days(6));
        maker.rooms(today - Duration::days(2), today - Duration::days(1));
        maker.around_now(now, today + Duration::days(1));
        FakeCalendar {
            owner: owner.to_owned(),
            shape,
            zone,
            meetings: maker.meetings,
        }
    }

    /// A feed of a few MB (about 4 MB written): the synthetic mix over
    /// the two years before `now`, and three more one-off meetings, each
    /// with a description of about a kilobyte, on every working day. Still
    /// under the 10 MB a client should accept; what counts is
    /// [`FakeCalendar::countable`]'s to say.
    pub fn large(
        owner: &str,
        colleagues: &[String],
        seed: u64,
        now: DateTime<Utc>,
        shape: CalendarShape,
    ) -> FakeCalendar {
        let days = 730;
        let mut calendar = Self::synthetic(owner, colleagues, seed, now, days, shape);
        let mut maker = Maker::new(owner, colleagues, seed.wrapping_add(1), shape);
        let today = calendar.zone.to_local(now).date();
        let mut day = today - Duration::days(days);
        while day < today {
            if day.weekday().num_days_from_monday() < 5 {
                for _ in 0..3 {
                    maker.one_off(day);
                }
            }
            day += Duration::days(1);
        }
        for meeting in &mut maker.meetings {
            meeting.description = meeting.description.repeat(3);
        }
        calendar.meetings.extend(maker.meetings);
        calendar
    }
}

/// Makes meetings, one kind a method, drawing from one seeded generator.
struct Maker {
    owner: String,
    colleagues: Vec<String>,
    shape: CalendarShape,
    rng: StdRng,
    meetings: Vec<FakeMeeting>,
}

impl Maker {
    fn new(owner: &str, colleagues: &[String], seed: u64, shape: CalendarShape) -> Self {
        let colleagues = colleagues
            .iter()
            .filter(|c| !c.eq_ignore_ascii_case(owner))
            .cloned()
            .collect();
        Self {
            owner: owner.to_owned(),
            colleagues,
            shape,
            rng: StdRng::seed_from_u64(seed),
            meetings: Vec::new(),
        }
    }

    /// The `n`th colleague, going round; `None` if there are none.
    fn colleague(&self, n: usize) -> Option<&String> {
        let count = self.colleagues.len();
        (count > 0).then(|| &self.colleagues[n % count])
    }

    /// A UID in the provider's shape: Google's opaque base-32 `…@google.com`,
    /// Exchange's hex `040000008200E000…`.
    fn uid(&mut self) -> String {
        let n: u128 = self.rng.random();
        match self.shape {
            CalendarShape::Google => {
                let alphabet = b"0123456789abcdefghijklmnopqrstuv";
                let id: String = (0..26)
                    .map(|i| char::from(alphabet[((n >> (i * 5)) & 31) as usize]))
                    .collect();
                format!("{id}@google.com")
            }
            CalendarShape::Outlook => {
                format!("040000008200E00074C5B7101A82E00800000000{n:032X}")
            }
        }
    }

    /// A meeting at `time` on `day` in `zone` for `minutes`, asking the
    /// owner (accepted) and these others, organized by the owner, with
    /// private text about `topic`.
    fn meeting(
        &mut self,
        topic: &str,
        day: NaiveDate,
        time: (u32, u32),
        minutes: i64,
        zone: CalendarZone,
        others: &[(String, PartStat)],
    ) -> FakeMeeting {
        let local =
            day.and_time(NaiveTime::from_hms_opt(time.0, time.1, 0).unwrap_or(NaiveTime::MIN));
        let start = zone.from_local(local);
        let mut meeting = FakeMeeting::timed(self.uid(), start, start + Duration::minutes(minutes));
        meeting.zone = (zone != CalendarZone::Paris).then_some(zone);
        meeting.organizer = Some(self.owner.clone());
        meeting
            .attendees
            .push(FakeAttendee::person(&self.owner, PartStat::Accepted));
        for (email, status) in others {
            meeting.attendees.push(FakeAttendee::person(email, *status));
        }
        let with: Vec<String> = others
            .iter()
            .map(|(email, _)| name_from_email(email))
            .collect();
        meeting.title = format!(
            "{topic} — «Hélios», {} {PRIVATE_TEXT_MARKER}",
            with.join(", ")
        );
        meeting.description = format!(
            "Ordre du jour; agenda, privé: budget Q3 {PRIVATE_TEXT_MARKER}\n\
             - Revue des coûts (€, ¥, £) pour l'équipe, à ne pas partager\\\n\
             - Décisions; suites à donner, \"citations\" et notes 📅\n\
             Lien: https://meet.example.com/{}-{PRIVATE_TEXT_MARKER}",
            topic.to_lowercase().replace(' ', "-")
        );
        meeting.location = format!("Salle Émile-Zola; 3e étage, Paris {PRIVATE_TEXT_MARKER}");
        meeting
    }

    fn one_on_one(&mut self, k: usize, window_start: NaiveDate, now: DateTime<Utc>) {
        let Some(colleague) = self.colleague(k).cloned() else {
            return;
        };
        // Monday, Tuesday, Wednesday of the week two weeks before the window.
        let before = window_start - Duration::days(14);
        let monday = before - Duration::days(i64::from(before.weekday().num_days_from_monday()));
        let day = monday + Duration::days(7 + k as i64);
        let hour = 10 + k as u32;
        let mut meeting = self.meeting(
            "1:1",
            day,
            (hour, 0),
            30,
            CalendarZone::Paris,
            &[(colleague.clone(), PartStat::Accepted)],
        );
        if k % 2 == 1 {
            meeting.organizer = Some(colleague);
        }
        let MeetingTime::Timed { start, end } = meeting.when else {
            return;
        };
        let weeks_to_now = u32::try_from((now - start).num_weeks().max(0)).unwrap_or(0);
        let recurrence_end = match k {
            1 => RecurrenceEnd::Until(now + Duration::weeks(1)),
            _ => RecurrenceEnd::Count(weeks_to_now + 3),
        };
        let mut recurrence = Recurrence {
            frequency: Frequency::Weekly,
            end: recurrence_end,
            exdates: Vec::new(),
            overrides: Vec::new(),
        };
        let starts = recurrence.starts(start, CalendarZone::Paris);
        if let [_, _, third, fourth, fifth, ..] = starts[..] {
            recurrence.exdates.push(third);
            let moved = fourth + Duration::days(1) + Duration::hours(2);
            recurrence.overrides = vec![
                InstanceOverride {
                    instance: fourth,
                    change: InstanceChange::Moved {
                        start: moved,
                        end: moved + (end - start),
                    },
                },
                InstanceOverride {
                    instance: fifth,
                    change: InstanceChange::Cancelled,
                },
            ];
        }
        meeting.recurrence = Some(recurrence);
        self.meetings.push(meeting);
    }

    fn stand_up(&mut self, first: NaiveDate) {
        let team: Vec<(String, PartStat)> = (3..6)
            .filter_map(|n| self.colleague(n).cloned())
            .enumerate()
            .map(|(i, email)| {
                (
                    email,
                    if i == 1 {
                        PartStat::Tentative
                    } else {
                        PartStat::Accepted
                    },
                )
            })
            .collect();
        let mut meeting = self.meeting(
            "Stand-up",
            first,
            (9, 0),
            15,
            CalendarZone::LosAngeles,
            &team,
        );
        meeting.organizer = team.first().map(|(email, _)| email.clone());
        meeting.recurrence = Some(Recurrence {
            frequency: Frequency::Daily,
            end: RecurrenceEnd::Count(10),
            exdates: Vec::new(),
            overrides: Vec::new(),
        });
        self.meetings.push(meeting);
    }

    fn one_off(&mut self, day: NaiveDate) {
        let count = self.colleagues.len();
        let others = self.rng.random_range(1..=5).min(count);
        let first = if count > 0 {
            self.rng.random_range(0..count)
        } else {
            0
        };
        let mut asked = Vec::new();
        for i in 0..others {
            let status = match self.rng.random_range(0..20) {
                0..=13 => PartStat::Accepted,
                14..=16 => PartStat::Tentative,
                17..=18 => PartStat::NeedsAction,
                _ => PartStat::Declined,
            };
            if let Some(email) = self.colleague(first + i).cloned() {
                asked.push((email, status));
            }
        }
        let time = (
            self.rng.random_range(9..=16),
            if self.rng.random_bool(0.5) { 0 } else { 30 },
        );
        let minutes = [30, 45, 60][self.rng.random_range(0..3)];
        let mut meeting = self.meeting("Sync", day, time, minutes, CalendarZone::Paris, &asked);
        if self.rng.random_bool(0.5) {
            meeting.organizer = asked
                .first()
                .map(|(email, _)| email.clone())
                .or(meeting.organizer);
        }
        self.meetings.push(meeting);
    }

    fn declined(&mut self, day: NaiveDate) {
        let asked = self.some_colleagues(2);
        let mut meeting = self.meeting("Roadmap", day, (15, 0), 60, CalendarZone::Paris, &asked);
        meeting.attendees[0].status = PartStat::Declined;
        meeting.organizer = asked.first().map(|(email, _)| email.clone());
        self.meetings.push(meeting);
    }

    fn cancelled(&mut self, day: NaiveDate) {
        let asked = self.some_colleagues(2);
        let mut meeting = self.meeting("Retro", day, (11, 0), 45, CalendarZone::Paris, &asked);
        meeting.status = MeetingStatus::Cancelled;
        self.meetings.push(meeting);
    }

    fn all_day(&mut self, offsite: NaiveDate, conference: NaiveDate) {
        let asked = self.some_colleagues(3);
        let mut meeting = self.meeting("Offsite", offsite, (9, 0), 60, CalendarZone::Paris, &asked);
        meeting.when = MeetingTime::AllDay {
            start: offsite,
            days: 1,
        };
        self.meetings.push(meeting);
        let mut meeting = self.meeting(
            "Conférence",
            conference,
            (9, 0),
            60,
            CalendarZone::Paris,
            &[],
        );
        meeting.when = MeetingTime::AllDay {
            start: conference,
            days: 2,
        };
        self.meetings.push(meeting);
    }

    fn all_hands(&mut self, day: NaiveDate) {
        let mut asked: Vec<(String, PartStat)> = self
            .colleagues
            .iter()
            .map(|email| (email.clone(), PartStat::Accepted))
            .collect();
        let mut guest = 1;
        while asked.len() + 1 < ALL_HANDS_PEOPLE {
            asked.push((
                format!("guest-{guest}@partner.example"),
                PartStat::NeedsAction,
            ));
            guest += 1;
        }
        let mut meeting = self.meeting("All-hands", day, (16, 0), 60, CalendarZone::Berlin, &asked);
        meeting.organizer = Some("ceo@partner.example".to_owned());
        self.meetings.push(meeting);
    }

    fn rooms(&mut self, alone: NaiveDate, together: NaiveDate) {
        let room = FakeAttendee::room("room-zola@resource.example", "Salle Zola (6)");
        let mut meeting = self.meeting("Focus", alone, (9, 0), 90, CalendarZone::Paris, &[]);
        meeting.attendees.push(room.clone());
        self.meetings.push(meeting);
        let asked = self.some_colleagues(1);
        let mut meeting = self.meeting("Café", together, (14, 0), 30, CalendarZone::Paris, &asked);
        meeting.attendees.push(room);
        self.meetings.push(meeting);
    }

    fn around_now(&mut self, now: DateTime<Utc>, tomorrow: NaiveDate) {
        let asked = self.some_colleagues(1);
        let mut meeting = self.meeting("Lunch", tomorrow, (12, 0), 60, CalendarZone::Paris, &asked);
        self.meetings.push(meeting.clone());
        meeting.uid = self.uid();
        meeting.when = MeetingTime::Timed {
            start: now - Duration::minutes(15),
            end: now + Duration::minutes(15),
        };
        self.meetings.push(meeting);
    }

    /// The first `n` colleagues (fewer if there are fewer), accepted.
    fn some_colleagues(&self, n: usize) -> Vec<(String, PartStat)> {
        self.colleagues
            .iter()
            .take(n)
            .map(|email| (email.clone(), PartStat::Accepted))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colleagues(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("person.{i}@example.com")).collect()
    }

    fn now() -> DateTime<Utc> {
        "2024-06-14T15:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_calendar_and_another_seed_another() {
        let make = |seed| {
            FakeCalendar::synthetic(
                "ada@example.com",
                &colleagues(9),
                seed,
                now(),
                60,
                CalendarShape::Google,
            )
        };
        assert_eq!(make(3), make(3));
        assert_ne!(make(3), make(4));
    }

    #[test]
    fn the_mix_holds_every_kind_of_meeting_it_promises() {
        let calendar = FakeCalendar::synthetic(
            "ada@example.com",
            &colleagues(9),
            1,
            now(),
            60,
            CalendarShape::Outlook,
        );
        let meetings = &calendar.meetings;
        let series: Vec<&Recurrence> = meetings
            .iter()
            .filter_map(|m| m.recurrence.as_ref())
            .collect();
        assert_eq!(series.len(), 4);
        assert!(
            series
                .iter()
                .any(|r| matches!(r.end, RecurrenceEnd::Until(_)))
        );
        assert!(series.iter().any(|r| r.frequency == Frequency::Daily));
        assert_eq!(
            series
                .iter()
                .filter(|r| r.exdates.len() == 1 && r.overrides.len() == 2)
                .count(),
            3
        );
        assert!(
            meetings
                .iter()
                .any(|m| m.status == MeetingStatus::Cancelled)
        );
        assert!(meetings.iter().any(|m| {
            m.attendees
                .first()
                .is_some_and(|a| a.status == PartStat::Declined)
        }));
        assert_eq!(
            meetings
                .iter()
                .filter(|m| matches!(m.when, MeetingTime::AllDay { .. }))
                .count(),
            2
        );
        assert!(
            meetings
                .iter()
                .any(|m| m.attendees.len() >= ALL_HANDS_PEOPLE)
        );
        assert_eq!(
            meetings
                .iter()
                .filter(|m| m.attendees.iter().any(|a| a.room))
                .count(),
            2
        );
        assert!(
            meetings
                .iter()
                .all(|m| m.title.contains(PRIVATE_TEXT_MARKER)
                    && m.description.contains(PRIVATE_TEXT_MARKER)
                    && m.location.contains(PRIVATE_TEXT_MARKER))
        );
        let one_offs = meetings
            .iter()
            .filter(|m| m.title.starts_with("Sync"))
            .count();
        let weekdays = (1..=60)
            .filter(|d| {
                (now().date_naive() - Duration::days(*d))
                    .weekday()
                    .num_days_from_monday()
                    < 5
            })
            .count();
        assert!(
            (weekdays / 4..=weekdays * 3 / 4).contains(&one_offs),
            "{one_offs} of {weekdays}"
        );
    }

    #[test]
    fn what_counts_leaves_out_what_should_not_count() {
        let calendar = FakeCalendar::synthetic(
            "ada@example.com",
            &colleagues(9),
            1,
            now(),
            60,
            CalendarShape::Google,
        );
        let counted = calendar.countable(now(), Duration::days(60), 8);
        let titles: Vec<&str> = counted
            .iter()
            .filter_map(|i| calendar.meetings.iter().find(|m| m.uid == i.uid))
            .map(|m| m.title.split(' ').next().unwrap_or_default())
            .collect();
        for kind in ["1:1", "Stand-up", "Sync", "Café"] {
            assert!(titles.contains(&kind), "{kind} missing from {titles:?}");
        }
        for kind in [
            "Roadmap",
            "Retro",
            "Offsite",
            "Conférence",
            "All-hands",
            "Focus",
            "Lunch",
        ] {
            assert!(!titles.contains(&kind), "{kind} counted");
        }
        // Three 1:1 series over about nine weeks, less what was left out.
        let one_on_ones = titles.iter().filter(|t| **t == "1:1").count();
        assert!((18..=27).contains(&one_on_ones), "{one_on_ones}");
        assert!(counted.iter().all(|i| i.end <= now()));
    }

    #[test]
    fn a_large_calendar_has_thousands_of_meetings() {
        let calendar = FakeCalendar::large(
            "ada@example.com",
            &colleagues(12),
            5,
            now(),
            CalendarShape::Google,
        );
        assert!(
            calendar.meetings.len() > 1_500,
            "{}",
            calendar.meetings.len()
        );
    }
}
