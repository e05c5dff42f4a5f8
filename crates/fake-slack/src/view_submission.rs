//! A modal submitted back to the bot: the `view_submission` payload Slack
//! sends when someone presses a modal's submit button, built from a view
//! the fake opened ([`FakeSlack::modals_opened`]) and the values typed
//! into it.
//!
//! The shape is Slack's (its "View interaction payloads" reference):
//! `team`, `user`, `api_app_id`, `token`, a fresh `trigger_id`, and the
//! view as opened with its `state.values` filled in — each value in the
//! field Slack uses for that kind of element (`value` for a text input,
//! `selected_user` for a user picker, …).

use super::delivery::{Delivery, VERIFICATION_TOKEN, trigger_id};
use super::workspace::{APP_ID, TEAM_DOMAIN, TEAM_ID};
use super::{FakeSlack, lock};
use serde_json::{Map, Value, json};

impl FakeSlack {
    /// `user` (a user id) submits `view`, a modal as
    /// [`FakeSlack::modals_opened`] gives it, having entered `values`:
    /// `(block_id, action_id, value)`. Each value lands where Slack puts
    /// it for the element with that `action_id` in that block: `value`
    /// for a text or number input (and for an element the view does not
    /// have), `selected_user`, `selected_conversation`,
    /// `selected_channel`, `selected_date` or `selected_time` for the
    /// pickers, `selected_option` (the view's option with that value) for
    /// a select menu or radio buttons, and for the multi-selects and
    /// checkboxes the comma-separated list, split. The delivery carries a
    /// fresh trigger id, issued when it is sent, so the bot may answer by
    /// opening another modal.
    pub fn view_submission(
        &self,
        user: impl AsRef<str>,
        view: &Value,
        values: &[(&str, &str, &str)],
    ) -> Delivery {
        let user = user.as_ref();
        let name = lock(&self.state)
            .directory
            .user(user)
            .map_or_else(|| user.to_owned(), |u| u.name.clone());
        let mut submitted = view.clone();
        submitted["state"] = json!({ "values": state_values(view, values) });
        Delivery::Interaction {
            payload: json!({
                "type": "view_submission",
                "team": { "id": TEAM_ID, "domain": TEAM_DOMAIN },
                "user": { "id": user, "username": name, "name": name, "team_id": TEAM_ID },
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "trigger_id": trigger_id(),
                "view": submitted,
                "response_urls": [],
                "is_enterprise_install": false,
                "enterprise": null,
            }),
        }
    }
}

/// `state.values`: block id, then action id, then the element's state.
fn state_values(view: &Value, values: &[(&str, &str, &str)]) -> Value {
    let mut blocks = Map::new();
    for (block_id, action_id, value) in values {
        let element = element(view, block_id, action_id);
        let entry = blocks
            .entry((*block_id).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        entry[*action_id] = element_state(element, value);
    }
    Value::Object(blocks)
}

/// The element with `action_id` in the block with `block_id`: an input's
/// `element`, a section's `accessory`, or one of an actions block's
/// `elements`.
fn element<'v>(view: &'v Value, block_id: &str, action_id: &str) -> Option<&'v Value> {
    let block = view
        .get("blocks")?
        .as_array()?
        .iter()
        .find(|block| block.get("block_id").and_then(Value::as_str) == Some(block_id))?;
    let single = ["element", "accessory"]
        .into_iter()
        .filter_map(|key| block.get(key));
    let many = block
        .get("elements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    single
        .chain(many)
        .find(|element| element.get("action_id").and_then(Value::as_str) == Some(action_id))
}

/// One element's state holding `value`, in the field Slack uses for its type.
fn element_state(element: Option<&Value>, value: &str) -> Value {
    let kind = element
        .and_then(|e| e.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("plain_text_input");
    let list = || -> Vec<&str> { value.split(',').map(str::trim).collect() };
    let (field, state) = match kind {
        "users_select" => ("selected_user", json!(value)),
        "conversations_select" => ("selected_conversation", json!(value)),
        "channels_select" => ("selected_channel", json!(value)),
        "datepicker" => ("selected_date", json!(value)),
        "timepicker" => ("selected_time", json!(value)),
        "static_select" | "radio_buttons" => ("selected_option", option(element, value)),
        "multi_users_select" => ("selected_users", json!(list())),
        "multi_conversations_select" => ("selected_conversations", json!(list())),
        "multi_channels_select" => ("selected_channels", json!(list())),
        "multi_static_select" | "checkboxes" => (
            "selected_options",
            Value::Array(list().into_iter().map(|v| option(element, v)).collect()),
        ),
        _ => ("value", json!(value)),
    };
    let mut fields = Map::new();
    fields.insert("type".into(), json!(kind));
    fields.insert(field.into(), state);
    Value::Object(fields)
}

/// The element's option (or option in a group) whose value is `value`;
/// one labelled with the value itself when the element has none.
fn option(element: Option<&Value>, value: &str) -> Value {
    let options = element.into_iter().flat_map(|element| {
        let plain = element.get("options").and_then(Value::as_array);
        let grouped = element
            .get("option_groups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|group| group.get("options").and_then(Value::as_array));
        plain.into_iter().chain(grouped).flatten()
    });
    options
        .into_iter()
        .find(|option| option.get("value").and_then(Value::as_str) == Some(value))
        .cloned()
        .unwrap_or_else(
            || json!({ "text": { "type": "plain_text", "text": value }, "value": value }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> Value {
        json!({
            "type": "modal",
            "blocks": [
                { "type": "input", "block_id": "who",
                  "element": { "type": "multi_users_select", "action_id": "people" } },
                { "type": "input", "block_id": "kind",
                  "element": { "type": "static_select", "action_id": "pick", "options": [
                      { "text": { "type": "plain_text", "text": "Coffee" }, "value": "coffee" },
                  ] } },
                { "type": "input", "block_id": "note",
                  "element": { "type": "plain_text_input", "action_id": "text" } },
            ],
        })
    }

    #[test]
    fn each_value_lands_in_the_field_slack_uses_for_its_element() {
        let values = state_values(
            &view(),
            &[
                ("who", "people", "U1, U2"),
                ("kind", "pick", "coffee"),
                ("note", "text", "Talked about Q3"),
                ("extra", "free", "anything"),
            ],
        );
        assert_eq!(
            values["who"]["people"],
            json!({ "type": "multi_users_select", "selected_users": ["U1", "U2"] })
        );
        assert_eq!(
            values["kind"]["pick"]["selected_option"]["text"]["text"],
            "Coffee"
        );
        assert_eq!(
            values["note"]["text"],
            json!({ "type": "plain_text_input", "value": "Talked about Q3" })
        );
        assert_eq!(values["extra"]["free"]["value"], "anything");
    }
}
