//! The channel digest of new alliances, and the policy it is planned by.
//!
//! A digest is posted in a channel and kept in the outbox until Slack takes
//! it, so it holds no team under the k-anonymity floor anywhere: its rules
//! build every team in it from [`ShownTeams`](super::ShownTeams).

use super::{PartnershipStanding, TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the digest job posts: what formed since the last digest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Digest {
    /// The start of the period (the previous digest), exclusive.
    pub since: DateTime<Utc>,
    /// The end of the period, inclusive.
    pub until: DateTime<Utc>,
    /// New alliances between people who may be named.
    pub new_alliances: Vec<NewAlliance>,
    /// New alliances that involve someone who opted out: counted, never named.
    pub unnamed_new_alliances: usize,
    /// The first-ever ties between two teams, both at or above the
    /// k-anonymity floor.
    pub bridges: Vec<Bridge>,
    /// Team pairs that still have no tie at all, both teams at or above the
    /// k-anonymity floor.
    pub unconnected_team_pairs: Vec<(TeamId, TeamId)>,
    /// The people who formed the most new alliances, most first, among
    /// those who agreed to shout-outs and did not opt out.
    #[serde(default)]
    pub bridge_builders: Vec<BridgeBuilder>,
    /// New alliances per team, most first, for teams at or above the
    /// k-anonymity floor only.
    #[serde(default)]
    pub team_figures: Vec<TeamFigures>,
    /// Teams below the floor that formed new alliances too: counted, their
    /// figures held back.
    #[serde(default)]
    pub small_teams_held_back: usize,
    /// How each key partnership stands at the end of the period: only those
    /// of two shown teams binding at least the floor's number of people.
    #[serde(default)]
    pub partnerships: Vec<PartnershipStanding>,
}

impl Digest {
    /// A digest of `(since, until]` with nothing in it.
    pub fn empty(since: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Self {
            since,
            until,
            ..Self::default()
        }
    }

    /// Whether it names `user` anywhere.
    pub fn names(&self, user: &UserId) -> bool {
        self.people_named().any(|named| named == user)
    }

    /// Everyone it names: in new alliances, as a bridge's builders, and
    /// thanked for the alliances they built (someone named twice comes
    /// twice).
    pub fn people_named(&self) -> impl Iterator<Item = &UserId> {
        let alliances = self.new_alliances.iter().flat_map(|a| [&a.a.0, &a.b.0]);
        let builders = self
            .bridges
            .iter()
            .filter_map(|b| b.builders.as_ref())
            .flat_map(|(x, y)| [x, y]);
        let thanked = self.bridge_builders.iter().map(|b| &b.person);
        alliances.chain(builders).chain(thanked)
    }

    /// Whether there is nothing new to celebrate.
    pub fn is_quiet(&self) -> bool {
        self.new_alliances.is_empty() && self.unnamed_new_alliances == 0 && self.bridges.is_empty()
    }
}

/// The first interaction ever between two people of different teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAlliance {
    /// One of the two, with their team when it may be shown.
    pub a: (UserId, Option<TeamId>),
    /// The other, with their team when it may be shown.
    pub b: (UserId, Option<TeamId>),
    /// When they first met.
    pub at: DateTime<Utc>,
}

/// The first tie ever between two teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    /// The two teams, in name order.
    pub teams: (TeamId, TeamId),
    /// The two people who built it, when both may be named.
    pub builders: Option<(UserId, UserId)>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Someone thanked by name for the new alliances they formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeBuilder {
    /// Who.
    pub person: UserId,
    /// Their team, when it may be shown.
    pub team: Option<TeamId>,
    /// How many new alliances they formed in the period.
    pub new_alliances: usize,
}

/// One team's new alliances in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFigures {
    /// A team at or above the k-anonymity floor (no other is listed).
    pub team: TeamId,
    /// New alliances its people formed.
    pub new_alliances: usize,
    /// With how many other teams.
    pub with_teams: usize,
}

/// What the digest's rules take from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestPolicy {
    /// Teams are shown — in bridges, team figures, team pairs still without
    /// a tie and beside people's names — only when they have at least this
    /// many active people (`commands.k_anonymity_floor`).
    pub k_anonymity_floor: u32,
}
