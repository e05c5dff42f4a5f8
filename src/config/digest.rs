//! The `[digest]` section: where the channel digest goes and what it
//! carries.

use serde::Deserialize;
use std::str::FromStr;

/// The channel digest of new alliances: where it goes, and whether it
/// carries the team map.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestSettings {
    /// The channel it is posted in; `ALLIANCES_DIGEST_CHANNEL` overrides it.
    pub channel: DigestChannel,
    /// Whether the digest carries the team map, a picture of which teams
    /// have alliances with which (needs the `files:write` scope).
    pub team_map: bool,
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            channel: DigestChannel::default(),
            team_map: true,
        }
    }
}

/// The channel the digest is posted in, as the settings write it: a name
/// (`alliances`, `#alliances`) or an id (`C0123…`), never blank.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DigestChannel(String);

impl DigestChannel {
    /// The channel without the `#` people write before a name: how the
    /// Slack client looks it up.
    pub fn name(&self) -> &str {
        self.0.trim_start_matches('#')
    }
}

impl Default for DigestChannel {
    fn default() -> Self {
        Self("alliances".to_owned())
    }
}

impl TryFrom<String> for DigestChannel {
    type Error = &'static str;

    fn try_from(channel: String) -> Result<Self, Self::Error> {
        if channel.trim_start_matches('#').trim().is_empty() {
            Err("must name a channel, e.g. \"alliances\"")
        } else {
            Ok(Self(channel))
        }
    }
}

impl FromStr for DigestChannel {
    type Err = &'static str;

    fn from_str(channel: &str) -> Result<Self, Self::Err> {
        Self::try_from(channel.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_channel_names_a_channel_with_or_without_its_hash() {
        assert_eq!(
            "#alliances".parse::<DigestChannel>().unwrap().name(),
            "alliances"
        );
        assert_eq!("C0123".parse::<DigestChannel>().unwrap().name(), "C0123");
        for blank in ["", "#", "# ", "  "] {
            assert!(blank.parse::<DigestChannel>().is_err(), "{blank:?}");
        }
    }
}
