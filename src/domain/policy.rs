//! The policy the rules apply: the `[rules]` section of the settings, each
//! value checked when the settings load.

use super::{DeliveryWindow, HalfLife, Tie, Weights};
use chrono::{DateTime, Utc};

/// What the rules decide by, from the settings' `[rules]` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// An interaction counts half as much after this long (`half_life_days`).
    pub half_life: HalfLife,
    /// What each kind of interaction weighs (`[rules.weights]`).
    pub weights: Weights,
    /// How long a tie may stay quiet before it is neglected, by its
    /// strength (`strong_tie`, `cadence_strong_days`, `cadence_weak_days`).
    pub cadence: Cadence,
    /// How much a peer in a team the person's team has few active alliances
    /// with is preferred.
    pub gap_boost: GapBoost,
    /// An alliance is active while its last interaction is at most this
    /// old. A person with no active alliance gets introductions.
    pub active_days: u32,
    /// The same introduction is not suggested again for this long.
    pub intro_repeat_days: u32,
    /// At most this many nudges reach one person in any seven days.
    pub nudges_per_person_per_week: u32,
    /// After a nudge about a tie, neither side is nudged about it again for
    /// this long; nor does one person get introductions more often.
    pub tie_cooldown_days: u32,
    /// When nudges may reach people, in their own time zone
    /// (`window_start_hour`, `window_end_hour`, `working_days`).
    pub window: DeliveryWindow,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            half_life: HalfLife::DEFAULT,
            weights: Weights::default(),
            cadence: Cadence::default(),
            gap_boost: GapBoost::default(),
            active_days: 90,
            intro_repeat_days: 182,
            nudges_per_person_per_week: 1,
            tie_cooldown_days: 28,
            window: DeliveryWindow::default(),
        }
    }
}

impl Policy {
    /// The days `tie` may stay quiet before it is neglected (see
    /// [`Cadence::days`]).
    pub fn cadence_days(&self, tie: &Tie) -> u32 {
        self.cadence.days(tie.strength_at_last(&self.weights))
    }

    /// Whether `tie` has been quiet longer than its cadence at `now`.
    pub fn overdue(&self, tie: &Tie, now: DateTime<Utc>) -> bool {
        tie.quiet_longer_than(self.cadence_days(tie), now)
    }

    /// Whether `tie` is live at `now`: quiet no longer than its cadence.
    /// An alliance is live or fading; a fading one is worth reviving.
    pub fn live(&self, tie: &Tie, now: DateTime<Utc>) -> bool {
        !self.overdue(tie, now)
    }

    /// Whether `tie` was active (an interaction within `active_days`) at `now`.
    pub fn active(&self, tie: &Tie, now: DateTime<Utc>) -> bool {
        now - tie.last_at <= chrono::Duration::days(i64::from(self.active_days))
    }

    /// How far back the rules look at sent nudges: the scheduler must put at
    /// least this much history in the snapshot.
    pub fn nudge_memory(&self) -> chrono::Duration {
        let days = self.tie_cooldown_days.max(7).max(self.intro_repeat_days);
        chrono::Duration::days(i64::from(days))
    }

    /// The same policy with a window that never closes: for plans that say
    /// what would go out, whenever it would (dry runs).
    pub fn any_time(self) -> Self {
        Self {
            window: DeliveryWindow::ALWAYS,
            ..self
        }
    }
}

/// How long a tie may stay quiet before it is neglected, by its strength
/// right after its last interaction: the weak cadence for one meeting's
/// worth or less, the strong one from [`StrongTie`] up, in proportion
/// between. A stronger tie is never held to a longer cadence: the strong
/// one is at least a day and at most the weak one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cadence {
    strong_tie: StrongTie,
    strong_days: u32,
    weak_days: u32,
}

impl Cadence {
    /// `strong_days` for a tie of `strong_tie` or more, `weak_days` for one
    /// meeting's worth or less; `None` unless `strong_days` is at least 1
    /// and at most `weak_days`.
    pub fn new(strong_tie: StrongTie, strong_days: u32, weak_days: u32) -> Option<Self> {
        (1..=weak_days).contains(&strong_days).then_some(Self {
            strong_tie,
            strong_days,
            weak_days,
        })
    }

    /// The days a strong tie may stay quiet.
    pub fn strong_days(self) -> u32 {
        self.strong_days
    }

    /// The days a weak tie may stay quiet.
    pub fn weak_days(self) -> u32 {
        self.weak_days
    }

    /// The days a tie whose strength right after its last interaction was
    /// `strength` may stay quiet. That strength, not today's, decides, so
    /// the cadence of a quiet tie does not drift while it waits.
    pub fn days(self, strength: f64) -> u32 {
        let (strong, weak) = (f64::from(self.strong_days), f64::from(self.weak_days));
        let share = ((strength - 1.0) / (self.strong_tie.0 - 1.0)).clamp(0.0, 1.0);
        let share = if share.is_nan() { 0.0 } else { share };
        (weak - (weak - strong) * share).round() as u32
    }
}

impl Default for Cadence {
    /// A month for a strong tie, a quarter for a weak one.
    fn default() -> Self {
        Self {
            strong_tie: StrongTie::DEFAULT,
            strong_days: 30,
            weak_days: 90,
        }
    }
}

checked! {
    /// The strength from which a tie is held to the strong cadence: more than
    /// one meeting's weight (1.0), so that a tie of one meeting and a strong
    /// one can be told apart.
    #[derive(Copy)]
    pub struct StrongTie(f64) if |strength| strength.is_finite() && strength > 1.0;
    else "must be more than one meeting's weight (1.0), e.g. 4.0"
}

impl StrongTie {
    /// Four meetings' worth: about a meeting a month, kept up.
    pub const DEFAULT: Self = Self(4.0);
}

checked! {
    /// How much a peer in a team the person's team has few active alliances
    /// with is preferred: up to 1 + this, for a pair of teams with none. A
    /// finite number, at least 0 (0 turns the preference off).
    #[derive(Copy)]
    pub struct GapBoost(f64) if |boost| boost.is_finite() && boost >= 0.0;
    else "must be a number of at least 0, e.g. 1.0"
}

impl GapBoost {
    /// What the ranking multiplies by for a pair of teams that has
    /// `missing` (0 to 1) of the most alliances the person's team has with
    /// any one team still to make: 1 + boost × missing.
    pub fn factor(self, missing: f64) -> f64 {
        1.0 + self.0 * missing
    }
}

impl Default for GapBoost {
    /// Up to twice as likely for a pair of teams with no alliance at all.
    fn default() -> Self {
        Self(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_time::utc;

    #[test]
    fn a_tie_s_cadence_follows_its_strength_within_the_bounds() {
        use crate::domain::{Interaction, InteractionKind, PairKey, UserId};
        let policy = Policy::default();
        let (a, b) = (UserId::parse("U1").unwrap(), UserId::parse("U2").unwrap());
        let meeting =
            |at, kind| Interaction::new(at, kind, [a.clone(), b.clone()], None, None).unwrap();
        let start = utc(2026, 1, 1, 12, 0);
        let mut tie = Tie::first(
            PairKey::new(&a, &b).unwrap(),
            &meeting(start, InteractionKind::Passive),
        );
        assert_eq!(
            policy.cadence_days(&tie),
            90,
            "a passing signal: the weak cadence"
        );
        tie.record(&meeting(start, InteractionKind::Meeting), policy.half_life);
        assert_eq!(
            policy.cadence_days(&tie),
            85,
            "1.25: a little more than one meeting"
        );
        for _ in 0..2 {
            tie.record(&meeting(start, InteractionKind::Meeting), policy.half_life);
        }
        // 3.25 of the strong 4.0: 90 − 60 × 2.25 / 3 = 45 days.
        assert_eq!(policy.cadence_days(&tie), 45);
        for _ in 0..5 {
            tie.record(&meeting(start, InteractionKind::WeMet), policy.half_life);
        }
        assert_eq!(
            policy.cadence_days(&tie),
            30,
            "strong ties are never held to less"
        );
        assert!(!policy.overdue(&tie, start + chrono::Duration::days(30)));
        assert!(policy.overdue(&tie, start + chrono::Duration::days(31)));
    }

    #[test]
    fn a_cadence_whose_strong_ties_wait_longer_cannot_be_made() {
        let strong = StrongTie::DEFAULT;
        assert_eq!(Cadence::new(strong, 0, 90), None);
        assert_eq!(Cadence::new(strong, 91, 90), None);
        assert_eq!(Cadence::new(strong, 30, 90), Some(Cadence::default()));
        assert_eq!(Cadence::new(strong, 60, 60).map(|c| c.days(9.0)), Some(60));
    }

    #[test]
    fn strong_ties_and_gap_boosts_refuse_numbers_that_make_no_sense() {
        for strength in [1.0, 0.5, f64::NAN, f64::INFINITY] {
            assert!(StrongTie::try_from(strength).is_err(), "{strength}");
        }
        assert_eq!(StrongTie::try_from(4.0), Ok(StrongTie::DEFAULT));
        for boost in [-0.5, f64::NAN, f64::INFINITY] {
            assert!(GapBoost::try_from(boost).is_err(), "{boost}");
        }
        assert_eq!(GapBoost::try_from(0.0).map(|b| b.factor(1.0)), Ok(1.0));
        assert_eq!(GapBoost::default().factor(0.5), 1.5);
    }
}
