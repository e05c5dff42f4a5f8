//! The front door over Socket Mode, the default: the bot opens a WebSocket
//! to the fake Slack, which sends slash commands, button presses and events
//! down it and reads the acknowledgements.

use crate::helpers::{button_press, eventually, spawn_bot_configured, spawn_bot_over_socket, user};
use alliances::scheduler::JobKind;
use chrono::Utc;
use fake_slack::{Delivery, FakeSlack};
use serde_json::json;
use std::time::Duration;

const TEAMS: &str = crate::helpers::PAYMENTS_AND_PLATFORM;

use crate::helpers::{alice_and_bilal as company, alliance_channel as channel};

/// The last answer posted to `url`, once there is one: a press is
/// acknowledged first and answered after.
async fn answer_at(fake: &FakeSlack, url: &str) -> serde_json::Value {
    eventually("the press is answered", async || {
        fake.responses().iter().any(|r| r.url == url)
    })
    .await;
    fake.responses()
        .into_iter()
        .filter(|r| r.url == url)
        .map(|r| r.body)
        .next_back()
        .expect("an answer, just seen")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_over_the_socket_is_answered_in_its_acknowledgement() {
    let fake = company().await;
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;

    let command = fake.slash_command(
        "/met",
        "<@U0000002> yesterday lunch",
        user("U0000001"),
        channel(),
    );
    let answer = fake.deliver_over_socket(&command).await.unwrap();

    let text = answer.body["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("Logged: you met <@U0000002> (Platform) yesterday — lunch."),
        "{}",
        answer.body
    );
    assert_eq!(answer.body["response_type"], "ephemeral");
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 1);

    // The same envelope again (a redelivery) logs nothing twice.
    let again = fake.deliver_over_socket(&command).await.unwrap();
    assert!(
        again.body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("already logged"),
        "{}",
        again.body
    );
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_reconnects_when_slack_asks_it_to_and_keeps_answering() {
    let fake = company().await;
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;

    assert_eq!(fake.disconnect_socket("refresh_requested"), 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let answer = loop {
        let command = fake.slash_command("/alliances", "help", user("U0000001"), channel());
        if let Ok(answer) = fake.deliver_over_socket(&command).await {
            break answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not reconnect"
        );
        fake.wait_for_socket(Duration::from_millis(200)).await;
    };
    assert!(
        answer.body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("/alliances status"),
        "{}",
        answer.body
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nudge_buttons_log_snooze_pause_and_explain() {
    let fake = company().await;
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;
    let met = fake.slash_command(
        "/met",
        "<@U0000002> 2026-01-05 coffee about the roadmap",
        user("U0000001"),
        channel(),
    );
    fake.deliver_over_socket(&met).await.unwrap();

    let press = |action: &str| {
        let url = fake.response_url();
        (
            url.clone(),
            Delivery::Interaction {
                payload: button_press("U0000001", action, "U0000001:U0000002", &url),
            },
        )
    };
    let (why_url, why) = press("nudge_why");
    fake.deliver_over_socket(&why).await.unwrap();
    let explained = answer_at(&fake, &why_url).await;
    let text = explained["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("<@U0000002> (Platform) last met on Mon 5 Jan 2026"),
        "{text}"
    );
    assert!(
        text.contains("last time: coffee about the roadmap"),
        "{text}"
    );
    assert_eq!(explained["replace_original"], false);

    let (met_url, we_met) = press("nudge_we_met");
    fake.deliver_over_socket(&we_met).await.unwrap();
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        2,
        "We met logs a meeting dated today"
    );
    let replaced = answer_at(&fake, &met_url).await;
    assert_eq!(replaced["replace_original"], true);

    let (_, snooze) = press("nudge_snooze");
    fake.deliver_over_socket(&snooze).await.unwrap();
    let (_, not_relevant) = press("nudge_not_relevant");
    fake.deliver_over_socket(&not_relevant).await.unwrap();
    let alice = bot.person("U0000001").await.unwrap();
    assert!(alice.snoozed_until.is_some());
    assert!(alice.paused.contains(&user("U0000002")));

    // Someone else pressing Alice's buttons changes nothing.
    let url = fake.response_url();
    let forged = Delivery::Interaction {
        payload: button_press("U0000002", "nudge_we_met", "U0000001:U0000002", &url),
    };
    fake.deliver_over_socket(&forged).await.unwrap();
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_the_app_home_publishes_it_once_per_event_id() {
    let fake = company().await;
    let bot = spawn_bot_over_socket(&fake, TEAMS).await;
    let met = fake.slash_command(
        "/met",
        "<@U0000002> 3d ago lunch",
        user("U0000001"),
        channel(),
    );
    fake.deliver_over_socket(&met).await.unwrap();

    let opened = Delivery::Event {
        event_id: "Ev0001".to_owned(),
        event: json!({ "type": "app_home_opened", "user": "U0000001", "channel": "D0000001", "tab": "home",
                       "event_ts": "1700000000.000100" }),
        event_time: 1_700_000_000,
    };
    fake.deliver_over_socket(&opened).await.unwrap();
    fake.deliver_over_socket(&opened).await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while fake.home_view(user("U0000001")).is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the App Home was not published"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let home = fake.home_view(user("U0000001")).unwrap().to_string();
    assert!(
        home.contains("<@U0000002> (Platform): last met 3 days ago, once"),
        "{home}"
    );
    assert!(
        home.contains("*Your reach*\\n🟩")
            && home.contains("🟩 *Platform* · <@U0000002> · last met 3 days ago · fresh"),
        "the reach comes first: {home}"
    );
    let publishes = fake
        .calls()
        .iter()
        .filter(|c| c.method == "views.publish")
        .count();
    assert_eq!(publishes, 1, "a retried event is handled once");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_introduction_explains_itself_and_is_not_repeated_once_they_met() {
    let fake = company().await;
    let bot = spawn_bot_configured(&fake, TEAMS, |settings| {
        settings.rules = settings.rules.any_time();
    })
    .await;
    let scheduler = bot.app.scheduler();

    // Nobody has met anyone: Alice, first by id, is introduced to Bilal.
    let report = scheduler.run(JobKind::Nudges, Utc::now()).await.unwrap();
    assert_eq!(report.summary, "queued 1 (1 introduction)");
    // Recorded as sent once Slack took it: *Why this?* reads that record.
    eventually("the dispatcher sends it and records it", async || {
        let since = Utc::now() - chrono::Duration::days(1);
        !bot.app
            .store()
            .nudges_sent_since(since)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    let dm = &fake.messages()[0];
    assert_eq!(dm.dm_user.as_deref(), Some("U0000001"));
    assert_eq!(
        dm.text,
        "Someone worth knowing outside Payments: <@U0000002> in Platform."
    );

    let url = fake.response_url();
    let why = Delivery::Interaction {
        payload: button_press("U0000001", "nudge_why", "U0000001:U0000002", &url),
    };
    fake.deliver_over_socket(&why).await.unwrap();
    let explained = answer_at(&fake, &url).await;
    let text = explained["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("I have no meeting of yours with anyone outside Payments on record yet. <@U0000002> is in Platform, and you two have not met."),
        "{text}"
    );
    // Payments is two people, under the k-anonymity floor: no figure of it.
    assert!(!text.contains("active alliance"), "{text}");

    // They meet: Alice presses *We met*. No introduction comes again.
    let url = fake.response_url();
    let we_met = Delivery::Interaction {
        payload: button_press("U0000001", "nudge_we_met", "U0000001:U0000002", &url),
    };
    fake.deliver_over_socket(&we_met).await.unwrap();
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 1);
    let report = scheduler.run(JobKind::Nudges, Utc::now()).await.unwrap();
    assert_eq!(report.summary, "queued 0");
    assert_eq!(
        fake.messages()
            .iter()
            .filter(|m| m.dm_user.is_some())
            .count(),
        1
    );
    bot.stop().await;
}
