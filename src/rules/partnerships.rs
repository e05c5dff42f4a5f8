//! *Key partnerships*: two teams that must stay joined (see
//! [`Partnership`]), and the nudge that keeps each person it binds joined.
//!
//! A partnership binds whoever leads either team (and, with `binds =
//! "everyone"`, every member of the first), if the bot may speak to them.
//! A bound person's *partnership ties* are their alliances with people in
//! the other team or who lead it, whom the bot may speak to (someone who
//! left or opted out is nobody's partner); one is live while quiet no
//! longer than the partnership's own cadence. A bound person without a live one gets,
//! before any other rule is asked:
//!
//! - a reminder of their strongest fading partnership tie (strength now),
//!   with a peer who may be nudged about and whom they did not pause;
//! - with none, an introduction to someone in the other team who leads it,
//!   not suggested to them within `intro_repeat_days` nor to anyone else
//!   in this run (a team's designated lead first, then by id), so that a
//!   lead is not handed a whole team at once.
//!
//! It outranks every other nudge: whoever the partnership has a nudge for
//! gets no other nudge in the run. When what it would raise must wait —
//! the pair rests after a reminder for the shorter of the partnership's
//! cadence and `tie_cooldown_days`, introductions are spaced by the
//! cooldown as the other introductions are, and each lead is introduced
//! once a run — the other rules may nudge them meanwhile. Someone
//! bound by two partnerships hears of the one most overdue (never met
//! first). Every limit of [`RecentNudges`] holds.

mod health;

pub use health::PartnershipHistory;
pub(super) use health::standings;

use super::recent_nudges::RecentNudges;
use super::{Policy, Snapshot};
use crate::domain::{
    FadingTie, KeyPartnership, Nudge, NudgeReason, PairKey, Partnership, Person, TeamId, Tie,
    UserId, stronger_first,
};
use chrono::{DateTime, Duration, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// Plans this run's partnership nudges, in recipient order. Everyone it
/// plans a nudge for joins `recent.decided`, so no other rule nudges them
/// in this run; each planned pair joins
/// `recent.resting` (a reminder) or `recent.introduced` (an introduction),
/// so the other rules do not raise it too.
pub(super) fn plan_partnership_nudges<'a>(
    snapshot: &'a Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    recent: &mut RecentNudges<'a>,
) -> Vec<Nudge> {
    if snapshot.partnerships.is_empty() {
        return Vec::new();
    }
    let bound = Bound::of(snapshot);
    let rested = rested_pairs(snapshot);
    let leads = leads_by_team(snapshot, now);
    let mut suggested: FxHashSet<&UserId> = FxHashSet::default();
    let mut planned_pairs: FxHashSet<PairKey> = FxHashSet::default();
    let mut plan = Vec::new();
    for (to, sides) in &bound.sides {
        if !recent.may_receive_first(snapshot, to, now, policy) {
            continue;
        }
        let mut best: Option<(f64, Send<'a>)> = None;
        for (index, side) in sides.iter().enumerate() {
            let partnership = &snapshot.partnerships[side.partnership];
            let ties = bound.ties_of(to, side.partnership);
            if ties.iter().any(|(_, tie)| partnership.live(tie, now)) {
                continue;
            }
            let context = AskContext {
                snapshot,
                now,
                policy,
                recent,
                rested: &rested,
                planned_pairs: &planned_pairs,
            };
            let ask = match context.reminder(to, partnership, ties) {
                Some(ask) => ask,
                None => context.introduction(to, side.other, ties, &leads, &suggested),
            };
            let overdue = overdue(partnership, ties, now);
            match ask {
                Ask::Send(send) => {
                    if best.as_ref().is_none_or(|(most, _)| overdue > *most) {
                        best = Some((
                            overdue,
                            Send {
                                side: index,
                                ..send
                            },
                        ));
                    }
                }
                Ask::Wait | Ask::Nothing => {}
            }
        }
        if let Some((_, send)) = best {
            recent.decided.insert(to);
            let pair = PairKey::new(to, send.about);
            if send.fading.is_some() {
                recent.resting.extend(pair.clone());
            } else {
                suggested.insert(send.about);
                recent.introduced.extend(pair.clone());
            }
            planned_pairs.extend(pair);
            let side = &sides[send.side];
            let partnership = &snapshot.partnerships[side.partnership];
            plan.push(send.into_nudge(to, side, partnership, now, policy));
        }
    }
    plan
}

/// Everyone the key partnerships have something to raise with at `now`:
/// they hear of it before any other message, an early warning included.
pub(super) fn claimed<'a>(
    snapshot: &'a Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
) -> FxHashSet<&'a UserId> {
    let mut recent = RecentNudges::at(snapshot, now, policy);
    plan_partnership_nudges(snapshot, now, policy, &mut recent);
    recent.decided
}

/// How overdue a partnership is for one person: days since their latest
/// partnership tie over its cadence; never met is the most overdue.
fn overdue(partnership: &Partnership, ties: &[(&UserId, &Tie)], now: DateTime<Utc>) -> f64 {
    ties.iter()
        .map(|(_, tie)| tie.last_at)
        .max()
        .map_or(f64::INFINITY, |last| {
            (now - last).num_days() as f64 / f64::from(partnership.cadence_days())
        })
}

/// What a partnership asks of one person in this run.
enum Ask<'a> {
    /// A nudge to send.
    Send(Send<'a>),
    /// A nudge it would send, but its pair rests or introductions wait:
    /// no introduction instead, and other rules may nudge the person.
    Wait,
    /// Nothing it can raise: nobody to remind them of or introduce them to.
    Nothing,
}

/// A partnership nudge chosen for one person.
struct Send<'a> {
    /// Which of the person's sides (see [`Bound::sides`]); set by the
    /// caller, which knows it.
    side: usize,
    about: &'a UserId,
    /// The tie to revive; `None` for an introduction.
    fading: Option<&'a Tie>,
}

impl Send<'_> {
    fn into_nudge(
        self,
        to: &UserId,
        side: &Side<'_>,
        partnership: &Partnership,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Nudge {
        Nudge {
            to: to.clone(),
            about: self.about.clone(),
            about_team: side.other.clone(),
            planned_at: now,
            reason: NudgeReason::Partnership(KeyPartnership {
                own_team: side.own.clone(),
                other_team: side.other.clone(),
                cadence_days: partnership.cadence_days(),
                fading: self.fading.map(|tie| FadingTie {
                    last_met: tie.last_at,
                    days_since: (now - tie.last_at).num_days(),
                    times_met: tie.count,
                    last_note: tie.last_note.clone(),
                    strength_now: tie.strength_at(&policy.weights, policy.half_life, now),
                }),
            }),
        }
    }
}

/// What choosing one person's partnership nudge reads.
struct AskContext<'r, 'a> {
    snapshot: &'a Snapshot,
    now: DateTime<Utc>,
    policy: &'r Policy,
    recent: &'r RecentNudges<'a>,
    rested: &'r FxHashMap<PairKey, DateTime<Utc>>,
    planned_pairs: &'r FxHashSet<PairKey>,
}

impl<'a> AskContext<'_, 'a> {
    /// The strongest fading tie `to` may be reminded of, or that one must
    /// wait; `None` when no partnership tie is with someone they may be
    /// nudged about.
    fn reminder(
        &self,
        to: &'a UserId,
        partnership: &Partnership,
        ties: &[(&'a UserId, &'a Tie)],
    ) -> Option<Ask<'a>> {
        let (weights, half_life) = (&self.policy.weights, self.policy.half_life);
        let mut open: Vec<(f64, &'a UserId, &'a Tie)> = ties
            .iter()
            .filter(|(peer, _)| {
                self.snapshot.nudgeable_at(peer, self.now) && !self.snapshot.paused(to, peer)
            })
            .map(|(peer, tie)| (tie.strength_at(weights, half_life, self.now), *peer, *tie))
            .collect();
        if open.is_empty() {
            return None;
        }
        let rest = Duration::days(i64::from(
            partnership
                .cadence_days()
                .min(self.policy.tie_cooldown_days),
        ));
        open.retain(|(_, _, tie)| {
            !self.planned_pairs.contains(&tie.pair)
                && self
                    .rested
                    .get(&tie.pair)
                    .is_none_or(|at| self.now - *at >= rest)
        });
        let strongest = open
            .into_iter()
            .min_by(|x, y| stronger_first((x.0, x.1), (y.0, y.1)));
        Some(match strongest {
            Some((_, about, tie)) => Ask::Send(Send {
                side: 0,
                about,
                fading: Some(tie),
            }),
            None => Ask::Wait,
        })
    }

    /// An introduction of `to` to someone who leads `other`, or that one
    /// must wait.
    fn introduction(
        &self,
        to: &'a UserId,
        other: &TeamId,
        ties: &[(&'a UserId, &'a Tie)],
        leads: &BTreeMap<&'a TeamId, Vec<&'a Person>>,
        suggested: &FxHashSet<&'a UserId>,
    ) -> Ask<'a> {
        let met: FxHashSet<&UserId> = ties.iter().map(|(peer, _)| *peer).collect();
        let eligible: Vec<(&'a Person, PairKey)> = leads
            .get(other)
            .into_iter()
            .flatten()
            .filter(|lead| !met.contains(&lead.id) && !self.snapshot.paused(to, &lead.id))
            .filter_map(|lead| Some((*lead, PairKey::new(to, &lead.id)?)))
            // Suggested within the repeat window; this run's own are kept, so
            // that they can be told apart below.
            .filter(|(_, pair)| {
                self.planned_pairs.contains(pair) || !self.recent.introduced.contains(pair)
            })
            .collect();
        let lead = eligible
            .iter()
            .filter(|(lead, pair)| {
                !self.planned_pairs.contains(pair) && !suggested.contains(&lead.id)
            })
            .map(|(lead, _)| *lead)
            .min_by_key(|lead| lead.lead_rank(other));
        match lead {
            // Introduced to each other in this run already, from the other
            // side (that introduction serves both), or every lead has been
            // introduced to someone else in this run: the next run's turn.
            None if !eligible.is_empty() => Ask::Wait,
            None => Ask::Nothing,
            Some(_) if self.recent.introduced_lately.contains(to) => Ask::Wait,
            Some(lead) => Ask::Send(Send {
                side: 0,
                about: &lead.id,
                fading: None,
            }),
        }
    }
}

/// The people who may be introduced as a team's lead, by team: whoever
/// leads it ([`Person::leads_team`]: its lead, wherever they sit, or a
/// leader in it) and may be nudged about now.
fn leads_by_team(snapshot: &Snapshot, now: DateTime<Utc>) -> BTreeMap<&TeamId, Vec<&Person>> {
    let mut leads: BTreeMap<&TeamId, Vec<&Person>> = BTreeMap::new();
    for partnership in &snapshot.partnerships {
        let (first, second) = partnership.teams();
        for team in [first, second] {
            leads.entry(team).or_default();
        }
    }
    for person in snapshot.people.values().filter(|p| p.nudgeable_at(now)) {
        for (team, of_team) in &mut leads {
            if person.leads_team(team) {
                of_team.push(person);
            }
        }
    }
    leads
}

/// The latest reminder sent about each pair: a partnership tie rests for
/// the shorter of its cadence and the cooldown after one.
fn rested_pairs(snapshot: &Snapshot) -> FxHashMap<PairKey, DateTime<Utc>> {
    let mut rested: FxHashMap<PairKey, DateTime<Utc>> = FxHashMap::default();
    for sent in snapshot.recent_nudges.iter().filter(|s| !s.is_intro()) {
        if let Some(pair) = PairKey::new(&sent.to, &sent.about) {
            let latest = rested.entry(pair).or_insert(sent.at);
            *latest = (*latest).max(sent.at);
        }
    }
    rested
}

/// One partnership as it binds one person.
#[derive(Debug)]
pub(super) struct Side<'a> {
    /// Which of the snapshot's partnerships.
    pub partnership: usize,
    /// Their side…
    pub own: &'a TeamId,
    /// …and the other.
    pub other: &'a TeamId,
}

/// Everyone the snapshot's partnerships bind, with their partnership ties.
pub(super) struct Bound<'a> {
    /// Each bound person's partnerships, by id (a sorted map: plans are
    /// made in recipient order).
    pub sides: BTreeMap<&'a UserId, Vec<Side<'a>>>,
    /// Each bound person's partnership ties, by partnership, with the peer.
    ties: FxHashMap<(&'a UserId, usize), Vec<(&'a UserId, &'a Tie)>>,
}

impl<'a> Bound<'a> {
    /// Who the snapshot's partnerships bind, and their partnership ties:
    /// a walk through the people, then one through the ties.
    pub fn of(snapshot: &'a Snapshot) -> Self {
        let mut sides: BTreeMap<&UserId, Vec<Side<'a>>> = BTreeMap::new();
        for person in snapshot.people.values() {
            for (index, partnership) in snapshot.partnerships.iter().enumerate() {
                if let Some((own, other)) = partnership.side_of(person) {
                    sides.entry(&person.id).or_default().push(Side {
                        partnership: index,
                        own,
                        other,
                    });
                }
            }
        }
        let mut ties: FxHashMap<(&UserId, usize), Vec<(&UserId, &Tie)>> = FxHashMap::default();
        for tie in &snapshot.ties {
            for (person, peer) in [
                (tie.pair.low(), tie.pair.high()),
                (tie.pair.high(), tie.pair.low()),
            ] {
                let Some(of_person) = sides.get(person) else {
                    continue;
                };
                let Some(peer_person) = snapshot.people.get(peer) else {
                    continue;
                };
                for side in of_person {
                    if peer_person.is_partner_in(side.other) {
                        ties.entry((person, side.partnership))
                            .or_default()
                            .push((peer, tie));
                    }
                }
            }
        }
        Self { sides, ties }
    }

    /// The people partnership `index` binds, in id order: whom its figures
    /// count.
    pub fn bound_by(&self, index: usize) -> Vec<&'a UserId> {
        self.sides
            .iter()
            .filter(|(_, sides)| sides.iter().any(|side| side.partnership == index))
            .map(|(person, _)| *person)
            .collect()
    }

    /// `person`'s partnership ties in partnership `index`, with the peer.
    pub fn ties_of(&self, person: &'a UserId, index: usize) -> &[(&'a UserId, &'a Tie)] {
        self.ties.get(&(person, index)).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests;
