//! The key partnerships' weeks on the insights page, kept for a while.
//!
//! How a partnership stood at the end of each of the last 26 weeks needs
//! the meetings of those weeks, which only the interaction log keeps: a
//! read of about a third of it (1.4 s for 10,000 people, 25 s for 100,000,
//! against 0.1 s and 1.7 s for the rest of the page). An admin who opens
//! the page, then opens it again, should not pay that twice. So the weeks
//! worked out are kept and given again while:
//!
//! - they are younger than [`KEPT_FOR`], and of the same UTC day (the
//!   weeks shown end with the current one);
//! - everything about the people that they depend on is as it was
//!   ([`PeopleKey`]): who is known, their team, whether they lead and
//!   what, and whether the bot may speak to them (who a partnership binds
//!   and counts, and which teams are shown under the k-anonymity floor,
//!   follow these). A snooze or an early warning changes none of it; a
//!   forget-me removes the person with their meetings, which changes it.
//!
//! Meetings logged since are not in them until they are worked out again,
//! on the first load after that; the page says when they were
//! ([`Insights::partnerships_as_of`]). Two loads at once work them out
//! once: the second waits for the first.
//!
//! [`Insights::partnerships_as_of`]: crate::domain::Insights::partnerships_as_of

use crate::domain::{PartnershipHealth, Person, UserId};
use chrono::{DateTime, Duration, Utc};
use rustc_hash::FxHashMap;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;
use tokio::sync::Mutex;

/// How long worked-out weeks are given again: an admin looking through
/// the page, and a colleague opening it after them, see the same figures
/// without waiting again, and a meeting logged is counted within the
/// quarter of an hour.
pub const KEPT_FOR: Duration = Duration::minutes(15);

/// What the weeks depend on among the people, as one number: equal for
/// the same people, whatever the order they are held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PeopleKey(u64);

impl PeopleKey {
    /// The key of `people`: each person's id, team, roles and whether the
    /// bot may speak to them, hashed, and the hashes summed.
    pub(super) fn of(people: &FxHashMap<UserId, Person>) -> Self {
        // One random hasher a process: keys are compared within it only.
        static HASHER: OnceLock<RandomState> = OnceLock::new();
        let hasher = HASHER.get_or_init(RandomState::new);
        let sum = people.values().fold(0_u64, |sum, p| {
            let what = (&p.id, &p.team, &p.roles, p.opted_out, p.deactivated);
            sum.wrapping_add(hasher.hash_one(what))
        });
        Self(sum ^ people.len() as u64)
    }
}

/// The slot of the weeks worked out last; one per scheduler, shared by
/// its clones.
#[derive(Debug, Default)]
pub(super) struct PartnershipWeeks {
    /// An async Mutex, held while the weeks are worked out, across the
    /// awaited reads of the log: a second request waits for them rather
    /// than reading the log again.
    kept: Mutex<Option<Kept>>,
}

#[derive(Debug)]
struct Kept {
    at: DateTime<Utc>,
    people: PeopleKey,
    health: Vec<PartnershipHealth>,
}

impl PartnershipWeeks {
    /// The weeks at `now` with the people whose key is `people`, and when
    /// they were worked out: those kept, if still good (see the module
    /// doc), or the ones `work_out` gives, which are then kept. `work_out`
    /// is awaited only when they are not.
    pub(super) async fn at<E>(
        &self,
        now: DateTime<Utc>,
        people: PeopleKey,
        work_out: impl Future<Output = Result<Vec<PartnershipHealth>, E>>,
    ) -> Result<(Vec<PartnershipHealth>, DateTime<Utc>), E> {
        let mut slot = self.kept.lock().await;
        if let Some(kept) = slot.as_ref().filter(|kept| {
            kept.people == people
                && kept.at <= now
                && now - kept.at < KEPT_FOR
                && kept.at.date_naive() == now.date_naive()
        }) {
            return Ok((kept.health.clone(), kept.at));
        }
        let health = work_out.await?;
        *slot = Some(Kept {
            at: now,
            people,
            health: health.clone(),
        });
        Ok((health, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Binds, PartnershipWeek, TeamId};
    use chrono::TimeZone;
    use std::cell::Cell;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, hour, minute, 0).unwrap()
    }

    /// A partnership whose only week shows `live` of 5.
    fn health(live: usize) -> Vec<PartnershipHealth> {
        vec![PartnershipHealth {
            teams: (
                TeamId::parse("Engineering").unwrap(),
                TeamId::parse("Product").unwrap(),
            ),
            binds: Binds::Leads,
            cadence_days: 14,
            weeks: vec![PartnershipWeek {
                monday: at(0, 0).date_naive(),
                live_of_bound: Some((live, 5)),
            }],
        }]
    }

    #[tokio::test]
    async fn weeks_are_worked_out_again_when_old_on_another_day_or_people_changed() {
        let weeks = PartnershipWeeks::default();
        let reads = Cell::new(0);
        let work_out = |live| {
            reads.set(reads.get() + 1);
            Ok::<_, ()>(health(live))
        };
        assert_eq!(
            weeks
                .at(at(9, 0), PeopleKey(1), async { work_out(3) })
                .await,
            Ok((health(3), at(9, 0)))
        );
        assert_eq!(
            weeks
                .at(at(9, 14), PeopleKey(1), async { work_out(4) })
                .await,
            Ok((health(3), at(9, 0))),
            "kept, and said to be from 9:00"
        );
        assert_eq!(reads.get(), 1);
        assert_eq!(
            weeks
                .at(at(9, 15), PeopleKey(1), async { work_out(4) })
                .await
                .unwrap()
                .0,
            health(4)
        );
        assert_eq!(
            weeks
                .at(at(9, 16), PeopleKey(2), async { work_out(2) })
                .await
                .unwrap()
                .0,
            health(2)
        );
        assert_eq!(reads.get(), 3, "fifteen minutes old, then people changed");

        weeks
            .at(at(23, 55), PeopleKey(2), async { work_out(2) })
            .await
            .unwrap();
        let next_day = at(23, 55) + Duration::minutes(10);
        assert_eq!(
            weeks
                .at(next_day, PeopleKey(2), async { work_out(1) })
                .await
                .unwrap()
                .0,
            health(1)
        );
        assert_eq!(reads.get(), 5, "a new day may begin a new week");
    }

    #[test]
    fn the_people_key_follows_who_is_bound_and_shown_and_nothing_else() {
        let ada = || Person {
            team: Some(TeamId::parse("Engineering").unwrap()),
            ..Person::new(UserId::parse("U1").unwrap(), "Ada")
        };
        let lou = Person {
            team: Some(TeamId::parse("Product").unwrap()),
            ..Person::new(UserId::parse("U2").unwrap(), "Lou")
        };
        let key = |people: Vec<Person>| {
            PeopleKey::of(&people.into_iter().map(|p| (p.id.clone(), p)).collect())
        };
        let before = key(vec![ada(), lou.clone()]);
        assert_eq!(key(vec![lou.clone(), ada()]), before, "in any order");
        let snoozed = Person {
            snoozed_until: Some(at(9, 0)),
            ..ada()
        };
        assert_eq!(
            key(vec![snoozed, lou.clone()]),
            before,
            "a snooze binds nobody"
        );
        let changes: [fn(&mut Person); 5] = [
            |p| p.team = Some(TeamId::parse("Sales").unwrap()),
            |p| p.roles.leader = true,
            |p| p.roles.leads = Some(TeamId::parse("Product").unwrap()),
            |p| p.opted_out = true,
            |p| p.deactivated = true,
        ];
        for change in changes {
            let mut changed = ada();
            change(&mut changed);
            assert_ne!(key(vec![changed, lou.clone()]), before, "{:?}", ada());
        }
        assert_ne!(key(vec![lou]), before, "someone forgotten");
    }

    #[tokio::test]
    async fn a_failed_read_keeps_nothing() {
        let weeks = PartnershipWeeks::default();
        assert_eq!(
            weeks
                .at(at(9, 0), PeopleKey(1), async { Err("the log") })
                .await,
            Err("the log")
        );
        assert_eq!(
            weeks
                .at(at(9, 1), PeopleKey(1), async { Ok::<_, &str>(health(2)) })
                .await
                .unwrap()
                .1,
            at(9, 1)
        );
    }
}
