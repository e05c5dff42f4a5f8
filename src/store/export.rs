//! A person's own data, gathered from every tree that names people, for
//! `/alliances export`: the counterpart of [`SledStore::forget_person`], and
//! looking in the same places.
//!
//! Their own, and nothing of anyone else's contacts, counts or activity: a
//! nudge's recorded reason carries facts about others (an introduction
//! names the recipient's contact and when the recipient last met anyone
//! outside their team; every reason counts the alliances between two
//! teams), so a nudge is exported reduced to what is the person's own.

use super::{SledStore, StoreError, trees};
use crate::domain::{
    CalendarFeed, Circle, Interaction, NudgeReason, Person, SentNudge, TeamId, Tie, UserId,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Everything the store holds about one person that is theirs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonExport {
    /// Their record, if they are known.
    pub person: Option<Person>,
    /// Every interaction they took part in or logged, in log order.
    pub interactions: Vec<Interaction>,
    /// Every tie of a pair they are in, sorted by pair.
    pub ties: Vec<Tie>,
    /// The nudges they received, oldest first.
    pub nudges_received: Vec<NudgeReceived>,
    /// The nudges others received about them, oldest first.
    pub nudges_about: Vec<NudgeAbout>,
    /// The leadership circles they are in, oldest first: who else sat in
    /// it (they shared its group DM) and what it answered to its check-in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub circles: Vec<Circle>,
    /// The calendar they gave, if any: its address as the store keeps it,
    /// sealed, and how reading it has gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarFeed>,
}

/// A nudge the person received: whom it was about, when, and why, in the
/// facts of their own history. The team figures it weighed are left out
/// (they count other people's alliances), and so is the contact an
/// introduction suggested (who that contact has met is the contact's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NudgeReceived {
    /// The peer it reminded them of, or introduced them to.
    pub about: UserId,
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
    pub(super) fn of(nudge: SentNudge) -> Self {
        let why = nudge.reason.map(|reason| match reason {
            NudgeReason::Neglected(n) => OwnReason::Reminder {
                last_met: n.last_met,
                days_since: n.days_since,
                cadence_days: n.cadence_days,
                times_met: n.times_met,
                last_note: n.last_note,
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
                last_note: p.fading.and_then(|f| f.last_note),
            },
        });
        Self {
            about: nudge.about,
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
    /// [`NudgeReceived`] and [`NudgeAbout`]).
    pub fn export_person(&self, id: &UserId) -> Result<PersonExport, StoreError> {
        let trees = self.trees()?;
        let mut interactions = Vec::new();
        for entry in trees.interactions.iter() {
            let (key, bytes) = entry?;
            let interaction: Interaction = self.decode(trees::INTERACTIONS, &key, &bytes)?;
            if involves(&interaction, id) {
                interactions.push(interaction);
            }
        }
        let (mut nudges_received, mut nudges_about) = (Vec::new(), Vec::new());
        for entry in trees.nudges.iter() {
            let (key, bytes) = entry?;
            let nudge: SentNudge = self.decode(trees::NUDGES, &key, &bytes)?;
            if &nudge.to == id {
                nudges_received.push(NudgeReceived::of(nudge));
            } else if &nudge.about == id {
                nudges_about.push(NudgeAbout::of(&nudge));
            }
        }
        Ok(PersonExport {
            person: self.person(id)?,
            interactions,
            ties: self.ties_of(id)?,
            nudges_received,
            nudges_about,
            circles: self
                .circles()?
                .into_iter()
                .filter(|circle| circle.has_member(id))
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
    use crate::store::fixtures::{at_minute, meeting, open_temp, person, sent, user};

    #[test]
    fn an_export_holds_exactly_the_records_of_its_person() {
        let (_dir, store) = open_temp();
        let mut ada = person("UADA", "Ada", Some("Payments"));
        ada.paused.insert(user("UBOB"));
        store
            .put_people(&[ada.clone(), person("UBOB", "Bob", None)])
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
        assert_eq!(export.interactions, [with_bob, group, for_others]);
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
                about: to_her.about,
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
