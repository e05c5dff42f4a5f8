//! `users.profile.get` and `team.profile.get`: a person's profile with its
//! custom fields, and the workspace's field definitions. A person's team
//! lives in one custom field, [`TEAM_FIELD_ID`], labelled as the workspace
//! says ("Team" by default): the bot finds the field by its label, then
//! reads each person's value. A person's email is there only when the
//! token has `users:read.email`, as in `users.list`.

use super::super::State;
use super::super::workspace::{FakeUser, TEAM_FIELD_ID, TEAM_ID};
use super::{EMAIL_SCOPE, MethodResult, Params, fields, member};
use serde_json::{Map, Value, json};

/// One person's profile; without `user`, the caller's own (the bot's).
pub(super) fn user_profile(state: &State, params: &Params) -> MethodResult {
    let Some(raw) = params.text("user").filter(|user| !user.is_empty()) else {
        return Ok(fields(json!({ "profile": bot_profile() })));
    };
    let with_email = state.directory.grants(EMAIL_SCOPE);
    Ok(fields(json!({
        "profile": profile(member(state, &raw)?, with_email)
    })))
}

/// The workspace's custom profile fields: only the team field.
pub(super) fn team_profile(state: &State) -> Map<String, Value> {
    fields(json!({
        "profile": {
            "fields": [{
                "id": TEAM_FIELD_ID,
                "ordering": 0,
                "field_name": null,
                "label": state.directory.team_field_label(),
                "hint": "The team you belong to",
                "type": "text",
                "possible_values": null,
                "options": null,
                "is_hidden": false,
                "section_id": "S0FAKE",
            }],
            "sections": [{
                "id": "S0FAKE",
                "team_id": TEAM_ID,
                "section_type": "about",
                "label": "About me",
                "order": 1,
                "is_hidden": false,
            }],
        }
    }))
}

/// A profile in the shape Slack gives it; `fields` holds the team when the
/// person has one, and is empty otherwise, as Slack leaves unset fields out.
/// The email is there if `with_email` and the person has one.
fn profile(user: &FakeUser, with_email: bool) -> Value {
    let mut custom = Map::new();
    if let Some(team) = &user.team {
        custom.insert(
            TEAM_FIELD_ID.to_owned(),
            json!({ "value": team, "alt": "" }),
        );
    }
    let mut profile = json!({
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "team": TEAM_ID,
        "fields": custom,
    });
    if with_email && let Some(email) = user.email() {
        profile["email"] = Value::String(email);
    }
    profile
}

fn bot_profile() -> Value {
    json!({
        "real_name": "alliances",
        "display_name": "alliances",
        "team": TEAM_ID,
        "fields": {},
    })
}
