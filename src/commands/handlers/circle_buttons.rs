//! The three buttons of a leadership circle's check-in: *We met*, *Not
//! yet* and *Skip this round*. Only a member of the circle may press them.
//!
//! *We met* logs one meeting of every member who may still be written to
//! (not opted out, snoozed, deactivated or forgotten), keyed by the
//! circle, so that it is logged once whoever presses it and however often;
//! the check-in is then replaced, for everyone in the group DM, by who
//! logged it — named only if they may be written to. *Not yet* and *Skip
//! this round* are recorded and end the check-in: it is not asked again.
//!
//! A press is first decided ([`decide_press`], pure: whose circle, whether
//! the presser is in it, what to record and log), then done in one place:
//! the answer recorded, then — only if it was, as *We met* — the meeting
//! logged, then the reply written ([`answer_text`], pure).

use super::buttons::Pressed;
use super::{Context, HandlerError};
use crate::commands::Reply;
use crate::domain::{
    Circle, CircleAction, CircleKey, CircleOutcome, Interaction, InteractionKind, PressAnswer,
    UserId,
};
use crate::slack::mention_list;
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};

/// What the presser reads when the press is not theirs to make.
const NOT_A_MEMBER: &str =
    "This check-in is for the members of that leadership circle, so I left it as it is.";

/// What the presser reads when the circle went while they pressed.
const NOT_KEPT: &str = "That leadership circle is no longer kept, so there is nothing to log.";

/// Handles the press of `action` on the check-in of the circle in `value`.
pub(super) async fn circle_button(
    context: &Context<'_>,
    action: CircleAction,
    value: &str,
) -> Result<Pressed, HandlerError> {
    // What the decision rests on: the circle and who in it may be written to.
    let circle = match CircleKey::parse(value) {
        Some(key) => context.store.circle(key).await?,
        None => None,
    };
    let present = match &circle {
        Some(circle) => {
            context
                .store
                .circle_members_to_write(circle, context.now)
                .await?
        }
        None => Vec::new(),
    };
    let Some(answer) = decide_press(action, circle.as_ref(), context.user, &present, context.now)
    else {
        return Ok(below(NOT_A_MEMBER));
    };
    // The effects, in one place: the answer and its meeting, then the reply.
    let Some(kept) = record_press(context.store, &answer).await? else {
        return Ok(below(NOT_KEPT));
    };
    // The answer says what is recorded: on disk first.
    context.commit_before_answering();
    let Some(text) = answer_text(kept.outcome, &present) else {
        return Ok(Pressed::default());
    };
    Ok(Pressed {
        response: Some(PressAnswer::Replacing(Reply::text(text))),
        refresh_home: false,
        modal: None,
    })
}

/// Does the decided `answer`: records it, then logs its meeting, but only
/// if the circle is still kept with the presser in it and its answer is
/// now *We met*. Returns the circle as kept, or `None` when it is gone or
/// the presser left it meanwhile: then nothing is logged.
///
/// The answer goes first so that a press that cannot be recorded never
/// logs a meeting. Should the log fail after the answer was recorded,
/// pressing again finds the circle met and logs it then, once.
async fn record_press(store: &Store, answer: &CircleAnswer) -> Result<Option<Circle>, StoreError> {
    let Some(kept) = store
        .answer_circle(answer.circle, answer.outcome.clone())
        .await?
    else {
        return Ok(None);
    };
    if let (Some(meeting), Some(CircleOutcome::Met { .. })) = (&answer.meeting, &kept.outcome) {
        store
            .log_interaction_once(&answer.once_key(), meeting)
            .await?;
    }
    Ok(Some(kept))
}

/// What a press on a circle's check-in is to record.
#[derive(Debug, Clone, PartialEq)]
struct CircleAnswer {
    /// The circle answered for.
    circle: CircleKey,
    /// The answer, with who pressed and when.
    outcome: CircleOutcome,
    /// With *We met*: the meeting of its members who may be written to,
    /// unless fewer than two are.
    meeting: Option<Interaction>,
}

impl CircleAnswer {
    /// The key its meeting is logged once under, whoever presses.
    fn once_key(&self) -> String {
        format!("circle-met:{}", self.circle)
    }
}

/// Decides the press of `action` by `presser` at `now` on the check-in of
/// `circle` (`None`: unknown, or gone), of whom `present` may be written
/// to: what to record, or `None` when it is not the presser's to make.
fn decide_press(
    action: CircleAction,
    circle: Option<&Circle>,
    presser: &UserId,
    present: &[UserId],
    now: DateTime<Utc>,
) -> Option<CircleAnswer> {
    let circle = circle.filter(|c| c.has_member(presser))?;
    let by = Some(presser.clone());
    let (outcome, meeting) = match action {
        CircleAction::WeMet => {
            let meeting = Interaction::new(
                now,
                InteractionKind::WeMet,
                present.iter().cloned(),
                Some(presser.clone()),
                None,
            );
            (CircleOutcome::Met { by, at: now }, meeting)
        }
        CircleAction::NotYet => (CircleOutcome::NotYet { by, at: now }, None),
        CircleAction::Skip => (CircleOutcome::Skipped { by, at: now }, None),
    };
    Some(CircleAnswer {
        circle: circle.key,
        outcome,
        meeting,
    })
}

/// The text that replaces the check-in once `outcome` is the circle's
/// answer, naming only members of `present`: nothing without an answer.
fn answer_text(outcome: Option<CircleOutcome>, present: &[UserId]) -> Option<String> {
    // Whoever answered is named only while they may be written to.
    let outcome = outcome.map(|o| match o.by() {
        Some(by) if !present.contains(by) => o.without_presser(),
        _ => o,
    })?;
    Some(match outcome {
        CircleOutcome::Met { by, at } => format!(
            ":white_check_mark: You met — logged for all of you by {} on {}. I hope it helped; see you in the next round.",
            by.map_or_else(|| "one of you".to_owned(), |by| format!("<@{by}>")),
            at.format("%a %-d %b")
        ),
        CircleOutcome::NotYet { by, .. } => format!(
            "Not yet — no worries, weeks fill up. When you do get together, `/met` with {} logs it for all of you.{}",
            mention_list(present),
            by.map_or_else(String::new, |by| format!(" (Answered by <@{by}>.)"))
        ),
        CircleOutcome::Skipped { by, .. } => format!(
            "Skipping this round{} — that's fine. I'll bring a new circle together in a few weeks.",
            by.map_or_else(String::new, |by| format!(", as <@{by}> said"))
        ),
    })
}

/// An answer to the presser only, under the message.
fn below(text: &str) -> Pressed {
    Pressed {
        response: Some(PressAnswer::Below(Reply::text(text))),
        refresh_home: false,
        modal: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn user(id: &str) -> UserId {
        UserId::parse(id).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 8, 10, 0, 0).unwrap()
    }

    /// Circle 1-1 of U1, U2 and U3.
    fn circle() -> Circle {
        Circle {
            key: CircleKey { round: 1, index: 1 },
            members: vec![user("U1"), user("U2"), user("U3")],
            formed_at: now() - chrono::Duration::days(7),
            channel: None,
            channel_members: Vec::new(),
            check_in_at: Some(now()),
            outcome: None,
        }
    }

    /// A store in a temporary folder with circle 1-1 of U1, U2 and U3,
    /// all of whom may be written to; keep the folder alive with it.
    async fn store_with_circle() -> (tempfile::TempDir, Store, Circle) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &crate::store::StoreOptions::default()).unwrap();
        for (id, name) in [("U1", "Ada"), ("U2", "Bo"), ("U3", "Cy")] {
            store
                .put_person(&crate::domain::Person::new(user(id), name))
                .await
                .unwrap();
        }
        let saved = store
            .save_circles_and_enqueue(&[], &[circle().members], now())
            .await
            .unwrap();
        let kept = saved.formed[0].clone();
        (dir, store, kept)
    }

    #[tokio::test]
    async fn we_met_pressed_by_a_member_records_the_answer_and_logs_the_meeting_once() {
        let (_dir, store, kept) = store_with_circle().await;
        let present = store.circle_members_to_write(&kept, now()).await.unwrap();
        for presser in ["U1", "U2"] {
            let answer = decide_press(
                CircleAction::WeMet,
                Some(&kept),
                &user(presser),
                &present,
                now(),
            )
            .unwrap();
            let answered = record_press(&store, &answer).await.unwrap().unwrap();
            assert!(matches!(answered.outcome, Some(CircleOutcome::Met { .. })));
        }
        let log = store.interactions().await.unwrap();
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].1.participants, present);
    }

    #[tokio::test]
    async fn we_met_pressed_by_someone_forgotten_meanwhile_logs_no_meeting() {
        let (_dir, store, kept) = store_with_circle().await;
        let present = store.circle_members_to_write(&kept, now()).await.unwrap();
        let answer = decide_press(
            CircleAction::WeMet,
            Some(&kept),
            &user("U1"),
            &present,
            now(),
        )
        .unwrap();
        // U1 asks to be forgotten between the press being decided and done.
        store.forget_person(&user("U1")).await.unwrap();
        assert_eq!(record_press(&store, &answer).await.unwrap(), None);
        assert_eq!(store.interactions().await.unwrap(), Vec::new());
        assert_eq!(store.circle(kept.key).await.unwrap().unwrap().outcome, None);
    }

    #[tokio::test]
    async fn we_met_pressed_on_a_circle_gone_meanwhile_logs_no_meeting() {
        let (_dir, store, kept) = store_with_circle().await;
        let present = kept.members.clone();
        let answer = decide_press(
            CircleAction::WeMet,
            Some(&kept),
            &user("U3"),
            &present,
            now(),
        )
        .unwrap();
        // Two of three forgotten: a circle left with fewer than two goes.
        store.forget_person(&user("U1")).await.unwrap();
        store.forget_person(&user("U2")).await.unwrap();
        assert_eq!(store.circle(kept.key).await.unwrap(), None);
        assert_eq!(record_press(&store, &answer).await.unwrap(), None);
        assert_eq!(store.interactions().await.unwrap(), Vec::new());
    }

    #[test]
    fn a_press_from_outside_the_circle_or_on_an_unknown_one_records_nothing() {
        let everyone = circle().members;
        let outsider = user("U9");
        let decide = |circle: Option<&Circle>, presser: &UserId| {
            decide_press(CircleAction::Skip, circle, presser, &everyone, now())
        };
        assert_eq!(decide(Some(&circle()), &outsider), None);
        assert_eq!(decide(None, &user("U1")), None);
    }

    #[test]
    fn we_met_logs_once_a_meeting_of_the_members_who_may_be_written_to() {
        let present = [user("U1"), user("U2")];
        let answer = decide_press(
            CircleAction::WeMet,
            Some(&circle()),
            &user("U2"),
            &present,
            now(),
        )
        .unwrap();
        assert_eq!(answer.once_key(), "circle-met:1-1");
        assert_eq!(
            answer.outcome,
            CircleOutcome::Met {
                by: Some(user("U2")),
                at: now()
            }
        );
        let meeting = answer.meeting.unwrap();
        assert_eq!(meeting.participants, present, "U3 is left out");
        assert_eq!(meeting.kind, InteractionKind::WeMet);
    }

    #[test]
    fn we_met_logs_nothing_with_fewer_than_two_to_log_and_not_yet_or_skip_never() {
        let alone = [user("U1")];
        let we_met = decide_press(
            CircleAction::WeMet,
            Some(&circle()),
            &user("U1"),
            &alone,
            now(),
        );
        assert_eq!(we_met.unwrap().meeting, None);
        let everyone = circle().members;
        for action in [CircleAction::NotYet, CircleAction::Skip] {
            let answer =
                decide_press(action, Some(&circle()), &user("U1"), &everyone, now()).unwrap();
            assert_eq!(answer.meeting, None, "{action:?}");
        }
    }

    #[test]
    fn the_answer_names_its_presser_only_while_they_may_be_written_to() {
        let present = [user("U1"), user("U2")];
        let answers = [
            CircleOutcome::Met {
                by: Some(user("U1")),
                at: now(),
            },
            CircleOutcome::Met {
                by: Some(user("U3")),
                at: now(),
            },
            CircleOutcome::NotYet {
                by: Some(user("U2")),
                at: now(),
            },
            CircleOutcome::Skipped {
                by: Some(user("U3")),
                at: now(),
            },
        ];
        let texts: Vec<String> = answers
            .into_iter()
            .filter_map(|outcome| answer_text(Some(outcome), &present))
            .collect();
        assert!(texts.iter().all(|t| !t.contains("U3")), "{texts:?}");
        insta::assert_snapshot!(texts.join("\n\n"));
        assert_eq!(answer_text(None, &present), None);
    }
}
