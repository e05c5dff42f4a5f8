//! The `[rules]` section: what the rules decide by, read into a [`Policy`].
//!
//! Each value that stands alone is checked as it is read, by its type (the
//! half-life, the weights, the strong tie, the gap boost, the working
//! days). The delivery window and the cadences each compare two settings,
//! so they are checked when the section becomes a policy, and their
//! messages name the setting to change.

use super::ConfigError;
use super::section::section;
use crate::domain::{
    Cadence, DeliveryWindow, GapBoost, HalfLife, Policy, StrongTie, Weights, WorkingDays,
};

section! {
    /// `[rules]` as the config file writes it, each value checked on its own.
    /// The order of the fields is the one an unknown setting's message lists.
    /// The defaults are the domain's, and said once.
    pub(super) struct RulesSection {
        half_life_days: HalfLife = HalfLife::DEFAULT,
        weights: Weights = Weights::default(),
        strong_tie: StrongTie = StrongTie::DEFAULT,
        cadence_strong_days: u32 = Cadence::default().strong_days(),
        cadence_weak_days: u32 = Cadence::default().weak_days(),
        gap_boost: GapBoost = GapBoost::default(),
        active_days: u32 = Policy::default().active_days,
        intro_repeat_days: u32 = Policy::default().intro_repeat_days,
        nudges_per_person_per_week: u32 = Policy::default().nudges_per_person_per_week,
        tie_cooldown_days: u32 = Policy::default().tie_cooldown_days,
        window_start_hour: u32 = DeliveryWindow::default().start_hour(),
        window_end_hour: u32 = DeliveryWindow::default().end_hour(),
        working_days: WorkingDays = DeliveryWindow::default().days(),
    }
}

impl RulesSection {
    /// The policy these settings make, once the delivery window opens and
    /// a strong tie waits no longer than a weak one.
    pub(super) fn policy(self) -> Result<Policy, ConfigError> {
        let window = DeliveryWindow::new(
            self.window_start_hour,
            self.window_end_hour,
            self.working_days,
        )
        .ok_or(ConfigError::invalid(
            "rules.window_start_hour",
            "the delivery window must start before it ends, within 0–24, e.g. 10 and 11",
        ))?;
        let cadence = Cadence::new(
            self.strong_tie,
            self.cadence_strong_days,
            self.cadence_weak_days,
        )
        .ok_or(ConfigError::invalid(
            "rules.cadence_strong_days",
            "must be at least 1 day and at most `cadence_weak_days`, e.g. 30 and 90",
        ))?;
        Ok(Policy {
            half_life: self.half_life_days,
            weights: self.weights,
            cadence,
            gap_boost: self.gap_boost,
            active_days: self.active_days,
            intro_repeat_days: self.intro_repeat_days,
            nudges_per_person_per_week: self.nudges_per_person_per_week,
            tie_cooldown_days: self.tie_cooldown_days,
            window,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_defaults_make_the_default_policy() {
        assert_eq!(RulesSection::default().policy().unwrap(), Policy::default());
    }
}
