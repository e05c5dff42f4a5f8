//! The channel digest of new alliances.

use super::{TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the digest job posts: what formed since the last digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// The start of the period (the previous digest), exclusive.
    pub since: DateTime<Utc>,
    /// The end of the period, inclusive.
    pub until: DateTime<Utc>,
    /// New alliances between people who may be named.
    pub new_alliances: Vec<NewAlliance>,
    /// New alliances that involve someone who opted out: counted, never named.
    pub unnamed_new_alliances: usize,
    /// The first-ever ties between two teams.
    pub bridges: Vec<Bridge>,
    /// Team pairs that still have no tie at all.
    pub unconnected_team_pairs: Vec<(TeamId, TeamId)>,
}

impl Digest {
    /// Whether there is nothing new to celebrate.
    pub fn is_quiet(&self) -> bool {
        self.new_alliances.is_empty() && self.unnamed_new_alliances == 0 && self.bridges.is_empty()
    }
}

/// The first interaction ever between two people of different teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAlliance {
    /// One of the two, with their team.
    pub a: (UserId, TeamId),
    /// The other, with their team.
    pub b: (UserId, TeamId),
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
