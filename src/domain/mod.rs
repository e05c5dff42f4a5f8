//! Plain types shared by every module: who people are, what they did together,
//! and what the bot decided to say about it.
//!
//! Nothing here does I/O. Identifiers are checked once, at the edge, by their
//! `parse` functions; past that, code trusts them.

/// Makes `$ty`, a newtype over a finite `f64`, readable from the settings
/// (`#[serde(try_from = "f64")]`): a value is taken when it is finite and
/// `$ok` holds for it, and refused with `$refusal`, which says what to write.
macro_rules! checked_f64 {
    ($ty:ident, |$value:ident| $ok:expr, $refusal:literal) => {
        impl TryFrom<f64> for $ty {
            type Error = &'static str;

            fn try_from($value: f64) -> Result<Self, Self::Error> {
                if $value.is_finite() && $ok {
                    Ok(Self($value))
                } else {
                    Err($refusal)
                }
            }
        }
    };
}
pub(crate) use checked_f64;

mod actions;
mod clock;
mod digest;
mod early_warning;
mod ids;
mod interaction;
mod network;
mod nudge;
mod outbox;
mod person;
mod policy;
mod reach;
mod reply;
mod shown_teams;
mod strength;
#[cfg(test)]
pub(crate) mod test_time;
mod tie;
mod window;
mod wording;

pub use actions::{FORGET_ME_CONFIRM, HomeAction, NudgeAction};
pub use clock::{Clock, SettableClock, SystemClock};
pub use digest::{Bridge, BridgeBuilder, Digest, DigestPolicy, NewAlliance, TeamFigures};
pub use early_warning::{EARLY_WARNING_EVERY_DAYS, EarlyWarning, LonelyLeaders, WarningStep};
pub use ids::{ChannelId, IdError, TeamId, UserId};
pub use interaction::{Interaction, InteractionKind};
pub use network::{BridgeFormed, Insights, TeamMap, TeamPair, WeekOfAlliances, pair_index};
pub use nudge::{Intro, Neglected, Nudge, NudgeReason, Quoting, SentNudge, SharedContact, TeamGap};
pub use outbox::{FAILED_KEPT_DAYS, OutboxItem, OutboxState, Outgoing};
pub use person::{Person, Roles};
pub use policy::{Cadence, GapBoost, Policy, StrongTie};
pub use reach::{Freshness, Reach, TeamReach, alliances_of};
pub use reply::{Confirm, PressAnswer, Reply};
pub use shown_teams::ShownTeams;
pub use strength::{HalfLife, KindSums, Weights};
pub use tie::{PairKey, Tie};
pub use window::{DeliveryWindow, WorkingDays, days_ago, zone, zone_of};
pub use wording::{ago, plural, times};
