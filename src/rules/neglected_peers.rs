//! *Neglected peers*: whom to remind of which fading alliance.
//!
//! An alliance is neglected once its last interaction is older than its
//! cadence, which follows the tie's strength. Each person's neglected
//! alliances are ranked by strength now × how overdue (days quiet ÷
//! cadence) × the gap boost of the peer's team, and the first is the
//! reminder. The limits of [`RecentNudges`] apply; nobody opted out,
//! deactivated or snoozed is nudged or named, nor anyone a person paused;
//! after a reminder, the tie rests for the cooldown on both sides.

use super::recent_nudges::RecentNudges;
use super::team_gaps::{Alliance, TeamGaps};
use super::{Policy, Snapshot};
use crate::domain::{Neglected, Nudge, NudgeReason, TeamId, Tie, UserId};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

/// Plans this run's reminders: at most one per person, in recipient order.
/// Each planned tie joins `recent.resting`, so its other side waits.
pub(super) fn plan_reminders(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    recent: &mut RecentNudges<'_>,
    gaps: &TeamGaps<'_>,
) -> Vec<Nudge> {
    let half_life = policy.half_life;
    // Whether each person may get a nudge now, worked out once per person
    // (reading a time zone is not free).
    let mut may_receive: FxHashMap<&UserId, bool> = FxHashMap::default();
    let mut candidates: FxHashMap<&UserId, Vec<Candidate>> = FxHashMap::default();
    for &Alliance {
        tie,
        low_team,
        high_team,
    } in gaps.every_alliance()
    {
        // `policy.overdue`, on the cadence worked out once per tie.
        let cadence_days = policy.cadence_days(tie);
        if !tie.quiet_longer_than(cadence_days, now) || recent.resting.contains(&tie.pair) {
            continue;
        }
        // Strength now × how overdue: the same for both sides, worked out
        // for the first that may be reminded.
        let mut pressing = None;
        let sides = [
            (tie.pair.low(), tie.pair.high(), low_team, high_team),
            (tie.pair.high(), tie.pair.low(), high_team, low_team),
        ];
        for (to, about, own_team, about_team) in sides {
            if !snapshot.nudgeable_at(about, now) || snapshot.paused(to, about) {
                continue;
            }
            let allowed = *may_receive
                .entry(to)
                .or_insert_with(|| recent.may_receive(snapshot, to, now, policy));
            if !allowed {
                continue;
            }
            let pressing = *pressing.get_or_insert_with(|| {
                let strength_now = tie.strength_at(&policy.weights, half_life, now);
                let overdue =
                    (now - tie.last_at).num_days() as f64 / f64::from(cadence_days.max(1));
                strength_now * overdue
            });
            let boost = gaps.boost(own_team, about_team, policy);
            candidates.entry(to).or_default().push(Candidate {
                score: pressing * boost,
                about,
                own_team,
                about_team,
                tie,
            });
        }
    }

    // In recipient order: of two people reminded of the same tie, the first
    // has it.
    let mut candidates: Vec<_> = candidates.into_iter().collect();
    candidates.sort_unstable_by_key(|(to, _)| *to);
    let mut plan = Vec::new();
    for (to, mut options) in candidates {
        options.sort_by(|x, y| {
            y.score
                .total_cmp(&x.score)
                .then_with(|| x.about.cmp(y.about))
        });
        // Once a pair is in the plan, the other side waits: one reminder per tie.
        if let Some(chosen) = options
            .into_iter()
            .find(|c| !recent.resting.contains(&c.tie.pair))
        {
            recent.resting.insert(chosen.tie.pair.clone());
            plan.push(chosen.into_nudge(to, now, policy, gaps));
        }
    }
    plan
}

/// One neglected alliance a person might be reminded of.
struct Candidate<'a> {
    /// Strength now × how overdue × the gap boost: the highest is chosen.
    score: f64,
    about: &'a UserId,
    own_team: &'a TeamId,
    about_team: &'a TeamId,
    tie: &'a Tie,
}

impl Candidate<'_> {
    fn into_nudge(
        self,
        to: &UserId,
        now: DateTime<Utc>,
        policy: &Policy,
        gaps: &TeamGaps<'_>,
    ) -> Nudge {
        Nudge {
            to: to.clone(),
            about: self.about.clone(),
            about_team: self.about_team.clone(),
            planned_at: now,
            reason: NudgeReason::Neglected(Neglected::of(
                self.tie,
                policy,
                now,
                gaps.gap(self.own_team, self.about_team, policy),
            )),
        }
    }
}

/// Whether a planned reminder should still go out, given the tie as it
/// stands now: not if the two have interacted since it was planned (or the
/// tie is gone, forgotten). An introduction is dropped once the two have
/// any tie at all. A partnership's nudge is judged the same way: its
/// reminder as a reminder, its introduction as an introduction.
pub fn still_due(nudge: &Nudge, tie_now: Option<&Tie>) -> bool {
    let last_met = match &nudge.reason {
        NudgeReason::Neglected(reason) => reason.last_met,
        NudgeReason::Partnership(reason) => match &reason.fading {
            Some(fading) => fading.last_met,
            None => return tie_now.is_none(),
        },
        NudgeReason::Intro(_) => return tie_now.is_none(),
    };
    tie_now.is_some_and(|tie| tie.last_at <= last_met)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SentNudge;
    use crate::rules::fixtures::*;
    use chrono::Duration;

    /// The reminders alone, without the introductions the rules add.
    fn reminders(snapshot: &Snapshot, now: DateTime<Utc>, policy: &Policy) -> Vec<Nudge> {
        let mut recent = RecentNudges::at(snapshot, now, policy);
        let gaps = TeamGaps::at(snapshot, now, policy);
        plan_reminders(snapshot, now, policy, &mut recent, &gaps)
    }

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
        let plan = reminders(&Snapshot::new(company(), ties, vec![]), now, &always_open());
        assert_eq!(names(&plan), ["U1->U2"]);
        let NudgeReason::Neglected(reason) = &plan[0].reason else {
            panic!("a reminder: {:?}", plan[0].reason);
        };
        assert_eq!(reason.days_since, 92);
        assert_eq!(reason.times_met, 4);
        assert_eq!(reason.last_note.as_deref(), Some("coffee"));
        assert_eq!(plan[0].about_team.as_str(), "Platform");
    }

    #[test]
    fn ties_inside_one_team_are_not_alliances() {
        let now = at(2026, 6, 1);
        let ties = vec![tie("U1", "U5", at(2025, 1, 1), at(2025, 2, 1), 9)];
        assert!(reminders(&Snapshot::new(company(), ties, vec![]), now, &always_open()).is_empty());
    }

    #[test]
    fn the_cadence_follows_strength_and_is_a_strict_boundary() {
        let policy = always_open();
        // One meeting: the weak cadence, 90 days.
        let once = vec![tie("U1", "U2", at(2026, 3, 1), at(2026, 3, 1), 1)];
        let snapshot = Snapshot::new(company(), once, vec![]);
        assert!(reminders(&snapshot, at(2026, 3, 1) + Duration::days(90), &policy).is_empty());
        assert_eq!(
            reminders(&snapshot, at(2026, 3, 1) + Duration::days(91), &policy).len(),
            1
        );
        // Six meetings on one day: strong, held to 30 days.
        let strong = vec![tie("U1", "U2", at(2026, 3, 1), at(2026, 3, 1), 6)];
        let snapshot = Snapshot::new(company(), strong, vec![]);
        assert!(reminders(&snapshot, at(2026, 3, 1) + Duration::days(30), &policy).is_empty());
        let plan = reminders(&snapshot, at(2026, 3, 1) + Duration::days(31), &policy);
        let NudgeReason::Neglected(reason) = &plan[0].reason else {
            panic!("a reminder");
        };
        assert_eq!((reason.cadence_days, reason.strength_then), (30, 6.0));
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
        let plan = reminders(&Snapshot::new(people, ties, vec![]), now, &always_open());
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
        let plan = reminders(
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
        let plan = reminders(&Snapshot::new(people, ties, vec![]), later, &always_open());
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
        let plan = reminders(&snapshot, now, &always_open());
        assert_eq!(names(&plan), ["U1->U4", "U2->U1"]);

        let sent = vec![SentNudge {
            to: user("U1"),
            about: user("U4"),
            at: now - Duration::days(6),
            reason: None,
            warning_step: false,
        }];
        let plan = reminders(&Snapshot::new(company(), ties, sent), now, &always_open());
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
            reason: None,
            warning_step: false,
        }];
        let snapshot = Snapshot::new(company(), ties, sent);
        assert!(reminders(&snapshot, sent_at + Duration::days(27), &policy).is_empty());
        assert_eq!(
            reminders(&snapshot, sent_at + Duration::days(29), &policy).len(),
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
        assert!(reminders(&snapshot, monday(13, 59), &policy).is_empty());
        let planned = reminders(&snapshot, monday(14, 0), &policy);
        assert_eq!(names(&planned), ["U1->U2", "U4->U1"]);
        assert!(reminders(&snapshot, monday(15, 0), &policy).is_empty());
        let saturday =
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 6, 6, 14, 30, 0).unwrap();
        assert!(reminders(&snapshot, saturday, &policy).is_empty());

        // The job runs again at 14:15, after the first nudges went out.
        let sent: Vec<SentNudge> = planned
            .iter()
            .map(|n| SentNudge {
                to: n.to.clone(),
                about: n.about.clone(),
                at: monday(14, 0),
                reason: None,
                warning_step: false,
            })
            .collect();
        let again = reminders(&Snapshot::new(people, ties, sent), monday(14, 15), &policy);
        assert!(
            again.is_empty(),
            "no second nudge in the same window: {:?}",
            names(&again)
        );
    }

    #[test]
    fn the_window_moves_with_daylight_saving_time_where_the_person_lives() {
        let policy = Policy::default();
        let mut people = company();
        people[0].tz = Some("America/New_York".to_owned()); // U1
        let ties = vec![tie("U1", "U2", at(2025, 9, 1), at(2025, 12, 1), 1)];
        let snapshot = Snapshot::new(people, ties, vec![]);
        let utc = |d, h, m| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, d, h, m, 0).unwrap();
        let to_u1 = |plan: Vec<Nudge>| plan.iter().filter(|n| n.to == user("U1")).count();
        // Friday 6 March, standard time (UTC-5): 10:00 local is 15:00 UTC.
        assert_eq!(to_u1(reminders(&snapshot, utc(6, 14, 30), &policy)), 0);
        assert_eq!(to_u1(reminders(&snapshot, utc(6, 15, 30), &policy)), 1);
        // Monday 9 March, daylight time since Sunday (UTC-4): 14:00 UTC.
        assert_eq!(to_u1(reminders(&snapshot, utc(9, 14, 30), &policy)), 1);
        assert_eq!(to_u1(reminders(&snapshot, utc(9, 15, 30), &policy)), 0);
        // Sunday 8 March, the day of the change, is no working day.
        assert_eq!(to_u1(reminders(&snapshot, utc(8, 14, 30), &policy)), 0);
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
        let a = reminders(&Snapshot::new(company(), ties, vec![]), now, &always_open());
        let b = reminders(
            &Snapshot::new(company(), reversed, vec![]),
            now,
            &always_open(),
        );
        assert_eq!(a, b);
    }
}
