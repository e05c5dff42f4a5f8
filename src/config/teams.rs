//! The `[teams]` section and the teams file: where people's teams come
//! from.

use super::{ConfigError, parse_toml};
use crate::domain::{TeamId, UserId};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
