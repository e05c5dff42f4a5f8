//! *Bridge-builders*: the people the digest thanks by name for the new
//! alliances they formed.
//!
//! Only people who said yes to shout-outs (`/alliances shoutouts on`) and
//! did not opt out are ranked at all. Everyone else is left out before the
//! ranking, not after: a gap in the list, or a "someone" in it, would tell
//! the channel that a person who kept to themselves built more bridges than
//! those named.

use super::{Formed, Snapshot};
use crate::domain::{BridgeBuilder, ShownTeams, UserId};
use std::collections::BTreeMap;

/// At most this many people are thanked by name. Three reads as a thank-you
/// to a few; a longer list reads as a league table, and the digest
/// celebrates rather than ranks.
pub(super) const MAX_BRIDGE_BUILDERS: usize = 3;

/// Thanked by name only from this many new alliances in the period. One new
/// alliance is already in the digest's list, with both names: thanking its
/// two people again says nothing new. Building several is what stands out.
pub(super) const MIN_NEW_ALLIANCES: usize = 2;

/// The people who formed the most of the period's new alliances, most
/// first, among those who welcome shout-outs; at most
/// [`MAX_BRIDGE_BUILDERS`], each with at least [`MIN_NEW_ALLIANCES`]. Each
/// new alliance counts once for each of its two people, whether or not the
/// other may be named. An equal count goes to the lower Slack id, so the same
/// history always thanks the same people. Their team is kept only when
/// `shown`.
pub(super) fn most_new_alliances(
    snapshot: &Snapshot,
    formed: &[Formed<'_>],
    shown: &ShownTeams<'_>,
) -> Vec<BridgeBuilder> {
    let mut counts: BTreeMap<&UserId, usize> = BTreeMap::new();
    for alliance in formed {
        for person in [alliance.tie.pair.low(), alliance.tie.pair.high()] {
            *counts.entry(person).or_default() += 1;
        }
    }
    let mut builders: Vec<BridgeBuilder> = counts
        .into_iter()
        .filter(|(_, new_alliances)| *new_alliances >= MIN_NEW_ALLIANCES)
        .filter_map(|(id, new_alliances)| {
            let person = snapshot.people.get(id).filter(|p| p.welcomes_shoutouts())?;
            Some(BridgeBuilder {
                person: id.clone(),
                team: shown.label(person.team.as_ref()?),
                new_alliances,
            })
        })
        .collect();
    builders.sort_by(|a, b| {
        b.new_alliances
            .cmp(&a.new_alliances)
            .then_with(|| a.person.cmp(&b.person))
    });
    builders.truncate(MAX_BRIDGE_BUILDERS);
    builders
}

#[cfg(test)]
mod tests {
    use super::super::plan_digest;
    use super::*;
    use crate::domain::{DigestPolicy, Person};
    use crate::rules::fixtures::*;
    use chrono::Duration;

    const NO_FLOOR: DigestPolicy = DigestPolicy {
        k_anonymity_floor: 1,
    };

    /// The bridge-builders of the week of 1 June 2026, as "id:count".
    fn thanked(people: Vec<Person>, meetings: &[(&str, &str)]) -> Vec<String> {
        digest_of_week(people, meetings, 1)
            .bridge_builders
            .iter()
            .map(|b| format!("{}:{}", b.person, b.new_alliances))
            .collect()
    }

    fn welcoming(id: &str, team: &str) -> Person {
        Person {
            shoutouts: true,
            ..person(id, team)
        }
    }

    #[test]
    fn only_people_who_said_yes_to_shout_outs_are_thanked_and_nobody_stands_in_for_the_others() {
        // U1 formed the most, but never said yes: simply not listed.
        let people = vec![
            person("U1", "Payments"),
            welcoming("U2", "Platform"),
            welcoming("U3", "Design"),
            person("U4", "Legal"),
        ];
        let meetings = [("U1", "U2"), ("U1", "U3"), ("U1", "U4"), ("U2", "U3")];
        assert_eq!(thanked(people, &meetings), ["U2:2", "U3:2"]);
    }

    #[test]
    fn someone_opted_out_is_never_thanked_even_with_shout_outs_on() {
        let mut people = vec![
            welcoming("U1", "Payments"),
            welcoming("U2", "Platform"),
            person("U3", "Design"),
        ];
        people[0].opted_out = true;
        let meetings = [("U1", "U2"), ("U1", "U3"), ("U2", "U3")];
        assert_eq!(thanked(people, &meetings), ["U2:2"]);
    }

    #[test]
    fn one_new_alliance_is_listed_already_so_it_earns_no_second_mention() {
        let people = vec![welcoming("U1", "Payments"), welcoming("U2", "Platform")];
        assert!(thanked(people, &[("U1", "U2")]).is_empty());
    }

    #[test]
    fn at_most_three_are_thanked_most_first_and_equal_counts_in_id_order() {
        let people = vec![
            welcoming("U1", "Payments"),
            welcoming("U2", "Platform"),
            welcoming("U3", "Design"),
            welcoming("U4", "Legal"),
            welcoming("U5", "Data"),
            welcoming("U6", "Sales"),
        ];
        // U6: 3; U2, U3, U4: 2 each (U4 loses the tie on id); U5: 1.
        let meetings = [
            ("U6", "U2"),
            ("U6", "U3"),
            ("U6", "U4"),
            ("U2", "U3"),
            ("U4", "U5"),
        ];
        assert_eq!(thanked(people, &meetings), ["U6:3", "U2:2", "U3:2"]);
    }

    #[test]
    fn old_alliances_met_again_and_meetings_within_a_team_do_not_count() {
        let since = at(2026, 6, 1);
        let people = vec![
            welcoming("U1", "Payments"),
            welcoming("U2", "Platform"),
            welcoming("U3", "Design"),
            welcoming("U5", "Payments"),
        ];
        // U1's only new alliance is with U3: one, not three.
        let ties = vec![
            tie("U1", "U2", at(2026, 1, 1), at(2026, 6, 3), 4),
            tie("U1", "U5", at(2026, 6, 3), at(2026, 6, 3), 1),
            tie("U1", "U3", at(2026, 6, 3), at(2026, 6, 3), 1),
        ];
        let digest = plan_digest(
            &Snapshot::new(people, ties, vec![]),
            since,
            since + Duration::days(7),
            &NO_FLOOR,
        );
        assert!(digest.bridge_builders.is_empty());
    }
}
