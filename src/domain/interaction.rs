//! Something two or more people did together.

use super::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How an interaction became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// Logged with `/met`.
    Meeting,
    /// The *We met* button on a nudge.
    WeMet,
    /// An opt-in passive signal: a mention or thread reply between them.
    Passive,
    /// A meeting read, with its owner's consent, from their calendar.
    Calendar,
}

/// A meeting or signal between people. Metadata only: the note is there
/// because its author typed it into `/met`; message text is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// How it became known.
    pub kind: InteractionKind,
    /// Everyone who took part, sorted, without repeats; at least two.
    pub participants: Vec<UserId>,
    /// Who logged it, if someone did.
    pub logged_by: Option<UserId>,
    /// What it was about, in the logger's words.
    pub note: Option<String>,
}

impl Interaction {
    /// An interaction between `participants` (repeats removed), or `None`
    /// when fewer than two distinct people took part.
    pub fn new(
        at: DateTime<Utc>,
        kind: InteractionKind,
        participants: impl IntoIterator<Item = UserId>,
        logged_by: Option<UserId>,
        note: Option<String>,
    ) -> Option<Self> {
        let mut participants: Vec<UserId> = participants.into_iter().collect();
        participants.sort();
        participants.dedup();
        (participants.len() >= 2).then(|| Self {
            at,
            kind,
            participants,
            logged_by,
            note: note.filter(|n| !n.trim().is_empty()),
        })
    }

    /// Every pair of participants, each pair once, lower id first.
    pub fn pairs(&self) -> impl Iterator<Item = (&UserId, &UserId)> {
        super::every_pair(&self.participants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    #[test]
    fn an_interaction_needs_two_distinct_people() {
        let now = Utc::now();
        let alone = Interaction::new(
            now,
            InteractionKind::Meeting,
            [user("U1"), user("U1")],
            None,
            None,
        );
        assert!(alone.is_none());
        let three = Interaction::new(
            now,
            InteractionKind::Meeting,
            [user("U3"), user("U1"), user("U2"), user("U1")],
            None,
            Some("  ".into()),
        )
        .unwrap();
        assert_eq!(three.participants, vec![user("U1"), user("U2"), user("U3")]);
        assert_eq!(three.note, None);
        let pairs: Vec<_> = three.pairs().map(|(a, b)| format!("{a}-{b}")).collect();
        assert_eq!(pairs, ["U1-U2", "U1-U3", "U2-U3"]);
    }
}
