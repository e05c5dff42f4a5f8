//! Tie strength: how much two people's interactions weigh, fading with time.
//!
//! Each interaction adds its kind's weight, and every weight halves each
//! half-life after it happened:
//!
//! ```text
//! strength(t) = Σ weight(kind_i) × 0.5 ^ ((t − t_i) / half_life)
//! ```
//!
//! A tie keeps one decayed sum per kind (see [`KindSums`]) as of its last
//! interaction, so the weights can change in the settings without a
//! rebuild, and the strength at any later time is that sum times one more
//! decay factor. The half-life is baked into the sums: the store rebuilds
//! them from the interaction log when it changes.

use super::{InteractionKind, UserId};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

checked! {
    /// How long an interaction takes to count half as much: a positive,
    /// finite number of days (`rules.half_life_days`).
    #[derive(Copy)]
    pub struct HalfLife(f64) if |days| days.is_finite() && days > 0.0;
    else "must be a positive number of days, e.g. 90"
}

impl HalfLife {
    /// The default: 90 days, a season. A quarterly catch-up keeps a tie
    /// at about half the weight of one fresh meeting.
    pub const DEFAULT: HalfLife = HalfLife(90.0);

    /// Its length in days.
    pub fn in_days(self) -> f64 {
        self.0
    }

    /// What one unit of weight is worth after `elapsed`: 1 now, ½ after one
    /// half-life. Time before the interaction (a negative `elapsed`) does
    /// not make it heavier.
    pub fn decay(self, elapsed: Duration) -> f64 {
        let days = elapsed.num_seconds().max(0) as f64 / 86_400.0;
        0.5_f64.powf(days / self.0)
    }
}

impl Default for HalfLife {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What each kind of interaction weighs: the `[rules.weights]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// A meeting logged with `/met`.
    meeting: Weight,
    /// A *We met* press on a nudge.
    we_met: Weight,
    /// An opt-in passive signal (a mention or thread reply): a quarter of
    /// a meeting, since a reply in a thread is a lighter touch than coffee.
    passive: Weight,
    /// A meeting read from someone's calendar: half of one logged, since
    /// being asked to the same meeting is not always meeting each other.
    calendar: Weight,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            meeting: Weight(1.0),
            we_met: Weight(1.0),
            passive: Weight(0.25),
            calendar: Weight(0.5),
        }
    }
}

checked! {
    /// What one interaction of a kind weighs.
    #[derive(Copy)]
    pub struct Weight(f64) if |weight| weight.is_finite() && weight >= 0.0;
    else "must be a number of at least 0, e.g. 1.0"
}

/// A tie's interactions of each kind, each counted as 1 and decayed to the
/// tie's last interaction: the part of the strength that does not depend on
/// the weights.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct KindSums {
    /// Meetings logged with `/met`.
    pub meeting: f64,
    /// *We met* presses.
    pub we_met: f64,
    /// Passive signals.
    pub passive: f64,
    /// Calendar meetings; left out of a stored tie while 0, so that the
    /// ties written before there were any read the same.
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub calendar: f64,
}

impl KindSums {
    /// One interaction of `kind`, worth `worth` (its decay to the sums' time).
    pub(super) fn add(&mut self, kind: InteractionKind, worth: f64) {
        match kind {
            InteractionKind::Meeting => self.meeting += worth,
            InteractionKind::WeMet => self.we_met += worth,
            InteractionKind::Passive => self.passive += worth,
            InteractionKind::Calendar => self.calendar += worth,
        }
    }

    /// Every sum times `factor`: the sums moved later in time.
    pub(super) fn scale(&mut self, factor: f64) {
        self.meeting *= factor;
        self.we_met *= factor;
        self.passive *= factor;
        self.calendar *= factor;
    }

    /// The weighted total.
    pub fn weighed(&self, weights: &Weights) -> f64 {
        self.meeting * weights.meeting.0
            + self.we_met * weights.we_met.0
            + self.passive * weights.passive.0
            + self.calendar * weights.calendar.0
    }
}

/// The order of people by the strength of their tie now, strongest first;
/// the lower id wins a tie of strengths, so that every list and every pick
/// "the strongest" is the same from one run to the next.
pub fn stronger_first(a: (f64, &UserId), b: (f64, &UserId)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weight_halves_each_half_life() {
        let half_life = HalfLife::DEFAULT;
        assert_eq!(half_life.decay(Duration::zero()), 1.0);
        assert!((half_life.decay(Duration::days(90)) - 0.5).abs() < 1e-12);
        assert!((half_life.decay(Duration::days(180)) - 0.25).abs() < 1e-12);
        assert_eq!(half_life.decay(Duration::days(-3)), 1.0);
    }

    #[test]
    fn only_a_positive_finite_half_life_is_one() {
        assert!(HalfLife::try_from(0.0).is_err());
        assert!(HalfLife::try_from(-1.0).is_err());
        assert!(HalfLife::try_from(f64::NAN).is_err());
        assert_eq!(HalfLife::try_from(30.0).map(HalfLife::in_days), Ok(30.0));
        assert!(HalfLife::try_from(0.0).is_err());
        assert_eq!(HalfLife::try_from(90.0), Ok(HalfLife::DEFAULT));
    }

    #[test]
    fn weights_read_from_the_settings_are_finite_and_not_negative() {
        let read = |json: &str| serde_json::from_str::<Weights>(json).map_err(|e| e.to_string());
        assert_eq!(read("{}"), Ok(Weights::default()));
        assert!(
            read(r#"{"passive": -1.0}"#)
                .unwrap_err()
                .contains("at least 0")
        );
        assert!(read(r#"{"like": 1.0}"#).unwrap_err().contains("like"));
        let heavy = read(r#"{"meeting": 2.0}"#).unwrap();
        let mut sums = KindSums::default();
        sums.add(InteractionKind::Meeting, 1.0);
        assert_eq!(sums.weighed(&heavy), 2.0);
    }

    #[test]
    fn sums_are_weighed_by_kind() {
        let mut sums = KindSums::default();
        sums.add(InteractionKind::Meeting, 1.0);
        sums.add(InteractionKind::Passive, 1.0);
        sums.add(InteractionKind::Passive, 1.0);
        assert_eq!(sums.weighed(&Weights::default()), 1.5);
        sums.add(InteractionKind::Calendar, 1.0);
        assert_eq!(
            sums.weighed(&Weights::default()),
            2.0,
            "a calendar meeting: half"
        );
        sums.scale(0.5);
        assert_eq!(sums.weighed(&Weights::default()), 1.0);
    }

    #[test]
    fn ties_stored_before_calendar_meetings_read_the_same() {
        let before = r#"{"meeting":1.0,"we_met":0.5,"passive":0.25}"#;
        let sums: KindSums = serde_json::from_str(before).unwrap();
        assert_eq!(sums.calendar, 0.0);
        assert_eq!(
            serde_json::to_string(&sums).unwrap(),
            before,
            "no calendar: not written"
        );
    }

    #[test]
    fn the_strongest_come_first_and_the_lower_id_wins_a_tie() {
        let id = |s: &str| UserId::parse(s).unwrap();
        let (ua, ub, uc) = (id("UA"), id("UB"), id("UC"));
        let mut people = vec![(1.0, &uc), (2.5, &ub), (1.0, &ua), (0.0, &ub)];
        people.sort_by(|x, y| stronger_first(*x, *y));
        assert_eq!(people, [(2.5, &ub), (1.0, &ua), (1.0, &uc), (0.0, &ub)]);
    }
}
