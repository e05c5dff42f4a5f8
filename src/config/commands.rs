//! The `[commands]` and `[events]` sections: what the bot does with what
//! people send it, slash commands and Slack's events.

use super::count::{at_least_one, count};
use crate::domain::UserId;
use serde::{Deserialize, Deserializer};
use std::num::NonZeroU32;

/// The slash commands: how far back `/met` reaches, who is an admin, the
/// k-anonymity floor, and each person's hourly limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandSettings {
    /// `/met` accepts meetings up to this many days back.
    #[serde(deserialize_with = "days_back")]
    pub history_window_days: NonZeroU32,
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

impl Default for CommandSettings {
    fn default() -> Self {
        Self {
            history_window_days: const { count(365) },
            admins: Vec::new(),
            k_anonymity_floor: 5,
            met_max_people: const { count(10) },
            met_per_hour: const { count(60) },
            intros_per_hour: const { count(10) },
            intro_cooldown_days: 30,
        }
    }
}

/// Reads `commands.history_window_days`, refusing 0 with the fix.
fn days_back<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NonZeroU32, D::Error> {
    at_least_one::<_, u32, _>(deserializer, "must be at least 1 day, e.g. 365")
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
