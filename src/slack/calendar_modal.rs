//! The modal where a person gives their calendar's iCal address, and what
//! the bot answers when they submit it: `views.open`, `views.update`, and
//! the `response_action` of a `view_submission`; and the one DM when their
//! calendar has not been read for a week.
//!
//! The address is typed into Slack, read once from the submission, and
//! never written into a view the bot sends back: a view is stored by
//! Slack and shown again, and the address is a password.

use super::client::{SlackClient, block_kit};
use super::error::SlackError;
use super::render::{Message, context, section};
use crate::domain::{CALENDAR_MODAL_ID, CalendarFailing, CalendarModal, ModalAnswer};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use slack_morphism::prelude::*;

/// The `block_id` of the address input, under which Slack sends back what
/// was typed and the bot puts a refusal.
pub const ADDRESS_BLOCK: &str = "calendar_address";
/// The `action_id` of the address input.
pub const ADDRESS_ACTION: &str = "address";

/// Where to find the address, for the providers most people use.
const WHERE_TO_FIND_IT: &str = "*Where to find it*\n\
    • *Google Calendar*: Settings → your calendar under *Settings for my calendars* → \
    *Integrate calendar* → *Secret address in iCal format* (not the public address).\n\
    • *Outlook*: Settings → Calendar → *Shared calendars* → *Publish a calendar* → your \
    calendar, *Can view all details* → *Publish* → the *ICS* link (not the HTML one).";

/// What is read, and what is not: said before anyone gives anything.
const WHAT_IS_READ: &str = "I read *who* was in each meeting and *when*: never a title, a \
    description, a place or a link. Only small meetings you went to count, not town halls, \
    and only when someone from another team was there. Colleagues who never gave me their \
    calendar are counted only as having met you, as `/met` would. `/alliances calendar off` \
    stops it and deletes the address.";

/// The view of `modal`, as `views.open` and `views.update` take it.
pub fn render_calendar_modal(modal: &CalendarModal) -> Value {
    let mut view = json!({
        "type": "modal",
        "callback_id": CALENDAR_MODAL_ID,
        "title": { "type": "plain_text", "text": "Your calendar" },
        "close": { "type": "plain_text", "text": "Close" },
    });
    let blocks = match modal {
        CalendarModal::Ask { since, problem } => {
            view["submit"] = json!({ "type": "plain_text", "text": "Read it" });
            ask_blocks(*since, problem.as_deref())
        }
        CalendarModal::Reading => vec![section(
            "Reading your calendar… this takes a few seconds, up to half a minute for a big one.",
        )],
        CalendarModal::Read {
            meetings,
            colleagues,
            days,
        } => vec![
            section(read_line(*meetings, *colleagues, *days)),
            context(WHAT_IS_READ),
        ],
    };
    view["blocks"] = Value::Array(blocks);
    view
}

/// What `/alliances calendar`'s answer and the modal say of a calendar read.
fn read_line(meetings: usize, colleagues: usize, days: u32) -> String {
    match meetings {
        0 => format!(
            "I read your calendar: no meetings with colleagues in other teams in the last \
             {days} days. I'll count them from now on."
        ),
        _ => format!(
            "{} with {} in the last {days} days. I'll count them from now on.",
            crate::domain::plural(meetings, "meeting", "meetings"),
            crate::domain::plural(colleagues, "colleague", "colleagues"),
        ),
    }
}

fn ask_blocks(since: Option<DateTime<Utc>>, problem: Option<&str>) -> Vec<Value> {
    let mut blocks = Vec::new();
    if let Some(problem) = problem {
        blocks.push(section(format!(":warning: {problem}")));
    }
    if let Some(since) = since {
        blocks.push(section(format!(
            "I've been reading your calendar since {}. A new address replaces it.",
            since.format("%-d %B %Y")
        )));
    }
    blocks.push(section(
        "Paste your calendar's *iCal address*, and your meetings count without typing `/met`.",
    ));
    blocks.push(json!({
        "type": "input",
        "block_id": ADDRESS_BLOCK,
        "label": { "type": "plain_text", "text": "iCal address" },
        "element": {
            "type": "plain_text_input",
            "action_id": ADDRESS_ACTION,
            "placeholder": { "type": "plain_text", "text": "https://…/basic.ics" },
        },
    }));
    blocks.push(section(WHERE_TO_FIND_IT));
    blocks.push(context(WHAT_IS_READ));
    blocks
}

/// The DM to someone whose calendar has not been read for a week: what is
/// wrong, that nothing else changed, and the two ways out.
pub fn render_calendar_failing(failing: &CalendarFailing) -> Message {
    let text = format!(
        "I haven't been able to read your calendar since {}. The last time, {}. Nothing else \
         has changed, but its meetings don't count until I can read it again. If its address \
         changed, `/alliances calendar` takes the new one; `/alliances calendar off` stops it.",
        failing.since.format("%-d %B"),
        failing.why.trim_end_matches('.'),
    );
    Message {
        blocks: vec![section(text.clone())],
        text,
    }
}

/// The body that answers a modal's submission: a refusal under the input,
/// or another view in its place.
pub fn render_modal_answer(answer: &ModalAnswer) -> Value {
    match answer {
        ModalAnswer::Refuse(why) => json!({
            "response_action": "errors",
            "errors": { ADDRESS_BLOCK: why },
        }),
        ModalAnswer::Show(modal) => json!({
            "response_action": "update",
            "view": render_calendar_modal(modal),
        }),
    }
}

impl SlackClient {
    /// Opens the calendar modal showing `modal`, with `trigger_id` (valid
    /// for 3 seconds after the command or press that gave it).
    pub async fn open_calendar_modal(
        &self,
        trigger_id: &str,
        modal: &CalendarModal,
    ) -> Result<(), SlackError> {
        const METHOD: &str = "views.open";
        let request = SlackApiViewsOpenRequest::new(
            SlackTriggerId(trigger_id.to_owned()),
            view(METHOD, modal)?,
        );
        self.call(METHOD, None, || async {
            self.session().views_open(&request).await
        })
        .await?;
        Ok(())
    }

    /// Shows `modal` in the open modal `view_id`.
    pub async fn update_calendar_modal(
        &self,
        view_id: &str,
        modal: &CalendarModal,
    ) -> Result<(), SlackError> {
        const METHOD: &str = "views.update";
        let request = SlackApiViewsUpdateRequest::new(view(METHOD, modal)?)
            .with_view_id(SlackViewId(view_id.to_owned()));
        self.call(METHOD, None, || async {
            self.session().views_update(&request).await
        })
        .await?;
        Ok(())
    }
}

/// `modal` as slack-morphism's view, checked as Block Kit.
fn view(method: &'static str, modal: &CalendarModal) -> Result<SlackView, SlackError> {
    let rendered = render_calendar_modal(modal);
    block_kit(
        method,
        "the calendar modal's blocks",
        rendered["blocks"].as_array().cloned().unwrap_or_default(),
    )?;
    serde_json::from_value(rendered).map_err(|err| SlackError::Unexpected {
        method,
        detail: format!("the calendar modal is no valid view: {err}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_state_of_the_modal_is_a_valid_view() {
        let since = Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap();
        for modal in [
            CalendarModal::Ask {
                since: None,
                problem: None,
            },
            CalendarModal::Ask {
                since: Some(since),
                problem: Some("I couldn't fetch your calendar: its server answered 404".into()),
            },
            CalendarModal::Reading,
            CalendarModal::Read {
                meetings: 142,
                colleagues: 37,
                days: 180,
            },
        ] {
            let view = view("views.open", &modal).unwrap();
            assert!(matches!(view, SlackView::Modal(_)), "{modal:?}");
            for block in render_calendar_modal(&modal)["blocks"].as_array().unwrap() {
                let kind = block["type"].as_str().unwrap();
                assert!(["section", "input", "context"].contains(&kind), "{block}");
            }
        }
    }

    #[test]
    fn a_text_object_in_a_block_s_place_is_refused_before_slack_sees_it() {
        let slip = vec![json!({ "type": "mrkdwn", "text": "not a block" })];
        let err = block_kit("views.open", "the modal's blocks", slip).unwrap_err();
        assert!(
            err.to_string().contains("a block of no known type"),
            "{err}"
        );
    }

    #[test]
    fn the_modal_says_what_it_found_and_what_it_reads() {
        let read = render_calendar_modal(&CalendarModal::Read {
            meetings: 142,
            colleagues: 37,
            days: 180,
        })
        .to_string();
        assert!(
            read.contains(
                "142 meetings with 37 colleagues in the last 180 days. I'll count them from now on."
            ),
            "{read}"
        );
        let ask = render_calendar_modal(&CalendarModal::Ask {
            since: None,
            problem: None,
        });
        assert_eq!(ask["submit"]["text"], "Read it");
        let ask = ask.to_string();
        for needed in [
            "Secret address in iCal format",
            "Publish a calendar",
            "never a title",
            "calendar off",
        ] {
            assert!(ask.contains(needed), "{needed}: {ask}");
        }
    }

    #[test]
    fn a_calendar_failing_for_a_week_is_told_with_the_way_out() {
        let message = render_calendar_failing(&CalendarFailing {
            to: crate::domain::UserId::parse("U1").unwrap(),
            since: Utc.with_ymd_and_hms(2026, 11, 26, 6, 30, 0).unwrap(),
            why: "I couldn't fetch your calendar: its server answered 404".into(),
        });
        insta::assert_snapshot!(message.text, @"I haven't been able to read your calendar since 26 November. The last time, I couldn't fetch your calendar: its server answered 404. Nothing else has changed, but its meetings don't count until I can read it again. If its address changed, `/alliances calendar` takes the new one; `/alliances calendar off` stops it.");
    }

    #[test]
    fn a_refusal_goes_under_the_address_and_a_new_view_replaces_the_modal() {
        assert_eq!(
            render_modal_answer(&ModalAnswer::Refuse("that is not a web address".into())),
            json!({ "response_action": "errors", "errors": { "calendar_address": "that is not a web address" } })
        );
        let shown = render_modal_answer(&ModalAnswer::Show(CalendarModal::Reading));
        assert_eq!(shown["response_action"], "update");
        assert_eq!(shown["view"]["callback_id"], CALENDAR_MODAL_ID);
    }
}
