//! *Early warning for a lonely leader*: a leader whose live alliances reach
//! fewer than `leaders.min_teams` other teams gets, at most once in
//! [`EARLY_WARNING_EVERY_DAYS`], a private note with two or three steps.
//!
//! Who gets one: a leader (`roles.leader`), not opted out, deactivated or
//! snoozed, not warned within the month, who may get a nudge now (the
//! same weekly cap, daily limit and delivery window as every nudge: see
//! [`RecentNudges`]). The warning takes the place of their nudge in that
//! run: one message at a time.
//!
//! The steps: their strongest fading alliances first, one per team they
//! have no live alliance with, with peers who may be named (not opted
//! out, deactivated or snoozed, not paused by the leader); then someone
//! new, chosen as introductions are: in the team the leader's team is
//! least connected with among those the leader has no live alliance
//! with, someone they never met nor paused, not introduced to them within
//! `intro_repeat_days`, a leader or lead of that team first. Nobody is
//! suggested twice in one run. With fewer than [`FEWEST_STEPS`] steps to
//! offer, no note this time: a single step reads as an order, not as
//! choices, and the next run may find more.
//!
//! Admins see only how many leaders are under the threshold, and only when
//! there are at least as many leaders as the k-anonymity floor and the
//! figure singles nobody out ([`lonely_leaders`]); never who.

use super::recent_nudges::RecentNudges;
use super::recheck::{Side, Withdrawal, may_be_nudged};
use super::team_gaps::TeamGaps;
use super::{Policy, Snapshot};
use crate::domain::{
    EARLY_WARNING_EVERY_DAYS, EarlyWarning, LonelyLeaders, PairKey, Person, TeamId, Tie, UserId,
    WarningStep, stronger_first,
};
use chrono::{DateTime, Duration, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// At most this many steps: more would be a to-do list, not a nudge.
const MOST_STEPS: usize = 3;

/// At least this many steps, or no note: the issue of a lonely leader is
/// answered with "two or three concrete steps", a choice of ways in.
const FEWEST_STEPS: usize = 2;

/// At most this many of the steps revive a fading tie when someone new
/// can be suggested too: the note offers both kinds of step.
const MOST_REVIVALS_BESIDE_SOMEONE_NEW: usize = 2;

/// How many other teams a leader's live alliances are expected to reach:
/// `min_teams`, but never more than the company has besides the leader's
/// own (counting teams with someone the bot may speak to), so that in a
/// company of three teams nobody is warned for good. 0 turns the warning
/// off.
fn reachable_min_teams(snapshot: &Snapshot, min_teams: u32) -> u32 {
    let teams: FxHashSet<&TeamId> = snapshot
        .people
        .values()
        .filter(|p| p.reachable())
        .filter_map(|p| p.team.as_ref())
        .collect();
    let others = u32::try_from(teams.len().saturating_sub(1)).unwrap_or(u32::MAX);
    min_teams.min(others)
}

/// Plans this run's early warnings, in recipient order. `min_teams` 0
/// turns them off.
pub fn plan_early_warnings(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    min_teams: u32,
) -> Vec<EarlyWarning> {
    let min_teams = reachable_min_teams(snapshot, min_teams);
    if min_teams == 0 {
        return Vec::new();
    }
    let reach = LeadersReach::of(snapshot, now, policy);
    let recent = RecentNudges::at(snapshot, now, policy);
    // A key partnership's nudge comes first: its leader is warned later.
    let claimed = super::partnerships::claimed(snapshot, now, policy);
    let warned_since = now - Duration::days(EARLY_WARNING_EVERY_DAYS);
    let due: BTreeMap<&UserId, &Person> = reach
        .by_leader
        .iter()
        .filter(|(_, ties)| ties.live_teams.len() < min_teams as usize)
        .filter_map(|(id, _)| snapshot.people.get(*id).map(|p| (*id, p)))
        .filter(|(_, p)| p.nudgeable_at(now))
        .filter(|(_, p)| p.early_warned_at.is_none_or(|at| at <= warned_since))
        .filter(|(id, _)| !claimed.contains(id) && recent.may_receive(snapshot, id, now, policy))
        .collect();
    if due.is_empty() {
        return Vec::new();
    }
    let gaps = TeamGaps::at(snapshot, now, policy);
    let newcomers = Newcomers::of(snapshot, now);
    let mut suggested: FxHashSet<&UserId> = FxHashSet::default();
    let mut plan = Vec::new();
    for (to, leader) in due {
        let ties = &reach.by_leader[to];
        let mut revivals: Vec<(&UserId, &TeamId, &Tie)> = Vec::new();
        let mut revived_teams: FxHashSet<&TeamId> = FxHashSet::default();
        for (peer, team, tie) in ties.fading_by_strength(policy, now) {
            if !ties.live_teams.contains(team)
                && snapshot.nudgeable_at(peer, now)
                && !leader.paused.contains(peer)
                && revived_teams.insert(team)
            {
                revivals.push((peer, team, tie));
            }
        }
        let skip: FxHashSet<&TeamId> = ties
            .live_teams
            .iter()
            .copied()
            .chain(revived_teams.iter().copied())
            .chain(leader.team.as_ref())
            .collect();
        let someone_new = newcomers.find(leader, &skip, &gaps, &recent, &ties.met, &suggested);
        let revive = match someone_new {
            Some(_) => MOST_REVIVALS_BESIDE_SOMEONE_NEW,
            None => MOST_STEPS,
        };
        let mut steps: Vec<WarningStep> = revivals
            .into_iter()
            .take(revive)
            .map(|(peer, team, tie)| WarningStep::Revive {
                peer: peer.clone(),
                team: team.clone(),
                last_met: tie.last_at,
                times_met: tie.count,
            })
            .collect();
        if let Some((peer, team)) = someone_new {
            suggested.insert(peer);
            steps.push(WarningStep::Meet {
                peer: peer.clone(),
                team: team.clone(),
            });
        }
        if steps.len() < FEWEST_STEPS {
            continue;
        }
        plan.push(EarlyWarning {
            to: to.clone(),
            planned_at: now,
            live_teams: ties.live_teams.len(),
            min_teams,
            steps,
        });
    }
    plan
}

/// How many leaders are under the threshold at `now`, or `None` when the
/// warning is off (`min_teams` 0) or there are fewer leaders than the
/// k-anonymity `floor`: a count of two leaders would all but name them.
///
/// Only leaders the bot may speak to are counted (not opted out, not
/// deactivated): someone who opted out is not reported on, even as one of
/// a number. The figure itself is held back (`under` is `None`) unless
/// nobody is under the threshold or both sides of it — the leaders under
/// it and those not — are at least `floor` leaders, as a team figure is:
/// "1 of 9" points at one leader, "8 of 9" at the one who is not short
/// and so at everyone else, and "9 of 9" at every leader, whom everyone
/// knows. The threshold is the warnings' own (`reachable_min_teams`).
pub fn lonely_leaders(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    policy: &Policy,
    min_teams: u32,
    floor: u32,
) -> Option<LonelyLeaders> {
    let reach = LeadersReach::of(snapshot, now, policy);
    let leaders = reach.by_leader.len();
    let floor = usize::try_from(floor).unwrap_or(usize::MAX);
    if min_teams == 0 || leaders < floor {
        return None;
    }
    let min_teams = reachable_min_teams(snapshot, min_teams);
    let under = reach
        .by_leader
        .values()
        .filter(|ties| ties.live_teams.len() < min_teams as usize)
        .count();
    let may_be_told = under == 0 || (under >= floor && leaders - under >= floor);
    Some(LonelyLeaders {
        under: may_be_told.then_some(under),
        leaders,
        min_teams,
    })
}

/// What the store holds now of one step's peer: their record (absent:
/// forgotten) and their tie with the warning's recipient, if any.
pub struct StepNow<'a> {
    /// The peer as the store holds them now.
    pub peer: Option<&'a Person>,
    /// The tie between the recipient and the peer now.
    pub tie: Option<&'a Tie>,
}

/// What a queued early warning rests on, as the store holds it at the
/// moment of sending.
pub struct EarlyWarningNow<'a> {
    /// The recipient (absent: forgotten).
    pub to: Option<&'a Person>,
    /// Every tie of the recipient, with its peer's record (absent:
    /// forgotten): how many teams their live alliances reach now.
    pub alliances: &'a [(&'a Tie, Option<&'a Person>)],
    /// Each step's peer and tie, in the steps' order.
    pub steps: &'a [StepNow<'a>],
}

/// The early warning as it may go out at `at`: to a recipient who may
/// still be nudged and whose live alliances still reach fewer other teams
/// than it expects (the count brought up to date), with only the steps
/// that still hold (their peer may still be named, is not paused by the
/// recipient, and the two have not met since it was planned); or why it
/// may not go out at all, as when fewer than `FEWEST_STEPS` still hold.
pub fn recheck_early_warning(
    planned: &EarlyWarning,
    now: &EarlyWarningNow<'_>,
    policy: &Policy,
    at: DateTime<Utc>,
) -> Result<EarlyWarning, Withdrawal> {
    let to = may_be_nudged(now.to, Side::Recipient, at)?;
    let live_teams: FxHashSet<&TeamId> = now
        .alliances
        .iter()
        .filter(|(tie, _)| policy.live(tie, at))
        .filter_map(|(_, peer)| other_team(to.team.as_ref(), (*peer)?))
        .collect();
    if live_teams.len() >= planned.min_teams as usize {
        return Err(Withdrawal::ReachesEnoughTeams);
    }
    let mut why_not = None;
    let mut warning = planned.clone();
    warning.live_teams = live_teams.len();
    let mut steps_now = now.steps.iter();
    warning.steps.retain(|step| {
        let Some(step_now) = steps_now.next() else {
            return false;
        };
        let holds = may_be_nudged(step_now.peer, Side::Peer, at).and_then(|_| {
            if to.paused.contains(step.peer()) {
                Err(Withdrawal::Paused)
            } else if step_now
                .tie
                .is_some_and(|tie| tie.last_at > planned.planned_at)
            {
                Err(Withdrawal::MetSince)
            } else {
                Ok(())
            }
        });
        why_not = holds.err().or(why_not);
        holds.is_ok()
    });
    match why_not {
        Some(why) if warning.steps.len() < FEWEST_STEPS => Err(why),
        _ => Ok(warning),
    }
}

/// The other team a leader of `leader_team` reaches through an alliance
/// with `peer`: none when the peer left or opted out (nobody's alliance
/// then), has no team or is in the leader's own.
fn other_team<'p>(leader_team: Option<&TeamId>, peer: &'p Person) -> Option<&'p TeamId> {
    let team = peer.team.as_ref().filter(|_| peer.reachable())?;
    (leader_team != Some(team)).then_some(team)
}

/// Every active leader's alliances, as the warning needs them.
struct LeadersReach<'a> {
    by_leader: FxHashMap<&'a UserId, LeaderTies<'a>>,
}

/// One leader's alliances.
#[derive(Default)]
struct LeaderTies<'a> {
    /// The other teams their live alliances reach.
    live_teams: FxHashSet<&'a TeamId>,
    /// Their fading alliances, with the peer and the peer's team.
    fading: Vec<(&'a UserId, &'a TeamId, &'a Tie)>,
    /// Everyone they have a tie with, in any team.
    met: FxHashSet<&'a UserId>,
}

impl<'a> LeadersReach<'a> {
    /// One walk through the ties, for the leaders of `snapshot` the bot may
    /// speak to (not opted out, not deactivated). People who left
    /// (deactivated) or opted out are nobody's alliance here, as in every
    /// rule that counts alliances for someone.
    fn of(snapshot: &'a Snapshot, now: DateTime<Utc>, policy: &Policy) -> Self {
        let mut by_leader: FxHashMap<&UserId, LeaderTies> = snapshot
            .people
            .values()
            .filter(|p| p.roles.leader && p.reachable())
            .map(|p| (&p.id, LeaderTies::default()))
            .collect();
        for tie in &snapshot.ties {
            let (low, high) = (tie.pair.low(), tie.pair.high());
            for (leader, peer) in [(low, high), (high, low)] {
                let Some(ties) = by_leader.get_mut(leader) else {
                    continue;
                };
                ties.met.insert(peer);
                let Some(team) = snapshot
                    .people
                    .get(peer)
                    .and_then(|person| other_team(snapshot.team_of(leader), person))
                else {
                    continue;
                };
                if policy.live(tie, now) {
                    ties.live_teams.insert(team);
                } else {
                    ties.fading.push((peer, team, tie));
                }
            }
        }
        Self { by_leader }
    }
}

impl<'a> LeaderTies<'a> {
    /// The fading alliances, strongest now first (then by peer, so the
    /// order never depends on the order ties were read in).
    fn fading_by_strength(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Vec<(&'a UserId, &'a TeamId, &'a Tie)> {
        let mut fading: Vec<(f64, (&UserId, &TeamId, &Tie))> = self
            .fading
            .iter()
            .map(|entry| {
                let strength = entry.2.strength_at(&policy.weights, policy.half_life, now);
                (strength, *entry)
            })
            .collect();
        fading.sort_by(|(x, (xp, ..)), (y, (yp, ..))| stronger_first((*x, xp), (*y, yp)));
        fading.into_iter().map(|(_, entry)| entry).collect()
    }
}

/// Who may be suggested as someone new, by team: people who may be nudged
/// about, the team's leaders and leads first, then by id.
struct Newcomers<'a> {
    by_team: BTreeMap<&'a TeamId, Vec<&'a Person>>,
}

impl<'a> Newcomers<'a> {
    fn of(snapshot: &'a Snapshot, now: DateTime<Utc>) -> Self {
        let mut by_team: BTreeMap<&TeamId, Vec<&Person>> = BTreeMap::new();
        for person in snapshot.people.values().filter(|p| p.nudgeable_at(now)) {
            if let Some(team) = &person.team {
                by_team.entry(team).or_default().push(person);
            }
        }
        for members in by_team.values_mut() {
            members.sort_by_key(|p| (p.roles.is_none(), &p.id));
        }
        Self { by_team }
    }

    /// Someone for `leader` to meet outside the teams in `skip`: in the
    /// team least connected with the leader's, then by name.
    fn find(
        &self,
        leader: &Person,
        skip: &FxHashSet<&TeamId>,
        gaps: &TeamGaps<'_>,
        recent: &RecentNudges<'_>,
        met: &FxHashSet<&UserId>,
        suggested: &FxHashSet<&UserId>,
    ) -> Option<(&'a UserId, &'a TeamId)> {
        let mut teams: Vec<&TeamId> = self
            .by_team
            .keys()
            .copied()
            .filter(|team| !skip.contains(team))
            .collect();
        let alliances = |team: &TeamId| {
            leader
                .team
                .as_ref()
                .map_or(0, |own| gaps.alliances(own, team))
        };
        teams.sort_by_cached_key(|team| (alliances(team), *team));
        teams.into_iter().find_map(|team| {
            self.by_team[team]
                .iter()
                .find(|peer| {
                    peer.id != leader.id
                        && !met.contains(&peer.id)
                        && !suggested.contains(&peer.id)
                        && !leader.paused.contains(&peer.id)
                        && PairKey::new(&leader.id, &peer.id)
                            .is_some_and(|pair| !recent.introduced.contains(&pair))
                })
                .map(|peer| (&peer.id, team))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::*;
    use std::sync::Arc;

    fn leader(mut person: Person) -> Person {
        person.roles.leader = true;
        person
    }

    /// UPAY1 leads; a live alliance in Platform only, fading ones in
    /// Design (UDES1, strong; UDES2, weak) and Legal (ULEG1).
    fn company_of_a_lonely_leader() -> (Vec<Person>, Vec<Tie>) {
        let mut people = four_teams();
        people[0] = leader(people[0].clone());
        let now = at(2026, 6, 1);
        let days = |n| now - Duration::days(n);
        let ties = vec![
            tie("UPAY1", "UPLA1", days(100), days(5), 4),
            tie("UPAY1", "UDES1", days(400), days(150), 6),
            tie("UPAY1", "UDES2", days(400), days(150), 1),
            tie("UPAY1", "ULEG1", days(400), days(200), 2),
        ];
        (people, ties)
    }

    fn steps(plan: &[EarlyWarning]) -> Vec<String> {
        plan.iter()
            .flat_map(|w| &w.steps)
            .map(|step| match step {
                WarningStep::Revive { peer, .. } => format!("revive {peer}"),
                WarningStep::Meet { peer, .. } => format!("meet {peer}"),
            })
            .collect()
    }

    #[test]
    fn a_leader_reaching_too_few_teams_gets_fading_ties_first_then_someone_new() {
        let (people, ties) = company_of_a_lonely_leader();
        let now = at(2026, 6, 1);
        let plan =
            plan_early_warnings(&Snapshot::new(people, ties, vec![]), now, &always_open(), 3);
        assert_eq!(plan.len(), 1);
        assert_eq!((plan[0].live_teams, plan[0].min_teams), (1, 3));
        // The strongest in Design, then Legal; nobody new is left: Design,
        // Legal and Platform are all taken.
        assert_eq!(steps(&plan), ["revive UDES1", "revive ULEG1"]);
    }

    #[test]
    fn someone_new_comes_from_a_team_without_a_live_alliance_leads_first() {
        let (mut people, mut ties) = company_of_a_lonely_leader();
        ties.retain(|t| !t.pair.contains(&user("ULEG1")));
        let i = people.iter().position(|p| p.id == user("ULEG2")).unwrap();
        people[i].roles.leads = Some(TeamId::parse("Legal").unwrap());
        let plan = plan_early_warnings(
            &Snapshot::new(people, ties, vec![]),
            at(2026, 6, 1),
            &always_open(),
            3,
        );
        assert_eq!(steps(&plan), ["revive UDES1", "meet ULEG2"]);
    }

    #[test]
    fn a_leader_with_a_single_step_to_offer_is_not_warned_this_time() {
        let (mut people, mut ties) = company_of_a_lonely_leader();
        // Without Legal, one revival (Design) is all there is to suggest.
        people.retain(|p| p.team != Some(TeamId::parse("Legal").unwrap()));
        ties.retain(|t| !t.pair.contains(&user("ULEG1")));
        let plan = plan_early_warnings(
            &Snapshot::new(people, ties, vec![]),
            at(2026, 6, 1),
            &always_open(),
            3,
        );
        assert!(plan.is_empty(), "{:?}", steps(&plan));
    }

    #[test]
    fn a_warning_left_with_a_single_step_when_it_goes_is_withdrawn() {
        let (people, ties) = company_of_a_lonely_leader();
        let now = at(2026, 6, 1);
        let plan = plan_early_warnings(
            &Snapshot::new(people.clone(), ties, vec![]),
            now,
            &always_open(),
            3,
        );
        assert_eq!(plan[0].steps.len(), 2);
        let find = |id: &str| people.iter().find(|p| p.id == user(id)).unwrap().clone();
        let mut opted_out = find("UDES1");
        opted_out.opted_out = true;
        let legal = find("ULEG1");
        let steps_now = [
            StepNow {
                peer: Some(&opted_out),
                tie: None,
            },
            StepNow {
                peer: Some(&legal),
                tie: None,
            },
        ];
        let leader = find("UPAY1");
        let as_now = EarlyWarningNow {
            to: Some(&leader),
            alliances: &[],
            steps: &steps_now,
        };
        assert_eq!(
            recheck_early_warning(&plan[0], &as_now, &always_open(), now),
            Err(Withdrawal::OptedOut(Side::Peer))
        );
    }

    #[test]
    fn nobody_who_reaches_enough_teams_or_was_warned_lately_is_warned() {
        let (mut people, ties) = company_of_a_lonely_leader();
        let now = at(2026, 6, 1);
        let snapshot = |people: Vec<Person>| Snapshot::new(people, ties.clone(), vec![]);
        assert!(plan_early_warnings(&snapshot(people.clone()), now, &always_open(), 1).is_empty());
        assert!(plan_early_warnings(&snapshot(people.clone()), now, &always_open(), 0).is_empty());
        people[0].early_warned_at = Some(now - Duration::days(29));
        assert!(plan_early_warnings(&snapshot(people.clone()), now, &always_open(), 3).is_empty());
        people[0].early_warned_at = Some(now - Duration::days(31));
        assert_eq!(
            plan_early_warnings(&snapshot(people), now, &always_open(), 3).len(),
            1
        );
    }

    #[test]
    fn admins_get_a_count_only_from_the_floor_up() {
        let (mut people, ties) = company_of_a_lonely_leader();
        let now = at(2026, 6, 1);
        let policy = Policy::default();
        let snapshot = Snapshot::new(people.clone(), ties.clone(), vec![]);
        assert_eq!(lonely_leaders(&snapshot, now, &policy, 3, 5), None);
        for person in people.iter_mut().take(5) {
            person.roles.leader = true;
        }
        let snapshot = Snapshot::new(people, ties, vec![]);
        assert_eq!(
            lonely_leaders(&snapshot, now, &policy, 3, 5),
            Some(LonelyLeaders {
                under: None,
                leaders: 5,
                min_teams: 3
            }),
            "all five are short: the figure would say it of each"
        );
        assert_eq!(lonely_leaders(&snapshot, now, &policy, 0, 5), None);
    }

    /// Ten leaders in Payments and Platform; the first `connected` reach
    /// Design, Legal and each other's team, the rest nobody.
    fn ten_leaders(connected: usize) -> Snapshot {
        let mut people = four_teams();
        for person in people.iter_mut().take(10) {
            person.roles.leader = true;
        }
        let recent = at(2026, 5, 25);
        let ties = people
            .iter()
            .take(connected)
            .flat_map(|leader| {
                let other = if leader.id.as_str().starts_with("UPAY") {
                    "UPLA1"
                } else {
                    "UPAY1"
                };
                ["UDES1", "ULEG1", other]
                    .map(|peer| tie(leader.id.as_str(), peer, recent, recent, 2))
            })
            .collect();
        Snapshot::new(people, ties, vec![])
    }

    #[test]
    fn the_count_is_held_back_when_either_side_of_it_is_a_few_leaders_or_everyone() {
        let now = at(2026, 6, 1);
        let policy = Policy::default();
        let under = |snapshot: &Snapshot| {
            lonely_leaders(snapshot, now, &policy, 3, 5)
                .map(|figure| (figure.under, figure.leaders))
        };
        assert_eq!(under(&ten_leaders(10)), Some((Some(0), 10)), "nobody short");
        assert_eq!(under(&ten_leaders(5)), Some((Some(5), 10)));
        assert_eq!(
            under(&ten_leaders(0)),
            Some((None, 10)),
            "everyone short, which would say it of each: held back"
        );
        assert_eq!(
            under(&ten_leaders(9)),
            Some((None, 10)),
            "one short: held back"
        );
        assert_eq!(
            under(&ten_leaders(2)),
            Some((None, 10)),
            "two not short: held back"
        );
    }

    #[test]
    fn in_a_company_of_few_teams_a_leader_is_asked_to_reach_no_more_than_there_are() {
        let now = at(2026, 6, 1);
        // Payments and Platform only: one other team is all there is.
        let mut people: Vec<Person> = four_teams()
            .into_iter()
            .filter(|p| p.id.as_str().starts_with("UPAY") || p.id.as_str().starts_with("UPLA"))
            .collect();
        for person in people.iter_mut().take(10) {
            person.roles.leader = true;
        }
        let met = at(2026, 5, 25);
        let ties: Vec<Tie> = (1..=5)
            .map(|n| tie(&format!("UPAY{n}"), &format!("UPLA{n}"), met, met, 2))
            .collect();
        let snapshot = Snapshot::new(people, ties, vec![]);
        assert!(plan_early_warnings(&snapshot, now, &always_open(), 3).is_empty());
        assert_eq!(
            lonely_leaders(&snapshot, now, &Policy::default(), 3, 5),
            Some(LonelyLeaders {
                under: Some(0),
                leaders: 10,
                min_teams: 1
            })
        );
        // Payments alone: no other team to reach, nobody short, and the
        // admins are told why.
        let payments: Vec<Person> = snapshot
            .people
            .values()
            .filter(|p| p.id.as_str().starts_with("UPAY"))
            .cloned()
            .collect();
        let alone = Snapshot::new(payments, vec![], vec![]);
        assert!(plan_early_warnings(&alone, now, &always_open(), 3).is_empty());
        let figure = lonely_leaders(&alone, now, &Policy::default(), 3, 5).unwrap();
        assert_eq!(
            figure.sentence(),
            "All 5 leaders are in one team: there is no other team for their alliances to reach."
        );
    }

    #[test]
    fn leaders_who_opted_out_or_left_are_not_counted() {
        let now = at(2026, 6, 1);
        let mut snapshot = ten_leaders(5);
        for id in ["UPAY1", "UPLA5"] {
            Arc::make_mut(&mut snapshot.people)
                .get_mut(&user(id))
                .unwrap()
                .opted_out = true;
        }
        Arc::make_mut(&mut snapshot.people)
            .get_mut(&user("UPAY2"))
            .unwrap()
            .deactivated = true;
        assert_eq!(
            lonely_leaders(&snapshot, now, &Policy::default(), 3, 5).map(|f| f.leaders),
            Some(7)
        );
    }

    #[test]
    fn a_key_partnership_s_nudge_comes_before_the_warning_and_through_its_quiet() {
        use crate::domain::{Binds, NudgeReason, Partnership};
        let (mut people, ties) = company_of_a_lonely_leader();
        let now = at(2026, 6, 1);
        let team = |name| TeamId::parse(name).unwrap();
        let payments_design =
            Partnership::new(team("Payments"), team("Design"), 14, Binds::Leads).unwrap();
        let snapshot = |people: Vec<Person>| {
            Snapshot::new(people, ties.clone(), vec![])
                .with_partnerships(vec![payments_design.clone()])
        };
        let partnership_nudge_to_the_leader = |snapshot: &Snapshot| {
            crate::rules::plan_nudges(snapshot, now, &always_open())
                .into_iter()
                .filter(|n| n.to == user("UPAY1"))
                .map(|n| {
                    (
                        n.about.to_string(),
                        matches!(n.reason, NudgeReason::Partnership(_)),
                    )
                })
                .collect::<Vec<_>>()
        };

        let first = snapshot(people.clone());
        assert!(
            plan_early_warnings(&first, now, &always_open(), 3).is_empty(),
            "the warning waits while the partnership has something to raise"
        );
        assert_eq!(
            partnership_nudge_to_the_leader(&first),
            [("UDES1".to_owned(), true)]
        );

        people[0].early_warned_at = Some(now - Duration::days(10));
        assert_eq!(
            partnership_nudge_to_the_leader(&snapshot(people)),
            [("UDES1".to_owned(), true)],
            "a warning's quiet holds back other nudges, not the partnership's"
        );
    }

    /// The lonely leader's warning as planned, rechecked at `at` with the
    /// company as `people` and `ties` say then.
    fn recheck_in(
        people: &[Person],
        ties: &[Tie],
        at: DateTime<Utc>,
    ) -> Result<EarlyWarning, Withdrawal> {
        let (planned_people, planned_ties) = company_of_a_lonely_leader();
        let planned_at = at_planning();
        let snapshot = Snapshot::new(planned_people, planned_ties, vec![]);
        let planned = plan_early_warnings(&snapshot, planned_at, &always_open(), 3).remove(0);
        let find = |id: &UserId| people.iter().find(|p| &p.id == id);
        let alliances: Vec<(&Tie, Option<&Person>)> = ties
            .iter()
            .map(|tie| (tie, tie.pair.other(&planned.to).and_then(find)))
            .collect();
        let steps: Vec<StepNow<'_>> = planned
            .steps
            .iter()
            .map(|step| StepNow {
                peer: find(step.peer()),
                tie: ties.iter().find(|t| t.pair.contains(step.peer())),
            })
            .collect();
        let now = EarlyWarningNow {
            to: find(&planned.to),
            alliances: &alliances,
            steps: &steps,
        };
        recheck_early_warning(&planned, &now, &always_open(), at)
    }

    fn at_planning() -> DateTime<Utc> {
        at(2026, 6, 1)
    }

    #[test]
    fn a_queued_warning_still_goes_to_a_leader_still_short_of_teams() {
        let (people, ties) = company_of_a_lonely_leader();
        let warning = recheck_in(&people, &ties, at_planning() + Duration::hours(1)).unwrap();
        assert_eq!((warning.live_teams, warning.min_teams), (1, 3));
        assert_eq!(steps(&[warning]), ["revive UDES1", "revive ULEG1"]);
    }

    #[test]
    fn a_queued_warning_is_withdrawn_once_the_leader_reaches_enough_teams() {
        let (people, mut ties) = company_of_a_lonely_leader();
        let later = at_planning() + Duration::hours(1);
        // They met someone of Legal, then someone of Design, meanwhile.
        ties.push(tie("UPAY1", "ULEG2", later, later, 1));
        assert_eq!(
            recheck_in(&people, &ties, later).unwrap().live_teams,
            2,
            "still short, by the count of now"
        );
        ties.push(tie("UPAY1", "UDES3", later, later, 1));
        assert_eq!(
            recheck_in(&people, &ties, later),
            Err(Withdrawal::ReachesEnoughTeams)
        );
    }

    #[test]
    fn a_queued_warning_counts_no_team_through_someone_who_left_or_was_forgotten() {
        let (mut people, mut ties) = company_of_a_lonely_leader();
        let later = at_planning() + Duration::hours(1);
        ties.push(tie("UPAY1", "ULEG2", later, later, 1));
        ties.push(tie("UPAY1", "UGONE", later, later, 1));
        for p in people.iter_mut().filter(|p| p.id == user("ULEG2")) {
            p.deactivated = true;
        }
        assert_eq!(recheck_in(&people, &ties, later).unwrap().live_teams, 1);
    }

    #[test]
    fn a_queued_warning_is_withdrawn_when_its_leader_snoozed_since() {
        let (mut people, ties) = company_of_a_lonely_leader();
        let later = at_planning() + Duration::hours(1);
        people[0].snoozed_until = Some(later + Duration::days(14));
        assert_eq!(
            recheck_in(&people, &ties, later),
            Err(Withdrawal::Snoozed(Side::Recipient))
        );
    }
}
