//! What the nudges and early warnings already sent allow: the weekly cap,
//! one message a day, the cooldown of a tie after a reminder, and the
//! spacing of introductions (an early warning's step to meet someone new
//! included).

use super::{Policy, Snapshot};
use crate::domain::{PairKey, Person, UserId};
use chrono::{DateTime, Duration, Utc};
use rustc_hash::{FxHashMap, FxHashSet};

/// The limits the recently sent nudges set, at one planning time.
pub(super) struct RecentNudges<'a> {
    this_week: FxHashMap<&'a UserId, u32>,
    today: FxHashSet<&'a UserId>,
    /// Ties reminded of within the cooldown, and pairs already planned in
    /// this run: one reminder per tie.
    pub resting: FxHashSet<PairKey>,
    /// Pairs introduced within `intro_repeat_days`, by an introduction or
    /// by an early warning's step to meet someone new.
    pub introduced: FxHashSet<PairKey>,
    /// People who got an introduction within the cooldown.
    pub introduced_lately: FxHashSet<&'a UserId>,
    /// People whose nudge in this run is decided already: a key
    /// partnership's. No other rule nudges them.
    pub decided: FxHashSet<&'a UserId>,
}

impl<'a> RecentNudges<'a> {
    /// The limits at `now` from the snapshot's sent nudges.
    pub fn at(snapshot: &'a Snapshot, now: DateTime<Utc>, policy: &Policy) -> Self {
        let week_ago = now - Duration::days(7);
        // One nudge a day at most, however often the job runs in a window.
        let today_start = now - Duration::hours(20);
        let cooldown_start = now - Duration::days(i64::from(policy.tie_cooldown_days));
        let repeat_start = now - Duration::days(i64::from(policy.intro_repeat_days));
        let mut recent = Self {
            this_week: FxHashMap::default(),
            today: FxHashSet::default(),
            resting: FxHashSet::default(),
            introduced: FxHashSet::default(),
            introduced_lately: FxHashSet::default(),
            decided: FxHashSet::default(),
        };
        // An early warning is a message as a nudge is: it counts against
        // the caps once, by its leader's record (one a month at most, so
        // the last is the only one within a week).
        let warnings = snapshot
            .people
            .values()
            .filter_map(|p| Some((&p.id, p.early_warned_at?)));
        let messages = snapshot
            .recent_nudges
            .iter()
            .filter(|sent| !sent.warning_step)
            .map(|sent| (&sent.to, sent.at));
        for (to, at) in messages.chain(warnings) {
            if at > week_ago {
                *recent.this_week.entry(to).or_default() += 1;
            }
            if at > today_start {
                recent.today.insert(to);
            }
        }
        for sent in &snapshot.recent_nudges {
            if sent.is_intro() {
                if sent.at > repeat_start {
                    recent
                        .introduced
                        .extend(PairKey::new(&sent.to, &sent.about));
                }
                if sent.at > cooldown_start {
                    recent.introduced_lately.insert(&sent.to);
                }
            } else if sent.at > cooldown_start {
                recent.resting.extend(PairKey::new(&sent.to, &sent.about));
            }
        }
        recent
    }

    /// Whether `to` may get a nudge at `now`: nudgeable, under the weekly
    /// cap, none yet today, no early warning within the tie cooldown,
    /// inside their local window on a working day, and not decided already
    /// in this run.
    pub fn may_receive(
        &self,
        snapshot: &Snapshot,
        to: &UserId,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> bool {
        // An early warning's steps are the leader's nudges for a while: no
        // other nudge piles on while its ties would rest after a reminder.
        let resting = Duration::days(i64::from(policy.tie_cooldown_days)).max(Duration::hours(20));
        let warned_lately =
            |person: &Person| person.early_warned_at.is_some_and(|at| at > now - resting);
        !self.decided.contains(to)
            && snapshot.people.get(to).is_some_and(|p| !warned_lately(p))
            && self.may_receive_first(snapshot, to, now, policy)
    }

    /// Whether `to` may get a key partnership's nudge at `now`, which comes
    /// before every other message, an early warning's quiet included:
    /// nudgeable, under the weekly cap, none yet today, and inside their
    /// local window on a working day.
    pub fn may_receive_first(
        &self,
        snapshot: &Snapshot,
        to: &UserId,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> bool {
        let Some(person) = snapshot.people.get(to) else {
            return false;
        };
        person.nudgeable_at(now)
            && self.this_week.get(to).copied().unwrap_or(0) < policy.nudges_per_person_per_week
            && !self.today.contains(to)
            && policy.window.is_open(person.tz.as_deref(), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SentNudge;
    use crate::rules::fixtures::*;

    #[test]
    fn an_early_warning_counts_against_the_weekly_cap_and_the_day_s_limit() {
        // No quiet after a warning beyond the day: only the caps hold.
        let policy = Policy {
            tie_cooldown_days: 0,
            ..always_open()
        };
        let warned_at = at(2026, 6, 1);
        let mut people = company();
        people[0].early_warned_at = Some(warned_at);
        let snapshot = Snapshot::new(people, vec![], vec![]);
        let may = |now| {
            let recent = RecentNudges::at(&snapshot, now, &policy);
            let first = recent.may_receive_first(&snapshot, &user("U1"), now, &policy);
            (
                first,
                recent.may_receive(&snapshot, &user("U1"), now, &policy),
            )
        };

        assert_eq!(
            may(warned_at + Duration::hours(2)),
            (false, false),
            "that day"
        );
        assert_eq!(
            may(warned_at + Duration::days(3)),
            (false, false),
            "that week"
        );
        assert_eq!(may(warned_at + Duration::days(8)), (true, true));
    }

    #[test]
    fn a_warning_s_step_to_meet_someone_spaces_introductions_but_is_not_a_message_of_its_own() {
        let now = at(2026, 6, 1);
        let step = SentNudge::warning_step(user("U1"), user("U6"), now - Duration::days(2));
        let snapshot = Snapshot::new(company(), vec![], vec![step]);
        let recent = RecentNudges::at(&snapshot, now, &always_open());
        assert!(
            recent
                .introduced
                .contains(&PairKey::new(&user("U6"), &user("U1")).unwrap())
        );
        assert_eq!(recent.this_week.get(&user("U1")), None);
        assert!(!recent.today.contains(&user("U1")));
    }
}
