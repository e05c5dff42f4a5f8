//! The `[leaders]` section: who leads, as Slack's user groups say. The
//! teams file may say it too (its `leaders`, and each team's `leads`); the
//! people sync joins the two (see [`super::Roster`]).

use super::section::section;
use crate::domain::TeamId;
use serde::Deserialize;
use std::collections::BTreeMap;

section! {
    /// Where the bot learns who leads, and what it expects of a leader.
    #[derive(PartialEq, Eq)]
    pub struct LeaderSettings {
        /// The handle of the user group of the company's leaders
        /// (`leadership`), if leaders come from Slack.
        pub usergroup: Option<UsergroupHandle> = None,
        /// Each team's leads, as the handle of a user group per team
        /// (`Engineering = "eng-managers"`).
        pub lead_usergroups: BTreeMap<TeamId, UsergroupHandle> = BTreeMap::new(),
        /// A leader whose live alliances reach fewer other teams than this
        /// is warned, kindly; 0 turns the warning off.
        pub min_teams: u32 = 3,
    }
}

impl LeaderSettings {
    /// Whether the people sync must read Slack's user groups to know who
    /// leads.
    pub fn reads_usergroups(&self) -> bool {
        self.usergroup.is_some() || !self.lead_usergroups.is_empty()
    }
}

/// A user group's handle as people write it, with or without `@`
/// (`@leadership`), kept without it; never blank.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct UsergroupHandle(String);

impl UsergroupHandle {
    /// The handle without `@`, as Slack lists it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UsergroupHandle {
    type Error = &'static str;

    fn try_from(handle: String) -> Result<Self, Self::Error> {
        match handle.trim().trim_start_matches('@') {
            "" => Err("must be a user group's handle, e.g. \"leadership\""),
            handle => Ok(Self(handle.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(toml: &str) -> Result<LeaderSettings, toml::de::Error> {
        toml::from_str(toml)
    }

    #[test]
    fn leaders_come_from_no_user_group_until_one_is_named() {
        let none = section("").unwrap();
        assert!(!none.reads_usergroups());
        assert_eq!(none.min_teams, 3);

        let named = section(
            "usergroup = \"@leadership\"\n[lead_usergroups]\nEngineering = \"eng-managers\"\n",
        )
        .unwrap();
        assert!(named.reads_usergroups());
        assert_eq!(named.usergroup.unwrap().as_str(), "leadership");
        let engineering = TeamId::parse("Engineering").unwrap();
        assert_eq!(named.lead_usergroups[&engineering].as_str(), "eng-managers");
    }

    #[test]
    fn a_blank_handle_is_refused_with_an_example() {
        let err = section("usergroup = \" @ \"").unwrap_err().to_string();
        assert!(err.contains("e.g. \"leadership\""), "{err}");
    }
}
