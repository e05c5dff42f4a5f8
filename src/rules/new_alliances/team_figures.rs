//! Team figures under the k-anonymity floor: which teams the digest may
//! give figures for, and what those figures are.
//!
//! A figure about a small team is a figure about the few people in it. The
//! digest is posted in a channel, so it speaks of a team only when the team
//! has at least `k_anonymity_floor` active people (not deactivated): the
//! same floor `/alliances stats` keeps.

use super::{Formed, Snapshot};
use crate::domain::{TeamFigures, TeamId};
use std::collections::{BTreeMap, BTreeSet};

/// Each team's active people, and the floor a team must reach to be spoken of.
pub(super) struct TeamSizes<'a> {
    active: BTreeMap<&'a TeamId, usize>,
    floor: usize,
}

impl<'a> TeamSizes<'a> {
    /// The active people per team in `snapshot`, against `floor`.
    pub(super) fn of(snapshot: &'a Snapshot, floor: u32) -> Self {
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
    fn at_or_above_floor(&self, team: &TeamId) -> bool {
        self.active.get(team).is_some_and(|n| *n >= self.floor)
    }

    /// Every pair of teams, in name order, whose two teams are both at or
    /// above the floor: the only pairs the digest may call "still without a
    /// tie". That a pair has no tie says something of every person in both
    /// teams; for a team of two it says, in a public channel, that these two
    /// have never met anyone in the other team. That singles people out, and
    /// the digest celebrates, it never shames.
    pub(super) fn pairs_above_floor(&self) -> Vec<(TeamId, TeamId)> {
        let teams: Vec<&TeamId> = self
            .active
            .keys()
            .copied()
            .filter(|team| self.at_or_above_floor(team))
            .collect();
        teams
            .iter()
            .enumerate()
            .flat_map(|(i, a)| teams[i + 1..].iter().map(|b| ((*a).clone(), (*b).clone())))
            .collect()
    }
}

/// The new alliances of each team at or above the floor, most first (then
/// by name), and how many teams below the floor formed some too: those are
/// counted, their figures held back. Teams that formed none are not listed:
/// the digest celebrates what happened, it does not point at what did not.
pub(super) fn per_team(formed: &[Formed<'_>], sizes: &TeamSizes<'_>) -> (Vec<TeamFigures>, usize) {
    let mut partners: BTreeMap<&TeamId, (usize, BTreeSet<&TeamId>)> = BTreeMap::new();
    for alliance in formed {
        for (team, other) in [
            (alliance.low_team, alliance.high_team),
            (alliance.high_team, alliance.low_team),
        ] {
            let (count, with) = partners.entry(team).or_default();
            *count += 1;
            with.insert(other);
        }
    }
    let (shown, held_back): (Vec<_>, Vec<_>) = partners
        .into_iter()
        .partition(|(team, _)| sizes.at_or_above_floor(team));
    let mut figures: Vec<TeamFigures> = shown
        .into_iter()
        .map(|(team, (new_alliances, with))| TeamFigures {
            team: team.clone(),
            new_alliances,
            with_teams: with.len(),
        })
        .collect();
    figures.sort_by(|a, b| {
        b.new_alliances
            .cmp(&a.new_alliances)
            .then_with(|| a.team.cmp(&b.team))
    });
    (figures, held_back.len())
}

#[cfg(test)]
mod tests {
    use crate::domain::{Digest, Person};
    use crate::rules::fixtures::*;

    /// `n` people of `team`, with ids `{prefix}1`…`{prefix}n`.
    fn members(prefix: &str, team: &str, n: usize) -> Vec<Person> {
        (1..=n)
            .map(|i| person(&format!("{prefix}{i}"), team))
            .collect()
    }

    /// Payments and Platform have five people each, Design four (and one
    /// who left), Legal two.
    fn company_of_four_teams() -> Vec<Person> {
        let mut people = members("UPAY", "Payments", 5);
        people.extend(members("UPLA", "Platform", 5));
        people.extend(members("UDES", "Design", 5));
        people.extend(members("ULEG", "Legal", 2));
        people
            .iter_mut()
            .find(|p| p.id.as_str() == "UDES5")
            .unwrap()
            .deactivated = true;
        people
    }

    fn digest_of(people: Vec<Person>, meetings: &[(&str, &str)], floor: u32) -> Digest {
        digest_of_week(people, meetings, floor)
    }

    fn figures(digest: &Digest) -> Vec<String> {
        digest
            .team_figures
            .iter()
            .map(|f| format!("{}: {} with {}", f.team, f.new_alliances, f.with_teams))
            .collect()
    }

    const MEETINGS: [(&str, &str); 5] = [
        ("UPAY1", "UPLA1"),
        ("UPAY2", "UPLA1"),
        ("UPAY1", "UDES1"),
        ("UPAY3", "ULEG1"),
        ("UPLA2", "UDES2"),
    ];

    #[test]
    fn teams_at_or_above_the_floor_get_their_figures_most_first() {
        let digest = digest_of(company_of_four_teams(), &MEETINGS, 5);
        assert_eq!(
            figures(&digest),
            ["Payments: 4 with 3", "Platform: 3 with 2"]
        );
    }

    #[test]
    fn a_small_team_is_counted_but_its_figures_are_held_back() {
        let digest = digest_of(company_of_four_teams(), &MEETINGS, 5);
        // Design has five people, but one left: four active, below five.
        assert!(!figures(&digest).iter().any(|f| f.starts_with("Design")));
        assert!(!figures(&digest).iter().any(|f| f.starts_with("Legal")));
        assert_eq!(digest.small_teams_held_back, 2);
        // The alliances themselves are still celebrated, by name.
        assert_eq!(digest.new_alliances.len(), MEETINGS.len());
    }

    #[test]
    fn with_a_floor_of_one_every_team_gets_its_figures() {
        let digest = digest_of(company_of_four_teams(), &MEETINGS, 1);
        assert_eq!(
            figures(&digest),
            [
                "Payments: 4 with 3",
                "Platform: 3 with 2",
                "Design: 2 with 2",
                "Legal: 1 with 1"
            ]
        );
        assert_eq!(digest.small_teams_held_back, 0);
    }

    #[test]
    fn team_pairs_without_a_tie_are_named_only_when_both_teams_reach_the_floor() {
        let pairs = |digest: &Digest| -> Vec<String> {
            digest
                .unconnected_team_pairs
                .iter()
                .map(|(a, b)| format!("{a}-{b}"))
                .collect()
        };
        // Payments and Platform have no tie yet: both have five people.
        let digest = digest_of(company_of_four_teams(), &[("UPAY1", "UDES1")], 5);
        assert_eq!(pairs(&digest), ["Payments-Platform"]);
        // With no floor, the small teams' gaps show too.
        let digest = digest_of(company_of_four_teams(), &[("UPAY1", "UDES1")], 1);
        assert_eq!(
            pairs(&digest),
            [
                "Design-Legal",
                "Design-Platform",
                "Legal-Payments",
                "Legal-Platform",
                "Payments-Platform"
            ]
        );
    }

    #[test]
    fn a_quiet_period_has_no_team_figures() {
        let digest = digest_of(company_of_four_teams(), &[], 5);
        assert!(digest.team_figures.is_empty());
        assert_eq!(digest.small_teams_held_back, 0);
    }
}
