//! Leadership circles: a few leaders of different teams whom the bot brings
//! together for some weeks, to help each other and to commiserate.
//!
//! A round of circles is formed every few weeks (`rules::form_circles`
//! decides who with whom); each circle gets one group DM with a prompt and,
//! a week later, one check-in with three buttons ([`CircleAction`]).

use super::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which circle: its round (1 for the first ever formed) and its place in
/// the round (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CircleKey {
    /// The round it was formed in.
    pub round: u32,
    /// Its number within the round.
    pub index: u32,
}

impl CircleKey {
    /// The key back from what [`fmt::Display`] writes (`3-2`): a button's
    /// value.
    pub fn parse(text: &str) -> Option<Self> {
        let (round, index) = text.split_once('-')?;
        Some(Self {
            round: round.parse().ok()?,
            index: index.parse().ok()?,
        })
    }
}

impl fmt::Display for CircleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.round, self.index)
    }
}

/// One leadership circle, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Circle {
    /// Which circle.
    pub key: CircleKey,
    /// Its members, in id order. A person who asks to be forgotten leaves
    /// it (the record stays for the others).
    pub members: Vec<UserId>,
    /// When it was formed.
    pub formed_at: DateTime<Utc>,
    /// The group DM its last message was posted in, once Slack took it;
    /// `None` again once a member in it leaves the circle.
    #[serde(default)]
    pub channel: Option<super::ChannelId>,
    /// Who that group DM holds: it is written to again only while the
    /// members who may be written to are these (empty for a circle kept
    /// before this was: its group DM is then opened afresh).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_members: Vec<UserId>,
    /// When its check-in was queued: it is asked once.
    #[serde(default)]
    pub check_in_at: Option<DateTime<Utc>>,
    /// What its members answered to the check-in, if anyone did.
    #[serde(default)]
    pub outcome: Option<CircleOutcome>,
}

impl Circle {
    /// A circle just formed under `key` at `formed_at`: no group DM yet,
    /// no check-in, no answer.
    pub fn formed(key: CircleKey, members: Vec<UserId>, formed_at: DateTime<Utc>) -> Self {
        Self {
            key,
            members,
            formed_at,
            channel: None,
            channel_members: Vec::new(),
            check_in_at: None,
            outcome: None,
        }
    }

    /// Whether `user` is one of its members.
    pub fn has_member(&self, user: &UserId) -> bool {
        self.members.contains(user)
    }

    /// Whether its check-in is due at `now`: never asked, no answer yet,
    /// and formed at least [`CHECK_IN_AFTER_DAYS`] calendar days ago (in
    /// UTC), so that a weekly job a few seconds early still asks.
    pub fn check_in_due(&self, now: DateTime<Utc>) -> bool {
        self.check_in_at.is_none()
            && self.outcome.is_none()
            && (now.date_naive() - self.formed_at.date_naive()).num_days() >= CHECK_IN_AFTER_DAYS
    }
}

/// The check-in goes a week after the circle was formed: time enough to
/// find 45 minutes, soon enough that the prompt is remembered.
pub const CHECK_IN_AFTER_DAYS: i64 = 7;

/// What a circle answered to its check-in, and who pressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum CircleOutcome {
    /// *We met*: a meeting of every pair of the circle was logged.
    Met {
        /// Who pressed it; `None` once they asked to be forgotten.
        by: Option<UserId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// *Not yet*: not asked again; `/met` logs it when they do.
    NotYet {
        /// Who pressed it; `None` once they asked to be forgotten.
        by: Option<UserId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// *Skip this round*.
    Skipped {
        /// Who pressed it; `None` once they asked to be forgotten.
        by: Option<UserId>,
        /// When.
        at: DateTime<Utc>,
    },
}

impl CircleOutcome {
    /// Who pressed the button, unless they were forgotten since.
    pub fn by(&self) -> Option<&UserId> {
        let (Self::Met { by, .. } | Self::NotYet { by, .. } | Self::Skipped { by, .. }) = self;
        by.as_ref()
    }

    /// The same answer, its presser left out: they asked to be forgotten.
    pub fn without_presser(mut self) -> Self {
        let (Self::Met { by, .. } | Self::NotYet { by, .. } | Self::Skipped { by, .. }) = &mut self;
        *by = None;
        self
    }
}

/// A message to a circle, in its group DM. It names nobody: whom it goes
/// to is read from the circle when it is sent, so that forgetting one
/// member leaves it for the others. (Items queued before carry the
/// members as well; reading them ignores that.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleMessage {
    /// Which circle.
    pub circle: CircleKey,
    /// The prompt or the check-in.
    pub stage: CircleStage,
}

/// What a message to a circle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CircleStage {
    /// The prompt that opens the circle.
    Prompt,
    /// A week later: "Did you get together?"
    CheckIn,
}

buttons! {
    /// The buttons of a circle's check-in.
    pub enum CircleAction {
        /// *We met*: logs a meeting of every pair, once.
        WeMet => ("circle_we_met", "We met"),
        /// *Not yet*.
        NotYet => ("circle_not_yet", "Not yet"),
        /// *Skip this round*.
        Skip => ("circle_skip", "Skip this round"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_circle_key_reads_back_what_it_writes() {
        let key = CircleKey {
            round: 3,
            index: 12,
        };
        assert_eq!(CircleKey::parse(&key.to_string()), Some(key));
        assert_eq!(CircleKey::parse("3"), None);
        assert_eq!(CircleKey::parse("a-1"), None);
    }

    #[test]
    fn the_check_in_is_due_a_week_of_days_later_once_and_only_without_an_answer() {
        let monday = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 5).unwrap();
        let mut circle = Circle {
            key: CircleKey { round: 1, index: 1 },
            members: vec![],
            formed_at: monday,
            channel: None,
            channel_members: Vec::new(),
            check_in_at: None,
            outcome: None,
        };
        let next_monday_early = Utc.with_ymd_and_hms(2026, 3, 9, 10, 0, 0).unwrap();
        assert!(!circle.check_in_due(monday + chrono::Duration::days(6)));
        assert!(circle.check_in_due(next_monday_early));
        circle.check_in_at = Some(next_monday_early);
        assert!(!circle.check_in_due(next_monday_early));
        circle.check_in_at = None;
        circle.outcome = Some(CircleOutcome::Skipped {
            by: Some(UserId::parse("U1").unwrap()),
            at: monday,
        });
        assert!(!circle.check_in_due(next_monday_early));
    }
}
