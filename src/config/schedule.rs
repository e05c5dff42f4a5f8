//! The `[schedule]` and `[digest]` sections: when the jobs run, as cron
//! expressions checked when the settings load, and where the channel
//! digest goes and what it carries.

use super::section::section;
use crate::domain::checked;
use serde::Deserialize;
use std::str::FromStr;

section! {
    /// When the jobs run: cron expressions in UTC whose first field is seconds
    /// (`sec min hour day-of-month month day-of-week`).
    pub struct ScheduleSettings {
        /// When the nudge job runs: by default every 15 minutes, since each
        /// person is nudged only inside their own local window.
        pub nudges: CronSchedule = built_in("0 */15 * * * *"),
        /// When the digest is posted: by default Mondays at 09:00.
        pub digest: CronSchedule = built_in("0 0 9 * * Mon"),
        /// When people and teams are refreshed from Slack: by default daily at
        /// 06:00.
        pub people: CronSchedule = built_in("0 0 6 * * *"),
        /// When the leadership circles job looks whether a round is due (see
        /// `circles.every_weeks`) and a circle's check-in: by default Mondays
        /// at 10:00.
        pub circles: CronSchedule = built_in("0 0 10 * * Mon"),
        /// When the calendars people gave are read: by default daily at
        /// 06:30, after the people sync has brought new colleagues' emails.
        pub calendars: CronSchedule = built_in("0 30 6 * * *"),
        /// After downtime, a job runs once at start for a time it missed at
        /// most this many hours ago; one missed longer ago waits for its next
        /// time. A day keeps a Monday digest from arriving on a Wednesday.
        pub catch_up_hours: u32 = 24,
    }
}

/// One of the schedules above, parsed.
#[expect(
    clippy::expect_used,
    reason = "the built-in schedules are constants, each parsed by a test"
)]
fn built_in(expression: &str) -> CronSchedule {
    CronSchedule::parse(expression).expect("the built-in schedules are valid")
}

/// How a schedule is written, seconds first, with an example: what the
/// messages refusing one show.
const FORMAT: &str = r#"sec min hour day-of-month month day-of-week, e.g. "0 0 10 * * Mon-Fri""#;

/// A cron schedule, checked when the settings load.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CronSchedule(cron::Schedule);

impl CronSchedule {
    /// Parses a cron expression of six or seven fields, seconds first.
    pub fn parse(expression: &str) -> Result<Self, String> {
        let fields = expression.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            return Err(format!(
                "`{expression}` has {fields} fields; a schedule has 6 (seconds first): {FORMAT}"
            ));
        }
        cron::Schedule::from_str(expression)
            .map(Self)
            .map_err(|err| {
                format!("`{expression}` is not a valid cron expression ({err}); expected {FORMAT}")
            })
    }

    /// The expression as the settings write it. Only the tests ask; the
    /// bot asks the schedule.
    #[cfg(test)]
    pub fn expression(&self) -> &str {
        self.0.source()
    }

    /// The schedule, to ask for the times it names.
    pub fn schedule(&self) -> &cron::Schedule {
        &self.0
    }
}

impl TryFrom<String> for CronSchedule {
    type Error = String;

    fn try_from(expression: String) -> Result<Self, Self::Error> {
        Self::parse(&expression)
    }
}

section! {
    /// The channel digest of new alliances: where it goes, and whether it
    /// carries the team map.
    pub struct DigestSettings {
        /// The channel it is posted in; `ALLIANCES_DIGEST_CHANNEL` overrides it.
        pub channel: DigestChannel = DigestChannel("alliances".to_owned()),
        /// Whether the digest carries the team map, a picture of which teams
        /// have alliances with which (needs the `files:write` scope).
        pub team_map: bool = true,
    }
}
checked! {
    /// The channel the digest is posted in, as the settings write it: a name
    /// (`alliances`, `#alliances`) or an id (`C0123…`), never blank.
    #[derive(Eq)]
    pub struct DigestChannel(String)
        if |channel| !channel.trim_start_matches('#').trim().is_empty();
    else "must name a channel, e.g. \"alliances\""
}

impl DigestChannel {
    /// The channel without the `#` people write before a name: how the
    /// Slack client looks it up.
    pub fn name(&self) -> &str {
        self.0.trim_start_matches('#')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_channel_names_a_channel_with_or_without_its_hash() {
        assert_eq!(
            DigestChannel::try_from("#alliances".to_owned())
                .unwrap()
                .name(),
            "alliances"
        );
        assert_eq!(
            DigestChannel::try_from("C0123".to_owned()).unwrap().name(),
            "C0123"
        );
        for blank in ["", "#", "# ", "  "] {
            assert!(
                DigestChannel::try_from(blank.to_owned()).is_err(),
                "{blank:?}"
            );
        }
    }
}
