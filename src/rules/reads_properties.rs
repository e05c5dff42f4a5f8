//! Property tests of what the rules read: `allies` and a round of circles
//! are answered from part of the tie index (the store reads the asker's
//! ties and their peers', or the ties among the leaders, by key), and the
//! part must give the same answer as the whole, whatever the data.

use super::fixtures::{at, person, tie, user};
use super::{Policy, Snapshot, allies_in, circle_eligible, form_circles};
use crate::domain::{PairKey, Person, TeamId, Tie, UserId};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// The k-anonymity floor `allies` is asked with: low enough that most
/// generated teams are shown, so warm paths are compared too.
const FLOOR: u32 = 2;

fn now() -> DateTime<Utc> {
    at(2026, 6, 1)
}

/// Up to 30 people in up to five teams, some leaders, some opted out or
/// deactivated, some pausing others; and ties among them, live and fading.
fn any_company() -> impl Strategy<Value = (Vec<Person>, Vec<Tie>)> {
    let one = (
        0..5_usize,
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.1, 0..30_usize),
    );
    let people = prop::collection::vec(one, 2..30).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (team, leader, opted_out, deactivated, pauses))| {
                let mut p = person(&format!("U{i}"), &format!("Team{team}"));
                p.roles.leader = leader;
                p.opted_out = opted_out;
                p.deactivated = deactivated;
                p.paused
                    .extend(pauses.map(|other| user(&format!("U{other}"))));
                p
            })
            .collect::<Vec<_>>()
    });
    people.prop_flat_map(|people| {
        let n = people.len();
        let ties = prop::collection::vec((0..n, 0..n, 1_i64..400, 1_u32..6), 0..80);
        (Just(people), ties).prop_map(|(people, raw)| {
            let mut ties: BTreeMap<PairKey, Tie> = BTreeMap::new();
            for (a, b, ago, count) in raw {
                let (a, b) = (format!("U{a}"), format!("U{b}"));
                let Some(pair) = PairKey::new(&user(&a), &user(&b)) else {
                    continue;
                };
                let last = now() - Duration::days(ago);
                ties.insert(pair, tie(&a, &b, last - Duration::days(30), last, count));
            }
            (people, ties.into_values().collect())
        })
    })
}

/// The ties of which some end is in `people`.
fn touching(ties: &[Tie], people: &BTreeSet<&UserId>) -> Vec<Tie> {
    ties.iter()
        .filter(|t| people.contains(t.pair.low()) || people.contains(t.pair.high()))
        .cloned()
        .collect()
}

proptest! {
    #[test]
    fn allies_from_the_askers_and_their_peers_ties_are_allies_from_every_tie(
        (people, ties) in any_company(),
        asker in 0..30_usize,
        asked in prop::collection::btree_set(0..5_usize, 1..3),
    ) {
        let me = user(&format!("U{}", asker % people.len()));
        let teams: Vec<TeamId> = asked
            .iter()
            .map(|t| TeamId::parse(&format!("Team{t}")).unwrap())
            .collect();
        let policy = Policy::default();
        let whole = Snapshot::new(people.clone(), ties.clone(), vec![]);
        let mut around: BTreeSet<&UserId> = BTreeSet::from([&me]);
        around.extend(ties.iter().filter_map(|t| t.pair.other(&me)));
        let part = Snapshot::new(people.clone(), touching(&ties, &around), vec![]);
        prop_assert_eq!(
            allies_in(&part, &me, &teams, now(), &policy, &part.shown_teams(FLOOR), 5),
            allies_in(&whole, &me, &teams, now(), &policy, &whole.shown_teams(FLOOR), 5)
        );
    }

    #[test]
    fn a_round_from_the_ties_among_the_leaders_is_the_round_from_every_tie(
        (people, ties) in any_company(),
    ) {
        let policy = Policy::default();
        let form = |ties: Vec<Tie>| {
            let snapshot = Snapshot::new(people.clone(), ties, vec![]);
            form_circles(&snapshot, &[], now(), &policy, 4, Duration::days(182))
        };
        let leaders: BTreeSet<&UserId> = people
            .iter()
            .filter(|p| circle_eligible(p, now()))
            .map(|p| &p.id)
            .collect();
        let among: Vec<Tie> = ties
            .iter()
            .filter(|t| leaders.contains(t.pair.low()) && leaders.contains(t.pair.high()))
            .cloned()
            .collect();
        prop_assert_eq!(form(among), form(ties.clone()));
    }
}
