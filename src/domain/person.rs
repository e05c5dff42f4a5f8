//! A person: a member of the workspace the bot may speak to or about.

use super::{TeamId, UserId};
use serde::{Deserialize, Serialize};

/// A Slack user of the workspace, as the bot knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their Slack id.
    pub id: UserId,
    /// The name people know them by (Slack's display or real name).
    pub name: String,
    /// The team they belong to, if the bot knows it.
    pub team: Option<TeamId>,
    /// Their IANA time zone from Slack (`Europe/Paris`), if known.
    pub tz: Option<String>,
    /// They asked never to be nudged, named or counted by name.
    pub opted_out: bool,
    /// Deactivated in Slack: never nudged, never nudged about.
    pub deactivated: bool,
}

impl Person {
    /// Whether the bot may nudge them or name them to others.
    pub fn reachable(&self) -> bool {
        !self.opted_out && !self.deactivated
    }
}
