//! *Introductions*: a person with no active alliance is introduced to
//! someone in a team their team is least connected with.
//!
//! Who gets one: someone with a team, no alliance active in the last
//! `active_days`, who may get a nudge now (see [`RecentNudges`]) and had no
//! introduction within the cooldown. To whom: the first person, in the
//! teams ordered by fewest active alliances with the recipient's team,
//! then by fewest active alliances of their own, who may be nudged about,
//! whom the recipient has never met nor paused, and who was not suggested
//! with them within `intro_repeat_days`. Nobody is suggested twice in one
//! run. Where someone the recipient knows also knows the peer, or works
//! with the peer's team, the introduction names them.

use super::recent_nudges::RecentNudges;
use super::team_gaps::TeamGaps;
use super::{Policy, Snapshot};
use crate::domain::{Intro, Nudge, NudgeReason, PairKey, SharedContact, TeamId, Tie, UserId};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// Plans this run's introductions, for people not in `planned` (those who
/// already have a reminder), in recipient order.
pub(super) fn plan_intros(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    recent: &RecentNudges<'_>,
    gaps: &TeamGaps<'_>,
    planned: &FxHashSet<&UserId>,
) -> Vec<Nudge> {
    let network = Network::of(snapshot, now, policy);
    let lonely: Vec<(&UserId, &TeamId)> = snapshot
        .people
        .values()
        .filter_map(|p| Some((&p.id, p.team.as_ref()?)))
        .filter(|(id, _)| !network.has_active_alliance(id) && !planned.contains(id))
        .filter(|(id, _)| !recent.introduced_lately.contains(id))
        .filter(|(id, _)| recent.may_receive(snapshot, id, now, policy))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    if lonely.is_empty() {
        return Vec::new();
    }

    // Who may be suggested, by team, the least connected first.
    let mut by_team: BTreeMap<&TeamId, Vec<&UserId>> = BTreeMap::new();
    for person in snapshot.people.values() {
        if let Some(team) = &person.team
            && person.nudgeable_at(now)
        {
            by_team.entry(team).or_default().push(&person.id);
        }
    }
    for members in by_team.values_mut() {
        // Each person's count looked up once, not once per comparison.
        members.sort_by_cached_key(|id| (network.active_alliances(id), *id));
    }

    let mut suggested: FxHashSet<&UserId> = FxHashSet::default();
    // Two lonely people may each be the other's best match: one DM is enough.
    let mut planned_pairs: FxHashSet<PairKey> = FxHashSet::default();
    let mut plan = Vec::new();
    for (to, own_team) in lonely {
        let mut teams: Vec<&TeamId> = by_team.keys().copied().filter(|t| *t != own_team).collect();
        teams.sort_by_key(|team| (gaps.alliances(own_team, team), *team));
        let peer = teams.iter().find_map(|team| {
            by_team[team]
                .iter()
                .find(|peer| {
                    !suggested.contains(*peer)
                        && !snapshot.paused(to, peer)
                        && PairKey::new(to, peer).is_some_and(|pair| {
                            !network.tied(&pair)
                                && !recent.introduced.contains(&pair)
                                && !planned_pairs.contains(&pair)
                        })
                })
                .map(|peer| (*peer, *team))
        });
        let Some((about, about_team)) = peer else {
            continue;
        };
        suggested.insert(about);
        planned_pairs.extend(PairKey::new(to, about));
        plan.push(Nudge {
            to: to.clone(),
            about: about.clone(),
            about_team: about_team.clone(),
            planned_at: now,
            reason: NudgeReason::Intro(Intro {
                last_alliance_at: network.last_alliance.get(to).copied(),
                quiet_days: policy.active_days,
                gap: gaps.gap(own_team, about_team, policy),
                shared_contact: network.shared_contact(snapshot, to, about, about_team, now),
            }),
        });
    }
    plan
}

/// Who has met whom, as the introductions need it.
struct Network<'a> {
    /// Everyone's ties, with the other person.
    ties_of: FxHashMap<&'a UserId, Vec<(&'a UserId, &'a Tie)>>,
    /// Every pair that has a tie.
    pairs: FxHashSet<&'a PairKey>,
    /// Each person's latest interaction across teams.
    last_alliance: FxHashMap<&'a UserId, DateTime<Utc>>,
    /// Each person's active alliances.
    active: FxHashMap<&'a UserId, u32>,
}

impl<'a> Network<'a> {
    fn of(snapshot: &'a Snapshot, now: DateTime<Utc>, policy: &Policy) -> Self {
        let mut network = Network {
            ties_of: FxHashMap::default(),
            pairs: FxHashSet::with_capacity_and_hasher(snapshot.ties.len(), Default::default()),
            last_alliance: FxHashMap::default(),
            active: FxHashMap::default(),
        };
        for tie in &snapshot.ties {
            let (low, high) = (tie.pair.low(), tie.pair.high());
            network.pairs.insert(&tie.pair);
            network.ties_of.entry(low).or_default().push((high, tie));
            network.ties_of.entry(high).or_default().push((low, tie));
            if snapshot.alliance_teams(tie).is_none() {
                continue;
            }
            for person in [low, high] {
                let last = network.last_alliance.entry(person).or_insert(tie.last_at);
                *last = (*last).max(tie.last_at);
                if policy.active(tie, now) {
                    *network.active.entry(person).or_default() += 1;
                }
            }
        }
        network
    }

    fn has_active_alliance(&self, user: &UserId) -> bool {
        self.active.contains_key(user)
    }

    fn active_alliances(&self, user: &UserId) -> u32 {
        self.active.get(user).copied().unwrap_or(0)
    }

    fn tied(&self, pair: &PairKey) -> bool {
        self.pairs.contains(pair)
    }

    /// Someone `to` has met who may be named: one both have met, else one
    /// with a tie in `about_team`; the one `to` knows best first.
    fn shared_contact(
        &self,
        snapshot: &Snapshot,
        to: &UserId,
        about: &UserId,
        about_team: &TeamId,
        now: DateTime<Utc>,
    ) -> Option<SharedContact> {
        let mut known: Vec<(&UserId, &Tie)> = self
            .ties_of
            .get(to)?
            .iter()
            .copied()
            .filter(|(contact, _)| *contact != about && snapshot.nudgeable_at(contact, now))
            .collect();
        known.sort_by(|(x, x_tie), (y, y_tie)| {
            (y_tie.count, y_tie.last_at)
                .cmp(&(x_tie.count, x_tie.last_at))
                .then_with(|| x.cmp(y))
        });
        let ties_of = |contact: &UserId| self.ties_of.get(contact).into_iter().flatten();
        if let Some((contact, _)) = known
            .iter()
            .find(|(contact, _)| ties_of(contact).any(|(other, _)| *other == about))
        {
            return Some(SharedContact::Mutual((*contact).clone()));
        }
        known
            .iter()
            .find(|(contact, _)| {
                ties_of(contact).any(|(other, _)| snapshot.team_of(other) == Some(about_team))
            })
            .map(|(contact, _)| SharedContact::KnowsTeam((*contact).clone()))
    }
}
