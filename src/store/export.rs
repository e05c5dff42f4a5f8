//! A person's own data, gathered from every tree that names people, for
//! `/alliances export`: the counterpart of [`SledStore::forget_person`], and
//! looking in the same places.
//!
//! Their own, and nothing of anyone else's contacts, counts or activity: a
//! nudge's recorded reason carries facts about others (an introduction
//! names the recipient's contact and when the recipient last met anyone
//! outside their team; every reason counts the alliances between two
//! teams), so a nudge is exported reduced to what is the person's own.
//!
//! Nor does it name anyone who opted out or left, as `/alliances status`
//! and the leaders' Home do not: another person it may not name (see
//! [`Names`]) is left out of a meeting, a tie and a circle, and counted,
//! so that the person keeps their own facts (they met someone, when, how
//! often) without learning who.

use super::{SledStore, StoreError, trees};
use crate::domain::{
    CalendarFeed, Circle, CircleOutcome, Interaction, NudgeReason, Person, SentNudge, TeamId, Tie,
    UserId,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

/// Everything the store holds about one person that is theirs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonExport {
    /// Their record, if they are known.
    pub person: Option<Person>,
    /// Every interaction they took part in or logged, in log order.
    pub interactions: Vec<OwnInteraction>,
    /// Every tie of a pair they are in with someone who may be named,
    /// sorted by pair.
    pub ties: Vec<Tie>,
    /// Their ties with people who may not be named, in the same order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unnamed_ties: Vec<UnnamedTie>,
    /// The nudges they received, oldest first.
    pub nudges_received: Vec<NudgeReceived>,
    /// The nudges others received about them, oldest first.
    pub nudges_about: Vec<NudgeAbout>,
    /// The leadership circles they are in, oldest first: who else sat in
    /// it (they shared its group DM) and what it answered to its check-in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub circles: Vec<OwnCircle>,
    /// The calendar they gave, if any: its address as the store keeps it,
    /// sealed, and how reading it has gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarFeed>,
}

/// An interaction the person took part in or logged, naming only the
/// people who may be named to them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnInteraction {
    /// The interaction, its participants and logger those who may be
    /// named. Its note is kept when the person wrote it (their own words,
    /// whoever else was there), or when everyone in it may be named:
    /// someone else's words may name, or be, someone who opted out.
    #[serde(flatten)]
    pub interaction: Interaction,
    /// How many others took part in it or logged it who may not be named.
    #[serde(skip_serializing_if = "is_zero")]
    pub unnamed: usize,
}

/// A tie of the person's with someone who may not be named: when they
/// first and last met, and how often. Its last note is left out: whose
/// words it was, the tie does not say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnnamedTie {
    /// Their first interaction.
    pub first_at: DateTime<Utc>,
    /// Their latest interaction.
    pub last_at: DateTime<Utc>,
    /// How many interactions they have had.
    pub count: u32,
}

/// A leadership circle the person is in, naming only the members who may
/// be named to them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnCircle {
    /// The circle, its members (and who answered its check-in) those who
    /// may be named.
    #[serde(flatten)]
    pub circle: Circle,
    /// How many other members may not be named.
    #[serde(skip_serializing_if = "is_zero")]
    pub unnamed: usize,
}

/// A nudge the person received: whom it was about, when, and why, in the
/// facts of their own history. The team figures it weighed are left out
/// (they count other people's alliances), and so is the contact an
/// introduction suggested (who that contact has met is the contact's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NudgeReceived {
    /// The peer it reminded them of, or introduced them to; absent when
    /// they may no longer be named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<UserId>,
    /// When Slack accepted it.
    pub at: DateTime<Utc>,
    /// Why; absent in records from before reasons were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<OwnReason>,
}

/// The facts of the person's own history a nudge to them rested on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OwnReason {
    /// A reminder of their tie with the peer, as it stood.
    Reminder {
        /// When the two last met.
        last_met: DateTime<Utc>,
        /// Whole days since then, when it was planned.
        days_since: i64,
        /// The cadence the tie was held to, in days.
        cadence_days: u32,
        /// How many times the two had met.
        times_met: u32,
        /// What they last talked about, if it was noted.
        last_note: Option<String>,
        /// The tie's strength right after their last meeting…
        strength_then: f64,
        /// …and when it was planned.
        strength_now: f64,
    },
    /// An introduction, for want of an active alliance.
    Introduction {
        /// When they last met someone in another team, if ever.
        last_alliance_at: Option<DateTime<Utc>>,
        /// The days without an active alliance that made them a candidate.
        quiet_days: u32,
    },
    /// A key partnership they are bound by, with no live tie across it: a
    /// reminder of their tie with the peer, or, with none, an introduction.
    Partnership {
        /// Their side of the partnership.
        own_team: TeamId,
        /// The other side.
        other_team: TeamId,
        /// How long the partnership lets a tie stay quiet, in days.
        cadence_days: u32,
        /// When the two last met; absent for an introduction.
        last_met: Option<DateTime<Utc>>,
        /// Whole days since then, when it was planned.
        days_since: Option<i64>,
        /// How many times the two had met.
        times_met: u32,
        /// What they last talked about, if it was noted.
        last_note: Option<String>,
    },
}

/// A nudge someone else received about the person: when, and of what kind.
/// Who received it, and why, is the recipient's: an introduction to them
/// tells that the recipient had no alliance left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NudgeAbout {
    /// When Slack accepted it.
    pub at: DateTime<Utc>,
    /// A reminder or an introduction; absent in records from before
    /// reasons were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<NudgeKind>,
}

/// What kind of nudge it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NudgeKind {
    /// A reminder of a fading alliance.
    Reminder,
    /// An introduction to someone new.
    Introduction,
}

impl NudgeReceived {
    pub(super) fn of(nudge: SentNudge, names: &Names) -> Self {
        let named = names.may_name(&nudge.about);
        // What the two last talked about, as an unnamed tie's note, is left
        // out with the peer's name: whose words it was, it does not say.
        let note = |note: Option<String>| note.filter(|_| named);
        let why = nudge.reason.map(|reason| match reason {
            NudgeReason::Neglected(n) => OwnReason::Reminder {
                last_met: n.last_met,
                days_since: n.days_since,
                cadence_days: n.cadence_days,
                times_met: n.times_met,
                last_note: note(n.last_note),
                strength_then: n.strength_then,
                strength_now: n.strength_now,
            },
            NudgeReason::Intro(i) => OwnReason::Introduction {
                last_alliance_at: i.last_alliance_at,
                quiet_days: i.quiet_days,
            },
            NudgeReason::Partnership(p) => OwnReason::Partnership {
                own_team: p.own_team,
                other_team: p.other_team,
                cadence_days: p.cadence_days,
                last_met: p.fading.as_ref().map(|f| f.last_met),
                days_since: p.fading.as_ref().map(|f| f.days_since),
                times_met: p.fading.as_ref().map_or(0, |f| f.times_met),
                last_note: note(p.fading.and_then(|f| f.last_note)),
            },
        });
        Self {
            about: Some(nudge.about).filter(|_| named),
            at: nudge.at,
            why,
        }
    }
}

impl NudgeAbout {
    pub(super) fn of(nudge: &SentNudge) -> Self {
        let kind = (nudge.reason.is_some() || nudge.warning_step).then(|| {
            if nudge.is_intro() {
                NudgeKind::Introduction
            } else {
                NudgeKind::Reminder
            }
        });
        Self { at: nudge.at, kind }
    }
}

/// Who may be named to the person exporting: they themselves, and anyone
/// else the store knows who has not opted out or left (see
/// [`Person::reachable`]), as the leaders' Home names them. Someone
/// unknown (not yet synced, or forgotten) is not named either.
pub(super) struct Names<'a> {
    me: &'a UserId,
    reachable: BTreeSet<UserId>,
}

impl<'a> Names<'a> {
    /// Who may be named to `me`, out of `people`.
    pub(super) fn for_person(me: &'a UserId, people: Vec<Person>) -> Self {
        let reachable = people
            .into_iter()
            .filter(Person::reachable)
            .map(|p| p.id)
            .collect();
        Self { me, reachable }
    }

    /// Whether `id` may be named to them.
    fn may_name(&self, id: &UserId) -> bool {
        id == self.me || self.reachable.contains(id)
    }

    /// `interaction` as they may see it (see [`OwnInteraction`]).
    pub(super) fn interaction(&self, mut interaction: Interaction) -> OwnInteraction {
        let others: BTreeSet<&UserId> = interaction
            .participants
            .iter()
            .chain(&interaction.logged_by)
            .collect();
        let unnamed = others.into_iter().filter(|id| !self.may_name(id)).count();
        let theirs = interaction.logged_by.as_ref() == Some(self.me);
        if !theirs && unnamed > 0 {
            interaction.note = None;
        }
        interaction.participants.retain(|id| self.may_name(id));
        interaction.logged_by = interaction.logged_by.filter(|id| self.may_name(id));
        OwnInteraction {
            interaction,
            unnamed,
        }
    }

    /// Their `ties`, split into those with someone who may be named and
    /// the rest, reduced to [`UnnamedTie`]s.
    pub(super) fn ties(&self, ties: Vec<Tie>) -> (Vec<Tie>, Vec<UnnamedTie>) {
        let (named, unnamed): (Vec<Tie>, Vec<Tie>) = ties.into_iter().partition(|tie| {
            tie.pair
                .other(self.me)
                .is_some_and(|peer| self.may_name(peer))
        });
        let unnamed = unnamed
            .into_iter()
            .map(|tie| UnnamedTie {
                first_at: tie.first_at,
                last_at: tie.last_at,
                count: tie.count,
            })
            .collect();
        (named, unnamed)
    }

    /// `circle` as they may see it (see [`OwnCircle`]).
    pub(super) fn circle(&self, mut circle: Circle) -> OwnCircle {
        let before = circle.members.len();
        circle.members.retain(|id| self.may_name(id));
        circle.channel_members.retain(|id| self.may_name(id));
        if let Some(
            CircleOutcome::Met { by, .. }
            | CircleOutcome::NotYet { by, .. }
            | CircleOutcome::Skipped { by, .. },
        ) = &mut circle.outcome
        {
            *by = by.take().filter(|id| self.may_name(id));
        }
        OwnCircle {
            unnamed: before - circle.members.len(),
            circle,
        }
    }
}

/// Whether a count is zero, for serde to leave it out.
fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl SledStore {
    /// Everything the store holds about `id`. Scans the log, the ties and
    /// the nudges: a backup, which reads the same log, exports 889,375
    /// interactions in 1.8 s (docs/performance.md), so a large workspace's
    /// history is a second or two of reading and decoding, fine for a
    /// command someone runs once in a while.
    ///
    /// Others' `paused` sets that name them are left out: that someone
    /// asked not to be nudged about them is the other person's choice, and
    /// their data. Nudges are reduced to what is the person's own (see
    /// [`NudgeReceived`] and [`NudgeAbout`]); nobody who may not be named
    /// to them is (see `Names`).
    pub fn export_person(&self, id: &UserId) -> Result<PersonExport, StoreError> {
        let trees = self.trees()?;
        let names = Names::for_person(id, self.people()?);
        let mut interactions = Vec::new();
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction: Interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            if involves(&interaction, id) {
                interactions.push(names.interaction(interaction));
            }
        }
        let (mut nudges_received, mut nudges_about) = (Vec::new(), Vec::new());
        for entry in trees.nudges.iter() {
            let (key, bytes) = entry?;
            let nudge: SentNudge = self.decode(trees::NUDGES, &key, &bytes)?;
            if &nudge.to == id {
                nudges_received.push(NudgeReceived::of(nudge, &names));
            } else if &nudge.about == id {
                nudges_about.push(NudgeAbout::of(&nudge));
            }
        }
        let (ties, unnamed_ties) = names.ties(self.ties_of(id)?);
        Ok(PersonExport {
            person: self.person(id)?,
            interactions,
            ties,
            unnamed_ties,
            nudges_received,
            nudges_about,
            circles: self
                .circles()?
                .into_iter()
                .filter(|circle| circle.has_member(id))
                .map(|circle| names.circle(circle))
                .collect(),
            calendar: self.calendar(id)?,
        })
    }
}

/// Whether `id` took part in `interaction` or logged it.
pub(super) fn involves(interaction: &Interaction, id: &UserId) -> bool {
    interaction.participants.contains(id) || interaction.logged_by.as_ref() == Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{InteractionKind, Intro, Neglected, SharedContact, TeamGap, TeamId};
    use crate::store::fixtures::{
        at_minute, meeting, open_temp, person, reminder_quoting, sent, user,
    };

    #[test]
    fn an_export_holds_exactly_the_records_of_its_person() {
        let (_dir, store) = open_temp();
        let mut ada = person("UADA", "Ada", Some("Payments"));
        ada.paused.insert(user("UBOB"));
        store
            .put_people(&[
                ada.clone(),
                person("UBOB", "Bob", None),
                person("UCY", "Cy", None),
                person("UDEE", "Dee", None),
            ])
            .unwrap();
        let with_bob = meeting(at_minute(0), &["UADA", "UBOB"], Some("coffee"));
        let without_her = meeting(at_minute(1), &["UBOB", "UCY"], None);
        let group = meeting(at_minute(2), &["UCY", "UADA", "UDEE"], None);
        // Logged by her for two others: her words, so hers to see.
        let for_others = Interaction::new(
            at_minute(3),
            InteractionKind::Meeting,
            [user("UBOB"), user("UDEE")],
            Some(user("UADA")),
            Some("intro".into()),
        )
        .unwrap();
        for interaction in [&with_bob, &without_her, &group, &for_others] {
            store.log_interaction(interaction).unwrap();
        }
        let (to_her, about_her, neither) = (
            sent("UADA", "UCY", 10),
            sent("UBOB", "UADA", 11),
            sent("UBOB", "UCY", 12),
        );
        for nudge in [&to_her, &about_her, &neither] {
            store.record_nudge_sent(nudge).unwrap();
        }

        let export = store.export_person(&user("UADA")).unwrap();
        assert_eq!(export.person, Some(ada));
        let interactions: Vec<&Interaction> =
            export.interactions.iter().map(|i| &i.interaction).collect();
        assert_eq!(interactions, [&with_bob, &group, &for_others]);
        assert!(export.interactions.iter().all(|i| i.unnamed == 0));
        let pairs: Vec<String> = export
            .ties
            .iter()
            .map(|tie| format!("{}-{}", tie.pair.low(), tie.pair.high()))
            .collect();
        assert_eq!(pairs, ["UADA-UBOB", "UADA-UCY", "UADA-UDEE"]);
        assert_eq!(export.ties, store.ties_of(&user("UADA")).unwrap());
        assert_eq!(
            export.nudges_received,
            [NudgeReceived {
                about: Some(to_her.about),
                at: to_her.at,
                why: None
            }]
        );
        assert_eq!(
            export.nudges_about,
            [NudgeAbout {
                at: about_her.at,
                kind: None
            }]
        );

        let json = serde_json::to_value(&export).unwrap();
        assert_eq!(json["interactions"][0]["note"], "coffee");
    }

    #[test]
    fn others_who_opted_out_or_left_are_counted_in_her_export_never_named() {
        let (_dir, store) = open_temp();
        let mut dee = person("UDEE", "Dee", None);
        dee.opted_out = true;
        let mut eve = person("UEVE", "Eve", None);
        eve.deactivated = true;
        store
            .put_people(&[
                person("UADA", "Ada", None),
                person("UBOB", "Bob", None),
                dee,
                eve,
            ])
            .unwrap();
        let logged = |minute, who: &[&str], by: &str, note: &str| {
            Interaction::new(
                at_minute(minute),
                InteractionKind::Meeting,
                who.iter().map(|id| user(id)),
                Some(user(by)),
                Some(note.into()),
            )
            .unwrap()
        };
        for interaction in [
            // Dee's words, and Bob's, which may name her: theirs.
            logged(0, &["UADA", "UDEE"], "UDEE", "dee's words"),
            logged(1, &["UADA", "UBOB", "UDEE"], "UBOB", "bob on dee"),
            // Ada's words, even of those she may no longer be told of.
            logged(2, &["UADA", "UBOB", "UDEE", "UEVE"], "UADA", "offsite"),
        ] {
            store.log_interaction(&interaction).unwrap();
        }
        let reminder = reminder_quoting("UADA", "UDEE", 10, "dee's words");
        store
            .record_nudge_sent(&SentNudge::of(&reminder, at_minute(10)))
            .unwrap();
        store
            .save_circles_and_enqueue(
                &[],
                &[vec![user("UADA"), user("UBOB"), user("UDEE")]],
                at_minute(20),
            )
            .unwrap();

        let export = store.export_person(&user("UADA")).unwrap();
        let json = serde_json::to_value(&export).unwrap();
        let text = json.to_string();
        for theirs in ["UDEE", "UEVE", "dee's words", "bob on dee"] {
            assert!(!text.contains(theirs), "{theirs} in {text}");
        }
        let interactions = &json["interactions"];
        assert_eq!(interactions[0]["participants"], serde_json::json!(["UADA"]));
        assert_eq!(interactions[0]["unnamed"], 1);
        assert_eq!(
            interactions[1]["participants"],
            serde_json::json!(["UADA", "UBOB"])
        );
        assert_eq!(interactions[1]["logged_by"], "UBOB");
        assert_eq!(
            interactions[2]["participants"],
            serde_json::json!(["UADA", "UBOB"])
        );
        assert_eq!(interactions[2]["unnamed"], 2);
        assert_eq!(interactions[2]["logged_by"], "UADA");
        assert_eq!(interactions[2]["note"], "offsite");
        // Her tie with Bob as it is; with Dee and Eve, when and how often.
        assert_eq!(json["ties"].as_array().unwrap().len(), 1, "{text}");
        assert_eq!(json["ties"][0]["pair"]["high"], "UBOB", "{text}");
        let at = |minute| serde_json::to_value(at_minute(minute)).unwrap();
        assert_eq!(
            json["unnamed_ties"],
            serde_json::json!([
                { "first_at": at(0), "last_at": at(2), "count": 3 },
                { "first_at": at(2), "last_at": at(2), "count": 1 },
            ])
        );
        assert_eq!(json["nudges_received"][0]["at"], at(10), "{text}");
        assert_eq!(json["nudges_received"][0]["why"]["times_met"], 3, "{text}");
        assert_eq!(
            json["circles"][0]["members"],
            serde_json::json!(["UADA", "UBOB"])
        );
        assert_eq!(json["circles"][0]["unnamed"], 1);
    }

    #[test]
    fn the_export_of_someone_unknown_is_empty() {
        let (_dir, store) = open_temp();
        store
            .log_interaction(&meeting(at_minute(0), &["UBOB", "UCY"], None))
            .unwrap();
        let export = store.export_person(&user("UADA")).unwrap();
        assert_eq!(export.person, None);
        assert!(export.interactions.is_empty() && export.ties.is_empty());
        assert!(export.nudges_received.is_empty() && export.nudges_about.is_empty());
    }

    /// What a nudge's reason counts of the two teams: not the person's own.
    fn gap() -> TeamGap {
        TeamGap {
            own_team: TeamId::parse("Payments").unwrap(),
            alliances: 3,
            most: 7,
            boost: 1.6,
            figures_shown: true,
        }
    }

    /// When the recipient of [`introduction`] last met someone outside
    /// their team.
    fn last_alliance() -> DateTime<Utc> {
        at_minute(-90_000)
    }

    /// An introduction sent to `to` about `about` at minute 10, naming
    /// `contact`.
    fn introduction(to: &str, about: &str, contact: SharedContact) -> SentNudge {
        SentNudge {
            reason: Some(NudgeReason::Intro(Intro {
                last_alliance_at: Some(last_alliance()),
                quiet_days: 90,
                gap: gap(),
                shared_contact: Some(contact),
            })),
            ..sent(to, about, 10)
        }
    }

    #[test]
    fn nudges_to_her_keep_the_facts_of_her_own_history_and_lose_the_rest() {
        let (_dir, store) = open_temp();
        store.put_people(&[person("UDEE", "Dee", None)]).unwrap();
        let introduced = introduction("UADA", "UBOB", SharedContact::KnowsTeam(user("UCY")));
        let reminded = SentNudge {
            reason: Some(NudgeReason::Neglected(Neglected {
                last_met: at_minute(-60_000),
                days_since: 41,
                cadence_days: 30,
                times_met: 4,
                last_note: Some("roadmap".into()),
                strength_then: 2.5,
                strength_now: 1.2,
                gap: gap(),
            })),
            ..sent("UADA", "UDEE", 20)
        };
        for nudge in [&introduced, &reminded] {
            store.record_nudge_sent(nudge).unwrap();
        }

        let export = store.export_person(&user("UADA")).unwrap();
        assert_eq!(
            export.nudges_received[0].why,
            Some(OwnReason::Introduction {
                last_alliance_at: Some(last_alliance()),
                quiet_days: 90
            })
        );
        // Her tie with Dee, as it stood: hers.
        let reminder = serde_json::to_value(&export.nudges_received[1]).unwrap();
        assert_eq!(reminder["about"], "UDEE");
        assert_eq!(reminder["why"]["kind"], "reminder");
        assert_eq!(reminder["why"]["times_met"], 4);
        assert_eq!(reminder["why"]["cadence_days"], 30);
        assert_eq!(reminder["why"]["last_note"], "roadmap");
        let json = serde_json::to_string(&export).unwrap();
        for theirs in ["UCY", "Payments", "\"alliances\"", "boost"] {
            assert!(!json.contains(theirs), "{theirs} in {json}");
        }
    }

    #[test]
    fn a_nudge_about_her_says_when_and_what_kind_not_to_whom_or_why() {
        let (_dir, store) = open_temp();
        let introduced = introduction("UBOB", "UADA", SharedContact::Mutual(user("UCY")));
        store.record_nudge_sent(&introduced).unwrap();

        let export = store.export_person(&user("UADA")).unwrap();
        assert_eq!(
            export.nudges_about,
            [NudgeAbout {
                at: at_minute(10),
                kind: Some(NudgeKind::Introduction)
            }]
        );
        let json = serde_json::to_string(&export).unwrap();
        let date = last_alliance().format("%Y-%m-%d").to_string();
        for theirs in ["UBOB", "UCY", "Payments", date.as_str()] {
            assert!(!json.contains(theirs), "{theirs} in {json}");
        }
    }
}
