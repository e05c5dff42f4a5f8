//! The settings: loaded once at start-up from a TOML file (every setting has
//! a default, so the file is optional) and `ALLIANCES_*` environment
//! variables. Secrets come from the environment only and are never
//! formatted.
//!
//! Every problem is reported as a sentence that names the setting, so a
//! typo in a config file stops start-up with a message, not a backtrace.

use crate::domain::{DigestPolicy, Policy, TeamId, UserId};
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Slack's Web API, where the bot talks by default.
pub const SLACK_API_URL: &str = "https://slack.com/api";

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read the config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has an unknown or mistyped setting.
    #[error("the config file {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said, with the setting and the line.
        message: String,
    },
    /// A setting has a value that cannot work.
    #[error("setting `{setting}`: {problem}")]
    Invalid {
        /// The setting, as a dotted path (`schedule.nudges`).
        setting: String,
        /// What is wrong and what is expected.
        problem: String,
    },
}

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

/// What the purge on uninstall (`events.purge_on_uninstall`) keeps, so
/// that an uninstall by mistake can be undone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PurgeSettings {
    /// The newest backup is kept this many days after the purge, for
    /// `alliances restore`, then deleted; 0 deletes it with everything else.
    pub grace_days: u32,
}

impl Default for PurgeSettings {
    /// A week: an uninstall on a Friday is noticed after the weekend.
    fn default() -> Self {
        Self { grace_days: 7 }
    }
}

/// Where `serve` answers `/healthz`, `/readyz` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthSettings {
    /// The address to listen on; `ALLIANCES_HEALTH_ADDRESS` overrides it.
    /// Loopback by default: the metrics are for the operator, not the
    /// world. In a container, `0.0.0.0:9100`.
    pub address: std::net::SocketAddr,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            address: std::net::SocketAddr::from(([127, 0, 0, 1], 9100)),
        }
    }
}

/// The periodic backups `serve` keeps, in `backups/` inside the data folder.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupSettings {
    /// A backup is taken when the newest is this many hours old (at start,
    /// when there is none); 0 turns periodic backups off.
    pub every_hours: u32,
    /// The newest this many are kept; older ones are removed.
    pub keep: u32,
}

impl Default for BackupSettings {
    /// A day's backups for a week: a store found damaged on a Monday can
    /// go back to any day of the week before.
    fn default() -> Self {
        Self {
            every_hours: 24,
            keep: 7,
        }
    }
}

/// How promised messages (nudges, the digest) reach Slack.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// A message Slack keeps refusing, or cannot be reached for, is given up
    /// on after this many minutes from when it was planned, and reported
    /// (in the logs, and to admins in `/alliances status`). A nudge later
    /// than its recipient's window would land at an odd hour anyway.
    pub give_up_after_minutes: u32,
    /// On shutdown, a send in flight gets this many seconds to finish.
    pub shutdown_grace_seconds: u32,
    /// Slack's rate limits, the retry back-off and the call time-outs, this
    /// many times faster. Only for the built-in fake Slack, whose limits
    /// can be scaled alike; leave it at 1 for Slack.
    pub speedup: f64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            give_up_after_minutes: 60,
            shutdown_grace_seconds: 10,
            speedup: 1.0,
        }
    }
}

/// What the bot does with Slack's events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventSettings {
    /// Count an @mention or a thread reply between people of different
    /// teams, in channels the bot is in, as a weak interaction (metadata
    /// only: never the message text). Off unless the workspace opts in.
    pub passive_signals: bool,
    /// Delete everything when the app is uninstalled (but the newest
    /// backup, for `purge.grace_days`). A revoked token deletes nothing.
    pub purge_on_uninstall: bool,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            passive_signals: false,
            purge_on_uninstall: true,
        }
    }
}

/// The slash commands.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandSettings {
    /// `/met` accepts meetings up to this many days back.
    pub history_window_days: u32,
    /// Slack user ids of the people who may use the admin subcommands
    /// (`digest now`, `tick dry-run`).
    pub admins: Vec<UserId>,
    /// Teams are shown (`/alliances stats`, the digest's bridges, team
    /// lines, team pairs and people's teams, the insights page, the team
    /// map) only when they have at least this many active people.
    pub k_anonymity_floor: u32,
    /// `/met` logs a meeting with at most this many other people.
    pub met_max_people: NonZeroU32,
    /// One person may log at most this many meetings an hour.
    pub met_per_hour: NonZeroU32,
    /// One person may make at most this many introductions an hour.
    pub intros_per_hour: NonZeroU32,
    /// The same two people are introduced at most once in this many days,
    /// whoever asks; 0 lets a pair be introduced again at once.
    pub intro_cooldown_days: u32,
}

/// `n` as a count that cannot be zero, checked when the crate compiles
/// (called in `const` blocks): a default mistyped as 0 does not build.
const fn count(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => panic!("a default count must not be zero"),
    }
}

impl Default for CommandSettings {
    fn default() -> Self {
        Self {
            history_window_days: 365,
            admins: Vec::new(),
            k_anonymity_floor: 5,
            met_max_people: const { count(10) },
            met_per_hour: const { count(60) },
            intros_per_hour: const { count(10) },
            intro_cooldown_days: 30,
        }
    }
}

/// How to reach Slack. The bot token is not here: see [`Secrets`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackSettings {
    /// The Web API base URL; `ALLIANCES_SLACK_API_URL` overrides it.
    pub api_url: String,
}

impl Default for SlackSettings {
    fn default() -> Self {
        Self {
            api_url: SLACK_API_URL.to_owned(),
        }
    }
}

/// The sled store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// sled's page cache, in MiB. sled's own default is 1 GiB, far more than
    /// the tie index of a large workspace needs.
    pub cache_capacity_mb: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            cache_capacity_mb: 64,
        }
    }
}

/// When the jobs run: cron expressions in UTC whose first field is seconds
/// (`sec min hour day-of-month month day-of-week`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// The nudge job.
    pub nudges: CronSchedule,
    /// The digest job.
    pub digest: CronSchedule,
    /// Refreshing people and teams from Slack.
    pub people: CronSchedule,
    /// After downtime, a job runs once at start for a time it missed at
    /// most this many hours ago; one missed longer ago waits for its next
    /// time. A day keeps a Monday digest from arriving on a Wednesday.
    pub catch_up_hours: u32,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        let parse =
            |expr: &str| CronSchedule::parse(expr).expect("the built-in schedules are valid");
        Self {
            // Every 15 minutes: each person is nudged inside their own local
            // window (rules.window_*), whatever their time zone.
            nudges: parse("0 */15 * * * *"),
            digest: parse("0 0 9 * * Mon"),
            people: parse("0 0 6 * * *"),
            catch_up_hours: 24,
        }
    }
}

/// A cron schedule, checked when the settings load.
#[derive(Debug, Clone)]
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

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The parsed schedule.
    pub fn schedule(&self) -> &cron::Schedule {
        &self.schedule
    }
}

impl<'de> Deserialize<'de> for CronSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expression = String::deserialize(deserializer)?;
        Self::parse(&expression).map_err(serde::de::Error::custom)
    }
}

/// The channel digest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestSettings {
    /// The channel it is posted in: a name (`alliances`) or an id (`C0123…`).
    pub channel: String,
    /// Whether the digest carries the team map, a picture of which teams
    /// have alliances with which (needs the `files:write` scope).
    pub team_map: bool,
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            channel: "alliances".to_owned(),
            team_map: true,
        }
    }
}

/// Where teams come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TeamSettings {
    /// `file`, `profile_field` or `usergroups`; when not set, the teams file
    /// if one is given, else the profile field.
    pub source: Option<TeamSource>,
    /// A teams file (see `config/teams.example.toml`), resolved against the
    /// config file's folder when relative.
    pub file: Option<PathBuf>,
    /// The label of the custom profile field that names a person's team.
    pub profile_field_label: String,
    /// Only user groups whose handle starts with this are teams (`team-`).
    pub usergroup_prefix: String,
}

impl Default for TeamSettings {
    fn default() -> Self {
        Self {
            source: None,
            file: None,
            profile_field_label: "Team".to_owned(),
            usergroup_prefix: String::new(),
        }
    }
}

/// Where teams come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamSource {
    /// The teams file (Free plans, the demo).
    File,
    /// A custom profile field, one `users.profile.get` per person per day.
    ProfileField,
    /// User groups: each group (with the prefix) is a team.
    Usergroups,
}

impl TeamSettings {
    /// The source in force.
    pub fn source(&self) -> TeamSource {
        self.source.unwrap_or(if self.file.is_some() {
            TeamSource::File
        } else {
            TeamSource::ProfileField
        })
    }
}

/// The secrets, from the environment only. Their `Debug` shows no value.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `ALLIANCES_SLACK_BOT_TOKEN`: the bot token (`xoxb-…`).
    pub bot_token: Option<SecretString>,
    /// `ALLIANCES_SLACK_APP_TOKEN`: the app-level token (`xapp-…`) Socket Mode needs.
    pub app_token: Option<SecretString>,
    /// `ALLIANCES_SLACK_SIGNING_SECRET`: checks that HTTP requests come from Slack.
    pub signing_secret: Option<SecretString>,
    /// `ALLIANCES_INSIGHTS_TOKEN`: opens the admins' insights page.
    pub insights_token: Option<SecretString>,
}

/// The environment variable holding the bot token.
pub const BOT_TOKEN_VAR: &str = "ALLIANCES_SLACK_BOT_TOKEN";
/// The environment variable holding the app-level token.
pub const APP_TOKEN_VAR: &str = "ALLIANCES_SLACK_APP_TOKEN";
/// The environment variable holding the signing secret.
pub const SIGNING_SECRET_VAR: &str = "ALLIANCES_SLACK_SIGNING_SECRET";
/// The environment variable holding the insights page's access token.
pub const INSIGHTS_TOKEN_VAR: &str = "ALLIANCES_INSIGHTS_TOKEN";

impl Secrets {
    /// Reads the secrets from the environment through `env`, without the
    /// whitespace around them: a secret mounted from a file, or written
    /// with `echo`, ends with a newline that is no part of it (and would
    /// make every signature check fail).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let secret = |name| {
            env(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .map(SecretString::from)
        };
        Self {
            bot_token: secret(BOT_TOKEN_VAR),
            app_token: secret(APP_TOKEN_VAR),
            signing_secret: secret(SIGNING_SECRET_VAR),
            insights_token: secret(INSIGHTS_TOKEN_VAR),
        }
    }
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

/// Parses TOML into `T`, with a one-line message that names the setting at
/// fault (`setting `schedule.digest`: …`) or, for broken TOML, the line.
fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let at_line = |err: &toml::de::Error| {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let message = err.message().trim_end_matches('\n').replace('\n', " ");
        match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        }
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|err| at_line(&err))?;
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path.is_empty() || path == "." {
            at_line(&inner)
        } else {
            format!("setting `{path}`: {}", inner.message().replace('\n', " "))
        }
    })
}

/// Who belongs to which team, from a teams file: for workspaces whose Slack
/// profiles do not say, for Slack's Free plan, and for the demo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamDirectory {
    // Keyed by Slack user id or handle, as the file lists them.
    members: HashMap<String, TeamId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamsFile {
    #[serde(default)]
    team: Vec<TeamEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamEntry {
    name: String,
    members: Vec<String>,
}

impl TeamDirectory {
    /// Reads a teams file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses the text of a teams file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: TeamsFile = parse_toml(text)?;
        let mut members = HashMap::new();
        for entry in file.team {
            let team = TeamId::parse(&entry.name)
                .map_err(|err| format!("team `{}`: {err}", entry.name))?;
            for member in entry.members {
                let member = member.trim().trim_start_matches('@').to_owned();
                if let Some(other) = members.insert(member.clone(), team.clone())
                    && other != team
                {
                    return Err(format!(
                        "`{member}` is listed in both `{other}` and `{team}`"
                    ));
                }
            }
        }
        Ok(Self { members })
    }

    /// A directory of these members (Slack ids or handles) and their teams.
    pub fn from_members(members: impl IntoIterator<Item = (String, TeamId)>) -> Self {
        Self {
            members: members.into_iter().collect(),
        }
    }

    /// The team of the person with this id or handle, if the file lists them.
    pub fn team_of(&self, id: &UserId, handle: &str) -> Option<&TeamId> {
        self.members
            .get(id.as_str())
            .or_else(|| self.members.get(handle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn the_built_in_defaults_load_without_a_file() {
        let settings = Settings::load(None, no_env).unwrap();
        assert_eq!(settings.rules.cadence_weak_days, 90);
        assert_eq!(settings.schedule.nudges.expression(), "0 */15 * * * *");
        assert_eq!(settings.slack.api_url, SLACK_API_URL);
    }

    #[test]
    fn the_example_config_is_valid_and_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/alliances.example.toml");
        let settings = Settings::load(Some(&path), no_env).unwrap();
        let defaults = Settings::default();
        assert_eq!(settings.rules, defaults.rules);
        assert_eq!(
            settings.schedule.digest.expression(),
            defaults.schedule.digest.expression()
        );
        assert_eq!(settings.digest.channel, defaults.digest.channel);
        assert_eq!(
            settings.schedule.catch_up_hours,
            defaults.schedule.catch_up_hours
        );
        assert_eq!(settings.delivery, defaults.delivery);
        assert_eq!(settings.health, defaults.health);
        assert_eq!(settings.backup, defaults.backup);
        assert_eq!(settings.purge, defaults.purge);
        assert_eq!(
            settings.commands.k_anonymity_floor,
            defaults.commands.k_anonymity_floor
        );
    }

    #[test]
    fn an_invalid_cron_expression_names_the_setting() {
        let file = write("[schedule]\nnudges = \"0 10 * * Mon\"\n");
        let err = Settings::load(Some(file.path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("schedule.nudges") || err.contains("nudges"),
            "{err}"
        );
        assert!(err.contains("seconds first"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn an_unknown_setting_is_refused_by_name() {
        let file = write("[rules]\ncadense_days = 30\n");
        let err = Settings::load(Some(file.path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("setting `rules.cadense_days`: unknown field"),
            "{err}"
        );
        assert!(err.contains("expected one of `half_life_days`"), "{err}");
    }

    #[test]
    fn broken_toml_names_the_line() {
        let file = write("[rules]\ncadence_weak_days = 30\n[schedule\n");
        let err = Settings::load(Some(file.path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn a_delivery_window_that_never_opens_is_refused() {
        let file = write("[rules]\nwindow_start_hour = 11\nwindow_end_hour = 10\n");
        let err = Settings::load(Some(file.path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rules.window_start_hour"), "{err}");
        let file = write("[rules]\nworking_days = []\n");
        let err = Settings::load(Some(file.path()), no_env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rules.working_days"), "{err}");
    }

    #[test]
    fn cadences_half_lives_and_weights_that_make_no_sense_are_refused() {
        let refused = |toml: &str| {
            Settings::load(Some(write(toml).path()), no_env)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused("[rules]\ncadence_strong_days = 0\n"),
            "setting `rules.cadence_strong_days`: must be at least 1 day and at most \
             `cadence_weak_days`, e.g. 30 and 90"
        );
        assert!(refused("[rules]\ncadence_strong_days = 100\n").contains("cadence_strong_days"));
        assert!(refused("[rules]\nhalf_life_days = 0.0\n").contains("rules.half_life_days"));
        assert!(refused("[rules]\nstrong_tie = 1.0\n").contains("rules.strong_tie"));
        assert!(refused("[rules.weights]\npassive = -1.0\n").contains("rules.weights"));
        assert!(refused("[rules]\ngap_boost = -0.5\n").contains("rules.gap_boost"));
        assert!(refused("[backup]\nkeep = 0\n").starts_with("setting `backup.keep`"));
        let off = write("[backup]\nevery_hours = 0\nkeep = 0\n");
        assert_eq!(
            Settings::load(Some(off.path()), no_env)
                .unwrap()
                .backup
                .every_hours,
            0
        );
        let err = refused("[rules.weights]\nlike = 1.0\n");
        assert!(err.contains("rules.weights.like"), "{err}");
    }

    #[test]
    fn the_environment_overrides_the_file_and_holds_the_token() {
        let env = |name: &str| match name {
            "ALLIANCES_SLACK_API_URL" => Some("http://127.0.0.1:9/api".to_owned()),
            BOT_TOKEN_VAR => Some("xoxb-secret".to_owned()),
            _ => None,
        };
        let settings = Settings::load(None, env).unwrap();
        assert_eq!(settings.slack.api_url, "http://127.0.0.1:9/api");
        let secrets = Secrets::from_env(env);
        assert!(secrets.bot_token.is_some());
        assert!(!format!("{secrets:?}").contains("xoxb-secret"));
    }

    #[test]
    fn secrets_lose_the_whitespace_around_them_and_blank_ones_are_missing() {
        use secrecy::ExposeSecret as _;
        let env = |name: &str| match name {
            SIGNING_SECRET_VAR => Some("8f14e45fceea167a\n".to_owned()),
            BOT_TOKEN_VAR => Some("  xoxb-1-2-3\r\n".to_owned()),
            APP_TOKEN_VAR => Some(" \n".to_owned()),
            _ => None,
        };
        let secrets = Secrets::from_env(env);
        let exposed =
            |secret: &Option<SecretString>| secret.as_ref().map(|s| s.expose_secret().to_owned());
        assert_eq!(
            exposed(&secrets.signing_secret).as_deref(),
            Some("8f14e45fceea167a")
        );
        assert_eq!(exposed(&secrets.bot_token).as_deref(), Some("xoxb-1-2-3"));
        assert_eq!(exposed(&secrets.app_token), None);
        assert_eq!(exposed(&secrets.insights_token), None);
    }

    #[test]
    fn a_teams_file_maps_ids_and_handles_to_teams() {
        let teams = TeamDirectory::parse(
            "[[team]]\nname = \"Payments\"\nmembers = [\"U1\", \"@alice\"]\n\
             [[team]]\nname = \"Platform\"\nmembers = [\"U2\"]\n",
        )
        .unwrap();
        let u1 = UserId::parse("U1").unwrap();
        let u9 = UserId::parse("U9").unwrap();
        assert_eq!(teams.team_of(&u1, "x").unwrap().as_str(), "Payments");
        assert_eq!(teams.team_of(&u9, "alice").unwrap().as_str(), "Payments");
        assert_eq!(teams.team_of(&u9, "bob"), None);
    }

    #[test]
    fn a_person_in_two_teams_is_refused() {
        let err = TeamDirectory::parse(
            "[[team]]\nname = \"A\"\nmembers = [\"U1\"]\n[[team]]\nname = \"B\"\nmembers = [\"U1\"]\n",
        )
        .unwrap_err();
        assert!(err.contains("U1"), "{err}");
    }

    #[test]
    fn the_example_teams_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/teams.example.toml");
        TeamDirectory::load(&path).unwrap();
    }
}
