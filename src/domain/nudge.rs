//! What the rules decide to tell one person, and why.

use super::{TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A planned reminder to `to` to reach `about`, a peer in another team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nudge {
    /// Who receives the DM.
    pub to: UserId,
    /// The peer they are reminded of.
    pub about: UserId,
    /// The peer's team.
    pub about_team: TeamId,
    /// Why this peer, now: shown by *Why this?*.
    pub reason: NudgeReason,
}

/// The facts a nudge rests on, so that every nudge can explain itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NudgeReason {
    /// When the two last met.
    pub last_met: DateTime<Utc>,
    /// Whole days since then, at planning time.
    pub days_since: i64,
    /// The cadence the tie is held to, in days.
    pub cadence_days: u32,
    /// How many times the two have met.
    pub times_met: u32,
    /// What they last talked about, if it was noted.
    pub last_note: Option<String>,
}

/// A nudge that Slack accepted: the record behind the weekly cap and the
/// per-tie cooldown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentNudge {
    /// Who received it.
    pub to: UserId,
    /// Whom it was about.
    pub about: UserId,
    /// When Slack accepted it.
    pub at: DateTime<Utc>,
}
