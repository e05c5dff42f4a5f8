//! The `[digest]` section: where the channel digest goes and what it
//! carries.

use super::section::section;
use crate::domain::checked;

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
checked! {
    /// The channel the digest is posted in, as the settings write it: a name
    /// (`alliances`, `#alliances`) or an id (`C0123…`), never blank.
    #[derive(Eq)]
    pub struct DigestChannel(String)
        if |channel| !channel.trim_start_matches('#').trim().is_empty();
    else "must name a channel, e.g. \"alliances\""
}

impl DigestChannel {
    /// The channel without the `#` people write before a name: how the
    /// Slack client looks it up.
    pub fn name(&self) -> &str {
        self.0.trim_start_matches('#')
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
