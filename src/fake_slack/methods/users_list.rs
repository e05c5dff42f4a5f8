//! `users.list`: everyone in the workspace, bots and deactivated users
//! included, a page at a time.

use super::super::State;
use super::super::workspace::{FakeUser, TEAM_ID};
use super::{CREATED_AT, MethodResult, Params, SlackError, fields};
use serde_json::{Value, json};

/// Slack pages `users.list` when asked to; with no limit (or 0) we give
/// pages of 100, which keeps the bot's paging path busy in small demos.
const DEFAULT_LIMIT: usize = 100;
/// Slack documents 1000 as the most it returns in one page; larger limits
/// are cut down to it, as Slack does, rather than refused.
const MAX_LIMIT: usize = 1000;
/// Our cursors are opaque to the client; inside, they carry the next offset.
const CURSOR_PREFIX: &str = "next:";

/// Which slice of the members to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    offset: usize,
    limit: usize,
}

/// Answers one page of members and the cursor of the next (empty at the end).
pub(super) fn answer(state: &State, params: &Params) -> MethodResult {
    let page = read_page(params)?;
    let users = state.directory.users();
    if page.offset > users.len() {
        return Err(SlackError("invalid_cursor"));
    }
    let end = users.len().min(page.offset.saturating_add(page.limit));
    let members: Vec<Value> = users[page.offset..end].iter().map(member).collect();
    let next_cursor = if end < users.len() {
        format!("{CURSOR_PREFIX}{end}")
    } else {
        String::new()
    };
    Ok(fields(json!({
        "members": members,
        "cache_ts": CREATED_AT,
        "response_metadata": { "next_cursor": next_cursor },
    })))
}

fn read_page(params: &Params) -> Result<Page, SlackError> {
    let limit = match params.text("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(0) => DEFAULT_LIMIT,
            Ok(n) => usize::try_from(n).map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT)),
            Err(_) => return Err(SlackError("invalid_limit")),
        },
    };
    let offset = match params.text("cursor") {
        None => 0,
        Some(cursor) if cursor.is_empty() => 0,
        Some(cursor) => cursor
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or(SlackError("invalid_cursor"))?,
    };
    Ok(Page { offset, limit })
}

/// A member in the shape Slack gives it.
fn member(user: &FakeUser) -> Value {
    let (tz_label, tz_offset) = zone(&user.tz);
    json!({
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
    })
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

    fn params(pairs: &[(&str, Value)]) -> Params {
        Params::from_pairs(pairs)
    }

    #[test]
    fn an_absent_or_zero_limit_means_a_hundred_and_a_huge_one_is_capped() {
        assert_eq!(read_page(&params(&[])).unwrap().limit, 100);
        assert_eq!(
            read_page(&params(&[("limit", json!("0"))])).unwrap().limit,
            100
        );
        assert_eq!(
            read_page(&params(&[("limit", json!(5000))])).unwrap().limit,
            1000
        );
        assert_eq!(
            read_page(&params(&[("limit", json!("40"))])).unwrap().limit,
            40
        );
    }

    #[test]
    fn a_limit_that_is_not_a_count_is_invalid() {
        for bad in [json!("ten"), json!("-1"), json!(2.5)] {
            assert_eq!(
                read_page(&params(&[("limit", bad)])),
                Err(SlackError("invalid_limit"))
            );
        }
    }

    #[test]
    fn a_cursor_the_fake_did_not_give_is_invalid() {
        assert_eq!(
            read_page(&params(&[("cursor", json!(""))])).unwrap().offset,
            0
        );
        assert_eq!(
            read_page(&params(&[("cursor", json!("next:40"))]))
                .unwrap()
                .offset,
            40
        );
        assert_eq!(
            read_page(&params(&[("cursor", json!("dXNlcjpVMDYx"))])),
            Err(SlackError("invalid_cursor"))
        );
    }

    #[test]
    fn known_zones_get_a_label_and_unknown_ones_their_name() {
        assert_eq!(zone("Asia/Kolkata"), ("India Standard Time".into(), 19_800));
        assert_eq!(zone("Mars/Olympus"), ("Mars/Olympus".into(), 0));
    }
}
