//! What the App Home adds for someone who leads: how each key partnership
//! that binds them stands for them, and their current leadership circle.
//!
//! Plain values, decided by the rules (`rules::leader_home`) and drawn by
//! the Slack adapter. Private to the person they are about, like the rest
//! of their Home: they name only people who may be named.

use super::{CircleKey, TeamId, UserId};
use chrono::{DateTime, Utc};

/// What the App Home adds for one person: nothing at all for someone who
/// leads nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeaderHome {
    /// The key partnerships that bind them, in the settings' order.
    pub partnerships: Vec<HomePartnership>,
    /// Their current leadership circle, if they are in one.
    pub circle: Option<HomeCircle>,
}

impl LeaderHome {
    /// Whether there is nothing to add.
    pub fn is_empty(&self) -> bool {
        self.partnerships.is_empty() && self.circle.is_none()
    }
}

/// One key partnership as it binds the person whose Home it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomePartnership {
    /// The side they stand on…
    pub own_team: TeamId,
    /// …and the team they keep joined to it.
    pub other_team: TeamId,
    /// How long a partnership tie may stay quiet and still be live.
    pub cadence_days: u32,
    /// Where their partnership ties stand.
    pub tie: PartnershipTie,
}

/// Where one person's ties across a key partnership stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnershipTie {
    /// Met someone in the other team within the partnership's cadence.
    Live {
        /// The one met most recently, if they may be named: someone who
        /// opted out or left still keeps the partnership live, unnamed.
        peer: Option<UserId>,
        /// Days since, by the person's calendar.
        days_since: i64,
        /// How many other partnership ties are live too.
        also_live: usize,
    },
    /// No live tie: the one the bot would remind them of (the strongest
    /// now, as the partnership's reminder picks it).
    Fading {
        /// The peer, who may be named and whom they did not pause.
        peer: UserId,
        /// Days since they last met, by the person's calendar.
        days_since: i64,
        /// How often they have met.
        times_met: u32,
    },
    /// No live tie and none to revive: who leads the other team.
    Missing {
        /// The other team's leads who may be named, its designated lead
        /// first; empty when nobody there leads it.
        leads: Vec<UserId>,
    },
}

/// A leader's current leadership circle: the one they are in from the
/// latest round formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeCircle {
    /// Which circle.
    pub key: CircleKey,
    /// When it was formed.
    pub formed_at: DateTime<Utc>,
    /// The other members who may be named, in id order.
    pub others: Vec<UserId>,
    /// The other members who may not be named (opted out or left since).
    pub unnamed: usize,
    /// Where it stands.
    pub state: CircleState,
}

/// Where a leadership circle stands, as its members would put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircleState {
    /// The check-in is still to come, on this day.
    CheckInOn(DateTime<Utc>),
    /// The check-in was asked and nobody answered yet.
    CheckInAsked,
    /// *We met*.
    Met,
    /// *Not yet*.
    NotYet,
    /// *Skip this round*.
    Skipped,
}
