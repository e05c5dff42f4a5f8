//! Forming a round of leadership circles: who sits with whom.
//!
//! Eligible are the leaders who have a team and may be nudged now (not
//! opted out, deactivated or snoozed). Each circle holds leaders of
//! different teams, and never two who shared a circle within the repeat
//! window; among those allowed, the rule prefers the leaders with the
//! weakest ties with each other (the sum of their pair strengths now), so
//! that a circle is where new alliances form.
//!
//! **Sizes.** With `n` eligible and circles of `size`: `n / size` circles
//! of `size`; the `n % size` left over form a circle of their own when
//! they are three or more, and otherwise each joins a circle (which then
//! holds `size + 1`). When there are more of them than circles (one circle
//! and two left over), the `size + 2` are split into two circles, if each
//! can hold three. Fewer than three eligible: no round. So every circle
//! holds from 3 to `size + 1` leaders, and, unless the constraints bind,
//! every eligible leader is in exactly one circle — but for five leaders
//! with circles of three, which cannot be split: one waits.
//!
//! **When the constraints bind** (many leaders in one team, or few who
//! have not shared a circle lately), the circles are formed greedily and
//! this holds: no circle breaks a rule; a circle that cannot reach three
//! members is not formed; no three left waiting could sit together (when
//! the greedy pass stops with such three, they form a circle, grown up to
//! `size` from those still waiting); and a leader left waiting fits no
//! circle of the round — each is full (`size + 1`), or holds someone of
//! their team, or someone they shared a circle with within the window.
//! Teams that must spread over the remaining circles to fit at all (as
//! many of them left as circles left) are placed first.
//!
//! Deterministic: the same snapshot, history and time give the same round.

use super::Snapshot;
use crate::domain::{Circle, Person, Policy, TeamId, UserId, every_pair};
use chrono::{DateTime, Duration, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Reverse;

/// The round the rule forms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CircleRound {
    /// The circles, in the order they were formed.
    pub circles: Vec<FormedCircle>,
    /// The eligible leaders in no circle, in id order: they wait for the
    /// next round.
    pub waiting: Vec<UserId>,
}

/// One circle of a round.
#[derive(Debug, Clone, PartialEq)]
pub struct FormedCircle {
    /// Its members, in id order.
    pub members: Vec<UserId>,
    /// The summed strength, now, of every tie among them: 0 when none of
    /// them has met another.
    pub tie_strength: f64,
}

/// Whether `person` may be put in a circle at `now`: a leader with a team,
/// not opted out, deactivated or snoozed.
pub fn circle_eligible(person: &Person, now: DateTime<Utc>) -> bool {
    person.roles.leader && person.team.is_some() && person.nudgeable_at(now)
}

/// Forms a round of circles of `size` at `now` from the leaders in
/// `snapshot` (see the module doc), never pairing two who shared one of
/// the `past` circles formed within `repeat_after` before `now`.
pub fn form_circles(
    snapshot: &Snapshot,
    past: &[Circle],
    now: DateTime<Utc>,
    policy: &Policy,
    size: usize,
    repeat_after: Duration,
) -> CircleRound {
    let mut leaders: Vec<&Person> = snapshot
        .people
        .values()
        .filter(|p| circle_eligible(p, now))
        .collect();
    leaders.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<UserId> = leaders.iter().map(|p| p.id.clone()).collect();
    let sizes = circle_sizes(leaders.len(), size);
    if sizes.is_empty() {
        return CircleRound {
            circles: Vec::new(),
            waiting: ids,
        };
    }
    let table = Table::of(snapshot, &leaders, past, now, policy, repeat_after);
    let mut forming = Forming::new(&table, size + 1);
    for (done, target) in sizes.iter().enumerate() {
        if !forming.form_one(*target, sizes.len() - done) {
            break;
        }
    }
    forming.seat_the_rest();
    // The greedy pass may stop with three who could sit together still
    // waiting (its seeds and picks blocked by the history): they meet.
    let mut from = 0;
    while let Some(three) = forming.three_who_fit(from) {
        from = three[0];
        forming.place(forming.grow_from(three.to_vec(), size, 1));
        forming.seat_the_rest();
    }
    let circles = forming
        .circles
        .iter()
        .map(|members| {
            let mut sorted: Vec<usize> = members.clone();
            sorted.sort_unstable();
            FormedCircle {
                tie_strength: table.strength_among(&sorted),
                members: sorted.into_iter().map(|i| ids[i].clone()).collect(),
            }
        })
        .collect();
    let waiting = (0..ids.len())
        .filter(|&i| !forming.placed[i])
        .map(|i| ids[i].clone())
        .collect();
    CircleRound { circles, waiting }
}

/// The sizes of the circles `n` leaders make with circles of `size` (see
/// the module doc): none for fewer than three.
pub fn circle_sizes(n: usize, size: usize) -> Vec<usize> {
    if n < 3 || size < 3 {
        return Vec::new();
    }
    let (whole, left) = (n / size, n % size);
    let mut sizes = vec![size; whole];
    if left >= 3 {
        sizes.push(left);
    } else if left <= whole {
        for one_more in sizes.iter_mut().take(left) {
            *one_more += 1;
        }
    } else if n >= 6 {
        // One circle and two left over: two circles of about half.
        sizes = vec![n - n / 2, n / 2];
    } else {
        // Five with circles of three: one circle of four, one waits.
        sizes = vec![size + 1];
    }
    sizes
}

/// The eligible leaders by index, with what the rule needs of them.
struct Table {
    /// Each leader's team, as an index.
    team: Vec<usize>,
    /// The number of teams.
    teams: usize,
    /// Tie strength now, by pair of indices (lower first).
    strength: FxHashMap<(usize, usize), f64>,
    /// Pairs who shared a circle within the repeat window.
    shared: FxHashSet<(usize, usize)>,
}

fn pair(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

impl Table {
    fn of(
        snapshot: &Snapshot,
        leaders: &[&Person],
        past: &[Circle],
        now: DateTime<Utc>,
        policy: &Policy,
        repeat_after: Duration,
    ) -> Self {
        let index: FxHashMap<&UserId, usize> = leaders
            .iter()
            .enumerate()
            .map(|(i, p)| (&p.id, i))
            .collect();
        let mut team_index: FxHashMap<&TeamId, usize> = FxHashMap::default();
        let team = leaders
            .iter()
            .map(|p| {
                let next = team_index.len();
                p.team
                    .as_ref()
                    .map_or(next, |t| *team_index.entry(t).or_insert(next))
            })
            .collect();
        let mut strength = FxHashMap::default();
        for tie in &snapshot.ties {
            if let (Some(&a), Some(&b)) = (index.get(tie.pair.low()), index.get(tie.pair.high())) {
                strength.insert(
                    pair(a, b),
                    tie.strength_at(&policy.weights, policy.half_life, now),
                );
            }
        }
        let mut shared = FxHashSet::default();
        for circle in past.iter().filter(|c| now - c.formed_at < repeat_after) {
            let members: Vec<usize> = circle
                .members
                .iter()
                .filter_map(|m| index.get(m).copied())
                .collect();
            shared.extend(every_pair(&members).map(|(a, b)| pair(*a, *b)));
        }
        Self {
            teams: team_index.len(),
            team,
            strength,
            shared,
        }
    }

    fn strength(&self, a: usize, b: usize) -> f64 {
        self.strength.get(&pair(a, b)).copied().unwrap_or(0.0)
    }

    fn strength_among(&self, members: &[usize]) -> f64 {
        every_pair(members)
            .map(|(a, b)| self.strength(*a, *b))
            .sum()
    }

    /// Whether `candidate` may sit with `members`: no teammate, nobody
    /// they shared a circle with lately.
    fn fits(&self, candidate: usize, members: &[usize]) -> bool {
        members.iter().all(|&m| {
            self.team[m] != self.team[candidate] && !self.shared.contains(&pair(m, candidate))
        })
    }
}

/// A round being formed.
struct Forming<'t> {
    table: &'t Table,
    /// The most a circle may hold: `size + 1`.
    most: usize,
    circles: Vec<Vec<usize>>,
    placed: Vec<bool>,
    /// The leaders of each team not yet placed.
    left_in_team: Vec<usize>,
}

impl<'t> Forming<'t> {
    fn new(table: &'t Table, most: usize) -> Self {
        let mut left_in_team = vec![0; table.teams];
        for team in &table.team {
            left_in_team[*team] += 1;
        }
        Self {
            table,
            most,
            circles: Vec::new(),
            placed: vec![false; table.team.len()],
            left_in_team,
        }
    }

    /// Whether `leader`'s team must give one of its leaders to each of the
    /// `circles_left` circles still to form.
    fn urgent(&self, leader: usize, circles_left: usize) -> bool {
        self.left_in_team[self.table.team[leader]] >= circles_left
    }

    /// Forms one circle of up to `target` from the leaders not placed,
    /// `circles_left` circles (this one included) still to form. Tries one
    /// seed per team, most pressing first; keeps the first circle of three
    /// or more. False when none reaches three.
    fn form_one(&mut self, target: usize, circles_left: usize) -> bool {
        let mut seeds: Vec<usize> = (0..self.placed.len())
            .filter(|&i| !self.placed[i])
            .collect();
        seeds.sort_by_key(|&i| {
            (
                !self.urgent(i, circles_left),
                Reverse(self.left_in_team[self.table.team[i]]),
                i,
            )
        });
        let mut tried_teams = FxHashSet::default();
        for seed in seeds {
            if !tried_teams.insert(self.table.team[seed]) {
                continue;
            }
            let members = self.grow_from(vec![seed], target, circles_left);
            if members.len() >= 3 {
                self.place(members);
                return true;
            }
        }
        false
    }

    /// Seats `members` as a new circle.
    fn place(&mut self, members: Vec<usize>) {
        for &m in &members {
            self.placed[m] = true;
            self.left_in_team[self.table.team[m]] -= 1;
        }
        self.circles.push(members);
    }

    /// Three leaders not placed who may sit together, the first by index
    /// from `from` on, if any: the first of three is the lowest index, not
    /// the weakest ties (the greedy pass has weighed those already).
    ///
    /// Cost: a leader with no two of those after them to sit with never
    /// gains any as more are placed, so a search may resume at the first
    /// of the last three found; and the other two are looked for only
    /// among those who fit the first. For `w` waiting, each fitting `f` of
    /// the others at most, about `w · f² / 2` checks of a team and a pair
    /// in all; none when those left are of fewer than three teams.
    fn three_who_fit(&self, from: usize) -> Option<[usize; 3]> {
        let left: Vec<usize> = (from..self.placed.len())
            .filter(|&i| !self.placed[i])
            .collect();
        let teams: FxHashSet<usize> = left.iter().map(|&i| self.table.team[i]).collect();
        if teams.len() < 3 {
            return None;
        }
        for (i, &a) in left.iter().enumerate() {
            let with_a: Vec<usize> = left[i + 1..]
                .iter()
                .copied()
                .filter(|&b| self.table.fits(b, &[a]))
                .collect();
            for (j, &b) in with_a.iter().enumerate() {
                if let Some(&c) = with_a[j + 1..].iter().find(|&&c| self.table.fits(c, &[b])) {
                    return Some([a, b, c]);
                }
            }
        }
        None
    }

    /// A circle grown from `members` up to `target`: each next member the
    /// one who fits with the weakest ties to those already in, urgent teams
    /// first, then larger teams, then by id.
    fn grow_from(&self, mut members: Vec<usize>, target: usize, circles_left: usize) -> Vec<usize> {
        // Each candidate's summed strength with the members so far.
        let mut with_members: Vec<f64> = (0..self.placed.len())
            .map(|c| members.iter().map(|&m| self.table.strength(c, m)).sum())
            .collect();
        while members.len() < target {
            let best = (0..self.placed.len())
                .filter(|&c| !self.placed[c] && self.table.fits(c, &members))
                .min_by(|&a, &b| {
                    let key = |c: usize| {
                        (
                            !self.urgent(c, circles_left),
                            Reverse(self.left_in_team[self.table.team[c]]),
                        )
                    };
                    (key(a).0)
                        .cmp(&key(b).0)
                        .then(with_members[a].total_cmp(&with_members[b]))
                        .then(key(a).1.cmp(&key(b).1))
                        .then(a.cmp(&b))
                });
            let Some(next) = best else { break };
            members.push(next);
            for (c, sum) in with_members.iter_mut().enumerate() {
                *sum += self.table.strength(c, next);
            }
        }
        members
    }

    /// Seats each leader not placed, in id order, in the circle with room
    /// where they fit, adding the weakest ties (then the smallest circle,
    /// then the first formed); one who fits nowhere waits.
    fn seat_the_rest(&mut self) {
        for leader in 0..self.placed.len() {
            if self.placed[leader] {
                continue;
            }
            let best = self
                .circles
                .iter()
                .enumerate()
                .filter(|(_, c)| c.len() < self.most && self.table.fits(leader, c))
                .map(|(i, c)| {
                    let added: f64 = c.iter().map(|&m| self.table.strength(leader, m)).sum();
                    (i, added, c.len())
                })
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
            if let Some((circle, _, _)) = best {
                self.circles[circle].push(leader);
                self.placed[leader] = true;
                self.left_in_team[self.table.team[leader]] -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CircleKey;
    use crate::rules::fixtures::{at, person, tie};

    fn leader(id: &str, team: &str) -> Person {
        let mut p = person(id, team);
        p.roles.leader = true;
        p
    }

    fn round(people: Vec<Person>, ties: Vec<crate::domain::Tie>, past: &[Circle]) -> CircleRound {
        form_circles(
            &Snapshot::new(people, ties, vec![]),
            past,
            at(2026, 6, 1),
            &Policy::default(),
            4,
            Duration::days(182),
        )
    }

    fn names(circle: &FormedCircle) -> Vec<&str> {
        circle.members.iter().map(UserId::as_str).collect()
    }

    #[test]
    fn sizes_are_size_or_one_more_and_a_remainder_of_three_makes_its_own_circle() {
        assert_eq!(circle_sizes(2, 4), Vec::<usize>::new());
        assert_eq!(circle_sizes(3, 4), [3]);
        assert_eq!(circle_sizes(5, 4), [5]);
        assert_eq!(circle_sizes(6, 4), [3, 3]);
        assert_eq!(circle_sizes(7, 4), [4, 3]);
        assert_eq!(circle_sizes(9, 4), [5, 4]);
        assert_eq!(circle_sizes(10, 4), [5, 5]);
        assert_eq!(circle_sizes(11, 4), [4, 4, 3]);
        assert_eq!(circle_sizes(5, 3), [4], "one of five waits");
        assert_eq!(circle_sizes(1000, 4), vec![4; 250]);
    }

    #[test]
    fn leaders_who_know_each_other_least_sit_together_and_nobody_else_is_asked() {
        let mut people = vec![
            leader("UA1", "A"),
            leader("UB1", "B"),
            leader("UC1", "C"),
            leader("UD1", "D"),
            leader("UE1", "E"),
            leader("UF1", "F"),
            leader("UG1", "G"),
            leader("UH1", "H"),
            person("UX1", "X"),
        ];
        people[8].roles.leader = false;
        // A knows B and C well; E knows F and G.
        let met = |a, b| tie(a, b, at(2026, 5, 1), at(2026, 5, 20), 5);
        let ties = vec![
            met("UA1", "UB1"),
            met("UA1", "UC1"),
            met("UE1", "UF1"),
            met("UE1", "UG1"),
        ];
        let formed = round(people, ties, &[]);
        assert!(formed.waiting.is_empty());
        assert_eq!(formed.circles.len(), 2);
        for circle in &formed.circles {
            let m = names(circle);
            assert!(!(m.contains(&"UA1") && m.contains(&"UB1")), "{m:?}");
            assert!(!(m.contains(&"UE1") && m.contains(&"UF1")), "{m:?}");
            assert!(!m.contains(&"UX1"), "not a leader");
            assert_eq!(circle.tie_strength, 0.0, "{m:?}");
        }
    }

    #[test]
    fn a_leader_who_fits_no_circle_waits_for_the_next_round() {
        // Three of team A and one each of B, C and D: a second circle
        // would lack a third team, so one circle forms, D joins it, and
        // two of A wait.
        let people = vec![
            leader("UA1", "A"),
            leader("UA2", "A"),
            leader("UA3", "A"),
            leader("UB1", "B"),
            leader("UC1", "C"),
            leader("UD1", "D"),
        ];
        let formed = round(people, vec![], &[]);
        assert_eq!(formed.circles.len(), 1);
        assert_eq!(formed.circles[0].members.len(), 4);
        assert_eq!(formed.waiting.len(), 2);
    }

    #[test]
    fn two_who_shared_a_circle_lately_are_not_put_together_again() {
        let people: Vec<Person> = ["A", "B", "C", "D", "E", "F"]
            .iter()
            .map(|t| leader(&format!("U{t}1"), t))
            .collect();
        let past = Circle {
            key: CircleKey { round: 1, index: 1 },
            members: vec![UserId::parse("UA1").unwrap(), UserId::parse("UB1").unwrap()],
            formed_at: at(2026, 5, 1),
            channel: None,
            channel_members: Vec::new(),
            check_in_at: None,
            outcome: None,
        };
        let formed = round(people.clone(), vec![], std::slice::from_ref(&past));
        for circle in &formed.circles {
            let m = names(circle);
            assert!(!(m.contains(&"UA1") && m.contains(&"UB1")), "{m:?}");
        }
        let long_ago = Circle {
            formed_at: at(2025, 6, 1),
            ..past
        };
        let again = round(people, vec![], &[long_ago]);
        assert!(names(&again.circles[0]).contains(&"UB1"), "{again:?}");
    }

    /// Seven leaders of four teams, circles of three, three rounds four
    /// weeks apart: in the third, the greedy pass is blocked by the two
    /// rounds before, while three of those waiting could still meet.
    #[test]
    fn three_left_waiting_who_could_meet_form_a_circle_of_their_own() {
        let people: Vec<Person> = [
            ("U0", "T2"),
            ("U1", "T2"),
            ("U2", "T0"),
            ("U3", "T0"),
            ("U5", "T0"),
            ("U6", "T1"),
            ("U7", "T3"),
        ]
        .iter()
        .map(|(id, team)| leader(id, team))
        .collect();
        let all = crate::rules::circles_properties::rounds(&people, &[], 3, 182, 3);
        for (_, round, _) in &all {
            for circle in &round.circles {
                assert!((3..=4).contains(&circle.members.len()), "{circle:?}");
            }
        }
        let (_, last, _) = &all[2];
        let circles: Vec<Vec<&str>> = last.circles.iter().map(names).collect();
        assert_eq!(circles, [["U1", "U5", "U7"]], "{last:?}");
        assert_eq!(last.waiting.len(), 4);
    }
}
