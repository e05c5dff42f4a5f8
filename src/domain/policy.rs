//! The policy the rules apply: the `[rules]` section of the settings.

use serde::Deserialize;

/// What the rules decide by, from the settings' `[rules]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// An alliance is neglected once its last interaction is older than this.
    pub cadence_days: u32,
    /// At most this many nudges reach one person in any seven days.
    pub nudges_per_person_per_week: u32,
    /// After a nudge about a tie, neither side is nudged about it again for this long.
    pub tie_cooldown_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            cadence_days: 60,
            nudges_per_person_per_week: 1,
            tie_cooldown_days: 28,
        }
    }
}

impl Policy {
    /// How far back the rules look at sent nudges: the scheduler must put at
    /// least this much history in the snapshot.
    pub fn nudge_memory(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.tie_cooldown_days.max(7)))
    }
}
