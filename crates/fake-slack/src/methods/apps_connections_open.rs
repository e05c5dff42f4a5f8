//! `apps.connections.open`: a one-time WebSocket URL for Socket Mode. It
//! takes the app-level token, not the bot token; the edge checks that.

use super::super::State;
use super::fields;
use serde_json::{Map, Value, json};

/// Mints a ticket and answers the URL that carries it.
pub(super) fn answer(state: &mut State) -> Map<String, Value> {
    let url = state.socket.mint_url();
    fields(json!({ "url": url }))
}
