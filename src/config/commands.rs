//! The `[commands]` and `[events]` sections: what the bot does with what
//! people send it, slash commands and Slack's events.

use super::section::{at_least_one, count, section};
use crate::domain::UserId;
use serde::Deserializer;
use std::num::NonZeroU32;

section! {
    /// The slash commands: how far back `/met` reaches, who is an admin, the
    /// k-anonymity floor, and each person's hourly limits.
    pub struct CommandSettings {
        /// `/met` accepts meetings up to this many days back.
        #[serde(deserialize_with = "days_back")]
        pub history_window_days: NonZeroU32 = const { count(365) },
        /// Slack user ids of the people who may use the admin subcommands
        /// (`digest now`, `tick dry-run`).
        pub admins: Vec<UserId> = Vec::new(),
        /// Teams are shown (`/alliances stats`, the digest's bridges, team
        /// lines, team pairs and people's teams, the insights page, the team
        /// map) only when they have at least this many active people.
        pub k_anonymity_floor: u32 = 5,
        /// `/met` logs a meeting with at most this many other people.
        pub met_max_people: NonZeroU32 = const { count(10) },
        /// One person may log at most this many meetings an hour.
        pub met_per_hour: NonZeroU32 = const { count(60) },
        /// One person may make at most this many introductions an hour.
        pub intros_per_hour: NonZeroU32 = const { count(10) },
        /// The same two people are introduced at most once in this many days,
        /// whoever asks; 0 lets a pair be introduced again at once.
        pub intro_cooldown_days: u32 = 30,
    }
}

/// Reads `commands.history_window_days`, refusing 0 with the fix.
fn days_back<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NonZeroU32, D::Error> {
    at_least_one::<_, u32, _>(deserializer, "must be at least 1 day, e.g. 365")
}

section! {
    /// What the bot does with Slack's events.
    pub struct EventSettings {
        /// Count an @mention or a thread reply between people of different
        /// teams, in channels the bot is in, as a weak interaction (metadata
        /// only: never the message text). Off unless the workspace opts in.
        pub passive_signals: bool = false,
        /// Delete everything when the app is uninstalled (but the newest
        /// backup, for `purge.grace_days`). A revoked token deletes nothing.
        pub purge_on_uninstall: bool = true,
    }
}
