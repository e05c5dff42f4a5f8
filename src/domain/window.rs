//! The delivery window: the hours of a person's own working days in which a
//! nudge may reach them (the settings' `rules.window_start_hour`,
//! `rules.window_end_hour` and `rules.working_days`).

use chrono::{DateTime, Datelike, DurationRound, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

/// From one hour of the local day until another, on some weekdays, in each
/// person's own time zone. It opens at least once a week: it starts before
/// it ends, within 0–24, on at least one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryWindow {
    start_hour: u32,
    end_hour: u32,
    days: WorkingDays,
}

impl DeliveryWindow {
    /// Every hour of every day: for plans that say what would go out,
    /// whenever it would (dry runs).
    pub const ALWAYS: Self = Self {
        start_hour: 0,
        end_hour: 24,
        days: WorkingDays::EVERY_DAY,
    };

    /// From `start_hour` until `end_hour` (exclusive: 10 and 11 make
    /// 10:00–11:00) on `days`; `None` unless it would open at least once a
    /// week.
    pub fn new(start_hour: u32, end_hour: u32, days: WorkingDays) -> Option<Self> {
        (start_hour < end_hour && end_hour <= 24 && !days.is_empty()).then_some(Self {
            start_hour,
            end_hour,
            days,
        })
    }

    /// The local hour it opens at.
    pub fn start_hour(self) -> u32 {
        self.start_hour
    }

    /// The local hour it closes at (exclusive).
    pub fn end_hour(self) -> u32 {
        self.end_hour
    }

    /// The local weekdays it opens on.
    pub fn days(self) -> WorkingDays {
        self.days
    }

    /// Whether it is open at `now` where the person lives (`tz`, Slack's
    /// IANA name; UTC when unknown). Local wall-clock time, so a
    /// daylight-saving change moves the window with the person's day.
    pub fn is_open(self, tz: Option<&str>, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&zone(tz));
        self.days.contains(local.weekday())
            && (self.start_hour..self.end_hour).contains(&local.hour())
    }

    /// When it next opens for the person, from `now` (`now` itself when it
    /// is open), within the next eight days.
    pub fn next_opening(self, tz: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(tz, now) {
            return Some(now);
        }
        // Windows start on the hour in every zone with whole-hour offsets;
        // the quarter-hour steps also catch zones like Asia/Kolkata.
        let quarter = chrono::Duration::minutes(15);
        let start = now.duration_trunc(quarter).unwrap_or(now) + quarter;
        (0..8 * 24 * 4)
            .map(|step| start + quarter * step)
            .find(|at| self.is_open(tz, *at))
    }
}

impl Default for DeliveryWindow {
    /// An hour in the morning, 10:00–11:00, Monday to Friday: after the
    /// first coffee, before the day fills up.
    fn default() -> Self {
        Self {
            start_hour: 10,
            end_hour: 11,
            days: WorkingDays::MONDAY_TO_FRIDAY,
        }
    }
}

/// The time zone Slack names (`Europe/Paris`), or UTC when it names none
/// or one this build does not know.
pub fn zone(tz: Option<&str>) -> Tz {
    tz.and_then(|name| name.parse().ok()).unwrap_or(Tz::UTC)
}

/// The time zone `person` lives in: UTC for nobody known, or for a person
/// whose zone Slack did not give.
pub fn zone_of(person: Option<&super::Person>) -> Tz {
    zone(person.and_then(|p| p.tz.as_deref()))
}

/// How many days ago `then` was, counted as a person in `tz` counts them:
/// by their calendar, not in blocks of 24 hours. A meeting logged as
/// "3d ago" reads "3 days ago" at any hour, however far the person's zone
/// is from UTC.
pub fn days_ago(then: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> i64 {
    (now.with_timezone(&tz).date_naive() - then.with_timezone(&tz).date_naive()).num_days()
}

/// A set of weekdays, written in the settings as `["Mon", "Tue", …]`; the
/// settings refuse an empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDays(u8);

impl WorkingDays {
    /// Monday to Friday.
    pub const MONDAY_TO_FRIDAY: Self = Self(0b001_1111);
    /// Every day of the week.
    pub const EVERY_DAY: Self = Self(0b111_1111);

    /// Whether `day` is one of them.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// Whether there is no day at all.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Weekday> for WorkingDays {
    fn from_iter<I: IntoIterator<Item = Weekday>>(days: I) -> Self {
        Self(
            days.into_iter()
                .fold(0, |set, day| set | (1 << day.num_days_from_monday())),
        )
    }
}

impl<'de> Deserialize<'de> for WorkingDays {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        let days = names
            .iter()
            .map(|name| {
                name.parse::<Weekday>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{name}` is not a weekday; write them like [\"Mon\", \"Tue\"]"
                    ))
                })
            })
            .collect::<Result<Self, _>>()?;
        if days.is_empty() {
            return Err(serde::de::Error::custom(
                "must name at least one day, e.g. [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]",
            ));
        }
        Ok(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_time::utc;

    #[test]
    fn days_ago_counts_the_person_s_calendar_days_at_any_hour() {
        let paris = zone(Some("Europe/Paris"));
        // "3d ago" typed in Paris at 00:30 on Saturday 5 December (23:30
        // UTC on Friday): logged at noon, Paris time, on Wednesday 2.
        let met = utc(2026, 12, 2, 11, 0);
        assert_eq!(days_ago(met, utc(2026, 12, 4, 23, 30), paris), 3);
        // In UTC that Friday evening, it was two days ago.
        assert_eq!(days_ago(met, utc(2026, 12, 4, 23, 30), Tz::UTC), 2);
        assert_eq!(days_ago(met, met, paris), 0);
    }

    #[test]
    fn the_window_is_local_time_on_working_days() {
        let window = DeliveryWindow::default();
        let paris = Some("Europe/Paris");
        // Tuesday 3 March 2026: Paris is UTC+1.
        assert!(window.is_open(paris, utc(2026, 3, 3, 9, 0)));
        assert!(window.is_open(paris, utc(2026, 3, 3, 9, 59)));
        assert!(!window.is_open(paris, utc(2026, 3, 3, 10, 0)));
        assert!(!window.is_open(paris, utc(2026, 3, 3, 8, 59)));
        // Saturday 7 March.
        assert!(!window.is_open(paris, utc(2026, 3, 7, 9, 30)));
        // New York, UTC-5: its 10:00 is 15:00 UTC.
        assert!(window.is_open(Some("America/New_York"), utc(2026, 3, 3, 15, 30)));
        // Unknown or missing zones count as UTC.
        assert!(window.is_open(Some("Mars/Olympus"), utc(2026, 3, 3, 10, 30)));
        assert!(window.is_open(None, utc(2026, 3, 3, 10, 30)));
    }

    #[test]
    fn the_window_follows_daylight_saving_changes() {
        let window = DeliveryWindow::default();
        let paris = Some("Europe/Paris");
        // Friday 27 March 2026, winter time (UTC+1): 10:00 local is 09:00 UTC.
        assert!(window.is_open(paris, utc(2026, 3, 27, 9, 30)));
        // Monday 30 March, summer time (UTC+2) since Sunday: 10:00 local is 08:00 UTC.
        assert!(window.is_open(paris, utc(2026, 3, 30, 8, 30)));
        assert!(!window.is_open(paris, utc(2026, 3, 30, 9, 30)));
        // New York moved on 8 March: Monday 9 March, 10:00 EDT is 14:00 UTC.
        assert!(window.is_open(Some("America/New_York"), utc(2026, 3, 9, 14, 15)));
        assert!(!window.is_open(Some("America/New_York"), utc(2026, 3, 9, 15, 15)));
        // The person's own weekday counts: Sunday 10:30 in Tokyo is no
        // working day; Monday 10:30 there is Monday 01:30 UTC.
        assert!(!window.is_open(Some("Asia/Tokyo"), utc(2026, 3, 8, 1, 30)));
        assert!(window.is_open(Some("Asia/Tokyo"), utc(2026, 3, 9, 1, 30)));
    }

    #[test]
    fn the_next_opening_is_found_in_the_persons_zone() {
        let window = DeliveryWindow::default();
        // Friday 27 March 2026 16:07 UTC: Paris has closed; its next window
        // is Monday 30 March, 10:00 summer time, 08:00 UTC.
        assert_eq!(
            window.next_opening(Some("Europe/Paris"), utc(2026, 3, 27, 16, 7)),
            Some(utc(2026, 3, 30, 8, 0))
        );
        assert_eq!(
            window.next_opening(None, utc(2026, 3, 27, 10, 7)),
            Some(utc(2026, 3, 27, 10, 7))
        );
    }

    #[test]
    fn a_window_that_would_never_open_cannot_be_made() {
        let weekdays = WorkingDays::MONDAY_TO_FRIDAY;
        assert_eq!(DeliveryWindow::new(11, 10, weekdays), None);
        assert_eq!(DeliveryWindow::new(10, 10, weekdays), None);
        assert_eq!(DeliveryWindow::new(23, 25, weekdays), None);
        assert_eq!(DeliveryWindow::new(10, 11, [].into_iter().collect()), None);
        assert_eq!(
            DeliveryWindow::new(10, 11, weekdays),
            Some(DeliveryWindow::default())
        );
        assert_eq!(
            DeliveryWindow::new(0, 24, WorkingDays::EVERY_DAY),
            Some(DeliveryWindow::ALWAYS)
        );
    }

    #[test]
    fn working_days_read_as_weekday_names_and_not_none() {
        let days: WorkingDays = serde_json::from_str(r#"["Mon", "Wednesday", "fri"]"#).unwrap();
        assert!(
            days.contains(Weekday::Mon)
                && days.contains(Weekday::Wed)
                && days.contains(Weekday::Fri)
        );
        assert!(!days.contains(Weekday::Tue));
        let err = serde_json::from_str::<WorkingDays>(r#"["Mon", "Funday"]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Funday"), "{err}");
        let err = serde_json::from_str::<WorkingDays>("[]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least one day"), "{err}");
    }
}
