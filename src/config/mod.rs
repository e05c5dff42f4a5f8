//! The settings: loaded once at start-up from a TOML file (every setting has
//! a default, so the file is optional) and `ALLIANCES_*` environment
//! variables. Secrets come from the environment only and are never
//! formatted.
//!
//! Settings are parsed, not checked afterwards: each value is read into a
//! type that cannot hold a value that would not work (a `HalfLife`, a
//! `DeliveryWindow`, an `ApiUrl`, a `NonZeroU32`…), so the rest of the bot
//! trusts them. Every problem is reported as a sentence that names the
//! setting and what to write instead, so a typo in a config file stops
//! start-up with a message, not a backtrace.
//!
//! One file per concern, which may hold a few related sections:
//!
//! | file | holds |
//! | --- | --- |
//! | `mod.rs` | [`Settings`], reading the file, the environment's overrides, the checks that compare two settings |
//! | `errors.rs` | [`ConfigError`], and TOML's errors turned into one line that names the setting |
//! | `section.rs` | how a section is declared with its defaults; counts that must be at least 1 |
//! | `slack.rs` | `[slack]`: [`ApiUrl`]; `[delivery]`: [`Speedup`] |
//! | `store.rs` | `[store]`, `[backup]`, `[purge]`, `[health]` |
//! | `rules.rs` | `[rules]`, read into the domain's [`Policy`] (window and cadences checked there) |
//! | `schedule.rs` | `[schedule]`: [`CronSchedule`]; `[digest]`: [`DigestChannel`] |
//! | `teams.rs` | `[teams]` and the teams file: [`Teams`], [`Roster`] |
//! | `leaders.rs` | `[leaders]`: who leads, from Slack's user groups |
//! | `circles.rs` | `[circles]`: how leadership circles are formed |
//! | `calendars.rs` | `[calendars]`: which calendar meetings count |
//! | `partnerships.rs` | `[[partnerships]]`: the key partnerships |
//! | `commands.rs` | `[commands]`, `[events]` |
//! | `secrets.rs` | [`Secrets`], from the environment only |

mod calendars;
mod circles;
mod commands;
mod errors;
mod leaders;
mod partnerships;
mod rules;
mod schedule;
mod secrets;
mod section;
mod slack;
mod store;
mod teams;

pub use calendars::{AttendeeLimit, CalendarSettings};
pub use circles::{CircleSettings, CircleSize};
pub use commands::{CommandSettings, EventSettings};
pub use errors::ConfigError;
pub use leaders::{LeaderSettings, UsergroupHandle};
pub use schedule::{CronSchedule, DigestChannel, DigestSettings, ScheduleSettings};
pub use secrets::{
    APP_TOKEN_VAR, BOT_TOKEN_VAR, ENCRYPTION_KEY_VAR, INSIGHTS_TOKEN_VAR, SIGNING_SECRET_VAR,
    Secrets,
};
pub use slack::{ApiUrl, DeliverySettings, SLACK_API_URL, SlackSettings, Speedup};
pub use store::{
    BackupSettings, DATABASE_URL_VAR, DatabaseUrl, HealthSettings, PurgeSettings, StoreSettings,
};
pub use teams::{Roster, Teams};

use crate::domain::{DigestPolicy, Partnership, Policy};
use errors::{parse_toml, read_and_parse};
use rules::RulesSection;
use serde::Deserialize;
use std::path::Path;
use teams::TeamsSection;

/// Every setting of the bot, each checked: a value that cannot work does
/// not get past [`Settings::load`]. `Default` is the built-in
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// How to reach Slack.
    pub slack: SlackSettings,
    /// Which store holds the data: PostgreSQL's URL, or sled's page cache.
    pub store: StoreSettings,
    /// What the rules decide by (`[rules]`).
    pub rules: Policy,
    /// When the jobs run.
    pub schedule: ScheduleSettings,
    /// Where the channel digest goes and what it carries.
    pub digest: DigestSettings,
    /// Where people's teams come from.
    pub teams: Teams,
    /// Who leads, beside what the teams file says.
    pub leaders: LeaderSettings,
    /// How leadership circles are formed.
    pub circles: CircleSettings,
    /// Which meetings of people's calendars count.
    pub calendars: CalendarSettings,
    /// Limits and admins of the slash commands.
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
    /// The key partnerships (`[[partnerships]]`), in the file's order.
    pub partnerships: Vec<Partnership>,
}

impl Settings {
    /// Loads the settings from `file` (when given) and then the environment
    /// through `env`, and checks them.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut written = match file {
            Some(path) => SettingsFile::read(path)?,
            None => SettingsFile::default(),
        };
        written.override_from(env)?;
        written.validate()
    }

    /// What the digest's rules take from these settings.
    pub fn digest_policy(&self) -> DigestPolicy {
        DigestPolicy {
            k_anonymity_floor: self.commands.k_anonymity_floor,
        }
    }
}

/// The settings as the config file writes them: every value that stands
/// alone is checked by its type as it is read; [`SettingsFile::validate`]
/// checks those that compare two settings. The order of the fields is the
/// one an unknown section's message lists.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SettingsFile {
    slack: SlackSettings,
    store: StoreSettings,
    rules: RulesSection,
    schedule: ScheduleSettings,
    digest: DigestSettings,
    teams: TeamsSection,
    leaders: LeaderSettings,
    circles: CircleSettings,
    calendars: CalendarSettings,
    commands: CommandSettings,
    events: EventSettings,
    delivery: DeliverySettings,
    health: HealthSettings,
    backup: BackupSettings,
    purge: PurgeSettings,
    partnerships: Vec<partnerships::PartnershipSetting>,
}

impl SettingsFile {
    /// Reads and parses the config file at `path`; a relative teams file is
    /// taken from the config file's folder.
    fn read(path: &Path) -> Result<Self, ConfigError> {
        let mut settings: Self = read_and_parse(path, parse_toml)?;
        if let Some(folder) = path.parent() {
            settings.teams.resolve_file_in(folder);
        }
        settings
            .store
            .check_written()
            .map_err(|problem| ConfigError::invalid("store.url", problem))?;
        Ok(settings)
    }

    /// The settings the environment overrides, through `env`.
    fn override_from(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let invalid = |variable| move |problem| ConfigError::invalid(variable, problem);
        if let Some(url) = env("ALLIANCES_SLACK_API_URL") {
            self.slack.api_url = url.try_into().map_err(invalid("ALLIANCES_SLACK_API_URL"))?;
        }
        if let Some(channel) = env("ALLIANCES_DIGEST_CHANNEL") {
            self.digest.channel = channel
                .try_into()
                .map_err(invalid("ALLIANCES_DIGEST_CHANNEL"))?;
        }
        if let Some(url) = env(DATABASE_URL_VAR).filter(|url| !url.trim().is_empty()) {
            self.store.url = Some(url.try_into().map_err(invalid(DATABASE_URL_VAR))?);
        }
        if let Some(address) = env("ALLIANCES_HEALTH_ADDRESS") {
            let problem = format!("`{address}` is not an address to listen on, e.g. 0.0.0.0:9100");
            self.health.address = address
                .parse()
                .map_err(|_| ConfigError::invalid("ALLIANCES_HEALTH_ADDRESS", problem))?;
        }
        Ok(())
    }

    /// The settings, once the checks that compare two settings pass:
    /// every value on its own was checked by its type as it was read.
    fn validate(self) -> Result<Settings, ConfigError> {
        let rules = self.rules.policy()?;
        let teams = self.teams.teams()?;
        if self.backup.every_hours > 0 && self.backup.keep == 0 {
            return Err(ConfigError::invalid(
                "backup.keep",
                "must keep at least 1 backup, e.g. 7 (to turn backups off, set `backup.every_hours` to 0)",
            ));
        }
        Ok(Settings {
            slack: self.slack,
            store: self.store,
            rules,
            schedule: self.schedule,
            digest: self.digest,
            teams,
            leaders: self.leaders,
            circles: self.circles,
            calendars: self.calendars,
            commands: self.commands,
            events: self.events,
            delivery: self.delivery,
            health: self.health,
            backup: self.backup,
            purge: self.purge,
            partnerships: self.partnerships.into_iter().map(|p| p.0).collect(),
        })
    }
}

#[cfg(test)]
mod tests;
