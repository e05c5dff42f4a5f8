//! `views.update`: shows another view in a modal already open, by the
//! `view_id` that `views.open` gave it.
//!
//! The view is held to the same limits as an opened modal. The modal keeps
//! its id and the person it was opened for; its content is replaced, so
//! that [`super::super::FakeSlack::modals_opened`] shows what the person
//! sees now. Slack answers an id it does not know with `not_found`, and a
//! `hash` that is not the modal's latest with `hash_conflict`.

use super::super::State;
use super::views_open::read_modal;
use super::{MethodResult, Params, SlackError, fields};
use serde_json::{Value, json};

/// Replaces the modal's view and answers it with the state Slack adds.
pub(super) fn answer(state: &mut State, params: &Params) -> MethodResult {
    let view_id = params.required("view_id", "invalid_arguments")?;
    let view = read_modal(params)?;
    let hash = params.text("hash");
    let modal = state
        .recorder
        .modal_mut(&view_id)
        .ok_or(SlackError("not_found"))?;
    let current_hash = modal
        .get("hash")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if hash.is_some_and(|hash| hash != current_hash) {
        return Err(SlackError("hash_conflict"));
    }
    let next_hash = format!("{current_hash}.1");
    let kept = [
        "id",
        "team_id",
        "root_view_id",
        "app_id",
        "app_installed_team_id",
        "bot_id",
    ]
    .map(|key| (key, modal.get(key).cloned().unwrap_or(Value::Null)));
    let mut updated = view;
    for (key, value) in kept {
        updated.insert(key.to_owned(), value);
    }
    updated.insert("state".to_owned(), json!({ "values": {} }));
    updated.insert("hash".to_owned(), Value::String(next_hash));
    *modal = Value::Object(updated);
    Ok(fields(json!({ "view": modal.clone() })))
}
