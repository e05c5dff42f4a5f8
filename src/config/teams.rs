//! The `[teams]` section and the teams file: where people's teams come
//! from, as one [`Teams`] value, and once listed, who is in which team and
//! who leads, as a [`Roster`].

use super::section::section;
use super::{ConfigError, parse_toml, read_and_parse};
use crate::domain::{Roles, TeamId, UserId};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Where people's teams come from (the `[teams]` settings) and, once they
/// are listed, who is in which. The people job turns each kind into a
/// list: it reads the file, or asks Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Teams {
    /// A teams file (see `config/teams.example.toml`), not read yet: for
    /// Free plans and the demo. [`Teams::read_file`] reads it at start-up,
    /// so that a broken one stops the bot from starting.
    File(PathBuf),
    /// Who is in which team and who leads: a teams file, read, or what
    /// Slack said at the last people sync.
    Listed(Roster),
    /// The custom profile field with this label names each person's team:
    /// one `users.profile.get` per person per people sync.
    ProfileField(String),
    /// Each user group whose handle starts with this prefix (`team-`) is a
    /// team.
    Usergroups(String),
}

impl Default for Teams {
    /// The profile field labelled "Team".
    fn default() -> Self {
        Self::ProfileField("Team".to_owned())
    }
}

impl Teams {
    /// These members (Slack ids or handles) in these teams, nobody leading.
    pub fn listed(members: impl IntoIterator<Item = (String, TeamId)>) -> Self {
        Self::Listed(Roster::of_teams(members))
    }

    /// The same teams with the teams file read into a list; teams that
    /// come from elsewhere are returned as they are.
    pub fn read_file(self) -> Result<Self, ConfigError> {
        match self {
            Self::File(path) => Roster::read(&path).map(Self::Listed),
            teams => Ok(teams),
        }
    }

    /// Parses the text of a teams file into a list.
    pub fn parse(text: &str) -> Result<Self, String> {
        Roster::parse(text).map(Self::Listed)
    }

    /// The team of the person with this id or handle, when the list has
    /// them; nobody's before the teams are listed.
    pub fn team_of(&self, id: &UserId, handle: &str) -> Option<&TeamId> {
        let Self::Listed(roster) = self else {
            return None;
        };
        roster.team_of(id, handle)
    }
}

/// Who is in which team, and who leads, keyed by Slack user id or handle:
/// what the people sync records on each person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    teams: HashMap<String, TeamId>,
    leaders: HashSet<String>,
    leads: HashMap<String, TeamId>,
}

impl Roster {
    /// Reads the teams file at `path`.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        read_and_parse(path, Self::parse)
    }

    /// Parses the text of a teams file.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: TeamsFile = parse_toml(text)?;
        let mut roster = Roster {
            leaders: file.leaders.iter().map(|m| member_key(m)).collect(),
            ..Roster::default()
        };
        for entry in &file.team {
            let team = TeamId::parse(&entry.name)
                .map_err(|err| format!("team `{}`: {err}", entry.name))?;
            for member in &entry.members {
                let member = member_key(member);
                if let Some(other) = roster.teams.insert(member.clone(), team.clone())
                    && other != team
                {
                    return Err(format!(
                        "`{member}` is listed in both `{other}` and `{team}`"
                    ));
                }
            }
            for lead in &entry.leads {
                let lead = member_key(lead);
                if let Some(other) = roster.leads.insert(lead.clone(), team.clone())
                    && other != team
                {
                    return Err(format!("`{lead}` is a lead of both `{other}` and `{team}`"));
                }
            }
        }
        // A lead no team lists as a member belongs to the team they lead.
        for (lead, team) in &roster.leads {
            roster
                .teams
                .entry(lead.clone())
                .or_insert_with(|| team.clone());
        }
        Ok(roster)
    }

    /// These members (Slack ids or handles) in these teams, nobody leading.
    pub fn of_teams(members: impl IntoIterator<Item = (String, TeamId)>) -> Self {
        Self {
            teams: members.into_iter().collect(),
            ..Self::default()
        }
    }

    /// The team of the person with this id or handle, if listed.
    pub fn team_of(&self, id: &UserId, handle: &str) -> Option<&TeamId> {
        self.teams
            .get(id.as_str())
            .or_else(|| self.teams.get(handle))
    }

    /// Whether the person with this id or handle leads, and which team.
    pub fn roles_of(&self, id: &UserId, handle: &str) -> Roles {
        Roles {
            leader: self.leaders.contains(id.as_str()) || self.leaders.contains(handle),
            leads: self
                .leads
                .get(id.as_str())
                .or_else(|| self.leads.get(handle))
                .cloned(),
        }
    }

    /// Adds these people (Slack ids or handles) to the leaders.
    pub fn add_leaders(&mut self, members: impl IntoIterator<Item = String>) {
        self.leaders.extend(members);
    }

    /// Makes these people (Slack ids or handles) leads of `team`, unless
    /// they already lead another.
    pub fn add_leads(&mut self, team: &TeamId, members: impl IntoIterator<Item = String>) {
        for member in members {
            self.leads.entry(member).or_insert_with(|| team.clone());
        }
    }

    /// How many people lead: leaders, and leads of a team. Only the tests
    /// ask.
    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize) {
        (self.leaders.len(), self.leads.len())
    }
}

/// A member as a teams file may write them (`U0123`, `@alice`, `alice`),
/// as the roster keys them.
fn member_key(member: &str) -> String {
    member.trim().trim_start_matches('@').to_owned()
}

section! {
    /// `[teams]` as the config file writes it.
    pub(super) struct TeamsSection {
        /// When not set, the teams file if one is given, else the profile field.
        source: Option<Source> = None,
        /// Resolved against the config file's folder when relative.
        file: Option<PathBuf> = None,
        profile_field_label: String = "Team".to_owned(),
        usergroup_prefix: String = String::new(),
    }
}

/// The names `teams.source` takes.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    File,
    ProfileField,
    Usergroups,
}

impl TeamsSection {
    /// Takes a relative teams file from `folder`, the config file's.
    pub(super) fn resolve_file_in(&mut self, folder: &Path) {
        self.file = self.file.as_ref().map(|file| folder.join(file));
    }

    /// The teams these settings name, once a source of `file` has a file.
    pub(super) fn teams(self) -> Result<Teams, ConfigError> {
        match (self.source, self.file) {
            (None | Some(Source::File), Some(file)) => Ok(Teams::File(file)),
            (Some(Source::File), None) => Err(ConfigError::invalid(
                "teams.file",
                "must name a teams file when `teams.source` is \"file\", e.g. \"teams.toml\"",
            )),
            (None | Some(Source::ProfileField), _) => {
                Ok(Teams::ProfileField(self.profile_field_label))
            }
            (Some(Source::Usergroups), _) => Ok(Teams::Usergroups(self.usergroup_prefix)),
        }
    }
}

/// A teams file: the company's `leaders`, and `[[team]]` tables of a
/// name, members and leads.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct TeamsFile {
    leaders: Vec<String>,
    team: Vec<TeamEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamEntry {
    name: String,
    members: Vec<String>,
    #[serde(default)]
    leads: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teams_file_maps_ids_and_handles_to_teams() {
        let teams = Teams::parse(
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
    fn a_teams_file_names_the_leaders_and_each_team_s_leads() {
        let teams = Teams::parse(
            "leaders = [\"U1\", \"@grace\"]\n\
             [[team]]\nname = \"Payments\"\nmembers = [\"U1\", \"U2\"]\nleads = [\"U2\", \"@hedy\"]\n",
        )
        .unwrap();
        let Teams::Listed(roster) = teams else {
            panic!("a list: {teams:?}");
        };
        let payments = TeamId::parse("Payments").unwrap();
        let role = |id: &str, handle| roster.roles_of(&UserId::parse(id).unwrap(), handle);
        assert_eq!(
            role("U1", "ada"),
            Roles {
                leader: true,
                leads: None
            }
        );
        assert_eq!(
            role("U9", "grace"),
            Roles {
                leader: true,
                leads: None
            }
        );
        assert_eq!(
            role("U2", "x"),
            Roles {
                leader: false,
                leads: Some(payments.clone())
            }
        );
        assert_eq!(role("U3", "bob"), Roles::default());
        let hedy = UserId::parse("U7").unwrap();
        assert_eq!(
            roster.team_of(&hedy, "hedy"),
            Some(&payments),
            "a lead no team lists belongs to the team they lead"
        );
    }

    #[test]
    fn a_lead_of_two_teams_is_refused() {
        let err = Teams::parse(
            "[[team]]\nname = \"A\"\nmembers = []\nleads = [\"U1\"]\n\
             [[team]]\nname = \"B\"\nmembers = []\nleads = [\"U1\"]\n",
        )
        .unwrap_err();
        assert!(err.contains("a lead of both"), "{err}");
    }

    #[test]
    fn a_person_in_two_teams_is_refused() {
        let err = Teams::parse(
            "[[team]]\nname = \"A\"\nmembers = [\"U1\"]\n[[team]]\nname = \"B\"\nmembers = [\"U1\"]\n",
        )
        .unwrap_err();
        assert!(err.contains("U1"), "{err}");
    }

    #[test]
    fn the_example_teams_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/teams.example.toml");
        let teams = Teams::File(path).read_file().unwrap();
        assert!(matches!(teams, Teams::Listed(roster) if roster.counts() != (0, 0)));
    }

    #[test]
    fn the_teams_section_names_one_source() {
        let section = |toml: &str| {
            let mut section: TeamsSection = toml::from_str(toml).unwrap();
            section.resolve_file_in(Path::new("/etc/alliances"));
            section.teams()
        };
        assert_eq!(section("").unwrap(), Teams::default());
        assert_eq!(
            section("file = \"teams.toml\"").unwrap(),
            Teams::File(PathBuf::from("/etc/alliances/teams.toml"))
        );
        assert_eq!(
            section("source = \"usergroups\"\nusergroup_prefix = \"team-\"").unwrap(),
            Teams::Usergroups("team-".to_owned())
        );
        let err = section("source = \"file\"").unwrap_err().to_string();
        assert!(err.starts_with("setting `teams.file`"), "{err}");
    }

    #[test]
    fn teams_not_listed_yet_know_nobody_s_team() {
        let u1 = UserId::parse("U1").unwrap();
        assert_eq!(Teams::default().team_of(&u1, "u1"), None);
        let file = Teams::File(PathBuf::from("teams.toml"));
        assert_eq!(file.team_of(&u1, "u1"), None);
        let usergroups = Teams::Usergroups("team-".to_owned());
        assert_eq!(usergroups.clone().read_file().unwrap(), usergroups);
    }
}
