//! The Slack client adapter: one concrete client for what the bot does to
//! Slack (open a DM, post a message, post the digest, with a picture if
//! need be, find a channel's id by its name, list people), over
//! slack-morphism, and the Block Kit rendering of what people read: the
//! only module that builds Slack's message JSON.
//!
//! The API URL comes from config, so the fake Slack stands in for Slack
//! without a trait. Tokens never leave this module in a log line or error.

// One of the two modules that may name slack-morphism's types (clippy.toml
// disallows them everywhere else).
#![allow(clippy::disallowed_types)]

mod calendar_modal;
mod channel_ids;
mod channels;
mod circles;
mod client;
mod directory;
mod early_warning;
mod error;
mod home;
mod leader_home;
mod mrkdwn;
mod partnerships;
mod rate_control;
mod reach;
mod render;
mod replies;
mod response_url;
mod scopes;
mod upload;

pub use calendar_modal::{
    ADDRESS_ACTION, ADDRESS_BLOCK, render_calendar_failing, render_modal_answer,
};
pub use circles::{mention_list, render_circle_check_in, render_circle_prompt};
pub use client::{SlackClient, SlackPerson};
pub use directory::UserGroup;
pub use early_warning::render_early_warning;
pub use error::SlackError;
pub use home::{HomeAlliance, HomeCalendar, HomeContent};
pub use mrkdwn::{MRKDWN_QUOTING, mrkdwn_text, quoted_from_slack, unescape_mrkdwn};
pub use partnerships::partnership_standing_line;
pub use render::{Message, readable_text, render_digest, render_nudge};
pub use replies::{render_introduction, render_reply};
pub use response_url::https_client;
pub use scopes::BOT_SCOPES;
pub use upload::Picture;
