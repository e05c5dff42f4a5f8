//! Slash commands: `/met` and `/alliances`.
//!
//! Two layers: the grammar ([`grammar`]) — pure functions from the text a
//! person typed to a request, which never touch the store, Slack or the
//! clock (today's date is passed in), so every rule is tested without a
//! runtime — and the handlers ([`handlers`]), which act on a request: store
//! writes and an answer, plus at most one [`Effect`] on Slack that the
//! transport carries out. Button presses are handled here too.

pub mod grammar;
pub mod handlers;
pub mod limits;
mod reply;
mod user_error;

pub use grammar::{
    AlliancesRequest, ChannelRef, MAX_TEAMS_ASKED, Mention, MetRequest, SlashText, SnoozeSpan,
    TeamNamesError, When, help_text, parse_alliances, parse_met, read_team_names,
};
pub use reply::{Effect, Outcome, Reply};
pub use user_error::UserError;
