//! *Allies for an initiative* (`/alliances allies Sales [Marketing …]`):
//! whom someone already has on their side in the teams an initiative
//! needs, whom they could win back, and who could open a door.
//!
//! Three lists, each strongest first: the person's live alliances in those
//! teams ([`Policy::live`]); their fading ones there, worth reviving; and
//! warm paths — people they know well (their strongest live ties, in any
//! team) who have live alliances of their own in those teams. A warm path
//! names the person the asker knows, never whom that person knows, and
//! gives no count of them: the answer is about the asker's own network.
//! Nobody opted out or deactivated is named in any list, and a fading tie
//! to someone the asker paused is not suggested for reviving.
//!
//! Warm paths lead only into teams at or above the k-anonymity floor. That
//! someone the asker knows has a live alliance in a team of three tells
//! the asker that one of those three meets them; so into a smaller team no
//! path is offered, nor counted, and the answer says which teams those
//! are. The asker's own alliances there are still listed: they are theirs.

use super::{Policy, Snapshot};
use crate::domain::{ShownTeams, TeamId, Tie, UserId, stronger_first};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};

/// What `/alliances allies` answers, decided.
#[derive(Debug, Clone, PartialEq)]
pub struct AlliesAnswer {
    /// Live alliances in the teams asked about, strongest first.
    pub live: Listed<Ally>,
    /// Fading alliances there, strongest first: worth reviving.
    pub fading: Listed<Ally>,
    /// People the asker knows well who work with those teams, only those
    /// at or above the k-anonymity floor.
    pub warm_paths: Listed<WarmPath>,
    /// The teams asked about that are under the floor, in the order
    /// asked: no warm path is offered into them.
    pub no_warm_paths_into: Vec<TeamId>,
}

/// The first few of a list, and how many more there are.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    /// The ones to show.
    pub shown: Vec<T>,
    /// How many more there are, left unsaid but counted.
    pub more: usize,
}

impl<T> Listed<T> {
    fn of(mut all: Vec<T>, limit: usize) -> Self {
        let more = all.len().saturating_sub(limit);
        all.truncate(limit);
        Self { shown: all, more }
    }

    /// Whether there is nothing in it at all.
    pub fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.more == 0
    }
}

/// Someone in a team asked about whom the asker has a tie with.
#[derive(Debug, Clone, PartialEq)]
pub struct Ally {
    /// Whom the asker has the tie with: someone who may be named (not
    /// opted out, not deactivated).
    pub peer: UserId,
    /// Their team, one of those asked about.
    pub team: TeamId,
    /// When the two last met.
    pub last_met: DateTime<Utc>,
    /// How often they met.
    pub times_met: u32,
    /// The tie's strength now: what the list is ordered by.
    pub strength: f64,
}

/// Someone the asker knows well who has live alliances in teams asked
/// about: a door into them.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmPath {
    /// The person the asker knows well, who may be named; whom they know
    /// in turn is never given.
    pub via: UserId,
    /// Their team, if known.
    pub via_team: Option<TeamId>,
    /// The teams asked about they have live alliances in, in the order asked.
    pub into: Vec<TeamId>,
}

/// The asker `me`'s allies in `teams` at `now`, each list cut at `limit`;
/// warm paths only into the teams `shown` under the k-anonymity floor
/// (the snapshot's, [`Snapshot::shown_teams`]).
pub fn allies_in(
    snapshot: &Snapshot,
    me: &UserId,
    teams: &[TeamId],
    now: DateTime<Utc>,
    policy: &Policy,
    shown: &ShownTeams<'_>,
    limit: usize,
) -> AlliesAnswer {
    let asked: FxHashSet<&TeamId> = teams.iter().collect();
    let (open, no_warm_paths_into): (Vec<&TeamId>, Vec<&TeamId>) =
        teams.iter().partition(|team| shown.shows(team));
    let open: FxHashSet<&TeamId> = open.into_iter().collect();
    let strength = |tie: &Tie| tie.strength_at(&policy.weights, policy.half_life, now);
    let (mut live, mut fading) = (Vec::new(), Vec::new());
    // The people `me` knows well, with the strength of the tie.
    let mut known_well: Vec<(&UserId, f64)> = Vec::new();
    for tie in snapshot.ties.iter().filter(|t| t.pair.contains(me)) {
        let Some(peer) = tie.pair.other(me) else {
            continue;
        };
        if !snapshot.reachable(peer) {
            continue;
        }
        let is_live = policy.live(tie, now);
        match snapshot.team_of(peer).filter(|team| asked.contains(team)) {
            Some(team) => {
                if !is_live && snapshot.paused(me, peer) {
                    continue;
                }
                let ally = Ally {
                    peer: peer.clone(),
                    team: team.clone(),
                    last_met: tie.last_at,
                    times_met: tie.count,
                    strength: strength(tie),
                };
                if is_live { &mut live } else { &mut fading }.push(ally);
            }
            None if is_live => known_well.push((peer, strength(tie))),
            None => {}
        }
    }
    strongest_first(&mut live);
    strongest_first(&mut fading);
    known_well.sort_by(|(x, xs), (y, ys)| stronger_first((*xs, x), (*ys, y)));

    // One more walk through the ties, for the live alliances the people
    // `me` knows well have in the teams asked about that may be shown.
    let candidates: FxHashSet<&UserId> = if open.is_empty() {
        FxHashSet::default()
    } else {
        known_well.iter().map(|(id, _)| *id).collect()
    };
    let mut reaches: FxHashMap<&UserId, FxHashSet<&TeamId>> = FxHashMap::default();
    for tie in &snapshot.ties {
        let (low, high) = (tie.pair.low(), tie.pair.high());
        for (contact, other) in [(low, high), (high, low)] {
            if !candidates.contains(contact) || other == me || !snapshot.reachable(other) {
                continue;
            }
            if let Some(team) = snapshot.team_of(other).filter(|team| open.contains(team))
                && policy.live(tie, now)
            {
                reaches.entry(contact).or_default().insert(team);
            }
        }
    }
    let warm_paths: Vec<WarmPath> = known_well
        .iter()
        .filter_map(|(contact, _)| {
            let reached = reaches.get(contact)?;
            Some(WarmPath {
                via: (*contact).clone(),
                via_team: snapshot.team_of(contact).cloned(),
                into: teams
                    .iter()
                    .filter(|team| reached.contains(team))
                    .cloned()
                    .collect(),
            })
        })
        .collect();

    AlliesAnswer {
        live: Listed::of(live, limit),
        fading: Listed::of(fading, limit),
        warm_paths: Listed::of(warm_paths, limit),
        no_warm_paths_into: no_warm_paths_into.into_iter().cloned().collect(),
    }
}

fn strongest_first(allies: &mut [Ally]) {
    allies.sort_by(|x, y| stronger_first((x.strength, &x.peer), (y.strength, &y.peer)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixtures::*;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn peers(list: &Listed<Ally>) -> Vec<&str> {
        list.shown.iter().map(|a| a.peer.as_str()).collect()
    }

    /// UPAY1 asks about Design: one live and two fading alliances there,
    /// and three people in Platform, one of whom works with Design.
    fn history() -> Vec<Tie> {
        let now = at(2026, 6, 1);
        let days = |n| now - chrono::Duration::days(n);
        vec![
            tie("UPAY1", "UDES1", days(200), days(10), 3),  // live
            tie("UPAY1", "UDES2", days(300), days(150), 6), // fading, strong
            tie("UPAY1", "UDES3", days(300), days(200), 1), // fading, weak
            tie("UPAY1", "UPLA1", days(100), days(5), 8),   // knows well
            tie("UPAY1", "UPLA2", days(100), days(20), 2),  // knows
            tie("UPLA1", "UDES4", days(50), days(3), 2),    // UPLA1 works with Design
            tie("UPLA2", "UDES5", days(400), days(300), 2), // long quiet: no path
        ]
    }

    #[test]
    fn live_then_fading_then_warm_paths_each_strongest_first() {
        let snapshot = Snapshot::new(four_teams(), history(), vec![]);
        let answer = allies_in(
            &snapshot,
            &user("UPAY1"),
            &[team("Design")],
            at(2026, 6, 1),
            &Policy::default(),
            &snapshot.shown_teams(5),
            5,
        );
        assert_eq!(peers(&answer.live), ["UDES1"]);
        assert_eq!(peers(&answer.fading), ["UDES2", "UDES3"]);
        assert_eq!(
            answer.warm_paths.shown,
            [WarmPath {
                via: user("UPLA1"),
                via_team: Some(team("Platform")),
                into: vec![team("Design")],
            }]
        );
    }

    #[test]
    fn nobody_opted_out_deactivated_or_paused_is_offered() {
        let mut people = four_teams();
        let find = |people: &[crate::domain::Person], id: &str| {
            people.iter().position(|p| p.id == user(id)).unwrap()
        };
        let i = find(&people, "UDES1");
        people[i].opted_out = true;
        let i = find(&people, "UDES3");
        people[i].deactivated = true;
        let i = find(&people, "UPAY1");
        people[i].paused.insert(user("UDES2"));
        // UDES4, UPLA1's only contact in Design, opted out: no path left.
        let i = find(&people, "UDES4");
        people[i].opted_out = true;
        let snapshot = Snapshot::new(people, history(), vec![]);
        let answer = allies_in(
            &snapshot,
            &user("UPAY1"),
            &[team("Design")],
            at(2026, 6, 1),
            &Policy::default(),
            &snapshot.shown_teams(5),
            5,
        );
        assert!(answer.live.is_empty() && answer.fading.is_empty());
        assert!(answer.warm_paths.is_empty());
    }

    #[test]
    fn long_lists_are_cut_and_counted() {
        let now = at(2026, 6, 1);
        let people = members("UDES", "Design", 8)
            .into_iter()
            .chain([person("UPAY1", "Payments")])
            .collect::<Vec<_>>();
        let ties = (1..=8)
            .map(|i| tie("UPAY1", &format!("UDES{i}"), now, now, 1))
            .collect();
        let snapshot = Snapshot::new(people, ties, vec![]);
        let answer = allies_in(
            &snapshot,
            &user("UPAY1"),
            &[team("Design")],
            now,
            &Policy::default(),
            &snapshot.shown_teams(5),
            5,
        );
        assert_eq!((answer.live.shown.len(), answer.live.more), (5, 3));
    }

    #[test]
    fn in_a_team_under_the_floor_the_askers_own_alliances_are_listed_but_no_warm_path() {
        let now = at(2026, 6, 1);
        let days = |n| now - chrono::Duration::days(n);
        // Legal has two people: ULEG1 is UPAY1's own ally there, and
        // UPLA1, whom UPAY1 knows well, has met ULEG2.
        let ties = vec![
            tie("UPAY1", "ULEG1", days(60), days(4), 3),
            tie("UPAY1", "UPLA1", days(100), days(5), 8),
            tie("UPLA1", "ULEG2", days(50), days(3), 2),
            tie("UPLA1", "UDES4", days(50), days(3), 2),
        ];
        let snapshot = Snapshot::new(four_teams(), ties, vec![]);
        let answer = allies_in(
            &snapshot,
            &user("UPAY1"),
            &[team("Legal"), team("Design")],
            now,
            &Policy::default(),
            &snapshot.shown_teams(5),
            5,
        );
        assert_eq!(peers(&answer.live), ["ULEG1"]);
        assert_eq!(
            answer.warm_paths.shown,
            [WarmPath {
                via: user("UPLA1"),
                via_team: Some(team("Platform")),
                into: vec![team("Design")],
            }],
            "a path into Design, none into Legal"
        );
        assert_eq!(answer.no_warm_paths_into, [team("Legal")]);

        // With a floor of two, Legal is shown and so is the path into it.
        let answer = allies_in(
            &snapshot,
            &user("UPAY1"),
            &[team("Legal"), team("Design")],
            now,
            &Policy::default(),
            &snapshot.shown_teams(2),
            5,
        );
        assert_eq!(
            answer.warm_paths.shown[0].into,
            [team("Legal"), team("Design")]
        );
        assert!(answer.no_warm_paths_into.is_empty());
    }
}
