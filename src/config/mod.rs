//! The settings: loaded once at start-up from a TOML file (every setting has
//! a default, so the file is optional) and `ALLIANCES_*` environment
//! variables. Secrets come from the environment only and are never
//! formatted.
//!
//! Every problem is reported as a sentence that names the setting, so a
//! typo in a config file stops start-up with a message, not a backtrace.

mod commands;
mod delivery;
mod digest;
mod errors;
mod health;
mod schedule;
mod secrets;
mod slack;
mod store;
mod teams;

pub use commands::{CommandSettings, EventSettings};
pub use delivery::DeliverySettings;
pub use digest::DigestSettings;
pub use errors::ConfigError;
pub use health::HealthSettings;
pub use schedule::{CronSchedule, ScheduleSettings};
pub use secrets::{APP_TOKEN_VAR, BOT_TOKEN_VAR, INSIGHTS_TOKEN_VAR, SIGNING_SECRET_VAR, Secrets};
pub use slack::{SLACK_API_URL, SlackSettings};
pub use store::{BackupSettings, PurgeSettings, StoreSettings};
pub use teams::{TeamDirectory, TeamSettings, TeamSource};

use crate::domain::{DigestPolicy, Policy};
use errors::parse_toml;
use serde::Deserialize;
use std::path::Path;

/// Every setting of the bot. `Default` is the built-in configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// How to reach Slack.
    pub slack: SlackSettings,
    /// The sled store.
    pub store: StoreSettings,
    /// What the rules decide.
    pub rules: Policy,
    /// When the jobs run.
    pub schedule: ScheduleSettings,
    /// The channel digest.
    pub digest: DigestSettings,
    /// Where teams come from.
    pub teams: TeamSettings,
    /// The slash commands.
    pub commands: CommandSettings,
    /// What the bot does with Slack's events.
    pub events: EventSettings,
    /// How promised messages reach Slack.
    pub delivery: DeliverySettings,
    /// Where `serve` answers health checks and Prometheus.
    pub health: HealthSettings,
    /// The periodic backups `serve` keeps.
    pub backup: BackupSettings,
    /// What an uninstall's purge keeps for a while.
    pub purge: PurgeSettings,
}

impl Settings {
    /// Loads the settings from `file` (when given) and then the environment
    /// through `env`, and checks them.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut settings = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        if let Some(url) = env("ALLIANCES_SLACK_API_URL") {
            settings.slack.api_url = url;
        }
        if let Some(channel) = env("ALLIANCES_DIGEST_CHANNEL") {
            settings.digest.channel = channel;
        }
        if let Some(address) = env("ALLIANCES_HEALTH_ADDRESS") {
            settings.health.address = address.parse().map_err(|_| ConfigError::Invalid {
                setting: "ALLIANCES_HEALTH_ADDRESS".to_owned(),
                problem: format!("`{address}` is not an address to listen on, e.g. 0.0.0.0:9100"),
            })?;
        }
        settings.validate()?;
        Ok(settings)
    }

    /// What the digest's rules take from these settings.
    pub fn digest_policy(&self) -> DigestPolicy {
        DigestPolicy {
            k_anonymity_floor: self.commands.k_anonymity_floor,
        }
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut settings: Self = parse_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })?;
        if let (Some(teams), Some(folder)) = (&settings.teams.file, path.parent()) {
            settings.teams.file = Some(folder.join(teams));
        }
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting: &str, problem: &str| {
            Err(ConfigError::Invalid {
                setting: setting.to_owned(),
                problem: problem.to_owned(),
            })
        };
        let url = &self.slack.api_url;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return invalid(
                "slack.api_url",
                "must be an http:// or https:// URL, e.g. \"https://slack.com/api\"",
            );
        }
        let rules = &self.rules;
        if rules.window_end_hour > 24 || rules.window_start_hour >= rules.window_end_hour {
            return invalid(
                "rules.window_start_hour",
                "the delivery window must start before it ends, within 0–24, e.g. 10 and 11",
            );
        }
        if rules.working_days.is_empty() {
            return invalid(
                "rules.working_days",
                "must name at least one day, e.g. [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]",
            );
        }
        if rules.cadence_strong_days == 0 || rules.cadence_strong_days > rules.cadence_weak_days {
            return invalid(
                "rules.cadence_strong_days",
                "must be at least 1 day and at most `cadence_weak_days`, e.g. 30 and 90",
            );
        }
        if !(self.delivery.speedup.is_finite() && self.delivery.speedup >= 1.0) {
            return invalid(
                "delivery.speedup",
                "must be a number of at least 1 (1 for Slack; more only for the built-in fake Slack)",
            );
        }
        if self.delivery.give_up_after_minutes == 0 {
            return invalid(
                "delivery.give_up_after_minutes",
                "must be at least 1 minute, e.g. 60",
            );
        }
        if crate::domain::HalfLife::days(rules.half_life_days).is_none() {
            return invalid(
                "rules.half_life_days",
                "must be a positive number of days, e.g. 90",
            );
        }
        if !(rules.strong_tie.is_finite() && rules.strong_tie > 1.0) {
            return invalid(
                "rules.strong_tie",
                "must be more than one meeting's weight (1.0), e.g. 4.0",
            );
        }
        let weights = [
            rules.weights.meeting,
            rules.weights.we_met,
            rules.weights.passive,
        ];
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return invalid(
                "rules.weights",
                "each weight must be a number of at least 0, e.g. meeting = 1.0, passive = 0.25",
            );
        }
        if !(rules.gap_boost.is_finite() && rules.gap_boost >= 0.0) {
            return invalid(
                "rules.gap_boost",
                "must be a number of at least 0, e.g. 1.0",
            );
        }
        if self.teams.source() == TeamSource::File && self.teams.file.is_none() {
            return invalid(
                "teams.file",
                "must name a teams file when `teams.source` is \"file\", e.g. \"teams.toml\"",
            );
        }
        if self.commands.history_window_days == 0 {
            return invalid(
                "commands.history_window_days",
                "must be at least 1 day, e.g. 365",
            );
        }
        if self.backup.every_hours > 0 && self.backup.keep == 0 {
            return invalid(
                "backup.keep",
                "must keep at least 1 backup, e.g. 7 (to turn backups off, set `backup.every_hours` to 0)",
            );
        }
        if self.store.cache_capacity_mb == 0 {
            return invalid(
                "store.cache_capacity_mb",
                "must be at least 1 (MiB), e.g. 64",
            );
        }
        if self
            .digest
            .channel
            .trim_start_matches('#')
            .trim()
            .is_empty()
        {
            return invalid("digest.channel", "must name a channel, e.g. \"alliances\"");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
