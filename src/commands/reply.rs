//! What a command answers: a [`Reply`] only the person who typed it sees
//! (which `slack` renders), and sometimes an effect on Slack that the
//! transport carries out.

pub use crate::domain::Reply;
use crate::domain::{CalendarModal, UserId};

/// Something a command asks of Slack besides its answer. Commands decide;
/// the transport (which holds the Slack client) does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Open a group DM introducing `a` and `b`, from `by`.
    Introduce {
        /// Who asked for the introduction.
        by: UserId,
        /// One of the two.
        a: UserId,
        /// The other.
        b: UserId,
        /// What the asker wrote.
        note: Option<String>,
    },
    /// Post the digest now, to this channel (or the configured one).
    DigestNow {
        /// A channel id or name.
        channel: Option<String>,
    },
    /// Open the modal that asks for a calendar's address, showing this.
    OpenCalendarModal(CalendarModal),
}

/// A command's outcome: the answer, and at most one effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The answer.
    pub reply: Reply,
    /// What Slack should do besides.
    pub effect: Option<Effect>,
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            effect: None,
        }
    }
}
