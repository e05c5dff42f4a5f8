//! A person's reach: the other teams of the company as seen from them —
//! which ones they have alliances with, and how fresh each is.
//!
//! A pure decision from the people, the person's ties, a time and the
//! policy, so the App Home can draw it without the rules engine or a store.
//! Freshness follows the same cadence as the reminders ([`Policy::overdue`]),
//! so the picture agrees with the nudges: a team turns "time to catch up"
//! exactly when a reminder about it could go out.

use super::{Person, Policy, TeamId, Tie, UserId};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How fresh an alliance is, against its cadence. Ordered freshest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freshness {
    /// Met within the first half of the cadence.
    Fresh,
    /// Past half the cadence, not yet past all of it.
    Fading,
    /// Past the cadence: a reminder about it may go out.
    Overdue,
}

impl Freshness {
    /// How fresh `tie` is at `now` under `policy`. Overdue exactly when
    /// [`Policy::overdue`] says so; fading from half its cadence on, so a
    /// tie turns yellow well before anyone is nudged about it.
    pub fn of(tie: &Tie, policy: &Policy, now: DateTime<Utc>) -> Self {
        let cadence_days = policy.cadence_days(tie);
        let half_cadence = chrono::Duration::hours(i64::from(cadence_days) * 12);
        // What `policy.overdue` asks, on the cadence worked out once.
        if tie.quiet_longer_than(cadence_days, now) {
            Self::Overdue
        } else if now - tie.last_at > half_cadence {
            Self::Fading
        } else {
            Self::Fresh
        }
    }
}

/// One other team a person has alliances with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamReach {
    /// The other team.
    pub team: TeamId,
    /// The people there the person has a tie with, the most recently met first.
    pub allies: Vec<UserId>,
    /// When the person last met anyone there.
    pub last_met: DateTime<Utc>,
    /// Whole days since then.
    pub days_since: i64,
    /// The freshest of the person's alliances there.
    pub freshness: Freshness,
}

/// A person's reach: every other team, with or without an alliance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reach {
    /// Teams with at least one alliance: the freshest first, then the
    /// strongest ties now, then by name.
    pub teams: Vec<TeamReach>,
    /// Teams with none yet, by name.
    pub without: Vec<TeamId>,
}

impl Reach {
    /// The reach of `me` at `now`: `people` is everyone the bot knows,
    /// `ties` any ties (those not of `me` are ignored). `me`'s own team is
    /// not part of their reach; nor are people with no known team.
    pub fn of(
        me: &UserId,
        people: &[Person],
        ties: &[Tie],
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Self {
        let me_person = people.iter().find(|p| p.id == *me);
        let my_team = me_person.and_then(|p| p.team.as_ref());
        let tz = super::zone_of(me_person);
        let mut reached: BTreeMap<&TeamId, Tally<'_>> = BTreeMap::new();
        for (tie, peer, team) in alliances_of(me, people, ties) {
            let freshness = Freshness::of(tie, policy, now);
            let tally = reached.entry(team).or_insert(Tally {
                allies: Vec::new(),
                freshness,
                strength: 0.0,
            });
            tally.allies.push((tie.last_at, &peer.id));
            tally.freshness = tally.freshness.min(freshness);
            tally.strength += tie.strength_at(&policy.weights, policy.half_life, now);
        }

        // Every other team someone still works in, without an alliance; a
        // team of people who all left is no team to reach.
        let without: BTreeSet<&TeamId> = people
            .iter()
            .filter(|p| !p.deactivated)
            .filter_map(|p| p.team.as_ref())
            .filter(|t| Some(*t) != my_team && !reached.contains_key(t))
            .collect();

        let mut ranked: Vec<(&TeamId, Tally<'_>)> = reached.into_iter().collect();
        ranked.sort_by(|(a, x), (b, y)| {
            x.freshness
                .cmp(&y.freshness)
                .then_with(|| y.strength.total_cmp(&x.strength))
                .then_with(|| a.cmp(b))
        });
        let teams = ranked
            .into_iter()
            .map(|(team, mut tally)| {
                tally.allies.sort_by_key(|&(at, id)| (Reverse(at), id));
                let last_met = tally.allies.first().map_or(now, |(at, _)| *at);
                TeamReach {
                    team: team.clone(),
                    allies: tally.allies.into_iter().map(|(_, id)| id.clone()).collect(),
                    last_met,
                    days_since: super::days_ago(last_met, now, tz),
                    freshness: tally.freshness,
                }
            })
            .collect();
        Self {
            teams,
            without: without.into_iter().cloned().collect(),
        }
    }

    /// Whether there is no other team to show at all.
    pub fn is_empty(&self) -> bool {
        self.teams.is_empty() && self.without.is_empty()
    }
}

/// `me`'s alliances among `ties` (those not of `me` are passed over): each
/// tie with the peer and the peer's team, where the peer may be shown and
/// works in a known team other than `me`'s. `people` is everyone the bot
/// knows; the App Home's reach and its list of alliances both read these.
pub fn alliances_of<'a>(
    me: &'a UserId,
    people: &'a [Person],
    ties: &'a [Tie],
) -> impl Iterator<Item = (&'a Tie, &'a Person, &'a TeamId)> {
    let by_id: HashMap<&UserId, &Person> = people.iter().map(|p| (&p.id, p)).collect();
    let my_team = by_id.get(me).and_then(|p| p.team.as_ref());
    ties.iter().filter_map(move |tie| {
        let peer = *by_id.get(tie.pair.other(me)?)?;
        // Someone deactivated has left: knowing them no longer reaches
        // their team. Someone opted out asked to be left out of what the
        // bot shows; the Home's lists and the nudges already pass over
        // them, and a team lit up by nobody the page can name would not
        // agree with the lists beneath it.
        if !peer.reachable() {
            return None;
        }
        let team = peer.team.as_ref().filter(|t| Some(*t) != my_team)?;
        Some((tie, peer, team))
    })
}

/// What one team adds up to while the ties are read.
struct Tally<'a> {
    /// When each ally was last met, and who.
    allies: Vec<(DateTime<Utc>, &'a UserId)>,
    freshness: Freshness,
    /// The ties' strengths now, summed: among teams equally fresh, the
    /// closer ones come first.
    strength: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interaction, InteractionKind, PairKey};
    use chrono::{Duration, TimeZone};

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    fn person(id: &str, team: &str) -> Person {
        Person {
            team: Some(TeamId::parse(team).unwrap()),
            ..Person::new(user(id), id.to_lowercase())
        }
    }

    fn day_one() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    /// A tie of `count` meetings, all `days_ago` before [`day_one`]: one
    /// meeting is held to the weak cadence (90 days), four or more to the
    /// strong one (30 days).
    fn tie(a: &str, b: &str, days_ago: i64, count: u32) -> Tie {
        let meeting = Interaction::new(
            day_one() - Duration::days(days_ago),
            InteractionKind::Meeting,
            [user(a), user(b)],
            None,
            None,
        )
        .unwrap();
        let mut tie = Tie::first(PairKey::new(&user(a), &user(b)).unwrap(), &meeting);
        for _ in 1..count {
            tie.record(&meeting, Policy::default().half_life);
        }
        tie
    }

    /// U1 works in Payments, with a teammate; four other teams.
    fn company() -> Vec<Person> {
        vec![
            person("U1", "Payments"),
            person("U2", "Payments"),
            person("U3", "Platform"),
            person("U4", "Platform"),
            person("U5", "Design"),
            person("U6", "Legal"),
            person("U7", "Data"),
        ]
    }

    /// U1's reach on day one, under the default policy.
    fn reach_of_u1(people: &[Person], ties: &[Tie]) -> Reach {
        Reach::of(&user("U1"), people, ties, day_one(), &Policy::default())
    }

    fn summary(reach: &Reach) -> Vec<String> {
        reach
            .teams
            .iter()
            .map(|t| {
                let allies: Vec<&str> = t.allies.iter().map(UserId::as_str).collect();
                format!("{} {:?} {:?}", t.team, t.freshness, allies)
            })
            .chain(reach.without.iter().map(|t| format!("{t} none")))
            .collect()
    }

    #[test]
    fn freshness_turns_at_half_the_cadence_and_at_the_cadence_like_the_reminders() {
        let policy = Policy::default();
        let at = |tie: &Tie, after: Duration| Freshness::of(tie, &policy, tie.last_at + after);
        // One meeting: the weak cadence, 90 days; fading after 45.
        let weak = tie("U1", "U3", 0, 1);
        assert_eq!(at(&weak, Duration::days(45)), Freshness::Fresh);
        assert_eq!(
            at(&weak, Duration::days(45) + Duration::hours(1)),
            Freshness::Fading
        );
        assert_eq!(at(&weak, Duration::days(90)), Freshness::Fading);
        assert_eq!(
            at(&weak, Duration::days(90) + Duration::seconds(1)),
            Freshness::Overdue
        );
        // Six meetings: strong, held to 30 days; fading after 15.
        let strong = tie("U1", "U3", 0, 6);
        assert_eq!(at(&strong, Duration::days(15)), Freshness::Fresh);
        assert_eq!(at(&strong, Duration::days(16)), Freshness::Fading);
        assert_eq!(at(&strong, Duration::days(31)), Freshness::Overdue);
        // Overdue is exactly what the reminders call overdue.
        for days in [29, 30, 31, 89, 90, 91] {
            for tie in [&weak, &strong] {
                let now = tie.last_at + Duration::days(days) + Duration::seconds(1);
                assert_eq!(
                    Freshness::of(tie, &policy, now) == Freshness::Overdue,
                    policy.overdue(tie, now),
                    "{days} days after"
                );
            }
        }
    }

    #[test]
    fn the_own_team_is_left_out_and_teams_without_an_alliance_are_listed_by_name() {
        let ties = vec![
            tie("U1", "U2", 1, 9), // a teammate: no alliance
            tie("U1", "U3", 4, 1),
        ];
        let reach = reach_of_u1(&company(), &ties);
        assert_eq!(
            summary(&reach),
            [
                "Platform Fresh [\"U3\"]",
                "Data none",
                "Design none",
                "Legal none"
            ]
        );
        assert_eq!(reach.teams[0].days_since, 4);
        assert_eq!(reach.teams[0].last_met, day_one() - Duration::days(4));
    }

    #[test]
    fn teams_come_freshest_first_then_closest_and_a_team_is_as_fresh_as_its_freshest_alliance() {
        let ties = vec![
            tie("U1", "U3", 100, 1), // Platform: overdue…
            tie("U4", "U1", 10, 1),  // …and fresh: fresh
            tie("U1", "U5", 60, 1),  // Design: fading
            tie("U1", "U6", 5, 1),   // Legal: fresh, one meeting
            tie("U1", "U7", 200, 9), // Data: overdue
            tie("U3", "U5", 1, 1),   // not U1's
        ];
        let reach = reach_of_u1(&company(), &ties);
        assert_eq!(
            summary(&reach),
            [
                "Platform Fresh [\"U4\", \"U3\"]",
                "Legal Fresh [\"U6\"]",
                "Design Fading [\"U5\"]",
                "Data Overdue [\"U7\"]",
            ],
            "Platform's two ties weigh more than Legal's one; allies most recent first"
        );
        assert_eq!(
            reach.teams[0].days_since, 10,
            "when anyone there was last met"
        );
    }

    #[test]
    fn deactivated_and_opted_out_peers_do_not_count_as_reach() {
        let mut people = company();
        people[2].deactivated = true; // U3, Platform: U4 is still there
        people[4].opted_out = true; // U5, Design
        people[5].deactivated = true; // U6, Legal's only member
        let ties = vec![
            tie("U1", "U3", 3, 1),
            tie("U1", "U5", 3, 1),
            tie("U1", "U6", 3, 1),
        ];
        let reach = reach_of_u1(&people, &ties);
        assert_eq!(
            summary(&reach),
            ["Data none", "Design none", "Platform none"],
            "Legal has nobody left in it"
        );
    }

    #[test]
    fn alliances_are_ties_with_someone_shown_in_another_known_team() {
        let mut people = company();
        people[2].deactivated = true; // U3, Platform
        people[4].opted_out = true; // U5, Design
        people[5].team = None; // U6
        let ties = vec![
            tie("U1", "U2", 1, 1), // a teammate
            tie("U1", "U3", 1, 1),
            tie("U1", "U4", 2, 1), // Platform: an alliance
            tie("U1", "U5", 1, 1),
            tie("U1", "U6", 1, 1),
            tie("U1", "U9", 1, 1), // someone the bot does not know
            tie("U3", "U7", 1, 1), // not U1's
            tie("U7", "U1", 3, 1), // Data: an alliance
        ];
        let me = user("U1");
        let alliances: Vec<String> = alliances_of(&me, &people, &ties)
            .map(|(tie, peer, team)| {
                format!("{}-{} {} {team}", tie.pair.low(), tie.pair.high(), peer.id)
            })
            .collect();
        assert_eq!(alliances, ["U1-U4 U4 Platform", "U1-U7 U7 Data"]);
    }

    #[test]
    fn someone_with_no_alliance_sees_every_other_team_still_open() {
        let reach = reach_of_u1(&company(), &[]);
        assert!(reach.teams.is_empty());
        assert_eq!(
            summary(&reach),
            ["Data none", "Design none", "Legal none", "Platform none"]
        );
        let alone = reach_of_u1(&company()[..2], &[]);
        assert!(
            alone.is_empty(),
            "a company of one team has no reach to draw"
        );
    }
}
