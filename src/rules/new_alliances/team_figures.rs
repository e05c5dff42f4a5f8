//! Team figures under the k-anonymity floor: what the digest says of each
//! team that reaches it (see [`ShownTeams`]).

use super::Formed;
use crate::domain::{ShownTeams, TeamFigures, TeamId};
use std::collections::{BTreeMap, BTreeSet};

/// The new alliances of each team at or above the floor, most first (then
/// by name), and how many teams below the floor formed some too: those are
/// counted, their figures held back. Teams that formed none are not listed:
/// the digest celebrates what happened, it does not point at what did not.
pub(super) fn per_team(formed: &[Formed<'_>], shown: &ShownTeams<'_>) -> (Vec<TeamFigures>, usize) {
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
        .partition(|(team, _)| shown.shows(team));
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

    /// Payments and Platform have five people each, Design four (and one
    /// who left), Legal two.
    fn company_of_four_teams() -> Vec<Person> {
        let mut people = four_teams();
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
