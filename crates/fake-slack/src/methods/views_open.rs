//! `views.open`: opens a modal for the person whose action issued the
//! trigger id it is given.
//!
//! The view is read as `views.publish` reads it, then held to the limits
//! Slack documents for a modal (a title of at most 24 characters, at most
//! 100 blocks, a submit button when there is an input, …). The trigger id
//! is exchanged only once the view passes, so that a refused view does not
//! use it up; [`super::super::triggers`] says whether it may be. Every
//! opened modal is recorded, for [`super::super::FakeSlack::modals_opened`].

use super::super::State;
use super::super::workspace::{APP_ID, BOT_ID, TEAM_ID};
use super::{MethodResult, Params, SlackError, fields, read_view};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// "A modal can have a maximum of 100 blocks" (Slack's view reference).
const MAX_BLOCKS: usize = 100;
/// The most characters of a modal's `title`, `submit` and `close` texts.
const MAX_BUTTON_TEXT: usize = 24;
/// The most characters of `private_metadata`.
const MAX_PRIVATE_METADATA: usize = 3_000;
/// The most characters of `callback_id`.
const MAX_CALLBACK_ID: usize = 255;

/// Opens the modal and answers it with the state Slack adds.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    // Slack's own example answers a missing trigger with invalid_arguments.
    let trigger = params.required("trigger_id", "invalid_arguments")?;
    let view = read_modal(params)?;
    let user = state
        .triggers
        .exchange(&trigger, Instant::now())
        .map_err(|refusal| SlackError(refusal.code()))?;
    let opened = opened(state.recorder.modal_count() + 1, view);
    state.recorder.record_modal(user, opened.clone());
    Ok(fields(json!({ "view": opened })))
}

/// The view, checked against Slack's limits for a modal.
pub(super) fn read_modal(params: &Params) -> Result<Map<String, Value>, SlackError> {
    let view = read_view(params, "modal")?;
    let invalid = Err(SlackError("invalid_arguments"));
    let blocks = view.get("blocks").and_then(Value::as_array);
    if blocks.is_none_or(|blocks| blocks.len() > MAX_BLOCKS) {
        return invalid;
    }
    if plain_text(view.get("title")).is_none_or(|title| title.is_empty()) {
        return invalid;
    }
    for button in ["submit", "close"] {
        if view
            .get(button)
            .is_some_and(|b| plain_text(Some(b)).is_none())
        {
            return invalid;
        }
    }
    let has_input = blocks
        .into_iter()
        .flatten()
        .any(|block| block.get("type").and_then(Value::as_str) == Some("input"));
    if has_input && view.get("submit").is_none() {
        return invalid;
    }
    let too_long = |key: &str, most: usize| {
        view.get(key)
            .and_then(Value::as_str)
            .is_some_and(|text| text.chars().count() > most)
    };
    if too_long("private_metadata", MAX_PRIVATE_METADATA)
        || too_long("callback_id", MAX_CALLBACK_ID)
    {
        return invalid;
    }
    Ok(view)
}

/// The text of a `plain_text` object of at most 24 characters.
fn plain_text(object: Option<&Value>) -> Option<&str> {
    let object = object?;
    if object.get("type").and_then(Value::as_str) != Some("plain_text") {
        return None;
    }
    let text = object.get("text").and_then(Value::as_str)?;
    (text.chars().count() <= MAX_BUTTON_TEXT).then_some(text)
}

/// The opened view: what was sent, plus the fields Slack fills in. The
/// `n`th modal gets the id `VMODAL000n`: Slack's are opaque, and a
/// sequence keeps a run's ids the same from one run to the next.
fn opened(n: usize, mut view: Map<String, Value>) -> Value {
    let id = format!("VMODAL{n:04}");
    let defaults = json!({
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": false,
        "notify_on_close": false,
        "close": null,
        "submit": null,
    });
    let slack_fields = json!({
        "id": id,
        "team_id": TEAM_ID,
        "state": { "values": {} },
        "hash": format!("1700000000.{n:08}"),
        "previous_view_id": null,
        "root_view_id": id,
        "app_id": APP_ID,
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    });
    if let (Value::Object(defaults), Value::Object(slack_fields)) = (defaults, slack_fields) {
        for (key, value) in defaults {
            view.entry(key).or_insert(value);
        }
        view.extend(slack_fields);
    }
    Value::Object(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modal(extra: Value) -> Params {
        let mut view = json!({
            "type": "modal",
            "title": { "type": "plain_text", "text": "Log a meeting" },
            "blocks": [],
        });
        if let (Some(view), Value::Object(extra)) = (view.as_object_mut(), extra) {
            view.extend(extra);
        }
        Params::from_pairs(&[("view", view)])
    }

    #[test]
    fn a_modal_with_a_short_title_and_blocks_is_read() {
        let view = read_modal(&modal(json!({}))).unwrap();
        assert_eq!(view["title"]["text"], "Log a meeting");
    }

    #[test]
    fn a_modal_over_slacks_limits_is_refused_as_invalid_arguments() {
        let input = json!({ "type": "input", "element": { "type": "plain_text_input" } });
        for bad in [
            json!({ "blocks": [{ "type": "mrkdwn", "text": "a text object, not a block" }] }),
            json!({ "type": "home" }),
            json!({ "title": { "type": "plain_text", "text": "A title of more than 24 chars" } }),
            json!({ "title": { "type": "mrkdwn", "text": "Log" } }),
            json!({ "title": null }),
            json!({ "blocks": vec![json!({ "type": "divider" }); 101] }),
            json!({ "blocks": [input] }),
            json!({ "submit": { "type": "plain_text", "text": "Save this meeting right now" } }),
            json!({ "private_metadata": "x".repeat(3_001) }),
        ] {
            assert_eq!(
                read_modal(&modal(bad.clone())),
                Err(SlackError("invalid_arguments")),
                "{bad}"
            );
        }
        let submit = json!({ "type": "plain_text", "text": "Save" });
        let full = json!({
            "blocks": vec![json!({ "type": "divider" }); 99].into_iter().chain([input]).collect::<Vec<_>>(),
            "submit": submit,
        });
        assert!(read_modal(&modal(full)).is_ok());
    }

    #[test]
    fn an_opened_modal_keeps_what_was_sent_and_gets_slacks_fields() {
        let mut view = Map::new();
        view.insert("type".into(), json!("modal"));
        view.insert("callback_id".into(), json!("log_meeting"));
        view.insert("notify_on_close".into(), json!(true));
        let opened = opened(7, view);
        assert_eq!(opened["id"], "VMODAL0007");
        assert_eq!(opened["root_view_id"], "VMODAL0007");
        assert_eq!(opened["callback_id"], "log_meeting");
        assert_eq!(opened["notify_on_close"], true);
        assert_eq!(opened["private_metadata"], "");
        assert_eq!(opened["state"], json!({ "values": {} }));
    }
}
