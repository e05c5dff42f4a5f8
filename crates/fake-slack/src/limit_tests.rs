//! Slack's rate limits as the client meets them: driven through the real
//! slack-morphism client, which reads the 429 and its `Retry-After`.

use super::tests::{client_for, workspace};
use super::*;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::time::Duration;

fn post_to(channel: &str) -> SlackApiChatPostMessageRequest {
    SlackApiChatPostMessageRequest::new(
        SlackChannelId(channel.into()),
        SlackMessageContent::new().with_text("Three new alliances this week.".into()),
    )
}

/// The wait a rate-limit error asks for; a panic for any other outcome.
fn retry_after<T: std::fmt::Debug>(result: Result<T, SlackClientError>) -> Duration {
    match result {
        Err(SlackClientError::RateLimitError(error)) => {
            assert_eq!(error.code.as_deref(), Some("ratelimited"));
            error.retry_after.expect("a Retry-After header")
        }
        other => panic!("expected a rate-limit error, got {other:?}"),
    }
}

#[tokio::test]
async fn limits_are_off_unless_asked_for() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);
    for _ in 0..30 {
        session
            .users_list(&SlackApiUsersListRequest::new())
            .await
            .expect("answered");
    }
    assert!(fake.violations().is_empty());
    fake.stop().await;
}

#[tokio::test]
async fn a_burst_over_a_methods_tier_gets_429s_with_a_retry_after_and_is_reported() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.enforce_limits(Limits::slack());
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let mut answered = 0;
    let mut waits = Vec::new();
    for _ in 0..25 {
        match session.users_list(&SlackApiUsersListRequest::new()).await {
            Ok(_) => answered += 1,
            refused => waits.push(retry_after(refused)),
        }
    }

    // Tier 2 allows 20 at once, then one every 3 s: a slow machine may
    // have earned one more by the end of the burst.
    assert!((20..=21).contains(&answered), "{answered} answered");
    assert_eq!(answered + waits.len(), 25);
    assert!(
        waits
            .iter()
            .all(|wait| (Duration::from_secs(1)..=Duration::from_secs(3)).contains(wait)),
        "{waits:?}"
    );
    let violations = fake.violations();
    assert_eq!(violations.len(), waits.len());
    for violation in &violations {
        assert_eq!(violation.method, "users.list");
        assert_eq!(violation.channel, None);
        assert_eq!(violation.allowed_per_minute, 20.0);
    }
    let refused: Vec<RecordedCall> = fake.calls().into_iter().filter(|c| !c.ok).collect();
    assert_eq!(refused.len(), waits.len());
    assert!(
        refused
            .iter()
            .all(|c| matches!(c.outcome, CallOutcome::OverLimit { .. }))
    );
    fake.stop().await;
}

#[tokio::test]
async fn calls_within_every_limit_are_never_refused() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.enforce_limits(Limits::slack());
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    for _ in 0..20 {
        session
            .users_list(&SlackApiUsersListRequest::new())
            .await
            .expect("within Tier 2");
    }
    let open =
        SlackApiConversationsOpenRequest::new().with_users(vec![SlackUserId("U0000001".into())]);
    for _ in 0..50 {
        session
            .conversations_open(&open)
            .await
            .expect("within Tier 3");
    }
    for channel in ["#alliances", "#general"] {
        for _ in 0..3 {
            session
                .chat_post_message(&post_to(channel))
                .await
                .expect("within the channel's burst");
        }
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    assert_eq!(fake.messages().len(), 6);
    fake.stop().await;
}

#[tokio::test]
async fn post_message_is_limited_per_channel_and_channels_are_independent() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.enforce_limits(Limits::slack());
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    // By name and by id: the same channel, the same budget.
    for channel in ["#alliances", "C0ALLIANCE", "alliances"] {
        session
            .chat_post_message(&post_to(channel))
            .await
            .expect("a short burst is allowed");
    }
    let wait = retry_after(session.chat_post_message(&post_to("C0ALLIANCE")).await);
    assert_eq!(wait, Duration::from_secs(1));
    session
        .chat_post_message(&post_to("#general"))
        .await
        .expect("another channel has its own budget");

    assert_eq!(
        fake.messages().len(),
        4,
        "the refused message was not posted"
    );
    let violations = fake.violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].method, "chat.postMessage");
    assert_eq!(violations[0].channel.as_deref(), Some("C0ALLIANCE"));
    assert_eq!(violations[0].allowed_per_minute, 60.0);
    fake.stop().await;
}

#[tokio::test]
async fn scaled_limits_refill_in_a_fraction_of_the_time() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    let limits = Limits::scaled(60.0);
    assert_eq!(limits.allowed_per_minute("users.list"), Some(1_200.0));
    fake.enforce_limits(limits);
    let client = client_for(&fake);
    let token = SlackApiToken::new(fake.bot_token().into());
    let session = client.open_session(&token);

    let mut refused = None;
    for _ in 0..100 {
        if let Err(error) = session.users_list(&SlackApiUsersListRequest::new()).await {
            refused = Some(retry_after::<()>(Err(error)));
            break;
        }
    }
    assert_eq!(
        refused,
        Some(Duration::from_secs(1)),
        "a 50 ms wait is still asked for in whole seconds"
    );
    let violation = &fake.violations()[0];
    assert!(
        violation.retry_after <= Duration::from_millis(50),
        "{violation:?}"
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while session
        .users_list(&SlackApiUsersListRequest::new())
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no refill within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    fake.stop().await;
}

#[tokio::test]
async fn lifted_limits_keep_the_violations_seen() {
    let fake = FakeSlack::start(workspace(3)).await.expect("fake starts");
    fake.enforce_limits(Limits::slack());
    let client = client_for(&fake);
    let app_token = SlackApiToken::new(fake.app_token().into());
    let app = client.open_session(&app_token);
    app.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await
        .expect("Tier 1 allows one a minute");
    let wait = retry_after(
        app.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
            .await,
    );
    assert_eq!(wait, Duration::from_secs(60));

    fake.lift_limits();
    app.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new())
        .await
        .expect("no limit once lifted");
    assert_eq!(fake.violations().len(), 1);
    fake.stop().await;
}
