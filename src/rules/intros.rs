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
    let alliances = AlliancesByPerson::of(now, policy, gaps);
    let lonely: Vec<(&UserId, &TeamId)> = snapshot
        .people
        .values()
        .filter_map(|p| Some((&p.id, p.team.as_ref()?)))
        .filter(|(id, _)| !alliances.has_active(id) && !planned.contains(id))
        .filter(|(id, _)| !recent.introduced_lately.contains(id))
        .filter(|(id, _)| recent.may_receive(snapshot, id, now, policy))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    if lonely.is_empty() {
        return Vec::new();
    }
    let network = Network::of(snapshot);

    // Who may be suggested, by team, the least connected first; with each
    // list, how many at its front were suggested already (see below).
    let mut by_team: BTreeMap<&TeamId, (Vec<&UserId>, usize)> = BTreeMap::new();
    for person in snapshot.people.values() {
        if let Some(team) = &person.team
            && person.nudgeable_at(now)
        {
            by_team.entry(team).or_default().0.push(&person.id);
        }
    }
    for (members, _) in by_team.values_mut() {
        // Each person's count looked up once, not once per comparison.
        members.sort_by_cached_key(|id| (alliances.active(id), *id));
    }

    let mut suggested: FxHashSet<&UserId> = FxHashSet::default();
    // Two lonely people may each be the other's best match: one DM is enough.
    let mut planned_pairs: FxHashSet<PairKey> = FxHashSet::default();
    let mut plan = Vec::new();
    for (to, own_team) in lonely {
        let mut teams: Vec<&TeamId> = by_team.keys().copied().filter(|t| *t != own_team).collect();
        teams.sort_by_cached_key(|team| (gaps.alliances(own_team, team), *team));
        let peer = teams.iter().find_map(|team| {
            let (members, suggested_first) = &by_team[team];
            members[*suggested_first..]
                .iter()
                .find(|peer| {
                    !suggested.contains(*peer)
                        && !snapshot.paused(to, peer)
                        && !network.tied(to, peer)
                        && PairKey::new(to, peer).is_some_and(|pair| {
                            !recent.introduced.contains(&pair) && !planned_pairs.contains(&pair)
                        })
                })
                .map(|peer| (*peer, *team))
        });
        let Some((about, about_team)) = peer else {
            continue;
        };
        suggested.insert(about);
        // Nobody suggested is suggested again, so the searches after this
        // one start past the suggested people at the front of the team: the
        // least connected go first, and without this every search would
        // step over all of them (quadratic at 100,000 people).
        if let Some((members, suggested_first)) = by_team.get_mut(about_team) {
            while members
                .get(*suggested_first)
                .is_some_and(|m| suggested.contains(m))
            {
                *suggested_first += 1;
            }
        }
        planned_pairs.extend(PairKey::new(to, about));
        plan.push(Nudge {
            to: to.clone(),
            about: about.clone(),
            about_team: about_team.clone(),
            planned_at: now,
            reason: NudgeReason::Intro(Intro {
                last_alliance_at: alliances.last(to),
                quiet_days: policy.active_days,
                gap: gaps.gap(own_team, about_team, policy),
                shared_contact: network.shared_contact(snapshot, to, about, about_team, now),
            }),
        });
    }
    plan
}

/// Each person's alliances: their latest interaction across teams and how
/// many are active.
struct AlliancesByPerson<'a>(FxHashMap<&'a UserId, Alliances>);

/// What the introductions need of one person's alliances.
#[derive(Debug, Clone, Copy)]
struct Alliances {
    last_at: DateTime<Utc>,
    active: u32,
}

impl<'a> AlliancesByPerson<'a> {
    fn of(now: DateTime<Utc>, policy: &Policy, gaps: &TeamGaps<'a>) -> Self {
        let mut by_person: FxHashMap<&UserId, Alliances> = FxHashMap::default();
        for alliance in gaps.every_alliance() {
            let tie = alliance.tie;
            let active = u32::from(policy.active(tie, now));
            for person in [tie.pair.low(), tie.pair.high()] {
                let known = by_person.entry(person).or_insert(Alliances {
                    last_at: tie.last_at,
                    active: 0,
                });
                known.last_at = known.last_at.max(tie.last_at);
                known.active += active;
            }
        }
        Self(by_person)
    }

    fn has_active(&self, user: &UserId) -> bool {
        self.active(user) > 0
    }

    fn active(&self, user: &UserId) -> u32 {
        self.0.get(user).map_or(0, |a| a.active)
    }

    /// When `user` last met someone of another team.
    fn last(&self, user: &UserId) -> Option<DateTime<Utc>> {
        self.0.get(user).map(|a| a.last_at)
    }
}

/// Who has met whom, as the introductions need it: built only when someone
/// is to be introduced, as it holds two entries per tie.
struct Network<'a> {
    /// Everyone's ties, with the other person.
    ties_of: FxHashMap<&'a UserId, Vec<(&'a UserId, &'a Tie)>>,
}

impl<'a> Network<'a> {
    fn of(snapshot: &'a Snapshot) -> Self {
        let mut ties_of: FxHashMap<&UserId, Vec<(&UserId, &Tie)>> = FxHashMap::default();
        for tie in &snapshot.ties {
            let (low, high) = (tie.pair.low(), tie.pair.high());
            ties_of.entry(low).or_default().push((high, tie));
            ties_of.entry(high).or_default().push((low, tie));
        }
        Self { ties_of }
    }

    /// Whether the two have a tie: a look through `to`'s ties, who, about
    /// to be introduced, has few.
    fn tied(&self, to: &UserId, peer: &UserId) -> bool {
        self.ties_of
            .get(to)
            .is_some_and(|ties| ties.iter().any(|(other, _)| *other == peer))
    }

    /// Someone `to` has met who may be named: one both have met, else one
    /// with a tie in `about_team`, with someone who may be named too (the
    /// line tells that they met); the one `to` knows best first.
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
                ties_of(contact).any(|(other, _)| {
                    snapshot.team_of(other) == Some(about_team) && snapshot.reachable(other)
                })
            })
            .map(|(contact, _)| SharedContact::KnowsTeam((*contact).clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SentNudge;
    use crate::rules::fixtures::*;
    use crate::rules::plan_nudges;
    use chrono::Duration;

    fn names(plan: &[Nudge]) -> Vec<String> {
        plan.iter()
            .filter(|n| n.reason.is_intro())
            .map(|n| format!("{}->{}", n.to, n.about))
            .collect()
    }

    fn intro(nudge: &Nudge) -> &Intro {
        match &nudge.reason {
            NudgeReason::Intro(intro) => intro,
            other => panic!("an introduction: {other:?}"),
        }
    }

    /// Payments–Platform twice, Payments–Design once, all active; Legal (U6)
    /// has met nobody.
    fn connected() -> Vec<Tie> {
        let (first, last) = (at(2026, 1, 1), at(2026, 5, 1));
        vec![
            tie("U1", "U2", first, last, 3),
            tie("U5", "U3", first, last, 3),
            tie("U1", "U4", first, last, 3),
        ]
    }

    #[test]
    fn someone_without_an_active_alliance_meets_someone_in_the_least_connected_team() {
        let now = at(2026, 6, 1);
        let plan = plan_nudges(
            &Snapshot::new(company(), connected(), vec![]),
            now,
            &always_open(),
        );
        // Legal has no alliance with anyone: Design comes first by name.
        assert_eq!(names(&plan), ["U6->U4"]);
        let reason = intro(&plan[0]);
        assert_eq!(reason.last_alliance_at, None);
        assert_eq!(reason.gap.alliances, 0);
        assert_eq!(reason.shared_contact, None);
    }

    #[test]
    fn the_same_introduction_is_not_repeated_within_six_months() {
        let now = at(2026, 6, 1);
        let earlier = |days| SentNudge {
            reason: plan_nudges(
                &Snapshot::new(company(), connected(), vec![]),
                now,
                &always_open(),
            )
            .pop()
            .map(|n| n.reason),
            ..sent_nudge("U6", "U4", now - Duration::days(days))
        };
        // 100 days ago: U4 is not suggested again; Payments' least busy member is.
        let plan = plan_nudges(
            &Snapshot::new(company(), connected(), vec![earlier(100)]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), ["U6->U5"]);
        // 183 days ago: the suggestion may come back.
        let plan = plan_nudges(
            &Snapshot::new(company(), connected(), vec![earlier(183)]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), ["U6->U4"]);
        // 20 days ago: no introduction at all yet, within the cooldown.
        let plan = plan_nudges(
            &Snapshot::new(company(), connected(), vec![earlier(20)]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), Vec::<String>::new());
    }

    #[test]
    fn someone_a_leader_was_told_to_meet_in_an_early_warning_is_not_introduced_to_them_again() {
        let now = at(2026, 6, 1);
        // U4's early warning, 100 days ago, suggested meeting U6.
        let warned = SentNudge::warning_step(user("U4"), user("U6"), now - Duration::days(100));
        let plan = plan_nudges(
            &Snapshot::new(company(), connected(), vec![warned]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), ["U6->U5"]);
    }

    #[test]
    fn nobody_opted_out_is_introduced_or_introduced_to() {
        let now = at(2026, 6, 1);
        let mut people = company();
        people[3].opted_out = true; // U4, Design
        let plan = plan_nudges(
            &Snapshot::new(people.clone(), connected(), vec![]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), ["U6->U5"]);
        people[5].opted_out = true; // U6 himself
        let plan = plan_nudges(
            &Snapshot::new(people, connected(), vec![]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), Vec::<String>::new());
    }

    #[test]
    fn a_contact_who_knows_both_or_works_with_the_team_is_named() {
        let now = at(2026, 6, 1);
        let (first, last) = (at(2026, 1, 1), at(2026, 5, 1));
        let mut people = company();
        people.push(person("U7", "Legal"));
        people.push(person("U8", "Design"));
        // U7, U6's teammate, has one alliance with each other team.
        let mut ties = connected();
        ties.extend([
            tie("U6", "U7", first, last, 5),
            tie("U7", "U1", first, last, 2),
            tie("U7", "U2", first, last, 2),
            tie("U7", "U8", first, last, 2),
        ]);
        let plan = plan_nudges(
            &Snapshot::new(people.clone(), ties.clone(), vec![]),
            now,
            &always_open(),
        );
        assert_eq!(names(&plan), ["U6->U4"]);
        assert_eq!(
            intro(&plan[0]).shared_contact,
            Some(SharedContact::KnowsTeam(user("U7"))),
            "U7 works with U8, in Design"
        );
        // Not through a teammate who opted out: it would tell that they met.
        let mut u8_opted_out = people.clone();
        u8_opted_out[7].opted_out = true;
        let plan = plan_nudges(
            &Snapshot::new(u8_opted_out, ties.clone(), vec![]),
            now,
            &always_open(),
        );
        let to_u6: Vec<_> = plan.iter().filter(|n| n.to == user("U6")).collect();
        assert_eq!(to_u6[0].about, user("U4"));
        assert_eq!(intro(to_u6[0]).shared_contact, None);

        ties.push(tie("U7", "U4", first, last, 1));
        let plan = plan_nudges(
            &Snapshot::new(people.clone(), ties.clone(), vec![]),
            now,
            &always_open(),
        );
        let to_u6: Vec<_> = plan.iter().filter(|n| n.to == user("U6")).collect();
        assert_eq!(
            intro(to_u6[0]).shared_contact,
            Some(SharedContact::Mutual(user("U7")))
        );

        // A contact who opted out is never named.
        people[6].opted_out = true;
        let plan = plan_nudges(&Snapshot::new(people, ties, vec![]), now, &always_open());
        let to_u6: Vec<_> = plan.iter().filter(|n| n.to == user("U6")).collect();
        assert_eq!(intro(to_u6[0]).shared_contact, None);
    }

    #[test]
    fn two_lonely_people_are_not_introduced_to_each_other_twice_and_nobody_is_suggested_twice() {
        let now = at(2026, 6, 1);
        let plan = plan_nudges(
            &Snapshot::new(company(), vec![], vec![]),
            now,
            &always_open(),
        );
        let pairs: std::collections::HashSet<PairKey> = plan
            .iter()
            .filter_map(|n| PairKey::new(&n.to, &n.about))
            .collect();
        assert_eq!(pairs.len(), plan.len(), "no pair twice: {:?}", names(&plan));
        let suggested: std::collections::HashSet<&UserId> = plan.iter().map(|n| &n.about).collect();
        assert_eq!(suggested.len(), plan.len(), "{:?}", names(&plan));
        assert_eq!(
            names(&plan)[0],
            "U1->U4",
            "Payments meets Design first, by name"
        );
    }
}
