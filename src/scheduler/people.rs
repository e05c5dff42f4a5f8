//! The people job: who is in the workspace, their team, their time zone
//! and whether they lead.

use crate::calendars::CalendarKey;
use crate::config::{LeaderSettings, Roster, Teams};
use crate::domain::{Person, Roles, TeamId, number, plural};
use crate::slack::{SlackClient, SlackPerson, UserGroup};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// Who is in which team now, and who leads: the teams from `teams` as
/// configured (the list it is, the teams file read, or Slack asked where
/// the teams live there), the leaders and leads from the teams file and
/// the user groups `leaders` names.
async fn listed(
    teams: &Teams,
    leaders: &LeaderSettings,
    slack: &SlackClient,
    members: &[SlackPerson],
) -> anyhow::Result<Teams> {
    let reads_groups = leaders.reads_usergroups() || matches!(teams, Teams::Usergroups(_));
    let groups = if reads_groups {
        slack.user_groups().await?
    } else {
        Vec::new()
    };
    let mut roster = listed_teams(teams, slack, members, &groups).await?;
    add_leaders(&mut roster, leaders, &groups);
    Ok(Teams::Listed(roster))
}

/// Adds to `roster` the members of the user groups `leaders` names, by
/// handle; a group the workspace does not have is said in the log.
fn add_leaders(roster: &mut Roster, leaders: &LeaderSettings, groups: &[UserGroup]) {
    let members = |handle: &str| {
        let group = groups.iter().find(|g| g.handle == handle);
        if group.is_none() {
            tracing::warn!(
                handle,
                "the workspace has no user group with this handle: nobody leads from it"
            );
        }
        group
            .into_iter()
            .flat_map(|g| g.members.iter().map(ToString::to_string))
    };
    if let Some(handle) = &leaders.usergroup {
        roster.add_leaders(members(handle.as_str()));
    }
    for (team, handle) in &leaders.lead_usergroups {
        roster.add_leads(team, members(handle.as_str()));
    }
}

/// Who is in which team now, from `teams` as configured; `groups` are the
/// workspace's user groups, when `teams` takes them.
async fn listed_teams(
    teams: &Teams,
    slack: &SlackClient,
    members: &[SlackPerson],
    groups: &[UserGroup],
) -> anyhow::Result<Roster> {
    match teams {
        Teams::Listed(roster) => Ok(roster.clone()),
        Teams::File(path) => Ok(Roster::read(path)?),
        Teams::ProfileField(label) => {
            let Some(field) = slack.profile_field_id(label).await? else {
                tracing::warn!(
                    label,
                    "the workspace has no profile field with this label: nobody has a team"
                );
                return Ok(Roster::default());
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
            Ok(Roster::of_teams(listed))
        }
        Teams::Usergroups(prefix) => {
            // A person in several team groups belongs to the first by name.
            let mut listed: BTreeMap<String, TeamId> = BTreeMap::new();
            let mut groups: Vec<&UserGroup> = groups
                .iter()
                .filter(|g| g.handle.starts_with(prefix.as_str()))
                .collect();
            groups.sort_by(|a, b| a.name.cmp(&b.name));
            for group in groups {
                let Ok(team) = TeamId::parse(&group.name) else {
                    continue;
                };
                for member in &group.members {
                    listed
                        .entry(member.to_string())
                        .or_insert_with(|| team.clone());
                }
            }
            Ok(Roster::of_teams(listed))
        }
    }
}

/// What a member is recorded against: who is in which team and who leads,
/// as far as this process knows, and whether that says all of who leads.
///
/// A sync reads everything; between syncs, the people Slack reports one by
/// one (`team_join`, `user_change`) are recorded against what the last
/// sync read. Before this process's first sync only the teams file is
/// known, and leaders from Slack's user groups are not in it: a leader
/// whose profile changes then must not lose the role the last sync (of an
/// earlier run) recorded, so the roles stored are kept and the file's
/// added.
#[derive(Debug, Clone)]
pub(super) struct KnownRoster {
    teams: Teams,
    says_who_leads: bool,
}

impl KnownRoster {
    /// What a sync read: its word on who leads is the last.
    pub(super) fn synced(teams: Teams) -> Self {
        Self {
            teams,
            says_who_leads: true,
        }
    }

    /// What is known before this process's first sync, from the teams as
    /// configured (`origin`) and where leaders come from: a teams file read
    /// at start-up says who leads unless some do by a user group; any other
    /// origin says nothing yet.
    pub(super) fn before_a_sync(origin: &Teams, leaders: &LeaderSettings) -> Self {
        match origin {
            Teams::Listed(_) => Self {
                teams: origin.clone(),
                says_who_leads: !leaders.reads_usergroups(),
            },
            _ => Self {
                teams: Teams::listed([]),
                says_who_leads: false,
            },
        }
    }

    /// The roles of `member`, whose roles stored are `stored`.
    fn roles_of(&self, member: &SlackPerson, stored: &Roles) -> Roles {
        let listed = match &self.teams {
            Teams::Listed(roster) => roster.roles_of(&member.id, &member.handle),
            _ => Roles::default(),
        };
        if self.says_who_leads {
            return listed;
        }
        Roles {
            leader: listed.leader || stored.leader,
            leads: listed.leads.or_else(|| stored.leads.clone()),
        }
    }
}

/// Refreshes people and their teams from Slack (see [`record_member`]) and
/// returns what it read, with a line saying what it did.
pub(super) async fn sync_people(
    store: &Store,
    slack: &SlackClient,
    teams: &Teams,
    leaders: &LeaderSettings,
    emails: Option<&CalendarKey>,
) -> anyhow::Result<(KnownRoster, String)> {
    let members = slack.list_people().await?;
    let teams = KnownRoster::synced(listed(teams, leaders, slack, &members).await?);
    let (mut synced, mut without_team, mut leading, mut leads) = (0, 0, 0, 0);
    for member in members {
        if let Some(person) = record_member(store, &teams, member, emails).await? {
            synced += 1;
            if !person.deactivated {
                without_team += usize::from(person.team.is_none());
                leading += usize::from(person.roles.leader);
                leads += usize::from(person.roles.leads.is_some());
            }
        }
    }
    let mut summary = format!("synced {} people", number(synced));
    if without_team > 0 {
        summary.push_str(&format!(" ({} without a team)", number(without_team)));
    }
    if leading + leads > 0 {
        summary.push_str(&format!(
            "; {}, {} of a team",
            plural(leading, "leader", "leaders"),
            plural(leads, "lead", "leads")
        ));
    }
    Ok((teams, summary))
}

/// Records what Slack says of a member: bots are left out, and so are
/// people who asked to be forgotten (until they opt in again: nothing of
/// them, not even their name, is stored); people deactivated in Slack are
/// kept as deactivated (never nudged, never named in a nudge). A known
/// person is updated in place, so what they chose in the bot meanwhile
/// (opting out, a snooze, a paused peer) is never overwritten; whether
/// they lead is the roster's to say when it knows (see [`KnownRoster`]).
/// Their email is kept only as its hash under `emails`, the operator's
/// key, and not at all without one. Returns the person as stored, or
/// `None` when left out.
pub(super) async fn record_member(
    store: &Store,
    known: &KnownRoster,
    member: SlackPerson,
    emails: Option<&CalendarKey>,
) -> Result<Option<Person>, StoreError> {
    if member.is_bot || store.is_forgotten(&member.id).await? {
        return Ok(None);
    }
    let listed_team = known.teams.team_of(&member.id, &member.handle).cloned();
    let email = member
        .email
        .as_deref()
        .zip(emails)
        .map(|(email, key)| key.email_hash(email));
    let change = |person: &mut Person| {
        person.name = member.name.clone();
        person.tz = member.tz.clone();
        person.deactivated = member.deleted;
        person.email = email;
        person.roles = known.roles_of(&member, &person.roles);
        if listed_team.is_some() {
            person.team = listed_team.clone();
        }
    };
    if member.deleted {
        // Deactivated before the bot ever saw them: nothing to keep.
        return store.update_person(&member.id, change).await;
    }
    // Forgotten since the look above: left out after all (`None`).
    let fresh = Person::new(member.id.clone(), member.name.clone());
    store.change_or_add_person(fresh, change).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::store::StoreOptions;

    #[tokio::test]
    async fn a_sync_updates_what_slack_knows_and_keeps_what_the_person_chose() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = UserId::parse("U1").unwrap();
        let mut ada = Person::new(id.clone(), "Ada");
        ada.opted_out = true;
        ada.shoutouts = true;
        ada.paused.insert(UserId::parse("U2").unwrap());
        store.put_person(&ada).await.unwrap();

        let member = SlackPerson {
            id: id.clone(),
            handle: "ada.l".to_owned(),
            name: "Ada Lovelace".to_owned(),
            tz: Some("Europe/London".to_owned()),
            is_bot: false,
            deleted: false,
            email: None,
        };
        let teams = KnownRoster::synced(Teams::listed([(
            "U1".to_owned(),
            TeamId::parse("Payments").unwrap(),
        )]));
        let synced = record_member(&store, &teams, member, None)
            .await
            .unwrap()
            .unwrap();

        assert_eq!(synced.name, "Ada Lovelace");
        assert_eq!(synced.team, Some(TeamId::parse("Payments").unwrap()));
        assert!(synced.opted_out && synced.shoutouts);
        assert_eq!(synced.paused, ada.paused);
        assert_eq!(store.person(&id).await.unwrap(), Some(synced));
    }

    #[tokio::test]
    async fn an_email_is_kept_only_as_its_hash_under_the_operators_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let key = CalendarKey::parse("q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=").unwrap();
        let member = |id: &str| SlackPerson {
            id: UserId::parse(id).unwrap(),
            handle: "ada.l".to_owned(),
            name: "Ada Lovelace".to_owned(),
            tz: None,
            is_bot: false,
            deleted: false,
            email: Some("Ada.Lovelace@example.com".to_owned()),
        };
        let teams = KnownRoster::synced(Teams::listed([]));

        let ada = record_member(&store, &teams, member("U1"), Some(&key))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ada.email, Some(key.email_hash("ada.lovelace@example.com")));
        let without_key = record_member(&store, &teams, member("U2"), None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(without_key.email, None);
        let files = crate::store::fixtures::files_holding(dir.path(), b"example.com");
        assert!(files.is_empty(), "{files:?}");
    }

    #[tokio::test]
    async fn a_forgotten_member_is_brought_back_neither_by_a_sync_nor_by_a_profile_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let id = UserId::parse("UADA").unwrap();
        store
            .put_person(&Person::new(id.clone(), "Ada"))
            .await
            .unwrap();
        store.forget_person(&id).await.unwrap();
        let teams = KnownRoster::synced(Teams::listed([(
            "UADA".to_owned(),
            TeamId::parse("Payments").unwrap(),
        )]));
        let member = |deleted| SlackPerson {
            id: id.clone(),
            handle: "ada.l".to_owned(),
            name: "Ada Lovelace".to_owned(),
            tz: Some("Europe/London".to_owned()),
            is_bot: false,
            deleted,
            email: None,
        };

        for deleted in [false, true, false] {
            assert_eq!(
                record_member(&store, &teams, member(deleted), None)
                    .await
                    .unwrap(),
                None
            );
        }
        assert_eq!(store.person(&id).await.unwrap(), None);
        assert!(store.people().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_leader_whose_profile_changes_before_the_first_sync_keeps_their_roles() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let payments = TeamId::parse("Payments").unwrap();
        let member = |id: &str| SlackPerson {
            id: UserId::parse(id).unwrap(),
            handle: id.to_lowercase(),
            name: format!("Person {id}"),
            tz: None,
            is_bot: false,
            deleted: false,
            email: None,
        };
        // A past sync found U1 in the leadership group and U2 leading
        // Payments by its user group.
        for (id, roles) in [
            (
                "U1",
                Roles {
                    leader: true,
                    leads: None,
                },
            ),
            (
                "U2",
                Roles {
                    leader: false,
                    leads: Some(payments.clone()),
                },
            ),
        ] {
            let mut person = Person::new(UserId::parse(id).unwrap(), id);
            person.roles = roles;
            store.put_person(&person).await.unwrap();
        }
        // Since this start, only the teams file is known: it lists U2 in
        // Payments and U3 as a leader; the user groups are not read yet.
        let mut roster = Roster::of_teams([("U2".to_owned(), payments.clone())]);
        roster.add_leaders(["U3".to_owned()]);
        let leaders: LeaderSettings = toml::from_str("usergroup = \"leadership\"").unwrap();
        let known = KnownRoster::before_a_sync(&Teams::Listed(roster), &leaders);

        for id in ["U1", "U2", "U3"] {
            record_member(&store, &known, member(id), None)
                .await
                .unwrap();
        }
        let roles = async |id: &str| {
            store
                .person(&UserId::parse(id).unwrap())
                .await
                .unwrap()
                .unwrap()
                .roles
        };
        assert!(roles("U1").await.leader, "kept from the last sync");
        assert_eq!(
            roles("U2").await.leads,
            Some(payments),
            "kept from the last sync"
        );
        assert!(roles("U3").await.leader, "from the teams file");

        // Once a sync has said who leads, its word is the last.
        let synced = KnownRoster::synced(Teams::listed([]));
        record_member(&store, &synced, member("U1"), None)
            .await
            .unwrap();
        assert_eq!(roles("U1").await, Roles::default());
    }
}
