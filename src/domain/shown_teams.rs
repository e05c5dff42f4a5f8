//! Which teams may be shown: the k-anonymity floor, decided in one place.
//!
//! A figure about a small team is a figure about the few people in it: "a
//! first bridge between Legal and Payments", when Legal is two people,
//! tells everyone that one of those two met someone in Payments, and may
//! point at someone who opted out. So a team is spoken of only when it has
//! at least `commands.k_anonymity_floor` active people (deactivated people
//! no longer count). Everything that shows a team to people — the digest's
//! lines, bridges, team figures and team pairs, `/alliances stats`, the
//! insights page, the team map's picture and the team figures a nudge's
//! reason gives — is built from the teams this filter shows, and from no
//! other list.

use super::{Person, TeamId};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// The teams that may be shown, from each team's active people and the
/// floor a team must reach.
#[derive(Debug, Clone)]
pub struct ShownTeams<'a> {
    active: BTreeMap<&'a TeamId, usize>,
    floor: usize,
}

impl<'a> ShownTeams<'a> {
    /// The teams of `people`, shown when they have at least `floor` active
    /// people.
    pub fn of(people: impl IntoIterator<Item = &'a Person>, floor: u32) -> Self {
        // Counted by hash, then ordered: a company has thousands of people
        // in a few dozen teams, and a request that asks for the teams pays
        // this pass.
        let mut active: FxHashMap<&TeamId, usize> = FxHashMap::default();
        for person in people.into_iter().filter(|p| !p.deactivated) {
            if let Some(team) = &person.team {
                *active.entry(team).or_default() += 1;
            }
        }
        Self {
            active: active.into_iter().collect(),
            floor: usize::try_from(floor).unwrap_or(usize::MAX),
        }
    }

    /// Whether `team` may be shown.
    pub fn shows(&self, team: &TeamId) -> bool {
        self.active.get(team).is_some_and(|n| *n >= self.floor)
    }

    /// `team` if it may be shown: the label beside a person's name.
    pub fn label(&self, team: &TeamId) -> Option<TeamId> {
        self.shows(team).then(|| team.clone())
    }

    /// The teams that may be shown, in name order, with their active people.
    pub fn shown_with_people(&self) -> impl Iterator<Item = (&'a TeamId, usize)> + '_ {
        self.active
            .iter()
            .filter(|(_, n)| **n >= self.floor)
            .map(|(team, n)| (*team, *n))
    }

    /// Every team someone active works in, shown or not, in name order.
    pub fn every_team(&self) -> impl Iterator<Item = &'a TeamId> + '_ {
        self.active.keys().copied()
    }

    /// The teams that may be shown, in name order.
    pub fn shown(&self) -> Vec<&'a TeamId> {
        self.shown_with_people().map(|(team, _)| team).collect()
    }

    /// How many teams are below the floor: counted, never shown.
    pub fn held_back(&self) -> usize {
        self.active.len() - self.shown_with_people().count()
    }

    /// How many active people are in a team, in all.
    pub fn people(&self) -> usize {
        self.active.values().sum()
    }

    /// Every pair of teams that may be shown, in name order. That a pair
    /// has no tie says something of every person in both teams; for a team
    /// of two it says, to everyone, that these two never met anyone in the
    /// other team.
    pub fn pairs(&self) -> Vec<(TeamId, TeamId)> {
        super::every_pair(&self.shown())
            .map(|(a, b)| ((*a).clone(), (*b).clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;

    fn member(id: &str, team: &str) -> Person {
        Person {
            team: Some(TeamId::parse(team).unwrap()),
            ..Person::new(UserId::parse(id).unwrap(), id)
        }
    }

    #[test]
    fn a_team_is_shown_from_the_floor_up_counting_only_its_active_people() {
        let mut people: Vec<Person> = (1..=3)
            .map(|i| member(&format!("UA{i}"), "Payments"))
            .chain((1..=3).map(|i| member(&format!("UB{i}"), "Legal")))
            .chain([Person::new(UserId::parse("UC1").unwrap(), "no team")])
            .collect();
        people[5].deactivated = true;
        let shown = ShownTeams::of(&people, 3);

        let payments = TeamId::parse("Payments").unwrap();
        let legal = TeamId::parse("Legal").unwrap();
        assert!(shown.shows(&payments));
        assert!(!shown.shows(&legal), "two active people of three");
        assert_eq!(shown.label(&legal), None);
        assert_eq!(shown.shown(), [&payments]);
        assert_eq!(shown.held_back(), 1);
        assert_eq!(shown.people(), 5);
        assert!(shown.pairs().is_empty());
        assert_eq!(ShownTeams::of(&people, 2).pairs(), [(legal, payments)]);
    }
}
