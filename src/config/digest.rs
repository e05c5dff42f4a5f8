//! The `[digest]` section: where the channel digest goes and what it
//! carries.

use serde::Deserialize;

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
