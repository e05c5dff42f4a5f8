//! Several replicas of the bot on one PostgreSQL database, as a
//! deployment with replicas runs them: each answers Slack, one runs the
//! scheduled jobs, and what they send is sent once.

use crate::helpers::{
    Backend, PAYMENTS_AND_PLATFORM, TestBot, alice_and_bilal, eventually, eventually_within,
    notes_in, readiness, spawn_bot_on, spawn_bot_on_clock_configured,
};
use crate::served::{Folder, Served};
use std::time::Duration;

/// `count` posts of a digest into #alliances, each different (its count of
/// alliances), queued at once on `bots`' shared store, both bots told.
async fn queue_posts(count: usize, bots: [&TestBot; 2]) {
    let now = chrono::Utc::now();
    bots[0]
        .app
        .store()
        .enqueue(posts(count, now), now)
        .await
        .unwrap();
    for bot in bots {
        bot.app.scheduler().dispatcher().wake();
    }
}

/// `count` posts of a digest into #alliances as of `now`, each different
/// (its count of alliances, 1 to `count`).
fn posts(count: usize, now: chrono::DateTime<chrono::Utc>) -> Vec<alliances::domain::Outgoing> {
    use alliances::domain::{Digest, Outgoing};
    (1..=count)
        .map(|n| Outgoing::Digest {
            channel: "alliances".into(),
            digest: Digest {
                unnamed_new_alliances: n,
                ..Digest::empty(now - chrono::Duration::days(3), now)
            },
            team_map: None,
        })
        .collect()
}

/// A fake Slack of Bilal and `others` people (`U0000010` on) who log
/// meetings with him in a burst, each well under the meetings one person
/// may log in an hour.
async fn bilal_and_others(others: usize) -> fake_slack::FakeSlack {
    let mut people = vec![crate::helpers::fake_user("U0000002", "Bilal Haddad")];
    people.extend(
        (10..10 + others)
            .map(|n| crate::helpers::fake_user(&format!("U00000{n}"), &format!("Person {n}"))),
    );
    fake_slack::FakeSlack::start(crate::helpers::workspace(people))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_database_elect_one_to_run_the_jobs_and_share_the_rest() {
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

    // An admin asks the other replica for the digest, which it queues and
    // sends (that no replica sends a message twice is the next story's).
    let (status, answer) = b
        .slash("/alliances", "digest now", "U0000009", "trigger-2")
        .await;
    assert_eq!(status, 200, "{answer}");
    eventually("the digest is posted", async || {
        fake.messages().iter().any(|m| m.dm_user.is_none())
    })
    .await;
    a.stop().await;
    b.stop().await;
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sending_from_one_outbox_send_each_message_once() {
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
    queue_posts(40, [&a, &b]).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_away_for_20_s_in_a_burst_requests_get_a_sentence_and_nothing_is_lost() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use throwaway_postgres::{Cluster, Durability};
    // A cluster of its own: this story stops it.
    let Some(cluster) = Cluster::for_tests(Durability::NoFsync) else {
        return;
    };
    let url = cluster.create_database().unwrap();
    let fake = Arc::new(bilal_and_others(4).await);
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", PAYMENTS_AND_PLATFORM);
    let bot = Served::start_with_env(
        &fake,
        &folder.config,
        &folder.data,
        &[("ALLIANCES_DATABASE_URL", &url)],
    )
    .await;
    assert_eq!(readiness(bot.health()).await, (200, "ready\n".to_owned()));

    // Their `/met`s, one after another each, until told to stop: what was
    // acknowledged, and what each other answer said.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let other_answers = Arc::new(Mutex::new(Vec::new()));
    let senders: Vec<_> = (0..4)
        .map(|sender| {
            let (fake, url) = (Arc::clone(&fake), bot.url.clone());
            let (stop, acknowledged) = (Arc::clone(&stop), Arc::clone(&acknowledged));
            let other_answers = Arc::clone(&other_answers);
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let note = format!("coffee {sender}-{n}");
                    let met = fake.slash_command(
                        "/met",
                        &format!("<@U0000002> {note}"),
                        crate::helpers::user(&format!("U00000{}", 10 + sender)),
                        crate::helpers::alliance_channel(),
                    );
                    match fake.deliver_over_http(&url, &met).await {
                        Ok(answer) => {
                            let text = answer.body["text"].as_str().unwrap_or_default().to_owned();
                            match text.contains("Logged:") {
                                true => acknowledged.lock().unwrap().push(note),
                                false => other_answers.lock().unwrap().push(text),
                            }
                        }
                        Err(error) => other_answers.lock().unwrap().push(error.to_string()),
                    }
                    n += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        })
        .collect();
    let acknowledged_count = || acknowledged.lock().unwrap().len();
    eventually("the burst is under way", async || {
        acknowledged_count() >= 20
    })
    .await;

    cluster.stop();
    let before_outage = acknowledged_count();
    let (status, why) = readiness(bot.health()).await;
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("the store"), "{why}");
    tokio::time::sleep(Duration::from_secs(20)).await;
    let (status, _) = readiness(bot.health()).await;
    assert_eq!(status, 503, "not ready all the while");
    let during_outage = acknowledged_count() - before_outage;
    cluster.start_again().unwrap();
    eventually_within(
        "the bot is ready again by itself",
        Duration::from_secs(20),
        async || readiness(bot.health()).await.0 == 200,
    )
    .await;
    let after = acknowledged_count();
    eventually("meetings are logged again", async || {
        acknowledged_count() >= after + 20
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for sender in senders {
        sender.await.unwrap();
    }

    // While it was away, every request was told to try again, in time.
    assert!(
        during_outage <= 4,
        "at most the requests in flight when it stopped: {during_outage}"
    );
    let others = other_answers.lock().unwrap().clone();
    assert!(
        others.len() >= 40,
        "{} requests met the outage",
        others.len()
    );
    for answer in &others {
        assert!(answer.contains("try again"), "{answer}");
    }
    // And every meeting acknowledged is in the database.
    let store = alliances::store::Store::connect(&url, alliances::domain::HalfLife::DEFAULT)
        .await
        .unwrap();
    let stored = notes_in(&store).await;
    for note in acknowledged.lock().unwrap().iter() {
        assert!(
            stored.contains(note),
            "{note} was acknowledged but is not stored"
        );
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_quiet_replicas_starting_a_burst_together_share_slack_s_limits_and_are_never_refused() {
    use fake_slack::Limits;
    const SPEEDUP: f64 = 10.0;
    let Some(Backend::Postgres { url, data_dir }) = Backend::postgres() else {
        return;
    };
    let store = Backend::Postgres {
        url: url.clone(),
        data_dir,
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
    // Both are up and have gone quiet since their people sync: a third
    // reader of the database sees two up, neither calling. A burst they
    // start together starts at half the limits each.
    let reader = alliances::store::PgStore::connect(&url, alliances::domain::HalfLife::DEFAULT)
        .await
        .unwrap();
    eventually_within(
        "both are up and quiet",
        Duration::from_secs(15),
        async || {
            let counted = reader
                .slack_callers(false, Duration::from_secs(1))
                .await
                .unwrap();
            counted.up == 3 && counted.calling == 0
        },
    )
    .await;
    let before = fake.messages().len();

    // Sixty posts into one channel, which takes ten a second at this
    // pace: alone, each replica would send that many.
    queue_posts(60, [&a, &b]).await;
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

/// The process id in a replica's name (`host:pid:random`).
fn pid_of(replica: &str) -> u32 {
    replica
        .split(':')
        .nth(1)
        .and_then(|pid| pid.parse().ok())
        .expect("a replica's name holds its process id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_mid_send_of_500_messages_loses_none_and_repeats_at_most_one() {
    use alliances::domain::HalfLife;
    let Some(Backend::Postgres { url, .. }) = Backend::postgres() else {
        return;
    };
    let fake = alice_and_bilal().await;
    let folder = Folder::new(
        "[teams]\nfile = \"teams.toml\"\n[delivery]\nspeedup = 100\n",
        PAYMENTS_AND_PLATFORM,
    );
    let env = [("ALLIANCES_DATABASE_URL", url.as_str())];
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(Served::start_with_env(&fake, &folder.config, &folder.data, &env).await);
    }
    let store = alliances::store::PgStore::connect(&url, HalfLife::DEFAULT)
        .await
        .unwrap();
    eventually("a replica leads", async || {
        store.lease("scheduler").await.unwrap().is_some()
    })
    .await;
    let leader = pid_of(&store.lease("scheduler").await.unwrap().unwrap().holder);
    let channel_posts = || {
        fake.messages()
            .into_iter()
            .filter(|m| m.dm_user.is_none())
            .collect::<Vec<_>>()
    };
    let before = channel_posts().len();

    let now = chrono::Utc::now();
    store.enqueue(posts(500, now), now).await.unwrap();
    eventually("sending is under way", async || {
        channel_posts().len() >= before + 50
    })
    .await;
    let at = replicas
        .iter()
        .position(|replica| replica.pid() == leader)
        .expect("the leader is one of the three");
    replicas.remove(at).kill_9().await;
    let killed_at = channel_posts().len() - before;
    assert!(killed_at < 500, "killed mid-send, after {killed_at}");

    // Another replica takes the lease, and the rest is sent.
    eventually_within(
        "another replica leads",
        Duration::from_secs(30),
        async || {
            store
                .lease("scheduler")
                .await
                .unwrap()
                .is_some_and(|lease| pid_of(&lease.holder) != leader)
        },
    )
    .await;
    eventually_within("the outbox is empty", Duration::from_secs(60), async || {
        store.pending_outbox().await.unwrap().is_empty()
    })
    .await;
    let sent = channel_posts().split_off(before);
    let distinct: std::collections::BTreeSet<String> =
        sent.iter().map(|m| m.blocks.to_string()).collect();
    assert_eq!(distinct.len(), 500, "every message arrives");
    assert!(
        sent.len() <= 501,
        "at most the one in flight is repeated: {} sent",
        sent.len()
    );
    for replica in replicas {
        replica.stop().await;
    }
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_replicas_in_turn_during_a_met_burst_loses_no_acknowledged_meeting() {
    use std::sync::{Arc, Mutex};
    let Some(Backend::Postgres { url, .. }) = Backend::postgres() else {
        return;
    };
    let fake = Arc::new(bilal_and_others(10).await);
    let folder = Folder::new("[teams]\nfile = \"teams.toml\"\n", PAYMENTS_AND_PLATFORM);
    let env = [("ALLIANCES_DATABASE_URL", url.as_str())];
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(Served::start_with_env(&fake, &folder.config, &folder.data, &env).await);
    }
    let urls = Arc::new(Mutex::new(
        replicas.iter().map(|r| r.url.clone()).collect::<Vec<_>>(),
    ));
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    // Eight people at once, thirty-five meetings each, to whichever
    // replica is next.
    let senders: Vec<_> = (0..8)
        .map(|sender| {
            let (fake, urls) = (Arc::clone(&fake), Arc::clone(&urls));
            let (acknowledged, sent) = (Arc::clone(&acknowledged), Arc::clone(&sent));
            tokio::spawn(async move {
                for round in 0..35 {
                    let n = sender * 100 + round;
                    let url = {
                        let urls = urls.lock().unwrap();
                        urls[n % urls.len()].clone()
                    };
                    let met = fake.slash_command(
                        "/met",
                        &format!("<@U0000002> coffee number {n}"),
                        crate::helpers::user(&format!("U00000{}", 10 + sender)),
                        crate::helpers::alliance_channel(),
                    );
                    let answer = fake.deliver_over_http(&url, &met).await;
                    sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if answer.is_ok_and(|a| {
                        a.body["text"]
                            .as_str()
                            .unwrap_or_default()
                            .contains("Logged:")
                    }) {
                        acknowledged
                            .lock()
                            .unwrap()
                            .push(format!("coffee number {n}"));
                    }
                }
            })
        })
        .collect();
    // Two kills while requests are in flight, each followed by a replica
    // started in its place.
    for after in [90, 180] {
        eventually("the burst is under way", async || {
            sent.load(std::sync::atomic::Ordering::SeqCst) >= after
        })
        .await;
        let victim = replicas.remove(0);
        let gone = victim.url.clone();
        victim.kill_9().await;
        urls.lock().unwrap().retain(|url| *url != gone);
        let fresh = Served::start_with_env(&fake, &folder.config, &folder.data, &env).await;
        urls.lock().unwrap().push(fresh.url.clone());
        replicas.push(fresh);
    }
    for sender in senders {
        sender.await.unwrap();
    }

    let store = alliances::store::Store::connect(&url, alliances::domain::HalfLife::DEFAULT)
        .await
        .unwrap();
    let stored = notes_in(&store).await;
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 200,
        "{} acknowledged of 280",
        acknowledged.len()
    );
    for note in &acknowledged {
        assert!(
            stored.contains(note),
            "{note} was acknowledged but is not stored"
        );
    }
    for replica in replicas {
        replica.stop().await;
    }
}
