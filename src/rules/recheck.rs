//! *Still holds*: whether a queued message may go out as it was planned,
//! by the people as they stand at the moment it is sent.
//!
//! The dispatcher reads the outbox once per round, and a round can take
//! minutes under Slack's limits; meanwhile people opt out, snooze, pause a
//! peer, leave Slack or ask to be forgotten. So just before each send it
//! reads again the people the message names and asks here. The tests are
//! the planner's own ([`Person::nudgeable_at`], a recipient's paused set,
//! [`still_due`], who may be named in public), applied to the records of
//! now rather than those of the snapshot the plan was made from.

use super::still_due;
use crate::domain::{Digest, Nudge, NudgeReason, Person, Tie, UserId};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::fmt;

/// What a queued nudge rests on, as the store holds it at the moment of
/// sending. A person the store no longer holds is `None`: forgotten.
#[derive(Debug, Clone, Copy)]
pub struct NudgeNow<'a> {
    /// The recipient.
    pub to: Option<&'a Person>,
    /// The peer they are reminded of, or introduced to.
    pub about: Option<&'a Person>,
    /// The shared contact an introduction names, when it names one.
    pub contact: Option<&'a Person>,
    /// The tie of the two.
    pub tie: Option<&'a Tie>,
}

/// Which of a nudge's two people a [`Withdrawal`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The person the DM goes to.
    Recipient,
    /// The person it is about.
    Peer,
}

/// Why a queued nudge no longer goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// The store no longer holds them: they asked to be forgotten.
    Forgotten(Side),
    /// They opted out.
    OptedOut(Side),
    /// They were deactivated in Slack.
    Deactivated(Side),
    /// They are snoozed.
    Snoozed(Side),
    /// The recipient paused the peer.
    Paused,
    /// The two met since it was planned (for an introduction: they have
    /// met at all).
    MetSince,
    /// An early warning's leader: their live alliances reach as many other
    /// teams as expected by now.
    ReachesEnoughTeams,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Recipient => "the recipient",
            Self::Peer => "the peer",
        })
    }
}

impl fmt::Display for Withdrawal {
    /// Why, in words that name nobody: fit for a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Forgotten(side) => write!(f, "{side} was forgotten"),
            Self::OptedOut(side) => write!(f, "{side} opted out"),
            Self::Deactivated(side) => write!(f, "{side} was deactivated"),
            Self::Snoozed(side) => write!(f, "{side} is snoozed"),
            Self::Paused => f.write_str("the recipient paused the peer"),
            Self::MetSince => f.write_str("the two met since it was planned"),
            Self::ReachesEnoughTeams => {
                f.write_str("the leader's alliances reach enough teams by now")
            }
        }
    }
}

/// The nudge as it may go out at `at` — as planned, or without a shared
/// contact who may no longer be named (the introduction stands without
/// them), or without the note it quotes when the two's tie no longer
/// holds it (a forget cleared it: its writer may be the one forgotten) —
/// or why it may not go out at all.
pub fn recheck_nudge<'n>(
    nudge: &'n Nudge,
    now: &NudgeNow<'_>,
    at: DateTime<Utc>,
) -> Result<Cow<'n, Nudge>, Withdrawal> {
    let to = may_be_nudged(now.to, Side::Recipient, at)?;
    may_be_nudged(now.about, Side::Peer, at)?;
    if to.paused.contains(&nudge.about) {
        return Err(Withdrawal::Paused);
    }
    if !still_due(nudge, now.tie) {
        return Err(Withdrawal::MetSince);
    }
    let contact_stands = now.contact.is_some_and(|c| c.nudgeable_at(at));
    let contact_gone = matches!(&nudge.reason,
        NudgeReason::Intro(intro) if intro.shared_contact.is_some() && !contact_stands);
    let note_gone = nudge
        .reason
        .quoted_note()
        .is_some_and(|quoted| now.tie.and_then(|tie| tie.last_note.as_deref()) != Some(quoted));
    if !contact_gone && !note_gone {
        return Ok(Cow::Borrowed(nudge));
    }
    let mut reduced = nudge.clone();
    if contact_gone {
        reduced.reason.drop_shared_contact();
    }
    if note_gone {
        reduced.reason.drop_quoted_note();
    }
    Ok(Cow::Owned(reduced))
}

/// `person`, if the bot may still nudge them or nudge others about them at
/// `at`; otherwise why not.
pub(super) fn may_be_nudged(
    person: Option<&Person>,
    side: Side,
    at: DateTime<Utc>,
) -> Result<&Person, Withdrawal> {
    let person = person.ok_or(Withdrawal::Forgotten(side))?;
    if person.opted_out {
        Err(Withdrawal::OptedOut(side))
    } else if person.deactivated {
        Err(Withdrawal::Deactivated(side))
    } else if !person.nudgeable_at(at) {
        Err(Withdrawal::Snoozed(side))
    } else {
        Ok(person)
    }
}

/// The digest with nobody named who may no longer be: `people_now` holds
/// the record now of each person it names (absent: forgotten). As the
/// planner does it, a new alliance with someone opted out or forgotten is
/// counted but not named, a bridge keeps its teams but loses its builders,
/// and only those who still welcome shout-outs are thanked by name.
pub fn recheck_digest<'d>(
    digest: &'d Digest,
    people_now: &FxHashMap<UserId, Person>,
) -> Cow<'d, Digest> {
    let nameable = |user: &UserId| people_now.get(user).is_some_and(|p| !p.opted_out);
    let thanked = |user: &UserId| people_now.get(user).is_some_and(Person::welcomes_shoutouts);
    // A digest goes out about once a week: a copy to judge costs nothing
    // worth a second list of the same rules.
    let mut now = digest.clone();
    now.new_alliances
        .retain(|a| nameable(&a.a.0) && nameable(&a.b.0));
    now.unnamed_new_alliances += digest.new_alliances.len() - now.new_alliances.len();
    for bridge in &mut now.bridges {
        if bridge
            .builders
            .as_ref()
            .is_some_and(|(x, y)| !nameable(x) || !nameable(y))
        {
            bridge.builders = None;
        }
    }
    now.bridge_builders.retain(|b| thanked(&b.person));
    if now == *digest {
        Cow::Borrowed(digest)
    } else {
        Cow::Owned(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Bridge, BridgeBuilder, Intro, NewAlliance, SharedContact, TeamGap, TeamId,
    };
    use crate::rules::fixtures::{at, person, tie, user};
    use chrono::Duration;

    fn team(name: &str) -> TeamId {
        TeamId::parse(name).unwrap()
    }

    fn gap() -> TeamGap {
        TeamGap {
            own_team: team("Payments"),
            alliances: 0,
            most: 1,
            boost: 1.5,
            figures_shown: true,
        }
    }

    /// When the nudges below were planned.
    fn planned() -> DateTime<Utc> {
        at(2026, 6, 1)
    }

    /// A reminder to U1 (Payments) of U2 (Platform), last met on 1 March.
    fn reminder() -> (Nudge, Tie) {
        let tie = tie("U1", "U2", at(2026, 1, 5), at(2026, 3, 1), 4);
        let policy = crate::domain::Policy::default();
        let nudge = Nudge {
            to: user("U1"),
            about: user("U2"),
            about_team: team("Platform"),
            planned_at: planned(),
            reason: NudgeReason::Neglected(crate::domain::Neglected::of(
                &tie,
                &policy,
                planned(),
                gap(),
            )),
        };
        (nudge, tie)
    }

    /// An introduction of U1 to U2, naming U3 as someone both know.
    fn intro() -> Nudge {
        Nudge {
            reason: NudgeReason::Intro(Intro {
                last_alliance_at: None,
                quiet_days: 90,
                gap: gap(),
                shared_contact: Some(SharedContact::Mutual(user("U3"))),
            }),
            ..reminder().0
        }
    }

    fn people() -> [Person; 3] {
        [
            person("U1", "Payments"),
            person("U2", "Platform"),
            person("U3", "Design"),
        ]
    }

    /// What [`recheck_nudge`] makes of `nudge` an hour after it was
    /// planned, with `people` as they stand then.
    fn recheck<'n>(
        nudge: &'n Nudge,
        [to, about, contact]: &[Option<Person>; 3],
        tie: Option<&Tie>,
    ) -> Result<Cow<'n, Nudge>, Withdrawal> {
        let now = NudgeNow {
            to: to.as_ref(),
            about: about.as_ref(),
            contact: contact.as_ref(),
            tie,
        };
        recheck_nudge(nudge, &now, planned() + Duration::hours(1))
    }

    /// The three people with `change` made to the one at `index` (0: the
    /// recipient, 1: the peer, 2: the contact).
    fn with(index: usize, change: impl FnOnce(&mut Person)) -> [Option<Person>; 3] {
        let mut people = people().map(Some);
        if let Some(person) = &mut people[index] {
            change(person);
        }
        people
    }

    #[test]
    fn a_nudge_whose_people_are_as_planned_goes_out_unchanged() {
        let (nudge, tie) = reminder();
        let checked = recheck(&nudge, &people().map(Some), Some(&tie));
        assert!(matches!(checked, Ok(Cow::Borrowed(n)) if *n == nudge));
    }

    #[test]
    fn a_reminder_quotes_a_note_only_while_the_tie_still_holds_it() {
        let (mut nudge, mut tie) = reminder();
        tie.last_note = Some("layoffs".to_owned());
        if let NudgeReason::Neglected(neglected) = &mut nudge.reason {
            neglected.last_note = tie.last_note.clone();
        }
        let checked = recheck(&nudge, &people().map(Some), Some(&tie));
        assert!(matches!(checked, Ok(Cow::Borrowed(_))));
        // A forget cleared the note from the tie: the nudge goes without it.
        tie.last_note = None;
        let checked = recheck(&nudge, &people().map(Some), Some(&tie)).unwrap();
        assert_eq!(checked.reason.quoted_note(), None);
        assert_eq!(checked.about, nudge.about);
    }

    #[test]
    fn a_nudge_is_withdrawn_when_either_side_opted_out_or_was_deactivated_since() {
        let (nudge, tie) = reminder();
        for deactivated in [false, true] {
            for (index, side) in [(0, Side::Recipient), (1, Side::Peer)] {
                let people = with(index, |p| match deactivated {
                    true => p.deactivated = true,
                    false => p.opted_out = true,
                });
                let expected = match deactivated {
                    true => Withdrawal::Deactivated(side),
                    false => Withdrawal::OptedOut(side),
                };
                assert_eq!(recheck(&nudge, &people, Some(&tie)).unwrap_err(), expected);
            }
        }
    }

    #[test]
    fn a_nudge_is_withdrawn_while_either_side_is_snoozed_and_goes_once_the_snooze_is_over() {
        let (nudge, tie) = reminder();
        for (index, side) in [(0, Side::Recipient), (1, Side::Peer)] {
            let snoozed = with(index, |p| {
                p.snoozed_until = Some(planned() + Duration::days(14));
            });
            assert_eq!(
                recheck(&nudge, &snoozed, Some(&tie)).unwrap_err(),
                Withdrawal::Snoozed(side)
            );
            let woken = with(index, |p| {
                p.snoozed_until = Some(planned() + Duration::minutes(30));
            });
            assert!(recheck(&nudge, &woken, Some(&tie)).is_ok());
        }
    }

    #[test]
    fn a_nudge_is_withdrawn_when_either_side_was_forgotten_since() {
        let (nudge, _) = reminder();
        for (index, side) in [(0, Side::Recipient), (1, Side::Peer)] {
            let mut people = people().map(Some);
            people[index] = None;
            // Forgetting removes their ties too.
            assert_eq!(
                recheck(&nudge, &people, None).unwrap_err(),
                Withdrawal::Forgotten(side)
            );
        }
    }

    #[test]
    fn a_nudge_is_withdrawn_when_the_recipient_paused_the_peer_but_not_the_other_way_round() {
        let (nudge, tie) = reminder();
        let paused = with(0, |p| {
            p.paused.insert(user("U2"));
        });
        assert_eq!(
            recheck(&nudge, &paused, Some(&tie)).unwrap_err(),
            Withdrawal::Paused
        );
        // As the planner has it: the peer's pause is about their own nudges.
        let paused_by_peer = with(1, |p| {
            p.paused.insert(user("U1"));
        });
        assert!(recheck(&nudge, &paused_by_peer, Some(&tie)).is_ok());
    }

    #[test]
    fn a_nudge_whose_two_people_met_since_is_dropped_as_met_since() {
        let (nudge, mut tie) = reminder();
        let met = crate::domain::Interaction::new(
            planned() + Duration::minutes(5),
            crate::domain::InteractionKind::Meeting,
            [user("U1"), user("U2")],
            None,
            None,
        )
        .unwrap();
        tie.record(&met, crate::domain::Policy::default().half_life);
        assert_eq!(
            recheck(&nudge, &people().map(Some), Some(&tie)).unwrap_err(),
            Withdrawal::MetSince
        );
    }

    #[test]
    fn an_introduction_goes_without_a_shared_contact_who_may_no_longer_be_named() {
        let nudge = intro();
        let with_contact = recheck(&nudge, &people().map(Some), None).unwrap();
        assert_eq!(with_contact.reason.shared_contact(), Some(&user("U3")));

        let changes: [fn(&mut Option<Person>); 4] = [
            |p| p.as_mut().unwrap().opted_out = true,
            |p| p.as_mut().unwrap().deactivated = true,
            |p| p.as_mut().unwrap().snoozed_until = Some(at(2026, 7, 1)),
            |p| *p = None,
        ];
        for change in changes {
            let mut people = people().map(Some);
            change(&mut people[2]);
            let checked = recheck(&nudge, &people, None).unwrap();
            assert_eq!(checked.reason.shared_contact(), None);
            assert_eq!((&checked.to, &checked.about), (&nudge.to, &nudge.about));
        }
    }

    /// A digest that names U1–U2 and U3–U4 as new alliances, U3–U4 as a
    /// bridge's builders, and thanks U3.
    fn digest() -> Digest {
        let alliance = |a: &str, b: &str| NewAlliance {
            a: (user(a), Some(team("Payments"))),
            b: (user(b), Some(team("Platform"))),
            at: at(2026, 6, 3),
        };
        Digest {
            new_alliances: vec![alliance("U1", "U2"), alliance("U3", "U4")],
            unnamed_new_alliances: 1,
            bridges: vec![Bridge {
                teams: (team("Design"), team("Legal")),
                builders: Some((user("U3"), user("U4"))),
                at: at(2026, 6, 3),
            }],
            bridge_builders: vec![BridgeBuilder {
                person: user("U3"),
                team: Some(team("Payments")),
                new_alliances: 2,
            }],
            ..Digest::empty(at(2026, 6, 1), at(2026, 6, 8))
        }
    }

    fn everyone_named() -> FxHashMap<UserId, Person> {
        ["U1", "U2", "U3", "U4"]
            .into_iter()
            .map(|id| {
                let mut someone = person(id, "Payments");
                someone.shoutouts = true;
                (user(id), someone)
            })
            .collect()
    }

    #[test]
    fn a_digest_whose_people_may_all_still_be_named_goes_out_unchanged() {
        let digest = digest();
        assert!(matches!(
            recheck_digest(&digest, &everyone_named()),
            Cow::Borrowed(d) if *d == digest
        ));
    }

    #[test]
    fn a_digest_names_nobody_who_opted_out_or_was_forgotten_since_and_counts_their_alliances() {
        let digest = digest();
        let mut people = everyone_named();
        people.get_mut(&user("U3")).unwrap().opted_out = true;
        people.remove(&user("U2"));

        let now = recheck_digest(&digest, &people);

        for gone in ["U2", "U3"] {
            assert!(!now.names(&user(gone)), "{gone} is named: {now:?}");
        }
        assert!(now.new_alliances.is_empty());
        assert_eq!(now.unnamed_new_alliances, 3, "one before, and the two");
        assert_eq!(now.bridges[0].teams, digest.bridges[0].teams);
        assert_eq!(now.bridges[0].builders, None);
        assert!(now.bridge_builders.is_empty());
    }

    #[test]
    fn a_digest_thanks_nobody_who_turned_shout_outs_off_since() {
        let digest = digest();
        let mut people = everyone_named();
        people.get_mut(&user("U3")).unwrap().shoutouts = false;

        let now = recheck_digest(&digest, &people);

        assert!(now.bridge_builders.is_empty());
        assert_eq!(now.new_alliances, digest.new_alliances, "still nameable");
        assert_eq!(now.bridges, digest.bridges);
    }
}
