//! How each key partnership stands: of the people it binds, how many have
//! a live partnership tie — now, for the digest ([`standings`]), and at the
//! end of each of the last weeks, for the insights page
//! ([`PartnershipHistory`]).
//!
//! Team-level only. A figure is given only when both teams may be shown
//! ([`ShownTeams`]) and the partnership binds at least the k-anonymity
//! floor's number of people: "1 of 2 leads" would say which lead has
//! drifted apart. Nothing here names anyone.

use super::Bound;
use crate::domain::{
    Interaction, PartnershipHealth, PartnershipStanding, PartnershipWeek, ShownTeams, UserId,
};
use crate::rules::Snapshot;
use crate::rules::network::monday_of;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rustc_hash::FxHashMap;

/// Each partnership's standing at `at` whose figure may be shown under
/// `floor`, in the settings' order.
pub(in crate::rules) fn standings(
    snapshot: &Snapshot,
    at: DateTime<Utc>,
    shown: &ShownTeams<'_>,
    floor: u32,
) -> Vec<PartnershipStanding> {
    if snapshot.partnerships.is_empty() {
        return Vec::new();
    }
    let bound = Bound::of(snapshot);
    snapshot
        .partnerships
        .iter()
        .enumerate()
        .filter_map(|(index, partnership)| {
            let (first, second) = partnership.teams();
            let people = bound.bound_by(index);
            if !(shown.shows(first) && shown.shows(second) && at_floor(people.len(), floor)) {
                return None;
            }
            let live = people
                .iter()
                .filter(|person| {
                    bound
                        .ties_of(person, index)
                        .iter()
                        .any(|(_, tie)| tie.last_at <= at && partnership.live(tie, at))
                })
                .count();
            Some(PartnershipStanding {
                teams: (first.clone(), second.clone()),
                binds: partnership.binds(),
                live,
                bound: people.len(),
            })
        })
        .collect()
}

/// Whether `people` bound are enough to be counted under `floor`.
fn at_floor(people: usize, floor: u32) -> bool {
    people > 0 && people >= usize::try_from(floor).unwrap_or(usize::MAX)
}

/// Each partnership's health over the last weeks, worked out from the
/// interactions in the window: the tie index keeps only a pair's last
/// meeting, and whether a tie was live at the end of a past week needs a
/// meeting within the cadence before it. Fed the interaction log one at a
/// time ([`PartnershipHistory::record`]), it keeps only the meetings of the
/// people the partnerships bind across them, so the log need not be held.
pub struct PartnershipHistory<'a> {
    snapshot: &'a Snapshot,
    bound: Bound<'a>,
    now: DateTime<Utc>,
    /// The Monday of each week shown, oldest first.
    mondays: Vec<NaiveDate>,
    /// No meeting before this counts: the first week's end less the
    /// longest cadence.
    from: DateTime<Utc>,
    /// When each bound person met someone across each of their
    /// partnerships, by (person, partnership).
    met: FxHashMap<(&'a UserId, usize), Vec<DateTime<Utc>>>,
}

impl<'a> PartnershipHistory<'a> {
    /// A history of the snapshot's partnerships over the `weeks` weeks up
    /// to `now`'s, the same weeks the insights page counts new alliances in.
    pub fn new(snapshot: &'a Snapshot, now: DateTime<Utc>, weeks: usize) -> Self {
        let this_monday = monday_of(now.date_naive());
        let mondays: Vec<NaiveDate> = (0..weeks)
            .rev()
            .map(|back| this_monday - Duration::weeks(i64::try_from(back).unwrap_or(0)))
            .collect();
        let longest = snapshot
            .partnerships
            .iter()
            .map(|p| p.cadence_days())
            .max()
            .unwrap_or(0);
        let first_end = mondays.first().map_or(now, |monday| week_end(*monday, now));
        Self {
            snapshot,
            bound: Bound::of(snapshot),
            now,
            mondays,
            from: first_end - Duration::days(i64::from(longest)),
            met: FxHashMap::default(),
        }
    }

    /// The instants from which and until which an interaction counts: a
    /// reader of the log may skip the others ([`PartnershipHistory::record`]
    /// ignores them).
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.from, self.now)
    }

    /// Takes note of `interaction` if it joins a bound person to someone
    /// across one of their partnerships within the window.
    pub fn record(&mut self, interaction: &Interaction) {
        if interaction.at < self.from || interaction.at > self.now {
            return;
        }
        for (a, b) in interaction.pairs() {
            for (person, peer) in [(a, b), (b, a)] {
                let Some((person, sides)) = self.bound.sides.get_key_value(person) else {
                    continue;
                };
                let Some(peer) = self.snapshot.people.get(peer) else {
                    continue;
                };
                for side in sides {
                    if peer.is_partner_in(side.other) {
                        self.met
                            .entry((*person, side.partnership))
                            .or_default()
                            .push(interaction.at);
                    }
                }
            }
        }
    }

    /// Each partnership's weeks, a figure only where it may be shown under
    /// `floor`, in the settings' order.
    pub fn health(&self, floor: u32) -> Vec<PartnershipHealth> {
        let shown = self.snapshot.shown_teams(floor);
        self.snapshot
            .partnerships
            .iter()
            .enumerate()
            .map(|(index, partnership)| {
                let (first, second) = partnership.teams();
                let people = self.bound.bound_by(index);
                let may_show =
                    shown.shows(first) && shown.shows(second) && at_floor(people.len(), floor);
                let cadence = Duration::days(i64::from(partnership.cadence_days()));
                let weeks = self
                    .mondays
                    .iter()
                    .map(|monday| {
                        let end = week_end(*monday, self.now);
                        let live = people
                            .iter()
                            .filter(|person| {
                                self.met.get(&(**person, index)).is_some_and(|times| {
                                    times.iter().any(|at| *at <= end && end - *at <= cadence)
                                })
                            })
                            .count();
                        PartnershipWeek {
                            monday: *monday,
                            live_of_bound: may_show.then_some((live, people.len())),
                        }
                    })
                    .collect();
                PartnershipHealth {
                    teams: (first.clone(), second.clone()),
                    binds: partnership.binds(),
                    cadence_days: partnership.cadence_days(),
                    weeks,
                }
            })
            .collect()
    }
}

/// The end of the week starting on `monday`: the next Monday at midnight
/// (UTC), or `now` for the week under way.
fn week_end(monday: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let next = (monday + Duration::weeks(1)).and_time(chrono::NaiveTime::MIN);
    next.and_utc().min(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Binds, InteractionKind, Partnership, Person, TeamId};
    use crate::rules::fixtures::*;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    /// Engineering and Product of five each, everyone in Engineering bound.
    fn company() -> Vec<Person> {
        let mut people = members("UE", "Engineering", 5);
        people.extend(members("UP", "Product", 5));
        people
    }

    fn snapshot(people: Vec<Person>, ties: Vec<crate::domain::Tie>) -> Snapshot {
        let everyone =
            Partnership::new(team("Engineering"), team("Product"), 14, Binds::Everyone).unwrap();
        Snapshot::new(people, ties, vec![]).with_partnerships(vec![everyone])
    }

    fn met(a: &str, b: &str, at: DateTime<Utc>) -> Interaction {
        Interaction::new(at, InteractionKind::Meeting, [user(a), user(b)], None, None).unwrap()
    }

    #[test]
    fn the_digest_counts_who_has_a_live_tie_but_only_at_or_above_the_floor() {
        let now = at(2026, 6, 1);
        let ties = vec![
            tie("UE1", "UP1", at(2026, 1, 1), at(2026, 5, 25), 3), // live
            tie("UE2", "UP1", at(2026, 1, 1), at(2026, 5, 1), 3),  // fading
            tie("UE3", "UE4", at(2026, 1, 1), at(2026, 5, 30), 3), // same team
        ];
        let snapshot = snapshot(company(), ties);
        let standing = |floor| standings(&snapshot, now, &snapshot.shown_teams(floor), floor);
        let five = standing(5);
        assert_eq!(five.len(), 1);
        assert_eq!((five[0].live, five[0].bound), (1, 5));
        assert!(standing(6).is_empty(), "teams of five under a floor of six");

        let mut fewer = company();
        fewer[4].opted_out = true; // UE5: bound no more; Engineering still counts five
        let snapshot = self::snapshot(fewer, vec![]);
        assert!(
            standings(&snapshot, now, &snapshot.shown_teams(5), 5).is_empty(),
            "four people bound, under the floor"
        );
    }

    #[test]
    fn each_week_counts_who_had_met_across_within_the_cadence_before_its_end() {
        // Wednesday 27 May 2026; the weeks of 11, 18 and 25 May.
        let now = at(2026, 5, 27);
        let snapshot = snapshot(company(), vec![]);
        let mut history = PartnershipHistory::new(&snapshot, now, 3);
        for interaction in [
            met("UE1", "UP1", at(2026, 5, 5)), // live at the end of 11 May's week
            met("UE2", "UP2", at(2026, 5, 20)), // live for 18 May's and this week
            met("UE3", "UE4", at(2026, 5, 20)), // same team: no partnership tie
            met("UE5", "UP5", at(2026, 4, 1)), // before the window
            met("UE5", "UP5", at(2026, 5, 28)), // after now
        ] {
            history.record(&interaction);
        }
        let health = history.health(5);
        let weeks: Vec<(String, Option<(usize, usize)>)> = health[0]
            .weeks
            .iter()
            .map(|w| (w.monday.to_string(), w.live_of_bound))
            .collect();
        assert_eq!(
            weeks,
            [
                ("2026-05-11".to_owned(), Some((1, 5))),
                ("2026-05-18".to_owned(), Some((1, 5))),
                ("2026-05-25".to_owned(), Some((1, 5))),
            ]
        );
        let held_back = history.health(6);
        assert!(held_back[0].weeks.iter().all(|w| w.live_of_bound.is_none()));
    }
}
