//! What the rules decide to tell one person, and why.

use super::{Policy, TeamId, Tie, UserId, plural, times};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt::Write as _;

/// How an explanation writes the text in it that the bot did not write:
/// team names and notes. A report for a terminal writes them as they are;
/// a Slack message escapes them, or a team called `<!channel>` would ping
/// a channel. The domain does not know Slack's rules, so the caller says.
#[derive(Debug, Clone, Copy)]
pub struct Quoting {
    /// How a team's name is written.
    pub team: fn(&str) -> Cow<'_, str>,
    /// How a note is written, from the text it was stored as.
    pub note: fn(&str) -> Cow<'_, str>,
}

impl Quoting {
    /// Team names and notes as they are: for reports read in a terminal.
    pub const AS_IS: Quoting = Quoting {
        team: as_is,
        note: as_is,
    };
}

fn as_is(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}

/// A planned DM to `to`: a reminder of a fading alliance with `about`, or
/// an introduction to `about`, someone in an under-connected team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nudge {
    /// Who receives the DM.
    pub to: UserId,
    /// The peer they are reminded of, or introduced to.
    pub about: UserId,
    /// The peer's team.
    pub about_team: TeamId,
    /// When the rules planned it: if the two interact after this, it is
    /// dropped unsent.
    pub planned_at: DateTime<Utc>,
    /// Why this peer, now: shown by *Why this?* and the dry run.
    pub reason: NudgeReason,
}

/// Why a nudge was planned: the facts it rests on, so that every nudge can
/// explain itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NudgeReason {
    /// An alliance quiet for longer than its cadence.
    Neglected(Neglected),
    /// An introduction for someone with no active alliance.
    Intro(Intro),
    /// A key partnership's tie missing or fading: raised before any other.
    Partnership(KeyPartnership),
}

/// The facts behind a reminder of a neglected alliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neglected {
    /// When the two last met.
    pub last_met: DateTime<Utc>,
    /// Whole days since then, at planning time.
    pub days_since: i64,
    /// The cadence the tie is held to, in days, from its strength.
    pub cadence_days: u32,
    /// How many times the two have met.
    pub times_met: u32,
    /// What they last talked about, if it was noted.
    pub last_note: Option<String>,
    /// The tie's strength right after their last interaction (it sets the
    /// cadence)…
    pub strength_then: f64,
    /// …and at planning time (it weighs in the ranking).
    pub strength_now: f64,
    /// How few alliances the two teams have.
    pub gap: TeamGap,
}

/// The facts behind an introduction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intro {
    /// When the person last interacted with someone in another team, if ever.
    pub last_alliance_at: Option<DateTime<Utc>>,
    /// The days without an active alliance that make someone a candidate.
    pub quiet_days: u32,
    /// How few alliances the two teams have.
    pub gap: TeamGap,
    /// Someone who could make the introduction warmer.
    pub shared_contact: Option<SharedContact>,
}

/// The facts behind a nudge for a key partnership: a reminder of the
/// strongest fading partnership tie, or, with none to revive, an
/// introduction to someone who leads the other team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPartnership {
    /// The recipient's side of the partnership.
    pub own_team: TeamId,
    /// The other side: the peer's team.
    pub other_team: TeamId,
    /// How long the partnership lets a tie stay quiet, in days.
    pub cadence_days: u32,
    /// The tie reminded of; `None` for an introduction.
    pub fading: Option<FadingTie>,
}

/// A partnership tie that has been quiet longer than the partnership's
/// cadence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FadingTie {
    /// When the two last met.
    pub last_met: DateTime<Utc>,
    /// Whole days since then, at planning time.
    pub days_since: i64,
    /// How many times the two have met.
    pub times_met: u32,
    /// What they last talked about, if it was noted.
    pub last_note: Option<String>,
    /// The tie's strength at planning time: the strongest is chosen.
    pub strength_now: f64,
}

impl KeyPartnership {
    /// The facts in sentences, for the person nudged.
    fn explain(&self, about: &str, quoting: Quoting) -> String {
        let own = (quoting.team)(self.own_team.as_str());
        let other = (quoting.team)(self.other_team.as_str());
        let partnership = format!(
            "{own} ↔ {other} is a key partnership: its people keep a live tie across it, with a catch-up at least every {} days, so I raise it before anything else.",
            self.cadence_days
        );
        match &self.fading {
            Some(tie) => format!(
                "{partnership} You and {about} ({other}) last met on {}, {} days ago; you've met {}{} Of your ties in {other}, it is the strongest ({:.1} now).",
                tie.last_met.format("%a %-d %b %Y"),
                tie.days_since,
                times(tie.times_met),
                last_time(tie.last_note.as_deref(), quoting),
                tie.strength_now
            ),
            None => format!(
                "{partnership} You have no live tie in {other} on record, and {about} leads {other}."
            ),
        }
    }
}

/// How a sentence about two people's last meeting ends: with what they
/// talked about, written by `quoting`, when it was noted.
fn last_time(note: Option<&str>, quoting: Quoting) -> String {
    note.map_or_else(
        || ".".to_owned(),
        |note| format!(", last time: {}.", (quoting.note)(note)),
    )
}

/// How connected the recipient's team is with the peer's team: gap
/// targeting prefers peers in teams with few active alliances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamGap {
    /// The recipient's team.
    pub own_team: TeamId,
    /// Active alliances between the two teams.
    pub alliances: u32,
    /// The most active alliances the recipient's team has with any one team.
    pub most: u32,
    /// What the ranking multiplied by: 1 + gap_boost × (1 − alliances / most).
    pub boost: f64,
    /// Whether both teams reach the k-anonymity floor, so that the figures
    /// above may be told to the person nudged: of a smaller team they
    /// would tell of its few people. The ranking weighs them either way.
    /// Records from before it was kept say no.
    #[serde(default)]
    pub figures_shown: bool,
}

/// A person who links the two sides of an introduction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "user", rename_all = "snake_case")]
pub enum SharedContact {
    /// Someone both of them have met.
    Mutual(UserId),
    /// Someone the recipient has met who has alliances in the peer's team.
    KnowsTeam(UserId),
}

impl SharedContact {
    /// The contact.
    pub fn user(&self) -> &UserId {
        match self {
            Self::Mutual(user) | Self::KnowsTeam(user) => user,
        }
    }
}

impl Neglected {
    /// The facts of `tie` at `now` under `policy`, with the team gap the
    /// ranking weighed.
    pub fn of(tie: &Tie, policy: &Policy, now: DateTime<Utc>, gap: TeamGap) -> Self {
        Self {
            last_met: tie.last_at,
            days_since: (now - tie.last_at).num_days(),
            cadence_days: policy.cadence_days(tie),
            times_met: tie.count,
            last_note: tie.last_note.clone(),
            strength_then: tie.strength_at_last(&policy.weights),
            strength_now: tie.strength_at(&policy.weights, policy.half_life, now),
            gap,
        }
    }

    /// The tie's facts in sentences, for the person nudged: when they last
    /// met, how often, and the cadence its strength sets.
    /// Team names and notes are written by `quoting`.
    pub fn explain(&self, about: &str, about_team: &TeamId, quoting: Quoting) -> String {
        format!(
            "You and {about} ({}) last met on {}, {} days ago; you've met {}{} For a tie of its strength ({:.1} after your last meeting, {:.1} now) I suggest a catch-up every {} days.",
            (quoting.team)(about_team.as_str()),
            self.last_met.format("%a %-d %b %Y"),
            self.days_since,
            times(self.times_met),
            last_time(self.last_note.as_deref(), quoting),
            self.strength_then,
            self.strength_now,
            self.cadence_days
        )
    }
}

impl NudgeReason {
    /// The person an introduction names as a shared contact, if any.
    pub fn shared_contact(&self) -> Option<&UserId> {
        match self {
            Self::Intro(intro) => intro.shared_contact.as_ref().map(SharedContact::user),
            Self::Neglected(_) | Self::Partnership(_) => None,
        }
    }

    /// Leaves out the shared contact an introduction names, if any: for
    /// someone who may no longer be named.
    pub fn drop_shared_contact(&mut self) {
        if let Self::Intro(intro) = self {
            intro.shared_contact = None;
        }
    }

    /// What the two last talked about, as noted, if it quotes it.
    pub fn quoted_note(&self) -> Option<&str> {
        match self {
            Self::Neglected(neglected) => neglected.last_note.as_deref(),
            Self::Partnership(partnership) => partnership
                .fading
                .as_ref()
                .and_then(|fading| fading.last_note.as_deref()),
            Self::Intro(_) => None,
        }
    }

    /// Stops quoting what the two last talked about, as noted; whether it
    /// quoted a note.
    pub fn drop_quoted_note(&mut self) -> bool {
        let note = match self {
            Self::Neglected(neglected) => &mut neglected.last_note,
            Self::Partnership(KeyPartnership {
                fading: Some(fading),
                ..
            }) => &mut fading.last_note,
            Self::Partnership(_) | Self::Intro(_) => return false,
        };
        note.take().is_some()
    }

    /// Whether this is an introduction rather than a reminder: to someone
    /// the recipient has not met, so the pair is not suggested again within
    /// `intro_repeat_days`.
    pub fn is_intro(&self) -> bool {
        match self {
            Self::Intro(_) => true,
            Self::Partnership(partnership) => partnership.fading.is_none(),
            Self::Neglected(_) => false,
        }
    }

    /// What kind of nudge it is, in a few words for reports: "reminder",
    /// "introduction", "partnership reminder", "partnership introduction".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Neglected(_) => "reminder",
            Self::Intro(_) => "introduction",
            Self::Partnership(p) if p.fading.is_some() => "partnership reminder",
            Self::Partnership(_) => "partnership introduction",
        }
    }

    /// The reason in sentences, for the person nudged ("you"), with people
    /// shown by `name` (a Slack mention, or a name and team in a report),
    /// and team names and notes written by `quoting`.
    pub fn explain(
        &self,
        about: &str,
        about_team: &TeamId,
        name: impl Fn(&UserId) -> String,
        quoting: Quoting,
    ) -> String {
        let team = (quoting.team)(about_team.as_str());
        let (mut text, gap) = match self {
            Self::Neglected(n) => (n.explain(about, about_team, quoting), &n.gap),
            // A partnership weighs no team gap: it comes first whatever the gap.
            Self::Partnership(p) => return p.explain(about, quoting),
            Self::Intro(i) => {
                let own = (quoting.team)(i.gap.own_team.as_str());
                let mut text = match i.last_alliance_at {
                    Some(at) => format!(
                        "Your last meeting with someone outside {own} was on {}, more than {} days ago.",
                        at.format("%a %-d %b %Y"),
                        i.quiet_days
                    ),
                    None => format!(
                        "I have no meeting of yours with anyone outside {own} on record yet."
                    ),
                };
                let _ = write!(text, " {about} is in {team}, and you two have not met.");
                match &i.shared_contact {
                    Some(SharedContact::Mutual(contact)) => {
                        let _ = write!(text, " You both know {}.", name(contact));
                    }
                    Some(SharedContact::KnowsTeam(contact)) => {
                        let _ = write!(text, " {} works with people in {team}.", name(contact));
                    }
                    None => {}
                }
                (text, &i.gap)
            }
        };
        let own = (quoting.team)(gap.own_team.as_str());
        if !gap.figures_shown {
            // Too few people in one of the teams to tell of it in figures.
        } else if gap.most == 0 {
            let _ = write!(
                text,
                " {own} has no active alliance with any team yet, so every team is a gap worth closing."
            );
        } else if gap.alliances >= gap.most {
            let _ = write!(
                text,
                " {own} and {team} have {}, as many as {own} has with any team.",
                alliances(gap.alliances)
            );
        } else {
            let _ = write!(
                text,
                " {own} and {team} have {}, against {} with the team {own} knows best, so I gave this one a lift (×{:.1}).",
                alliances(gap.alliances),
                gap.most,
                gap.boost
            );
        }
        text
    }
}

fn alliances(n: u32) -> String {
    match n {
        0 => "no active alliance".to_owned(),
        n => plural(n as usize, "active alliance", "active alliances"),
    }
}

/// A nudge that Slack accepted: the record behind the weekly cap, the
/// per-tie cooldown, the spacing of introductions and *Why this?*.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentNudge {
    /// Who received it.
    pub to: UserId,
    /// Whom it was about.
    pub about: UserId,
    /// When Slack accepted it.
    pub at: DateTime<Utc>,
    /// Why it was sent. Absent in records from before reasons were kept,
    /// and in an early warning's step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<NudgeReason>,
    /// Whether it records an early warning's step to meet someone new
    /// (`about`) rather than a nudge: it spaces introductions as one does,
    /// but is no message of its own — the warning counts against the caps
    /// once, by its leader's `early_warned_at`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warning_step: bool,
}

impl SentNudge {
    /// The record of `nudge`, accepted by Slack at `at`.
    pub fn of(nudge: &Nudge, at: DateTime<Utc>) -> Self {
        Self {
            to: nudge.to.clone(),
            about: nudge.about.clone(),
            at,
            reason: Some(nudge.reason.clone()),
            warning_step: false,
        }
    }

    /// The record of an early warning's step, sent to `to` at `at`, to
    /// meet `about`, someone new.
    pub fn warning_step(to: UserId, about: UserId, at: DateTime<Utc>) -> Self {
        Self {
            to,
            about,
            at,
            reason: None,
            warning_step: true,
        }
    }

    /// Whether it was an introduction, or an early warning's step to meet
    /// someone new.
    pub fn is_intro(&self) -> bool {
        self.warning_step || self.reason.as_ref().is_some_and(NudgeReason::is_intro)
    }
}
