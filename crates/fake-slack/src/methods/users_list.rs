//! `users.list`: everyone in the workspace, bots and deactivated users
//! included, a page at a time. A person's `profile.email` is there only
//! when the token has `users:read.email`, as with Slack.

use super::super::State;
use super::super::workspace::{FakeUser, TEAM_ID};
use super::paging::Page;
use super::{CREATED_AT, EMAIL_SCOPE, MethodResult, Params, fields};
use serde_json::{Value, json};

/// Answers one page of members and the cursor of the next (empty at the end).
pub(super) fn answer(state: &State, params: &Params) -> MethodResult {
    let users = state.directory.users();
    let (range, next_cursor) = Page::read(params)?.of(users.len())?;
    let with_email = state.directory.grants(EMAIL_SCOPE);
    let members: Vec<Value> = users[range]
        .iter()
        .map(|user| member(user, with_email))
        .collect();
    Ok(fields(json!({
        "members": members,
        "cache_ts": CREATED_AT,
        "response_metadata": { "next_cursor": next_cursor },
    })))
}

/// A member in the shape Slack gives it, with their email if `with_email`.
fn member(user: &FakeUser, with_email: bool) -> Value {
    let (tz_label, tz_offset) = zone(&user.tz);
    let mut member = json!({
        "id": user.id.as_str(),
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            // The fake has no separate display name: the handle stands in.
            "display_name": user.name,
            "display_name_normalized": user.name,
            "team": TEAM_ID,
        },
        "is_admin": false,
        "is_owner": false,
        "is_bot": user.is_bot,
        "is_app_user": false,
        "updated": CREATED_AT,
    });
    if with_email && let Some(email) = user.email() {
        member["profile"]["email"] = Value::String(email);
    }
    member
}

/// Labels and standard offsets (seconds east of UTC) of common zones. The
/// crate has no time-zone database, so daylight saving time is not applied:
/// the bot must schedule from `tz`, as it must with real Slack, whose offset
/// is only right on the day it was fetched.
const ZONES: &[(&str, &str, i32)] = &[
    ("UTC", "Coordinated Universal Time", 0),
    ("Etc/UTC", "Coordinated Universal Time", 0),
    ("America/Los_Angeles", "Pacific Standard Time", -28_800),
    ("America/Denver", "Mountain Standard Time", -25_200),
    ("America/Chicago", "Central Standard Time", -21_600),
    ("America/New_York", "Eastern Standard Time", -18_000),
    ("America/Toronto", "Eastern Standard Time", -18_000),
    ("America/Sao_Paulo", "Brasilia Standard Time", -10_800),
    ("Europe/London", "Greenwich Mean Time", 0),
    ("Europe/Dublin", "Greenwich Mean Time", 0),
    ("Europe/Lisbon", "Western European Time", 0),
    ("Europe/Paris", "Central European Time", 3_600),
    ("Europe/Berlin", "Central European Time", 3_600),
    ("Europe/Madrid", "Central European Time", 3_600),
    ("Europe/Amsterdam", "Central European Time", 3_600),
    ("Europe/Stockholm", "Central European Time", 3_600),
    ("Europe/Warsaw", "Central European Time", 3_600),
    ("Europe/Helsinki", "Eastern European Time", 7_200),
    ("Africa/Lagos", "West Africa Time", 3_600),
    ("Africa/Nairobi", "East Africa Time", 10_800),
    ("Asia/Dubai", "Gulf Standard Time", 14_400),
    ("Asia/Kolkata", "India Standard Time", 19_800),
    ("Asia/Singapore", "Singapore Standard Time", 28_800),
    ("Asia/Shanghai", "China Standard Time", 28_800),
    ("Asia/Tokyo", "Japan Standard Time", 32_400),
    (
        "Australia/Sydney",
        "Australian Eastern Standard Time",
        36_000,
    ),
    ("Pacific/Auckland", "New Zealand Standard Time", 43_200),
];

/// A zone's label and offset; an unknown zone is labelled with its own name
/// and offset 0.
fn zone(tz: &str) -> (String, i32) {
    ZONES.iter().find(|(name, _, _)| *name == tz).map_or_else(
        || (tz.to_owned(), 0),
        |(_, label, offset)| ((*label).to_owned(), *offset),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_zones_get_a_label_and_unknown_ones_their_name() {
        assert_eq!(zone("Asia/Kolkata"), ("India Standard Time".into(), 19_800));
        assert_eq!(zone("Mars/Olympus"), ("Mars/Olympus".into(), 0));
    }
}
