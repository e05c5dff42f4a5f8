//! A person: a member of the workspace the bot may speak to or about.

use super::{EmailHash, TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A Slack user of the workspace, as the bot knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Their Slack id.
    pub id: UserId,
    /// The name people know them by (Slack's display or real name).
    pub name: String,
    /// The team they belong to, if the bot knows it.
    pub team: Option<TeamId>,
    /// Their IANA time zone from Slack (`Europe/Paris`), if known.
    pub tz: Option<String>,
    /// They asked never to be nudged, named or counted by name.
    pub opted_out: bool,
    /// Deactivated in Slack: never nudged, never nudged about.
    pub deactivated: bool,
    /// Snoozed (`/alliances snooze 2w`): not nudged, nor nudged about, until then.
    #[serde(default)]
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Peers they never want to be nudged about (`/alliances pause @bob`,
    /// *Not relevant*).
    #[serde(default)]
    pub paused: BTreeSet<UserId>,
    /// They agreed to be thanked by name in the digest as one of the people
    /// who built the most new alliances (`/alliances shoutouts on`). Off
    /// until they say so; opting out overrides it.
    #[serde(default)]
    pub shoutouts: bool,
    /// Whether they lead, as the settings' user groups or the teams file
    /// say: kept current by the people sync, never chosen in the bot.
    #[serde(default, skip_serializing_if = "Roles::is_none")]
    pub roles: Roles,
    /// When they were last sent an early warning that their alliances had
    /// thinned (a leader's, at most monthly): the bot's memory of them,
    /// kept by the people sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_warned_at: Option<DateTime<Utc>>,
    /// Their email as Slack gives it, hashed with the operator's key, to
    /// find them among a calendar's attendees; absent without the key or
    /// the `users:read.email` scope. Never the email itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailHash>,
}

/// What someone leads: the company, as one of its leaders, and a team, as
/// its lead. Most people lead neither, and nothing about them changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Roles {
    /// In the leadership group (`leaders.usergroup`, the teams file's
    /// `leaders`).
    #[serde(default)]
    pub leader: bool,
    /// The team they lead, whose reach they coach (a team's `leads`).
    #[serde(default)]
    pub leads: Option<TeamId>,
}

impl Roles {
    /// Whether they lead nothing.
    pub fn is_none(&self) -> bool {
        !self.leader && self.leads.is_none()
    }
}

impl Person {
    /// A person the bot has just met: no team, no time zone, no choices made.
    pub fn new(id: UserId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            team: None,
            tz: None,
            opted_out: false,
            deactivated: false,
            snoozed_until: None,
            paused: BTreeSet::new(),
            shoutouts: false,
            roles: Roles::default(),
            early_warned_at: None,
            email: None,
        }
    }

    /// Whether the bot may nudge them or name them to others.
    pub fn reachable(&self) -> bool {
        !self.opted_out && !self.deactivated
    }

    /// Whether the digest may thank them by name for the alliances they
    /// built: they said yes to shout-outs and did not opt out, which wins.
    pub fn welcomes_shoutouts(&self) -> bool {
        self.shoutouts && !self.opted_out
    }

    /// Whether they lead `team`: as its lead, or as a leader who is in it.
    pub fn leads_team(&self, team: &TeamId) -> bool {
        self.roles.leads.as_ref() == Some(team)
            || (self.roles.leader && self.team.as_ref() == Some(team))
    }

    /// Where they stand among those who lead `team` when one is to be
    /// offered: its designated lead (`leads`) before a leader who is in
    /// it, then by id.
    pub fn lead_rank<'a>(&'a self, team: &TeamId) -> (bool, &'a UserId) {
        (self.roles.leads.as_ref() != Some(team), &self.id)
    }

    /// Whether an alliance with them joins someone to `team` in a key
    /// partnership: they are someone the bot may speak to (people who
    /// left or opted out are nobody's partner) who is in `team` or leads
    /// it, so that a lead introduced across a partnership counts once met,
    /// wherever they sit.
    pub fn is_partner_in(&self, team: &TeamId) -> bool {
        self.reachable() && (self.team.as_ref() == Some(team) || self.leads_team(team))
    }

    /// Whether the bot may nudge them, or nudge others about them, at `now`.
    pub fn nudgeable_at(&self, now: DateTime<Utc>) -> bool {
        self.reachable() && self.snoozed_until.is_none_or(|until| until <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_stored_before_shout_outs_existed_loads_with_them_off() {
        let stored = r#"{"id":"U1","name":"Ada","team":"Payments","tz":null,"opted_out":false,"deactivated":false}"#;
        let ada: Person = serde_json::from_str(stored).unwrap();
        assert!(!ada.shoutouts);
        assert!(ada.paused.is_empty());
    }

    #[test]
    fn someone_who_leads_nothing_is_stored_as_before_roles_existed() {
        let mut ada = Person::new(UserId::parse("U1").unwrap(), "Ada");
        let stored = serde_json::to_string(&ada).unwrap();
        assert!(!stored.contains("roles"), "{stored}");
        ada.roles.leader = true;
        let stored = serde_json::to_string(&ada).unwrap();
        assert_eq!(serde_json::from_str::<Person>(&stored).unwrap(), ada);
    }

    #[test]
    fn a_team_is_led_by_its_leads_and_by_the_leaders_in_it() {
        let payments = TeamId::parse("Payments").unwrap();
        let platform = TeamId::parse("Platform").unwrap();
        let mut ada = Person::new(UserId::parse("U1").unwrap(), "Ada");
        ada.team = Some(payments.clone());
        assert!(!ada.leads_team(&payments));
        ada.roles.leads = Some(platform.clone());
        assert!(ada.leads_team(&platform) && !ada.leads_team(&payments));
        ada.roles.leader = true;
        assert!(
            ada.leads_team(&payments),
            "a leader leads the team they are in"
        );
    }

    #[test]
    fn opting_out_wins_over_shout_outs() {
        let mut ada = Person::new(UserId::parse("U1").unwrap(), "Ada");
        assert!(!ada.welcomes_shoutouts(), "off until they say yes");
        ada.shoutouts = true;
        assert!(ada.welcomes_shoutouts());
        ada.opted_out = true;
        assert!(!ada.welcomes_shoutouts());
    }
}
