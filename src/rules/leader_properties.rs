//! Property tests of what the bot says to and about leaders, over random
//! companies (those of `properties`) with random leaders and leads: the
//! early warning, `allies` and the lead's view keep the product's privacy
//! promises whatever the data.

use super::fixtures::user;
use super::properties::{any_company, start};
use super::*;
use crate::domain::EARLY_WARNING_EVERY_DAYS;
use chrono::Duration;
use proptest::prelude::*;

/// A random company whose people are leaders with `leaders` in ten, some
/// warned lately.
fn any_company_with_leaders() -> impl Strategy<Value = (Vec<Person>, Vec<Tie>)> {
    (
        any_company(),
        prop::collection::vec((prop::bool::weighted(0.5), 0_i64..60), 10),
    )
        .prop_map(|((mut people, ties), roles)| {
            for (person, (leader, warned_days)) in people.iter_mut().zip(roles) {
                person.roles.leader = leader;
                person.early_warned_at =
                    (warned_days < 45).then(|| start() - Duration::days(warned_days));
            }
            (people, ties)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_early_warning_goes_only_to_a_reachable_unsnoozed_leader_and_names_only_the_nameable(
        (people, ties) in any_company_with_leaders(),
        hours in 0_i64..(24 * 40),
        min_teams in 1_u32..4,
    ) {
        let now = start() + Duration::hours(hours);
        let snapshot = Snapshot::new(people, ties, vec![]);
        let policy = Policy::default().any_time();
        for warning in plan_early_warnings(&snapshot, now, &policy, min_teams) {
            let to = &snapshot.people[&warning.to];
            prop_assert!(to.roles.leader && to.nudgeable_at(now), "to {}", to.id);
            prop_assert!((2..=3).contains(&warning.steps.len()));
            for step in &warning.steps {
                prop_assert!(snapshot.nudgeable_at(step.peer(), now), "names {}", step.peer());
                prop_assert!(!to.paused.contains(step.peer()));
            }
        }
    }

    #[test]
    fn no_leader_is_warned_twice_within_thirty_days(
        (people, ties) in any_company_with_leaders(),
        later_days in 0_i64..EARLY_WARNING_EVERY_DAYS,
    ) {
        let policy = Policy::default().any_time();
        let now = start();
        let first = plan_early_warnings(&Snapshot::new(people.clone(), ties.clone(), vec![]), now, &policy, 3);
        for warning in &first {
            let warned = &people.iter().find(|p| p.id == warning.to).unwrap().early_warned_at;
            prop_assert!(warned.is_none_or(|at| now - at >= Duration::days(EARLY_WARNING_EVERY_DAYS)));
        }
        // What the dispatcher records once Slack accepted them.
        let mut people = people;
        for person in &mut people {
            if first.iter().any(|w| w.to == person.id) {
                person.early_warned_at = Some(now);
            }
        }
        let later = now + Duration::days(later_days) + Duration::hours(1);
        let again = plan_early_warnings(&Snapshot::new(people, ties, vec![]), later, &policy, 3);
        for warning in &again {
            prop_assert!(!first.iter().any(|w| w.to == warning.to), "{} warned twice", warning.to);
        }
    }

    #[test]
    fn allies_names_only_the_askers_own_reachable_ties(
        (people, ties) in any_company(),
        asker in 0_usize..10,
        asked in prop::sample::subsequence(vec!["Payments", "Platform", "Design", "Legal"], 1..3),
    ) {
        let me = user(&format!("U{asker}"));
        let teams: Vec<TeamId> = asked.iter().map(|t| TeamId::parse(t).unwrap()).collect();
        let snapshot = Snapshot::new(people, ties, vec![]);
        let answer = allies_in(&snapshot, &me, &teams, start(), &Policy::default(), &snapshot.shown_teams(5), 5);
        let tied = |peer: &UserId| {
            snapshot.ties.iter().any(|t| t.pair.contains(&me) && t.pair.contains(peer))
        };
        let named = answer.live.shown.iter().chain(&answer.fading.shown).map(|a| &a.peer)
            .chain(answer.warm_paths.shown.iter().map(|w| &w.via));
        for peer in named {
            prop_assert!(*peer != me);
            prop_assert!(snapshot.reachable(peer), "{peer} named though not reachable");
            prop_assert!(tied(peer), "{peer} named though not the asker's own tie");
        }
    }

    #[test]
    fn allies_offers_warm_paths_only_into_teams_at_or_above_the_floor(
        (people, ties) in any_company(),
        asker in 0_usize..10,
        asked in prop::sample::subsequence(vec!["Payments", "Platform", "Design", "Legal"], 1..4),
        floor in 1_u32..5,
    ) {
        let me = user(&format!("U{asker}"));
        let teams: Vec<TeamId> = asked.iter().map(|t| TeamId::parse(t).unwrap()).collect();
        let snapshot = Snapshot::new(people, ties, vec![]);
        let shown = snapshot.shown_teams(floor);
        let answer = allies_in(&snapshot, &me, &teams, start(), &Policy::default(), &snapshot.shown_teams(floor), 3);
        for path in &answer.warm_paths.shown {
            for team in &path.into {
                prop_assert!(shown.shows(team), "a warm path into {team}, under {floor}");
            }
        }
        let small: Vec<&TeamId> = teams.iter().filter(|t| !shown.shows(t)).collect();
        prop_assert_eq!(answer.no_warm_paths_into.iter().collect::<Vec<_>>(), small);
        if teams.iter().all(|t| !shown.shows(t)) {
            prop_assert!(answer.warm_paths.is_empty(), "nobody counted either");
        }
    }

    #[test]
    fn the_team_view_gives_no_figure_for_a_team_under_the_floor(
        (people, ties) in any_company(),
        floor in 1_u32..5,
        team in prop::sample::select(vec!["Payments", "Platform", "Design", "Legal"]),
    ) {
        let team = TeamId::parse(team).unwrap();
        let snapshot = Snapshot::new(people, ties, vec![]);
        let shown = snapshot.shown_teams(floor);
        match team_view(&snapshot, &team, start(), &Policy::default(), floor) {
            None => prop_assert!(!shown.shows(&team)),
            Some(view) => {
                prop_assert!(shown.shows(&view.team));
                for line in &view.reach {
                    prop_assert!(shown.shows(&line.team) && line.team != team);
                }
                for other in &view.without {
                    prop_assert!(shown.shows(other) && *other != team);
                }
            }
        }
    }
}
