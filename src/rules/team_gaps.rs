//! *Gap targeting*: how connected each pair of teams is, so that the rules
//! prefer peers in teams a person's team has few active alliances with.

use super::{Policy, Snapshot};
use crate::domain::{ShownTeams, TeamGap, TeamId, Tie};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

/// Active alliances between teams, at one planning time.
pub(super) struct TeamGaps<'a> {
    between: FxHashMap<(&'a TeamId, &'a TeamId), u32>,
    most: FxHashMap<&'a TeamId, u32>,
    /// Every alliance of the snapshot with its two teams, in tie order.
    /// Counting them needs every tie's teams, and the other rules walk the
    /// alliances too: kept, each tie's teams are looked up once a plan,
    /// not once a rule (two lookups of people, a few times per tie, were
    /// much of planning's time).
    every_alliance: Vec<Alliance<'a>>,
    /// The teams whose figures a nudge may tell.
    shown: ShownTeams<'a>,
}

/// A tie between people of different teams, with their teams.
#[derive(Debug, Clone, Copy)]
pub(super) struct Alliance<'a> {
    pub tie: &'a Tie,
    /// The team of the pair's lower id…
    pub low_team: &'a TeamId,
    /// …and of its higher one.
    pub high_team: &'a TeamId,
}

impl<'a> TeamGaps<'a> {
    /// Counts the snapshot's alliances active at `now`.
    pub fn at(snapshot: &'a Snapshot, now: DateTime<Utc>, policy: &Policy) -> Self {
        let every_alliance: Vec<Alliance<'a>> = snapshot
            .ties
            .iter()
            .filter_map(|tie| {
                let (low_team, high_team) = snapshot.alliance_teams(tie)?;
                Some(Alliance {
                    tie,
                    low_team,
                    high_team,
                })
            })
            .collect();
        let mut between: FxHashMap<(&TeamId, &TeamId), u32> = FxHashMap::default();
        for alliance in every_alliance.iter().filter(|a| policy.active(a.tie, now)) {
            *between
                .entry(ordered(alliance.low_team, alliance.high_team))
                .or_default() += 1;
        }
        let mut most: FxHashMap<&TeamId, u32> = FxHashMap::default();
        for (&(a, b), &count) in &between {
            for team in [a, b] {
                let best = most.entry(team).or_default();
                *best = (*best).max(count);
            }
        }
        Self {
            between,
            most,
            every_alliance,
            shown: snapshot.shown_teams(snapshot.k_anonymity_floor),
        }
    }

    /// Every alliance of the snapshot, active or not, in tie order.
    pub fn every_alliance(&self) -> &[Alliance<'a>] {
        &self.every_alliance
    }

    /// Active alliances between `a` and `b`.
    pub fn alliances(&self, a: &TeamId, b: &TeamId) -> u32 {
        self.between.get(&ordered(a, b)).copied().unwrap_or(0)
    }

    /// The gap from `own` team to `other`: the fewer alliances the two
    /// have, next to `own`'s best-connected pair, the bigger the boost;
    /// its figures may be told when both teams reach the floor.
    pub fn gap(&self, own: &TeamId, other: &TeamId, policy: &Policy) -> TeamGap {
        let (alliances, most, boost) = self.measure(own, other, policy);
        TeamGap {
            own_team: own.clone(),
            alliances,
            most,
            boost,
            figures_shown: self.shown.shows(own) && self.shown.shows(other),
        }
    }

    /// The boost of [`TeamGaps::gap`] alone: ranking needs it for every
    /// candidate, the reason only for the chosen.
    pub fn boost(&self, own: &TeamId, other: &TeamId, policy: &Policy) -> f64 {
        self.measure(own, other, policy).2
    }

    /// The alliances from `own` to `other`, `own`'s most with any team, and
    /// the boost they make.
    fn measure(&self, own: &TeamId, other: &TeamId, policy: &Policy) -> (u32, u32, f64) {
        let alliances = self.alliances(own, other);
        let most = self.most.get(own).copied().unwrap_or(0);
        let missing = if most == 0 {
            1.0
        } else {
            1.0 - f64::from(alliances) / f64::from(most)
        };
        (alliances, most, policy.gap_boost.factor(missing))
    }
}

fn ordered<'t>(a: &'t TeamId, b: &'t TeamId) -> (&'t TeamId, &'t TeamId) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::*;

    #[test]
    fn teams_with_fewer_active_alliances_get_a_bigger_boost() {
        let now = at(2026, 6, 1);
        let ties = vec![
            tie("U1", "U2", at(2026, 1, 1), at(2026, 5, 1), 3), // Payments–Platform
            tie("U5", "U3", at(2026, 1, 1), at(2026, 5, 1), 3), // Payments–Platform
            tie("U1", "U4", at(2026, 1, 1), at(2026, 5, 1), 3), // Payments–Design
            tie("U5", "U4", at(2025, 1, 1), at(2025, 2, 1), 3), // long quiet: not active
        ];
        let snapshot = Snapshot::new(company(), ties, vec![]);
        let policy = Policy::default();
        let gaps = TeamGaps::at(&snapshot, now, &policy);
        let team = |name| TeamId::parse(name).unwrap();
        let platform = gaps.gap(&team("Payments"), &team("Platform"), &policy);
        assert_eq!(
            (platform.alliances, platform.most, platform.boost),
            (2, 2, 1.0)
        );
        let design = gaps.gap(&team("Payments"), &team("Design"), &policy);
        assert_eq!((design.alliances, design.boost), (1, 1.5));
        let legal = gaps.gap(&team("Payments"), &team("Legal"), &policy);
        assert_eq!((legal.alliances, legal.boost), (0, 2.0));
        // Legal has no alliance at all: every team is equally far.
        let from_legal = gaps.gap(&team("Legal"), &team("Design"), &policy);
        assert_eq!((from_legal.most, from_legal.boost), (0, 2.0));
        // Payments and Platform have two people each, Design one.
        assert!(!platform.figures_shown, "no floor set: no figures");
        let snapshot = snapshot.with_floor(2);
        let gaps = TeamGaps::at(&snapshot, now, &policy);
        assert!(
            gaps.gap(&team("Payments"), &team("Platform"), &policy)
                .figures_shown
        );
        let design = gaps.gap(&team("Payments"), &team("Design"), &policy);
        assert!(!design.figures_shown);
        assert_eq!(design.boost, 1.5, "the ranking weighs the gap all the same");
    }
}
