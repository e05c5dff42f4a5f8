//! `usergroups.list` and `usergroups.users.list`: the workspace's user
//! groups (`@payments-team`), one of the places a person's team comes from.

use super::super::State;
use super::super::workspace::{BOT_USER_ID, FakeUserGroup, TEAM_ID};
use super::{CREATED_AT, MethodResult, Params, SlackError, fields};
use serde_json::{Value, json};

/// Every group, with its members when `include_users` is set.
pub(super) fn list(state: &State, params: &Params) -> MethodResult {
    let include_users = params.flag("include_users");
    let groups: Vec<Value> = state
        .directory
        .usergroups()
        .iter()
        .map(|group| usergroup(group, include_users))
        .collect();
    Ok(fields(json!({ "usergroups": groups })))
}

/// The members of one group.
pub(super) fn users(state: &State, params: &Params) -> MethodResult {
    let id = params.required("usergroup", "invalid_arguments")?;
    let group = state
        .directory
        .usergroup(&id)
        .ok_or(SlackError("no_such_subteam"))?;
    let members: Vec<&str> = group.members.iter().map(|m| m.as_str()).collect();
    Ok(fields(json!({ "users": members })))
}

/// A group in the shape Slack gives it.
fn usergroup(group: &FakeUserGroup, include_users: bool) -> Value {
    let mut value = json!({
        "id": group.id,
        "team_id": TEAM_ID,
        "is_usergroup": true,
        "is_subteam": true,
        "name": group.name,
        "description": "",
        "handle": group.handle,
        "is_external": false,
        "date_create": CREATED_AT,
        "date_update": CREATED_AT,
        "date_delete": 0,
        "auto_type": null,
        "auto_provision": false,
        "created_by": BOT_USER_ID,
        "updated_by": BOT_USER_ID,
        "deleted_by": null,
        "prefs": { "channels": [], "groups": [] },
        "user_count": group.members.len(),
        "channel_count": 0,
    });
    if let (true, Value::Object(fields)) = (include_users, &mut value) {
        let members = group
            .members
            .iter()
            .map(|m| Value::from(m.as_str()))
            .collect();
        fields.insert("users".to_owned(), Value::Array(members));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn include_users_is_read_from_form_text_or_json_booleans() {
        for yes in [json!("true"), json!("1"), json!(true)] {
            assert!(Params::from_pairs(&[("include_users", yes)]).flag("include_users"));
        }
        for no in [json!("false"), json!(0), json!(false)] {
            assert!(!Params::from_pairs(&[("include_users", no)]).flag("include_users"));
        }
        assert!(!Params::default().flag("include_users"));
    }
}
