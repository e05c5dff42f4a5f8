//! Property tests of the nudge plan over random companies, histories and
//! times: the invariants the product promises, whatever the data. Some
//! people lead (a team, or as leaders), and Payments ↔ Platform is a key
//! partnership, so every property holds of partnership nudges too.

use super::fixtures::{at, person, user};
use super::*;
use crate::domain::{Binds, Interaction, InteractionKind, NudgeReason, PairKey, SentNudge};
use chrono::Duration;
use proptest::prelude::*;

const TEAMS: [&str; 4] = ["Payments", "Platform", "Design", "Legal"];
const ZONES: [&str; 4] = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC"];

/// One random person: team, zone, and the choices that must keep them out
/// of plans.
fn any_person(index: usize) -> impl Strategy<Value = Person> {
    (
        0..TEAMS.len(),
        0..ZONES.len(),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.15, 1_i64..30),
        prop::collection::btree_set(0..10_usize, 0..2),
        prop::bool::weighted(0.3),
        prop::option::weighted(0.3, 0..TEAMS.len()),
    )
        .prop_map(
            move |(team, zone, opted_out, deactivated, snoozed_days, paused, leader, leads)| {
                let mut person = Person {
                    tz: Some(ZONES[zone].to_owned()),
                    opted_out,
                    deactivated,
                    snoozed_until: snoozed_days.map(|d| start() + Duration::days(d)),
                    paused: paused.into_iter().map(|p| user(&format!("U{p}"))).collect(),
                    ..person(&format!("U{index}"), TEAMS[team])
                };
                person.roles.leader = leader;
                person.roles.leads = leads.map(|t| TeamId::parse(TEAMS[t]).unwrap());
                person
            },
        )
}

/// Payments ↔ Platform, binding its leads or everyone in Payments, at a
/// cadence of a week to two months.
fn any_partnership() -> impl Strategy<Value = Partnership> {
    (prop::bool::ANY, 7_u32..60).prop_map(|(everyone, cadence_days)| {
        let binds = if everyone {
            Binds::Everyone
        } else {
            Binds::Leads
        };
        Partnership::new(
            TeamId::parse("Payments").unwrap(),
            TeamId::parse("Platform").unwrap(),
            cadence_days,
            binds,
        )
        .unwrap()
    })
}

pub(super) fn start() -> DateTime<Utc> {
    at(2026, 3, 2)
}

/// A random company of up to ten people and its ties: each a few meetings
/// between two days of the year before `start`.
pub(super) fn any_company() -> impl Strategy<Value = (Vec<Person>, Vec<Tie>)> {
    let people = (2..=10_usize).prop_flat_map(|n| (0..n).map(any_person).collect::<Vec<_>>());
    people.prop_flat_map(|people| {
        let n = people.len();
        let tie = (
            0..n,
            0..n,
            1_i64..365,
            0_i64..365,
            1_u32..8,
            prop::bool::ANY,
        );
        (Just(people), prop::collection::vec(tie, 0..30)).prop_map(|(people, raw)| {
            let mut ties: BTreeMap<PairKey, Tie> = BTreeMap::new();
            for (a, b, first, gap, count, passive) in raw {
                let (a, b) = (user(&format!("U{a}")), user(&format!("U{b}")));
                let Some(pair) = PairKey::new(&a, &b) else {
                    continue;
                };
                let kind = if passive {
                    InteractionKind::Passive
                } else {
                    InteractionKind::Meeting
                };
                let first = start() - Duration::days(first);
                let last = (first + Duration::days(gap)).min(start());
                let met =
                    |at| Interaction::new(at, kind, [a.clone(), b.clone()], None, None).unwrap();
                let mut tie = Tie::first(pair.clone(), &met(first));
                for i in 1..count {
                    let at = first
                        + (last - first) * i32::try_from(i).unwrap()
                            / i32::try_from(count).unwrap();
                    tie.record(&met(at.max(first)), Policy::default().half_life);
                }
                tie.record(&met(last), Policy::default().half_life);
                ties.insert(pair, tie);
            }
            (people, ties.into_values().collect())
        })
    })
}

use std::collections::BTreeMap;

/// Plans every 15 minutes for `days` days, records each planned nudge as
/// sent, and returns everything sent.
fn simulate(
    people: &[Person],
    ties: &[Tie],
    partnership: &Partnership,
    policy: &Policy,
    days: i64,
) -> Vec<SentNudge> {
    let mut sent: Vec<SentNudge> = Vec::new();
    let mut now = start();
    while now < start() + Duration::days(days) {
        let snapshot = Snapshot::new(people.to_vec(), ties.to_vec(), sent.clone())
            .with_partnerships(vec![partnership.clone()]);
        for nudge in plan_nudges(&snapshot, now, policy) {
            sent.push(SentNudge::of(&nudge, now));
        }
        now += Duration::minutes(15);
    }
    sent
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nobody_opted_out_deactivated_snoozed_or_paused_is_ever_nudged_or_named(
        (people, ties) in any_company(),
        partnership in any_partnership(),
        hours in 0_i64..(24 * 40),
    ) {
        let now = start() + Duration::hours(hours);
        let snapshot = Snapshot::new(people, ties, vec![]).with_partnerships(vec![partnership]);
        for nudge in plan_nudges(&snapshot, now, &Policy::default().any_time()) {
            prop_assert!(snapshot.nudgeable_at(&nudge.to, now), "to {}", nudge.to);
            prop_assert!(snapshot.nudgeable_at(&nudge.about, now), "about {}", nudge.about);
            prop_assert!(!snapshot.paused(&nudge.to, &nudge.about), "{} paused {}", nudge.to, nudge.about);
            if let NudgeReason::Intro(intro) = &nudge.reason
                && let Some(contact) = &intro.shared_contact
            {
                prop_assert!(snapshot.nudgeable_at(contact.user(), now), "contact {}", contact.user());
            }
        }
    }

    #[test]
    fn the_weekly_cap_holds_and_nobody_gets_two_nudges_a_day(
        (people, ties) in any_company(),
        partnership in any_partnership(),
        cap in 1_u32..3,
    ) {
        let policy = Policy { nudges_per_person_per_week: cap, ..Policy::default() };
        let sent = simulate(&people, &ties, &partnership, &policy, 15);
        for first in &sent {
            let in_week = sent
                .iter()
                .filter(|s| s.to == first.to && s.at >= first.at && s.at - first.at < Duration::days(7))
                .count();
            prop_assert!(in_week <= cap as usize, "{} got {in_week} nudges in a week", first.to);
            let in_day = sent
                .iter()
                .filter(|s| s.to == first.to && s.at > first.at && s.at - first.at < Duration::hours(20))
                .count();
            prop_assert_eq!(in_day, 0, "{} got two nudges in a day", &first.to);
        }
    }

    #[test]
    fn the_plan_is_the_same_for_the_same_history_and_time_in_any_order(
        (people, ties) in any_company(),
        partnership in any_partnership(),
        hours in 0_i64..(24 * 14),
        rotate in 0_usize..30,
    ) {
        let now = start() + Duration::hours(hours);
        let policy = Policy::default().any_time();
        let partnerships = vec![partnership];
        let plan = plan_nudges(
            &Snapshot::new(people.clone(), ties.clone(), vec![]).with_partnerships(partnerships.clone()),
            now,
            &policy,
        );
        let mut shuffled_ties = ties;
        shuffled_ties.reverse();
        if !shuffled_ties.is_empty() {
            let by = rotate % shuffled_ties.len();
            shuffled_ties.rotate_left(by);
        }
        let mut shuffled_people = people;
        shuffled_people.reverse();
        let again = plan_nudges(
            &Snapshot::new(shuffled_people, shuffled_ties, vec![]).with_partnerships(partnerships),
            now,
            &policy,
        );
        prop_assert_eq!(plan, again);
    }

    #[test]
    fn an_interaction_logged_after_planning_cancels_the_nudge(
        (people, ties) in any_company(),
        partnership in any_partnership(),
        hours in 0_i64..(24 * 14),
        after_minutes in 1_i64..(60 * 24 * 3),
    ) {
        let now = start() + Duration::hours(hours);
        let policy = Policy::default().any_time();
        let snapshot = Snapshot::new(people, ties, vec![]).with_partnerships(vec![partnership]);
        for nudge in plan_nudges(&snapshot, now, &policy) {
            let pair = PairKey::new(&nudge.to, &nudge.about).unwrap();
            let tie_now = snapshot.ties.iter().find(|t| t.pair == pair);
            prop_assert!(still_due(&nudge, tie_now), "nothing happened: still due");
            let met = Interaction::new(
                now + Duration::minutes(after_minutes),
                InteractionKind::WeMet,
                [nudge.to.clone(), nudge.about.clone()],
                None,
                None,
            )
            .unwrap();
            let after = match tie_now.cloned() {
                Some(mut tie) => {
                    tie.record(&met, policy.half_life);
                    tie
                }
                None => Tie::first(pair, &met),
            };
            prop_assert!(!still_due(&nudge, Some(&after)), "they met: {:?}", nudge.reason);
        }
    }

    #[test]
    fn a_partnership_nudge_outranks_any_other_for_the_people_it_binds(
        (people, ties) in any_company(),
        partnership in any_partnership(),
        hours in 0_i64..(24 * 40),
    ) {
        let now = start() + Duration::hours(hours);
        let snapshot = Snapshot::new(people, ties, vec![]).with_partnerships(vec![partnership.clone()]);
        let plan = plan_nudges(&snapshot, now, &Policy::default().any_time());
        // What the partnership raises in this run: a pair once, a lead
        // introduced to one person.
        let partnership_nudges: Vec<&crate::domain::Nudge> = plan
            .iter()
            .filter(|n| matches!(n.reason, NudgeReason::Partnership(_)))
            .collect();
        let raised = |a: &UserId, b: &UserId| {
            partnership_nudges
                .iter()
                .any(|n| (&n.to == a && &n.about == b) || (&n.to == b && &n.about == a))
        };
        let introduced_this_run = |lead: &UserId| {
            partnership_nudges
                .iter()
                .any(|n| &n.about == lead && !matches!(&n.reason, NudgeReason::Partnership(p) if p.fading.is_some()))
        };
        for nudge in &plan {
            let to = &snapshot.people[&nudge.to];
            let Some((_, other)) = partnership.side_of(to) else {
                prop_assert!(
                    !matches!(nudge.reason, NudgeReason::Partnership(_)),
                    "{} is not bound, yet got {:?}", nudge.to, nudge.reason
                );
                continue;
            };
            let across: Vec<&Tie> = snapshot
                .ties
                .iter()
                .filter(|t| t.pair.contains(&nudge.to))
                .filter(|t| {
                    t.pair
                        .other(&nudge.to)
                        .and_then(|p| snapshot.people.get(p))
                        .is_some_and(|p| p.is_partner_in(other))
                })
                .collect();
            if across.iter().any(|t| partnership.live(t, now)) {
                continue;
            }
            // Whom the partnership could raise: a peer across it, or else one
            // of the other team's leads they never met, whom they may be
            // nudged about and who was not raised in this run already.
            let raisable = |peer: &UserId| {
                peer != &nudge.to
                    && snapshot.nudgeable_at(peer, now)
                    && !snapshot.paused(&nudge.to, peer)
            };
            let mut peers = across.iter().filter_map(|t| t.pair.other(&nudge.to)).filter(|p| raisable(p));
            let met: Vec<&UserId> = across.iter().filter_map(|t| t.pair.other(&nudge.to)).collect();
            let no_peer = peers.clone().next().is_none();
            let peer_free = peers.any(|p| !raised(&nudge.to, p));
            let lead_free = no_peer && snapshot.people.values().any(|p| {
                p.leads_team(other)
                    && raisable(&p.id)
                    && !met.contains(&&p.id)
                    && !raised(&nudge.to, &p.id)
                    && !introduced_this_run(&p.id)
            });
            if peer_free || lead_free {
                prop_assert!(
                    matches!(nudge.reason, NudgeReason::Partnership(_)),
                    "{} has no live tie in {other}, yet got {:?}", nudge.to, nudge.reason
                );
            }
        }
    }

    #[test]
    fn no_partnership_figure_speaks_of_a_team_or_a_group_under_the_floor(
        (people, ties) in any_company(),
        partnership in any_partnership(),
        floor in 1_u32..4,
    ) {
        let snapshot = Snapshot::new(people, ties, vec![]).with_partnerships(vec![partnership.clone()]);
        let shown = snapshot.shown_teams(floor);
        let (first, second) = partnership.teams();
        let bound = snapshot.people.values().filter(|p| partnership.side_of(p).is_some()).count();
        let may_show = shown.shows(first) && shown.shows(second) && bound >= floor as usize && bound > 0;
        let digest = plan_digest(
            &snapshot,
            start() - Duration::days(7),
            start(),
            &crate::domain::DigestPolicy { k_anonymity_floor: floor },
        );
        prop_assert_eq!(digest.partnerships.len(), usize::from(may_show));
        for standing in &digest.partnerships {
            prop_assert_eq!(standing.bound, bound);
            prop_assert!(standing.live <= standing.bound);
        }
        let mut history = PartnershipHistory::new(&snapshot, start(), 4);
        for tie in &snapshot.ties {
            let met = Interaction::new(
                tie.last_at,
                InteractionKind::Meeting,
                [tie.pair.low().clone(), tie.pair.high().clone()],
                None,
                None,
            )
            .unwrap();
            history.record(&met);
        }
        for week in &history.health(floor)[0].weeks {
            prop_assert_eq!(week.live_of_bound.is_some(), may_show, "{:?}", week);
            if let Some((live, of)) = week.live_of_bound {
                prop_assert!(live <= of && of == bound);
            }
        }
    }
}
