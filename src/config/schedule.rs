//! The `[schedule]` section: when the jobs run, as cron expressions
//! checked when the settings load.

use super::section::section;
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

/// A cron schedule, checked when the settings load.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct CronSchedule {
    expression: String,
    schedule: cron::Schedule,
}

impl CronSchedule {
    /// Parses a cron expression of six or seven fields, seconds first.
    pub fn parse(expression: &str) -> Result<Self, String> {
        let fields = expression.split_whitespace().count();
        if !(6..=7).contains(&fields) {
            return Err(format!(
                "`{expression}` has {fields} fields; a schedule has 6 (seconds first): \
                 sec min hour day-of-month month day-of-week, e.g. \"0 0 10 * * Mon-Fri\""
            ));
        }
        cron::Schedule::from_str(expression)
            .map(|schedule| Self {
                expression: expression.to_owned(),
                schedule,
            })
            .map_err(|err| {
                format!(
                    "`{expression}` is not a valid cron expression ({err}); expected \
                     sec min hour day-of-month month day-of-week, e.g. \"0 0 10 * * Mon-Fri\""
                )
            })
    }

    /// The expression as the settings write it, for logs and messages.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The schedule, to ask for the times it names.
    pub fn schedule(&self) -> &cron::Schedule {
        &self.schedule
    }
}

impl TryFrom<String> for CronSchedule {
    type Error = String;

    fn try_from(expression: String) -> Result<Self, Self::Error> {
        Self::parse(&expression)
    }
}
