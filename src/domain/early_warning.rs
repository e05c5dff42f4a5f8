//! An early warning for a lonely leader: a private, kind note to a leader
//! whose live alliances reach fewer other teams than the settings expect
//! (`leaders.min_teams`), with two or three concrete steps.
//!
//! A leader who pushes a change alone burns out; one with peers across the
//! company has partners. So the note is about what they can do this week,
//! never a score: their strongest fading ties first, then someone new.

use super::{TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long after an early warning the next may come: a month, so that a
/// leader who is busy is reminded kindly, not pestered.
pub const EARLY_WARNING_EVERY_DAYS: i64 = 30;

/// A planned early warning to `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyWarning {
    /// The leader it goes to.
    pub to: UserId,
    /// When the rules planned it.
    pub planned_at: DateTime<Utc>,
    /// How many other teams their live alliances reach now…
    pub live_teams: usize,
    /// …and how many the settings expect (`leaders.min_teams`).
    pub min_teams: u32,
    /// What they could do, in order: two or three steps, a choice of ways
    /// in rather than a single order.
    pub steps: Vec<WarningStep>,
}

/// One concrete step of an early warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WarningStep {
    /// Catch up with someone they have a fading alliance with.
    Revive {
        /// Whom they have the fading tie with, in a team they have no live
        /// alliance with.
        peer: UserId,
        /// That team, which the step would bring back within reach.
        team: TeamId,
        /// When they last met.
        last_met: DateTime<Utc>,
        /// How often they met.
        times_met: u32,
    },
    /// Meet someone in a team they have no live alliance with.
    Meet {
        /// Someone they never met, a leader or lead of their team first.
        peer: UserId,
        /// A team they have no live alliance with.
        team: TeamId,
    },
}

impl WarningStep {
    /// The person the step names.
    pub fn peer(&self) -> &UserId {
        match self {
            Self::Revive { peer, .. } | Self::Meet { peer, .. } => peer,
        }
    }

    /// The team of the person it names.
    pub fn team(&self) -> &TeamId {
        match self {
            Self::Revive { team, .. } | Self::Meet { team, .. } => team,
        }
    }
}

impl EarlyWarning {
    /// Whether it goes to `user` or names them in a step.
    pub fn names(&self, user: &UserId) -> bool {
        &self.to == user || self.steps.iter().any(|step| step.peer() == user)
    }

    /// The records of its steps to meet someone new, as sent at `at`: the
    /// intros rule does not introduce the same pair again soon.
    pub fn introductions(&self, at: DateTime<Utc>) -> Vec<super::SentNudge> {
        self.steps
            .iter()
            .filter(|step| matches!(step, WarningStep::Meet { .. }))
            .map(|step| super::SentNudge::warning_step(self.to.clone(), step.peer().clone(), at))
            .collect()
    }

    /// Why it was planned, in a sentence for whoever runs a dry run.
    pub fn explain(&self) -> String {
        format!(
            "their live alliances reach {}, fewer than the {} a leader is expected to keep up ({} suggested)",
            super::plural(self.live_teams, "other team", "other teams"),
            self.min_teams,
            super::plural(self.steps.len(), "step", "steps")
        )
    }
}

/// How many leaders are short of alliances: all admins may see of the early
/// warnings, and only with at least as many leaders as the k-anonymity
/// floor. Never who.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LonelyLeaders {
    /// Leaders whose live alliances reach fewer than `min_teams` other
    /// teams; `None` when the figure is held back because it would single
    /// out some leaders (fewer than the floor short of alliances, or fewer
    /// than the floor not, or every leader short).
    pub under: Option<usize>,
    /// Leaders the bot may speak to (not opted out, not deactivated).
    pub leaders: usize,
    /// The threshold: `leaders.min_teams`, or fewer in a company without
    /// as many other teams; 0 when everyone is in one team (nobody is
    /// short then).
    pub min_teams: u32,
}

impl LonelyLeaders {
    /// The figure in a sentence: "2 of 8 leaders have live alliances in
    /// fewer than 3 other teams."; held back, a sentence that says so
    /// without a hint of the figure.
    pub fn sentence(&self) -> String {
        if self.min_teams == 0 {
            return format!(
                "All {} leaders are in one team: there is no other team for their alliances to reach.",
                self.leaders
            );
        }
        match self.under {
            Some(under) => format!(
                "{} of {} leaders {} live alliances in fewer than {} other teams.",
                under,
                self.leaders,
                if under == 1 { "has" } else { "have" },
                self.min_teams
            ),
            None => format!(
                "I don't say how many of the {} leaders have live alliances in fewer than {} other teams right now: the figure would single out some of them.",
                self.leaders, self.min_teams
            ),
        }
    }
}
