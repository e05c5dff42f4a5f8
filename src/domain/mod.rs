//! Plain types shared by every module: who people are, what they did together,
//! and what the bot decided to say about it.
//!
//! Nothing here does I/O. Identifiers are checked once, at the edge, by their
//! `parse` functions; past that, code trusts them.

/// Declares `$ty`, a newtype over `$inner` that only holds a value for
/// which `$ok` holds. `TryFrom<$inner>` makes one, refusing any other value
/// with `$refusal`, which says what to write; the settings read it that way.
macro_rules! checked {
    (
        $(#[$attr:meta])*
        pub struct $ty:ident($inner:ty) if |$value:ident| $ok:expr;
        else $refusal:literal
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $ty($inner);

        impl TryFrom<$inner> for $ty {
            type Error = &'static str;

            fn try_from($value: $inner) -> Result<Self, Self::Error> {
                if $ok { Ok(Self($value)) } else { Err($refusal) }
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$inner as serde::Deserialize>::deserialize(deserializer)?;
                Self::try_from(value).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use checked;

/// Declares `$ty`, the buttons of one message or page: each variant with
/// the `action_id` Slack sends back when it is pressed and its label,
/// written beside it. The enum derives `Debug`, `Clone`, `Copy`,
/// `PartialEq` and `Eq`, and has `ALL`, `action_id()` and `label()`. `ALL`
/// lists the buttons in the order they are declared, which is the order
/// Slack shows them in; the interactivity handler finds a press's button
/// in it by its `action_id`.
macro_rules! buttons {
    (
        $(#[$attr:meta])*
        pub enum $ty:ident {
            $($(#[$button_attr:meta])* $button:ident => ($action_id:literal, $label:literal),)+
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $ty {
            $($(#[$button_attr])* $button,)+
        }

        impl $ty {
            /// Every button, in the order declared: the order Slack shows them in.
            pub const ALL: [Self; [$(stringify!($button)),+].len()] = [$(Self::$button),+];

            /// The `action_id` Slack sends back when the button is pressed.
            pub fn action_id(self) -> &'static str {
                match self {
                    $(Self::$button => $action_id,)+
                }
            }

            /// The button's label.
            pub fn label(self) -> &'static str {
                match self {
                    $(Self::$button => $label,)+
                }
            }
        }
    };
}

/// Whether a number is 0: for a stored field that is left out of a
/// record while it is.
pub fn is_zero<T: Default + PartialEq>(number: &T) -> bool {
    *number == T::default()
}

/// Every pair of `items`, each pair once, in the order of the items: the
/// lower first, in a sorted list.
pub fn every_pair<T>(items: &[T]) -> impl Iterator<Item = (&T, &T)> {
    items
        .iter()
        .enumerate()
        .flat_map(move |(i, a)| items[i + 1..].iter().map(move |b| (a, b)))
}

mod actions;
mod calendar;
mod circle;
mod clock;
mod digest;
mod early_warning;
mod escapes;
mod ids;
mod interaction;
mod leader_home;
mod network;
mod nudge;
mod outbox;
mod partnership;
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
pub use calendar::{
    CALENDAR_MODAL_ID, CalendarFailing, CalendarFeed, CalendarModal, EmailHash, ModalAnswer,
    SealedAddress, TELL_FAILING_AFTER_DAYS,
};
pub use circle::{
    CHECK_IN_AFTER_DAYS, Circle, CircleAction, CircleKey, CircleMessage, CircleOutcome, CircleStage,
};
pub use clock::{Clock, SettableClock, SystemClock};
pub use digest::{Bridge, BridgeBuilder, Digest, DigestPolicy, NewAlliance, TeamFigures};
pub use early_warning::{EARLY_WARNING_EVERY_DAYS, EarlyWarning, LonelyLeaders, WarningStep};
pub use escapes::percent_decoded;
pub use ids::{ChannelId, IdError, TeamId, UserId};
pub use interaction::{Interaction, InteractionKind};
pub use leader_home::{CircleState, HomeCircle, HomePartnership, LeaderHome, PartnershipTie};
pub use network::{BridgeFormed, Insights, TeamMap, TeamPair, WeekOfAlliances, pair_index};
pub use nudge::{
    FadingTie, Intro, KeyPartnership, Neglected, Nudge, NudgeReason, Quoting, SentNudge,
    SharedContact, TeamGap,
};
pub use outbox::{FAILED_KEPT_DAYS, OutboxItem, OutboxState, Outgoing};
pub use partnership::{
    Binds, Partnership, PartnershipHealth, PartnershipStanding, PartnershipWeek,
};
pub use person::{Person, Roles};
pub use policy::{Cadence, GapBoost, Policy, StrongTie};
pub use reach::{Freshness, Reach, TeamReach, alliances_of};
pub use reply::{Confirm, PressAnswer, Reply};
pub use shown_teams::ShownTeams;
pub use strength::{HalfLife, KindSums, Weights, stronger_first};
pub use tie::{PairKey, Tie};
pub use window::{DeliveryWindow, WorkingDays, days_ago, zone, zone_of};
pub use wording::{ago, in_a_sentence, number, plural, times};
