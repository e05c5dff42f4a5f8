//! The `[schedule]` section: when the jobs run, as cron expressions
//! checked when the settings load.

use serde::Deserialize;
use std::str::FromStr;

/// When the jobs run: cron expressions in UTC whose first field is seconds
/// (`sec min hour day-of-month month day-of-week`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// When the nudge job runs: by default every 15 minutes, since each
    /// person is nudged only inside their own local window.
    pub nudges: CronSchedule,
    /// When the digest is posted: by default Mondays at 09:00.
    pub digest: CronSchedule,
    /// When people and teams are refreshed from Slack: by default daily at
    /// 06:00.
    pub people: CronSchedule,
    /// When the leadership circles job looks whether a round is due (see
    /// `circles.every_weeks`) and a circle's check-in: by default Mondays
    /// at 10:00.
    pub circles: CronSchedule,
    /// After downtime, a job runs once at start for a time it missed at
    /// most this many hours ago; one missed longer ago waits for its next
    /// time. A day keeps a Monday digest from arriving on a Wednesday.
    pub catch_up_hours: u32,
}

impl Default for ScheduleSettings {
    #[expect(
        clippy::expect_used,
        reason = "the built-in schedules are constants, each parsed by a test"
    )]
    fn default() -> Self {
        let parse =
            |expr: &str| CronSchedule::parse(expr).expect("the built-in schedules are valid");
        Self {
            nudges: parse("0 */15 * * * *"),
            digest: parse("0 0 9 * * Mon"),
            people: parse("0 0 6 * * *"),
            circles: parse("0 0 10 * * Mon"),
            catch_up_hours: 24,
        }
    }
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
