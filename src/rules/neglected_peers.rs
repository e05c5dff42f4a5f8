//! *Neglected peers*: whom to remind of which fading alliance.
//!
//! An alliance is neglected once its last interaction is older than the
//! cadence. Each person gets at most one nudge per run and no more than the
//! weekly cap, and only inside their local delivery window on a working day
//! (one nudge a day at most, however often the job runs); nobody opted out,
//! deactivated or snoozed is nudged or named, nor anyone a person paused;
//! after a nudge, the tie rests for the cooldown.

use super::{Policy, Snapshot};
use crate::domain::{Nudge, NudgeReason, PairKey, Tie, UserId};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Plans this run's nudges: at most one per person, in recipient order.
pub fn plan_nudges(snapshot: &Snapshot, now: DateTime<Utc>, policy: &Policy) -> Vec<Nudge> {
    let week_ago = now - Duration::days(7);
    // One nudge a day at most, however often the job runs in a window.
    let today_start = now - Duration::hours(20);
    let mut sent_today: HashSet<&UserId> = HashSet::new();
    let cooldown_start = now - Duration::days(i64::from(policy.tie_cooldown_days));
    let mut sent_this_week: HashMap<&UserId, u32> = HashMap::new();
    let mut resting: HashSet<PairKey> = HashSet::new();
    for sent in &snapshot.recent_nudges {
        if sent.at > week_ago {
            *sent_this_week.entry(&sent.to).or_default() += 1;
        }
        if sent.at > today_start {
            sent_today.insert(&sent.to);
        }
        if sent.at > cooldown_start {
            resting.extend(PairKey::new(&sent.to, &sent.about));
        }
    }

    let mut candidates: BTreeMap<&UserId, Vec<Candidate>> = BTreeMap::new();
    for tie in &snapshot.ties {
        let Some(candidate_pair) = neglected(snapshot, tie, now, policy) else {
            continue;
        };
        if resting.contains(&tie.pair) {
            continue;
        }
        for (to, about) in [candidate_pair, (candidate_pair.1, candidate_pair.0)] {
            if snapshot.nudgeable_at(to, now)
                && snapshot.nudgeable_at(about, now)
                && !snapshot.paused(to, about)
            {
                candidates
                    .entry(to)
                    .or_default()
                    .push(Candidate { about, tie });
            }
        }
    }

    let mut plan = Vec::new();
    for (to, mut options) in candidates {
        if sent_this_week.get(to).copied().unwrap_or(0) >= policy.nudges_per_person_per_week
            || sent_today.contains(to)
        {
            continue;
        }
        let tz = snapshot.people.get(to).and_then(|p| p.tz.as_deref());
        if !policy.window_open(tz, now) {
            continue;
        }
        options.sort_by(|x, y| {
            y.priority(now)
                .cmp(&x.priority(now))
                .then_with(|| x.about.cmp(y.about))
        });
        // Once a pair is in the plan, the other side waits: one reminder per tie.
        let Some(chosen) = options.into_iter().find(|c| !resting.contains(&c.tie.pair)) else {
            continue;
        };
        resting.insert(chosen.tie.pair.clone());
        let Some(about_team) = snapshot.team_of(chosen.about).cloned() else {
            continue;
        };
        plan.push(Nudge {
            to: to.clone(),
            about: chosen.about.clone(),
            about_team,
            reason: NudgeReason {
                last_met: chosen.tie.last_at,
                days_since: (now - chosen.tie.last_at).num_days(),
                cadence_days: policy.cadence_days,
                times_met: chosen.tie.count,
                last_note: chosen.tie.last_note.clone(),
            },
        });
    }
    plan
}

/// The two people of `tie` if it is an alliance that is overdue at `now`.
fn neglected<'a>(
    snapshot: &Snapshot,
    tie: &'a Tie,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Option<(&'a UserId, &'a UserId)> {
    snapshot.alliance_teams(tie)?;
    let overdue = now - tie.last_at > Duration::days(i64::from(policy.cadence_days));
    overdue.then(|| (tie.pair.low(), tie.pair.high()))
}

struct Candidate<'a> {
    about: &'a UserId,
    tie: &'a Tie,
}

impl Candidate<'_> {
    /// Ties that mattered (met often) and have been quiet longest come first:
    /// times met × days since they last met.
    fn priority(&self, now: DateTime<Utc>) -> i64 {
        i64::from(self.tie.count) * (now - self.tie.last_at).num_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SentNudge;
    use crate::rules::fixtures::*;

    fn names(plan: &[Nudge]) -> Vec<String> {
        plan.iter()
            .map(|n| format!("{}->{}", n.to, n.about))
            .collect()
    }

    #[test]
    fn an_overdue_alliance_is_nudged_and_a_fresh_one_is_not() {
        let now = at(2026, 6, 1);
        let ties = vec![
            tie("U1", "U2", at(2025, 9, 1), at(2026, 3, 1), 4), // 92 days: overdue
            tie("U3", "U4", at(2025, 9, 1), at(2026, 5, 1), 4), // 31 days: fresh
        ];
        let plan = plan_nudges(&Snapshot::new(company(), ties, vec![]), now, &always_open());
        assert_eq!(names(&plan), ["U1->U2"]);
        let reason = &plan[0].reason;
        assert_eq!(reason.days_since, 92);
        assert_eq!(reason.times_met, 4);
        assert_eq!(reason.last_note.as_deref(), Some("coffee"));
        assert_eq!(plan[0].about_team.as_str(), "Platform");
    }

    #[test]
    fn ties_inside_one_team_are_not_alliances() {
        let now = at(2026, 6, 1);
        let ties = vec![tie("U1", "U5", at(2025, 1, 1), at(2025, 2, 1), 9)];
        assert!(
            plan_nudges(&Snapshot::new(company(), ties, vec![]), now, &always_open()).is_empty()
        );
    }

    #[test]
    fn the_cadence_is_a_strict_boundary() {
        let policy = always_open();
        let ties = vec![tie("U1", "U2", at(2026, 1, 1), at(2026, 3, 1), 2)];
        let snapshot = Snapshot::new(company(), ties, vec![]);
        assert!(plan_nudges(&snapshot, at(2026, 3, 1) + Duration::days(60), &policy).is_empty());
        assert_eq!(
            plan_nudges(&snapshot, at(2026, 3, 1) + Duration::days(61), &policy).len(),
            1
        );
    }

    #[test]
    fn nobody_opted_out_or_deactivated_is_nudged_or_named() {
        let now = at(2026, 6, 1);
        let mut people = company();
        people[1].opted_out = true; // U2
        people[3].deactivated = true; // U4
        let ties = vec![
            tie("U1", "U2", at(2025, 9, 1), at(2026, 1, 1), 3),
            tie("U3", "U4", at(2025, 9, 1), at(2026, 1, 1), 3),
            tie("U5", "U3", at(2025, 9, 1), at(2026, 1, 1), 3),
        ];
        let plan = plan_nudges(&Snapshot::new(people, ties, vec![]), now, &always_open());
        assert_eq!(names(&plan), ["U3->U5"]);
    }

    #[test]
    fn snoozed_people_and_paused_peers_are_left_alone() {
        let now = at(2026, 6, 1);
        let ties = vec![
            tie("U1", "U2", at(2025, 9, 1), at(2026, 1, 1), 3),
            tie("U3", "U4", at(2025, 9, 1), at(2026, 1, 1), 3),
        ];
        let mut people = company();
        people[0].snoozed_until = Some(now + Duration::days(14)); // U1
        people[2].paused.insert(user("U4")); // U3 paused U4
        let plan = plan_nudges(
            &Snapshot::new(people.clone(), ties.clone(), vec![]),
            now,
            &always_open(),
        );
        assert_eq!(
            names(&plan),
            ["U4->U3"],
            "U1 is snoozed; U3 paused U4, but U4 may still reach U3"
        );

        let later = now + Duration::days(15);
        let plan = plan_nudges(&Snapshot::new(people, ties, vec![]), later, &always_open());
        assert_eq!(names(&plan), ["U1->U2", "U4->U3"], "a snooze ends");
    }

    #[test]
    fn one_nudge_per_person_per_week_and_the_strongest_overdue_tie_first() {
        let now = at(2026, 6, 1);
        let ties = vec![
            tie("U1", "U2", at(2025, 9, 1), at(2026, 2, 1), 2),
            tie("U1", "U4", at(2025, 9, 1), at(2026, 3, 1), 10),
        ];
        let snapshot = Snapshot::new(company(), ties.clone(), vec![]);
        let plan = plan_nudges(&snapshot, now, &always_open());
        assert_eq!(names(&plan), ["U1->U4", "U2->U1"]);

        let sent = vec![SentNudge {
            to: user("U1"),
            about: user("U4"),
            at: now - Duration::days(6),
        }];
        let plan = plan_nudges(&Snapshot::new(company(), ties, sent), now, &always_open());
        assert_eq!(
            names(&plan),
            ["U2->U1"],
            "U1 had a nudge this week; U4's tie rests"
        );
    }

    #[test]
    fn a_nudged_tie_rests_for_the_cooldown_on_both_sides() {
        let policy = always_open();
        let ties = vec![tie("U1", "U2", at(2025, 9, 1), at(2026, 1, 1), 3)];
        let sent_at = at(2026, 6, 1);
        let sent = vec![SentNudge {
            to: user("U1"),
            about: user("U2"),
            at: sent_at,
        }];
        let snapshot = Snapshot::new(company(), ties, sent);
        assert!(plan_nudges(&snapshot, sent_at + Duration::days(27), &policy).is_empty());
        assert_eq!(
            plan_nudges(&snapshot, sent_at + Duration::days(29), &policy).len(),
            1
        );
    }

    #[test]
    fn nudges_go_out_only_inside_the_local_window_on_working_days_and_once_a_day() {
        let policy = Policy {
            nudges_per_person_per_week: 3,
            ..Policy::default()
        };
        let mut people = company();
        for person in &mut people {
            person.tz = Some("America/New_York".to_owned());
        }
        let ties = vec![
            tie("U1", "U2", at(2025, 9, 1), at(2026, 1, 1), 3),
            tie("U1", "U4", at(2025, 9, 1), at(2026, 1, 1), 2),
        ];
        let snapshot = Snapshot::new(people.clone(), ties.clone(), vec![]);
        let monday =
            |h, m| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 1, h, m, 0).unwrap();
        // 10:00–11:00 in New York (UTC-4 in June) is 14:00–15:00 UTC.
        assert!(plan_nudges(&snapshot, monday(13, 59), &policy).is_empty());
        let planned = plan_nudges(&snapshot, monday(14, 0), &policy);
        assert_eq!(names(&planned), ["U1->U2", "U4->U1"]);
        assert!(plan_nudges(&snapshot, monday(15, 0), &policy).is_empty());
        let saturday =
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 6, 14, 30, 0).unwrap();
        assert!(plan_nudges(&snapshot, saturday, &policy).is_empty());

        // The job runs again at 14:15, after the first nudges went out.
        let sent: Vec<SentNudge> = planned
            .iter()
            .map(|n| SentNudge {
                to: n.to.clone(),
                about: n.about.clone(),
                at: monday(14, 0),
            })
            .collect();
        let again = plan_nudges(&Snapshot::new(people, ties, sent), monday(14, 15), &policy);
        assert!(
            again.is_empty(),
            "no second nudge in the same window: {:?}",
            names(&again)
        );
    }

    #[test]
    fn the_plan_is_the_same_for_the_same_history_and_time() {
        let now = at(2026, 6, 1);
        let ties = vec![
            tie("U1", "U2", at(2025, 9, 1), at(2026, 2, 1), 2),
            tie("U3", "U4", at(2025, 9, 1), at(2026, 2, 1), 2),
            tie("U5", "U4", at(2025, 9, 1), at(2026, 2, 1), 2),
        ];
        let mut reversed = ties.clone();
        reversed.reverse();
        let a = plan_nudges(&Snapshot::new(company(), ties, vec![]), now, &always_open());
        let b = plan_nudges(
            &Snapshot::new(company(), reversed, vec![]),
            now,
            &always_open(),
        );
        assert_eq!(a, b);
    }
}
