//! Team sizes against the k-anonymity floor: which teams may be spoken of.
//!
//! A figure about a small team is a figure about the few people in it. The
//! digest is posted in a channel, so it speaks of a team only when the team
//! has at least `k_anonymity_floor` active people (not deactivated): the
//! same floor `/alliances stats` and the insights page keep.

use super::Snapshot;
use crate::domain::TeamId;
use std::collections::BTreeMap;

/// Each team's active people, and the floor a team must reach to be spoken of.
pub(crate) struct TeamSizes<'a> {
    active: BTreeMap<&'a TeamId, usize>,
    floor: usize,
}

impl<'a> TeamSizes<'a> {
    /// The active people per team in `snapshot`, against `floor`.
    pub(crate) fn of(snapshot: &'a Snapshot, floor: u32) -> Self {
        let mut active = BTreeMap::new();
        for person in snapshot.people.values().filter(|p| !p.deactivated) {
            if let Some(team) = &person.team {
                *active.entry(team).or_default() += 1;
            }
        }
        Self {
            active,
            floor: usize::try_from(floor).unwrap_or(usize::MAX),
        }
    }

    /// Whether the digest may give figures about `team`.
    pub(crate) fn at_or_above_floor(&self, team: &TeamId) -> bool {
        self.active.get(team).is_some_and(|n| *n >= self.floor)
    }

    /// The teams at or above the floor, in name order.
    pub(crate) fn shown(&self) -> Vec<&'a TeamId> {
        self.active
            .keys()
            .copied()
            .filter(|team| self.at_or_above_floor(team))
            .collect()
    }

    /// How many teams are below the floor: counted, never shown.
    pub(crate) fn held_back(&self) -> usize {
        self.active.len() - self.shown().len()
    }

    /// How many active people the bot knows in teams, in all.
    pub(crate) fn people(&self) -> usize {
        self.active.values().sum()
    }

    /// Every pair of teams, in name order, whose two teams are both at or
    /// above the floor: the only pairs the digest may call "still without a
    /// tie". That a pair has no tie says something of every person in both
    /// teams; for a team of two it says, in a public channel, that these two
    /// have never met anyone in the other team. That singles people out, and
    /// the digest celebrates, it never shames.
    pub(crate) fn pairs_above_floor(&self) -> Vec<(TeamId, TeamId)> {
        let teams = self.shown();
        teams
            .iter()
            .enumerate()
            .flat_map(|(i, a)| teams[i + 1..].iter().map(|b| ((*a).clone(), (*b).clone())))
            .collect()
    }
}
