//! The three buttons of a leadership circle's check-in: *We met*, *Not
//! yet* and *Skip this round*. Only a member of the circle may press them.
//!
//! *We met* logs one meeting of every member who may still be written to
//! (not opted out, snoozed, deactivated or forgotten), keyed by the
//! circle, so that it is logged once whoever presses it and however often;
//! the check-in is then replaced, for everyone in the group DM, by who
//! logged it — named only if they may be written to. *Not yet* and *Skip
//! this round* are recorded and end the check-in: it is not asked again.

use super::buttons::Pressed;
use super::{Context, HandlerError};
use crate::commands::Reply;
use crate::domain::{
    CircleAction, CircleKey, CircleOutcome, Interaction, InteractionKind, PressAnswer,
};
use crate::slack::mention_list;

/// Handles the press of `action` on the check-in of the circle in `value`.
pub(super) fn circle_button(
    context: &Context<'_>,
    action: CircleAction,
    value: &str,
) -> Result<Pressed, HandlerError> {
    let circle = match CircleKey::parse(value) {
        Some(key) => context.store.circle(key)?,
        None => None,
    };
    let Some(circle) = circle.filter(|c| c.has_member(context.user)) else {
        return Ok(below(
            "This check-in is for the members of that leadership circle, so I left it as it is.",
        ));
    };
    let by = Some(context.user.clone());
    let at = context.now;
    let outcome = match action {
        CircleAction::WeMet => CircleOutcome::Met { by, at },
        CircleAction::NotYet => CircleOutcome::NotYet { by, at },
        CircleAction::Skip => CircleOutcome::Skipped { by, at },
    };
    // Who may be logged and named: not opted out, snoozed, deactivated or
    // forgotten.
    let present = context
        .store
        .circle_members_to_write(&circle, context.now)?;
    if action == CircleAction::WeMet {
        let meeting = Interaction::new(
            context.now,
            InteractionKind::WeMet,
            present.iter().cloned(),
            Some(context.user.clone()),
            None,
        );
        if let Some(meeting) = meeting {
            context
                .store
                .log_interaction_once(&format!("circle-met:{}", circle.key), &meeting)?;
        }
    }
    let Some(kept) = context.store.answer_circle(circle.key, outcome)? else {
        return Ok(below(
            "That leadership circle is no longer kept, so there is nothing to log.",
        ));
    };
    // The answer says what is recorded: on disk first.
    context.commit_before_answering();
    // Whoever answered is named only while they may be written to.
    let outcome = kept.outcome.map(|o| match o.by() {
        Some(by) if !present.contains(by) => o.without_presser(),
        _ => o,
    });
    let text = match outcome {
        Some(CircleOutcome::Met { by, at }) => format!(
            ":white_check_mark: You met — logged for all of you by {} on {}. I hope it helped; see you in the next round.",
            by.map_or_else(|| "one of you".to_owned(), |by| format!("<@{by}>")),
            at.format("%a %-d %b")
        ),
        Some(CircleOutcome::NotYet { by, .. }) => format!(
            "Not yet — no worries, weeks fill up. When you do get together, `/met` with {} logs it for all of you.{}",
            mention_list(&present),
            by.map_or_else(String::new, |by| format!(" (Answered by <@{by}>.)"))
        ),
        Some(CircleOutcome::Skipped { by, .. }) => format!(
            "Skipping this round{} — that's fine. I'll bring a new circle together in a few weeks.",
            by.map_or_else(String::new, |by| format!(", as <@{by}> said"))
        ),
        None => return Ok(Pressed::default()),
    };
    Ok(Pressed {
        response: Some(PressAnswer::Replacing(Reply::text(text))),
        refresh_home: false,
    })
}

/// An answer to the presser only, under the message.
fn below(text: &str) -> Pressed {
    Pressed {
        response: Some(PressAnswer::Below(Reply::text(text))),
        refresh_home: false,
    }
}
