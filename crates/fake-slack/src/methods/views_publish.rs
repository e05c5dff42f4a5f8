//! `views.publish`: sets what one person sees on the app's Home tab.
//!
//! The view comes as a JSON object (JSON posts) or as a string holding one
//! (form posts, where Slack documents it as "a JSON-encoded string"). The
//! fake keeps every publish; [`super::super::FakeSlack::home_view`] gives
//! the latest per person.

use super::super::State;
use super::super::workspace::{APP_ID, BOT_ID, TEAM_ID};
use super::{MethodResult, Params, SlackError, fields, read_view};
use serde_json::{Map, Value, json};

/// Records the view and answers it with the state Slack adds.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    // Slack answers a missing or unknown `user_id` with `invalid_arguments`.
    let user = params
        .text("user_id")
        .filter(|user| state.directory.user(user).is_some())
        .ok_or(SlackError("invalid_arguments"))?;
    let view = read_view(params, "home")?;
    state
        .recorder
        .record_home_view(user.clone(), Value::Object(view.clone()));
    Ok(fields(json!({ "view": published(&user, view) })))
}

/// The published view: what was sent, plus the fields Slack fills in. Its id
/// follows the person, since each person has one Home tab.
fn published(user: &str, mut view: Map<String, Value>) -> Value {
    let id = format!("VHOME{}", user.get(1..).unwrap_or_default());
    let extra = json!({
        "id": id,
        "team_id": TEAM_ID,
        "state": { "values": {} },
        "hash": format!("1700000000.{id}"),
        "clear_on_close": false,
        "notify_on_close": false,
        "close": null,
        "submit": null,
        "previous_view_id": null,
        "root_view_id": id,
        "app_id": APP_ID,
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    });
    for key in ["private_metadata", "callback_id", "external_id"] {
        view.entry(key)
            .or_insert_with(|| Value::String(String::new()));
    }
    if let Value::Object(extra) = extra {
        view.extend(extra);
    }
    Value::Object(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_may_come_as_an_object_or_as_a_json_string_of_one() {
        let view = json!({ "type": "home", "blocks": [] });
        let as_object = Params::from_pairs(&[("view", view.clone())]);
        let as_string = Params::from_pairs(&[("view", json!(view.to_string()))]);
        assert_eq!(
            read_view(&as_object, "home").map(Value::Object),
            Ok(view.clone())
        );
        assert_eq!(read_view(&as_string, "home").map(Value::Object), Ok(view));
    }

    #[test]
    fn only_a_home_view_with_blocks_is_published() {
        for bad in [
            json!({ "type": "modal", "blocks": [] }),
            json!({ "type": "home" }),
            json!("not json"),
            json!(3),
        ] {
            assert_eq!(
                read_view(&Params::from_pairs(&[("view", bad)]), "home"),
                Err(SlackError("invalid_arguments"))
            );
        }
    }
}
