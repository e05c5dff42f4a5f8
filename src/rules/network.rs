//! *The network*: which teams have alliances with which, and how that grew.
//! The digest's team map and the admins' insights page are drawn from it.
//!
//! Team-level only, under the k-anonymity floor: a team with fewer active
//! people than the floor is counted, never shown, so no cell, bridge or gap
//! speaks of a handful of people (see [`ShownTeams`]).

use super::{Snapshot, first_ties_between};
use crate::domain::{
    BridgeFormed, Insights, Policy, ShownTeams, TeamId, TeamMap, TeamPair, Tie, WeekOfAlliances,
    every_pair, pair_index,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// The team map at `now`: for every pair of teams at or above `floor`,
/// their active alliances, their alliances ever, and their summed strength.
pub fn team_map(snapshot: &Snapshot, now: DateTime<Utc>, policy: &Policy, floor: u32) -> TeamMap {
    team_map_of(snapshot, now, policy, &snapshot.shown_teams(floor))
}

/// The team map at `now` of the teams `shown`.
fn team_map_of(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    shown: &ShownTeams<'_>,
) -> TeamMap {
    let teams = shown.shown();
    let mut pairs: Vec<TeamPair> = every_pair(&teams)
        .map(|(low, high)| TeamPair {
            teams: ((*low).clone(), (*high).clone()),
            active_alliances: 0,
            alliances_ever: 0,
            strength: 0.0,
        })
        .collect();
    let cells = Cells::of(&teams);
    let half_life = policy.half_life;
    for tie in snapshot.ties.iter().filter(|t| t.first_at <= now) {
        let Some(cell) = cells.of_tie(snapshot, tie) else {
            continue;
        };
        let pair = &mut pairs[cell];
        pair.alliances_ever += 1;
        // Someone who left is no longer part of the teams' reach.
        if !both_active(snapshot, tie) {
            continue;
        }
        if policy.active(tie, now) {
            pair.active_alliances += 1;
        }
        pair.strength += tie.strength_at(&policy.weights, half_life, now);
    }
    TeamMap {
        as_of: now,
        active_days: policy.active_days,
        teams: teams.into_iter().cloned().collect(),
        pairs,
        small_teams_held_back: shown.held_back(),
        teams_left_out: 0,
    }
}

/// What the insights page shows at `now`: the team map, the last `weeks`
/// weeks of new alliances and bridges, every bridge between shown teams and
/// the shown pairs still without a tie.
pub fn insights(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    floor: u32,
    weeks: usize,
) -> Insights {
    let shown = snapshot.shown_teams(floor);
    let map = team_map_of(snapshot, now, policy, &shown);
    let this_monday = monday_of(now.date_naive());
    let span = i64::try_from(weeks.saturating_sub(1)).unwrap_or(0);
    let first_monday = this_monday - Duration::weeks(span);
    let mut weekly: BTreeMap<NaiveDate, WeekOfAlliances> = (0..weeks)
        .map(|w| {
            let monday = first_monday + Duration::weeks(i64::try_from(w).unwrap_or(0));
            let week = WeekOfAlliances {
                monday,
                new_alliances: 0,
                bridges: 0,
            };
            (monday, week)
        })
        .collect();

    let first_between = first_ties_between(snapshot, now, |tie, _, _| {
        if let Some(week) = weekly.get_mut(&monday_of(tie.first_at.date_naive())) {
            week.new_alliances += 1;
        }
    });
    // Only the bridges between two shown teams are drawn.
    let mut bridges: Vec<BridgeFormed> = first_between
        .into_iter()
        .filter(|((low, high), _)| shown.shows(low) && shown.shows(high))
        .map(|((low, high), tie)| BridgeFormed {
            teams: (low.clone(), high.clone()),
            at: tie.first_at,
        })
        .collect();
    bridges.sort_by(|x, y| y.at.cmp(&x.at).then_with(|| x.teams.cmp(&y.teams)));
    for bridge in &bridges {
        if let Some(week) = weekly.get_mut(&monday_of(bridge.at.date_naive())) {
            week.bridges += 1;
        }
    }
    let unconnected = map
        .pairs
        .iter()
        .filter(|p| p.never_connected())
        .map(|p| p.teams.clone())
        .collect();

    Insights {
        people: shown.people(),
        weeks: weekly.into_values().collect(),
        bridges,
        unconnected,
        map,
        // Set by the caller: the partnerships read the log, and the
        // caller knows the leaders' threshold.
        partnerships: Vec::new(),
        partnerships_as_of: None,
        lonely_leaders: None,
    }
}

/// The Monday of `day`'s week.
pub(super) fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

fn both_active(snapshot: &Snapshot, tie: &Tie) -> bool {
    [tie.pair.low(), tie.pair.high()]
        .into_iter()
        .all(|user| snapshot.people.get(user).is_some_and(|p| !p.deactivated))
}

/// Where each pair of shown teams sits in a map's `pairs`.
struct Cells<'a> {
    index: FxHashMap<&'a TeamId, usize>,
    teams: usize,
}

impl<'a> Cells<'a> {
    fn of(teams: &[&'a TeamId]) -> Self {
        Self {
            index: teams.iter().enumerate().map(|(i, t)| (*t, i)).collect(),
            teams: teams.len(),
        }
    }

    /// The cell of an alliance between two shown teams.
    fn of_tie(&self, snapshot: &Snapshot, tie: &Tie) -> Option<usize> {
        let (a, b) = snapshot.alliance_teams(tie)?;
        pair_index(self.teams, *self.index.get(a)?, *self.index.get(b)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::*;

    fn now() -> DateTime<Utc> {
        at(2026, 11, 25)
    }

    fn cell<'m>(map: &'m TeamMap, a: &str, b: &str) -> &'m TeamPair {
        let i = map.teams.iter().position(|t| t.as_str() == a).unwrap();
        let j = map.teams.iter().position(|t| t.as_str() == b).unwrap();
        map.pair(i, j).unwrap()
    }

    #[test]
    fn the_map_counts_active_alliances_per_pair_of_teams_and_marks_pairs_never_connected() {
        let ties = vec![
            tie("UPAY1", "UPLA1", at(2026, 1, 5), at(2026, 11, 20), 4), // active
            tie("UPAY2", "UPLA1", at(2026, 2, 1), at(2026, 3, 1), 2),   // quiet since March
            tie("UPAY1", "UPAY2", at(2026, 2, 1), at(2026, 11, 1), 3),  // same team
            tie("UDES1", "UPLA3", at(2026, 10, 1), at(2026, 10, 1), 1), // active, weaker
        ];
        let snapshot = Snapshot::new(four_teams(), ties, vec![]);
        let map = team_map(&snapshot, now(), &Policy::default(), 5);

        assert_eq!(map.teams, ["Design", "Payments", "Platform"].map(team));
        assert_eq!(map.small_teams_held_back, 1, "Legal has two people");
        let payments_platform = cell(&map, "Payments", "Platform");
        assert_eq!(payments_platform.active_alliances, 1);
        assert_eq!(payments_platform.alliances_ever, 2);
        assert!(payments_platform.strength > cell(&map, "Design", "Platform").strength);
        let design_payments = cell(&map, "Design", "Payments");
        assert!(design_payments.never_connected());
        assert_eq!(design_payments.strength, 0.0);
    }

    #[test]
    fn a_person_who_left_keeps_the_pair_connected_but_adds_no_strength() {
        let mut people = four_teams();
        people[0].deactivated = true; // UPAY1
        let ties = vec![tie("UPAY1", "UPLA1", at(2026, 11, 1), at(2026, 11, 20), 3)];
        let map = team_map(
            &Snapshot::new(people, ties, vec![]),
            now(),
            &Policy::default(),
            4,
        );
        let pair = cell(&map, "Payments", "Platform");
        assert_eq!(
            (pair.alliances_ever, pair.active_alliances, pair.strength),
            (1, 0, 0.0)
        );
    }

    #[test]
    fn insights_count_new_alliances_and_bridges_week_by_week() {
        let ties = vec![
            // The week of Monday 9 November: the first Payments–Platform
            // tie (a bridge), and a second one.
            tie("UPAY1", "UPLA1", at(2026, 11, 10), at(2026, 11, 10), 1),
            tie("UPAY2", "UPLA2", at(2026, 11, 12), at(2026, 11, 12), 1),
            // This week: a new alliance with Legal, a small team: counted
            // company-wide, never shown as a bridge.
            tie("UPAY3", "ULEG1", at(2026, 11, 23), at(2026, 11, 23), 1),
            // Long before the window.
            tie("UDES1", "UPLA3", at(2025, 1, 6), at(2025, 1, 6), 1),
        ];
        let snapshot = Snapshot::new(four_teams(), ties, vec![]);
        let insights = insights(&snapshot, now(), &Policy::default(), 5, 4);

        let weeks: Vec<(String, u32, u32)> = insights
            .weeks
            .iter()
            .map(|w| (w.monday.to_string(), w.new_alliances, w.bridges))
            .collect();
        assert_eq!(
            weeks,
            [
                ("2026-11-02".to_owned(), 0, 0),
                ("2026-11-09".to_owned(), 2, 1),
                ("2026-11-16".to_owned(), 0, 0),
                ("2026-11-23".to_owned(), 1, 0),
            ]
        );
        let bridges: Vec<String> = insights
            .bridges
            .iter()
            .map(|b| format!("{}–{} {}", b.teams.0, b.teams.1, b.at.date_naive()))
            .collect();
        assert_eq!(
            bridges,
            ["Payments–Platform 2026-11-10", "Design–Platform 2025-01-06"]
        );
        assert_eq!(insights.unconnected, [(team("Design"), team("Payments"))]);
        assert_eq!(insights.people, 17);
    }

    #[test]
    fn nothing_after_now_is_counted() {
        let ties = vec![tie("UPAY1", "UPLA1", at(2026, 12, 1), at(2026, 12, 1), 1)];
        let snapshot = Snapshot::new(four_teams(), ties, vec![]);
        let insights = insights(&snapshot, now(), &Policy::default(), 5, 2);
        assert!(insights.bridges.is_empty());
        assert!(insights.weeks.iter().all(|w| w.new_alliances == 0));
        assert_eq!(insights.unconnected.len(), 3);
    }

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }
}
