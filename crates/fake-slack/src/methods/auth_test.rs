//! `auth.test`: who the token belongs to.

use super::super::State;
use super::super::workspace::{BOT_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME};
use super::fields;
use serde_json::{Map, Value, json};

/// The bot's user name, as `auth.test` gives it.
const BOT_USER_NAME: &str = "alliances";

/// The bot's identity; the token was already checked at the edge.
pub(super) fn answer(state: &State) -> Map<String, Value> {
    fields(json!({
        "url": state.team_url,
        "team": TEAM_NAME,
        "user": BOT_USER_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": false,
    }))
}
