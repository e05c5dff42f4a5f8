//! The relationship of two people, aggregated from their interactions.

use super::{Interaction, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An unordered pair of two different people, stored lower id first, so that
/// (alice, bob) and (bob, alice) are one tie.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PairKey {
    low: UserId,
    high: UserId,
}

impl PairKey {
    /// The pair of `a` and `b`, or `None` if they are the same person.
    pub fn new(a: &UserId, b: &UserId) -> Option<Self> {
        match a.cmp(b) {
            std::cmp::Ordering::Less => Some(Self {
                low: a.clone(),
                high: b.clone(),
            }),
            std::cmp::Ordering::Greater => Some(Self {
                low: b.clone(),
                high: a.clone(),
            }),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The person with the lower id.
    pub fn low(&self) -> &UserId {
        &self.low
    }

    /// The person with the higher id.
    pub fn high(&self) -> &UserId {
        &self.high
    }

    /// Whether `user` is one of the two.
    pub fn contains(&self, user: &UserId) -> bool {
        &self.low == user || &self.high == user
    }

    /// The other one of the pair, if `user` is one of them.
    pub fn other(&self, user: &UserId) -> Option<&UserId> {
        if &self.low == user {
            Some(&self.high)
        } else if &self.high == user {
            Some(&self.low)
        } else {
            None
        }
    }
}

/// What the bot knows of two people's history together: the compact working
/// set the rules read instead of raw interactions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tie {
    /// The two people.
    pub pair: PairKey,
    /// Their first interaction.
    pub first_at: DateTime<Utc>,
    /// Their latest interaction.
    pub last_at: DateTime<Utc>,
    /// How many interactions they have had.
    pub count: u32,
    /// The note of their latest interaction that had one ("coffee about the roadmap").
    pub last_note: Option<String>,
    /// When that noted interaction happened.
    pub last_note_at: Option<DateTime<Utc>>,
}

impl Tie {
    /// A tie born of one interaction.
    pub fn first(pair: PairKey, interaction: &Interaction) -> Self {
        Self {
            pair,
            first_at: interaction.at,
            last_at: interaction.at,
            count: 1,
            last_note: interaction.note.clone(),
            last_note_at: interaction.note.as_ref().map(|_| interaction.at),
        }
    }

    /// Adds one more interaction, in whatever order they are logged: a
    /// meeting logged late ("3d ago") must not move `last_at` backwards.
    pub fn record(&mut self, interaction: &Interaction) {
        self.count = self.count.saturating_add(1);
        self.first_at = self.first_at.min(interaction.at);
        self.last_at = self.last_at.max(interaction.at);
        if let Some(note) = &interaction.note {
            // Of two notes from the same instant, the one logged later wins.
            if self
                .last_note_at
                .is_none_or(|noted| interaction.at >= noted)
            {
                self.last_note = Some(note.clone());
                self.last_note_at = Some(interaction.at);
            }
        }
    }
}

/// How often two people met, in words: "once", "twice", "5 times". Every
/// message, page and report says it the same way.
pub fn times(count: u32) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}
