//! What the bot has promised to send: the outbox's items.
//!
//! A planned nudge or digest becomes an [`OutboxItem`] in the store before
//! anything reaches Slack, and leaves the outbox once Slack has accepted
//! it. What Slack keeps refusing past the deadline is kept as failed, for
//! the logs and for admins, never dropped in silence.

use super::{
    CalendarFailing, CircleMessage, CircleStage, Digest, EarlyWarning, Nudge, TeamMap, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long a message given up on is kept, for admins to see why in
/// `/alliances status`; older ones are pruned.
pub const FAILED_KEPT_DAYS: i64 = 7;

/// Something to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outgoing {
    /// A nudge, as a DM to its recipient.
    Nudge(Nudge),
    /// The digest, to a channel (an id or a name).
    Digest {
        /// Where it goes.
        channel: String,
        /// What it says.
        digest: Digest,
        /// The team map to show with it, when the digest carries one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team_map: Option<TeamMap>,
    },
    /// A message to a leadership circle, in its group DM.
    Circle(CircleMessage),
    /// An early warning, as a DM to a leader whose alliances have thinned.
    EarlyWarning(EarlyWarning),
    /// A DM to someone whose calendar has not been read for a week.
    CalendarFailing(CalendarFailing),
}

impl Outgoing {
    /// The nudge, if this is one.
    pub fn nudge(&self) -> Option<&Nudge> {
        match self {
            Self::Nudge(nudge) => Some(nudge),
            _ => None,
        }
    }

    /// Whether it speaks to or of `user` (a nudge to them, about them, or
    /// naming them as an introduction's contact; a digest naming them; an
    /// early warning to them or naming them in a step). A circle's message
    /// names nobody: its members are read from the circle when it goes.
    pub fn names(&self, user: &UserId) -> bool {
        match self {
            Self::Nudge(nudge) => {
                &nudge.to == user
                    || &nudge.about == user
                    || nudge.reason.shared_contact().is_some_and(|c| c == user)
            }
            Self::Digest { digest, .. } => digest.names(user),
            Self::Circle(_) => false,
            Self::EarlyWarning(warning) => warning.names(user),
            Self::CalendarFailing(failing) => &failing.to == user,
        }
    }

    /// A few words on what it is, for logs and admins, naming at most a
    /// reminder's recipient, as a Slack mention, when `may_name` them ("a
    /// nudge to <@U123>"). Whom a nudge was about is never named: a
    /// reminder tells that the two's tie is fading, which is theirs. An
    /// introduction and an early warning name nobody: admins never learn
    /// who is short of alliances.
    pub fn describe(&self, may_name: impl Fn(&UserId) -> bool) -> String {
        match self {
            Self::Nudge(nudge) if nudge.reason.is_intro() => "an introduction".to_owned(),
            Self::Nudge(nudge) if may_name(&nudge.to) => format!("a nudge to <@{}>", nudge.to),
            Self::Nudge(_) => "a nudge".to_owned(),
            Self::Digest { channel, .. } => format!("the digest for #{channel}"),
            Self::Circle(message) => match message.stage {
                CircleStage::Prompt => format!("the prompt of circle {}", message.circle),
                CircleStage::CheckIn => format!("the check-in of circle {}", message.circle),
            },
            Self::EarlyWarning(_) => "an early warning to a leader".to_owned(),
            Self::CalendarFailing(_) => "a note that a calendar cannot be read".to_owned(),
        }
    }
}

/// One item of the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Its id in the store: the order items were queued in.
    pub id: u64,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// What to send.
    pub outgoing: Outgoing,
    /// Attempts made so far.
    pub attempts: u32,
    /// Where it stands.
    pub state: OutboxState,
}

/// Where an outbox item stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// To be sent at or after `not_before`.
    Pending {
        /// The earliest time to try (again).
        not_before: DateTime<Utc>,
        /// Why the last attempt failed, if one did.
        last_error: Option<String>,
    },
    /// Given up on: Slack kept refusing it, or the deadline passed.
    Failed {
        /// When it was given up on.
        at: DateTime<Utc>,
        /// The last reason.
        error: String,
    },
}

impl OutboxItem {
    /// `outgoing`, queued at `now` under `id` and due at once.
    pub fn queued(id: u64, outgoing: Outgoing, now: DateTime<Utc>) -> Self {
        Self {
            id,
            queued_at: now,
            outgoing,
            attempts: 0,
            state: OutboxState::Pending {
                not_before: now,
                last_error: None,
            },
        }
    }

    /// Whether it waits to be sent.
    pub fn is_pending(&self) -> bool {
        matches!(self.state, OutboxState::Pending { .. })
    }

    /// Whether it is due at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        matches!(self.state, OutboxState::Pending { not_before, .. } if not_before <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_early_warning_is_described_without_naming_its_leader() {
        let warning = Outgoing::EarlyWarning(EarlyWarning {
            to: UserId::parse("U123").unwrap(),
            planned_at: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
            live_teams: 1,
            min_teams: 3,
            steps: Vec::new(),
        });
        assert_eq!(warning.describe(|_| true), "an early warning to a leader");
    }
}
