//! The `[digest]` section: where the channel digest goes and what it
//! carries.

use super::section::section;
use serde::Deserialize;

section! {
    /// The channel digest of new alliances: where it goes, and whether it
    /// carries the team map.
    pub struct DigestSettings {
        /// The channel it is posted in; `ALLIANCES_DIGEST_CHANNEL` overrides it.
        pub channel: DigestChannel = DigestChannel("alliances".to_owned()),
        /// Whether the digest carries the team map, a picture of which teams
        /// have alliances with which (needs the `files:write` scope).
        pub team_map: bool = true,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_channel_names_a_channel_with_or_without_its_hash() {
        assert_eq!(
            DigestChannel::try_from("#alliances".to_owned())
                .unwrap()
                .name(),
            "alliances"
        );
        assert_eq!(
            DigestChannel::try_from("C0123".to_owned()).unwrap().name(),
            "C0123"
        );
        for blank in ["", "#", "# ", "  "] {
            assert!(
                DigestChannel::try_from(blank.to_owned()).is_err(),
                "{blank:?}"
            );
        }
    }
}
