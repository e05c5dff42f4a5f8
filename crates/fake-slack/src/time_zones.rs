//! The few time zones the fake's calendars are written in, with their
//! daylight-saving rules, so that a feed's local times and its
//! `VTIMEZONE` blocks say the same thing.
//!
//! The crate has no time-zone database (see `users.list`'s zones), and a
//! calendar needs only today's rules: the European Union's since 1996
//! (summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC
//! on the last Sunday of October) and the United States' since 2007 (from
//! 2:00 local on the second Sunday of March to 2:00 local on the first
//! Sunday of November). The `VTIMEZONE` blocks state exactly these rules,
//! in Google's words (IANA names, `X-LIC-LOCATION`) or in Exchange's
//! (Windows names, rules from 1601).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// A zone a meeting may be scheduled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarZone {
    /// Paris: `Europe/Paris` to Google, `Romance Standard Time` to Outlook.
    Paris,
    /// Berlin: `Europe/Berlin`, `W. Europe Standard Time`.
    Berlin,
    /// Los Angeles: `America/Los_Angeles`, `Pacific Standard Time`.
    LosAngeles,
}

/// Which daylight-saving rule a zone follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    EuropeanUnion,
    UnitedStates,
}

impl CalendarZone {
    /// The IANA name, as Google's feeds give it in `TZID` and
    /// `X-WR-TIMEZONE`.
    pub fn iana_name(self) -> &'static str {
        match self {
            Self::Paris => "Europe/Paris",
            Self::Berlin => "Europe/Berlin",
            Self::LosAngeles => "America/Los_Angeles",
        }
    }

    /// The Windows name, as Exchange's feeds give it in `TZID`.
    pub fn windows_name(self) -> &'static str {
        match self {
            Self::Paris => "Romance Standard Time",
            Self::Berlin => "W. Europe Standard Time",
            Self::LosAngeles => "Pacific Standard Time",
        }
    }

    fn rule(self) -> Rule {
        match self {
            Self::Paris | Self::Berlin => Rule::EuropeanUnion,
            Self::LosAngeles => Rule::UnitedStates,
        }
    }

    /// Seconds east of UTC in winter.
    fn standard_offset(self) -> i64 {
        match self {
            Self::Paris | Self::Berlin => 3_600,
            Self::LosAngeles => -8 * 3_600,
        }
    }

    /// The abbreviations Google writes in `TZNAME`: winter's, summer's.
    fn abbreviations(self) -> (&'static str, &'static str) {
        match self {
            Self::Paris | Self::Berlin => ("CET", "CEST"),
            Self::LosAngeles => ("PST", "PDT"),
        }
    }

    /// Whether summer time is in force at `at`.
    fn is_summer_at(self, at: DateTime<Utc>) -> bool {
        let year = at.year();
        let (begins, ends) = match self.rule() {
            // 01:00 UTC on both last Sundays.
            Rule::EuropeanUnion => (
                nth_sunday(year, 3, Nth::Last).and_hms_opt(1, 0, 0),
                nth_sunday(year, 10, Nth::Last).and_hms_opt(1, 0, 0),
            ),
            // 02:00 in winter time (10:00 UTC), then 02:00 in summer time
            // (09:00 UTC).
            Rule::UnitedStates => (
                nth_sunday(year, 3, Nth::Second).and_hms_opt(10, 0, 0),
                nth_sunday(year, 11, Nth::First).and_hms_opt(9, 0, 0),
            ),
        };
        match (begins, ends) {
            (Some(begins), Some(ends)) => {
                let at = at.naive_utc();
                begins <= at && at < ends
            }
            _ => false,
        }
    }

    /// Seconds east of UTC at `at`.
    fn offset_at(self, at: DateTime<Utc>) -> i64 {
        self.standard_offset() + if self.is_summer_at(at) { 3_600 } else { 0 }
    }

    /// The wall-clock time here at `at`.
    pub fn to_local(self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + Duration::seconds(self.offset_at(at))
    }

    /// The instant the wall clock here shows `local`: in the hour skipped
    /// in spring, as if winter time went on; in the hour repeated in
    /// autumn, the first of the two. (The fake schedules nothing at night.)
    pub fn from_local(self, local: NaiveDateTime) -> DateTime<Utc> {
        let summer =
            Utc.from_utc_datetime(&(local - Duration::seconds(self.standard_offset() + 3_600)));
        if self.is_summer_at(summer) {
            return summer;
        }
        Utc.from_utc_datetime(&(local - Duration::seconds(self.standard_offset())))
    }

    /// The `VTIMEZONE` block Google writes for this zone, as
    /// `(name, value)` content lines.
    pub fn google_vtimezone(self) -> Vec<(String, String)> {
        let (winter, summer) = self.abbreviations();
        let (std, dst) = (
            offset(self.standard_offset()),
            offset(self.standard_offset() + 3_600),
        );
        let (spring_day, spring_rule, autumn_day, autumn_rule) = match self.rule() {
            Rule::EuropeanUnion => ("19700329T020000", "-1SU", "19701025T030000", "-1SU"),
            Rule::UnitedStates => ("19700308T020000", "2SU", "19701101T020000", "1SU"),
        };
        let (spring_month, autumn_month) = match self.rule() {
            Rule::EuropeanUnion => (3, 10),
            Rule::UnitedStates => (3, 11),
        };
        let line = |name: &str, value: String| (name.to_owned(), value);
        vec![
            line("BEGIN", "VTIMEZONE".into()),
            line("TZID", self.iana_name().into()),
            line("X-LIC-LOCATION", self.iana_name().into()),
            line("BEGIN", "DAYLIGHT".into()),
            line("TZOFFSETFROM", std.clone()),
            line("TZOFFSETTO", dst.clone()),
            line("TZNAME", summer.into()),
            line("DTSTART", spring_day.into()),
            line(
                "RRULE",
                format!("FREQ=YEARLY;BYMONTH={spring_month};BYDAY={spring_rule}"),
            ),
            line("END", "DAYLIGHT".into()),
            line("BEGIN", "STANDARD".into()),
            line("TZOFFSETFROM", dst),
            line("TZOFFSETTO", std),
            line("TZNAME", winter.into()),
            line("DTSTART", autumn_day.into()),
            line(
                "RRULE",
                format!("FREQ=YEARLY;BYMONTH={autumn_month};BYDAY={autumn_rule}"),
            ),
            line("END", "STANDARD".into()),
            line("END", "VTIMEZONE".into()),
        ]
    }

    /// The `VTIMEZONE` block Exchange writes for this zone: Windows names,
    /// and rules that start in 1601, as Windows keeps them.
    pub fn outlook_vtimezone(self) -> Vec<(String, String)> {
        let (std, dst) = (
            offset(self.standard_offset()),
            offset(self.standard_offset() + 3_600),
        );
        let (standard_start, standard_rule, daylight_rule) = match self.rule() {
            Rule::EuropeanUnion => (
                "16010101T030000",
                "BYDAY=-1SU;BYMONTH=10",
                "BYDAY=-1SU;BYMONTH=3",
            ),
            Rule::UnitedStates => (
                "16010101T020000",
                "BYDAY=1SU;BYMONTH=11",
                "BYDAY=2SU;BYMONTH=3",
            ),
        };
        let line = |name: &str, value: String| (name.to_owned(), value);
        vec![
            line("BEGIN", "VTIMEZONE".into()),
            line("TZID", self.windows_name().into()),
            line("BEGIN", "STANDARD".into()),
            line("DTSTART", standard_start.into()),
            line("TZOFFSETFROM", dst.clone()),
            line("TZOFFSETTO", std.clone()),
            line("RRULE", format!("FREQ=YEARLY;INTERVAL=1;{standard_rule}")),
            line("END", "STANDARD".into()),
            line("BEGIN", "DAYLIGHT".into()),
            line("DTSTART", "16010101T020000".into()),
            line("TZOFFSETFROM", std),
            line("TZOFFSETTO", dst),
            line("RRULE", format!("FREQ=YEARLY;INTERVAL=1;{daylight_rule}")),
            line("END", "DAYLIGHT".into()),
            line("END", "VTIMEZONE".into()),
        ]
    }
}

/// Which Sunday of a month.
#[derive(Debug, Clone, Copy)]
enum Nth {
    First,
    Second,
    Last,
}

/// That Sunday of `month` in `year`.
fn nth_sunday(year: i32, month: u32, nth: Nth) -> NaiveDate {
    let first_sunday = (1..=7)
        .filter_map(|day| NaiveDate::from_ymd_opt(year, month, day))
        .find(|date| date.weekday() == Weekday::Sun)
        .unwrap_or_default();
    match nth {
        Nth::First => first_sunday,
        Nth::Second => first_sunday + Duration::days(7),
        // Every month the rules name has 31 or 30 days: the fifth Sunday
        // if there is one, else the fourth.
        Nth::Last => {
            let fifth = first_sunday + Duration::days(28);
            if fifth.month() == month {
                fifth
            } else {
                first_sunday + Duration::days(21)
            }
        }
    }
}

/// An offset as iCalendar writes it, `+0100` or `-0800`.
fn offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn local(text: &str) -> NaiveDateTime {
        text.parse().unwrap()
    }

    /// Each UTC instant with the wall clock `zone` shows then.
    fn shows(zone: CalendarZone, cases: &[(&str, &str)]) {
        for (instant, wall) in cases {
            assert_eq!(zone.to_local(utc(instant)), local(wall), "{instant}");
        }
    }

    #[test]
    fn european_summer_time_runs_between_the_last_sundays_of_march_and_october() {
        shows(
            CalendarZone::Paris,
            &[
                ("2024-03-31T00:59:59Z", "2024-03-31T01:59:59"),
                ("2024-03-31T01:00:00Z", "2024-03-31T03:00:00"),
                ("2024-10-27T00:59:59Z", "2024-10-27T02:59:59"),
                ("2024-10-27T01:00:00Z", "2024-10-27T02:00:00"),
                ("2025-03-30T09:00:00Z", "2025-03-30T11:00:00"),
                ("2025-01-15T09:00:00Z", "2025-01-15T10:00:00"),
            ],
        );
    }

    #[test]
    fn pacific_summer_time_runs_from_the_second_sunday_of_march_to_the_first_of_november() {
        shows(
            CalendarZone::LosAngeles,
            &[
                ("2024-03-10T09:59:59Z", "2024-03-10T01:59:59"),
                ("2024-03-10T10:00:00Z", "2024-03-10T03:00:00"),
                ("2024-11-03T08:59:59Z", "2024-11-03T01:59:59"),
                ("2024-11-03T09:00:00Z", "2024-11-03T01:00:00"),
                ("2024-07-04T16:00:00Z", "2024-07-04T09:00:00"),
            ],
        );
    }

    #[test]
    fn a_daytime_wall_clock_goes_back_to_the_instant_it_came_from() {
        for zone in [
            CalendarZone::Paris,
            CalendarZone::Berlin,
            CalendarZone::LosAngeles,
        ] {
            for at in [
                "2024-01-10T15:30:00Z",
                "2024-06-10T15:30:00Z",
                "2024-10-28T17:00:00Z",
            ] {
                let at = utc(at);
                assert_eq!(zone.from_local(zone.to_local(at)), at, "{zone:?} {at}");
            }
        }
        // The hour skipped in spring reads as winter time.
        let skipped = CalendarZone::Paris.from_local(local("2024-03-31T02:30:00"));
        assert_eq!(skipped, utc("2024-03-31T01:30:00Z"));
    }

    #[test]
    fn the_vtimezone_blocks_state_the_rules_in_each_providers_words() {
        let google = CalendarZone::Paris.google_vtimezone();
        assert!(google.contains(&("TZID".into(), "Europe/Paris".into())));
        assert!(google.contains(&("RRULE".into(), "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU".into())));
        let outlook = CalendarZone::LosAngeles.outlook_vtimezone();
        assert!(outlook.contains(&("TZID".into(), "Pacific Standard Time".into())));
        assert!(outlook.contains(&("TZOFFSETTO".into(), "-0700".into())));
        assert!(outlook.contains(&(
            "RRULE".into(),
            "FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3".into()
        )));
    }
}
