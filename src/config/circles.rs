//! The `[circles]` section: how often leadership circles are formed, how
//! large they are, and how long two leaders wait before sharing a circle
//! again. When the job looks is `schedule.circles`.

use super::section::{at_least_one, count, section};
use crate::domain::checked;
use serde::Deserializer;
use std::num::NonZeroU32;

section! {
    /// How the leadership circles are formed.
    #[derive(Copy, PartialEq, Eq)]
    pub struct CircleSettings {
        /// A new round is formed once the last one is this many weeks old.
        #[serde(deserialize_with = "weeks")]
        pub every_weeks: NonZeroU32 = const { count(4) },
        /// How many leaders a circle holds (a leftover leader makes one a
        /// circle of one more).
        pub size: CircleSize = CircleSize(4),
        /// Two leaders who shared a circle are not put together again for
        /// this many days.
        pub repeat_after_days: u32 = 182,
    }
}

impl CircleSettings {
    /// How long two leaders who shared a circle wait to share one again.
    pub fn repeat_after(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.repeat_after_days))
    }
}

/// Reads `circles.every_weeks`, refusing 0 with the fix.
fn weeks<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NonZeroU32, D::Error> {
    at_least_one::<_, u32, _>(deserializer, "must be at least 1 week, e.g. 4")
}

checked! {
    /// The size of a circle: at least three, since two people are a meeting,
    /// not a circle; at most seven, since Slack's `conversations.open` opens
    /// a group DM of at most 8 people, and a leftover leader can make a
    /// circle one larger.
    #[derive(Copy, Eq)]
    pub struct CircleSize(u32) if |size| (3..=7).contains(&size);
    else "must be from 3 to 7 leaders, e.g. 4"
}

impl CircleSize {
    /// The number of leaders.
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(toml: &str) -> Result<CircleSettings, toml::de::Error> {
        toml::from_str(toml)
    }

    #[test]
    fn circles_of_four_every_four_weeks_no_repeat_for_half_a_year_by_default() {
        let settings = section("").unwrap();
        assert_eq!(settings, CircleSettings::default());
        assert_eq!(settings.size.get(), 4);
        assert_eq!(settings.every_weeks.get(), 4);
        assert_eq!(settings.repeat_after_days, 182);
    }

    #[test]
    fn a_circle_of_two_or_of_no_weeks_is_refused_with_an_example() {
        let err = section("size = 2").unwrap_err().to_string();
        assert!(err.contains("from 3 to 7 leaders, e.g. 4"), "{err}");
        let err = section("every_weeks = 0").unwrap_err().to_string();
        assert!(err.contains("at least 1 week, e.g. 4"), "{err}");
        assert_eq!(section("size = 3").unwrap().size.get(), 3);
    }
}
