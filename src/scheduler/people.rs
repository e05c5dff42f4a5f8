//! The people job: who is in the workspace, their team and time zone.

use crate::config::TeamDirectory;
use crate::domain::Person;
use crate::slack::{SlackClient, SlackPerson};
use crate::store::{Store, StoreError};

/// Refreshes people from Slack's `users.list` (see [`record_member`]).
pub(super) async fn sync_people(
    store: &Store,
    slack: &SlackClient,
    teams: &TeamDirectory,
) -> anyhow::Result<String> {
    let listed = slack.list_people().await?;
    let (mut synced, mut without_team) = (0, 0);
    for member in listed {
        if let Some(person) = record_member(store, teams, member)? {
            synced += 1;
            without_team += usize::from(person.team.is_none() && !person.deactivated);
        }
    }
    let mut summary = format!("synced {synced} people");
    if without_team > 0 {
        summary.push_str(&format!(
            " ({without_team} without a team: add them to the teams file)"
        ));
    }
    Ok(summary)
}

/// Records what Slack says of a member: bots are left out; people
/// deactivated in Slack are kept as deactivated (never nudged, never named
/// in a nudge). A known person is updated in place, so what they chose in
/// the bot meanwhile (opting out, a snooze, a paused peer) is never
/// overwritten. Returns the person as stored, or `None` when left out.
pub(super) fn record_member(
    store: &Store,
    teams: &TeamDirectory,
    member: SlackPerson,
) -> Result<Option<Person>, StoreError> {
    if member.is_bot {
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
