//! The relationship of two people, aggregated from their interactions.

use super::{HalfLife, Interaction, KindSums, UserId, Weights};
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
        let (low, high) = match a.cmp(b) {
            std::cmp::Ordering::Less => (a, b),
            std::cmp::Ordering::Greater => (b, a),
            std::cmp::Ordering::Equal => return None,
        };
        Some(Self {
            low: low.clone(),
            high: high.clone(),
        })
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Their interactions by kind, decayed to `last_at`: the strength
    /// before the weights (see `domain::strength`).
    #[serde(default)]
    pub sums: KindSums,
}

impl Tie {
    /// A tie born of one interaction.
    pub fn first(pair: PairKey, interaction: &Interaction) -> Self {
        let mut sums = KindSums::default();
        sums.add(interaction.kind, 1.0);
        Self {
            pair,
            first_at: interaction.at,
            last_at: interaction.at,
            count: 1,
            last_note: interaction.note.clone(),
            last_note_at: interaction.note.as_ref().map(|_| interaction.at),
            sums,
        }
    }

    /// Adds one more interaction, in whatever order they are logged: a
    /// meeting logged late ("3d ago") must not move `last_at` backwards,
    /// and weighs what it would have had it been logged on time.
    pub fn record(&mut self, interaction: &Interaction, half_life: HalfLife) {
        self.count = self.count.saturating_add(1);
        if interaction.at > self.last_at {
            self.sums
                .scale(half_life.decay(interaction.at - self.last_at));
            self.sums.add(interaction.kind, 1.0);
        } else {
            let worth = half_life.decay(self.last_at - interaction.at);
            self.sums.add(interaction.kind, worth);
        }
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

    /// Its strength right after the last interaction.
    pub fn strength_at_last(&self, weights: &Weights) -> f64 {
        self.sums.weighed(weights)
    }

    /// Its strength at `now`: the strength at the last interaction, decayed
    /// since.
    pub fn strength_at(&self, weights: &Weights, half_life: HalfLife, now: DateTime<Utc>) -> f64 {
        self.strength_at_last(weights) * half_life.decay(now - self.last_at)
    }

    /// Whether it has been quiet more than `days` at `now`: past a cadence
    /// of that many days (see [`Policy::overdue`](crate::domain::Policy::overdue)).
    pub fn quiet_longer_than(&self, days: u32, now: DateTime<Utc>) -> bool {
        now - self.last_at > chrono::Duration::days(i64::from(days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InteractionKind;
    use chrono::{Duration, TimeZone};

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    fn met(days: i64, kind: InteractionKind) -> Interaction {
        let day_one = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        Interaction::new(
            day_one + Duration::days(days),
            kind,
            [user("U1"), user("U2")],
            None,
            None,
        )
        .unwrap()
    }

    fn fold(interactions: &[Interaction]) -> Tie {
        let pair = PairKey::new(&user("U1"), &user("U2")).unwrap();
        let mut tie = Tie::first(pair, &interactions[0]);
        for interaction in &interactions[1..] {
            tie.record(interaction, HalfLife::DEFAULT);
        }
        tie
    }

    #[test]
    fn strength_adds_weight_by_kind_and_halves_each_half_life() {
        let weights = Weights::default();
        let tie = fold(&[
            met(0, InteractionKind::Meeting),
            met(90, InteractionKind::Passive),
        ]);
        // The meeting has halved by the signal; the signal weighs a quarter.
        assert!((tie.strength_at_last(&weights) - 0.75).abs() < 1e-9);
        let later = tie.last_at + Duration::days(90);
        assert!((tie.strength_at(&weights, HalfLife::DEFAULT, later) - 0.375).abs() < 1e-9);
    }

    #[test]
    fn a_tie_is_quiet_longer_than_some_days_only_once_they_have_fully_passed() {
        let tie = fold(&[met(0, InteractionKind::Meeting)]);
        assert!(!tie.quiet_longer_than(30, tie.last_at + Duration::days(30)));
        assert!(tie.quiet_longer_than(30, tie.last_at + Duration::days(30) + Duration::seconds(1)));
        assert!(tie.quiet_longer_than(0, tie.last_at + Duration::seconds(1)));
    }

    #[test]
    fn a_meeting_logged_late_weighs_what_it_would_have_on_time() {
        let weights = Weights::default();
        let on_time = fold(&[
            met(0, InteractionKind::Meeting),
            met(30, InteractionKind::WeMet),
            met(100, InteractionKind::Meeting),
        ]);
        let late = fold(&[
            met(0, InteractionKind::Meeting),
            met(100, InteractionKind::Meeting),
            met(30, InteractionKind::WeMet),
        ]);
        assert_eq!(late.last_at, on_time.last_at);
        assert!(
            (late.strength_at_last(&weights) - on_time.strength_at_last(&weights)).abs() < 1e-9
        );
    }
}
