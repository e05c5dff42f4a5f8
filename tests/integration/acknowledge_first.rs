//! Slack wants every request acknowledged within 3 seconds: a button press
//! is, on both transports, however slowly Slack answers the calls the press
//! causes (its `response_url` post, the App Home it publishes again).

use crate::helpers::{
    TestBot, button_press, eventually_within, fake_user, now, spawn_bot, spawn_bot_over_socket,
    user, workspace,
};
use fake_slack::{Delivery, FakeSlack, Fault, Faults};
use std::time::{Duration, Instant};

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

/// Slack answers `views.publish` this late: past its own 3-second deadline
/// for the acknowledgement, were the press to wait for it.
const SLOW_PUBLISH: Duration = Duration::from_secs(5);

/// How soon the press must be acknowledged.
const ACKNOWLEDGED_WITHIN: Duration = Duration::from_secs(1);

/// A workspace whose next `views.publish` is answered after
/// [`SLOW_PUBLISH`].
async fn slow_to_publish() -> FakeSlack {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
    ]))
    .await
    .unwrap();
    fake.set_faults(Faults::seeded(1).next_calls(
        "views.publish",
        1,
        Fault::Slow {
            delay: SLOW_PUBLISH,
        },
    ));
    fake
}

/// Alice pressed *We met* on a nudge about Bilal: the meeting was on disk
/// when the press was acknowledged, and the answer and the App Home follow.
async fn the_press_took_effect(fake: &FakeSlack, bot: &TestBot, response_url: &str) {
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        1,
        "the meeting is logged before the acknowledgement"
    );
    eventually_within(
        "the answer and the App Home follow",
        SLOW_PUBLISH * 2,
        async || {
            fake.responses().iter().any(|r| r.url == response_url)
                && fake.home_view(user("U0000001")).is_some()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_over_http_is_acknowledged_at_once_while_slack_is_slow_to_publish_the_home() {
    let fake = slow_to_publish().await;
    let bot = spawn_bot(&fake, TEAMS).await;
    let url = fake.response_url();
    let payload = button_press("U0000001", "nudge_we_met", "U0000001:U0000002", &url);
    let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();

    let pressed = Instant::now();
    let answer = bot
        .post(
            "/slack/interactivity",
            "application/x-www-form-urlencoded",
            &form,
            Some(now()),
        )
        .await;
    let waited = pressed.elapsed();

    assert_eq!(answer.status().as_u16(), 200);
    assert!(
        waited < ACKNOWLEDGED_WITHIN,
        "acknowledged after {waited:?}"
    );
    the_press_took_effect(&fake, &bot, &url).await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_over_socket_mode_is_acknowledged_at_once_while_slack_is_slow_to_publish_the_home()
{
    let fake = slow_to_publish().await;
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;
    let url = fake.response_url();
    let press = Delivery::Interaction {
        payload: button_press("U0000001", "nudge_we_met", "U0000001:U0000002", &url),
    };

    let pressed = Instant::now();
    fake.deliver_over_socket(&press).await.unwrap();
    let waited = pressed.elapsed();

    assert!(
        waited < ACKNOWLEDGED_WITHIN,
        "acknowledged after {waited:?}"
    );
    the_press_took_effect(&fake, &bot, &url).await;
    bot.stop().await;
}
