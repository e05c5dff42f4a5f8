//! The people job: who is in the workspace, their team and time zone.

use crate::config::Teams;
use crate::domain::{Person, TeamId};
use crate::slack::{SlackClient, SlackPerson};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// Who is in which team now, from `teams` as configured: the list it is,
/// the teams file read, or Slack asked where the teams live there.
async fn listed(
    teams: &Teams,
    slack: &SlackClient,
    members: &[SlackPerson],
) -> anyhow::Result<Teams> {
    match teams {
        Teams::Listed(_) => Ok(teams.clone()),
        Teams::File(_) => Ok(teams.clone().read_file()?),
        Teams::ProfileField(label) => {
            let Some(field) = slack.profile_field_id(label).await? else {
                tracing::warn!(
                    label,
                    "the workspace has no profile field with this label: nobody has a team"
                );
                return Ok(Teams::listed([]));
            };
            let mut listed = Vec::new();
            for member in members.iter().filter(|m| !m.is_bot && !m.deleted) {
                if let Some(team) = slack.profile_field(&member.id, &field).await? {
                    match TeamId::parse(&team) {
                        Ok(team) => listed.push((member.id.to_string(), team)),
                        Err(err) => {
                            tracing::warn!(user = %member.id, error = %err, "an unusable team name")
                        }
                    }
                }
            }
            Ok(Teams::listed(listed))
        }
        Teams::Usergroups(prefix) => {
            // A person in several team groups belongs to the first by name.
            let mut listed: BTreeMap<String, TeamId> = BTreeMap::new();
            let mut groups = slack.user_groups().await?;
            groups.retain(|g| g.handle.starts_with(prefix.as_str()));
            groups.sort_by(|a, b| a.name.cmp(&b.name));
            for group in groups {
                let Ok(team) = TeamId::parse(&group.name) else {
                    continue;
                };
                for member in group.members {
                    listed
                        .entry(member.to_string())
                        .or_insert_with(|| team.clone());
                }
            }
            Ok(Teams::listed(listed))
        }
    }
}

/// Refreshes people and their teams from Slack (see [`record_member`]) and
/// returns the list of teams it used, with a line saying what it did.
pub(super) async fn sync_people(
    store: &Store,
    slack: &SlackClient,
    teams: &Teams,
) -> anyhow::Result<(Teams, String)> {
    let members = slack.list_people().await?;
    let teams = listed(teams, slack, &members).await?;
    let (mut synced, mut without_team) = (0, 0);
    for member in members {
        if let Some(person) = record_member(store, &teams, member)? {
            synced += 1;
            without_team += usize::from(person.team.is_none() && !person.deactivated);
        }
    }
    let mut summary = format!("synced {synced} people");
    if without_team > 0 {
        summary.push_str(&format!(" ({without_team} without a team)"));
    }
    Ok((teams, summary))
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
    teams: &Teams,
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
        let teams = Teams::listed([("U1".to_owned(), TeamId::parse("Payments").unwrap())]);
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
        let teams = Teams::listed([("UADA".to_owned(), TeamId::parse("Payments").unwrap())]);
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
