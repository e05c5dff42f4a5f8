//! The people job: who is in the workspace, their team and time zone.

use crate::config::{TeamDirectory, TeamSettings, TeamSource};
use crate::domain::{Person, TeamId};
use crate::slack::{SlackClient, SlackPerson};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// Where the people job reads teams from, as configured.
#[derive(Debug, Clone)]
pub enum TeamOrigin {
    /// The teams file, read at start-up.
    File(TeamDirectory),
    /// The custom profile field with this label.
    ProfileField(String),
    /// User groups whose handle starts with this prefix.
    UserGroups(String),
}

impl TeamOrigin {
    /// The origin the settings name; the teams file is read now, so that a
    /// broken one stops start-up.
    pub fn from_settings(teams: &TeamSettings) -> Result<Self, crate::config::ConfigError> {
        Ok(match teams.source() {
            TeamSource::File => match &teams.file {
                Some(path) => Self::File(TeamDirectory::load(path)?),
                None => Self::File(TeamDirectory::default()),
            },
            TeamSource::ProfileField => Self::ProfileField(teams.profile_field_label.clone()),
            TeamSource::Usergroups => Self::UserGroups(teams.usergroup_prefix.clone()),
        })
    }

    /// Who is in which team now, asking Slack where the teams live there.
    async fn directory(
        &self,
        slack: &SlackClient,
        members: &[SlackPerson],
    ) -> anyhow::Result<TeamDirectory> {
        match self {
            Self::File(directory) => Ok(directory.clone()),
            Self::ProfileField(label) => {
                let Some(field) = slack.profile_field_id(label).await? else {
                    tracing::warn!(
                        label,
                        "the workspace has no profile field with this label: nobody has a team"
                    );
                    return Ok(TeamDirectory::default());
                };
                let mut teams = Vec::new();
                for member in members.iter().filter(|m| !m.is_bot && !m.deleted) {
                    if let Some(team) = slack.profile_field(&member.id, &field).await? {
                        match TeamId::parse(&team) {
                            Ok(team) => teams.push((member.id.to_string(), team)),
                            Err(err) => {
                                tracing::warn!(user = %member.id, error = %err, "an unusable team name")
                            }
                        }
                    }
                }
                Ok(TeamDirectory::from_members(teams))
            }
            Self::UserGroups(prefix) => {
                // A person in several team groups belongs to the first by name.
                let mut teams: BTreeMap<String, TeamId> = BTreeMap::new();
                let mut groups = slack.user_groups().await?;
                groups.retain(|g| g.handle.starts_with(prefix.as_str()));
                groups.sort_by(|a, b| a.name.cmp(&b.name));
                for group in groups {
                    let Ok(team) = TeamId::parse(&group.name) else {
                        continue;
                    };
                    for member in group.members {
                        teams
                            .entry(member.to_string())
                            .or_insert_with(|| team.clone());
                    }
                }
                Ok(TeamDirectory::from_members(teams))
            }
        }
    }
}

/// Refreshes people and their teams from Slack (see [`record_member`]) and
/// returns the directory it used, with a line saying what it did.
pub(super) async fn sync_people(
    store: &Store,
    slack: &SlackClient,
    origin: &TeamOrigin,
) -> anyhow::Result<(TeamDirectory, String)> {
    let listed = slack.list_people().await?;
    let directory = origin.directory(slack, &listed).await?;
    let (mut synced, mut without_team) = (0, 0);
    for member in listed {
        if let Some(person) = record_member(store, &directory, member)? {
            synced += 1;
            without_team += usize::from(person.team.is_none() && !person.deactivated);
        }
    }
    let mut summary = format!("synced {synced} people");
    if without_team > 0 {
        summary.push_str(&format!(" ({without_team} without a team)"));
    }
    Ok((directory, summary))
}

/// Records what Slack says of a member: bots are left out, and so are
/// people who asked to be forgotten (until they opt in again: nothing of
/// them, not even their name, is stored); people deactivated in Slack are
/// kept as deactivated (never nudged, never named in a nudge). A known
/// person is updated in place, so what they chose in the bot meanwhile
/// (opting out, a snooze, a paused peer) is never overwritten. Returns the
/// person as stored, or `None` when left out.
pub(super) fn record_member(
    store: &Store,
    teams: &TeamDirectory,
    member: SlackPerson,
) -> Result<Option<Person>, StoreError> {
    if member.is_bot || store.is_forgotten(&member.id)? {
        return Ok(None);
    }
    let listed_team = teams.team_of(&member.id, &member.handle).cloned();
    let updated = store.update_person(&member.id, |person| {
        person.name = member.name.clone();
        person.tz = member.tz.clone();
        person.deactivated = member.deleted;
        if listed_team.is_some() {
            person.team = listed_team.clone();
        }
    })?;
    match updated {
        Some(person) => Ok(Some(person)),
        // Deactivated before the bot ever saw them: nothing to keep.
        None if member.deleted => Ok(None),
        None => {
            let mut person = Person::new(member.id, member.name);
            person.tz = member.tz;
            person.team = listed_team;
            store.put_person(&person)?;
            Ok(Some(person))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::store::StoreOptions;

    #[test]
    fn a_sync_updates_what_slack_knows_and_keeps_what_the_person_chose() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = UserId::parse("U1").unwrap();
        let mut ada = Person::new(id.clone(), "Ada");
        ada.opted_out = true;
        ada.shoutouts = true;
        ada.paused.insert(UserId::parse("U2").unwrap());
        store.put_person(&ada).unwrap();

        let member = SlackPerson {
            id: id.clone(),
            handle: "ada.l".to_owned(),
            name: "Ada Lovelace".to_owned(),
            tz: Some("Europe/London".to_owned()),
            is_bot: false,
            deleted: false,
        };
        let teams =
            TeamDirectory::from_members([("U1".to_owned(), TeamId::parse("Payments").unwrap())]);
        let synced = record_member(&store, &teams, member).unwrap().unwrap();

        assert_eq!(synced.name, "Ada Lovelace");
        assert_eq!(synced.team, Some(TeamId::parse("Payments").unwrap()));
        assert!(synced.opted_out && synced.shoutouts);
        assert_eq!(synced.paused, ada.paused);
        assert_eq!(store.person(&id).unwrap(), Some(synced));
    }

    #[test]
    fn a_forgotten_member_is_brought_back_neither_by_a_sync_nor_by_a_profile_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = UserId::parse("UADA").unwrap();
        store.put_person(&Person::new(id.clone(), "Ada")).unwrap();
        store.forget_person(&id).unwrap();
        let teams =
            TeamDirectory::from_members([("UADA".to_owned(), TeamId::parse("Payments").unwrap())]);
        let member = |deleted| SlackPerson {
            id: id.clone(),
            handle: "ada.l".to_owned(),
            name: "Ada Lovelace".to_owned(),
            tz: Some("Europe/London".to_owned()),
            is_bot: false,
            deleted,
        };

        for deleted in [false, true, false] {
            assert_eq!(
                record_member(&store, &teams, member(deleted)).unwrap(),
                None
            );
        }
        assert_eq!(store.person(&id).unwrap(), None);
        assert!(store.people().unwrap().is_empty());
    }
}
