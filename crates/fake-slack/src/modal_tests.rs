//! Modals end to end: a delivery issues a trigger id, the bot opens a
//! modal with it through the real slack-morphism client, and the modal is
//! submitted back to the bot in the shape slack-morphism reads.

use super::tests::{api_error_code, client_for, workspace};
use super::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use serde_json::Value;
use slack_morphism::prelude::*;
use std::sync::{Arc, Mutex};

/// A bot that acknowledges everything with an empty 200 and keeps the
/// bodies it received.
async fn spawn_quiet_bot() -> (String, Arc<Mutex<Vec<String>>>) {
    async fn acknowledge(State(bodies): State<Arc<Mutex<Vec<String>>>>, body: Bytes) {
        let body = String::from_utf8_lossy(&body).into_owned();
        bodies.lock().expect("not poisoned").push(body);
    }
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let router = Router::new()
        .route("/slack/commands", post(acknowledge))
        .route("/slack/interactivity", post(acknowledge))
        .with_state(Arc::clone(&bodies));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), bodies)
}

/// The modal the bot opens to log a meeting.
fn log_meeting_modal() -> SlackView {
    let note: SlackBlock = SlackInputBlock::new(
        pt!("What did you talk about?"),
        SlackInputBlockElement::PlainTextInput(
            SlackBlockPlainTextInputElement::new().with_action_id("text".into()),
        ),
    )
    .with_block_id("note".into())
    .into();
    SlackView::Modal(
        SlackModalView::new(pt!("Log a meeting"), vec![note])
            .with_submit(pt!("Log"))
            .with_callback_id("log_meeting".into())
            .with_private_metadata("C0ALLIANCE".into()),
    )
}

fn trigger_of(delivery: &Delivery) -> SlackTriggerId {
    match delivery {
        Delivery::SlashCommand { trigger_id, .. } => SlackTriggerId(trigger_id.clone()),
        Delivery::Interaction { payload } => {
            SlackTriggerId(payload["trigger_id"].as_str().unwrap_or_default().into())
        }
        Delivery::Event { .. } => panic!("an event issues no trigger"),
    }
}

#[tokio::test]
async fn a_delivered_trigger_opens_one_modal_for_whoever_typed_the_command() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let (bot, _) = spawn_quiet_bot().await;
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    let command = fake.slash_command("/met", "", "U0000001", "C0ALLIANCE");
    let undelivered = fake.slash_command("/met", "", "U0000002", "C0ALLIANCE");
    fake.deliver_over_http(&bot, &command)
        .await
        .expect("answered");

    let open = SlackApiViewsOpenRequest::new(trigger_of(&command), log_meeting_modal());
    let opened = session.views_open(&open).await.expect("opened");
    let again = session.views_open(&open).await;
    let made_up = SlackApiViewsOpenRequest::new(
        SlackTriggerId("12345.98765.abcd2358fdea".into()),
        log_meeting_modal(),
    );
    let never_sent = SlackApiViewsOpenRequest::new(trigger_of(&undelivered), log_meeting_modal());

    assert_eq!(opened.view.state_params.id.0, "VMODAL0001");
    assert_eq!(api_error_code(again), "exchanged_trigger_id");
    assert_eq!(
        api_error_code(session.views_open(&made_up).await),
        "invalid_trigger_id"
    );
    assert_eq!(
        api_error_code(session.views_open(&never_sent).await),
        "invalid_trigger_id"
    );
    let modals = fake.modals_opened("U0000001");
    assert_eq!(modals.len(), 1);
    assert_eq!(modals[0]["id"], "VMODAL0001");
    assert_eq!(modals[0]["callback_id"], "log_meeting");
    assert_eq!(modals[0]["title"]["text"], "Log a meeting");
    assert!(fake.modals_opened("U0000002").is_empty());
    fake.stop().await;
}

#[tokio::test]
async fn a_submitted_modal_reaches_the_bot_as_slack_sends_it_with_a_fresh_trigger() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let (bot, bodies) = spawn_quiet_bot().await;
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    let command = fake.slash_command("/met", "", "U0000001", "C0ALLIANCE");
    fake.deliver_over_http(&bot, &command)
        .await
        .expect("answered");
    let open = SlackApiViewsOpenRequest::new(trigger_of(&command), log_meeting_modal());
    session.views_open(&open).await.expect("opened");
    let opened = &fake.modals_opened("U0000001")[0];

    let submission = fake.view_submission("U0000001", opened, &[("note", "text", "Q3, «roadmap»")]);
    let answer = fake
        .deliver_over_http(&bot, &submission)
        .await
        .expect("answered");

    assert_eq!(answer.status, 200);
    let received = bodies.lock().expect("not poisoned")[1].clone();
    let url = reqwest::Url::parse(&format!("http://form.invalid/?{received}")).expect("a form");
    let (_, payload) = url
        .query_pairs()
        .find(|(name, _)| name == "payload")
        .expect("a payload field");
    let event: SlackInteractionEvent = serde_json::from_str(&payload).expect("Slack's shape");
    let SlackInteractionEvent::ViewSubmission(submitted) = event else {
        panic!("a view_submission, got {payload}");
    };
    assert_eq!(submitted.user.id.0, "U0000001");
    assert_eq!(submitted.user.name.as_deref(), Some("person.1"));
    assert_eq!(submitted.team.id.0, TEAM_ID);
    assert_eq!(submitted.view.state_params.id.0, "VMODAL0001");
    let SlackView::Modal(modal) = &submitted.view.view else {
        panic!("a modal");
    };
    assert_eq!(
        modal.callback_id.as_ref().map(|c| c.0.as_str()),
        Some("log_meeting")
    );
    assert_eq!(modal.private_metadata.as_deref(), Some("C0ALLIANCE"));
    let state = submitted.view.state_params.state.expect("a state");
    let note = &state.values[&SlackBlockId("note".into())][&SlackActionId("text".into())];
    assert_eq!(note.value.as_deref(), Some("Q3, «roadmap»"));
    let raw: Value = serde_json::from_str(&payload).expect("JSON");
    assert_eq!(raw["api_app_id"], APP_ID);
    assert_eq!(raw["token"], VERIFICATION_TOKEN);

    // The submission's own trigger lets the bot open the next modal.
    let next = SlackApiViewsOpenRequest::new(trigger_of(&submission), log_meeting_modal());
    session.views_open(&next).await.expect("opened again");
    assert_eq!(fake.modals_opened("U0000001").len(), 2);
    fake.stop().await;
}

#[tokio::test]
async fn an_open_modal_is_updated_in_place_by_its_id() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let (bot, _) = spawn_quiet_bot().await;
    let session_client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = session_client.open_session(&token);
    let command = fake.slash_command("/met", "", "U0000001", "C0ALLIANCE");
    fake.deliver_over_http(&bot, &command)
        .await
        .expect("answered");
    let open = SlackApiViewsOpenRequest::new(trigger_of(&command), log_meeting_modal());
    let opened = session.views_open(&open).await.expect("opened");
    let done = SlackView::Modal(SlackModalView::new(
        pt!("Logged"),
        vec![SlackSectionBlock::new().with_text(md!("Done")).into()],
    ));

    let update = SlackApiViewsUpdateRequest::new(done.clone())
        .with_view_id(opened.view.state_params.id.clone());
    let updated = session.views_update(&update).await.expect("updated");
    let unknown = SlackApiViewsUpdateRequest::new(done.clone()).with_view_id("VNOPE".into());
    let stale = SlackApiViewsUpdateRequest::new(done)
        .with_view_id(opened.view.state_params.id.clone())
        .with_hash(opened.view.state_params.hash.clone());

    assert_eq!(updated.view.state_params.id, opened.view.state_params.id);
    assert_eq!(
        api_error_code(session.views_update(&unknown).await),
        "not_found"
    );
    assert_eq!(
        api_error_code(session.views_update(&stale).await),
        "hash_conflict"
    );
    let modals = fake.modals_opened("U0000001");
    assert_eq!(modals.len(), 1, "the same modal, showing something else");
    assert_eq!(modals[0]["title"]["text"], "Logged");
}
