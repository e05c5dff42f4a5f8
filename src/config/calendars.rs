//! The `[calendars]` section: which meetings of a person's calendar count,
//! once they have given its address. When the feeds are read is
//! `schedule.calendars`.

use super::section::{at_least_one, count, section};
use crate::domain::checked;
use serde::Deserializer;
use std::num::NonZeroU32;

section! {
    /// Which calendar meetings count.
    #[derive(Copy, PartialEq, Eq)]
    pub struct CalendarSettings {
        /// The first read of a calendar goes this many days back.
        #[serde(deserialize_with = "days")]
        pub lookback_days: NonZeroU32 = const { count(180) },
        /// A meeting counts only with at most this many people asked (the
        /// owner included): a town hall is no alliance.
        pub max_attendees: AttendeeLimit = AttendeeLimit(8),
        /// Calendars may be read from plain `http://` and from this
        /// machine's own (loopback) addresses: for the fake calendar host
        /// on 127.0.0.1, never for a real workspace. A private network's
        /// and the cloud's metadata addresses stay refused even then.
        pub allow_private_hosts: bool = false,
    }
}

/// Reads `calendars.lookback_days`, refusing 0 with the fix.
fn days<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NonZeroU32, D::Error> {
    at_least_one::<_, u32, _>(deserializer, "must be at least 1 day, e.g. 180")
}

checked! {
    /// The most people a counted meeting may have asked: at least two, since
    /// a meeting is between people.
    #[derive(Copy, Eq)]
    pub struct AttendeeLimit(u32) if |most| most >= 2;
    else "must be at least 2 people, e.g. 8"
}

impl AttendeeLimit {
    /// The number of people.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(toml: &str) -> Result<CalendarSettings, toml::de::Error> {
        toml::from_str(toml)
    }

    #[test]
    fn half_a_year_back_and_meetings_of_up_to_eight_by_default() {
        let settings = section("").unwrap();
        assert_eq!(settings, CalendarSettings::default());
        assert_eq!(settings.lookback_days.get(), 180);
        assert_eq!(settings.max_attendees.get(), 8);
    }

    #[test]
    fn a_meeting_of_one_or_no_days_back_is_refused_with_an_example() {
        let err = section("max_attendees = 1").unwrap_err().to_string();
        assert!(err.contains("at least 2 people, e.g. 8"), "{err}");
        let err = section("lookback_days = 0").unwrap_err().to_string();
        assert!(err.contains("at least 1 day, e.g. 180"), "{err}");
        assert_eq!(section("max_attendees = 2").unwrap().max_attendees.get(), 2);
    }
}
