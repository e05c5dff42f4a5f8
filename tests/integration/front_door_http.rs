//! The front door over HTTP, as Slack uses it: signed slash commands and
//! events reach the real bot on 127.0.0.1; what is not from Slack is refused
//! and changes nothing.

use crate::helpers::{fake_user, now, on_both_stores, spawn_bot, spawn_bot_on, user, workspace};
use fake_slack::FakeSlack;

const TEAMS: &str = "[[team]]\nname = \"Payments\"\nmembers = [\"U0000001\", \"U0000003\"]\n\
                     [[team]]\nname = \"Platform\"\nmembers = [\"U0000002\"]\n";

async fn company() -> FakeSlack {
    FakeSlack::start(workspace(vec![
        fake_user("U0000001", "Alice Moreau"),
        fake_user("U0000002", "Bilal Haddad"),
        fake_user("U0000003", "Chen Park"),
    ]))
    .await
    .unwrap()
}

on_both_stores! {
async fn met_logs_a_meeting_once_and_says_it_is_a_new_alliance_and_a_first_bridge(store: Backend) {
    let fake = company().await;
    let bot = spawn_bot_on(&fake, TEAMS, &store).await;

    let (status, answer) = bot
        .slash(
            "/met",
            "<@U0000002|bilal> yesterday coffee about the roadmap",
            "U0000001",
            "trigger-1",
        )
        .await;

    assert_eq!(status, 200);
    assert_eq!(answer["response_type"], "ephemeral");
    let text = answer["text"].as_str().unwrap();
    assert!(
        text.contains(
            "Logged: you met <@U0000002> (Platform) yesterday — coffee about the roadmap."
        ),
        "{text}"
    );
    assert!(text.contains("a new alliance with Platform"), "{text}");
    assert!(
        text.contains("first bridge ever between Payments and Platform"),
        "{text}"
    );
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 1);

    // Slack (or a flaky network) delivers the same command again.
    let (_, again) = bot
        .slash(
            "/met",
            "<@U0000002|bilal> yesterday coffee about the roadmap",
            "U0000001",
            "trigger-1",
        )
        .await;
    assert!(
        again["text"].as_str().unwrap().contains("already logged"),
        "{again}"
    );
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        1,
        "a retried delivery logs nothing twice"
    );

    // A second meeting with the same person is not a new alliance.
    let (_, second) = bot
        .slash("/met", "@bilal.haddad today", "U0000001", "trigger-2")
        .await;
    let text = second["text"].as_str().unwrap();
    assert!(
        text.contains("Logged: you met <@U0000002> (Platform) today."),
        "{text}"
    );
    assert!(!text.contains("new alliance"), "{text}");

    // Several people at once: one meeting, a tie for every pair.
    let (_, group) = bot
        .slash(
            "/met",
            "<@U0000002> <@U0000003|chen> 2d ago design review",
            "U0000001",
            "trigger-3",
        )
        .await;
    let text = group["text"].as_str().unwrap();
    assert!(
        text.contains("you met <@U0000002> (Platform) and <@U0000003> (Payments)"),
        "{text}"
    );
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 3);
    assert_eq!(
        bot.app.store().ties().await.unwrap().len(),
        3,
        "Alice–Bilal, Alice–Chen, Bilal–Chen"
    );
    bot.stop().await;
}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_command_gets_a_sentence_with_an_example_and_logs_nothing() {
    let fake = company().await;
    let bot = spawn_bot(&fake, TEAMS).await;

    for (text, expected) in [
        ("", "Who did you meet?"),
        ("yesterday coffee", "Who did you meet?"),
        ("<@U0000002> 2026-13-45", "is not a date"),
        ("<@U0000001>", "Name the people you met"),
        (
            "@nobody.here lunch",
            "I don't know anyone called @nobody.here",
        ),
        ("<@U0000777> lunch", "I don't know <@U0000777>"),
    ] {
        let (status, answer) = bot
            .slash("/met", text, "U0000001", &format!("t-{text}"))
            .await;
        assert_eq!(status, 200);
        let answer = answer["text"].as_str().unwrap();
        assert!(answer.contains(expected), "/met {text} → {answer}");
        assert!(answer.contains("Try: `/met"), "an example: {answer}");
    }
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let (_, answer) = bot
        .slash(
            "/met",
            &format!("<@U0000002> {tomorrow}"),
            "U0000001",
            "t-future",
        )
        .await;
    assert!(
        answer["text"].as_str().unwrap().contains("still to come"),
        "{answer}"
    );
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 0);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_unsigned_and_oversized_requests_are_refused_and_change_nothing() {
    let fake = company().await;
    let bot = spawn_bot(&fake, TEAMS).await;
    let body = "command=%2Fmet&text=%3C%40U0000002%3E&user_id=U0000001&trigger_id=t1";
    let form = "application/x-www-form-urlencoded";

    let unsigned = bot.post("/slack/commands", form, body, None).await;
    assert_eq!(unsigned.status().as_u16(), 401);
    assert!(
        unsigned
            .text()
            .await
            .unwrap()
            .contains("X-Slack-Request-Timestamp")
    );

    let stale = bot
        .post("/slack/commands", form, body, Some(now() - 6 * 60))
        .await;
    assert_eq!(stale.status().as_u16(), 401);

    let forged = fake_slack::http_client()
        .build()
        .unwrap()
        .post(format!("{}/slack/commands", bot.url))
        .header("content-type", form)
        .header("x-slack-request-timestamp", now().to_string())
        .header("x-slack-signature", "v0=0123456789abcdef")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401);

    let huge = format!("{body}&padding={}", "x".repeat(70 * 1024));
    let oversized = bot.post("/slack/commands", form, &huge, Some(now())).await;
    assert_eq!(oversized.status().as_u16(), 413);

    for path in ["/slack/events", "/slack/interactivity"] {
        let refused = bot.post(path, "application/json", "{}", None).await;
        assert_eq!(refused.status().as_u16(), 401, "{path}");
    }
    assert_eq!(bot.app.store().interaction_count().await.unwrap(), 0);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_url_verification_and_ssl_check_are_answered() {
    let fake = company().await;
    let bot = spawn_bot(&fake, TEAMS).await;
    let challenge = r#"{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let answer = bot
        .post("/slack/events", "application/json", challenge, Some(now()))
        .await;
    assert_eq!(answer.status().as_u16(), 200);
    let answer: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        answer["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    let ssl_check = bot
        .post(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            "ssl_check=1&token=x",
            Some(now()),
        )
        .await;
    assert_eq!(ssl_check.status().as_u16(), 200);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alliances_subcommands_answer_and_remember_each_choice() {
    let fake = company().await;
    let bot = spawn_bot(&fake, TEAMS).await;
    let text = |answer: &serde_json::Value| answer["text"].as_str().unwrap_or_default().to_owned();

    let (_, help) = bot.slash("/alliances", "", "U0000001", "a1").await;
    assert!(text(&help).contains("/alliances status"), "{help}");
    let (_, typo) = bot.slash("/alliances", "stauts", "U0000001", "a2").await;
    assert!(
        text(&typo).contains("Did you mean `/alliances status`?"),
        "{typo}"
    );

    let (_, empty) = bot.slash("/alliances", "status", "U0000001", "a3").await;
    assert!(text(&empty).contains("no alliances yet"), "{empty}");
    bot.slash("/met", "<@U0000002> 3d ago lunch", "U0000001", "a4")
        .await;
    let (_, status) = bot.slash("/alliances", "status", "U0000001", "a5").await;
    assert!(
        text(&status).contains("<@U0000002> (Platform): last met 3 days ago, once"),
        "{status}"
    );

    bot.slash("/alliances", "snooze 2w", "U0000001", "a6").await;
    bot.slash("/alliances", "pause <@U0000002|bilal>", "U0000001", "a7")
        .await;
    let (_, optout) = bot.slash("/alliances", "optout", "U0000001", "a8").await;
    assert!(text(&optout).contains("opted out"), "{optout}");
    let alice = bot.person("U0000001").await.unwrap();
    assert!(alice.opted_out);
    assert!(alice.snoozed_until.is_some());
    assert!(alice.paused.contains(&user("U0000002")));

    let (_, export) = bot.slash("/alliances", "export", "U0000001", "a9").await;
    assert!(text(&export).contains("lunch"), "{export}");

    let (_, refused) = bot
        .slash("/alliances", "tick dry-run", "U0000001", "a10")
        .await;
    assert!(text(&refused).contains("Only the admins"), "{refused}");

    let (_, forget) = bot
        .slash("/alliances", "forget-me", "U0000001", "a11")
        .await;
    assert!(
        forget["blocks"].to_string().contains("forget_me_confirm"),
        "a confirm button: {forget}"
    );
    assert_eq!(
        bot.app.store().interaction_count().await.unwrap(),
        1,
        "nothing is forgotten before the confirm"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_introduction_asked_for_just_before_shutdown_is_still_made() {
    use fake_slack::{Fault, Faults};
    let fake = company().await;
    let bot = spawn_bot(&fake, TEAMS).await;
    // Slack is slow to open the group DM: the introduction is still on its
    // way when the bot is told to stop.
    fake.set_faults(Faults::seeded(1).next_calls(
        "conversations.open",
        1,
        Fault::Slow {
            delay: std::time::Duration::from_millis(500),
        },
    ));

    let (status, answer) = bot
        .slash(
            "/alliances",
            "intro <@U0000002> <@U0000003> you both work on onboarding",
            "U0000001",
            "trigger-intro",
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    bot.stop().await;

    let introduced = fake
        .messages()
        .into_iter()
        .any(|m| m.text.contains("onboarding") || m.blocks.to_string().contains("onboarding"));
    assert!(
        introduced,
        "the introduction was made before the bot stopped"
    );
    fake.stop().await;
}
