//! What the App Home adds for someone who leads (a leader, or a team's
//! lead): the key partnerships that bind them, each as it stands for them,
//! and their current leadership circle. Someone who leads nothing gets
//! nothing here, so their Home is what it always was.
//!
//! A pure decision from the people, the person's ties, the partnerships,
//! the circles, a time and the policy, as [`Reach`](super::Reach) is, so
//! the App Home can draw it without the rules engine or a store.
//!
//! A partnership stands as its nudge sees it (`rules::partnerships`): its
//! ties are those with partners in the other team
//! ([`Person::is_partner_in`]: people the bot may speak to, in that team
//! or leading it); live while any is quiet no longer than the
//! partnership's cadence; else the tie its reminder would revive (the
//! strongest now, with someone it may raise); else nobody to revive, and
//! who leads the other team. The current circle is the one they are in from the
//! latest round formed: a leader left out of that round has none, however
//! recent their last.

use super::{
    CHECK_IN_AFTER_DAYS, Circle, CircleKey, CircleOutcome, Partnership, Person, Policy, TeamId,
    Tie, UserId, days_ago, stronger_first, zone_of,
};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// What the App Home adds for one person: nothing at all for someone who
/// leads nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeaderHome {
    /// The key partnerships that bind them, in the settings' order.
    pub partnerships: Vec<HomePartnership>,
    /// Their current leadership circle, if they are in one.
    pub circle: Option<HomeCircle>,
}

impl LeaderHome {
    /// What `me`'s App Home adds at `now`: `people` is everyone the bot
    /// knows, `ties` any ties (those not of `me` are passed over),
    /// `circles` every circle kept.
    pub fn of(
        me: &UserId,
        people: &[Person],
        ties: &[Tie],
        partnerships: &[Partnership],
        circles: &[Circle],
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Self {
        let by_id: HashMap<&UserId, &Person> = people.iter().map(|p| (&p.id, p)).collect();
        let Some(person) = by_id.get(me).copied().filter(|p| !p.roles.is_none()) else {
            return Self::default();
        };
        let reading = Reading {
            person,
            by_id: &by_id,
            people,
            now,
            policy,
        };
        Self {
            partnerships: partnerships
                .iter()
                .filter_map(|partnership| reading.partnership(partnership, ties))
                .collect(),
            circle: reading.circle(circles),
        }
    }

    /// Whether there is nothing to add.
    pub fn is_empty(&self) -> bool {
        self.partnerships.is_empty() && self.circle.is_none()
    }
}

/// One key partnership as it binds the person whose Home it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomePartnership {
    /// The side they stand on…
    pub own_team: TeamId,
    /// …and the team they keep joined to it.
    pub other_team: TeamId,
    /// How long a partnership tie may stay quiet and still be live.
    pub cadence_days: u32,
    /// Where their partnership ties stand.
    pub tie: PartnershipTie,
}

/// Where one person's ties across a key partnership stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnershipTie {
    /// Met someone in the other team within the partnership's cadence.
    Live {
        /// The one met most recently (only people the bot may speak to
        /// keep a partnership live, so they may be named).
        peer: UserId,
        /// Days since, by the person's calendar.
        days_since: i64,
        /// How many other partnership ties are live too.
        also_live: usize,
    },
    /// No live tie: the one the bot would remind them of (the strongest
    /// now, as the partnership's reminder picks it).
    Fading {
        /// The peer, who may be named and whom they did not pause.
        peer: UserId,
        /// Days since they last met, by the person's calendar.
        days_since: i64,
        /// How often they have met.
        times_met: u32,
    },
    /// No live tie and none to revive: who leads the other team.
    Missing {
        /// The other team's leads who may be named, its designated lead
        /// first; empty when nobody there leads it.
        leads: Vec<UserId>,
    },
}

/// A leader's current leadership circle: the one they are in from the
/// latest round formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeCircle {
    /// Which circle.
    pub key: CircleKey,
    /// When it was formed.
    pub formed_at: DateTime<Utc>,
    /// The other members who may be named, in id order.
    pub others: Vec<UserId>,
    /// The other members who may not be named (opted out or left since).
    pub unnamed: usize,
    /// Where it stands.
    pub state: CircleState,
}

/// Where a leadership circle stands, as its members would put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircleState {
    /// The check-in is still to come, on this day.
    CheckInOn(DateTime<Utc>),
    /// The check-in was asked and nobody answered yet.
    CheckInAsked,
    /// *We met*.
    Met,
    /// *Not yet*.
    NotYet,
    /// *Skip this round*.
    Skipped,
}

/// What one Home is read from.
struct Reading<'a> {
    person: &'a Person,
    by_id: &'a HashMap<&'a UserId, &'a Person>,
    people: &'a [Person],
    now: DateTime<Utc>,
    policy: &'a Policy,
}

impl<'a> Reading<'a> {
    /// Whether `user` may be named: known, not opted out, not gone.
    fn nameable(&self, user: &UserId) -> bool {
        self.by_id.get(user).is_some_and(|p| p.reachable())
    }

    /// Days since `then`, by the person's calendar.
    fn days_since(&self, then: DateTime<Utc>) -> i64 {
        days_ago(then, self.now, zone_of(Some(self.person)))
    }

    /// How `partnership` stands for the person, or `None` when it does not
    /// bind them.
    fn partnership(&self, partnership: &Partnership, ties: &'a [Tie]) -> Option<HomePartnership> {
        let (own, other) = partnership.side_of(self.person)?;
        let me = &self.person.id;
        let across: Vec<(&UserId, &Tie)> = ties
            .iter()
            .filter_map(|tie| tie.pair.other(me).map(|peer| (peer, tie)))
            .filter(|(peer, _)| self.by_id.get(peer).is_some_and(|p| p.is_partner_in(other)))
            .collect();
        let live: Vec<&(&UserId, &Tie)> = across
            .iter()
            .filter(|(_, tie)| partnership.live(tie, self.now))
            .collect();
        // The freshest, the lower id on a tie of dates.
        let freshest = live
            .iter()
            .max_by(|x, y| x.1.last_at.cmp(&y.1.last_at).then_with(|| y.0.cmp(x.0)));
        let tie = if let Some((peer, tie)) = freshest {
            PartnershipTie::Live {
                peer: (*peer).clone(),
                days_since: self.days_since(tie.last_at),
                also_live: live.len() - 1,
            }
        } else {
            self.to_revive(&across)
                .unwrap_or_else(|| self.leads_of(other, &across))
        };
        Some(HomePartnership {
            own_team: own.clone(),
            other_team: other.clone(),
            cadence_days: partnership.cadence_days(),
            tie,
        })
    }

    /// The fading tie the partnership's reminder would pick: the strongest
    /// now, with someone it may raise.
    fn to_revive(&self, across: &[(&UserId, &Tie)]) -> Option<PartnershipTie> {
        let (weights, half_life) = (&self.policy.weights, self.policy.half_life);
        let (_, peer, tie) = across
            .iter()
            .filter(|(peer, _)| self.may_raise(peer))
            .map(|(peer, tie)| (tie.strength_at(weights, half_life, self.now), *peer, *tie))
            .min_by(|x, y| stronger_first((x.0, x.1), (y.0, y.1)))?;
        Some(PartnershipTie::Fading {
            peer: peer.clone(),
            days_since: self.days_since(tie.last_at),
            times_met: tie.count,
        })
    }

    /// Whom the partnership's nudge may raise with the person: someone it
    /// may nudge them about now (not snoozed, opted out or gone) whom they
    /// did not pause.
    fn may_raise(&self, peer: &UserId) -> bool {
        self.by_id
            .get(peer)
            .is_some_and(|p| p.nudgeable_at(self.now))
            && !self.person.paused.contains(peer)
    }

    /// Whom the partnership's introduction would offer: whoever leads
    /// `team`, wherever they sit ([`Person::leads_team`]), whom it may
    /// raise and the person has not met (`across`), its designated lead
    /// first, then by id.
    fn leads_of(&self, team: &TeamId, across: &[(&UserId, &Tie)]) -> PartnershipTie {
        let mut leads: Vec<&Person> = self
            .people
            .iter()
            .filter(|p| {
                p.leads_team(team)
                    && p.id != self.person.id
                    && self.may_raise(&p.id)
                    && across.iter().all(|(peer, _)| **peer != p.id)
            })
            .collect();
        leads.sort_by_key(|p| p.lead_rank(team));
        PartnershipTie::Missing {
            leads: leads.into_iter().map(|p| p.id.clone()).collect(),
        }
    }

    /// The person's circle in the latest round formed, if they are in it.
    fn circle(&self, circles: &[Circle]) -> Option<HomeCircle> {
        let latest = circles.iter().map(|c| c.key.round).max()?;
        let me = &self.person.id;
        let circle = circles
            .iter()
            .find(|c| c.key.round == latest && c.has_member(me))?;
        let (others, unnamed): (Vec<&UserId>, Vec<&UserId>) = circle
            .members
            .iter()
            .filter(|m| *m != me)
            .partition(|m| self.nameable(m));
        let state = match &circle.outcome {
            Some(CircleOutcome::Met { .. }) => CircleState::Met,
            Some(CircleOutcome::NotYet { .. }) => CircleState::NotYet,
            Some(CircleOutcome::Skipped { .. }) => CircleState::Skipped,
            None if circle.check_in_at.is_some() => CircleState::CheckInAsked,
            None => CircleState::CheckInOn(circle.formed_at + Duration::days(CHECK_IN_AFTER_DAYS)),
        };
        Some(HomeCircle {
            key: circle.key,
            formed_at: circle.formed_at,
            others: others.into_iter().cloned().collect(),
            unnamed: unnamed.len(),
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Binds;
    // The rules' small-company fixtures: the Home is read as the rules
    // read the same people and ties.
    use crate::rules::fixtures::{at, members, tie, user};

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    /// Engineering (UE1 leads it) and Product (UP1 leads it, UP2 is a
    /// leader in it) of four each.
    fn company() -> Vec<Person> {
        let mut people = members("UE", "Engineering", 4);
        people.extend(members("UP", "Product", 4));
        people[0].roles.leads = Some(team("Engineering"));
        people[4].roles.leads = Some(team("Product"));
        people[5].roles.leader = true;
        people
    }

    fn engineering_product() -> Vec<Partnership> {
        vec![Partnership::new(team("Engineering"), team("Product"), 14, Binds::Leads).unwrap()]
    }

    fn home_of(id: &str, people: &[Person], ties: &[Tie], circles: &[Circle]) -> LeaderHome {
        let now = at(2026, 6, 1);
        let policy = Policy::default();
        LeaderHome::of(
            &user(id),
            people,
            ties,
            &engineering_product(),
            circles,
            now,
            &policy,
        )
    }

    fn tie_of(home: &LeaderHome) -> &PartnershipTie {
        &home.partnerships[0].tie
    }

    #[test]
    fn someone_who_leads_nothing_gets_nothing_even_in_a_circle_or_bound_by_a_partnership() {
        let people = company();
        let circle = Circle {
            key: CircleKey { round: 1, index: 1 },
            members: vec![user("UE2"), user("UP2")],
            formed_at: at(2026, 5, 25),
            channel: None,
            channel_members: Vec::new(),
            check_in_at: None,
            outcome: None,
        };
        assert_eq!(
            home_of("UE2", &people, &[], &[circle]),
            LeaderHome::default()
        );
        let everyone = vec![
            Partnership::new(team("Engineering"), team("Product"), 14, Binds::Everyone).unwrap(),
        ];
        let home = LeaderHome::of(
            &user("UE3"),
            &people,
            &[],
            &everyone,
            &[],
            at(2026, 6, 1),
            &Policy::default(),
        );
        assert!(home.is_empty());
    }

    #[test]
    fn a_live_partnership_names_the_freshest_tie_and_counts_the_rest_but_nobody_who_opted_out() {
        let mut people = company();
        people[6].opted_out = true; // UP3
        let ties = vec![
            tie("UE1", "UP2", at(2026, 4, 1), at(2026, 5, 25), 3), // live, 7 days
            tie("UE1", "UP3", at(2026, 4, 1), at(2026, 5, 30), 3), // live, fresher, opted out
            tie("UE1", "UP4", at(2026, 4, 1), at(2026, 4, 2), 2),  // fading
            tie("UE1", "UP1", at(2026, 4, 1), at(2026, 5, 20), 2), // live, 12 days
        ];
        let home = home_of("UE1", &people, &ties, &[]);
        assert_eq!(home.partnerships[0].own_team, team("Engineering"));
        assert_eq!(home.partnerships[0].other_team, team("Product"));
        assert_eq!(
            tie_of(&home),
            &PartnershipTie::Live {
                peer: user("UP2"),
                days_since: 7,
                also_live: 1
            }
        );
        // Someone who opted out is nobody's partner: a tie with them keeps
        // nothing live, and the fading one is to revive.
        let opted_out_only = home_of("UE1", &people, &ties[1..3], &[]);
        assert!(
            matches!(tie_of(&opted_out_only), PartnershipTie::Fading { peer, .. } if *peer == user("UP4")),
            "{opted_out_only:?}"
        );
    }

    #[test]
    fn without_a_live_tie_it_is_the_strongest_to_revive_or_else_who_leads_the_other_team() {
        let mut people = company();
        let ties = vec![
            tie("UE1", "UP3", at(2026, 1, 1), at(2026, 5, 1), 9), // strong, 31 days
            tie("UE1", "UP4", at(2026, 5, 10), at(2026, 5, 10), 1), // weak, 22 days
            tie("UE1", "UE2", at(2026, 5, 10), at(2026, 5, 31), 4), // own team
        ];
        assert_eq!(
            tie_of(&home_of("UE1", &people, &ties, &[])),
            &PartnershipTie::Fading {
                peer: user("UP3"),
                days_since: 31,
                times_met: 9
            }
        );
        people[0].paused.insert(user("UP3"));
        people[7].opted_out = true; // UP4
        assert_eq!(
            tie_of(&home_of("UE1", &people, &ties, &[])),
            &PartnershipTie::Missing {
                leads: vec![user("UP1"), user("UP2")]
            },
            "the designated lead first, then the leader in the team"
        );
        people[4].opted_out = true; // UP1
        assert_eq!(
            tie_of(&home_of("UE1", &people, &[], &[])),
            &PartnershipTie::Missing {
                leads: vec![user("UP2")]
            }
        );
    }

    #[test]
    fn the_home_offers_only_whom_the_nudge_would_raise_nobody_snoozed_nor_a_lead_already_met() {
        let mut people = company();
        let ties = vec![
            tie("UE1", "UP3", at(2026, 1, 1), at(2026, 5, 1), 9), // strong, fading
            tie("UE1", "UP1", at(2026, 3, 1), at(2026, 3, 2), 2), // the lead, fading
        ];
        people[6].snoozed_until = Some(at(2026, 6, 10)); // UP3
        assert!(
            matches!(
                tie_of(&home_of("UE1", &people, &ties, &[])),
                PartnershipTie::Fading { peer, .. } if *peer == user("UP1")
            ),
            "UP3 is snoozed"
        );
        people[0].paused.insert(user("UP1"));
        assert_eq!(
            tie_of(&home_of("UE1", &people, &ties, &[])),
            &PartnershipTie::Missing {
                leads: vec![user("UP2")]
            },
            "UP1, met already, is to be revived, not introduced; UP2 is not snoozed"
        );
    }

    #[test]
    fn the_current_circle_is_the_latest_round_s_with_its_state_and_only_nameable_members() {
        let mut people = company();
        people[7].opted_out = true; // UP4
        let circle = |round, members: &[&str], check_in_at, outcome| Circle {
            key: CircleKey { round, index: 1 },
            members: members.iter().map(|m| user(m)).collect(),
            formed_at: at(2026, 5, 4) + Duration::weeks(i64::from(round - 1) * 4),
            channel: None,
            channel_members: Vec::new(),
            check_in_at,
            outcome,
        };
        let first = circle(
            1,
            &["UE1", "UP2", "UP4"],
            Some(at(2026, 5, 11)),
            Some(CircleOutcome::Met {
                by: None,
                at: at(2026, 5, 12),
            }),
        );
        let current = home_of("UE1", &people, &[], std::slice::from_ref(&first)).circle;
        let current = current.unwrap();
        assert_eq!(current.others, [user("UP2")]);
        assert_eq!(current.unnamed, 1);
        assert_eq!(current.state, CircleState::Met);

        let second = circle(2, &["UE1", "UP1"], None, None);
        let home = home_of("UE1", &people, &[], &[first.clone(), second.clone()]);
        assert_eq!(
            home.circle.unwrap().state,
            CircleState::CheckInOn(at(2026, 6, 8))
        );
        let asked = Circle {
            check_in_at: Some(at(2026, 6, 8)),
            ..second.clone()
        };
        let home = home_of("UP1", &people, &[], &[first.clone(), asked]);
        assert_eq!(home.circle.unwrap().state, CircleState::CheckInAsked);
        assert_eq!(
            home_of("UP2", &people, &[], &[first, second]).circle,
            None,
            "left out of the latest round: no circle now"
        );
    }
}
