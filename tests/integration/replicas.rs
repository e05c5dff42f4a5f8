//! Several replicas of the bot on one PostgreSQL database, as a
//! deployment with replicas runs them: each answers Slack, one runs the
//! scheduled jobs, and what they send is sent once.

use crate::helpers::{
    Backend, PAYMENTS_AND_PLATFORM, alice_and_bilal, eventually, eventually_within, spawn_bot_on,
    spawn_bot_on_clock_configured,
};
use crate::served::{Folder, Served};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_database_run_the_jobs_once_and_post_one_digest() {
    let Some(store) = Backend::postgres() else {
        return;
    };
    let fake = alice_and_bilal().await;
    let a = spawn_bot_on(&fake, PAYMENTS_AND_PLATFORM, &store).await;
    let b = spawn_bot_on(&fake, PAYMENTS_AND_PLATFORM, &store).await;

    // A fresh install runs each job once, on the replica that leads.
    a.first_scheduled_digest_has_run().await;
    let leaders = [&a, &b]
        .iter()
        .filter(|bot| bot.app.scheduler().leadership().leads())
        .count();
    assert_eq!(leaders, 1, "one replica runs the jobs");

    // What one replica logs, the other reads.
    let (status, logged) = a
        .slash("/met", "<@U0000002> coffee", "U0000001", "trigger-1")
        .await;
    assert_eq!(status, 200, "{logged}");
    assert_eq!(b.app.store().interaction_count().await.unwrap(), 1);

    // An admin asks the other replica for the digest: both replicas'
    // dispatchers look at the outbox, and it is posted once.
    let (status, answer) = b
        .slash("/alliances", "digest now", "U0000009", "trigger-2")
        .await;
    assert_eq!(status, 200, "{answer}");
    eventually("the digest is posted", async || {
        fake.messages().iter().any(|m| m.dm_user.is_none())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let posts = fake
        .messages()
        .into_iter()
        .filter(|m| m.dm_user.is_none())
        .count();
    assert_eq!(posts, 1, "the digest is posted once");
    a.stop().await;
    b.stop().await;
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sending_from_one_outbox_send_each_message_once() {
    use alliances::domain::{Digest, Outgoing};
    let Some(store) = Backend::postgres() else {
        return;
    };
    let fake = alice_and_bilal().await;
    let fast = |settings: &mut alliances::config::Settings| {
        store.configure(settings);
        settings.delivery.speedup = 100.0.try_into().unwrap();
    };
    let clock = || std::sync::Arc::new(alliances::domain::SystemClock);
    let a = spawn_bot_on_clock_configured(&fake, PAYMENTS_AND_PLATFORM, clock(), fast).await;
    let b = spawn_bot_on_clock_configured(&fake, PAYMENTS_AND_PLATFORM, clock(), fast).await;
    a.first_scheduled_digest_has_run().await;
    let before = fake.messages().len();

    // Forty posts queued at once, and both replicas told.
    let now = chrono::Utc::now();
    let posts: Vec<Outgoing> = (0..40)
        .map(|week| Outgoing::Digest {
            channel: "alliances".into(),
            digest: Digest {
                unnamed_new_alliances: 1,
                ..Digest::empty(now - chrono::Duration::weeks(week + 1), now)
            },
            team_map: None,
        })
        .collect();
    a.app.store().enqueue(posts, now).await.unwrap();
    a.app.scheduler().dispatcher().wake();
    b.app.scheduler().dispatcher().wake();
    eventually("the outbox is empty", async || {
        a.app.store().pending_outbox().await.unwrap().is_empty()
    })
    .await;
    let sent = fake.messages().len() - before;
    assert_eq!(sent, 40, "each message is sent once");
    a.stop().await;
    b.stop().await;
    fake.stop().await;
}

/// `/met <@U0000002> {what}` from Alice, delivered to `url` as Slack signs
/// it: the answer's text.
async fn alice_met_bilal(fake: &fake_slack::FakeSlack, url: &str, what: &str) -> String {
    let met = fake.slash_command(
        "/met",
        &format!("<@U0000002> {what}"),
        crate::helpers::user("U0000001"),
        crate::helpers::alliance_channel(),
    );
    let answer = fake.deliver_over_http(url, &met).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["text"].as_str().unwrap_or_default().to_owned()
}

async fn readiness(health: &str) -> (u16, String) {
    let response = crate::helpers::http_get(format!("{health}/readyz"))
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_away_a_request_gets_a_sentence_and_the_bot_comes_back_by_itself() {
    use throwaway_postgres::{Cluster, Durability};
    // A cluster of its own: this story stops it.
    let Some(cluster) = Cluster::for_tests(Durability::NoFsync) else {
        return;
    };
    let url = cluster.create_database().unwrap();
    let fake = alice_and_bilal().await;
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", PAYMENTS_AND_PLATFORM);
    let bot = Served::start_with_env(
        &fake,
        &folder.config,
        &folder.data,
        &[("ALLIANCES_DATABASE_URL", &url)],
    )
    .await;
    assert_eq!(readiness(bot.health()).await, (200, "ready\n".to_owned()));
    let mut acknowledged = 0;
    let said = alice_met_bilal(&fake, &bot.url, "coffee").await;
    assert!(said.contains("Logged:"), "{said}");
    acknowledged += 1;

    cluster.stop();
    let said = alice_met_bilal(&fake, &bot.url, "lunch").await;
    assert!(
        !said.starts_with("Logged"),
        "nothing is acknowledged: {said}"
    );
    assert!(said.contains("try again"), "{said}");
    let (status, why) = readiness(bot.health()).await;
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("the store"), "{why}");
    assert!(!folder.data.exists(), "no sled store was made instead");

    cluster.start_again().unwrap();
    eventually_within(
        "the bot is ready again",
        Duration::from_secs(20),
        async || readiness(bot.health()).await.0 == 200,
    )
    .await;
    let said = alice_met_bilal(&fake, &bot.url, "tea").await;
    assert!(said.contains("Logged:"), "{said}");
    acknowledged += 1;

    let store = alliances::store::Store::connect(&url, alliances::domain::HalfLife::DEFAULT)
        .await
        .unwrap();
    assert_eq!(store.interaction_count().await.unwrap(), acknowledged);
    bot.stop().await;
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sending_at_once_share_slack_s_limits_and_are_never_refused() {
    use alliances::domain::{Digest, Outgoing};
    use fake_slack::Limits;
    const SPEEDUP: f64 = 10.0;
    let Some(store) = Backend::postgres() else {
        return;
    };
    let fake = alice_and_bilal().await;
    fake.enforce_limits(Limits::scaled(SPEEDUP));
    let paced = |settings: &mut alliances::config::Settings| {
        store.configure(settings);
        settings.delivery.speedup = SPEEDUP.try_into().unwrap();
    };
    let clock = || std::sync::Arc::new(alliances::domain::SystemClock);
    let a = spawn_bot_on_clock_configured(&fake, PAYMENTS_AND_PLATFORM, clock(), paced).await;
    let b = spawn_bot_on_clock_configured(&fake, PAYMENTS_AND_PLATFORM, clock(), paced).await;
    // Each has called Slack (its people sync) and counted the other.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let before = fake.messages().len();

    // Sixty posts into one channel, which takes ten a second at this
    // pace: alone, each replica would send that many.
    let now = chrono::Utc::now();
    let posts: Vec<Outgoing> = (0..60)
        .map(|week| Outgoing::Digest {
            channel: "alliances".into(),
            digest: Digest {
                unnamed_new_alliances: 1,
                ..Digest::empty(now - chrono::Duration::weeks(week + 1), now)
            },
            team_map: None,
        })
        .collect();
    a.app.store().enqueue(posts, now).await.unwrap();
    a.app.scheduler().dispatcher().wake();
    b.app.scheduler().dispatcher().wake();
    eventually_within("the outbox is empty", Duration::from_secs(30), async || {
        a.app.store().pending_outbox().await.unwrap().is_empty()
    })
    .await;
    assert_eq!(fake.messages().len() - before, 60);
    assert_eq!(fake.violations(), vec![], "no call was over Slack's limits");
    a.stop().await;
    b.stop().await;
    fake.stop().await;
}
