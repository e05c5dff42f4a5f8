//! Slack wants every request acknowledged within 3 seconds: a button press
//! is, on both transports, however slowly Slack answers the calls the press
//! causes (its `response_url` post, the App Home it publishes again).

use crate::helpers::{
    TestBot, button_press, eventually, fake_user, now, spawn_bot, spawn_bot_over_socket, user,
    workspace,
};
use fake_slack::{Delivery, FakeSlack, Fault, Faults, Gate};
use std::time::Duration;

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

/// How soon the press must be acknowledged: Slack's deadline.
const ACKNOWLEDGED_WITHIN: Duration = Duration::from_secs(3);

/// A workspace whose next `views.publish` takes effect but is answered only
/// once the gate returned is opened: past Slack's own 3-second deadline
/// for the acknowledgement, or any other, were the press to wait for it.
async fn holding_the_publish() -> (FakeSlack, Gate) {
    let fake = FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
    ]))
    .await
    .unwrap();
    let published = Gate::default();
    fake.set_faults(Faults::seeded(1).next_calls(
        "views.publish",
        1,
        Fault::Held {
            until: published.clone(),
        },
    ));
    (fake, published)
}

/// Alice pressed *We met* on a nudge about Bilal: the meeting was on disk
/// when the press was acknowledged, and once Slack answers the publish,
/// the answer and the App Home follow.
async fn the_press_took_effect(
    fake: &FakeSlack,
    published: Gate,
    bot: &TestBot,
    response_url: &str,
) {
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        1,
        "the meeting is logged before the acknowledgement"
    );
    published.open();
    eventually("the answer and the App Home follow", async || {
        fake.responses().iter().any(|r| r.url == response_url)
            && fake.home_view(user("U0000001")).is_some()
    })
    .await;
}

/// What `acknowledged` gave, were it given within [`ACKNOWLEDGED_WITHIN`].
async fn at_once<T>(acknowledged: impl Future<Output = T>) -> T {
    tokio::time::timeout(ACKNOWLEDGED_WITHIN, acknowledged)
        .await
        .unwrap_or_else(|_| {
            panic!("not acknowledged within {ACKNOWLEDGED_WITHIN:?}, while Slack held the publish")
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_over_http_is_acknowledged_at_once_while_slack_is_slow_to_publish_the_home() {
    let (fake, published) = holding_the_publish().await;
    let bot = spawn_bot(&fake, TEAMS).await;
    let url = fake.response_url();
    let payload = button_press("U0000001", "nudge_we_met", "U0000001:U0000002", &url);
    let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();

    let answer = at_once(bot.post(
        "/slack/interactivity",
        "application/x-www-form-urlencoded",
        &form,
        Some(now()),
    ))
    .await;

    assert_eq!(answer.status().as_u16(), 200);
    the_press_took_effect(&fake, published, &bot, &url).await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_press_over_socket_mode_is_acknowledged_at_once_while_slack_is_slow_to_publish_the_home()
{
    let (fake, published) = holding_the_publish().await;
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;
    let url = fake.response_url();
    let press = Delivery::Interaction {
        payload: button_press("U0000001", "nudge_we_met", "U0000001:U0000002", &url),
    };

    at_once(fake.deliver_over_socket(&press)).await.unwrap();

    the_press_took_effect(&fake, published, &bot, &url).await;
    bot.stop().await;
}
