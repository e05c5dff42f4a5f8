//! Faults as the client sees them: each kind driven through the real
//! slack-morphism client (as the bot's adapter calls Slack) and through
//! reqwest (to see the bare HTTP), and what each left in the workspace.

use super::tests::{TOKEN, client_for, workspace};
use super::*;
use crate::wait::eventually;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::time::Duration;

fn post(text: &str) -> SlackApiChatPostMessageRequest {
    SlackApiChatPostMessageRequest::new(
        SlackChannelId("C0ALLIANCE".into()),
        SlackMessageContent::new().with_text(text.into()),
    )
}

/// A plain HTTP client that gives up after `timeout`.
fn http_client(timeout: Duration) -> reqwest::Client {
    crate::http_client()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("an HTTP client")
}

/// `chat.postMessage` as a form post, the way most Slack clients send it.
async fn post_with_reqwest(
    fake: &FakeSlack,
    http: &reqwest::Client,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{}/chat.postMessage", fake.api_url()))
        .bearer_auth(TOKEN)
        .form(&[("channel", "C0ALLIANCE"), ("text", "hello")])
        .send()
        .await
}

/// Whether the error, or one of its causes, says the connection closed
/// before an answer came.
fn closed_before_an_answer(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error
            .to_string()
            .contains("connection closed before message completed")
        {
            return true;
        }
        cause = error.source();
    }
    false
}

#[tokio::test]
async fn a_429_fault_reaches_slack_morphism_as_a_rate_limit_with_its_retry_after() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let rate_limited = Fault::RateLimited {
        retry_after_secs: 7,
    };
    fake.set_faults(Faults::seeded(1).next_calls("chat.postMessage", 1, rate_limited.clone()));
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    match session.chat_post_message(&post("hello")).await {
        Err(SlackClientError::RateLimitError(error)) => {
            assert_eq!(error.retry_after, Some(Duration::from_secs(7)));
            assert_eq!(error.code.as_deref(), Some("ratelimited"));
        }
        other => panic!("expected a rate-limit error, got {other:?}"),
    }
    assert!(fake.messages().is_empty(), "a 429 posts nothing");
    let call = &fake.calls()[0];
    assert!(!call.ok);
    assert_eq!(call.error.as_deref(), Some("ratelimited"));
    assert_eq!(call.outcome, CallOutcome::Faulted(rate_limited));

    session
        .chat_post_message(&post("hello"))
        .await
        .expect("the next call is answered");
    assert_eq!(fake.messages().len(), 1);
    assert_eq!(fake.calls()[1].outcome, CallOutcome::Answered);
    fake.stop().await;
}

#[tokio::test]
async fn a_5xx_fault_is_an_http_status_with_an_html_page_and_posts_nothing() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let unavailable = Fault::ServerError { status: 503 };
    fake.set_faults(Faults::seeded(1).next_calls(Methods::All, 2, unavailable));
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    match session.chat_post_message(&post("hello")).await {
        Err(SlackClientError::HttpError(error)) => assert_eq!(error.status_code.as_u16(), 503),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
    let answer = post_with_reqwest(&fake, &http_client(Duration::from_secs(5)))
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 503);
    let content_type = answer.headers()["content-type"].to_str().expect("ASCII");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        answer
            .text()
            .await
            .expect("a body")
            .contains("Service Unavailable")
    );
    assert!(fake.messages().is_empty(), "a 5xx posts nothing");
    fake.stop().await;
}

#[tokio::test]
async fn a_slow_answer_times_out_a_hasty_client_yet_the_message_is_posted() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let slow = Fault::Slow {
        delay: Duration::from_millis(600),
    };
    fake.set_faults(Faults::seeded(1).next_calls("chat.postMessage", 3, slow));

    let error = post_with_reqwest(&fake, &http_client(Duration::from_millis(100)))
        .await
        .expect_err("the client gives up first");
    assert!(error.is_timeout(), "{error:?}");

    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    let hasty = tokio::time::timeout(
        Duration::from_millis(100),
        session.chat_post_message(&post("a")),
    )
    .await;
    assert!(hasty.is_err(), "slack-morphism's call is still waiting");
    eventually("both calls took effect", || fake.messages().len() == 2).await;

    let started = tokio::time::Instant::now();
    session
        .chat_post_message(&post("b"))
        .await
        .expect("a patient client gets its answer");
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(fake.messages().len(), 3);
    fake.stop().await;
}

#[tokio::test]
async fn a_held_answer_comes_only_once_its_gate_opens_though_the_message_is_posted_at_once() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let gate = Gate::default();
    fake.set_faults(Faults::seeded(1).next_calls(
        "chat.postMessage",
        1,
        Fault::Held {
            until: gate.clone(),
        },
    ));
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let held = tokio::spawn(async move {
        let session = client.open_session(&token);
        session.chat_post_message(&post("a")).await.map(|_| ())
    });

    eventually("the held call took effect", || fake.messages().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!held.is_finished(), "the answer waits for the gate");
    gate.open();
    held.await
        .expect("the call's task")
        .expect("the answer, once the gate opens");
    assert_eq!(fake.messages().len(), 1, "posted once");
    fake.stop().await;
}

#[tokio::test]
async fn a_gate_opened_before_its_call_arrives_holds_nothing() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let gate = Gate::default();
    assert_eq!(format!("{gate:?}"), "Gate(shut)");
    gate.open();
    assert_eq!(format!("{gate:?}"), "Gate(open)");
    fake.set_faults(Faults::seeded(1).next_calls(
        "chat.postMessage",
        1,
        Fault::Held { until: gate },
    ));
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    tokio::time::timeout(
        Duration::from_secs(5),
        client.open_session(&token).chat_post_message(&post("a")),
    )
    .await
    .expect("answered at once")
    .expect("an answer");
    fake.stop().await;
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_and_posts_nothing() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.set_faults(Faults::seeded(1).next_calls("chat.postMessage", 2, Fault::DroppedConnection));

    let error = post_with_reqwest(&fake, &http_client(Duration::from_secs(5)))
        .await
        .expect_err("no answer");
    assert!(error.status().is_none() && !error.is_timeout(), "{error:?}");
    assert!(closed_before_an_answer(&error), "{error:?}");

    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    match session.chat_post_message(&post("hello")).await {
        // Its error keeps hyper's cause without exposing it as a source.
        Err(SlackClientError::HttpProtocolError(error)) => {
            assert!(
                format!("{error:?}").contains("IncompleteMessage"),
                "{error:?}"
            );
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(fake.messages().is_empty(), "a dropped call posts nothing");
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "neither client retried behind our back");
    assert!(
        calls
            .iter()
            .all(|c| c.outcome == CallOutcome::Faulted(Fault::DroppedConnection))
    );
    fake.stop().await;
}

#[tokio::test]
async fn a_drop_after_effect_posts_once_and_a_retry_posts_it_again() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.set_faults(Faults::seeded(1).next_calls("chat.postMessage", 1, Fault::DroppedAfterEffect));
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let lost = session.chat_post_message(&post("hello")).await;
    assert!(
        matches!(lost, Err(SlackClientError::HttpProtocolError(_))),
        "{lost:?}"
    );
    assert_eq!(
        fake.messages().len(),
        1,
        "posted, though the answer was lost"
    );
    let call = &fake.calls()[0];
    assert!(call.ok, "it took effect");
    assert_eq!(
        call.outcome,
        CallOutcome::Faulted(Fault::DroppedAfterEffect)
    );

    session
        .chat_post_message(&post("hello"))
        .await
        .expect("the retry is answered");
    let texts: Vec<String> = fake.messages().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["hello", "hello"], "a blind retry posts twice");
    fake.stop().await;
}

/// Which of 40 `auth.test` calls a 30% fault rate seeded with `seed` hits.
async fn hit_pattern(fake: &FakeSlack, seed: u64) -> Vec<bool> {
    fake.set_faults(Faults::seeded(seed).at_rate(
        Methods::All,
        0.3,
        Fault::ServerError { status: 500 },
    ));
    let http = http_client(Duration::from_secs(5));
    let mut hits = Vec::new();
    for _ in 0..40 {
        let answer = http
            .get(format!("{}/auth.test", fake.api_url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("an answer");
        hits.push(answer.status() == 500);
    }
    hits
}

#[tokio::test]
async fn faults_at_a_rate_hit_the_same_calls_with_the_same_seed() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let first = hit_pattern(&fake, 42).await;
    let again = hit_pattern(&fake, 42).await;
    let other = hit_pattern(&fake, 43).await;
    assert_eq!(first, again);
    assert_ne!(first, other);
    assert!(first.contains(&true) && first.contains(&false), "{first:?}");
    fake.stop().await;
}

#[tokio::test]
async fn cleared_faults_leave_calls_alone() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.set_faults(Faults::seeded(1).at_rate(Methods::All, 1.0, Fault::DroppedConnection));
    fake.clear_faults();
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    client
        .open_session(&token)
        .chat_post_message(&post("hello"))
        .await
        .expect("answered");
    assert_eq!(fake.messages().len(), 1);
    fake.stop().await;
}
