//! `conversations.open`: opens (or reopens) the bot's DM with one person, or
//! a multi-person DM with several.

use super::super::State;
use super::super::directory::ConversationKind;
use super::{CREATED_AT, MethodResult, Params, SlackError, destination, fields, member};
use serde_json::{Map, Value, json};

/// Slack opens a multi-person DM with at most 8 people besides the caller.
const MAX_USERS: usize = 8;

/// What the call asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Open {
    /// Reopen a conversation by its id.
    Channel(String),
    /// Open the conversation with these people (as given, not yet checked).
    Users(Vec<String>),
}

/// Opens the conversation and answers its id.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    let users = match read_open(params)? {
        Open::Channel(channel) => return reopen(state, &channel),
        Open::Users(users) => users,
    };
    for id in &users {
        if member(state, id)?.deleted {
            return Err(SlackError("user_disabled"));
        }
    }
    match users.as_slice() {
        [one] => {
            let (dm, already_open) = state
                .directory
                .open_dm(one)
                .ok_or(SlackError("user_not_found"))?;
            Ok(opened(dm_info(&dm, one), already_open))
        }
        many => {
            let (group, already_open) = state
                .directory
                .open_group_dm(many)
                .ok_or(SlackError("internal_error"))?;
            Ok(opened(group_info(&group), already_open))
        }
    }
}

fn read_open(params: &Params) -> Result<Open, SlackError> {
    if let Some(channel) = params.text("channel").filter(|c| !c.is_empty()) {
        return Ok(Open::Channel(channel));
    }
    // Form posts send "U1,U2"; slack-morphism sends a JSON array.
    let users: Vec<String> = match params.value("users") {
        None => Vec::new(),
        Some(Value::String(list)) => list.split(',').map(|u| u.trim().to_owned()).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or(SlackError("invalid_arguments"))?,
        Some(_) => return Err(SlackError("invalid_arguments")),
    };
    let users: Vec<String> = users.into_iter().filter(|u| !u.is_empty()).collect();
    if users.is_empty() {
        return Err(SlackError("users_list_not_supplied"));
    }
    if users.len() > MAX_USERS {
        return Err(SlackError("too_many_users"));
    }
    Ok(Open::Users(users))
}

/// Reopens a conversation the fake opened before.
fn reopen(state: &State, channel: &str) -> MethodResult {
    let destination = destination(state, channel)?;
    let info = match &destination.kind {
        ConversationKind::Dm(user) => dm_info(&destination.channel, user),
        ConversationKind::GroupDm => group_info(&destination.channel),
        // Public channels are not conversations one opens.
        ConversationKind::Channel => return Err(SlackError("channel_not_found")),
    };
    Ok(opened(info, true))
}

fn dm_info(dm: &str, user: &str) -> Value {
    json!({ "id": dm, "created": CREATED_AT, "is_im": true, "user": user })
}

fn group_info(group: &str) -> Value {
    json!({ "id": group, "created": CREATED_AT, "is_group": true, "is_mpim": true })
}

fn opened(channel: Value, already_open: bool) -> Map<String, Value> {
    if already_open {
        fields(json!({ "channel": channel, "no_op": true, "already_open": true }))
    } else {
        fields(json!({ "channel": channel }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(name: &str, value: Value) -> Params {
        Params([(name.to_owned(), value)].into_iter().collect())
    }

    #[test]
    fn users_come_comma_separated_or_as_a_json_array() {
        assert_eq!(
            read_open(&params("users", json!("U1, U2"))),
            Ok(Open::Users(vec!["U1".into(), "U2".into()]))
        );
        assert_eq!(
            read_open(&params("users", json!(["U1"]))),
            Ok(Open::Users(vec!["U1".into()]))
        );
    }

    #[test]
    fn no_users_and_no_channel_is_refused_as_slack_does() {
        assert_eq!(
            read_open(&Params::default()),
            Err(SlackError("users_list_not_supplied"))
        );
        assert_eq!(
            read_open(&params("users", json!(""))),
            Err(SlackError("users_list_not_supplied"))
        );
        assert_eq!(
            read_open(&params("users", json!([1]))),
            Err(SlackError("invalid_arguments"))
        );
    }

    #[test]
    fn more_than_eight_people_is_too_many() {
        let nine = (1..=9)
            .map(|n| format!("U{n}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            read_open(&params("users", json!(nine))),
            Err(SlackError("too_many_users"))
        );
    }
}
