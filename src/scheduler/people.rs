//! The people job: who is in the workspace, their team and time zone.

use crate::config::TeamDirectory;
use crate::domain::Person;
use crate::slack::SlackClient;
use crate::store::Store;

/// Refreshes people from Slack's `users.list`: bots are left out; people
/// deactivated in Slack are kept as deactivated (never nudged, never named
/// in a nudge); what people chose in the bot (opting out) is kept.
pub(super) async fn sync_people(
    store: &Store,
    slack: &SlackClient,
    teams: &TeamDirectory,
) -> anyhow::Result<String> {
    let listed = slack.list_people().await?;
    let mut people = Vec::with_capacity(listed.len());
    let mut without_team = 0;
    for member in listed.into_iter().filter(|m| !m.is_bot) {
        let known = store.person(&member.id)?;
        if member.deleted && known.is_none() {
            continue;
        }
        let team = teams
            .team_of(&member.id, &member.handle)
            .cloned()
            .or_else(|| known.as_ref().and_then(|k| k.team.clone()));
        without_team += usize::from(team.is_none() && !member.deleted);
        // What Slack says replaces what it said before; what the person chose
        // in the bot (opt-out, snooze, paused peers) stays.
        let mut person = known.unwrap_or_else(|| Person::new(member.id.clone(), &member.name));
        person.name = member.name;
        person.team = team;
        person.tz = member.tz;
        person.deactivated = member.deleted;
        people.push(person);
    }
    store.put_people(&people)?;
    let mut summary = format!("synced {} people", people.len());
    if without_team > 0 {
        summary.push_str(&format!(
            " ({without_team} without a team: add them to the teams file)"
        ));
    }
    Ok(summary)
}
