//! HTTP deliveries and `response_url`s end to end: the fake posts to a tiny
//! axum "bot" in the test, which checks each signature with
//! slack-morphism's verifier (the one the bot's HTTP mode uses) and answers;
//! the bot's later answers to a `response_url` are recorded.

use super::tests::{client_for, workspace};
use super::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use slack_morphism::prelude::*;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One request as the test bot received it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    content_type: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// The test bot: the secret it trusts and what it received.
#[derive(Clone)]
struct Bot {
    secret: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Bot {
    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("not poisoned").clone()
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Records the request, answers 401 to a bad signature, and otherwise what
/// a bot answers on each route: an ephemeral reply to a command, an empty
/// 200 to a button, plain text to an event.
async fn bot_endpoint(
    State(bot): State<Bot>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let received = Received {
        path: uri.path().to_owned(),
        content_type: header(&headers, "content-type"),
        timestamp: header(&headers, "x-slack-request-timestamp"),
        signature: header(&headers, "x-slack-signature"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    bot.received
        .lock()
        .expect("not poisoned")
        .push(received.clone());
    let verifier = SlackEventSignatureVerifier::new(&SlackSigningSecret(bot.secret.clone()));
    if verifier
        .verify(&received.signature, &received.body, &received.timestamp)
        .is_err()
    {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"bad signature"}"#.into(),
        );
    }
    match uri.path() {
        "/slack/commands" => (
            StatusCode::OK,
            json!({ "response_type": "ephemeral", "text": "Logged." }).to_string(),
        ),
        "/slack/interactivity" => (StatusCode::OK, String::new()),
        _ => (StatusCode::OK, "ok".into()),
    }
}

/// Serves the test bot on a free port; its base URL.
async fn spawn_bot(secret: &str) -> (String, Bot) {
    let bot = Bot {
        secret: secret.to_owned(),
        received: Arc::default(),
    };
    let router = Router::new()
        .route("/slack/commands", post(bot_endpoint))
        .route("/slack/interactivity", post(bot_endpoint))
        .route("/slack/events", post(bot_endpoint))
        .with_state(bot.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}"), bot)
}

/// A form body's fields.
fn form_fields(body: &str) -> HashMap<String, String> {
    let url = reqwest::Url::parse(&format!("http://form.invalid/?{body}")).expect("a form body");
    url.query_pairs().into_owned().collect()
}

/// The signature computed here, independently of [`sign`].
fn expected_signature(secret: &str, received: &Received) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{}:{}", received.timestamp, received.body).as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn a_slash_command_is_posted_form_encoded_signed_now_and_the_bots_answer_returned() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let (base, bot) = spawn_bot(fake.signing_secret()).await;
    let command = fake.slash_command("/met", "<@U0000002> lunch", "U0000001", "C0ALLIANCE");

    let answer = fake
        .deliver_over_http(&format!("{base}/"), &command)
        .await
        .expect("answered");

    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!({ "response_type": "ephemeral", "text": "Logged." })
    );
    let received = bot.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.path, "/slack/commands");
    assert_eq!(request.content_type, "application/x-www-form-urlencoded");
    assert_eq!(
        request.signature,
        expected_signature(fake.signing_secret(), request)
    );
    let sent_at: i64 = request.timestamp.parse().expect("Unix seconds");
    assert!(
        (chrono::Utc::now().timestamp() - sent_at).abs() < 60,
        "{sent_at}"
    );
    let fields = form_fields(&request.body);
    assert_eq!(fields["command"], "/met");
    assert_eq!(fields["text"], "<@U0000002> lunch");
    assert_eq!(fields["user_id"], "U0000001");
    assert_eq!(fields["user_name"], "person.1");
    assert_eq!(fields["channel_name"], "alliances");
    assert_eq!(fields["team_id"], TEAM_ID);
    let Delivery::SlashCommand {
        response_url,
        trigger_id,
        ..
    } = &command
    else {
        panic!("a slash command");
    };
    assert_eq!(&fields["response_url"], response_url);
    assert_eq!(&fields["trigger_id"], trigger_id);
    fake.stop().await;
}

#[tokio::test]
async fn an_interaction_is_a_payload_field_and_an_event_is_a_signed_event_callback() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let (base, bot) = spawn_bot(fake.signing_secret()).await;
    let payload = json!({ "type": "block_actions", "actions": [{ "action_id": "snooze" }] });
    let button = Delivery::Interaction {
        payload: payload.clone(),
    };
    let event = Delivery::Event {
        event_id: "Ev0GONE".into(),
        event: json!({ "type": "app_uninstalled" }),
        event_time: 1_700_000_000,
    };

    let pressed = fake
        .deliver_over_http(&base, &button)
        .await
        .expect("answered");
    let pushed = fake
        .deliver_over_http(&base, &event)
        .await
        .expect("answered");

    assert_eq!((pressed.status, pressed.body), (200, json!({})));
    assert_eq!((pushed.status, pushed.body), (200, json!("ok")));
    let received = bot.received();
    assert_eq!(received[0].path, "/slack/interactivity");
    let sent: Value = serde_json::from_str(&form_fields(&received[0].body)["payload"])
        .expect("the payload field holds JSON");
    assert_eq!(sent, payload);
    assert_eq!(received[1].path, "/slack/events");
    assert_eq!(received[1].content_type, "application/json");
    let callback: SlackPushEvent = serde_json::from_str(&received[1].body).expect("Slack's shape");
    let SlackPushEvent::EventCallback(callback) = callback else {
        panic!("an event_callback, got {}", received[1].body);
    };
    assert_eq!(callback.event_id.0, "Ev0GONE");
    assert_eq!(callback.api_app_id.0, APP_ID);
    assert!(matches!(
        callback.event,
        SlackEventCallbackBody::AppUninstalled(_)
    ));
    assert!(
        received
            .iter()
            .all(|r| r.signature == expected_signature(fake.signing_secret(), r))
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_request_signed_with_another_secret_gets_the_bots_refusal_as_its_answer() {
    let mut other = workspace(3);
    other.signing_secret = "not-the-bots-secret".into();
    let fake = FakeSlack::start(other).await.expect("fake starts");
    let (base, _bot) = spawn_bot(DEFAULT_SIGNING_SECRET).await;
    let event = Delivery::Event {
        event_id: "Ev1".into(),
        event: json!({ "type": "app_uninstalled" }),
        event_time: 1_700_000_000,
    };

    let answer = fake
        .deliver_over_http(&base, &event)
        .await
        .expect("answered");

    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, json!({ "error": "bad signature" }));
    fake.stop().await;
}

#[tokio::test]
async fn a_bot_that_is_not_listening_is_a_delivery_error() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    // Bind and drop: the port is free and nobody listens on it.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let event = Delivery::Event {
        event_id: "Ev1".into(),
        event: json!({ "type": "app_uninstalled" }),
        event_time: 1_700_000_000,
    };

    let answer = fake
        .deliver_over_http(&format!("http://{closed}"), &event)
        .await;

    assert!(matches!(answer, Err(DeliveryError::Http(_))), "{answer:?}");
    fake.stop().await;
}

#[tokio::test]
async fn posts_to_a_response_url_are_recorded_five_times_at_most() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let url = fake.response_url();
    let client = client_for(&fake);
    let reply = SlackApiPostWebhookMessageRequest::new(
        SlackMessageContent::new().with_text("Logged your lunch.".into()),
    )
    .with_replace_original(true);

    client
        .respond_to_event(&SlackResponseUrl(url.parse().expect("a URL")), &reply)
        .await
        .expect("accepted");
    let http = crate::http_client().no_proxy().build().expect("a client");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let posted = http
            .post(&url)
            .json(&json!({ "delete_original": true }))
            .send()
            .await
            .expect("answered");
        statuses.push(posted.status().as_u16());
    }
    let unknown = http
        .post(format!("{}x", url))
        .json(&json!({ "text": "hi" }))
        .send()
        .await
        .expect("answered");
    let not_json = http
        .post(fake.response_url())
        .body("text=hi")
        .send()
        .await
        .expect("answered");

    assert_eq!(statuses, [200, 200, 200, 200, 404]);
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(not_json.status().as_u16(), 400);
    let responses = fake.responses();
    assert_eq!(responses.len(), 5);
    assert_eq!(responses[0].url, url);
    assert_eq!(
        responses[0].body,
        json!({ "text": "Logged your lunch.", "replace_original": true })
    );
    assert_eq!(responses[4].body, json!({ "delete_original": true }));
    assert!(
        fake.calls().is_empty(),
        "a response_url is not a Web API call"
    );
    fake.stop().await;
}
