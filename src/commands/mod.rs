//! Slash commands: `/met` and `/alliances`.
//!
//! This folder holds the grammar now — pure functions from the text a person
//! typed to a request ([`grammar`]) — and will hold the handlers that act on
//! those requests later. The grammar never touches the store, Slack or the
//! clock: today's date is passed in where a date must be resolved, so every
//! rule of the grammar is tested without a runtime.

pub mod grammar;
mod user_error;

pub use grammar::{
    AlliancesRequest, ChannelRef, Mention, MetRequest, SlashText, SnoozeSpan, When, help_text,
    parse_alliances, parse_met,
};
pub use user_error::UserError;
